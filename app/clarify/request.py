"""The clarification request: the payload of every `interrupt()` that asks the user something."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["missing_argument", "ambiguous_argument", "invalid_value", "vague_intent", "unsupported_request",
               "confirm_action"]
DetectedBy = Literal["schema", "grounding", "llm"]
KINDS: tuple[str, ...] = ("missing_argument", "ambiguous_argument", "invalid_value", "vague_intent",
                          "unsupported_request", "confirm_action")


@dataclass
class ClarificationRequest:
    kind: Kind
    question: str
    options: list[str] = field(default_factory=list)
    tool: str | None = None
    field: str | None = None
    reason: str = ""
    detected_by: DetectedBy = "schema"
    id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown clarification kind {self.kind!r}; one of {', '.join(KINDS)}")
        if not self.id:
            # Stable for the same question about the same field, so a re-run node asks "the same" question.
            basis = f"{self.kind}|{self.tool}|{self.field}|{self.question}"
            self.id = "q_" + hashlib.sha1(basis.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
