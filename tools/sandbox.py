"""Custom Python tools, run in a separate process: never inside the server.

A tool file is plain Python; every public function in it with type hints and a docstring becomes a tool (its
schema built by `tools.model.tool_from_function`, as for the built-ins). Reading the file's tools and calling
one both happen in a child process jailed by bubblewrap (`tools.jail`: its own namespaces, an unprivileged
uid, only the Python runtime to read, no other process, no network unless allowed) that also gets:

- CPU-time and memory limits (RLIMIT_CPU, RLIMIT_AS) and a wall-clock limit (the parent kills it);
- an empty environment (no server secrets; `-I` also ignores PYTHON* variables and the user site);
- the file's source on its stdin, never a path to it.

An endless loop, a crash or a memory bomb becomes an error result naming the limit; the server stays up.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from tools.model import Tool, ToolDefinitionError, ToolImportError

RESULT_MARK = "\x00tool-result\x00"
RESULT_LIMIT = 32 * 2**20  # a result's size on its way back (the model is shown far less: tools.execute truncates)
STDERR_TAIL = 4096  # what a tool printed, kept for the error message when it exits without a result


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 5
    memory_mb: int = 512
    wall_seconds: float = 10.0
    network: bool = False


class SandboxError(RuntimeError):
    """The child failed, was killed or broke a limit; the message says which."""


class ToolFileError(ToolImportError):
    """A tool file cannot be added; the message names the file and the problem."""


def add_file(registry, source: str, filename: str, limits: Limits, owner: str | None = None) -> list[Tool]:
    """Read a file's tools in the sandbox and register them, for `owner` only (None: everyone's, the
    operator's). Refuses a name that is a built-in or another source's, and for an owner any name everyone has."""
    try:
        schemas = describe(source, limits)
    except SandboxError as exc:
        raise ToolFileError(f"{filename}: {exc}") from None
    seen = registry.visible(owner)
    taken = [s["name"] for s in schemas if s["name"] in seen and (
        not seen[s["name"]].source.startswith("custom:") or (owner is not None and s["name"] in registry.tools))]
    if taken:
        what = "a built-in tool name" if all(seen[n].source == "builtin" for n in taken) else \
            "the name of a tool you did not add here"
        raise ToolFileError(f"{filename}: {', '.join(taken)} is already {what}; rename the function")
    tools = tools_from_source(source, filename, limits, schemas)
    for t in tools:
        registry.register(t, replace=True, owner=owner)
    return tools


# bwrap's own setup of the jail's loopback can fail when several jails start at once (seen on Linux 6.18:
# "bwrap: loopback: Failed RTM_NEWADDR", a netlink reply it did not expect). The tool has not started then:
# starting the jail again is safe, and two or three tries have always been enough.
SETUP_RACES = (b"bwrap: loopback:",)
SETUP_TRIES = 4


def _run_child(mode: str, payload: dict[str, Any], limits: Limits) -> Any:
    for attempt in range(1, SETUP_TRIES + 1):
        returncode, out, err = _run_jailed(mode, payload, limits)
        raced = returncode == 1 and RESULT_MARK.encode() not in out and err.lstrip().startswith(SETUP_RACES)
        if not raced or attempt == SETUP_TRIES:
            break
        time.sleep(0.02 * attempt)
    return _result(returncode, out, err, limits)


def _run_jailed(mode: str, payload: dict[str, Any], limits: Limits) -> tuple[int, bytes, bytes]:
    from tools.jail import jail as make_jail  # here: the jailed child itself never needs it

    request = json.dumps({"mode": mode, "limits": asdict(limits), **payload}).encode()
    with make_jail(limits) as jail:
        proc = subprocess.Popen(jail.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=jail.env, pass_fds=jail.fds, start_new_session=True, cwd="/")
        try:
            try:
                jail.started(proc)  # e.g. the network for it, before it may run anything
            except ToolImportError:
                early = _setup_race(proc)
                if early is not None:  # the jail died in bwrap's own setup, before the tool ran: try again
                    return 1, b"", early
                raise
            out, err = _exchange(proc, request, time.monotonic() + limits.wall_seconds)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise SandboxError(f"did not finish within the wall-clock limit of {limits.wall_seconds:g} s and was "
                               "killed") from None
        except _TooMuchOutput:
            _kill(proc)
            raise SandboxError(f"wrote more than {RESULT_LIMIT // 2**20} MB of result and was stopped") from None
        except BaseException:
            _kill(proc)
            raise
        finally:
            proc.stdout.close()
            proc.stderr.close()
    return proc.returncode, out, err


def _setup_race(proc: subprocess.Popen) -> bytes | None:
    """bwrap's stderr if the jail exited in one of its setup races (SETUP_RACES), else None."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return None
    err = proc.stderr.read() or b""
    return err if err.lstrip().startswith(SETUP_RACES) else None


def _result(returncode: int, out: bytes, err: bytes, limits: Limits) -> Any:
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    marker = stdout.rfind(RESULT_MARK)
    killed = {-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL}  # bwrap: 128 + n
    if marker < 0 and returncode in killed:
        what = "CPU-time" if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU) else "CPU-time or memory"
        raise SandboxError(f"was killed for going over its {what} limit ({limits.cpu_seconds} s CPU, "
                           f"{limits.memory_mb} MB)")
    if marker < 0:
        tail = " ".join(stderr.split())[-300:]
        raise SandboxError(f"the tool process exited with code {returncode} without a result: {tail}")
    result = json.loads(stdout[marker + len(RESULT_MARK):])
    if not result.get("ok"):
        raise SandboxError(result["error"])
    return result["value"]


class _TooMuchOutput(Exception):
    """The child's result went past RESULT_LIMIT."""


def _exchange(proc: subprocess.Popen, request: bytes, deadline: float) -> tuple[bytes, bytes]:
    """Send the request; read the result (up to RESULT_LIMIT) and the tail of what the tool printed (it may
    print without end: only the last STDERR_TAIL bytes are kept, so the server's memory stays bounded), until
    the child exits or the deadline (TimeoutExpired)."""
    with contextlib.suppress(BrokenPipeError):  # it died first: its exit code and stderr say why
        proc.stdin.write(request)  # the child reads all of it before it runs anything
    with contextlib.suppress(BrokenPipeError):  # closing flushes what a broken pipe did not take
        proc.stdin.close()
    out, err = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, out)
        selector.register(proc.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, 0)
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                if key.data is err and len(err) > 2 * STDERR_TAIL:
                    del err[:-STDERR_TAIL]
                elif key.data is out and len(out) > RESULT_LIMIT:
                    raise _TooMuchOutput
    proc.wait(max(0.0, deadline - time.monotonic()))  # it may close its pipes and go on
    return bytes(out), bytes(err[-STDERR_TAIL:])


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the child and anything it started
    proc.wait()


def describe(source: str, limits: Limits | None = None) -> list[dict[str, Any]]:
    """The tools a file defines: [{"name", "description", "parameters"}], or SandboxError naming the
    problem (a syntax error with its line, a function without hints or docstring)."""
    return _run_child("describe", {"source": source}, limits or Limits())


def tools_from_source(source: str, origin: str, limits: Limits | None = None,
                      schemas: list[dict[str, Any]] | None = None) -> list[Tool]:
    """Sandboxed `Tool`s for a file (schemas read in the sandbox unless given, e.g. from the database)."""
    limits = limits or Limits()
    found = schemas if schemas is not None else describe(source, limits)
    tools = []
    for spec in found:
        call = SandboxedCall(source, spec["name"], limits)
        tools.append(Tool(name=spec["name"], description=spec["description"], parameters=spec["parameters"],
                          handler=call, source=f"custom:{origin}", timeout=limits.wall_seconds + 5,
                          tags=("custom", "network" if limits.network else "no-network")))
    return tools


class SandboxedCall:
    """A tool's handler: each call is a fresh child process."""

    def __init__(self, source: str, function: str, limits: Limits):
        self.source, self.function, self.limits = source, function, limits
        self.__annotations__ = {}

    def __call__(self, **arguments: Any) -> Any:
        return _run_child("call", {"source": self.source, "function": self.function, "arguments": arguments},
                          self.limits)


# -- the child ----------------------------------------------------------------------------------------------


def _limit(limits: dict[str, Any]) -> None:
    import resource

    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not limits["network"]:
        _no_network()


def _no_network() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x40000000) == 0:  # CLONE_NEWNET: a namespace with no usable interface
            return
    except (OSError, AttributeError):
        pass
    import socket

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise PermissionError("network access is not allowed for this tool")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


def _load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "custom_tool"}
    exec(compile(source, "<tool file>", "exec"), namespace)
    return namespace


def _describe(source: str) -> list[dict[str, Any]]:
    from tools.model import tool_from_function

    namespace = _load(source)
    found, problems = [], []
    for name, obj in namespace.items():
        if name.startswith("_") or not callable(obj) or getattr(obj, "__module__", None) != "custom_tool" or \
                isinstance(obj, type):
            continue
        try:
            if not (obj.__doc__ or "").strip():
                raise ToolDefinitionError(f"function {name!r} has no docstring (it becomes the tool's description)")
            built = tool_from_function(obj)
        except ToolDefinitionError as exc:
            problems.append(str(exc))
            continue
        found.append({"name": built.name, "description": built.description, "parameters": built.parameters})
    if problems:
        raise ToolDefinitionError("; ".join(problems))
    if not found:
        raise ToolDefinitionError("the file defines no public function with type hints and a docstring")
    return found


def main() -> None:
    os.closerange(3, 4096)  # nothing the jail was set up with stays open to the tool
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr  # what the tool prints must not mix with the result
    try:
        _limit(request["limits"])
        if request["mode"] == "describe":
            value: Any = _describe(request["source"])
        else:
            function = _load(request["source"]).get(request["function"])
            if not callable(function):
                raise ToolDefinitionError(f"the file no longer defines {request['function']!r}")
            value = function(**request["arguments"])
            json.dumps(value)
        result = {"ok": True, "value": value}
    except SyntaxError as exc:
        result = {"ok": False, "error": f"syntax error in the tool file, line {exc.lineno}: {exc.msg}"}
    except ToolDefinitionError as exc:
        result = {"ok": False, "error": str(exc)}
    except MemoryError:
        result = {"ok": False, "error": f"ran out of memory (limit {request['limits']['memory_mb']} MB)"}
    except BaseException as exc:  # noqa: BLE001 - everything the tool does is reported, nothing escapes
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    out.write(RESULT_MARK + json.dumps(result, ensure_ascii=False, default=str))
    out.flush()


if __name__ == "__main__":
    main()
