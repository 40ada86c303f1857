"""Tools that misbehave on purpose, for the sandbox tests."""

import os


def shout(text: str) -> str:
    """Upper-case a text.

    Args:
        text: the text to shout
    """
    print("noise on stdout")
    return text.upper()


def loop_forever(n: int) -> int:
    """Never returns.

    Args:
        n: ignored
    """
    while True:
        n += 1


def crash(n: int) -> int:
    """Divides by zero.

    Args:
        n: a number
    """
    return n // 0


def memory_bomb(n: int) -> int:
    """Allocates without end.

    Args:
        n: ignored
    """
    blocks = []
    while True:
        blocks.append(bytearray(50_000_000))


def read_env(name: str) -> str:
    """Reads an environment variable.

    Args:
        name: the variable
    """
    return os.environ.get(name, "(unset)")


def fetch(url: str) -> str:
    """Opens a network connection.

    Args:
        url: host name
    """
    import socket
    socket.create_connection((url, 80), timeout=2)
    return "connected"


def sleepy(seconds: float) -> str:
    """Sleeps without using CPU.

    Args:
        seconds: how long
    """
    import time
    time.sleep(seconds)
    return "woke up"


def connect_local(port: int, host: str = "127.0.0.1") -> str:
    """Connects to a port on this machine.

    Args:
        port: the TCP port
        host: the address
    """
    import socket
    with socket.create_connection((host, port), timeout=3) as s:
        return s.recv(16).decode()


def chatter(mb: int) -> str:
    """Prints megabytes of noise, then answers.

    Args:
        mb: how many megabytes
    """
    import sys
    line = "x" * 1_000_000
    for _ in range(mb):
        sys.stderr.write(line)
    return "said it all"


def huge_result(mb: int) -> str:
    """Returns a result of that many megabytes.

    Args:
        mb: its size
    """
    return "y" * (mb * 1_000_000)
