"""The clarification request: the payload of every `interrupt()` that asks the user something."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

Kind = Literal["missing_argument", "ambiguous_argument", "invalid_value", "vague_intent", "unsupported_request",
               "confirm_action", "elicitation"]
# "mcp": an MCP server asked in the middle of a tool call (elicitation/create); "oracle": the eval harness's check.
DetectedBy = Literal["schema", "grounding", "llm", "mcp", "oracle", "graph"]  # graph: an opened graph's own interrupt()
# Who asked, when a payload does not say: a question from a model (a bring-your-own graph's `interrupt("...")`).
DEFAULT_DETECTED_BY: DetectedBy = "llm"
KINDS: tuple[str, ...] = ("missing_argument", "ambiguous_argument", "invalid_value", "vague_intent",
                          "unsupported_request", "confirm_action", "elicitation")


@dataclass
class ClarificationRequest:
    kind: Kind
    question: str
    options: list[str] = field(default_factory=list)
    tool: str | None = None
    field: str | None = None
    reason: str = ""
    detected_by: DetectedBy = DEFAULT_DETECTED_BY
    id: str = ""
    answer: str | None = None  # once answered (a stored question)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown clarification kind {self.kind!r}; one of {', '.join(KINDS)}")
        if not self.id:
            # Stable for the same question about the same field, so a re-run node asks "the same" question.
            basis = f"{self.kind}|{self.tool}|{self.field}|{self.question}"
            self.id = "q_" + hashlib.sha1(basis.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The payload's documented shape (without `answer` until there is one)."""
        data = asdict(self)
        if data["answer"] is None:
            del data["answer"]
        return data

    @classmethod
    def from_payload(cls, value: Any, id: str | None = None) -> "ClarificationRequest":
        """From an `interrupt()` payload: our dict, or a bring-your-own graph's plain question. The one place
        defaults are filled in; a kind outside ours is asked as vague intent (its question is what matters)."""
        data = value if isinstance(value, dict) else {"question": str(value)}
        kind = data.get("kind") if data.get("kind") in KINDS else "vague_intent"
        reason = data.get("reason")
        return cls(kind=kind, question=str(data.get("question") or ""),
                   options=[str(o) for o in data.get("options") or []], tool=data.get("tool"),
                   field=data.get("field"), reason="" if reason is None else str(reason),
                   detected_by=data.get("detected_by") or DEFAULT_DETECTED_BY, id=id or str(data.get("id") or ""))

    @classmethod
    def from_row(cls, row: Any) -> "ClarificationRequest":
        """From a stored `ClarificationRow`."""
        return cls(kind=row.kind if row.kind in KINDS else "vague_intent", question=row.question,
                   options=list(row.options or []), tool=row.tool, field=row.field, reason=row.reason or "",
                   detected_by=row.detected_by, id=row.id, answer=row.answer)

    def redacted(self, redact: Any) -> "ClarificationRequest":
        """A copy with its free text passed through `redact` (what is stored and shown)."""
        return replace(self, question=redact(self.question), options=[redact(o) for o in self.options],
                       reason=redact(self.reason))
