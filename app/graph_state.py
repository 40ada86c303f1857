"""A graph's own state at any checkpoint, and an edit of it: time travel for any graph (an opened LangGraph
project's as much as a built-in design's).

- `checkpoints(runner, session_id)`: the session's checkpoints, newest first: the superstep, what made it
  (the input, a step of the loop, an update, a fork), the nodes to run next, the interrupts waiting there, and
  every channel of the graph's state as JSON (LangChain messages as OpenAI-style dicts).
- `edit(runner, session_id, checkpoint_id, values, as_node)`: a branch (a new session; this one is never
  written) from that checkpoint, its channels updated with LangGraph's `update_state(values, as_node)`, as if
  that node had written them, and run on from there. A `NodeInterrupt` (LangGraph's older way for a node to
  stop and wait) goes on once the state it objected to is changed; a breakpoint's node runs with the edit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from app.runner import Event, Runner
from app.timetravel import ForkError, ForkPoint, json_object, new_branch, proceed_with
from app.tracing.callbacks import plain
from storage import repo

MAX_CHECKPOINTS = 200  # the newest, in the menu


def _config(session_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": session_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _snapshot_dict(snapshot) -> dict[str, Any]:
    metadata = snapshot.metadata or {}
    return {
        "checkpoint_id": snapshot.config["configurable"]["checkpoint_id"],
        "step": metadata.get("step"), "source": metadata.get("source"), "created_at": snapshot.created_at,
        "next": list(snapshot.next or ()),
        "interrupts": [plain(i.value) for t in snapshot.tasks or () for i in t.interrupts or ()],
        "values": plain(dict(snapshot.values or {})) if isinstance(snapshot.values, dict) else plain(snapshot.values),
    }


def checkpoints(runner: Runner, session_id: str, owner: str | None = None,
                limit: int = MAX_CHECKPOINTS) -> list[dict[str, Any]]:
    """The session's checkpoints, newest first (an imported, read-only session has none)."""
    session = repo.get_session(runner.db, session_id, owner)
    if (session.settings or {}).get("read_only"):
        return []
    graph = runner.graph_for(session)
    return [_snapshot_dict(s) for s in graph.get_state_history(_config(session_id), limit=limit)]


def nodes(runner: Runner, session_id: str, owner: str | None = None) -> list[str]:
    """The nodes of the session's graph (an edit may be written as any of them)."""
    graph = runner.graph_for(repo.get_session(runner.db, session_id, owner))
    return [n for n in getattr(graph, "nodes", {}) if not n.startswith("__")]


def label(point: dict[str, Any]) -> str:
    """One line for a menu: the superstep, what made it, what runs next."""
    made = {"input": "input", "loop": "after a step", "update": "edited", "fork": "forked"}.get(
        point["source"], point["source"] or "")
    waiting = " · waiting for an answer" if point["interrupts"] else ""
    upcoming = ", ".join(point["next"]) or "the end"
    return f"step {point['step']} · {made} · next: {upcoming}{waiting} · {point['checkpoint_id'][-8:]}"


def _values(values: Any) -> dict[str, Any]:
    return json_object(values, "the new state", '{"topic": "tea"} (channels and their values)', empty_ok=False)


def _point(runner: Runner, session_id: str, checkpoint_id: str, owner: str | None) -> tuple[ForkPoint, Any]:
    session = repo.get_session(runner.db, session_id, owner)
    if (session.settings or {}).get("read_only"):
        raise ForkError("this session is an imported trace: it has no checkpoints to edit")
    graph = runner.graph_for(session)
    snapshot = graph.get_state(_config(session_id, checkpoint_id))
    if snapshot is None or not snapshot.config or snapshot.created_at is None:
        raise ForkError(f"session {session_id} has no checkpoint {checkpoint_id!r}")
    at = datetime.fromisoformat(snapshot.created_at).timestamp()
    runs = [r for r in repo.runs_for_session(runner.db, session_id) if r.started_at <= at + 1e-3]
    if not runs:
        raise ForkError("that checkpoint comes before the session's first turn; edit the first message instead")
    run = runs[-1]
    later = [s for s in repo.steps_for_session(runner.db, session_id, run_id=run.id) if s.started_at > at]
    from app.tracing.steps import Step

    step = Step.from_row(later[0]) if later else None
    return ForkPoint("state", session, run, step, checkpoint_id, None), snapshot


def edit(runner: Runner, session_id: str, checkpoint_id: str, values: Any, as_node: str | None = None,
         owner: str | None = None) -> Iterator[Event]:
    """Branch at the checkpoint with `values` written into its channels, and run on; yields the branch's events
    like `Runner.stream` (the last, `done`, names the branch)."""
    update = _values(values)
    point, snapshot = _point(runner, session_id, checkpoint_id, owner)
    channels = set(snapshot.values) if isinstance(snapshot.values, dict) else set()
    graph = runner.graph_for(point.session)
    known = channels | set(getattr(getattr(graph, "builder", None), "channels", {}) or {})
    unknown = sorted(k for k in update if known and k not in known)
    if unknown:
        raise ForkError(f"the graph's state has no channel {unknown[0]!r} (it has {', '.join(sorted(known))})")
    names = nodes(runner, session_id, owner)
    if as_node not in (None, "") and as_node not in names:
        raise ForkError(f"the graph has no node {as_node!r} (its nodes: {', '.join(names)})")
    point.original = {k: plain(snapshot.values.get(k)) for k in update} if isinstance(snapshot.values, dict) else None
    branch_id, go_on = new_branch(runner, point, "state", {"values": update, "as_node": as_node or None})
    return proceed_with(runner, branch_id, go_on, update, as_node=as_node or None, owner=owner)


def run_edit(runner: Runner, session_id: str, checkpoint_id: str, values: Any, as_node: str | None = None,
             owner: str | None = None):
    result = None
    for event in edit(runner, session_id, checkpoint_id, values, as_node, owner):
        if event.type == "done":
            result = event.result
    return result
