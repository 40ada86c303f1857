"""An MCP server's question during a tool call (elicitation/create) as one of our clarification requests, and
the person's reply as the server's answer.

Form mode: the flat schema's fields are the question's subject (`field` when there is one), an enum's values
its options; the reply is the value (one field), a JSON object or `name=value, ...` (several). URL mode: the
question carries the link (shown as text, never opened by us); any reply but decline or cancel accepts. The
options always end with Decline and Cancel, which end the call with a tool error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.clarify.request import ClarificationRequest

DECLINE, CANCEL = "Decline", "Cancel"


def request_for(tool: str, asked: dict[str, Any]) -> ClarificationRequest:
    message = str(asked.get("message") or "The tool's server needs more information.")
    if asked.get("mode") == "url":
        return ClarificationRequest(
            kind="elicitation", tool=tool, detected_by="mcp", options=["Done", DECLINE, CANCEL],
            question=f"{message} (open {asked.get('url')} yourself, then answer Done)",
            reason=f"the MCP server behind {tool} asks for an out-of-band step (url elicitation)")
    schema = asked.get("requestedSchema") or {}
    fields = schema.get("properties") or {}
    options: list[str] = []
    field = None
    if len(fields) == 1:
        field, spec = next(iter(fields.items()))
        options = [str(v) for v in spec.get("enum") or []] or (["true", "false"] if spec.get("type") == "boolean"
                                                                 else [])
    described = "; ".join(f"{name}: {spec.get('description') or spec.get('title') or spec.get('type', '')}"
                          for name, spec in fields.items())
    question = message if len(fields) <= 1 else f"{message} ({described}; reply as name=value, ...)"
    return ClarificationRequest(kind="elicitation", tool=tool, field=field, detected_by="mcp",
                                question=question, options=[*options, DECLINE, CANCEL][:8],
                                reason=f"the MCP server behind {tool} asks during the call (elicitation/create)")


def answer_for(reply: Any, asked: dict[str, Any]) -> dict[str, Any]:
    """The ElicitResult for the person's reply: {"action": accept | decline | cancel, "content": {...}}."""
    text = str(reply if reply is not None else "").strip()
    if text.lower() in (DECLINE.lower(), "no", "declined"):
        return {"action": "decline"}
    if text.lower() in (CANCEL.lower(), "cancelled", "canceled", "stop"):
        return {"action": "cancel"}
    if asked.get("mode") == "url":
        return {"action": "accept"}
    fields: dict[str, dict] = (asked.get("requestedSchema") or {}).get("properties") or {}
    values: dict[str, Any] = {}
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        values = parsed
    elif len(fields) == 1:
        values = {next(iter(fields)): text}
    else:
        for name, value in re.findall(r"(\w+)\s*[=:]\s*([^,;]+)", text):
            if name in fields:
                values[name] = value.strip()
        if not values and fields:
            values = {next(iter(fields)): text}
    return {"action": "accept", "content": {k: _typed(v, fields.get(k) or {}) for k, v in values.items()}}


def _typed(value: Any, spec: dict[str, Any]) -> Any:
    kind = spec.get("type")
    text = str(value).strip()
    if kind == "boolean":
        return text.lower() in ("true", "yes", "y", "1") if isinstance(value, str) else bool(value)
    if kind in ("integer", "number") and isinstance(value, str):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        return int(number) if kind == "integer" and number.is_integer() else number
    if spec.get("enum") and isinstance(value, str):
        return next((e for e in spec["enum"] if str(e).lower() == text.lower()), text)
    return value
