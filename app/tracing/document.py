"""A session's trace as one JSON document: session, runs, steps, clarifications, usage.

This is what `playground trace --json`, the JSON API and the inspector read. Its shape is versioned.
"""

from __future__ import annotations

from typing import Any

from app.clarify.grounding import grounded_in
from app.tracing.steps import step_dict, usage_of
from storage import repo
from storage.engine import Database

TRACE_VERSION = 1


def trace_document(db: Database, session_id: str, owner: str | None = None) -> dict[str, Any]:
    session = repo.get_session(db, session_id, owner)
    steps = [step_dict(r) for r in repo.steps_for_session(db, session_id)]
    clarifications = [c.model_dump() for c in repo.clarifications_for_session(db, session_id)]
    runs = [r.model_dump() for r in repo.runs_for_session(db, session_id)]
    latest = runs[-1] if runs else None
    fork = repo.fork_of(db, session_id)
    return {
        "trace_version": TRACE_VERSION,
        "session_id": session.id,
        "session": session.model_dump(exclude={"owner"}),
        "status": session.status,
        "final_answer": latest["final_answer"] if latest else None,
        "runs": runs,
        "steps": steps,
        "clarifications": clarifications,
        "usage": usage_of(steps),
        "metrics": {"clarification": clarification_metrics(runs, clarifications)},
        # a time-travel branch: the session and step it forked from, and what was changed
        "fork": fork.model_dump(exclude={"session_id"}) if fork else None,
    }


def clarification_metrics(runs: list[dict], clarifications: list[dict]) -> dict[str, Any]:
    """Questions by kind, answered, redundant (the answer was already in the conversation when asked), and
    questions asked per run that ended done (turns to resolution)."""
    by_kind: dict[str, int] = {}
    for c in clarifications:
        by_kind[c["kind"]] = by_kind.get(c["kind"], 0) + 1
    redundant = 0
    for c in clarifications:
        if c["answer"] is None:
            continue
        before = [r["user_message"] for r in runs if r["started_at"] <= c["asked_at"]]
        before += [o["answer"] for o in clarifications if o["answered_at"] and o["answered_at"] <= c["asked_at"]]
        if grounded_in(c["answer"], "\n".join(before)) and not _is_skip(c["answer"]):
            redundant += 1
    per_run = [sum(1 for c in clarifications if c["run_id"] == r["id"]) for r in runs if r["status"] == "done"]
    return {
        "questions": len(clarifications),
        "by_kind": by_kind,
        "answered": sum(1 for c in clarifications if c["answer"] is not None),
        "redundant": redundant,
        "with_options": sum(1 for c in clarifications if c["options"]),
        "turns_to_resolution": round(sum(per_run) / len(per_run), 3) if per_run else None,
    }


def _is_skip(answer: str) -> bool:
    return answer.strip().lower() in ("skip", "just do it", "no preference", "whatever")
