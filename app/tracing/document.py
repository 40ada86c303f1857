"""A session's trace as one JSON document: session, runs, steps, clarifications, usage.

This is what `playground trace --json`, the JSON API and the inspector read. Its shape is versioned.
"""

from __future__ import annotations

from typing import Any

from app.runner import step_dict, usage_of
from storage import repo
from storage.engine import Database

TRACE_VERSION = 1


def trace_document(db: Database, session_id: str, owner: str | None = None) -> dict[str, Any]:
    session = repo.get_session(db, session_id, owner)
    steps = [step_dict(r) for r in repo.steps_for_session(db, session_id)]
    clarifications = [c.model_dump() for c in repo.clarifications_for_session(db, session_id)]
    runs = [r.model_dump() for r in repo.runs_for_session(db, session_id)]
    latest = runs[-1] if runs else None
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
    }
