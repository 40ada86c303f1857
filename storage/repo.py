"""Repository functions: the only way the rest of the code reads and writes the tables.

Every function takes the `Database` first. A turn's hot path is Core statements, as few as can be: one read and
one write to begin it (`session_for_turn`, `begin_turn`), an INSERT per step without a transaction around it,
one transaction to end it (`end_turn`); bench/load.py measures it. Everything else goes through the ORM.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import bindparam, delete, func, insert, or_, update
from sqlalchemy.orm import defer
from sqlmodel import col, select

from storage import search as full_text
from storage.engine import Database
from storage.models import (ClarificationRow, ComparisonRow, CustomToolRow, DatasetItemRow, DatasetRow, ForkRow, MarkRow,
                            Meta, RunRow, SessionRow, ShareRow, StepRow, StopRequestRow, ToolRemovalRow, ToolSetRow,
                            ToolSourceRow, EvalRow, EvalItemRow, now)


class NotFound(LookupError):
    pass


# -- sessions -------------------------------------------------------------------------------------------


def _insert(db: Database, row: Any) -> Any:
    with db.session() as s:
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def _owned(db: Database, table: type, row_id: str, owner: str | None, what: str) -> Any:
    """The row, or NotFound. With `owner`, another owner's row is NotFound too."""
    with db.reader() as s:
        row = s.get(table, row_id)
    if row is None or (owner is not None and row.owner != owner):
        raise NotFound(f"no {what} {row_id!r}")
    return row


def set_fact(db: Database, name: str, value: str) -> None:
    """A fact about the deployment kept in the database (`fact:<name>`), e.g. where the playground is served."""
    from sqlalchemy.exc import IntegrityError

    for _attempt in range(3):  # two processes starting at once: the second one's insert meets the first's row
        try:
            with db.session() as s:
                row = s.get(Meta, f"fact:{name}") or Meta(key=f"fact:{name}", value=value)
                row.value = value
                s.add(row)
                s.commit()
            return
        except IntegrityError:
            continue


def get_fact(db: Database, name: str) -> str | None:
    with db.reader() as s:
        row = s.get(Meta, f"fact:{name}")
    return None if row is None else row.value


def server_secret(db: Database, name: str) -> str:
    """A random secret kept in the database under `name`, made on first use; every process on the database
    (and every restart) gets the same one. Never printed or exported."""
    import secrets as random

    from sqlalchemy.exc import IntegrityError

    key = f"secret:{name}"
    with db.reader() as s:
        row = s.get(Meta, key)
    if row is not None:
        return row.value
    with contextlib.suppress(IntegrityError):  # another process made it first: theirs is the one
        _insert(db, Meta(key=key, value=random.token_urlsafe(32)))
    with db.reader() as s:
        return s.get(Meta, key).value


def create_session(db: Database, **fields: Any) -> SessionRow:
    return _insert(db, SessionRow(**fields))


def get_session(db: Database, session_id: str, owner: str | None = None) -> SessionRow:
    """The session, or NotFound. With `owner`, another owner's session is NotFound too."""
    return _owned(db, SessionRow, session_id, owner, "session")


def update_session(db: Database, session_id: str, **fields: Any) -> SessionRow:
    with db.session() as s:
        row = s.get(SessionRow, session_id)
        if row is None:
            raise NotFound(f"no session {session_id!r}")
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = now()
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


# What made a session, from the mark its settings carry (or its fork row): a person's chat has none.
SESSION_KINDS = {"eval": "eval_item", "scenario": "scenario", "replay": "replay_of", "import": "read_only",
                 "client": "via"}  # client: made by a protocol's client (app.protocols: LangGraph API, MCP, ...)


def session_kind(row: SessionRow, branches: set[str] = frozenset()) -> str:
    if row.id in branches:
        return "branch"
    settings = row.settings or {}
    return next((kind for kind, mark in SESSION_KINDS.items() if settings.get(mark)), "chat")


def branch_ids(db: Database, session_ids: Iterable[str]) -> set[str]:
    """Which of these sessions are time-travel branches (one query)."""
    ids = list(session_ids)
    if not ids:
        return set()
    with db.reader() as s:
        return set(s.exec(select(ForkRow.session_id).where(col(ForkRow.session_id).in_(ids))).all())


def list_sessions(
    db: Database, owner: str | None = None, search: str | None = None, limit: int = 200, kind: str | None = None,
    ids: list[str] | None = None,
) -> list[SessionRow]:
    """Newest first; with `kind` (chat, eval, scenario, replay, import, branch) only those; with `ids` only those."""
    query = select(SessionRow).order_by(col(SessionRow.updated_at).desc()).limit(limit)
    if ids is not None:
        query = query.where(col(SessionRow.id).in_(ids))
    if owner is not None:
        query = query.where(SessionRow.owner == owner)
    settings = SessionRow.__table__.c.settings
    if kind == "branch":
        query = query.where(col(SessionRow.id).in_(select(ForkRow.session_id)))
    elif kind == "chat":
        for mark in SESSION_KINDS.values():
            query = query.where(settings[mark].as_string().is_(None))
        query = query.where(col(SessionRow.id).not_in(select(ForkRow.session_id)))
    elif kind is not None:
        if kind not in SESSION_KINDS:
            raise ValueError(f"no session kind {kind!r}: chat, branch, {', '.join(SESSION_KINDS)}")
        query = query.where(settings[SESSION_KINDS[kind]].as_string().is_not(None))
    if search:
        query = query.where(full_text.matching(search, db.engine.dialect.name, db.full_text, owner))
    with db.session() as s:
        return list(s.exec(query).all())


def delete_session(db: Database, session_id: str) -> None:
    with db.session() as s:
        for table in (StepRow, ClarificationRow, RunRow, ShareRow, ForkRow, MarkRow):  # and kills its links
            s.exec(delete(table).where(table.session_id == session_id))
        s.exec(delete(SessionRow).where(SessionRow.id == session_id))
        s.commit()


# -- runs -----------------------------------------------------------------------------------------------


def _set_run(conn, run_id: str, fields: dict[str, Any]) -> None:
    if fields.get("status") in ("done", "error"):
        fields = {**fields, "ended_at": now()}
    if conn.execute(update(RunRow).where(RunRow.id == run_id).values(**fields)).rowcount == 0:
        raise NotFound(f"no run {run_id!r}")


_RUNS = select(func.count()).select_from(RunRow).where(RunRow.session_id == bindparam("sid"))
_LAST_STEP = select(func.max(StepRow.seq)).where(StepRow.session_id == bindparam("sid"))
# How many tool files, imported sources and removals the database holds: rows are only ever added, so a process
# that has read that many has them all (the check a turn makes for tools another process added or removed;
# Runner.sync_tools).
_TOOLS_VERSION = (select(func.count()).select_from(CustomToolRow).scalar_subquery()
                  + select(func.count()).select_from(ToolSourceRow).scalar_subquery()
                  + select(func.count()).select_from(ToolRemovalRow).scalar_subquery())


@dataclass
class TurnStart:
    session: SessionRow
    running: int  # runs marked running (cut off by a process that died, when read under the session's lock)
    pending: ClarificationRow | None  # the question waiting for an answer
    runs: int
    last_step: int | None
    tools_version: int  # see _TOOLS_VERSION


def session_for_turn(db: Database, session_id: str, owner: str | None = None) -> TurnStart:
    """What a turn starts from, in one query (NotFound as get_session)."""
    running = (select(func.count()).select_from(RunRow)
               .where(RunRow.session_id == SessionRow.id, RunRow.status == "running").scalar_subquery())
    pending = _pending_question(select(ClarificationRow.id), SessionRow.id).scalar_subquery()
    query = select(SessionRow, running, pending, _RUNS.scalar_subquery(), _LAST_STEP.scalar_subquery(),
                   _TOOLS_VERSION)
    with db.reader() as s:
        found = s.exec(query.where(SessionRow.id == session_id).params(sid=session_id)).first()
        if found is None or (owner is not None and found[0].owner != owner):
            raise NotFound(f"no session {session_id!r}")
        session, count, question_id, runs, last_step, tools_version = found
        question = s.get(ClarificationRow, question_id) if question_id else None
    return TurnStart(session=session, running=count, pending=question, runs=runs, last_step=last_step,
                     tools_version=tools_version)


def begin_turn(db: Database, session_id: str, *, message: str | None = None, run_id: str | None = None,
               title: str | None = None, start: TurnStart | None = None) -> tuple[str, int]:
    """Start a turn: a new run for `message`, or run `run_id` (resumed) running again; the session marked
    running (and titled). Returns (the run id, the session's next step number). `start`, read under the
    session's lock, saves counting the runs and steps again."""
    with db.engine.begin() as conn:
        if start is None:
            runs, last_step = conn.execute(select(_RUNS.scalar_subquery(), _LAST_STEP.scalar_subquery())
                                           .params(sid=session_id)).one()
        else:
            runs, last_step = start.runs, start.last_step
        if run_id is None:
            row = RunRow(session_id=session_id, seq=runs + 1, user_message=message or "")
            conn.execute(insert(RunRow).values(**row.model_dump()))
            run_id = row.id
        else:
            _set_run(conn, run_id, {"status": "running", "error": None, "ended_at": None})
        fields = {"status": "running", **({"title": title} if title else {})}
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(**fields, updated_at=now()))
    return run_id, (last_step or 0) + 1


def end_turn(db: Database, session_id: str, run_id: str, status: str, **fields: Any) -> None:
    """End a turn: the run's status (and answer or error), and the session's."""
    with db.engine.begin() as conn:
        _set_run(conn, run_id, {"status": status, **fields})
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(status=status, updated_at=now()))


def end_orphaned_runs(db: Database, session_id: str, error: str) -> None:
    """End as errors the session's runs still marked running (their process died), and the session with them."""
    with db.engine.begin() as conn:
        conn.execute(update(RunRow).where(RunRow.session_id == session_id, RunRow.status == "running")
                     .values(status="error", error=error, ended_at=now()))
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(status="error", updated_at=now()))


def runs_for_session(db: Database, session_id: str) -> list[RunRow]:
    with db.session() as s:
        return list(s.exec(select(RunRow).where(RunRow.session_id == session_id).order_by(RunRow.seq)).all())


def latest_run(db: Database, session_id: str) -> RunRow | None:
    runs = runs_for_session(db, session_id)
    return runs[-1] if runs else None


# -- steps ----------------------------------------------------------------------------------------------


class StepWriter:
    """Inserts a run's steps, committing each at once (a crash loses only the step in flight). Each insert
    checks a connection out of the pool and returns it, so a turn waiting on its model holds no connection:
    concurrent sessions are not bounded by the pool (bench/load.py)."""

    def __init__(self, db: Database):
        self._engine = db.autocommit
        self._insert = insert(StepRow)

    def add(self, rows: list[dict[str, Any]]) -> None:
        with self._engine.connect() as conn:
            conn.execute(self._insert, rows)


def steps_for_session(db: Database, session_id: str, run_id: str | None = None, *, last: int | None = None,
                      kinds: tuple[str, ...] | None = None) -> list[StepRow]:
    """A session's steps in order: of one run, of some kinds, or only its `last` ones (read from the end)."""
    query = select(StepRow).where(StepRow.session_id == session_id)
    if run_id is not None:
        query = query.where(StepRow.run_id == run_id)
    if kinds is not None:
        query = query.where(col(StepRow.kind).in_(kinds))
    if last is not None:
        with db.session() as s:
            return list(reversed(s.exec(query.order_by(col(StepRow.seq).desc()).limit(last)).all()))
    with db.session() as s:
        return list(s.exec(query.order_by(StepRow.seq)).all())


def step_checkpoints(db: Database, run_id: str) -> set[str]:
    """The checkpoints a run's steps started from."""
    with db.session() as s:
        return set(s.exec(select(StepRow.checkpoint_id).where(StepRow.run_id == run_id).distinct()).all()) - {None}


def discard_unsaved_steps(db: Database, run_id: str, checkpoint_id: str, kept_nodes: Iterable[str],
                          lost: Iterable[str], error: str) -> int:
    """Mark as errors a run's steps whose results were never checkpointed (a process killed mid-run): those
    made from `checkpoint_id` by nodes other than `kept_nodes` (their results saved as pending writes), and
    those made from checkpoints `lost` before they were written. A retry from `checkpoint_id` runs them again,
    so the trace must not show their first calls as done; they stay, `error` saying why."""
    unsaved = or_((StepRow.checkpoint_id == checkpoint_id) & col(StepRow.node).not_in(list(kept_nodes)),
                  col(StepRow.checkpoint_id).in_(list(lost)))
    query = (update(StepRow).where(StepRow.run_id == run_id, StepRow.status == "ok", unsaved)
             .values(status="error", error=error))
    with db.engine.begin() as conn:
        return conn.execute(query).rowcount


def step_in_session(db: Database, session_id: str, step_id: str) -> bool:
    """Whether the step is one of the session's: one row by its key, however long the trace."""
    with db.session() as s:
        step = s.get(StepRow, step_id)
    return step is not None and step.session_id == session_id


def count_steps(db: Database, session_id: str) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(StepRow).where(StepRow.session_id == session_id)).one()


# -- clarifications -------------------------------------------------------------------------------------


def add_clarification(db: Database, **fields: Any) -> ClarificationRow:
    with db.session() as s:
        existing = s.get(ClarificationRow, fields["id"])
        if existing is not None:  # the same interrupt seen again (e.g. a retried stream): keep the first
            return existing
        row = ClarificationRow(**fields)
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def answer_clarification(db: Database, clarification_id: str, answer: str) -> ClarificationRow:
    with db.session() as s:
        row = s.get(ClarificationRow, clarification_id)
        if row is None:
            raise NotFound(f"no clarification {clarification_id!r}")
        row.answer = answer
        row.answered_at = now()
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def clarifications_for_session(db: Database, session_id: str) -> list[ClarificationRow]:
    query = (
        select(ClarificationRow)
        .where(ClarificationRow.session_id == session_id)
        .order_by(ClarificationRow.asked_at)
    )
    with db.session() as s:
        return list(s.exec(query).all())


def pending_clarification(db: Database, session_id: str) -> ClarificationRow | None:
    """The session's latest unanswered question, if any."""
    with db.reader() as s:
        return s.exec(_pending_question(select(ClarificationRow), session_id)).first()


def _pending_question(query, session_id):
    """`query` narrowed to the session's latest unanswered question (`session_id` a value or a column)."""
    return (query.where(ClarificationRow.session_id == session_id, col(ClarificationRow.answer).is_(None))
            .order_by(col(ClarificationRow.asked_at).desc()).limit(1))


def save_toolset(db: Database, name: str, tools: Iterable[str], owner: str | None = None) -> ToolSetRow:
    with db.session() as s:
        row = s.exec(select(ToolSetRow).where(ToolSetRow.name == name, ToolSetRow.owner == owner)).first()
        if row is None:
            row = ToolSetRow(name=name, owner=owner)
        row.tools = list(tools)
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def list_toolsets(db: Database, owner: str | None = None) -> list[ToolSetRow]:
    query = select(ToolSetRow).where(or_(ToolSetRow.owner == owner, col(ToolSetRow.owner).is_(None)))
    with db.session() as s:
        return list(s.exec(query.order_by(ToolSetRow.name)).all())


def get_toolset(db: Database, name: str, owner: str | None = None) -> ToolSetRow | None:
    """The owner's tool set of that name, else a shared one (owner None)."""
    rows = [row for row in list_toolsets(db, owner) if row.name == name]
    return next((row for row in rows if row.owner == owner), rows[0] if rows else None)


def delete_toolset(db: Database, name: str, owner: str | None = None) -> None:
    with db.session() as s:
        s.exec(delete(ToolSetRow).where(ToolSetRow.name == name, ToolSetRow.owner == owner))
        s.commit()


# -- comparisons -----------------------------------------------------------------------------------------


def save_comparison(db: Database, prompt: str, columns: list[dict[str, Any]], owner: str | None = None) -> ComparisonRow:
    return _insert(db, ComparisonRow(prompt=prompt, columns=list(columns), owner=owner))


def get_comparison(db: Database, comparison_id: str, owner: str | None = None) -> ComparisonRow:
    return _owned(db, ComparisonRow, comparison_id, owner, "comparison")


def list_comparisons(db: Database, owner: str | None = None, limit: int = 100) -> list[ComparisonRow]:
    query = select(ComparisonRow).order_by(col(ComparisonRow.created_at).desc()).limit(limit)
    if owner is not None:
        query = query.where(ComparisonRow.owner == owner)
    with db.session() as s:
        return list(s.exec(query))


def update_comparison(db: Database, comparison_id: str, columns: list[dict[str, Any]]) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(ComparisonRow).where(ComparisonRow.id == comparison_id).values(columns=list(columns)))


# -- shares -----------------------------------------------------------------------------------------------


def add_share(db: Database, **fields: Any) -> ShareRow:
    return _insert(db, ShareRow(**fields))


def share_by_hash(db: Database, token_hash: str, snapshot: bool = True) -> ShareRow | None:
    """The share with this token hash; without `snapshot` its (possibly large) snapshot is not read."""
    query = select(ShareRow).where(ShareRow.token_hash == token_hash)
    if not snapshot:
        query = query.options(defer(ShareRow.snapshot))
    with db.session() as s:
        return s.exec(query).first()


def share_snapshot(db: Database, share_id: str) -> dict[str, Any]:
    with db.session() as s:
        return s.exec(select(ShareRow.snapshot).where(ShareRow.id == share_id)).one()


def count_share_view(db: Database, share_id: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(ShareRow).where(ShareRow.id == share_id).values(views=ShareRow.views + 1))


def revoke_share(db: Database, share_id: str) -> bool:
    """Revoke; False if there is no such live share."""
    with db.engine.begin() as conn:
        done = conn.execute(update(ShareRow).where(ShareRow.id == share_id, col(ShareRow.revoked_at).is_(None))
                            .values(revoked_at=now()))
    return bool(done.rowcount)


def shares_for_session(db: Database, session_id: str) -> list[ShareRow]:
    with db.session() as s:
        return list(s.exec(select(ShareRow).where(ShareRow.session_id == session_id)
                           .order_by(col(ShareRow.created_at).desc())))


def get_share(db: Database, share_id: str, owner: str | None = None) -> ShareRow:
    return _owned(db, ShareRow, share_id, owner, "share")


# -- import -----------------------------------------------------------------------------------------------


def insert_trace(db: Database, session: dict[str, Any], runs: list[dict[str, Any]], steps: list[dict[str, Any]],
                 clarifications: list[dict[str, Any]], fork: dict[str, Any] | None = None) -> SessionRow:
    """A whole session's rows in one transaction (an imported trace, a time-travel branch): all or nothing."""
    row = SessionRow(**session)
    with db.session() as s:
        s.add(row)
        s.flush()
        s.add_all(RunRow(**r) for r in runs)
        s.flush()
        s.add_all(StepRow(**st) for st in steps)
        s.add_all(ClarificationRow(**c) for c in clarifications)
        if fork is not None:
            s.add(ForkRow(session_id=row.id, **fork))
        s.commit()
        s.refresh(row)
    return row


# -- time travel ------------------------------------------------------------------------------------------


def fork_of(db: Database, session_id: str) -> ForkRow | None:
    with db.session() as s:
        return s.get(ForkRow, session_id)


def forks_in_family(db: Database, root_id: str) -> list[ForkRow]:
    with db.session() as s:
        return list(s.exec(select(ForkRow).where(ForkRow.root_id == root_id).order_by(col(ForkRow.created_at))))


# -- stopping a turn that runs in another process ------------------------------------------------------------


def request_stop(db: Database, session_id: str) -> None:
    with db.session() as s:
        s.merge(StopRequestRow(session_id=session_id, requested_at=now()))
        s.commit()


def take_stop_request(db: Database, session_id: str, since: float = 0.0) -> bool:
    """Whether a stop was asked for the session's turn since `since` (and forget it: it is being acted on).
    Reads first: a running turn looks once a second and must not take SQLite's write lock to find nothing."""
    with db.reader() as s:
        asked = s.exec(select(StopRequestRow.requested_at).where(StopRequestRow.session_id == session_id)).first()
    if asked is None or asked < since:
        return False
    with db.autocommit.begin() as conn:
        return conn.execute(delete(StopRequestRow).where(StopRequestRow.session_id == session_id)).rowcount > 0


# -- custom tools -----------------------------------------------------------------------------------------


def add_custom_tools(db: Database, **fields: Any) -> CustomToolRow:
    return _insert(db, CustomToolRow(**fields))


def add_tool_source(db: Database, **fields: Any) -> ToolSourceRow:
    return _insert(db, ToolSourceRow(**fields))


def remove_tool(db: Database, name: str, owner: str | None) -> ToolRemovalRow:
    return _insert(db, ToolRemovalRow(name=name, owner=owner))


def tools_version(db: Database) -> int:
    with db.reader() as s:
        return s.exec(select(_TOOLS_VERSION)).one()


@dataclass
class StoredTools:
    version: int
    files: list[CustomToolRow]  # oldest first
    sources: list[ToolSourceRow]  # oldest first
    removals: list[ToolRemovalRow]  # oldest first


def stored_tools(db: Database, skip: Iterable[str] = ()) -> StoredTools:
    """The custom tool files and imported tool sources, but those with an id in `skip` (already loaded), with
    the version they make (see _TOOLS_VERSION), read together."""
    skip = list(skip)
    with db.session() as s:
        version = s.exec(select(_TOOLS_VERSION)).one()
        files = select(CustomToolRow).where(col(CustomToolRow.id).not_in(skip))
        sources = select(ToolSourceRow).where(col(ToolSourceRow.id).not_in(skip))
        removals = select(ToolRemovalRow).where(col(ToolRemovalRow.id).not_in(skip))
        return StoredTools(version, list(s.exec(files.order_by(col(CustomToolRow.created_at)))),
                           list(s.exec(sources.order_by(col(ToolSourceRow.created_at)))),
                           list(s.exec(removals.order_by(col(ToolRemovalRow.removed_at)))))


# -- benchmark runs --------------------------------------------------------------------------------------


def create_eval(db: Database, **fields: Any) -> EvalRow:
    return _insert(db, EvalRow(**fields))


def add_eval_item(db: Database, **fields: Any) -> EvalItemRow:
    return _insert(db, EvalItemRow(**fields))


def finish_eval(db: Database, eval_id: str, summary: dict[str, Any]) -> None:
    with db.session() as s:
        row = s.get(EvalRow, eval_id)
        row.summary, row.status, row.ended_at = summary, "done", now()
        s.add(row)
        s.commit()


def get_eval(db: Database, eval_id: str, owner: str | None = None) -> EvalRow:
    with db.session() as s:
        row = s.get(EvalRow, eval_id)
    if row is None or (owner is not None and row.owner not in (owner, None)):
        raise NotFound(f"no benchmark run {eval_id!r}")
    return row


def list_evals(db: Database, owner: str | None = None) -> list[EvalRow]:
    query = select(EvalRow).order_by(col(EvalRow.started_at).desc())
    if owner is not None:
        query = query.where((EvalRow.owner == owner) | (EvalRow.owner == None))  # noqa: E711
    with db.session() as s:
        return list(s.exec(query))


def eval_items(db: Database, eval_id: str) -> list[EvalItemRow]:
    with db.session() as s:
        return list(s.exec(select(EvalItemRow).where(EvalItemRow.eval_id == eval_id).order_by(col(EvalItemRow.seq))))


# -- marks ----------------------------------------------------------------------------------------------


def _of(column: Any, owner: str | None):
    """`column` is `owner`, None included (SQL's `= NULL` is never true)."""
    return col(column).is_(None) if owner is None else column == owner


def set_mark(db: Database, session_id: str, owner: str | None, step_id: str = "", **fields: Any) -> MarkRow:
    """The person's mark on the session (or its step), made or replaced."""
    with db.session() as s:
        row = s.exec(select(MarkRow).where(MarkRow.session_id == session_id, MarkRow.step_id == step_id,
                                           _of(MarkRow.owner, owner))).first()
        row = row or MarkRow(session_id=session_id, step_id=step_id, owner=owner)
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = now()
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def delete_mark(db: Database, session_id: str, owner: str | None, step_id: str = "") -> bool:
    with db.session() as s:
        done = s.exec(delete(MarkRow).where(MarkRow.session_id == session_id, MarkRow.step_id == step_id,
                                            _of(MarkRow.owner, owner))).rowcount > 0
        s.commit()
    return done


def marks_for_session(db: Database, session_id: str, owner: str | None = None) -> list[MarkRow]:
    query = select(MarkRow).where(MarkRow.session_id == session_id)
    if owner is not None:
        query = query.where(MarkRow.owner == owner)
    with db.reader() as s:
        return list(s.exec(query.order_by(col(MarkRow.updated_at))))


def marked_sessions(db: Database, owner: str | None, rating: str | None = None) -> list[str]:
    """The sessions the person marked (the session itself or a step), newest mark first; with `rating`, only
    those with a mark of that rating."""
    query = select(MarkRow.session_id).where(_of(MarkRow.owner, owner))
    if rating is not None:
        query = query.where(MarkRow.rating == rating)
    with db.reader() as s:
        rows = s.exec(query.group_by(MarkRow.session_id).order_by(func.max(MarkRow.updated_at).desc())).all()
    return list(rows)


# -- datasets -------------------------------------------------------------------------------------------


def create_dataset(db: Database, name: str, kind: str, owner: str | None = None) -> DatasetRow:
    return _insert(db, DatasetRow(name=name, kind=kind, owner=owner))


def get_dataset(db: Database, name: str, owner: str | None = None) -> DatasetRow:
    with db.reader() as s:
        row = s.exec(select(DatasetRow).where(DatasetRow.name == name, _of(DatasetRow.owner, owner))).first()
    if row is None:
        raise NotFound(f"no dataset {name!r}")
    return row


def list_datasets(db: Database, owner: str | None = None) -> list[tuple[DatasetRow, int]]:
    """The person's datasets by name, each with its number of items."""
    count = (select(func.count()).select_from(DatasetItemRow).where(DatasetItemRow.dataset_id == DatasetRow.id)
             .scalar_subquery())
    with db.reader() as s:
        rows = s.exec(select(DatasetRow, count).where(_of(DatasetRow.owner, owner)).order_by(col(DatasetRow.name))).all()
    return [(row, int(n)) for row, n in rows]


def add_dataset_item(db: Database, dataset_id: str, item: dict[str, Any], source: dict[str, Any]) -> DatasetItemRow:
    return _insert(db, DatasetItemRow(dataset_id=dataset_id, item=item, source=source))


def dataset_items(db: Database, dataset_id: str) -> list[DatasetItemRow]:
    with db.reader() as s:
        query = select(DatasetItemRow).where(DatasetItemRow.dataset_id == dataset_id)
        return list(s.exec(query.order_by(col(DatasetItemRow.created_at), col(DatasetItemRow.id))))


def delete_dataset_item(db: Database, dataset_id: str, item_id: str) -> bool:
    with db.session() as s:
        done = s.exec(delete(DatasetItemRow).where(DatasetItemRow.dataset_id == dataset_id,
                                                   DatasetItemRow.id == item_id)).rowcount > 0
        s.commit()
    return done


def delete_dataset(db: Database, dataset_id: str) -> None:
    with db.session() as s:
        s.exec(delete(DatasetItemRow).where(DatasetItemRow.dataset_id == dataset_id))
        s.exec(delete(DatasetRow).where(DatasetRow.id == dataset_id))
        s.commit()
