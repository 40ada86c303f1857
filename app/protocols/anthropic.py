"""Anthropic's Messages API (`/v1/messages`, streaming too) over the playground's models, for graphs that call
Claude (`init_chat_model("anthropic/...")`, `ChatAnthropic`, the Anthropic SDK): translated to and from the
OpenAI shape the gateway speaks; the call is recorded like any (app.protocols.models)."""

import json
import uuid
from typing import Any, Iterator

from app.protocols.models import EndpointError, Place, RunLink, _complete, _text



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
    _model, reply = _complete(asked, messages, tools, link, place, options, provider="anthropic")
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
