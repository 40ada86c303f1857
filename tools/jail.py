"""The jail a custom tool's child process runs in: bubblewrap (Debian's `bubblewrap`), as Flatpak uses it.

Each call gets new user, PID, network, IPC, UTS and mount namespaces; an unprivileged uid (65534); a root that
holds only the Python runtime, read-only (the interpreter's prefix, the virtual environment, the system's
shared libraries) and our `tools` package at /sandbox; a private tmpfs /tmp; no /etc, no home, no database, no
view of the server's processes (its own /proc); an empty environment; no inherited file descriptors;
`--die-with-parent`, so nothing outlives the call. A seccomp filter lets the tool start threads but no other
process (no fork, vfork or subprocess; the tool is the only process of its namespace, threads bounded by
its memory limit), and refuses ptrace, setns, unshare, mount, keyctl, bpf, perf and io_uring.

Network, only for a file added with network allowed: the namespace still has no route to the host's loopback;
`slirp4netns --disable-host-loopback` gives it a NAT'd way out (so the tool reaches the internet but not the
playground, its database or anything else listening on 127.0.0.1). Without slirp4netns such files are refused.

Where bubblewrap cannot run (not installed, user namespaces disabled), custom tools are refused with one line
saying why and how to enable it. `configure(unsafe=True)` (PLAYGROUND_UNSAFE_SANDBOX=1, for a machine where
the person at the browser is the operator) falls back to a plain child process with rlimits, an empty
environment and a socket guard: that fallback does not keep a hostile tool from the server's files.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from tools import egress
from tools.model import ToolImportError

SANDBOX_UID = 65534
TOOLS_DIR = Path(__file__).resolve().parent
CHILD = "import sys; sys.path.insert(0, '/sandbox'); from tools.sandbox import main; main()"
# What a jailed interpreter may read, besides its own prefix: the C libraries it links.
_SYSTEM_LIBS = ("/usr/lib", "/usr/lib64", "/lib64")

_unsafe = False


class SandboxUnavailable(ToolImportError):
    """Custom tools cannot run safely on this host; the message says why and how to enable them."""


def configure(*, unsafe: bool = False) -> None:
    """Allow the unsafe fallback (a plain child process) where bubblewrap cannot run. The operator's choice."""
    global _unsafe
    _unsafe = unsafe


@dataclass
class Jail:
    argv: list[str]
    env: dict[str, str]
    fds: tuple[int, ...] = ()
    started: Callable[[subprocess.Popen], None] = lambda proc: None


@contextlib.contextmanager
def jail(limits: Any) -> Iterator[Jail]:
    """The command line (and what it needs open) that runs `python -m tools.sandbox` jailed for `limits`."""
    problem = unavailable()
    if problem:
        if not _unsafe:
            raise SandboxUnavailable(problem)
        yield Jail(argv=[sys.executable, "-I", "-c", CHILD.replace("'/sandbox'", repr(str(TOOLS_DIR.parent)))],
                   env=_child_env())
        return
    if limits.network and not shutil.which("slirp4netns"):
        raise SandboxUnavailable("network for custom tools needs slirp4netns (Debian: apt-get install "
                                 "slirp4netns), which gives the tool a way out that does not reach this "
                                 "machine's loopback; add the file without network, or install it")
    with contextlib.ExitStack() as stack:
        argv, fds = stack.enter_context(_bwrap())
        started: Callable[[subprocess.Popen], None] = lambda proc: None
        if limits.network:
            network = stack.enter_context(_SlirpNetwork())
            argv += network.args
            fds += network.fds
            started = network.start
        argv += ["--chdir", "/tmp", "--clearenv", *_setenv(_child_env()), _interpreter(), "-I", "-c", CHILD]
        yield Jail(argv=argv, env=_child_env(), fds=tuple(fds), started=started)


@contextlib.contextmanager
def _bwrap() -> Iterator[tuple[list[str], list[int]]]:
    """bwrap with the namespaces, the seccomp filter (a file it reads, open for the call) and the binds:
    (its arguments so far, the descriptors it must inherit)."""
    with tempfile.TemporaryFile() as seccomp:
        seccomp.write(seccomp_program())
        seccomp.seek(0)
        yield (["bwrap", *_namespace_args(), "--seccomp", str(seccomp.fileno()), *bind_args()],
               [seccomp.fileno()])


def _child_env() -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


def _setenv(env: dict[str, str]) -> list[str]:
    return [arg for name, value in env.items() for arg in ("--setenv", name, value)]


def _namespace_args() -> list[str]:
    uid = str(SANDBOX_UID)
    return ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--uid", uid, "--gid", uid, "--hostname", "sandbox", "--cap-drop", "ALL",
            "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/sandbox"]


def _interpreter() -> str:
    """The interpreter as the jail sees it: the virtual environment's (its pyvenv.cfg makes its packages
    importable), at the same path as outside, since every prefix is bound where it is."""
    return sys.executable


@functools.lru_cache(maxsize=1)
def bind_args() -> tuple[str, ...]:
    """Read-only binds: the interpreter's prefixes (or, for a system Python in /usr, just its files) and the
    shared libraries; `tools` at /sandbox/tools. Symlinks keep /lib and friends where the loader looks."""
    paths: list[str] = []
    for prefix in dict.fromkeys([sys.base_prefix, sys.prefix]):
        if prefix in ("/usr", "/usr/local", "/"):  # a system Python: only its interpreter and library
            scheme = sysconfig.get_paths(vars={"base": prefix, "platbase": prefix})
            paths += [os.path.realpath(sys.executable), scheme["stdlib"], scheme["platstdlib"],
                      scheme["purelib"], scheme["platlib"]]
        else:
            paths.append(prefix)
    paths += [os.path.realpath(p) for p in _SYSTEM_LIBS if os.path.isdir(p) and not os.path.islink(p)]
    args: list[str] = []
    for path in dict.fromkeys(p for p in paths if os.path.exists(p)):
        args += ["--ro-bind", path, path]
    for link in ("lib", "lib64", "bin"):  # Debian's merged /usr: /lib -> usr/lib
        target = f"/usr/{link}"
        if os.path.islink(f"/{link}") and any(a == target for a in args):
            args += ["--symlink", f"usr/{link}", f"/{link}"]
    args += ["--ro-bind", str(TOOLS_DIR), "/sandbox/tools"]
    return tuple(args)


@functools.lru_cache(maxsize=1)
def unavailable() -> str | None:
    """Why custom tools cannot be jailed on this host, or None. Probed once per process by starting a jail."""
    if not sys.platform.startswith("linux"):
        return "custom Python tools need Linux namespaces (bubblewrap); this server runs on " + sys.platform
    if shutil.which("bwrap") is None:
        return ("custom Python tools run only inside bubblewrap, which is not installed here (Debian: "
                "apt-get install bubblewrap)")
    try:
        seccomp_program()
    except OSError as exc:
        return str(exc)
    with _bwrap() as (argv, fds):
        probe = [*argv, "--clearenv", _interpreter(), "-I", "-c", CHILD.replace("main()", "")]
        try:
            done = subprocess.run(probe, pass_fds=fds, capture_output=True, timeout=30, env=_child_env())
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start a sandbox here ({exc})"
    if done.returncode != 0:
        why = " ".join(done.stderr.decode(errors="replace").split())[-200:]
        return (f"bubblewrap cannot create a sandbox here ({why}); enable unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0)")
    return None


# -- seccomp: threads yes, processes no ------------------------------------------------------------------

# (audit arch, {name: number}) per machine; the numbers are the kernel's, stable per architecture.
_ARCHES = {
    "x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "ptrace": 101, "setns": 308,
                            "unshare": 272, "mount": 165, "keyctl": 250, "add_key": 248, "request_key": 249,
                            "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
                            "kexec_load": 246, "init_module": 175, "finit_module": 313, "pivot_root": 155,
                            "umount2": 166, "process_vm_readv": 310, "process_vm_writev": 311}),
    "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435, "ptrace": 117, "setns": 268, "unshare": 97,
                             "mount": 40, "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280,
                             "perf_event_open": 241, "userfaultfd": 282, "io_uring_setup": 425,
                             "kexec_load": 104, "init_module": 105, "finit_module": 273, "pivot_root": 41,
                             "umount2": 39, "process_vm_readv": 270, "process_vm_writev": 271}),
}
_CLONE_THREAD = 0x00010000
_RET_ALLOW, _RET_KILL = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 1, 38


def _errno(code: int) -> int:
    return 0x00050000 | code


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _load(offset: int) -> bytes:  # A = seccomp_data[offset] (32 bits)
    return _op(0x20, offset)


def _ret(value: int) -> bytes:
    return _op(0x06, value)


def _jeq(k: int, jt: int, jf: int) -> bytes:
    return _op(0x15, k, jt, jf)


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    """A classic-BPF seccomp filter (what bwrap --seccomp reads): threads may be started (clone with
    CLONE_THREAD); fork, vfork and clone of a process fail with EPERM; clone3, whose flags a filter cannot
    read, fails with ENOSYS (glibc then falls back to clone); the calls listed above fail with EPERM; any other
    architecture's calls (x32 on x86_64 included) kill the process."""
    machine = platform.machine().lower()
    if machine not in _ARCHES:
        raise OSError(f"custom Python tools are not supported on {machine}: the sandbox's seccomp filter knows "
                      f"{', '.join(_ARCHES)}")
    arch, numbers = _ARCHES[machine]
    program = [_load(4), _jeq(arch, 1, 0), _ret(_RET_KILL), _load(0)]
    if machine == "x86_64":
        program += [_op(0x35, 0x40000000, 0, 1), _ret(_RET_KILL)]  # x32 ABI numbers: A >= 0x40000000
    for name, number in numbers.items():
        if name in ("clone", "clone3"):
            continue
        program += [_jeq(number, 0, 1), _ret(_errno(_EPERM))]
    program += [_jeq(numbers["clone3"], 0, 1), _ret(_errno(_ENOSYS)),
                _jeq(numbers["clone"], 1, 0), _ret(_RET_ALLOW),
                _load(16),  # args[0], the flags (low 32 bits)
                _op(0x45, _CLONE_THREAD, 0, 1), _ret(_RET_ALLOW), _ret(_errno(_EPERM))]
    return b"".join(program)


# -- network, when allowed: slirp4netns, without the host's loopback ------------------------------------


def _fence(pid: int) -> None:
    """On a server others can reach, the sandbox's network reaches public addresses only (tools.egress):
    its namespace gets an unreachable route for each range egress refuses (the host's own addresses too), and
    a route through the NAT for each the operator allowed, before the tool's code starts. Set from outside,
    as slirp4netns configures it: the code inside has no capability to change them."""
    refused, allowed = egress.sandbox_routes()
    lines = [f"route add unreachable {cidr}" for cidr in refused] + \
        [f"route add {cidr} via 10.0.2.2" for cidr in allowed]
    done = subprocess.run(["nsenter", "--target", str(pid), "--net", "ip", "-batch", "-"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise ToolImportError(f"the sandbox's network could not be fenced ({done.stderr.strip()[:200]}); on a "
                              "server others can reach, a tool's network needs it: add the file without network")


class _SlirpNetwork:
    """bwrap waits (--block-fd) until slirp4netns has given its network namespace an interface; bwrap
    reports the sandbox's pid on --info-fd."""

    def __init__(self) -> None:
        self._info_r, self._info_w = os.pipe()
        self._block_r, self._block_w = os.pipe()
        self._resolv_r, resolv_w = os.pipe()
        os.write(resolv_w, b"nameserver 10.0.2.3\n")  # slirp4netns's DNS forwarder
        os.close(resolv_w)
        self.fds = [self._info_w, self._block_r, self._resolv_r]  # the child's ends
        self._open = {self._info_r, self._block_w, *self.fds}
        self.args = ["--info-fd", str(self._info_w), "--block-fd", str(self._block_r),
                     "--ro-bind-data", str(self._resolv_r), "/etc/resolv.conf"]
        self._slirp: subprocess.Popen | None = None

    def __enter__(self) -> "_SlirpNetwork":
        return self

    def _close(self, fd: int) -> None:
        if fd in self._open:
            self._open.discard(fd)
            os.close(fd)

    def start(self, proc: subprocess.Popen) -> None:
        for fd in self.fds:
            self._close(fd)
        text = b""
        while b"}" not in text:
            chunk = os.read(self._info_r, 4096)
            if not chunk:
                raise ToolImportError("the sandbox exited before its network could be set up")
            text += chunk
        pid = json.loads(text[:text.index(b"}") + 1])["child-pid"]
        ready_r, ready_w = os.pipe()
        self._slirp = subprocess.Popen(
            ["slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", f"--ready-fd={ready_w}",
             str(pid), "tap0"], pass_fds=(ready_w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(ready_w)
        with os.fdopen(ready_r, "rb") as ready:
            if ready.read(1) != b"1":
                raise ToolImportError("slirp4netns could not give the sandbox a network")
        if egress.guarded():
            _fence(pid)
        os.write(self._block_w, b"1")

    def __exit__(self, *exc: Any) -> None:
        for fd in list(self._open):
            self._close(fd)
        if self._slirp is not None:
            self._slirp.kill()
            self._slirp.wait()
