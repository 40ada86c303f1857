"""MCP servers as tool sources, through the official `mcp` SDK.

A server is reached by a stdio command (`{"command": "python", "args": ["server.py"]}`) or a streamable HTTP
URL (`{"url": "http://host/mcp"}`). Its tools join the registry under their own names (or a prefix) and every
call goes to the server through MCP.

One connection per server is kept open on a background event loop (a stdio server is one long-lived child
process, so a server that keeps state between calls works as it should). A call that fails (the server
died, the connection broke) or passes its time limit closes the connection and the next call starts a fresh
one, so a crashed or hung server cannot block the tools after it. A failed call is not retried: it may have
had an effect.

Secrets: a stdio server gets the SDK's minimal environment plus only the variables named in `env` (their
values are read from ours at connect time); an HTTP server gets headers whose values come from the variables
named in `headers`. Only names are stored; values are redacted like every secret (`register_secret_env`).

Elicitation (spec 2025-06-18 `elicitation/create`, form and url mode; the client says it supports both): a
server that asks for input during a call gets the answers the call was given, in order. Past them the request is
cancelled at the server and the call raises ElicitationNeeded with the server's question; the agent's tool node
asks the person (a clarification of kind `elicitation`) and makes the call again with the answer, the flow the
2026 revisions make standard (an input-required result, retried with answers). A declined or cancelled question
ends the call with a tool error.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import json
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tools.model import ASKING, Tool, ToolContext, ToolDefinitionError, ToolImportError, check_credential, register_secret_env

DEFAULT_TIMEOUT = 30.0


class MCPError(ToolImportError):
    """An MCP server cannot be reached or used; the message names the server and the problem."""


@dataclass(frozen=True)
class ServerConfig:
    command: str | None = None
    args: tuple[str, ...] = ()
    url: str | None = None
    env: tuple[str, ...] = ()  # names of our environment variables passed to a stdio server
    headers: tuple[tuple[str, str], ...] = ()  # (header, env var) for an HTTP server
    cwd: str | None = None

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.url):
            raise MCPError("an MCP server is either a command (stdio) or a URL (streamable HTTP), not both or neither")
        if self.url and not re.match(r"^https?://", self.url):
            raise MCPError(f"MCP server URL must start with http:// or https://, got {self.url!r}")

    @property
    def label(self) -> str:
        return self.url or " ".join([self.command or "", *self.args]).strip()

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "args": list(self.args), "url": self.url, "env": list(self.env),
                "headers": dict(self.headers), "cwd": self.cwd}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ServerConfig":
        return cls(command=data.get("command"), args=tuple(data.get("args") or ()), url=data.get("url"),
                   env=tuple(data.get("env") or ()), headers=tuple((data.get("headers") or {}).items()),
                   cwd=data.get("cwd"))

    @classmethod
    def parse(cls, target: str, env: list[str] | None = None, headers: dict[str, str] | None = None) -> "ServerConfig":
        """A URL, or a command line split like a shell would (`python server.py --flag`)."""
        import shlex

        target = target.strip()
        if not target:
            raise MCPError("give an MCP server command or URL")
        if re.match(r"^https?://", target):
            return cls(url=target, headers=tuple((headers or {}).items()))
        try:
            parts = shlex.split(target)
        except ValueError as exc:
            raise MCPError(f"cannot read the command {target!r}: {exc}") from None
        return cls(command=parts[0], args=tuple(parts[1:]), env=tuple(env or ()))


class ElicitationNeeded(MCPError):
    """The server asked for input in the middle of a call (elicitation/create) and no answer was given yet: the
    call was cancelled at the server, to be made again with the answer (`call_tool(answers=...)`). `request` is
    the server's params: mode, message, and requestedSchema (form) or url and elicitationId (url)."""

    def __init__(self, tool: str, request: dict[str, Any]):
        super().__init__(f"{tool}: the MCP server asks: {request.get('message', '')}")
        self.clarification = {"tool": tool, **request}


class _Call:
    """One tools/call, with the answers to the server's questions during it, in the order it asks them."""

    def __init__(self, name: str, arguments: dict[str, Any], answers: list[dict[str, Any]]):
        self.name, self.arguments, self.answers = name, arguments, list(answers)
        self.used = 0
        self.needed: dict[str, Any] | None = None
        self.refused: tuple[str, str] | None = None  # (decline | cancel, the server's message)

    async def __call__(self, session):
        return await session.call_tool(self.name, self.arguments)


class _Link:
    """One open MCP session, owned by a task on the background loop; requests reach it through a queue."""

    def __init__(self, config: ServerConfig):
        self.config = config
        self.queue: asyncio.Queue = asyncio.Queue()
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.current: Any = None  # the request being served (one at a time): an elicitation belongs to it

    async def _elicit(self, _context, params):
        """elicitation/create from the server (spec 2025-06-18: form mode, and url mode): answered from the call's
        given answers in order; past them, cancelled and remembered, so the call can be asked of the person and
        made again with the answer."""
        from mcp import types

        call = self.current
        if not isinstance(call, _Call):
            return types.ErrorData(code=types.INVALID_REQUEST, message="elicitation outside a tool call")
        request = params.model_dump(mode="json", exclude_none=True, by_alias=True)
        if call.used < len(call.answers):
            answer = call.answers[call.used]
            call.used += 1
            if answer.get("action") != "accept":
                call.refused = (str(answer.get("action")), str(request.get("message") or ""))
            return types.ElicitResult(action=answer.get("action", "cancel"), content=answer.get("content"))
        call.needed = request
        return types.ElicitResult(action="cancel")

    async def _run(self) -> None:
        from mcp import ClientSession

        try:
            async with self._transport() as streams, ClientSession(streams[0], streams[1],
                                                                   elicitation_callback=self._elicit) as session:
                await session.initialize()
                self.ready.set_result(True)
                while True:
                    work, future = await self.queue.get()
                    if work is None:
                        return
                    self.current = work
                    try:
                        result = await work(session)
                        if not future.done():
                            future.set_result(result)
                    except Exception as exc:  # noqa: BLE001 - handed to the caller
                        if not future.done():
                            future.set_exception(exc)
        except BaseException as exc:  # noqa: BLE001 - the connection failed or closed; callers get the reason
            if not self.ready.done():
                self.ready.set_exception(exc if isinstance(exc, Exception) else MCPError("connection closed"))
            while not self.queue.empty():
                _, future = self.queue.get_nowait()
                if future is not None and not future.done():
                    future.set_exception(MCPError("the connection to the MCP server closed"))
            if isinstance(exc, asyncio.CancelledError):
                raise

    def _transport(self):
        from mcp import StdioServerParameters
        from mcp.client.stdio import get_default_environment, stdio_client

        c = self.config
        if c.url:
            import httpx
            from mcp.client.streamable_http import streamable_http_client

            headers = {name: _env_value(var, c) for name, var in c.headers}
            from tools import egress

            client = egress.async_client(headers=headers, timeout=httpx.Timeout(DEFAULT_TIMEOUT, read=300),
                                         follow_redirects=False)  # every connection to an allowed address
            return _closing(streamable_http_client(c.url, http_client=client), client)
        env = {**get_default_environment(), **{var: _env_value(var, c) for var in c.env}}
        devnull = open(os.devnull, "w")  # noqa: SIM115 - the server's log must not reach our stdout/stderr
        return _closing(stdio_client(StdioServerParameters(command=c.command, args=list(c.args), env=env,
                                                           cwd=c.cwd), errlog=devnull), devnull)

    async def request(self, work) -> Any:
        await self.ready
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((work, future))
        return await future

    async def close(self) -> None:
        if not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except BaseException:  # noqa: BLE001 - closing whatever state it was in
                pass


class _closing:
    """Enter a transport context; close an extra resource (the HTTP client, the log file) after it."""

    def __init__(self, context, resource):
        self.context, self.resource = context, resource

    async def __aenter__(self):
        return await self.context.__aenter__()

    async def __aexit__(self, *exc):
        try:
            return await self.context.__aexit__(*exc)
        finally:
            close = getattr(self.resource, "aclose", None)
            await close() if close else self.resource.close()


def _env_value(var: str, config: ServerConfig) -> str:
    check_credential(var, config.label)  # again at each connection: the operator's list may have changed
    value = os.environ.get(var)
    if value is None:
        raise MCPError(f"{config.label}: the environment variable {var} is not set")
    return value


class _Client:
    """The background loop and the open links, one per server config."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.links: dict[ServerConfig, _Link] = {}
        threading.Thread(target=self.loop.run_forever, name="mcp-client", daemon=True).start()
        atexit.register(self.shutdown)

    def run(self, config: ServerConfig, work, timeout: float) -> Any:
        """Run `work(session)` on the server's open link (opening it if needed). Any failure but the tool's own
        closes the link, so the next call connects afresh (a server that died or hung is replaced)."""

        async def attempt() -> Any:
            link = self.links.get(config)
            if link is None or link.task.done():
                link = self.links[config] = _Link(config)
            return await link.request(work)

        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(attempt(), timeout), self.loop)
        try:
            return future.result(timeout + 5)
        except (TimeoutError, asyncio.TimeoutError):
            self.drop(config)
            raise TimeoutError(f"the MCP server {config.label} did not answer within {timeout:g} s") from None
        except BaseException:
            self.drop(config)
            raise

    def drop(self, config: ServerConfig) -> None:
        link = self.links.pop(config, None)
        if link is not None:
            asyncio.run_coroutine_threadsafe(link.close(), self.loop)

    def shutdown(self) -> None:
        links, self.links = list(self.links.values()), {}
        if links and self.loop.is_running():
            async def close_all() -> None:
                await asyncio.gather(*(link.close() for link in links))

            done = asyncio.run_coroutine_threadsafe(close_all(), self.loop)
            try:
                done.result(5)
            except Exception:  # noqa: BLE001 - exiting anyway
                pass


_CLIENT: _Client | None = None
_CLIENT_LOCK = threading.Lock()


def client() -> _Client:
    global _CLIENT
    with _CLIENT_LOCK:
        if _CLIENT is None:
            _CLIENT = _Client()
        return _CLIENT


def _describe_error(config: ServerConfig, exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"{config.label}: command not found ({exc.filename or config.command})"
    text = str(exc) or type(exc).__name__
    # Read after the server exited ("Connection closed"), or written to it after it exited (anyio's broken or
    # closed stream, a broken pipe): which one a person sees depended on which side lost the race.
    if text == "Connection closed" or type(exc).__name__ in ("BrokenResourceError", "ClosedResourceError",
                                                               "BrokenPipeError"):
        text = "the server closed the connection (did the command start an MCP server on stdio?)"
    return text if text.startswith(config.label) else f"{config.label}: {text}"


def list_tools(config: ServerConfig, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
    """The server's tools as {"name", "description", "parameters"} (connecting if needed)."""
    for var in config.env:
        check_credential(var, f"{config.label}: env")
        register_secret_env(var)
    for header, var in config.headers:
        check_credential(var, f"{config.label}: header {header}")
        register_secret_env(var)
    if config.url:
        from tools import egress

        try:
            egress.check_url(config.url)
        except egress.EgressRefused as exc:
            raise MCPError(f"{config.label}: {exc}") from None

    async def work(session) -> list[dict[str, Any]]:
        found, cursor = [], None
        while True:
            page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
            found.extend(page.tools)
            cursor = getattr(page, "nextCursor", None)
            if not cursor:
                return [{"name": t.name, "description": inspect.cleandoc(t.description or ""), "parameters": dict(t.inputSchema or {})}
                        for t in found]

    try:
        return client().run(config, work, timeout)
    except TimeoutError as exc:
        raise MCPError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the SDK raises many kinds; the user gets one clear line
        raise MCPError(_describe_error(config, exc)) from None


def call_tool(config: ServerConfig, name: str, arguments: dict[str, Any], timeout: float = DEFAULT_TIMEOUT,
              answers: list[dict[str, Any]] | None = None) -> Any:
    """Call one tool; its structured result, or its text (parsed when it is JSON). An error result raises.
    `answers`: to the server's questions during the call ({"action": accept | decline | cancel, "content"}), in
    order; a question past them raises ElicitationNeeded, and a declined or cancelled one a tool error."""
    work = _Call(name, arguments, answers or [])
    try:
        result = client().run(config, work, timeout)
    except TimeoutError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise MCPError(_describe_error(config, exc)) from None
    if work.needed is not None:
        raise ElicitationNeeded(name, work.needed)
    if work.refused is not None:
        action, message = work.refused
        raise MCPError(f"{name}: the person {'declined' if action == 'decline' else 'cancelled'} the server's "
                       f"request for input ({message}), so the call did not complete")
    texts = [getattr(c, "text", None) or f"[{getattr(c, 'type', 'content')}]" for c in result.content or []]
    if result.isError:
        raise MCPError(f"{name} failed on the MCP server: {' '.join(texts) or 'no message'}")
    structured = getattr(result, "structuredContent", None)
    if structured is not None:
        if set(structured) == {"result"}:  # FastMCP wraps plain return values
            return structured["result"]
        return structured
    text = "\n".join(texts)
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass
class MCPImport:
    config: ServerConfig
    prefix: str = ""
    timeout: float = DEFAULT_TIMEOUT
    schemas: list[dict[str, Any]] = field(default_factory=list)


def tools_from_schemas(spec: MCPImport) -> list[Tool]:
    """Tools for a server's listed tools (stored at import, so a restart does not need the server up)."""
    tools = []
    for schema in spec.schemas:
        remote = schema["name"]
        name = re.sub(r"[^a-zA-Z0-9_-]+", "_", f"{spec.prefix}{remote}")[:64]
        parameters = dict(schema.get("parameters") or {})
        parameters.setdefault("type", "object")
        parameters.setdefault("properties", {})

        def handler(_mcp_context: ToolContext, _remote: str = remote, **arguments: Any) -> Any:
            return call_tool(spec.config, _remote, arguments, spec.timeout, _mcp_context.state.get("answers") or [])

        try:
            tools.append(Tool(name=name, description=schema.get("description") or name, parameters=parameters,
                              handler=handler, side_effects=True, timeout=spec.timeout + 5,
                              source=f"mcp:{spec.config.label}", tags=("mcp",), state_key=ASKING))
        except ToolDefinitionError as exc:
            raise MCPError(f"{spec.config.label}: tool {remote!r}: {exc}") from None
    return tools
