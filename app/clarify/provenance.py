"""Argument provenance: where each tool-call argument's value came from.

Sources, in the order they are preferred: a clarification answer, a user turn, a tool result, the schema
default; then "derived", a value no one message holds whose pieces each come from one (`84 + 5`: 84 from the
calculator's last result, 5 from the user; "Paris museums" from two user turns); else the model's own guess.
The trace stores one record per argument and the inspector marks guesses.
"""

from __future__ import annotations

from typing import Any

import app.clarify.grounding as grounding


def provenance(arguments: dict[str, Any], schema: dict[str, Any] | None, conversation: list[dict],
               answers: list[int] | None = None) -> dict[str, dict[str, Any]]:
    from app.clarify.checker import example_default
    from tools.execute import schema_key

    parameters = ((schema or {}).get("parameters") or (schema or {}).get("function", {}).get("parameters") or {})
    properties = parameters.get("properties") or {}
    required = list(parameters.get("required") or [])
    found: dict[str, dict[str, Any]] = {}
    for field, value in (arguments or {}).items():
        key = schema_key(field, properties) or field
        spec = properties.get(key, {})
        if "default" in spec and value == spec["default"] and not example_default(key, spec, required):
            found[field] = {"source": "default"}
            continue
        source = grounding.find_source(value, conversation, answers or [], field=key)
        said = "\n".join(s.text for s in grounding.sources(conversation, answers or []))
        if source is None and grounding.inferable(value, key, spec, said):
            found[field] = {"source": "inferred"}
        elif source is not None:
            found[field] = {"source": source.kind, "message_index": source.index, "excerpt": source.text[:160]}
        elif parts := derived(value, conversation, answers or []):
            found[field] = {"source": "derived", "parts": parts}
        else:
            found[field] = {"source": "guess"}
    return found


def derived(value: Any, conversation: list[dict], answers: list[int]) -> list[dict[str, Any]] | None:
    """Where each piece of `value` came from, when every piece is in some message (the numbers of an expression,
    else the content words of a text); None when a piece is in none, or there is only one piece."""
    if not isinstance(value, str):
        return None
    pieces = sorted(grounding.numbers_in(value), key=lambda n: value.find(f"{n:g}")) if grounding.is_expression(value) else \
        list(dict.fromkeys(grounding.content_words(value)))
    if len(pieces) < 2:
        return None
    parts = []
    for piece in pieces:
        shown = f"{piece:g}" if isinstance(piece, float) else piece
        source = grounding.find_source(piece, conversation, answers)
        if source is None:
            return None
        parts.append({"value": shown, "source": source.kind, "message_index": source.index})
    return parts if len({p["message_index"] for p in parts}) > 1 else None
