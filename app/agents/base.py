"""What every agent design shares: the state, the context it is built with, and the two recorded actions
(call the model, run tool calls).

State holds OpenAI-format message dicts, so the conversation the model sees, the checkpoint and the trace
are the same data. Tool state (bookings, notes) lives in the graph state too, so it is checkpointed with the
conversation and forks with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, TypedDict

from app.clarify.provenance import provenance
from app.llm import gateway
from app.tracing.steps import emit, step
from tools.execute import ToolResult, run_tool
from tools.model import ASKING, Tool


REPLACE = "__replace__"


def add_messages(left: list[dict], right: list[dict] | dict) -> list[dict]:
    """Append; `{"__replace__": [...]}` replaces the list (time travel's edits through update_state)."""
    if isinstance(right, dict) and REPLACE in right:
        return list(right[REPLACE])
    return [*(left or []), *(right or [])]


def merge_dicts(left: dict, right: dict) -> dict:
    return {**(left or {}), **(right or {})}


class AgentState(TypedDict, total=False):
    messages: Annotated[list[dict[str, Any]], add_messages]
    tool_state: Annotated[dict[str, Any], merge_dicts]
    scratch: Annotated[dict[str, Any], merge_dicts]  # per-design working data (plans, pending calls, ...)


@dataclass
class AgentContext:
    """Everything a design's graph is built from."""

    model: str
    tools: list[Tool]
    settings: dict[str, Any] = field(default_factory=dict)
    model_timeout: float = 60.0
    model_retries: int = 2
    tool_timeout: float = 10.0
    max_steps: int = 12
    stream: bool = True  # emit answer deltas on the custom stream

    @property
    def tools_by_name(self) -> dict[str, Tool]:
        return {t.name: t for t in self.tools}

    @property
    def tool_schemas(self) -> list[dict[str, Any]]:
        return [t.openai for t in self.tools]


def today() -> str:
    from app.dates import current_day

    return current_day().isoformat()


def turn_messages(messages: list[dict]) -> list[dict]:
    """The messages since the last user message (this turn's work)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return messages[i + 1:]
    return messages


def text_turns(messages: list[Any]) -> list[dict]:
    """The conversation as plain user/assistant text turns, without tool traffic (what planners and the gate
    see). Accepts LangChain message objects too (bring-your-own graphs using MessagesState)."""
    out = []
    for m in messages:
        if isinstance(m, dict):
            role, content, calls = m.get("role"), m.get("content"), m.get("tool_calls")
        else:
            role = {"human": "user", "ai": "assistant"}.get(getattr(m, "type", ""), getattr(m, "type", ""))
            content, calls = getattr(m, "content", ""), getattr(m, "tool_calls", None)
        if role in ("user", "assistant") and not calls and isinstance(content or "", str):
            out.append({"role": role, "content": content or ""})
    return out


def last_user_text(messages: list[dict]) -> str:
    return next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")


def call_model(
    ctx: AgentContext,
    messages: list[dict],
    *,
    node: str,
    name: str = "model",
    tools: list[dict] | None = None,
    stream: bool = False,
    **meta: Any,
) -> gateway.ModelReply:
    """One recorded model call. Answer deltas go on the custom stream when `stream` is set."""
    on_delta: Callable[[str], None] | None = None
    if stream and ctx.stream and _wants_deltas():
        on_delta = lambda text: emit({"type": "delta", "node": node, "text": text})  # noqa: E731
    with step("model", node, name, input={"model": ctx.model, "messages": messages,
                                           "tools": [t["function"]["name"] for t in tools or []]}, **meta) as s:
        reply = gateway.complete(ctx.model, messages, tools, timeout=ctx.model_timeout,
                                 retries=ctx.model_retries, on_delta=on_delta)
        s.output = reply.message
        s.prompt_tokens, s.completion_tokens, s.cost = reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.cost
        s.started_at, s.ended_at = reply.started_at, reply.ended_at
        s.meta["model"] = ctx.model
        s.meta["latency_ms"] = round(reply.latency_ms, 3)
        if reply.extra.get("simulated_ms"):  # the demo model's PLAYGROUND_DEMO_LATENCY_MS wait, within latency_ms
            s.meta["simulated_latency_ms"] = round(reply.extra["simulated_ms"], 3)
        if reply.extra.get("retried"):  # the failed attempts before this answer, shown in the inspector
            s.meta["retried"] = reply.extra["retried"]
    return reply


def _wants_deltas() -> bool:
    from langgraph.config import get_config

    try:
        return bool(get_config().get("configurable", {}).get("stream_deltas"))
    except RuntimeError:  # called outside a graph run
        return False


def _display_arguments(tool: Tool | None, arguments: dict) -> dict:
    if tool is None or not tool.secret_params:
        return arguments
    return {k: ("[secret]" if k in tool.secret_params else v) for k, v in arguments.items()}


def run_tool_calls(ctx: AgentContext, state: AgentState, calls: list[dict], *, node: str = "tools") -> dict[str, Any]:
    """Run the assistant message's tool calls in order; returns the state update (tool messages, tool state).

    Each tool step records where every argument's value came from (see app.clarify.provenance)."""
    from langgraph.config import get_config

    try:
        session_id = get_config().get("configurable", {}).get("thread_id", "")
    except RuntimeError:  # called outside a graph run
        session_id = ""
    tool_state = dict(state.get("tool_state") or {})
    messages: list[dict] = []
    known = ctx.tools_by_name
    for raw in calls:
        name = raw["function"]["name"]
        arguments, parse_error = gateway.parse_arguments(raw["function"].get("arguments") or "")
        tool = known.get(name)
        meta: dict[str, Any] = {
            "tool_call_id": raw["id"],
            "provenance": provenance(arguments, tool.function if tool else None, state.get("messages", []),
                                     (state.get("scratch") or {}).get("answers", [])),
        }
        with step("tool", node, name, input=_display_arguments(tool, arguments), **meta) as s:
            if tool is None:
                result = ToolResult(ok=False, content=f"Error: there is no tool named {name!r}; available: "
                                    f"{', '.join(known) or 'none'}", error=f"unknown tool {name!r}")
            elif parse_error:
                result = ToolResult(ok=False, content=f"Error: {name}: {parse_error}", error=parse_error)
            else:
                result = _run_asking(tool, arguments, session_id, tool_state, tool.timeout or ctx.tool_timeout)
            if result.state is not None and tool is not None and tool.state_key and tool.state_key != ASKING:
                tool_state[tool.state_key] = result.state
            # a huge output is stored as the model saw it: cut, with the marker saying how much was dropped
            s.output = result.value if result.ok and not result.truncated else result.content
            if not result.ok:
                s.status, s.error = "error", result.error
            if result.truncated:
                s.meta["truncated"] = True
            if result.started_at:
                s.started_at, s.ended_at = result.started_at, result.ended_at
        messages.append({"role": "tool", "tool_call_id": raw["id"], "name": name, "content": result.content})
    update: dict[str, Any] = {"messages": messages}
    if tool_state != (state.get("tool_state") or {}):
        update["tool_state"] = tool_state
    return update


def _run_asking(tool: Tool, arguments: Any, session_id: str, tool_state: dict, timeout: float) -> ToolResult:
    """Run one call. While its tool asks the person something (an MCP server's elicitation), ask them (an
    interrupt: the run waits, a reload or a restart included) and make the call again with the answers so far.
    On resume LangGraph runs this node again and each interrupt returns its answer in order."""
    from langgraph.types import interrupt

    from app.clarify.elicitation import answer_for, request_for

    answers: list[dict[str, Any]] = []
    while True:
        given = {**tool_state, ASKING: {"answers": answers}} if tool.state_key == ASKING else tool_state
        result = run_tool(tool, arguments, session_id=session_id, tool_state=given, timeout=timeout)
        if result.meta.get("kind") != "elicitation" or len(answers) >= MAX_ELICITATIONS:
            return result
        asked = result.meta["request"]
        answers.append(answer_for(interrupt(request_for(tool.name, asked).to_dict()), asked))


MAX_ELICITATIONS = 5  # questions one call may ask before its last request is left as the tool's error


def edit_call_in_messages(values: dict[str, Any], call_id: str | None, arguments: dict[str, Any]) -> dict | None:
    """Time travel's rewrite of a proposed tool call where most designs keep it: in the assistant message that
    proposed it (the state update replaces the messages), or None if no message proposed `call_id`."""
    messages = [dict(m) for m in values.get("messages") or []]
    for m in reversed(messages):
        calls = m.get("tool_calls") if isinstance(m, dict) and m.get("role") == "assistant" else None
        if calls and any(c.get("id") == call_id for c in calls):
            edited = json.dumps(arguments, ensure_ascii=False)
            m["tool_calls"] = [{**c, "function": {**c["function"], "arguments": edited}} if c.get("id") == call_id
                               else c for c in calls]
            return {"messages": {REPLACE: messages}}
    return None


def final_answer(messages: list[dict]) -> str | None:
    for message in reversed(messages):
        if message.get("role") == "assistant" and not message.get("tool_calls"):
            return str(message.get("content") or "")
        if message.get("role") == "user":
            return None
    return None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def tool_catalog(tools: list[Tool]) -> str:
    """The tools as prompt text, one line each: `- name(arg*: type, unit: metric|imperial): description`
    (`*` marks a required argument). Shorter than the JSON schemas, for designs that plan in text."""
    lines = []
    for t in tools:
        params = []
        for name, spec in t.parameters.get("properties", {}).items():
            kind = "|".join(map(str, spec["enum"])) if "enum" in spec else str(spec.get("type", "string"))
            params.append(f"{name}{'*' if name in t.required else ''}: {kind}")
        lines.append(f"- {t.name}({', '.join(params)}): {' '.join(t.description.split())}")
    return "\n".join(lines)


def tool_call(name: str, arguments: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    """An OpenAI-format tool call, for designs that decide calls themselves (planners, searches)."""
    import uuid

    return {"id": call_id or f"call_{uuid.uuid4().hex[:12]}", "type": "function",
            "function": {"name": name, "arguments": dumps(arguments)}}


def parse_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model's reply (models wrap JSON in prose or code fences), or None."""
    match = re.search(r"\{.*\}", text or "", re.DOTALL)
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
