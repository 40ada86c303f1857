"""A playground turn as the LangGraph API streams a run: each stored step and text delta turned into the parts of
the stream modes a client asked for (`values`, `updates`, `messages` / `messages-tuple`, `events`, `custom`),
LangChain-shaped JSON for messages, and a typed clarification as an `__interrupt__`.

What each mode carries here:
- `updates`: per step, what its node wrote: `{node: {"messages": [message]}}` for a model's reply or a tool's
  result, the node's own update for an opened graph's node; a question is `{"__interrupt__": [{value, id}]}`;
- `values`: the graph's whole state from its checkpoint when the run ends (with `__interrupt__` when it asks);
- `messages-tuple` (what `messages` asks for through RemoteGraph): `[message chunk, metadata]`, the answer's text
  as it streams, and each model reply or tool result that did not stream, whole;
- `messages`: `messages/metadata`, `messages/partial` (the text so far) and `messages/complete`;
- `events`: `on_chat_model_*`, `on_tool_*`, `on_chain_*` (per node) events in astream_events' shape;
- `custom`: what the graph wrote to its custom stream (its status lines).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Iterable, Iterator

from app.runner import Event
from app.tracing.steps import TOOL_CALL_ID, Step, StepKind

MODES = ("values", "updates", "messages", "messages-tuple", "events", "custom")


def lc(value: Any) -> Any:
    """JSON of a graph's values as the LangGraph API sends them: LangChain messages as their own dicts
    (`type`, `content`, `tool_calls`, `id`...), pydantic models and dataclasses as dicts, anything else as text."""
    if isinstance(value, dict):
        return {str(k): lc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [lc(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "model_dump"):
        try:
            return lc(value.model_dump(mode="json"))
        except Exception:  # noqa: BLE001  (a model that cannot dump itself: its text)
            return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return lc({k: getattr(value, k) for k in value.__dataclass_fields__})
    return str(value)


def state_json(values: Any) -> Any:
    """A graph's state as the LangGraph API sends it: `lc`, and a `messages` channel the playground's designs keep
    as OpenAI-style dicts (`role`) given as LangChain's own message dicts (`type`: human, ai, tool, system)."""
    out = lc(values)
    if isinstance(out, dict) and isinstance(out.get("messages"), list) and out["messages"] and \
            all(isinstance(m, dict) and "role" in m for m in out["messages"]):
        from langchain_core.messages import convert_to_messages

        try:
            return {**out, "messages": [lc(m) for m in convert_to_messages(out["messages"])]}
        except (ValueError, TypeError, KeyError, NotImplementedError):
            return out  # a message LangChain cannot read: sent as the graph keeps it
    return out


def ai_message(step: Step) -> dict[str, Any]:
    """A model step's reply (stored OpenAI-style) as a LangChain AI message."""
    out = step.output if isinstance(step.output, dict) else {"content": "" if step.output is None else str(step.output)}
    calls = []
    for call in out.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            args = json.loads(function.get("arguments") or "{}")
        except (TypeError, ValueError):
            args = {"__raw__": function.get("arguments")}
        calls.append({"name": function.get("name", ""), "args": args, "id": call.get("id"), "type": "tool_call"})
    usage = {"input_tokens": step.prompt_tokens, "output_tokens": step.completion_tokens,
             "total_tokens": step.prompt_tokens + step.completion_tokens}
    return {"type": "ai", "content": out.get("content") or "", "tool_calls": calls, "id": step.id,
            "name": None, "usage_metadata": usage, "response_metadata": {"model_name": step.meta.get("model")}}


def tool_message(step: Step) -> dict[str, Any]:
    content = step.output if isinstance(step.output, str) else json.dumps(step.output, default=str)
    return {"type": "tool", "content": step.error or content, "tool_call_id": step.meta.get(TOOL_CALL_ID),
            "name": step.name, "id": step.id, "status": "error" if step.error else "success"}


def interrupt_of(question: Any) -> dict[str, Any]:
    return {"value": question.to_dict(), "id": question.id}


def sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()


class RunStream:
    """One run's events turned into (event name, data) parts for the modes asked for."""

    def __init__(self, run_id: str, thread_id: str, modes: Iterable[str]):
        self.run_id, self.thread_id = run_id, thread_id
        self.modes = set(modes)
        self._text: dict[str, str] = {}  # the streaming message's id -> its text so far
        self._streamed = False  # text streamed since the last model step (that step is then not sent whole)
        self._message_id = "run-" + uuid.uuid4().hex

    def _meta(self, node: str) -> dict[str, Any]:
        return {"langgraph_node": node, "run_id": self.run_id, "thread_id": self.thread_id}

    def parts(self, event: Event) -> Iterator[tuple[str, Any]]:
        if event.type == "delta" and event.text:
            yield from self._delta(event.text)
        elif event.type == "status" and "custom" in self.modes:
            yield "custom", {"status": event.text}
        elif event.type == "step" and event.step is not None:
            yield from self._step(event.step)

    def _delta(self, text: str) -> Iterator[tuple[str, Any]]:
        self._streamed = True
        chunk = {"type": "AIMessageChunk", "content": text, "id": self._message_id, "tool_call_chunks": []}
        if "messages-tuple" in self.modes:
            yield "messages", [chunk, self._meta("agent")]
        if "messages" in self.modes:
            if self._message_id not in self._text:
                yield "messages/metadata", {self._message_id: {"metadata": self._meta("agent")}}
            self._text[self._message_id] = self._text.get(self._message_id, "") + text
            yield "messages/partial", [{**chunk, "type": "ai", "content": self._text[self._message_id]}]
        if "events" in self.modes:
            yield "events", self._event("on_chat_model_stream", "model", self._message_id, "agent", {"chunk": chunk})

    def _step(self, step: Step) -> Iterator[tuple[str, Any]]:
        message = None
        if step.kind == StepKind.MODEL:
            message = ai_message(step)
            if self._streamed:
                message["id"] = self._message_id
        elif step.kind == StepKind.TOOL:
            message = tool_message(step)
        if "updates" in self.modes:
            if message is not None:
                yield "updates", {step.node: {"messages": [message]}}
            elif step.kind == StepKind.NODE:
                yield "updates", {step.node: lc(step.output)}
        if message is not None and (step.kind == StepKind.TOOL or not self._streamed):
            if "messages-tuple" in self.modes:
                yield "messages", [message, self._meta(step.node)]
            if "messages" in self.modes:
                yield "messages/metadata", {message["id"]: {"metadata": self._meta(step.node)}}
                yield "messages/complete", [message]
        elif message is not None and "messages" in self.modes:
            yield "messages/complete", [{**message, "content": self._text.get(self._message_id, message["content"])}]
        if step.kind == StepKind.MODEL:
            self._streamed, self._message_id = False, "run-" + uuid.uuid4().hex
        if "events" in self.modes:
            yield from self._events_of(step, message)

    def _event(self, name: str, kind: str, run_id: str, node: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"event": name, "name": kind, "run_id": run_id, "tags": [], "metadata": self._meta(node),
                "data": data, "parent_ids": []}

    def _events_of(self, step: Step, message: dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
        kind = {StepKind.MODEL: "chat_model", StepKind.TOOL: "tool"}.get(step.kind, "chain")
        name = step.meta.get("model") or step.name if kind == "chat_model" else step.name
        yield "events", self._event(f"on_{kind}_start", name, step.id, step.node, {"input": lc(step.input)})
        output = message if message is not None else lc(step.output)
        end = {"output": output} if not step.error else {"output": output, "error": step.error}
        yield "events", self._event(f"on_{kind}_end", name, step.id, step.node, end)

    def ended(self, values: Any, question: Any) -> Iterator[tuple[str, Any]]:
        """The closing parts: the interrupt (updates) and the final state (values)."""
        if question is not None and "updates" in self.modes:
            yield "updates", {"__interrupt__": [interrupt_of(question)]}
        if "values" in self.modes:
            state = dict(values) if isinstance(values, dict) else {"value": values}
            if question is not None:
                state["__interrupt__"] = [interrupt_of(question)]
            yield "values", state


def now_iso(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at or time.time())) + "+00:00"
