"""The playground's models behind the two APIs most graphs call: OpenAI's (`/v1/chat/completions`, `/v1/models`)
and Anthropic's (`/v1/messages`). An opened LangGraph project's `ChatOpenAI(model="gpt-4o")`,
`init_chat_model("anthropic/...")` or OpenAI SDK client is pointed here before its modules are imported
(`point_clients`), so it runs unchanged with no key and no network, answered by a model the playground has.

Which model answers is the session's choice: the model of the session whose run made the call (the chat's model
menu); a call from outside a run gets the model it names if the playground has it, else the demo model. Every
call made inside a run is a model step of that run, with the messages, the tools offered, the reply, tokens,
cost and latency, and "asked for X, answered by Y".

A run is told apart by a header: `point_clients` makes every httpx request to this endpoint carry the token of
the run whose graph node made it (read from the node's LangGraph config, which LangGraph keeps in a context
variable through sync nodes, async nodes and their threads). Who may call: the playground's own graphs (a key
made at start, given only to them through their environment) and, with logins on, a logged-in person.
"""
# (no `from __future__ import annotations`: FastAPI reads the routes' `Request` annotations, imported in router())

import hmac
import json
import os
import queue
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from app import config

RUN_KEY = "playground_run"  # the run's token, in the run's LangGraph `configurable`
RUN_HEADER = "x-playground-run"
KEY = "pg-" + secrets.token_urlsafe(24)  # the graphs' key; never stored, never shown
# What the graphs' clients read, and what it is set to (the endpoint's address, or KEY).
POINTED = {"OPENAI_BASE_URL": "/v1", "OPENAI_API_BASE": "/v1", "OPENAI_API_KEY": KEY,
           "ANTHROPIC_BASE_URL": "", "ANTHROPIC_API_URL": "", "ANTHROPIC_API_KEY": KEY}


@dataclass
class RunLink:
    model: str  # the session's model: it answers whatever the graph asks for
    record: Callable[[Any], None]  # a Step of this run, stored
    timeout: float = 60.0
    retries: int = 2
    guard: threading.Lock = field(default_factory=threading.Lock)
    served: set = field(default_factory=set)  # ids of the model steps recorded here (callbacks record no twin)


_runs: dict[str, RunLink] = {}
_state: dict[str, Any] = {"base": None, "server": None}


def open_run(model: str, record: Callable[[Any], None], timeout: float = 60.0, retries: int = 2) -> str:
    token = secrets.token_urlsafe(18)
    _runs[token] = RunLink(model, record, timeout, retries)
    return token


def close_run(token: str | None) -> None:
    _runs.pop(token or "", None)


def served_by(token: str | None) -> Callable[[str], bool]:
    """Whether the endpoint recorded the model step of this id for the run (its callbacks then record none)."""
    link = _runs.get(token or "")
    return (lambda step_id: step_id in link.served) if link is not None else (lambda _id: False)


def pointed() -> bool:
    return _state["base"] is not None


def set_base(url: str) -> None:
    """Where this process serves the endpoint (`serve`: its own port on loopback), before point_clients."""
    _state["base"] = url.rstrip("/")


def point_clients() -> str:
    """Point OpenAI- and Anthropic-style clients of this process at the endpoint (starting one on a free loopback
    port when this process serves none: `run`, `agents list`); the operator's own settings are kept for the
    gateway's real providers. Returns the endpoint's address."""
    from app.llm import gateway

    gateway.keep_operator_env()
    if _state["base"] is None:
        _state["base"] = _serve_here()
    base = _state["base"]
    for name, value in POINTED.items():
        os.environ[name] = value if value == KEY else base + value
    _tag_requests()
    return base


def _serve_here() -> str:
    """The endpoint alone, on a free loopback port, in a thread of this process."""
    import socket

    import uvicorn
    from fastapi import FastAPI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router(lambda _request: None))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="model-endpoint").start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    _state["server"] = server
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _tag_requests() -> None:
    """Every request to the endpoint from httpx (the OpenAI SDK's) or httpx2 (the Anthropic SDK's) carries the
    token of the run whose node sends it."""
    import importlib

    for name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if not getattr(module.Client.send, "playground_tagged", False):
            module.Client.send, module.AsyncClient.send = _tagged(module.Client.send, module.AsyncClient.send)


def _tag(request) -> None:
    base = _state["base"]
    if base and str(request.url).startswith(base) and RUN_HEADER not in request.headers:
        from langchain_core.runnables.config import var_child_runnable_config

        config_ = var_child_runnable_config.get() or {}
        token = (config_.get("configurable") or {}).get(RUN_KEY)
        if token:
            request.headers[RUN_HEADER] = token
            node = (config_.get("metadata") or {}).get("langgraph_node")
            if node:
                request.headers["x-playground-node"] = str(node)
            from app.tracing.callbacks import MODEL_CALL

            call = MODEL_CALL.get()  # the chat model call's step, made by the run's callbacks
            if call is not None:
                request.headers["x-playground-step"] = call[0] + ("/" + call[1] if call[1] else "")


def _tagged(sync_send, async_send):
    def send(self, request, *args, **kwargs):
        _tag(request)
        return sync_send(self, request, *args, **kwargs)

    async def asend(self, request, *args, **kwargs):
        _tag(request)
        return await async_send(self, request, *args, **kwargs)

    send.playground_tagged = asend.playground_tagged = True
    return send, asend


# -- the calls ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where in its run a call was made: the node, and the step id (and parent) its callbacks gave it."""
    node: str | None = None
    step: str | None = None
    parent: str | None = None


class EndpointError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.kind = status, kind


def answering_model(asked: str, link: RunLink | None) -> str:
    if link is not None:
        return link.model
    from app.llm import gateway

    for info in gateway.available_models():
        if info.ready and asked in (info.name, info.name.split("/", 1)[-1]):
            return info.name
    return config.DEMO_MODEL


def _text(content: Any) -> str:
    """A message's content as text (OpenAI content parts and Anthropic blocks: their text parts)."""
    if content is None or isinstance(content, str):
        return content or ""
    parts = []
    for part in content if isinstance(content, list) else [content]:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        elif isinstance(part, dict) and part.get("type") in ("image", "image_url"):
            parts.append("[image]")
    return "".join(parts)


def _openai_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise EndpointError(400, "messages must be a non-empty list")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "developer", "user", "assistant", "tool"):
            raise EndpointError(400, f"messages[{i}] must be an object with a role of system, user, assistant or tool")
        message = {"role": "system" if m["role"] == "developer" else m["role"], "content": _text(m.get("content"))}
        if m.get("tool_calls"):
            message["tool_calls"] = m["tool_calls"]
        if m.get("tool_call_id"):
            message["tool_call_id"] = m["tool_call_id"]
        out.append(message)
    return out


def _complete(asked: str, messages: list[dict], tools: list[dict] | None, link: RunLink | None, place: Place,
              options: dict[str, Any], on_delta: Callable[[str], None] | None = None):
    """One call of the answering model, recorded as a step of the run that made it."""
    from app.llm import demo, gateway
    from app.tracing.steps import Step, StepKind, StepStatus

    model = answering_model(asked, link)
    requested = options.get("response_format")
    schema = _json_schema(requested)
    if model.startswith(demo.PROVIDER + "/"):
        options = {k: v for k, v in options.items() if k != "response_format"}  # it shapes its reply below
    step = Step(kind=StepKind.MODEL, node=place.node or "model", name=model, parent_id=place.parent, input={
        "model": model, "asked_for": asked, "messages": messages,
        "tools": [t.get("function", {}).get("name") for t in tools or []],
        **({"response_format": requested} if requested is not None else {})})
    step.meta.update({"model": model, "asked_for": asked, "via": "the playground's model endpoint"})
    if place.step:
        step.id = place.step
    try:
        reply = gateway.complete(model, messages, tools or None, timeout=link.timeout if link else 60.0,
                                 retries=link.retries if link else 2, on_delta=on_delta, **options)
    except gateway.ModelError as exc:
        if link is not None:
            step.status, step.error = StepStatus.ERROR, str(exc)
            with link.guard:
                link.served.add(step.id)
                link.record(step.end())
        raise EndpointError(502, str(exc), "api_error") from None
    if schema is not None and model.startswith(demo.PROVIDER + "/") and not reply.tool_calls:
        asked_text = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        reply.content = demo.shaped(schema, reply.content if reply.content.lstrip().startswith(("{", "[")) else
                                    asked_text)  # the request's words in its text fields
    step.output = reply.message
    step.prompt_tokens, step.completion_tokens, step.cost = (reply.usage.prompt_tokens, reply.usage.completion_tokens,
                                                             reply.cost)
    step.started_at, step.ended_at = reply.started_at, reply.ended_at
    step.meta["latency_ms"] = round(reply.latency_ms, 3)
    if link is not None:
        with link.guard:
            link.served.add(step.id)
            link.record(step)
    return model, reply


def _json_schema(response_format: Any) -> dict | None:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    if response_format.get("type") == "json_object":
        return {"type": "object"}
    return None


OPTIONS = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed", "tool_choice",
           "response_format", "parallel_tool_calls")


def chat_completion(body: dict[str, Any], link: RunLink | None, place: Place):
    """OpenAI's chat completion: a JSON reply, or (stream) an iterator of server-sent events."""
    asked = str(body.get("model") or "")
    messages = _openai_messages(body.get("messages"))
    tools = body.get("tools") or None
    options = {k: body[k] for k in OPTIONS if body.get(k) is not None}
    if not body.get("stream"):
        model, reply = _complete(asked, messages, tools, link, place, options)
        return _completion_json(asked, reply)
    return _stream_completion(asked, messages, tools, link, place, options,
                              bool((body.get("stream_options") or {}).get("include_usage")))


def _completion_json(asked: str, reply) -> dict[str, Any]:
    message = reply.message
    if not reply.tool_calls:
        message.pop("tool_calls", None)
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": asked or reply.model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
            "usage": _usage(reply)}


def _usage(reply) -> dict[str, int]:
    return {"prompt_tokens": reply.usage.prompt_tokens, "completion_tokens": reply.usage.completion_tokens,
            "total_tokens": reply.usage.total_tokens}


def _stream_completion(asked, messages, tools, link, place, options, include_usage) -> Iterator[str]:
    """The reply's words as they come, then its tool calls, its finish and (when asked) its usage."""
    pipe: queue.Queue = queue.Queue()
    done = object()

    def work():
        try:
            pipe.put(("reply", _complete(asked, messages, tools, link, place, options,
                                         on_delta=lambda text: pipe.put(("delta", text)))[1]))
        except Exception as exc:  # noqa: BLE001  (sent to the client as an error event)
            pipe.put(("error", exc))
        pipe.put((done, None))

    threading.Thread(target=work, daemon=True, name="endpoint-call").start()
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": asked,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sent = False
    while True:
        kind, value = pipe.get()
        if kind is done:
            break
        if kind == "delta":
            sent = True
            yield chunk({"content": value})
        elif kind == "error":
            message = str(value)
            yield f"data: {json.dumps({'error': {'message': message, 'type': getattr(value, 'kind', 'api_error')}})}\n\n"
        else:
            reply = value
            if reply.content and not sent:
                yield chunk({"content": reply.content})
            if reply.tool_calls:
                yield chunk({"tool_calls": [{**c.as_message_part(), "index": i}
                                            for i, c in enumerate(reply.tool_calls)]})
            yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
            if include_usage:
                data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": asked,
                        "choices": [], "usage": _usage(reply)}
                yield f"data: {json.dumps(data)}\n\n"
    yield "data: [DONE]\n\n"


# -- Anthropic's Messages API ------------------------------------------------------------------------------------


def _from_anthropic(body: dict[str, Any]) -> tuple[list[dict], list[dict] | None]:
    messages: list[dict] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text(system)})
    for i, m in enumerate(body.get("messages") or []):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise EndpointError(400, f"messages[{i}] must be an object with a role of user or assistant")
        content = m.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        if m["role"] == "assistant":
            calls = [{"id": b.get("id"), "type": "function", "function": {
                "name": b.get("name"), "arguments": json.dumps(b.get("input") or {})}}
                for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"]
            message = {"role": "assistant", "content": _text([b for b in blocks if b.get("type") == "text"])}
            if calls:
                message["tool_calls"] = calls
            messages.append(message)
            continue
        for b in blocks:
            if isinstance(b, dict) and b.get("type") == "tool_result":
                messages.append({"role": "tool", "tool_call_id": b.get("tool_use_id"),
                                 "content": _text(b.get("content"))})
        text = _text([b for b in blocks if not (isinstance(b, dict) and b.get("type") == "tool_result")])
        if text:
            messages.append({"role": "user", "content": text})
    if len(messages) == (1 if system else 0):
        raise EndpointError(400, "messages must be a non-empty list")
    tools = [{"type": "function", "function": {"name": t.get("name"), "description": t.get("description", ""),
                                               "parameters": t.get("input_schema") or {"type": "object"}}}
             for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    return messages, tools or None


def anthropic_message(body: dict[str, Any], link: RunLink | None, place: Place):
    asked = str(body.get("model") or "")
    messages, tools = _from_anthropic(body)
    options = {k: body[k] for k in ("temperature", "top_p", "max_tokens") if body.get(k) is not None}
    if body.get("stop_sequences"):
        options["stop"] = body["stop_sequences"]
    _model, reply = _complete(asked, messages, tools, link, place, options)
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.content}] if reply.content else []
    content += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in reply.tool_calls]
    message = {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": asked,
               "content": content, "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
               "stop_sequence": None,
               "usage": {"input_tokens": reply.usage.prompt_tokens, "output_tokens": reply.usage.completion_tokens}}
    return message if not body.get("stream") else _anthropic_events(message)


def _anthropic_events(message: dict[str, Any]) -> Iterator[str]:
    def event(name: str, data: dict) -> str:
        return f"event: {name}\ndata: {json.dumps({'type': name, **data}, ensure_ascii=False)}\n\n"

    usage = message["usage"]
    yield event("message_start", {"message": {**message, "content": [], "stop_reason": None,
                                              "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 0}}})
    for i, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield event("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}})
            yield event("content_block_delta", {"index": i, "delta": {"type": "text_delta", "text": block["text"]}})
        else:
            yield event("content_block_start", {"index": i, "content_block": {**block, "input": {}}})
            yield event("content_block_delta", {"index": i, "delta": {"type": "input_json_delta",
                                                                       "partial_json": json.dumps(block["input"])}})
        yield event("content_block_stop", {"index": i})
    yield event("message_delta", {"delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                  "usage": {"output_tokens": usage["output_tokens"]}})
    yield event("message_stop", {})


# -- the routes --------------------------------------------------------------------------------------------------


def router(who: Callable[[Any], str | None]):
    """The routes, for `app.api` (or this module's own server). `who` is the login a request carries, if any."""
    from fastapi import APIRouter, Request
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.concurrency import run_in_threadpool

    routes = APIRouter()

    def allowed(request: Request) -> bool:
        bearer = request.headers.get("authorization", "")
        given = bearer[7:] if bearer.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
        return bool(given) and hmac.compare_digest(given.encode(), KEY.encode()) or who(request) is not None

    def refused(status: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse({"type": "error", "error": {"message": message, "type": kind}}, status_code=status)

    async def serve(request: Request, answer: Callable[[dict, RunLink | None, Place], Any]):
        if not allowed(request):
            return refused(401, "this endpoint answers the playground's own graphs, and logged-in people when "
                                "logins are on", "authentication_error")
        try:
            body = await request.json()
        except ValueError:
            return refused(400, "the body is not JSON", "invalid_request_error")
        if not isinstance(body, dict):
            return refused(400, "the body must be a JSON object", "invalid_request_error")
        link = _runs.get(request.headers.get(RUN_HEADER, ""))
        place = Place(request.headers.get("x-playground-node"), *(
            (request.headers.get("x-playground-step") or "").split("/", 1) + [None])[:2]) if link else Place()
        try:
            result = await run_in_threadpool(answer, body, link, place)
        except EndpointError as exc:
            return refused(exc.status, str(exc), exc.kind)
        if isinstance(result, dict):
            return JSONResponse(result)
        return StreamingResponse(result, media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @routes.post("/v1/chat/completions", include_in_schema=False)
    async def completions(request: Request):
        return await serve(request, chat_completion)

    @routes.post("/v1/messages", include_in_schema=False)
    async def messages(request: Request):
        return await serve(request, anthropic_message)

    @routes.get("/v1/models", include_in_schema=False)
    async def models(request: Request):
        if not allowed(request):
            return refused(401, "log in first", "authentication_error")
        from app.llm import gateway

        return {"object": "list", "data": [{"id": m.name, "object": "model", "created": 0, "owned_by": m.provider}
                                           for m in gateway.available_models() if m.ready]}

    return routes
