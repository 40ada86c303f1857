"""What a hostile student pastes as a tool file: each call of `attack` tries one way out of the sandbox and
says what it got (or how it was stopped)."""

import os


def attack(what: str, target: str = "") -> str:
    """Try one way out of the sandbox.

    Args:
        what: the attack
        target: a path or pid it needs
    """
    import ctypes
    import signal
    import socket
    import subprocess

    try:
        if what == "parent_environ":
            return open(f"/proc/{os.getppid()}/environ").read()
        if what == "server_environ":  # the server's real pid, given by the test
            return open(f"/proc/{target}/environ").read()
        if what == "read":
            return open(target, "rb").read(200).decode("latin-1")
        if what == "write":
            with open(target, "ab") as f:
                f.write(b"owned")
            return "wrote"
        if what == "whoami":
            return f"uid={os.getuid()} gid={os.getgid()} cwd={os.getcwd()} pids={sorted(os.listdir('/proc'))[:3]}"
        if what == "processes":
            return " ".join(p for p in os.listdir("/proc") if p.isdigit())
        if what == "fork":
            made = 0
            for _ in range(40):
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                made += 1
            return f"forked {made}"
        if what == "subprocess":
            return subprocess.run(["/bin/sh", "-c", "id"], capture_output=True, text=True).stdout
        if what == "python_subprocess":
            return subprocess.run([os.sys.executable, "-c", "print('child')"], capture_output=True, text=True).stdout
        if what == "kill_server":
            os.kill(int(target), signal.SIGKILL)
            return "killed"
        if what == "kill_parent":
            os.kill(os.getppid(), signal.SIGKILL)
            return "killed parent"
        if what == "setns":
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(f"/proc/{target or 1}/ns/net", os.O_RDONLY)
            if libc.setns(fd, 0x40000000) != 0:
                return f"blocked: setns errno {ctypes.get_errno()}"
            return "joined"
        if what == "connect":
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=3) as s:
                return "connected " + s.recv(16).decode()
        if what == "raw_connect":  # past any Python-level guard: the libc call itself
            libc = ctypes.CDLL(None, use_errno=True)
            host, port = target.rsplit(":", 1)
            fd = libc.socket(2, 1, 0)
            addr = socket.inet_aton(host)
            sockaddr = (2).to_bytes(2, "little") + int(port).to_bytes(2, "big") + addr + bytes(8)
            if libc.connect(fd, sockaddr, 16) != 0:
                return f"blocked: connect errno {ctypes.get_errno()}"
            return "connected"
        if what == "detach":  # a daemon thread left running after the call
            import threading
            import time

            def linger():
                time.sleep(30)
                open(target, "w").write("still here")

            threading.Thread(target=linger, daemon=True).start()
            return "left a thread"
    except BaseException as exc:  # noqa: BLE001 - what stopped it is the answer
        return f"blocked: {type(exc).__name__}: {exc}"
    return "unknown attack"
