"""`playground serve` and `playground hash-password`."""

from __future__ import annotations

import sys
import time

from app.cli.common import CliError
from app.config import Settings


def _settle_heap() -> None:
    """Move everything alive at start into the collector's permanent generation, and collect again from now on.
    A full collection otherwise walks the ~400k objects of the libraries loaded at start, a 200-300 ms pause for
    every turn running at that moment (bench/load.py). The collector is off while they load (its collections
    of a growing heap were a third of the start, 6.2 -> 4 s) and there is no collection before the freeze (0.5 s
    to free ~10k objects of import garbage, about a MB, now kept)."""
    import gc

    gc.freeze()
    gc.enable()


def cmd_hash_password(args) -> int:
    """A line for --auth-file: the password from stdin (never on the command line, where `ps` shows it)."""
    import getpass

    from app.auth import hash_password

    if not args.name or ":" in args.name:
        raise CliError("give a login name without ':'")
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise CliError("the password is empty")
    print(f"{args.name}:{hash_password(password)}")
    return 0


def cmd_mcp(args) -> int:
    """The agents as MCP tools over stdio; stdout is the protocol's, so everything else goes to stderr."""
    import anyio

    from app.auth import owner_for
    from app.cli.common import _runner
    from app.guards import SHARED_CLIENT
    from app.protocols import mcp_server, reach

    runner = _runner(args)
    owner = owner_for(args.login) if args.login else SHARED_CLIENT
    server = mcp_server.build(runner, lambda _ctx: owner)
    print(f"playground mcp: {len(reach.public_agents())} agents as tools, over stdio "
          f"(database: {runner.db.label})", file=sys.stderr)
    anyio.run(server.run_stdio_async)
    return 0


def _guard_egress(host: str, settings: Settings) -> None:
    """A server others can reach (bound beyond loopback, or with logins) makes its imports' requests to public
    addresses only (tools.egress), unless the operator said otherwise in PLAYGROUND_EGRESS_GUARD."""
    import os

    from tools.egress import ALLOW_ENV, GUARD_ENV

    if GUARD_ENV not in os.environ and (host not in ("127.0.0.1", "localhost", "::1") or settings.auth or
                                        settings.auth_file):
        os.environ[GUARD_ENV] = "on"
        allowed = os.environ.get(ALLOW_ENV)
        print(f"playground: imports reach public addresses only{f' and {allowed}' if allowed else ''} "
              f"({ALLOW_ENV} allows more)", flush=True)


def _remember_address(app, host: str, port: int) -> None:
    """Where this server is reached, kept in the database: `playground share` prints links to it."""
    import os
    import socket

    from storage import repo

    shown = host if host not in ("0.0.0.0", "::", "") else socket.getfqdn()
    base = os.environ.get("PLAYGROUND_BASE_URL") or f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    from sqlalchemy.exc import DBAPIError

    try:
        repo.set_fact(app.state.runner.db, "served_at", base.rstrip("/"))
    except DBAPIError:  # a database opened read-only: links fall back to PLAYGROUND_BASE_URL or the default
        print("playground: the database is read-only; `playground share` will not know this server's address",
              flush=True)


def cmd_serve(args) -> int:
    import gc

    from app.downloads import private_gradio_cache

    started = time.monotonic()
    private_gradio_cache()  # before Gradio is imported: the files it serves are the server user's alone
    gc.disable()  # until _settle_heap
    import uvicorn

    from app.llm import gateway

    from app.api import create_app

    settings = Settings.from_env(args.db).with_graphs(args.graph, args.tool_module, args.config)
    if args.auth or args.auth_file:
        settings = Settings(**{**settings.__dict__, "auth": settings.auth + tuple(args.auth or ()),
                               "auth_file": args.auth_file or settings.auth_file})
    if settings.mcp_commands is None:  # the browser may start MCP commands only on this machine's own address
        settings = Settings(**{**settings.__dict__, "mcp_commands": args.host in ("127.0.0.1", "localhost", "::1")})

    def say(stage: str) -> None:
        print(f"playground: {stage} ({time.monotonic() - started:.1f} s)", flush=True)

    _guard_egress(args.host, settings)

    sock = _listen(args.host, args.port)  # before the work: a busy port is said at once, not after it
    if settings.configs:  # opened projects' model clients call this server's own endpoint, on loopback
        from app.protocols import models

        models.set_base(f"http://{_loopback(args.host)}:{sock.getsockname()[1]}")
    app = create_app(settings, say=say)
    _remember_address(app, args.host, sock.getsockname()[1])
    # A server will call models: LiteLLM (seconds to import) loads before it answers, not in its first turns
    # (bench/load.py: 50 first turns queued 2.5 s behind the import; importing it in a thread beside the UI's
    # imports took as long, the GIL being one).
    say("loading the model gateway (LiteLLM)")
    gateway.warm()
    _settle_heap()
    label = app.state.runner.db.label  # without a password
    # Stopping (SIGTERM) waits 5 s for open requests, then ends: an open event stream (a browser's Gradio queue)
    # kept it from ever stopping on its own. A turn cut off ends as an interrupted run that can be retried.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))
    ready = server.startup

    async def startup(sockets=None):
        await ready(sockets=sockets)
        if server.started:  # listening: only now is the address worth printing
            print(f"Agent Playground on http://{args.host}:{args.port}  (database: {label}; ready in "
                  f"{time.monotonic() - started:.1f} s)", flush=True)

    server.startup = startup
    quiet = _quiet_shutdown(server, app.state.runner)
    code = 0
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn raises Ctrl+C's signal again once it has stopped: end as a shell expects
        code = 130
    print(f"playground: stopped{f' ({quiet.cut} open connection(s) closed)' if quiet.cut else ''}", flush=True)
    return code


def _quiet_shutdown(server, runner):
    """Stopping says one line: the event streams a browser keeps open (Gradio's heartbeat, a protocol's run)
    are cancelled without a traceback each, and with no turn running the server does not wait 5 s for them."""
    import asyncio
    import logging

    class Quiet(logging.Filter):
        cut = 0

        def filter(self, record: logging.LogRecord) -> bool:
            if not server.should_exit:
                return True
            exc = record.exc_info[1] if record.exc_info else None
            if isinstance(exc, asyncio.CancelledError) or "graceful shutdown exceeded" in record.getMessage():
                Quiet.cut += record.exc_info is not None
                return False
            return True

    quiet = Quiet()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    shutdown = server.shutdown

    async def quick(sockets=None):
        if not runner.turns.running():  # nothing to finish: only open streams, which never end on their own
            server.config.timeout_graceful_shutdown = 0.5
        await shutdown(sockets=sockets)

    server.shutdown = quick
    return quiet


def _loopback(host: str) -> str:
    """The address this machine reaches a server listening on `host` at."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _listen(host: str, port: int):
    """The server's socket, bound now; a port in use or an address not on this machine is one line saying so."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == 98:  # EADDRINUSE
            raise CliError(f"port {port} on {host} is in use (another playground?): pass --port N") from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    return sock
