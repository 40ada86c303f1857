"""Time travel: fork a session at any step, change one thing, and run on from there; answer sweeps.

A branch is a new session; the session it came from is never written to. The branch's LangGraph thread
starts as a copy of the parent's checkpoints up to the fork point, and its trace as a copy of the parent's
runs and steps before the fork, so it reads (and can be shared, exported or forked again) as a whole
conversation. Then one of three edits:

- `message`: the run's user message. The fork point is the checkpoint before that run's input (the i-th run
  began at the thread's i-th `input` checkpoint); the edited message starts a new run there.
- `arguments`: a tool call's arguments. The fork point is the checkpoint the tool's node started from; the
  call is rewritten in the copied state with `update_state` (in the proposing assistant message, or in
  ReWOO's plan) and the run goes on.
- `answer`: a clarification answer. The fork point is the checkpoint where the question was asked, copied
  with its pending interrupt, so the branch waits at the same question; the new answer resumes it.

An answer sweep forks once per alternative answer and puts where each one led side by side.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

from app import agents
from app.tracing.steps import CLARIFICATION_ID, Step
from app.runner import Event, Runner, TurnError, TurnResult
from storage import NotFound, repo
from storage.models import ClarificationRow, RunRow, SessionRow

KINDS = ("message", "arguments", "answer")
MAX_SWEEP = 8


class ForkError(TurnError):
    """The fork cannot be made as asked; nothing was created."""


@dataclass
class ForkPoint:
    kind: str
    session: SessionRow
    run: RunRow
    step: Step | None
    checkpoint_id: str | None  # None: the fork starts from an empty thread (an edit of the first message)
    original: Any


# -- where a fork starts ---------------------------------------------------------------------------------


def _thread(runner: Runner, session_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": session_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _history(runner: Runner, session_id: str) -> list[Any]:
    """The thread's checkpoints, oldest first."""
    return list(reversed(list(runner.checkpointer.list(_thread(runner, session_id)))))


def find_step(runner: Runner, session_id: str, step: str | int, owner: str | None = None) -> Step:
    """A step by id or by its number in the session (the inspector's #)."""
    repo.get_session(runner.db, session_id, owner)
    for row in repo.steps_for_session(runner.db, session_id):
        if row.id == str(step) or (str(step).isdigit() and row.seq == int(step)):
            return Step.from_row(row)
    raise NotFound(f"session {session_id} has no step {step!r}")


def _run_input_checkpoint(runner: Runner, session: SessionRow, run: RunRow) -> str | None:
    """The checkpoint before `run` took its user message: the parent of the thread's run.seq-th input."""
    inputs = [t for t in _history(runner, session.id) if t.metadata.get("source") == "input"]
    if len(inputs) < run.seq:
        raise ForkError(f"the checkpoints of run {run.seq} are not in this database; it cannot be forked")
    parent = inputs[run.seq - 1].parent_config
    return parent["configurable"]["checkpoint_id"] if parent else None


def fork_point(runner: Runner, session_id: str, step: str | int, kind: str, owner: str | None = None) -> ForkPoint:
    if kind not in KINDS:
        raise ForkError(f"unknown edit {kind!r}; one of: {', '.join(KINDS)}")
    session = repo.get_session(runner.db, session_id, owner)
    if (session.settings or {}).get("read_only"):
        raise ForkError("this session is an imported trace: it has no checkpoints to fork from")
    row = find_step(runner, session_id, step, owner)
    run = next(r for r in repo.runs_for_session(runner.db, session_id) if r.id == row.run_id)
    if kind == "message":
        return ForkPoint(kind, session, run, row, _run_input_checkpoint(runner, session, run), run.user_message)
    if not row.checkpoint_id:
        raise ForkError(f"step {row.seq} ({row.kind} {row.name}) has no checkpoint to fork from")
    if kind == "arguments":
        if row.kind != "tool":
            raise ForkError(f"step {row.seq} is a {row.kind} step; arguments can be edited on a tool step")
        return ForkPoint(kind, session, run, row, row.checkpoint_id, row.input)
    if row.kind != "clarification":
        raise ForkError(f"step {row.seq} is a {row.kind} step; an answer can be changed on a clarification step")
    return ForkPoint(kind, session, run, row, row.checkpoint_id, row.output)


def question_point(runner: Runner, session_id: str, owner: str | None = None) -> ForkPoint:
    """The session's pending question as a fork point (an answer sweep before answering it)."""
    session = repo.get_session(runner.db, session_id, owner)
    pending = repo.pending_clarification(runner.db, session_id)
    if pending is None:
        raise ForkError("this session has no pending question; pick a clarification step to sweep")
    state = runner.checkpointer.get_tuple(_thread(runner, session_id))
    run = next(r for r in repo.runs_for_session(runner.db, session_id) if r.id == pending.run_id)
    return ForkPoint("answer", session, run, None, state.config["configurable"]["checkpoint_id"], None)


# -- making the branch -----------------------------------------------------------------------------------


def _copy_checkpoints(runner: Runner, point: ForkPoint, thread_id: str) -> None:
    """The parent's checkpoints from the first to the fork point, into the branch's thread (same ids, same
    parents); at a question, its pending interrupt too."""
    if point.checkpoint_id is None:
        return
    saver = runner.checkpointer
    chain = []
    config: dict[str, Any] | None = _thread(runner, point.session.id, point.checkpoint_id)
    while config is not None:
        tup = saver.get_tuple(config)
        if tup is None:
            raise ForkError(f"checkpoint {config['configurable']['checkpoint_id']} is missing; cannot fork")
        chain.append(tup)
        config = tup.parent_config
    parent_id = None
    for tup in reversed(chain):
        written = saver.put(_thread(runner, thread_id, parent_id), tup.checkpoint, tup.metadata,
                            tup.checkpoint.get("channel_versions", {}))
        parent_id = written["configurable"]["checkpoint_id"]
    if point.kind == "answer":
        for task_id, channel, value in chain[0].pending_writes or []:
            if channel == "__interrupt__":
                saver.put_writes(_thread(runner, thread_id, parent_id), [(channel, value)], task_id)


def _copy_rows(runner: Runner, point: ForkPoint, branch: dict[str, Any]) -> tuple[list, list, list, str | None]:
    """Runs, steps and clarifications of the parent before the fork, with new ids. Returns them and the id of
    the copied run to go on with (None for a message edit, which starts a new run)."""
    db, sid = runner.db, point.session.id
    runs = [r for r in repo.runs_for_session(db, sid) if r.seq < point.run.seq or
            (r.id == point.run.id and point.kind != "message")]
    run_ids = {r.id: uuid.uuid4().hex for r in runs}
    before = point.step.seq if point.step is not None else None
    steps = [s for s in repo.steps_for_session(db, sid) if s.run_id in run_ids and
             (s.run_id != point.run.id or before is None or s.seq < before)]
    every = {c.id: c for c in repo.clarifications_for_session(db, sid)}
    # earlier turns' questions, then this turn's questions answered before the fork point
    clars = [c for c in every.values() if c.run_id in run_ids and c.run_id != point.run.id and c.answer is not None]
    clars += [every[cid] for s in steps if s.run_id == point.run.id and
              (cid := Step.from_row(s).clarification_id) in every]
    if point.kind == "answer":  # the question being re-answered waits again in the branch
        clars.append(_target_question(point, every).model_copy(update={"answer": None, "answered_at": None}))
    clar_ids = {c.id: uuid.uuid4().hex for c in clars}
    run_rows = [{**r.model_dump(), "id": run_ids[r.id], "session_id": branch["id"]} for r in runs]
    for r in run_rows:
        if r["id"] == run_ids.get(point.run.id):
            r.update(status="needs_clarification" if point.kind == "answer" else "running", final_answer=None,
                     error=None, ended_at=None)
    step_rows = []
    for s in steps:
        data = {**s.model_dump(), "id": uuid.uuid4().hex, "session_id": branch["id"], "run_id": run_ids[s.run_id]}
        meta = dict(data["meta"] or {})
        if meta.get(CLARIFICATION_ID) in clar_ids:
            meta[CLARIFICATION_ID] = clar_ids[meta[CLARIFICATION_ID]]
        data["meta"] = meta
        step_rows.append(data)
    clar_rows = [{**c.model_dump(), "id": clar_ids[c.id], "session_id": branch["id"], "run_id": run_ids[c.run_id]}
                 for c in clars]
    go_on = run_ids.get(point.run.id) if point.kind != "message" else None
    return run_rows, step_rows, clar_rows, go_on


def _target_question(point: ForkPoint, every: dict[str, ClarificationRow]) -> ClarificationRow:
    if point.step is None:
        return next(c for c in every.values() if c.answer is None)
    found = every.get(point.step.clarification_id)
    if found is None:
        raise ForkError(f"step {point.step.seq} does not name the question it answered")
    return found


def _edited_state(runner: Runner, point: ForkPoint, thread_id: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The state update that rewrites the forked tool call, where the session's design keeps it
    (`AgentSpec.edit_call`)."""
    values = runner.checkpointer.get_tuple(_thread(runner, thread_id)).checkpoint["channel_values"]
    update = agents.get_agent(point.session.agent).edit_call(values, point.step.tool_call_id, arguments)
    if update is not None:
        return update
    raise ForkError(f"the {point.session.agent} design makes this call inside its {point.step.node!r} node, where "
                    "the arguments are not in the graph state; fork from the user message instead")


def json_object(value: Any, what: str, example: str, empty_ok: bool = True) -> dict[str, Any]:
    """`value` (a dict, or JSON text of one) as a dict; ForkError naming `what` otherwise."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ForkError(f"{what} is not valid JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict) or (not value and not empty_ok):
        raise ForkError(f"{what} must be a JSON object, such as {example}")
    return value


def _parse_arguments(arguments: Any) -> dict[str, Any]:
    return json_object(arguments, "the edited arguments", '{"city": "Paris"}')


def fork(runner: Runner, session_id: str, step: str | int | None, *, message: str | None = None,
         arguments: Any = None, answer: str | None = None, owner: str | None = None) -> Iterator[Event]:
    """Make the branch and run it, yielding its events like `Runner.stream` (the last is `done`, whose result
    names the branch). `step=None` with an `answer` forks at the session's pending question."""
    edits = {k: v for k, v in (("message", message), ("arguments", arguments), ("answer", answer)) if v is not None}
    if len(edits) != 1:
        raise ForkError("give exactly one edit: a new message, new tool arguments or a new answer")
    kind, edit = next(iter(edits.items()))
    if kind == "arguments":
        edit = _parse_arguments(edit)
    elif not str(edit).strip():
        raise ForkError(f"the new {kind} is empty")
    if step is None:
        if kind != "answer":
            raise ForkError("name the step to fork from")
        point = question_point(runner, session_id, owner)
    else:
        point = fork_point(runner, session_id, step, kind, owner)
    branch_id, go_on = new_branch(runner, point, kind, edit)
    if kind == "arguments":
        try:
            update = _edited_state(runner, point, branch_id, edit)
        except ForkError:
            discard(runner, branch_id)
            raise
        return proceed_with(runner, branch_id, go_on, update, owner=owner)
    if kind == "answer":
        return runner.stream(branch_id, answer=edit, owner=owner)
    return runner.stream(branch_id, message=edit, owner=owner)


def new_branch(runner: Runner, point: ForkPoint, kind: str, edit: Any) -> tuple[str, str | None]:
    """The branch at `point`: a new session with the parent's rows and checkpoints up to there, and its fork
    row. Returns its id and the copied run to go on with (None when a new message starts a new run)."""
    parent = point.session
    lineage = repo.fork_of(runner.db, parent.id)
    branch = {"id": uuid.uuid4().hex, "owner": parent.owner, "agent": parent.agent, "model": parent.model,
              "tools": list(parent.tools), "toolset": parent.toolset, "settings": dict(parent.settings or {}),
              "title": f"{parent.title or 'session'} · {kind} edited"[:120],
              "status": "needs_clarification" if kind == "answer" else "idle",
              "created_at": time.time(), "updated_at": time.time()}
    runs, steps, clars, go_on = _copy_rows(runner, point, branch)
    _copy_checkpoints(runner, point, branch["id"])
    fork_row = {"parent_id": parent.id, "root_id": lineage.root_id if lineage else parent.id,
                "step_id": point.step.id if point.step else "", "step_seq": point.step.seq if point.step else 0,
                "kind": kind, "original": point.original, "edit": edit}
    repo.insert_trace(runner.db, branch, runs, steps, clars, fork=fork_row)
    return branch["id"], go_on


def discard(runner: Runner, branch_id: str) -> None:
    """A branch that could not be made: its rows and its checkpoints gone."""
    repo.delete_session(runner.db, branch_id)
    runner.checkpointer.delete_thread(branch_id)


def proceed_with(runner: Runner, branch_id: str, go_on: str | None, update: dict[str, Any],
                 as_node: str | None = None, owner: str | None = None) -> Iterator[Event]:
    """`update` written into the branch's state (as `as_node` wrote it, or as LangGraph decides), then the run
    goes on from there. An update LangGraph refuses deletes the branch: ForkError says why."""
    graph = runner.graph_for(repo.get_session(runner.db, branch_id))
    try:
        graph.update_state(_thread(runner, branch_id), update, as_node=as_node)
    except Exception as exc:  # e.g. a graph where LangGraph cannot tell which node made the call
        discard(runner, branch_id)
        raise ForkError(f"the edit could not be applied to the copied state: {type(exc).__name__}: {exc}") from None
    return runner.stream(branch_id, owner=owner, proceed=go_on)


def run_fork(runner: Runner, session_id: str, step: str | int | None, **edit: Any) -> TurnResult:
    result = None
    for event in fork(runner, session_id, step, **edit):
        if event.type == "done":
            result = event.result
    assert result is not None
    return result


# -- branches and sweeps ---------------------------------------------------------------------------------


def branches(runner: Runner, session_id: str, owner: str | None = None) -> list[dict[str, Any]]:
    """Every session in this session's family (the original first, then branches in the order made), with
    what each changed and how it ended."""
    repo.get_session(runner.db, session_id, owner)
    lineage = repo.fork_of(runner.db, session_id)
    root_id = lineage.root_id if lineage else session_id
    out = []
    for row in [None, *repo.forks_in_family(runner.db, root_id)]:
        sid = root_id if row is None else row.session_id
        try:
            session = repo.get_session(runner.db, sid, owner)
        except NotFound:
            continue
        run = repo.latest_run(runner.db, sid)
        out.append({
            "session_id": sid, "parent_id": row.parent_id if row else None, "kind": row.kind if row else None,
            "step_seq": row.step_seq if row else None, "original": row.original if row else None,
            "edit": row.edit if row else None, "status": session.status,
            "final_answer": run.final_answer if run else None, "current": sid == session_id,
            "created_at": row.created_at if row else session.created_at,
        })
    return out


def sweep(runner: Runner, session_id: str, step: str | int | None, answers: list[str],
          owner: str | None = None) -> Iterator[dict[str, Any]]:
    """Fork once per answer at a clarification (a step, or the pending question with `step=None`), yielding
    the rows so far after each branch finishes."""
    answers = [a.strip() for a in answers if a and a.strip()]
    if not answers:
        raise ForkError("give at least one answer to try")
    if len(answers) > MAX_SWEEP:
        raise ForkError(f"a sweep tries at most {MAX_SWEEP} answers; got {len(answers)}")
    if step is None:  # a question that cannot be forked fails once, before any branch is made
        question_point(runner, session_id, owner)
    else:
        fork_point(runner, session_id, step, "answer", owner)
    rows: list[dict[str, Any]] = []
    for answer in answers:
        started = time.perf_counter()
        try:
            result = run_fork(runner, session_id, step, answer=answer, owner=owner)
        except TurnError as exc:
            rows.append({"answer": answer, "status": "error", "error": str(exc)})
        else:
            rows.append(sweep_row(answer, result, round((time.perf_counter() - started) * 1000, 1)))
        yield {"session_id": session_id, "rows": list(rows), "pending": answers[len(rows):]}


def sweep_row(answer: str, result: TurnResult, wall_ms: float) -> dict[str, Any]:
    calls = [f"{s['name']}({json.dumps(s['input'], ensure_ascii=False)})" for s in result.steps if s["kind"] == "tool"]
    return {"answer": answer, "session_id": result.session_id, "status": result.status,
            "final_answer": result.final_answer or (result.clarification.question if result.clarification else None) or result.error,
            "tool_calls": calls, "steps": len(result.steps), "tokens": result.usage.get("total_tokens", 0),
            "wall_ms": wall_ms}
