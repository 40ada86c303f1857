"""Redaction: secrets from the environment never reach the database, a trace, an export or a share page."""

from __future__ import annotations

import json
import re
from typing import Any

from app.config import secret_values
from storage.engine import RawJSON

REDACTED = "[REDACTED]"
_PATTERNS = [
    re.compile(r"(?i)\b(authorization\s*[:=]\s*)(bearer\s+)?[^\s\"',}]+"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}\b"),
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
]


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    for secret in secrets if secrets is not None else secret_values():
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def redact_json(value: Any, secrets: list[str] | None = None) -> RawJSON:
    """`value` serialised to JSON once, with every secret replaced (ready for a JSON column)."""
    return RawJSON(redact_text(json.dumps(value, ensure_ascii=False, default=str), secrets))


def redact(value: Any, secrets: list[str] | None = None) -> Any:
    """`value` with every secret replaced; JSON-like values keep their shape."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, str):
        return redact_text(value, secrets)
    text = json.dumps(value, ensure_ascii=False, default=str)
    cleaned = redact_text(text, secrets)
    return value if cleaned == text else json.loads(cleaned)


def scrubber(secrets: list[str] | None = None):
    """A function that returns a value with every secret in its text replaced, keeping its type: strings,
    dicts, lists, tuples, pydantic models (LangChain messages) and dataclasses are copied where something
    changed and returned as they are where nothing did. For LangGraph's checkpoints (storage.checkpoints):
    what the graph keeps between turns is kept redacted, as the steps are."""
    import dataclasses
    import functools

    known = tuple(secrets if secrets is not None else secret_values())

    @functools.lru_cache(maxsize=8192)
    def clean(text: str) -> str:  # a conversation is written again at every checkpoint: each text once
        return redact_text(text, list(known))

    def scrub(value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return clean(value) if len(value) < 1_000_000 else redact_text(value, list(known))
        if depth > 40 or value is None or isinstance(value, (int, float, bool, bytes)):
            return value
        if isinstance(value, dict):
            out = {k: scrub(v, depth + 1) for k, v in value.items()}
            if all(out[k] is value[k] for k in value):
                return value
            return out if type(value) is dict else type(value)(out)
        if isinstance(value, (list, tuple)):
            items = [scrub(v, depth + 1) for v in value]
            if all(a is b for a, b in zip(items, value)):
                return value
            return items if type(value) is list else tuple(items) if type(value) is tuple else type(value)(items)
        fields = getattr(type(value), "model_fields", None)
        if fields is not None and hasattr(value, "model_copy"):  # pydantic (LangChain's messages)
            changed = {}
            for name in fields:
                old = getattr(value, name, None)
                new = scrub(old, depth + 1)
                if new is not old:
                    changed[name] = new
            return value.model_copy(update=changed) if changed else value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changed = {}
            for f in dataclasses.fields(value):
                if f.init:
                    old = getattr(value, f.name)
                    new = scrub(old, depth + 1)
                    if new is not old:
                        changed[f.name] = new
            return dataclasses.replace(value, **changed) if changed else value
        return value

    return scrub
