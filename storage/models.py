"""The tables: sessions, runs (one per user turn), steps, clarifications, tool sets.

JSON columns are plain `JSON` and always reassigned, never mutated in place (SQLAlchemy would not see an
in-place change). Durations are computed from timestamps, never stored.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return uuid.uuid4().hex


def now() -> float:
    return time.time()


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, such as the schema version."""

    __tablename__ = "playground_meta"
    key: str = Field(primary_key=True)
    value: str


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"
    # A person's sessions, newest first (the Sessions tab, the chat's menu): storage.engine.INDEXES has it too.
    __table_args__ = (Index("ix_sessions_owner_updated", "owner", "updated_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    owner: str | None = Field(default=None, index=True)
    title: str = ""
    agent: str
    model: str
    tools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    toolset: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "idle"  # idle | running | needs_clarification | done | error
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now, index=True)


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"
    id: str = Field(default_factory=new_id, primary_key=True)
    session_id: str = Field(foreign_key="sessions.id", index=True)
    seq: int
    user_message: str
    status: str = "running"  # running | needs_clarification | done | error
    final_answer: str | None = None
    error: str | None = None
    started_at: float = Field(default_factory=now)
    ended_at: float | None = None


class StepRow(SQLModel, table=True):
    __tablename__ = "steps"
    __table_args__ = (Index("ix_steps_session_seq", "session_id", "seq"),)
    id: str = Field(primary_key=True)
    session_id: str = Field(foreign_key="sessions.id")
    run_id: str = Field(foreign_key="runs.id", index=True)
    seq: int
    parent_id: str | None = None
    node: str
    kind: str  # model | tool | clarification | check | plan | summary | answer | ...
    name: str
    status: str  # ok | error | interrupted
    started_at: float
    ended_at: float | None = None
    input: Any = Field(default=None, sa_column=Column(JSON))
    output: Any = Field(default=None, sa_column=Column(JSON))
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    checkpoint_id: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ClarificationRow(SQLModel, table=True):
    __tablename__ = "clarifications"
    id: str = Field(primary_key=True)
    session_id: str = Field(foreign_key="sessions.id", index=True)
    run_id: str = Field(foreign_key="runs.id")
    kind: str
    question: str
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tool: str | None = None
    field: str | None = None
    reason: str | None = None
    detected_by: str = "llm"  # app.clarify.request.DEFAULT_DETECTED_BY
    answer: str | None = None
    asked_at: float = Field(default_factory=now)
    answered_at: float | None = None


class ToolSetRow(SQLModel, table=True):
    __tablename__ = "toolsets"
    __table_args__ = (Index("ux_toolsets_owner_name", "owner", "name", unique=True),)
    id: str = Field(default_factory=new_id, primary_key=True)
    owner: str | None = None
    name: str
    tools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)


class ComparisonRow(SQLModel, table=True):
    """One prompt sent to several (agent, model) pairs; each column is a session of its own."""

    __tablename__ = "comparisons"
    id: str = Field(default_factory=new_id, primary_key=True)
    owner: str | None = Field(default=None, index=True)
    prompt: str
    # [{"agent", "model", "settings", "session_id"}], in column order
    columns: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now, index=True)


class ShareRow(SQLModel, table=True):
    """A read-only link to a session's trace. Only the SHA-256 of the token is stored; the snapshot is the
    redacted trace as it was when shared."""

    __tablename__ = "shares"
    id: str = Field(default_factory=new_id, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    session_id: str = Field(index=True)
    owner: str | None = None
    created_at: float = Field(default_factory=now)
    expires_at: float | None = None
    revoked_at: float | None = None
    views: int = 0
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # the share page's first screen, made with the snapshot: what a first open reads (schema 2; None before)
    first_screen: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    def state(self, at: float | None = None) -> str:
        """"revoked", "expired" or "live" (at time `at`, default now): the one place a link's state is decided."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (time.time() if at is None else at):
            return "expired"
        return "live"


class ForkRow(SQLModel, table=True):
    """A branch made by time travel: `session_id` re-ran from a step of `parent_id` after an edit. The parent
    is never changed; `root_id` is the session the family of branches started from."""

    __tablename__ = "forks"
    session_id: str = Field(primary_key=True, foreign_key="sessions.id")
    parent_id: str = Field(index=True)
    root_id: str = Field(index=True)
    step_id: str
    step_seq: int
    kind: str  # message | arguments | answer
    original: Any = Field(default=None, sa_column=Column(JSON))
    edit: Any = Field(default=None, sa_column=Column(JSON))
    created_at: float = Field(default_factory=now)


class EvalRow(SQLModel, table=True):
    """One benchmark run: suites x (agent, model); `summary` holds the metrics per suite and category."""

    __tablename__ = "evals"
    id: str = Field(default_factory=new_id, primary_key=True)
    suites: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agent: str
    model: str
    judge: str = "deterministic"
    matcher: str = "lexical"
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "running"  # running | done
    total: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    owner: str | None = Field(default=None, index=True)
    started_at: float = Field(default_factory=now)
    ended_at: float | None = None


class EvalItemRow(SQLModel, table=True):
    """One item of a benchmark run: its session (the trace), status and metrics."""

    __tablename__ = "eval_items"
    id: str = Field(default_factory=new_id, primary_key=True)
    eval_id: str = Field(foreign_key="evals.id", index=True)
    seq: int
    suite: str
    category: str
    item_id: str
    session_id: str | None = None
    status: str  # done | needs_clarification | error | timeout
    error: str | None = None
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ToolSourceRow(SQLModel, table=True):
    """An imported tool source: an OpenAPI spec (`spec` is the spec itself) or an MCP server (`spec` is how to
    reach it, `schemas` its tools when imported). `options` hold names of environment variables, never their
    values. Loading at start needs neither the API nor the MCP server."""

    __tablename__ = "tool_sources"
    id: str = Field(default_factory=new_id, primary_key=True)
    kind: str  # openapi | mcp
    name: str
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    schemas: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owner: str | None = None
    created_at: float = Field(default_factory=now)


class CustomToolRow(SQLModel, table=True):
    """A file of custom Python tools. Its code only ever runs in the sandbox; `schemas` are the tools it
    defined when added (read in the sandbox), so a restart does not have to run it."""

    __tablename__ = "custom_tools"
    id: str = Field(default_factory=new_id, primary_key=True)
    filename: str
    source: str
    owner: str | None = None
    limits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    schemas: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)


class ToolRemovalRow(SQLModel, table=True):
    """A tool its owner removed (a custom tool file's function, an imported operation). Files and sources are
    never deleted: every process on the database drops the tool when it reads this, and a tool added again
    after `removed_at` is back."""

    __tablename__ = "tool_removals"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str
    owner: str | None = None
    removed_at: float = Field(default_factory=now)


class StopRequestRow(SQLModel, table=True):
    """Stop asked for a session's running turn, which may run in another process on this database: the
    process running it reads this between steps (at most once a second) and ends the turn there."""

    __tablename__ = "stop_requests"
    session_id: str = Field(primary_key=True)
    requested_at: float = Field(default_factory=now)


class MarkRow(SQLModel, table=True):
    """A person's mark on a session or on one of its steps (`step_id`): thumbs (`rating` "up" / "down"), a
    score (1-5) and a note, any of them. One mark per person per session or step; marking again replaces it."""

    __tablename__ = "marks"
    __table_args__ = (Index("ux_marks_target", "session_id", "step_id", "owner", unique=True),)
    id: str = Field(default_factory=new_id, primary_key=True)
    session_id: str = Field(foreign_key="sessions.id", index=True)
    step_id: str = ""  # "" marks the session itself (a unique index treats NULLs as distinct)
    owner: str | None = None
    rating: str | None = None  # up | down
    score: int | None = None
    note: str = ""
    updated_at: float = Field(default_factory=now)


class DatasetRow(SQLModel, table=True):
    """A named benchmark a person grows from sessions: items of one kind, "tool" (the NoisyToolBench format)
    or "intent" (IN3), stored in that format so the harness runs and exports them as they are."""

    __tablename__ = "datasets"
    __table_args__ = (Index("ux_datasets_owner_name", "owner", "name", unique=True),)
    id: str = Field(default_factory=new_id, primary_key=True)
    owner: str | None = None
    name: str
    kind: str  # tool | intent
    created_at: float = Field(default_factory=now)


class DatasetItemRow(SQLModel, table=True):
    """One item of a dataset: `item` is the published format's object; `source` is where it came from
    (`{"session_id"}` or `{"eval_id", "item_id"}`), kept as text: deleting the session keeps the item."""

    __tablename__ = "dataset_items"
    id: str = Field(default_factory=new_id, primary_key=True)
    dataset_id: str = Field(foreign_key="datasets.id", index=True)
    item: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: float = Field(default_factory=now)


class ApiKeyRow(SQLModel, table=True):
    """A key the operator issued to a login (`playground keys create NAME`) for clients of the protocols (the
    LangGraph API, AG-UI, A2A, MCP over HTTP) that cannot do the browser's login. Only the key's SHA-256 is
    kept: the key itself is shown once, when made."""

    __tablename__ = "api_keys"
    id: str = Field(default_factory=new_id, primary_key=True)
    login: str = Field(index=True)
    digest: str = Field(index=True, unique=True)
    hint: str = ""  # the key's last four characters, to tell keys apart in a listing
    created_at: float = Field(default_factory=now)
    revoked_at: float | None = None


class LoginFailureRow(SQLModel, table=True):
    """Failed logins of a name from an address, or of an address (storage.throttle): every process counts here."""

    __tablename__ = "login_failures"
    key: str = Field(primary_key=True)  # "name:<name>@<address>" or "addr:<address>"
    failures: int = 0
    last_at: float = 0.0
    locked: bool = False
