"""The opened graphs' model clients pointed at the playground's endpoint (app.protocols.models): the variables
the OpenAI and Anthropic SDKs read, set before a project's modules are imported; an endpoint of its own on a
loopback port when this process serves none; and every request to it tagged with the run that makes it."""

import os
import threading
import time

from app.protocols.models import KEY, POINTED, RUN_HEADER, RUN_KEY, _state, router


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
