"""A session's trace as one JSON document: session, runs, steps, clarifications, usage.

This is what `playground trace --json`, the JSON API and the inspector read. Its shape is versioned.
"""

from __future__ import annotations

import json
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


def chat_document(db: Database, session_id: str, owner: str | None = None, last_steps: int = 200) -> dict[str, Any]:
    """What the chat shows of a session, reading no more than that: its runs, its latest `last_steps` steps and
    every question asked (a step each), and how many steps it has in all."""
    repo.get_session(db, session_id, owner)
    rows = {r.id: r for r in [*repo.steps_for_session(db, session_id, kinds=("clarification",)),
                              *repo.steps_for_session(db, session_id, last=last_steps)]}
    return {"runs": [r.model_dump() for r in repo.runs_for_session(db, session_id)],
            "steps": [step_dict(r) for r in sorted(rows.values(), key=lambda r: r.seq)],
            "step_count": repo.count_steps(db, session_id)}


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


def summary_timeline(steps: list[dict[str, Any]], most: int = 60) -> list[dict[str, Any]]:
    """The timeline summarised for any size of trace: one bar per (turn, node), from its first step's start, as
    long as its steps took together; a person's wait for an answer (a clarification step) is no bar at all, so it
    shows as the gap it was. Past `most` bars, turns are taken together in equal runs ("turns 1-20 · agent")."""
    if not steps:
        return []
    t0 = min(s["started_at"] for s in steps)
    runs = {r: i for i, r in enumerate(dict.fromkeys(s["run_id"] for s in steps))}
    nodes = len({s["node"] for s in steps})
    per_bar = max(1, -(-len(runs) * nodes // most))  # turns a bar stands for
    bars: dict[tuple, dict[str, Any]] = {}
    for s in steps:
        if s["kind"] == "clarification":
            continue
        first = runs[s["run_id"]] // per_bar * per_bar
        last = min(first + per_bar, len(runs))
        turns = f"turn {first + 1}" if last - first == 1 else f"turns {first + 1}-{last}"
        bar = bars.setdefault((first, s["node"]), {"label": f"{turns} · {s['node']}",
                                                   "start_ms": (s["started_at"] - t0) * 1000, "ms": 0.0, "steps": 0})
        bar["ms"] += s.get("duration_ms") or 0.0
        bar["steps"] += 1
    return [{**b, "start_ms": round(b["start_ms"], 1), "ms": round(b["ms"], 1)} for b in bars.values()]


def step_text(step: dict[str, Any]) -> str:
    """What a search of steps reads, lower-cased: number, kind, name, node, error, input and output."""
    return " ".join([str(step["seq"]), step["kind"], step["name"], step["node"], step.get("error") or "",
                     json.dumps(step.get("input"), ensure_ascii=False, default=str),
                     json.dumps(step.get("output"), ensure_ascii=False, default=str)]).lower()
