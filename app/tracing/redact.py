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
