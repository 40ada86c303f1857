"""What every outward protocol (the LangGraph API, MCP, and those after them) shares: a caller's configuration
slot read as the chat reads its menus, a playground session opened for the caller, a turn run in it, and a
typed clarification turned into a question any protocol can carry (a JSON schema with its options as an enum)
and its answer back into the text the agent resumes with.

A session made so is a normal one: in the caller's Sessions list, inspectable, shareable. It is marked with the
protocol it came through (the `via` setting, which a caller cannot set).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from sqlalchemy.exc import IntegrityError

from app import agents
from app.agents.settings import MARKS, SettingsError
from app.clarify.request import ClarificationRequest
from app.config import DEFAULT_TOOLSET
from app.llm import gateway
from app.runner import Event, Runner, TurnError
from app.tracing.redact import redact_text
from storage.models import SessionRow

SLOT_KEYS = ("model", "tools", "toolset", "settings")
ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class CallError(ValueError):
    """What a caller sent cannot be run: the message names the field and the problem (never a secret)."""


def said(exc: BaseException | str, limit: int = 500) -> str:
    """An error as a protocol says it to its caller: one line, redacted (a key pasted where a model name goes is
    not echoed back), without the quotes a KeyError adds."""
    text = " ".join(str(exc).split())
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":  # a KeyError's repr of its message
        text = text[1:-1]
    return redact_text(text)[:limit]


def options(slot: Any, where: str = "config") -> dict[str, Any]:
    """The session options a protocol's configuration slot names: `model`, `tools`, `toolset` and `settings`
    (or, for a slot with no `settings` key, its other keys as settings). CallError names a wrong type."""
    if slot is None:
        return {}
    if not isinstance(slot, dict):
        raise CallError(f"{where} must be a JSON object of model, tools, toolset and settings")
    picked: dict[str, Any] = {}
    if "model" in slot:
        if not isinstance(slot["model"], str) or not slot["model"].strip():
            raise CallError(f"{where}.model must be a model name such as demo/offline")
        picked["model"] = slot["model"].strip()
    if "tools" in slot:
        tools = slot["tools"]
        if isinstance(tools, str):
            tools = [t.strip() for t in tools.split(",") if t.strip()]
        if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
            raise CallError(f"{where}.tools must be a list of tool names")
        picked["tools"] = tools
    if "toolset" in slot:
        if slot["toolset"] is not None and not isinstance(slot["toolset"], str):
            raise CallError(f"{where}.toolset must be a tool set's name")
        picked["toolset"] = slot["toolset"]
    settings = slot.get("settings") if "settings" in slot else {k: v for k, v in slot.items() if k not in SLOT_KEYS}
    if not isinstance(settings, dict):
        raise CallError(f"{where}.settings must be a JSON object")
    marks = [k for k in settings if k in MARKS or k == "via"]
    if marks:
        raise CallError(f"{where}: the setting {marks[0]!r} is the playground's own and cannot be set")
    if settings:
        picked["settings"] = settings
    return picked


def open_session(runner: Runner, agent: str, owner: str | None, via: str, slot: dict[str, Any] | None = None,
                 session_id: str | None = None, title: str = "") -> SessionRow:
    """A new session of `agent` with the chat's defaults (its default tool set, the operator's default model or
    the demo model) overridden by the slot's options, checked as the chat checks them. CallError names what is
    wrong (an unknown agent, model, tool or setting)."""
    picked = options(slot)
    spec = agents.AGENTS.get(agent)
    if spec is None or spec.harness:
        raise CallError(f"unknown agent {agent!r}; known agents: {', '.join(public_agents())}")
    tools = picked.get("tools")
    toolset = picked.get("toolset", None if tools else DEFAULT_TOOLSET)
    settings = {**picked.get("settings", {}), "via": via}
    if session_id is not None and not ID.fullmatch(session_id):
        raise CallError("an id must be 1 to 100 letters, digits, '-', '_' or '.'")
    try:
        return runner.new_session(agent=agent, model=picked.get("model") or gateway.default_model(), tools=tools,
                                  toolset=toolset, owner=owner, settings=settings, title=title, session_id=session_id)
    except IntegrityError:  # another's session has that id: said the same way as one of the caller's own
        raise CallError(f"{session_id} already exists") from None
    except (SettingsError, TurnError, gateway.ModelConfigError, KeyError, ValueError) as exc:
        raise CallError(said(exc)) from None


def public_agents() -> list[str]:
    return [name for name, spec in agents.AGENTS.items() if not spec.harness]


def run(runner: Runner, session_id: str, owner: str | None, message: str | None = None,
        answer: str | None = None, deltas: bool = True) -> Iterator[Event]:
    """One turn of the session (a message, or the answer to its pending question), event by event; the last
    event is "done" with the turn's result. `deltas`: the answer's text as it streams too (a model call that
    streams costs ~20 ms more a turn on the demo model: only for a client that shows text as it comes). TurnError
    (busy, nothing to answer, an empty message) as the runner raises it."""
    return runner.stream(session_id, message=message, answer=answer, owner=owner, deltas=deltas)


def answer_text(value: Any) -> str:
    """The text an agent resumes with, from a protocol's answer: a string as it is; a form's or resume's object
    by its `other` (question_schema's free answer) or `answer` (or `value`, `response`, or its one field); anything
    else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("other"), str) and value["other"].strip():  # a form's free answer, over its choice
            return value["other"]
        for key in ("answer", "value", "response", "text"):
            if isinstance(value.get(key), (str, int, float)):
                return str(value[key])
        if len(value) == 1:
            only = next(iter(value.values()))
            return only if isinstance(only, str) else json.dumps(only)
    if isinstance(value, list) and len(value) == 1:
        return answer_text(value[0])
    return json.dumps(value, default=str)


def question_schema(question: ClarificationRequest) -> dict[str, Any]:
    """The question as a form: `answer`, its options as an enum, titled by the field it asks about; with options,
    also `other` (a free answer, for a value the options do not list: most options are examples)."""
    prop: dict[str, Any] = {"type": "string", "title": question.field or "answer", "description": question.question}
    if not question.options:
        return {"type": "object", "properties": {"answer": prop}, "required": ["answer"]}
    return {"type": "object", "properties": {
        "answer": {**prop, "enum": list(question.options)},
        "other": {"type": "string", "title": "Something else", "description": "an answer the options do not list"}}}


def question_payload(question: ClarificationRequest, session_id: str) -> dict[str, Any]:
    """The typed clarification as data (what every protocol carries beside its own question)."""
    return {**question.to_dict(), "session_id": session_id}


def last_user_text(messages: Any) -> str | None:
    """The newest user message's text in a list of OpenAI-style or LangChain-style messages (a whole history
    sent again, as a RemoteGraph inside another graph sends its state, counts once: its last user message)."""
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, str):
            return message
        if not isinstance(message, dict):
            continue
        if message.get("role", message.get("type")) in ("user", "human"):
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return None if content is None else str(content)
    return None
