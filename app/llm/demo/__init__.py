"""The offline demo model, `demo/offline`: a LiteLLM custom provider that needs no key and no network.

It speaks OpenAI tool calling (sync, async and streaming) so it goes through exactly the same gateway as a
real model. Its answers are deterministic. A system prompt carrying `[task:NAME]` asks for one of the
structured judgements the agents need (see `tasks.py`); everything else is chat with tools (`policy.py`).
Token counts are estimated at four characters a token. `PLAYGROUND_DEMO_LATENCY_MS` adds a simulated
latency to every call (for load tests).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import time
import uuid
from typing import Any, AsyncIterator, Iterator

PROVIDER = "demo"
MODELS = ("demo/offline",)
_TASK = re.compile(r"\[task:([\w-]+)\]")


def estimate_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return max(1, math.ceil(len(text) / 4)) if text else 0


def think(messages: list[dict], tools: list[dict] | None):
    """The demo model's reply to `messages`: a policy.Reply."""
    from app.llm.demo import design_tasks, policy, tasks  # noqa: F401  (design_tasks registers its tasks)

    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    if isinstance(system, str) and (match := _TASK.search(system)):
        handler = tasks.TASKS.get(match.group(1))
        if handler is not None:
            result = handler(messages, tools or [])
            return result if isinstance(result, policy.Reply) else policy.Reply(content=result)
    return policy.respond(messages, tools or [])


def _latency() -> float:
    return float(os.environ.get("PLAYGROUND_DEMO_LATENCY_MS", "0") or 0) / 1000


def _tool_call_dicts(reply) -> list[dict]:
    return [
        {"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
         "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}}
        for c in reply.tool_calls
    ]


def _usage(messages, tools, reply, calls) -> dict[str, int]:
    prompt = estimate_tokens(messages) + (estimate_tokens(tools) if tools else 0)
    completion = estimate_tokens(reply.content) + (estimate_tokens(calls) if calls else 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _build_handler():
    from litellm import CustomLLM
    from litellm.types.utils import ChatCompletionMessageToolCall, GenericStreamingChunk, Usage

    class DemoLLM(CustomLLM):
        def _reply(self, model: str, messages: list, optional_params: dict, model_response):
            tools = optional_params.get("tools")
            reply = think(messages, tools)
            calls = _tool_call_dicts(reply)
            message = model_response.choices[0].message
            message.content = reply.content or None
            message.tool_calls = [ChatCompletionMessageToolCall(**c) for c in calls] or None
            model_response.choices[0].finish_reason = "tool_calls" if calls else "stop"
            model_response.model = f"{PROVIDER}/{model}"
            model_response.usage = Usage(**_usage(messages, tools, reply, calls))
            return model_response

        def _chunks(self, messages: list, optional_params: dict) -> Iterator[GenericStreamingChunk]:
            tools = optional_params.get("tools")
            reply = think(messages, tools)
            calls = _tool_call_dicts(reply)
            words = re.findall(r"\S+\s*", reply.content or "")
            for word in words:
                yield GenericStreamingChunk(text=word, is_finished=False, finish_reason="", usage=None, index=0, tool_use=None)
            usage = _usage(messages, tools, reply, calls)
            for i, call in enumerate(calls):
                yield GenericStreamingChunk(text="", is_finished=False, finish_reason="", usage=None, index=0,
                                            tool_use={**call, "index": i})
            yield GenericStreamingChunk(text="", is_finished=True, finish_reason="tool_calls" if calls else "stop",
                                        usage=usage, index=0, tool_use=None)

        def completion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                       encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            if _latency():
                time.sleep(_latency())
            return self._reply(model, messages, optional_params, model_response)

        async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                              encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            if _latency():
                await asyncio.sleep(_latency())
            return self._reply(model, messages, optional_params, model_response)

        def streaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                      encoding, api_key, logging_obj, optional_params, *args, **kwargs):
            if _latency():
                time.sleep(_latency())
            yield from self._chunks(messages, optional_params)

        async def astreaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                             encoding, api_key, logging_obj, optional_params, *args, **kwargs) -> AsyncIterator:
            if _latency():
                await asyncio.sleep(_latency())
            for chunk in self._chunks(messages, optional_params):
                yield chunk

    return DemoLLM()


def register() -> None:
    """Register the provider with LiteLLM (idempotent)."""
    import litellm

    if any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
        return
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": PROVIDER, "custom_handler": _build_handler()}]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
