"""Compare: one prompt sent to 2-4 (agent, model) pairs, side by side.

Each column is an ordinary session (same tools, its own agent, model and settings), so every column opens in
the chat and the inspector, and a column that stopped at a question can be answered there. A comparison is
saved (prompt, columns, session ids, wall time of the first turn) and its figures are read back from the
sessions' traces whenever it is opened, so they include anything done in the sessions since.
"""

from __future__ import annotations

import time
from typing import Any, Iterator

from app import agents
from app.llm import gateway
from app.runner import Runner, TurnError
from app.tracing.redact import redact_text
from storage import NotFound, repo

MIN_COLUMNS, MAX_COLUMNS = 2, 4
METRICS = ["status", "answer", "steps", "model_calls", "tool_calls", "questions", "prompt_tokens",
           "completion_tokens", "cost", "latency_ms"]


def _validate(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns = [c for c in columns if c.get("agent")]
    if not MIN_COLUMNS <= len(columns) <= MAX_COLUMNS:
        raise TurnError(f"a comparison needs {MIN_COLUMNS} to {MAX_COLUMNS} (agent, model) pairs; got {len(columns)}")
    clean = []
    for i, column in enumerate(columns, start=1):
        try:
            agents.get_agent(column["agent"])
            gateway.check_model(column.get("model") or "")
        except (KeyError, gateway.ModelConfigError) as exc:
            raise TurnError(f"column {i}: {exc}") from exc
        settings = column.get("settings") or {}
        if not isinstance(settings, dict):
            raise TurnError(f"column {i}: settings must be a JSON object")
        clean.append({"agent": column["agent"], "model": column["model"], "settings": settings})
    return clean


def run(runner: Runner, prompt: str, columns: list[dict[str, Any]], *, tools: list[str] | None = None,
        toolset: str | None = None, owner: str | None = None) -> Iterator[dict[str, Any]]:
    """Run the prompt in each column in turn, yielding the comparison after each column (the last is final).
    A column whose run fails shows the error; the others go on."""
    if not (prompt or "").strip():
        raise TurnError("the prompt is empty")
    columns = _validate(columns)
    names = runner.resolve_tools(tools, toolset, owner)
    done: list[dict[str, Any]] = []
    row = None
    for column in columns:
        session = runner.new_session(column["agent"], column["model"], tools=names, owner=owner,
                                     settings=column["settings"], title=f"compare: {' '.join(prompt.split())[:60]}")
        # What every column would pay once is paid before its clock starts: the model gateway's import and this
        # column's graph compiled, so whichever runs first is not slower for it.
        gateway.warm()
        runner.graph_for(session)
        started = time.perf_counter()
        runner.turn(session.id, message=prompt, owner=owner)
        done.append({**column, "session_id": session.id, "wall_ms": round((time.perf_counter() - started) * 1000, 1)})
        if row is None:
            row = repo.save_comparison(runner.db, redact_text(prompt), done, owner=owner)
        else:
            repo.update_comparison(runner.db, row.id, done)
        yield load(runner, row.id, owner, pending=columns[len(done):])


def load(runner: Runner, comparison_id: str, owner: str | None = None,
         pending: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The comparison with each column's figures read from its session's trace."""
    row = repo.get_comparison(runner.db, comparison_id, owner)
    columns = []
    for column in row.columns:
        try:
            trace = runner.trace(column["session_id"], owner)
        except NotFound:
            columns.append({**column, "status": "deleted", "answer": None})
            continue
        usage, clar = trace["usage"], trace["metrics"]["clarification"]
        pending_q = runner.pending_question(column["session_id"])
        columns.append({
            **column, "status": trace["status"],
            "answer": trace["final_answer"] or (pending_q.question if pending_q else None) or
            next((r.get("error") for r in reversed(trace["runs"]) if r.get("error")), None),
            "steps": len(trace["steps"]), "model_calls": usage["model_calls"], "tool_calls": usage["tool_calls"],
            "questions": clar["questions"], "prompt_tokens": usage["prompt_tokens"],
            "completion_tokens": usage["completion_tokens"], "cost": usage["cost"],
            "latency_ms": column.get("wall_ms"),
        })
    for column in pending or []:
        columns.append({**column, "status": "waiting", "answer": None})
    return {"id": row.id, "prompt": row.prompt, "created_at": row.created_at, "columns": columns}


def saved(runner: Runner, owner: str | None) -> list[tuple[str, str]]:
    """(label, id) of the owner's comparisons, newest first."""
    return [(f"{' '.join(r.prompt.split())[:50]} · " + " vs ".join(c["agent"] for c in r.columns), r.id)
            for r in repo.list_comparisons(runner.db, owner)]
