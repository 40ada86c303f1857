"""Argument provenance: where each tool-call argument's value came from.

Sources, in the order they are preferred: a clarification answer, a user turn, a tool result, the schema
default, else the model's own guess. The trace stores one record per argument and the inspector marks
guesses.
"""

from __future__ import annotations

from typing import Any

import app.clarify.grounding as grounding


def provenance(arguments: dict[str, Any], schema: dict[str, Any] | None, conversation: list[dict],
               answers: list[int] | None = None) -> dict[str, dict[str, Any]]:
    properties = ((schema or {}).get("parameters") or {}).get("properties") or {}
    found: dict[str, dict[str, Any]] = {}
    for field, value in (arguments or {}).items():
        spec = properties.get(field, {})
        if "default" in spec and value == spec["default"]:
            found[field] = {"source": "default"}
            continue
        source = grounding.find_source(value, conversation, answers or [])
        if source is None:
            found[field] = {"source": "guess"}
        else:
            found[field] = {"source": source.kind, "message_index": source.index, "excerpt": source.text[:160]}
    return found
