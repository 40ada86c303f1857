"""Ask-when-Needed around someone else's agent: with the session setting `ask_when_needed`, each `ToolNode` of an
opened LangGraph graph runs behind the playground's model-free check (app.clarify.checker).

Before the node's tools run, every call of the model's last message is checked against its tool's schema and the
conversation: a required value missing, a value the schema refuses, or one that appears nowhere in what was said
(a guess) is asked as a typed clarification (our payload: kind, question, options, tool, field), one at a time.
Each answer is written into the call, and the call as answered replaces the model's in the state (the same
message id), so the tool runs with what the person said and the next model turn sees it. A `check` step records
the findings; each tool step records where every argument came from (provenance), as the built-in designs do.

A resumed node runs again from its start (LangGraph): the check is deterministic, so the same questions come in
the same order and each `interrupt()` returns its answer.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from app.clarify.checker import check_tool_call
from app.clarify.provenance import provenance
from app.tracing.messages import message_dicts

SETTING = "ask_when_needed"
CHECK_EVENT = "playground_check"  # the custom callback event a wrapped node sends (app.tracing.callbacks)
MAX_QUESTIONS = 3  # per call: then it runs as it stands


def wrap_tool_nodes(builder):
    """A copy of `builder` (a StateGraph) whose ToolNodes run behind the check, or `builder` if it has none."""
    from langgraph.prebuilt import ToolNode

    wrapped = {name: spec for name, spec in builder.nodes.items() if isinstance(spec.runnable, ToolNode)}
    if not wrapped:
        return builder
    checked = copy.copy(builder)
    checked.nodes = dict(builder.nodes)
    for name, spec in wrapped.items():
        checked.nodes[name] = dataclasses.replace(spec, runnable=_checked(spec.runnable, name))
    return checked


def _typed(answer: Any, schema: dict[str, Any]) -> Any:
    """The answer as the field's type asks (a number for a number, JSON for a list), else as typed."""
    if not isinstance(answer, str):
        return answer
    kind = schema.get("type")
    text = answer.strip()
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean" and text.lower() in ("true", "false", "yes", "no"):
            return text.lower() in ("true", "yes")
        if kind in ("array", "object"):
            return json.loads(text)
    except ValueError:  # (JSONDecodeError is one) not of the field's type: the words as typed, which the check
        return answer    # then finds invalid and asks about again
    return answer


def _messages(state: Any) -> list | None:
    if isinstance(state, dict):
        return state.get("messages")
    return getattr(state, "messages", None)


class _Check:
    """The check of one ToolNode's input: the calls as answered, what was found, where each value came from."""

    def __init__(self, tool_node):
        from langchain_core.utils.function_calling import convert_to_openai_tool

        self.schemas = {n: convert_to_openai_tool(t)["function"] for n, t in tool_node.tools_by_name.items()}

    def __call__(self, state: Any, graph_state: Any = None) -> tuple[Any, Any, dict[str, Any] | None]:
        """(the input for the tools, the answered AI message or None, the check's record or None). `state` is
        the node's input: the graph's state, or what a Send gave it (LangChain 1.x agents send each call alone,
        as a list of tool calls or a call with its state); `graph_state` the state the node reads besides."""
        from langgraph.types import interrupt

        sent = isinstance(state, dict) and state.get("__type") == "tool_call_with_context"
        listed = (isinstance(state, list) and bool(state) and isinstance(state[-1], dict)
                  and state[-1].get("type") == "tool_call")
        messages = _messages(state["state"] if sent else graph_state if listed else state)
        last = next((m for m in reversed(messages or []) if getattr(m, "tool_calls", None)), None)
        calls = [state["tool_call"]] if sent else list(state) if listed else list(getattr(last, "tool_calls", None) or [])
        if not calls or last is None:
            return state, None, None
        conversation = message_dicts(list(messages[:messages.index(last)]))
        answers: list[int] = []
        findings: list[dict] = []
        answered, where = [], {}
        for call in calls:
            schema = self.schemas.get(call.get("name"))
            arguments = dict(call.get("args") or {})
            if schema is not None:
                properties = (schema.get("parameters") or {}).get("properties") or {}
                for _ in range(MAX_QUESTIONS):
                    problems = [p for p in check_tool_call(schema, arguments, conversation, answers=answers)
                                if p.get("field") in properties]
                    if not problems:
                        break
                    findings.append(problems[0])
                    answer = interrupt(problems[0])
                    conversation = [*conversation, {"role": "user", "content": str(answer)}]
                    answers.append(len(conversation) - 1)
                    arguments[problems[0]["field"]] = _typed(answer, properties[problems[0]["field"]])
                where[str(call.get("id"))] = provenance(arguments, schema, conversation, answers)
            answered.append({**call, "args": arguments})
        record = {"calls": [{"name": c.get("name"), "args": c["args"]} for c in answered], "findings": findings,
                  "provenance": where}
        if all(a["args"] == (c.get("args") or {}) for a, c in zip(answered, calls)):
            return state, None, record
        by_id = {c.get("id"): c for c in answered}
        message = last.model_copy(update={"tool_calls": [by_id.get(c.get("id"), c) for c in last.tool_calls]})
        if sent:
            return {**state, "tool_call": answered[0]}, message, record
        if listed:
            return answered, message, record
        if isinstance(state, dict):
            return {**state, "messages": [m if m is not last else message for m in messages]}, message, record
        return state.model_copy(update={"messages": [m if m is not last else message for m in messages]}), message, record


def _with_answers(out: Any, message: Any) -> Any:
    """The tool node's output with the answered call first (it replaces the model's: the same id)."""
    if message is None:
        return out
    if isinstance(out, dict) and isinstance(out.get("messages"), list):
        return {**out, "messages": [message, *out["messages"]]}
    if isinstance(out, list) and all(hasattr(m, "type") for m in out):
        return {"messages": [message, *out]}
    return out  # Commands: left as the tools made them


def _checked(tool_node, name: str):
    from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
    from langchain_core.runnables import RunnableLambda

    check = _Check(tool_node)

    def read(state, config):  # the graph's state besides a Send's input (ToolNode reads it the same way)
        extract = getattr(tool_node, "_extract_state", None)
        return extract(state, config) if callable(extract) and isinstance(state, list) else None

    def run(state, config):
        state, message, record = check(state, read(state, config))
        if record is not None:
            dispatch_custom_event(CHECK_EVENT, record, config=config)
        return _with_answers(tool_node.invoke(state, config), message)

    async def arun(state, config):
        state, message, record = check(state, read(state, config))
        if record is not None:
            await adispatch_custom_event(CHECK_EVENT, record, config=config)
        return _with_answers(await tool_node.ainvoke(state, config), message)

    return RunnableLambda(run, afunc=arun, name=name)
