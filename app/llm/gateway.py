"""One gateway over LiteLLM: every model call returns a `ModelReply` with usage, cost and latency.

All models, the offline demo model included, go through `complete()`. Configuration problems (unknown model,
missing key) are found before the call by `check_model()` and reported as one line naming the model and the
environment variable to set.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from app import config  # noqa: F401  (sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported)
from app.llm import demo, local, replay
from app.llm.arguments import parse_arguments
from app.llm.handler import take_simulated

_litellm = None
_loading = threading.Lock()


def litellm():
    """LiteLLM, imported and set up (our offline providers registered) on first use: importing it takes seconds,
    and a command or page that calls no model (`playground trace`, `tools list`, a share page) never pays it."""
    global _litellm
    if _litellm is None:
        with _loading:
            if _litellm is None:
                import litellm as module

                module.suppress_debug_info = True
                module.drop_params = True
                demo.register()
                replay.register()
                local.register()
                _litellm = module
    return _litellm


_warmed = threading.Event()


def warm() -> None:
    """One offline call through LiteLLM, once per process, recorded nowhere: what LiteLLM sets up on its first
    call (its provider tables, the token counter's encodings) is then paid before any call that is timed."""
    if not _warmed.is_set():
        _warmed.set()
        complete(config.DEMO_MODEL, [{"role": "user", "content": "warm up"}], retries=0)


class ModelError(Exception):
    """A model could not be used or failed; the message is one line naming the model."""


class ModelConfigError(ModelError):
    pass


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str = ""
    error: str | None = None  # set when the model's arguments were not valid JSON

    def as_message_part(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.raw_arguments or json.dumps(self.arguments)},
        }


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class ModelReply:
    model: str
    content: str
    tool_calls: list[ToolCall]
    usage: Usage
    cost: float
    latency_ms: float
    started_at: float
    ended_at: float
    finish_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> dict[str, Any]:
        """The assistant message as it goes into the conversation history."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or ""}
        if self.tool_calls:
            message["tool_calls"] = [c.as_message_part() for c in self.tool_calls]
        return message


@dataclass(frozen=True)
class ModelInfo:
    name: str
    provider: str
    ready: bool
    needs: str | None = None  # the environment variable that would make it ready
    hint: str | None = None  # what to do to make it ready, for a person ("set OPENAI_API_KEY", "pip install ...")

    def __post_init__(self) -> None:
        if self.hint is None and self.needs:
            object.__setattr__(self, "hint", f"set {self.needs}")


# provider -> (variables any of which configures it, models to offer when it is configured)
PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "openai": (("OPENAI_API_KEY",), ("openai/gpt-4o-mini", "openai/gpt-4o", "openai/gpt-4.1-mini")),
    "anthropic": (("ANTHROPIC_API_KEY",), ("anthropic/claude-3-5-haiku-latest", "anthropic/claude-sonnet-4-20250514")),
    "gemini": (("GEMINI_API_KEY", "GOOGLE_API_KEY"), ("gemini/gemini-2.0-flash", "gemini/gemini-1.5-pro")),
    "ollama": (("OLLAMA_API_BASE",), ("ollama/llama3.1", "ollama/qwen2.5")),
    "ollama_chat": (("OLLAMA_API_BASE",), ()),
}


def _provider_of(model: str) -> str:
    for ours in (demo.PROVIDER, replay.PROVIDER, local.PROVIDER):
        if model.startswith(ours + "/"):
            return ours
    try:
        _, provider, _, _ = litellm().get_llm_provider(model=model)
    except Exception:
        raise ModelConfigError(
            f"unknown model {model!r}: write it as provider/model, e.g. openai/gpt-4o-mini, "
            f"anthropic/claude-3-5-haiku-latest, ollama/llama3.1, or {config.DEMO_MODEL}"
        ) from None
    return provider


# The operator's own model settings, kept before an opened project's graphs are pointed at the playground's model
# endpoint (app.protocols.models sets OPENAI_BASE_URL, OPENAI_API_KEY and Anthropic's for them): the gateway's
# real providers read these, never what the graphs' clients are given.
OPERATOR_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL",
                      "ANTHROPIC_API_URL", "ANTHROPIC_API_KEY")
_operator: dict[str, str | None] | None = None


def keep_operator_env() -> None:
    global _operator
    if _operator is None:
        _operator = {name: os.environ.get(name) for name in OPERATOR_VARIABLES}


def env(name: str) -> str | None:
    """An environment variable as the operator set it (see keep_operator_env); an opened project's placeholder
    for a credential no one set is no key."""
    value = _operator[name] if _operator is not None and name in _operator else os.environ.get(name)
    return None if value == config.PLACEHOLDER else value


def _openai_compatible_base() -> str | None:
    return os.environ.get("PLAYGROUND_OPENAI_BASE_URL") or env("OPENAI_API_BASE") or env("OPENAI_BASE_URL")


def check_model(model: str) -> None:
    """Raise ModelConfigError (one line) if `model` is unknown or its provider is not configured."""
    if not model or not model.strip():
        raise ModelConfigError("no model given: pass --model, e.g. demo/offline or openai/gpt-4o-mini")
    provider = _provider_of(model)
    if provider == demo.PROVIDER:
        if model not in demo.MODELS:
            raise ModelConfigError(f"unknown model {model!r}: the offline provider offers {', '.join(demo.MODELS)}")
        return
    if provider == replay.PROVIDER:
        if not replay.is_loaded(model):
            raise ModelConfigError(f"{model!r} is a finished replay: its recording is no longer loaded; continue "
                                   "with another model, or replay the original session again")
        return
    if provider == local.PROVIDER:
        problem = local.missing(model)
        if problem:
            raise ModelConfigError(problem)
        return
    if provider in ("ollama", "ollama_chat"):
        return  # LiteLLM falls back to http://localhost:11434
    variables = PROVIDERS.get(provider, ((),))[0]
    if provider == "openai" and _openai_compatible_base():
        return  # a local OpenAI-compatible server may need no key
    if variables and not any(env(v) for v in variables):
        raise ModelConfigError(f"model {model!r} needs {' or '.join(variables)} set in the environment")
    if not variables:
        missing = litellm().validate_environment(model).get("missing_keys") or []
        if missing:
            raise ModelConfigError(f"model {model!r} needs {' or '.join(missing)} set in the environment")


def available_models() -> list[ModelInfo]:
    """Models to offer: the demo models always, then each provider's models, ready or not."""
    models = [ModelInfo(name=m, provider=demo.PROVIDER, ready=True) for m in demo.MODELS]
    for name in local.names():
        problem = local.missing(name)
        models.append(ModelInfo(name=name, provider=local.PROVIDER, ready=problem is None,
                                hint=None if problem is None else problem.split(": ", 1)[-1]))
    base = _openai_compatible_base()
    if base:
        name = os.environ.get("PLAYGROUND_OPENAI_MODEL", "openai/local-model")
        models.append(ModelInfo(name=name, provider="openai-compatible", ready=True))
    for provider, (variables, names) in PROVIDERS.items():
        ready = any(env(v) for v in variables)
        for name in names:
            models.append(ModelInfo(name=name, provider=provider, ready=ready, needs=None if ready else variables[0]))
    return models


def default_model() -> str:
    ready = [m for m in available_models() if m.ready and m.provider not in (demo.PROVIDER, local.PROVIDER)]
    return ready[0].name if ready else config.DEMO_MODEL


def _parse_tool_calls(raw_calls: Any) -> list[ToolCall]:
    calls: list[ToolCall] = []
    for raw in raw_calls or []:
        function = raw["function"] if isinstance(raw, dict) else raw.function
        name = (function["name"] if isinstance(function, dict) else function.name) or ""
        text = (function["arguments"] if isinstance(function, dict) else function.arguments) or ""
        call_id = (raw.get("id") if isinstance(raw, dict) else raw.id) or f"call_{uuid.uuid4().hex[:12]}"
        arguments, error = parse_arguments(text)
        calls.append(ToolCall(id=call_id, name=name, arguments=arguments, raw_arguments=text, error=error))
    return calls


def _cost(response: Any, model: str) -> float:
    if model.startswith((demo.PROVIDER + "/", local.PROVIDER + "/")):
        return 0.0
    try:
        return float(litellm().completion_cost(completion_response=response) or 0.0)
    except Exception:
        return 0.0  # a model missing from LiteLLM's price table costs "unknown", shown as 0


def _endpoint(model: str, kwargs: dict[str, Any]) -> None:
    """A local OpenAI-compatible server for `openai/...` models when one is configured and no key is set. Once
    the graphs' clients are pointed at our own endpoint, OpenAI and Anthropic models get the operator's address
    and key explicitly (LiteLLM would read the pointed variables: a call to ourselves)."""
    if model.startswith("openai/") and _openai_compatible_base() and not env("OPENAI_API_KEY"):
        kwargs.setdefault("api_base", _openai_compatible_base())
        kwargs.setdefault("api_key", "not-needed")
    if _operator is None:
        return
    if model.startswith("openai/"):
        kwargs.setdefault("api_base", _openai_compatible_base() or "https://api.openai.com/v1")
        kwargs.setdefault("api_key", env("OPENAI_API_KEY") or "not-needed")
    elif model.startswith("anthropic/"):
        kwargs.setdefault("api_base", env("ANTHROPIC_API_URL") or env("ANTHROPIC_BASE_URL") or "https://api.anthropic.com")
        kwargs.setdefault("api_key", env("ANTHROPIC_API_KEY"))


def embed(model: str, texts: list[str], timeout: float = 60.0) -> list[list[float]]:
    """Embeddings of `texts` from a LiteLLM embedding model (tool retrieval). Raises ModelError."""
    check_model(model)
    kwargs: dict[str, Any] = {"model": model, "input": texts, "timeout": timeout}
    _endpoint(model, kwargs)
    try:
        response = litellm().embedding(**kwargs)
    except Exception as exc:
        raise ModelError(f"embedding model {model!r} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}") \
            from exc
    return [list(item["embedding"]) for item in response.data]


RETRY_PAUSE = 0.5  # seconds before the first retry; doubled each time, at most RETRY_PAUSE_MAX
RETRY_PAUSE_MAX = 8.0


def _retryable(exc: Exception) -> bool:
    """Worth another try: the provider was busy or broken, or the network was. A bad request, a wrong key or
    an unknown model will fail the same way again."""
    lib = litellm()
    return isinstance(exc, (lib.RateLimitError, lib.InternalServerError, lib.ServiceUnavailableError, lib.Timeout,
                            lib.APIConnectionError, lib.BadGatewayError))


def _stopping() -> bool:
    """Whether the running turn was asked to stop (a call cut off at Stop is not tried again)."""
    from app.tracing.steps import stop_check

    check = stop_check()
    return check is not None and bool(check())


def _pause(exc: Exception, failures: int) -> float:
    """Seconds to wait before the next attempt: the provider's Retry-After when it gives one (capped), else an
    exponential backoff."""
    response = getattr(exc, "response", None)
    after = getattr(response, "headers", {}).get("retry-after") if response is not None else None
    backoff = min(RETRY_PAUSE * 2 ** (failures - 1), RETRY_PAUSE_MAX)
    try:
        return min(float(after), RETRY_PAUSE_MAX) if after is not None else backoff
    except ValueError:  # an HTTP date instead of seconds
        return backoff


def complete(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    *,
    timeout: float = 60.0,
    retries: int = 2,
    on_delta: Callable[[str], None] | None = None,
    **options: Any,
) -> ModelReply:
    """Call `model` and return its reply, retrying what may pass (rate limits, server errors, timeouts, a
    dropped connection) up to `retries` more times with a growing pause. Raises ModelError naming the model,
    the attempts and the last error. A streamed answer is not retried once its first words went out."""
    check_model(model)
    if model.startswith(local.PROVIDER + "/"):  # loaded here, not inside LiteLLM: a failure is not retried
        try:
            local.engine(model)
        except local.LocalModelError as exc:
            raise ModelError(str(exc)) from None
    # LiteLLM's own retries are off (num_retries=0, and the OpenAI client's max_retries=0): nested, they made
    # 2 retries into 5 attempts with no pause between them.
    kwargs: dict[str, Any] = {"model": model, "messages": messages, "timeout": timeout, "num_retries": 0,
                              "max_retries": 0, **options}
    if tools:
        kwargs["tools"] = tools
    _endpoint(model, kwargs)
    take_simulated()
    litellm()  # imported and set up before the clock starts: a latency is the call's alone, never the start-up's
    started = time.time()
    failures: list[str] = []
    while True:
        emitted = False
        try:
            if on_delta is None:
                response = litellm().completion(**kwargs)
            else:
                chunks = []
                for chunk in litellm().completion(**kwargs, stream=True, stream_options={"include_usage": True}):
                    chunks.append(chunk)
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        emitted = True
                        on_delta(delta)
                response = litellm().stream_chunk_builder(chunks, messages=messages)
            break
        except ModelError:
            raise
        except Exception as exc:
            text = " ".join(str(exc).split())
            failures.append(f"{type(exc).__name__}: {text[:300]}")
            if _stopping():  # cut off at Stop (the local model, the demo's simulated wait): not a failure
                raise ModelError(f"model {model!r} was stopped on request while it was answering") from exc
            if emitted or len(failures) > retries or not _retryable(exc):
                tried = f" after {len(failures)} attempts" if len(failures) > 1 else ""
                raise ModelError(f"model {model!r} failed{tried}: {failures[-1]}") from exc
            time.sleep(_pause(exc, len(failures)))
    ended = time.time()
    simulated = take_simulated()
    choice = response.choices[0]
    usage = getattr(response, "usage", None)
    return ModelReply(
        model=model,
        content=choice.message.content or "",
        tool_calls=_parse_tool_calls(choice.message.tool_calls),
        usage=Usage(
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        ),
        cost=_cost(response, model),
        latency_ms=(ended - started) * 1000,
        started_at=started,
        ended_at=ended,
        finish_reason=choice.finish_reason,
        extra={**({"retried": failures} if failures else {}),
               **({"simulated_ms": simulated * 1000} if simulated else {})},
    )
