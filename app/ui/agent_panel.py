"""What the chat says about the agent chosen: its description, and for an opened LangGraph project's graph its
input fields, its settings (its context schema) and its nodes; the placeholders of the settings and message
boxes."""

from __future__ import annotations

from app import agents
from app.ui import render


def settings_hint(name: str) -> str:
    try:
        return agents.get_agent(name).settings_hint or "{}"
    except KeyError:
        return "{}"


def agent_info(name: str) -> str:
    try:
        spec = agents.get_agent(name)
    except KeyError:
        line = agents.UNOPENED.get(name)
        return f"⚠️ **This graph of your project cannot be opened**: {render.plain(line)}" if line else ""
    return f"{render.plain(spec.description)}{_io_info(spec.io)}\n\n<sub>{render.plain(spec.paper)}</sub>"


def _io_info(io) -> str:
    """What an opened project's graph takes: its input fields (when they are not a chat) and its settings."""
    if io is None:
        return ""
    import json

    lines = []
    if not io.messages:
        fields = ", ".join(f"{render.inline_code(k)} ({v.get('type', 'any')})" for k, v in io.fields.items())
        lines.append(f"**Input:** {fields or 'no fields'}: send a JSON object, e.g. "
                     f"{render.inline_code(json.dumps(io.example()))}"
                     + (" (or plain text, for its one text field)" if len(io.fields) == 1 else ""))
    if io.context:
        lines.append("**Settings** (its context): " + "; ".join(
            f"{render.inline_code(f.name)}" + (f" = {render.inline_code(json.dumps(f.default))}" if f.default is not None else "")
            + (f": {render.plain(f.description[:120])}" if f.description else "") for f in io.context))
    if io.nodes:
        lines.append("**Breakpoints:** set `interrupt_before` to a list of its nodes: "
                     + ", ".join(render.inline_code(n) for n in io.nodes))
    lines.append("**Ask when needed:** set `ask_when_needed` to `true` and its tool calls are checked before they "
                 "run: a missing or guessed argument is asked about")
    return "\n\n" + "\n\n".join(lines) if lines else ""


def message_hint(name: str) -> str:
    """The message box's placeholder: a JSON example for a graph whose input is not a chat."""
    import json

    try:
        io = agents.get_agent(name).io
    except KeyError:
        io = None
    if io is not None and not io.messages:
        return f"Input as JSON, e.g. {json.dumps(io.example())}"
    return "Message the agent. When it asks, your reply answers."
