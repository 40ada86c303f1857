"""A model's tool-call arguments as a dict, whatever the model wrote (the gateway's `parse_arguments`)."""

from __future__ import annotations

import json
from typing import Any


def parse_arguments(text: str) -> tuple[dict[str, Any], str | None]:
    """A model's tool-call arguments as a dict, or ({}, error) for the model to read and correct. Repairs the
    slips that cannot change the meaning: a Markdown code fence, trailing commas, closing brackets missing at
    the end (a reply cut short). Never raises."""
    if not isinstance(text, str):
        return {}, f"arguments must be a JSON object in a string, got {type(text).__name__}"
    if not text.strip():
        return {}, None
    fenced = text.strip().strip("`").strip()
    fenced = fenced[4:].lstrip() if fenced.startswith("json") else fenced
    for candidate in (text, fenced, _repaired(fenced)):
        if candidate is None:
            continue
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(value, dict):
            return value, None
        return {}, f"arguments must be a JSON object, got {type(value).__name__}"
    return {}, f"arguments are not valid JSON: {text[:200]!r}"


def _repaired(text: str) -> str | None:
    """`text` with trailing commas dropped and unclosed brackets (and an unclosed string) closed, or None when
    that is not how it is broken. Only commas outside strings are touched."""
    if not text.startswith("{"):
        return None
    out: list[str] = []
    closers: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            closers.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not closers or closers.pop() != ch:
                return None
            _drop_trailing_comma(out)
        out.append(ch)
    if in_string:
        out.append('"')
    for closer in reversed(closers):
        _drop_trailing_comma(out)
        out.append(closer)
    return "".join(out)


def _drop_trailing_comma(out: list[str]) -> None:
    i = len(out) - 1
    while i >= 0 and out[i].isspace():
        i -= 1
    if i >= 0 and out[i] == ",":
        del out[i]
