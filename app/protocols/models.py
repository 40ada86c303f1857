"""The playground's models behind the two APIs most graphs call: OpenAI's (`/v1/chat/completions`, `/v1/models`)
and Anthropic's (`/v1/messages`). An opened LangGraph project's `ChatOpenAI(model="gpt-4o")`,
`init_chat_model("anthropic/...")` or OpenAI SDK client is pointed here before its modules are imported
(`app.protocols.clients`), so it runs unchanged with no key and no network, answered by a model the playground has.

Which model answers is the session's choice: the model of the session whose run made the call (the chat's model
menu), or, with the session setting `own_models` and where the operator allows that provider (GRAPH_PROVIDERS),
the very model the graph names, called with the operator's key; a call from outside a run gets the model it
names if the playground has it, else the demo model. Every
call made inside a run is a model step of that run, with the messages, the tools offered, the reply, tokens,
cost and latency, and "asked for X, answered by Y".

A run is told apart by a header: `clients.point_clients` makes every httpx request to this endpoint carry the token of
the run whose graph node made it (read from the node's LangGraph config, which LangGraph keeps in a context
variable through sync nodes, async nodes and their threads). Who may call: the playground's own graphs (a key
made at start, given only to them through their environment) and, with logins on, a logged-in person.
"""
# (no `from __future__ import annotations`: FastAPI reads the routes' `Request` annotations, imported in router())

import hmac
import json
import queue
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from app import config

RUN_KEY = "playground_run"  # the run's token, in the run's LangGraph `configurable`
GRAPH_PROVIDERS = "PLAYGROUND_GRAPH_PROVIDERS"  # the operator's: providers an opened graph may call itself ("*": any)
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
    own: bool = False  # the session's `own_models`: the graph's own model answers, if the operator allows it


_runs: dict[str, RunLink] = {}
_state: dict[str, Any] = {"base": None, "server": None}


def open_run(model: str, record: Callable[[Any], None], timeout: float = 60.0, retries: int = 2,
             own: bool = False) -> str:
    token = secrets.token_urlsafe(18)
    _runs[token] = RunLink(model, record, timeout, retries, own=own)
    return token


def link_run(config: dict, model: str, record: Callable[[Any], None], settings, own: bool = False) -> str:
    """Open a run at the endpoint and put its token in the run's LangGraph config (the requests read it)."""
    token = open_run(model, record, timeout=settings.model_timeout, retries=settings.model_retries, own=own)
    config["configurable"][RUN_KEY] = token
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


# -- the calls ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where in its run a call was made: the node, and the step id (and parent) its callbacks gave it."""
    node: str | None = None
    step: str | None = None
    parent: str | None = None

    @classmethod
    def of(cls, headers) -> "Place":
        """From the request's headers (app.protocols.clients tags them): node, and "step id[/parent id]"."""
        step, _, parent = (headers.get("x-playground-step") or "").partition("/")
        return cls(headers.get("x-playground-node"), step or None, parent or None)


class EndpointError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.kind = status, kind


def allowed_providers() -> set[str]:
    import os

    return {p.strip() for p in os.environ.get(GRAPH_PROVIDERS, "").split(",") if p.strip()}


def own_model(asked: str, provider: str) -> str:
    """The model a graph names, as a LiteLLM model of the API it called (`gpt-4o` on the OpenAI API: openai/gpt-4o),
    if the operator lets graphs call that provider and its key is set; else EndpointError saying which."""
    from app.llm import gateway

    model = asked if "/" in asked else f"{provider}/{asked}"
    wanted = model.split("/", 1)[0]
    allowed = allowed_providers()
    if "*" not in allowed and wanted not in allowed:
        raise EndpointError(403, f"the graph asked for {model}, and this server lets graphs call only its own models: "
                            f"the operator allows a provider with {GRAPH_PROVIDERS}={wanted}", "permission_error")
    try:
        gateway.check_model(model)
    except gateway.ModelConfigError as exc:
        raise EndpointError(400, f"the graph asked for {model}: {exc}") from None
    return model


def answering_model(asked: str, link: RunLink | None, provider: str = "openai") -> str:
    if link is not None:
        return own_model(asked, provider) if link.own else link.model
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
              options: dict[str, Any], on_delta: Callable[[str], None] | None = None, provider: str = "openai"):
    """One call of the answering model, recorded as a step of the run that made it (`provider`: the API the graph
    called, for a graph that uses its own models)."""
    from app.llm import demo, gateway
    from app.tracing.steps import Step, StepKind, StepStatus

    model = answering_model(asked, link, provider)
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
    asked_text = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    forced = _forced_tool(options.get("tool_choice"), tools)
    if forced is not None and model.startswith(demo.PROVIDER + "/") and not reply.tool_calls:
        # a call of that tool is what the graph asked for (trustcall's, `with_structured_output(method=
        # "function_calling")`): its arguments in the tool's schema, the request's words in its text fields
        arguments = json.loads(demo.shaped(forced.get("parameters") or {"type": "object"}, asked_text))
        reply.tool_calls = [gateway.ToolCall(id=f"call_{uuid.uuid4().hex[:24]}", name=forced.get("name", ""),
                                             arguments=arguments if isinstance(arguments, dict) else {})]
        reply.content = ""
    if schema is not None and model.startswith(demo.PROVIDER + "/") and not reply.tool_calls:
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


def _forced_tool(choice: Any, tools: list[dict] | None) -> dict | None:
    """The function a `tool_choice` makes the model call (one named, or the only one offered when any must be)."""
    functions = [t.get("function") or {} for t in tools or []]
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        return next((f for f in functions if f.get("name") == name), None)
    if choice in ("required", "any") and len(functions) == 1:
        return functions[0]
    return None


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
    answering_model(asked, link)  # a model the graph may not call: an HTTP error, before any event is streamed
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
        place = Place.of(request.headers) if link else Place()
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
        from app.protocols.anthropic import anthropic_message

        return await serve(request, anthropic_message)

    @routes.get("/v1/models", include_in_schema=False)
    async def models(request: Request):
        if not allowed(request):
            return refused(401, "log in first", "authentication_error")
        from app.llm import gateway

        return {"object": "list", "data": [{"id": m.name, "object": "model", "created": 0, "owned_by": m.provider}
                                           for m in gateway.available_models() if m.ready]}

    return routes
