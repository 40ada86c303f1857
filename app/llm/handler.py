"""One LiteLLM custom-provider handler for our local models (the offline demo model and replays of recorded
sessions): sync, async and streaming OpenAI-style replies from a function that answers a conversation.

Both providers therefore go through `litellm.completion` exactly as a hosted model does.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Iterator


@dataclass
class Answer:
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # OpenAI tool_call dicts
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens, total_tokens
    latency: float = 0.0  # seconds to wait before answering (simulated latency)


Respond = Callable[[str, list, "list | None"], Answer]

_simulated = threading.local()


STOPPED = "stopped on request while the model was answering"


def _wait(seconds: float) -> None:
    """The simulated latency, remembered for the calling thread so the gateway can report it (a load test
    subtracts the model's own time, and this is all of it for a local model). Cut off at Stop, as a model
    that streams its reply is (raising ValueError)."""
    from app.tracing.steps import stop_check

    stopping, end = stop_check(), time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if stopping is not None and stopping():
            _simulated.seconds = getattr(_simulated, "seconds", 0.0) + seconds - left
            raise ValueError(STOPPED)
        time.sleep(min(left, 0.1) if stopping is not None else left)
    _simulated.seconds = getattr(_simulated, "seconds", 0.0) + seconds


def take_simulated() -> float:
    """Seconds of simulated latency this thread waited since the last call (0.0 for a hosted model)."""
    seconds = getattr(_simulated, "seconds", 0.0)
    _simulated.seconds = 0.0
    return seconds


def build_handler(provider: str, respond: Respond):
    from litellm import CustomLLM
    from litellm.types.utils import ChatCompletionMessageToolCall, GenericStreamingChunk, Usage

    class LocalLLM(CustomLLM):
        def _reply(self, model: str, model_response, found: Answer):
            message = model_response.choices[0].message
            message.content = found.content or None
            message.tool_calls = [ChatCompletionMessageToolCall(**c) for c in found.tool_calls] or None
            model_response.choices[0].finish_reason = "tool_calls" if found.tool_calls else "stop"
            model_response.model = f"{provider}/{model}"
            model_response.usage = Usage(**found.usage)
            return model_response

        def _chunks(self, found: Answer) -> Iterator[GenericStreamingChunk]:
            for word in re.findall(r"\S+\s*", found.content or ""):
                yield GenericStreamingChunk(text=word, is_finished=False, finish_reason="", usage=None, index=0,
                                            tool_use=None)
            for i, call in enumerate(found.tool_calls):
                yield GenericStreamingChunk(text="", is_finished=False, finish_reason="", usage=None, index=0,
                                            tool_use={**call, "index": i})
            yield GenericStreamingChunk(text="", is_finished=True,
                                        finish_reason="tool_calls" if found.tool_calls else "stop",
                                        usage=found.usage, index=0, tool_use=None)

        def completion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                       encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            found = respond(model, messages, optional_params.get("tools"))
            if found.latency:
                _wait(found.latency)
            return self._reply(model, model_response, found)

        async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                              encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            found = respond(model, messages, optional_params.get("tools"))
            if found.latency:
                await asyncio.sleep(found.latency)
            return self._reply(model, model_response, found)

        def streaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                      encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            found = respond(model, messages, optional_params.get("tools"))
            if found.latency:
                _wait(found.latency)
            yield from self._chunks(found)

        async def astreaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                             encoding, api_key, logging_obj, optional_params, *args, **kwargs) -> AsyncIterator:
            found = respond(model, messages, optional_params.get("tools"))
            if found.latency:
                await asyncio.sleep(found.latency)
            for chunk in self._chunks(found):
                yield chunk

    return LocalLLM()


def register_provider(provider: str, respond: Respond) -> None:
    """Register `provider/...` models with LiteLLM (idempotent)."""
    import litellm

    if any(item.get("provider") == provider for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [*litellm.custom_provider_map,
                                   {"provider": provider, "custom_handler": build_handler(provider, respond)}]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
