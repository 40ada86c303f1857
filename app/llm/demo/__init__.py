"""The offline demo model, `demo/offline`: a LiteLLM custom provider that needs no key and no network.

It speaks OpenAI tool calling (sync, async and streaming) so it goes through exactly the same gateway as a
real model. Its answers are deterministic. A system prompt carrying `[task:NAME]` asks for one of the
structured judgements the agents need (see `tasks.py`); everything else is chat with tools (`policy.py`).
Token counts are estimated at four characters a token. `PLAYGROUND_DEMO_LATENCY_MS` adds a simulated
latency to every call (for load tests): `800`, or `400-1200` drawn uniformly per call.
"""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from typing import Any

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
    """Seconds to wait: PLAYGROUND_DEMO_LATENCY_MS is a number, or LOW-HIGH for a uniform draw (real models
    vary; a load test with one fixed latency makes every session want the CPU at the same instant)."""
    text = (os.environ.get("PLAYGROUND_DEMO_LATENCY_MS", "0") or "0").strip()
    if "-" in text.lstrip("-"):
        import random

        low, high = (float(part) for part in text.split("-", 1))
        return random.uniform(low, high) / 1000
    return float(text) / 1000


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


def answer(model: str, messages: list, tools: list | None):
    """The demo's reply as the shared handler wants it: content, tool calls, usage, latency."""
    from app.llm.handler import Answer

    reply = think(messages, tools)
    calls = _tool_call_dicts(reply)
    return Answer(content=reply.content, tool_calls=calls, usage=_usage(messages, tools, reply, calls),
                  latency=_latency())


def register() -> None:
    """Register the provider with LiteLLM (idempotent)."""
    from app.llm.handler import register_provider

    register_provider(PROVIDER, answer)


def shaped(schema: dict, text: str) -> str:
    """The demo model's reply in a JSON schema's shape (structured output, `response_format`): its reply when
    that already is such JSON, else an instance of the schema with the reply's text in its text fields."""
    return text if _fits(text, schema) else json.dumps(_instance(schema, schema, text or "", 0), ensure_ascii=False)


def _fits(text: str, schema: dict) -> bool:
    import jsonschema

    try:
        jsonschema.validate(json.loads(text), schema)
    except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError):  # not JSON, or not of this shape
        return False
    return True


def _instance(node: dict, root: dict, text: str, depth: int) -> Any:
    if not isinstance(node, dict) or depth > 8:
        return None
    if "$ref" in node:  # "#/$defs/Name", as pydantic writes them
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _instance(target, root, text, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if node.get(key):
            options = [o for o in node[key] if o.get("type") != "null"] or node[key]
            return _instance(options[0], root, text, depth + 1)
    if "const" in node:
        return node["const"]
    if node.get("enum"):  # the value the text names, else the first
        return next((v for v in node["enum"] if isinstance(v, str) and v and re.search(
            rf"\b{re.escape(v)}\b", text, re.IGNORECASE)), node["enum"][0])
    if "default" in node:
        return node["default"]
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in node:
        return {name: _instance(spec, root, text, depth + 1) for name, spec in (node.get("properties") or {}).items()}
    if kind == "array":
        return [_instance(node.get("items") or {"type": "string"}, root, text, depth + 1)]
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return text
