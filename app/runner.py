"""The runner: starts sessions and runs one turn of one, streaming steps as they happen.

A turn is a user message (a new run) or the answer to the pending clarification (the same run resumed with
`Command(resume=answer)`). The graph is compiled with a checkpointer on the same database, keyed by the
session id, so a pending question survives a restart. Every step is stored the moment it ends; a model or
tool failure becomes an error step and an `error` status, never a lost session.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from langgraph.types import Command

from app import agents
from app.agents.base import AgentContext, final_answer
from app.config import Settings
from app.llm import gateway
from app.tracing.document import step_dict, usage_of
from app.tracing.recorder import Recorder
from app.tracing.redact import redact_text
from app.tracing.steps import STEP_SINK, Step
from storage import repo
from storage.engine import Database, StorageError, describe_error
from storage.locks import SessionLocks
from storage.models import SessionRow
from tools.model import ToolImportError
from tools.registry import ToolRegistry, UnknownToolError, default_registry


class TurnError(ValueError):
    """The turn cannot start (bad input); nothing was changed."""


INTERRUPTED = ("the server stopped during this run; the steps it finished are kept. Retry to go on from the "
               "last of them, or send a new message")


@dataclass
class Event:
    type: str  # step | delta | done
    step: Step | None = None
    text: str = ""
    result: "TurnResult | None" = None


@dataclass
class TurnResult:
    session_id: str
    run_id: str
    status: str  # done | needs_clarification | error
    final_answer: str | None = None
    clarification: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id, "run_id": self.run_id, "status": self.status,
            "final_answer": self.final_answer, "clarification": self.clarification, "steps": self.steps,
            "usage": self.usage, "error": self.error,
        }


def message_dicts(messages: list[Any]) -> list[dict[str, Any]]:
    """OpenAI-format dicts, also from LangChain message objects (bring-your-own graphs using MessagesState)."""
    if all(isinstance(m, dict) for m in messages):
        return messages
    from langchain_core.messages import convert_to_openai_messages

    return [m if isinstance(m, dict) else convert_to_openai_messages(m) for m in messages]


def _drain(events: list[Event]) -> Iterator[Event]:
    while events:
        yield events.pop(0)


def _node_step(node: str, update: Any, started: float) -> Step:
    if isinstance(update, dict) and "messages" in update:
        update = {**update, "messages": message_dicts(list(update["messages"] or []))}
    recorded = Step(kind="node", node=node, name=node, output=update, started_at=started)
    recorded.ended_at = time.time()
    return recorded


def _share_graph_threads() -> None:
    """LangGraph gives every run a thread pool of its own, for checkpoint writes and parallel nodes, and shuts
    it down at the end: two or three threads started and joined per turn (~1 ms each, more under load). All
    runs of this process share one pool instead; it starts a thread only when none is idle, so a run never
    waits for another's. A run that sets `max_concurrency` keeps a pool of that size of its own. Patched
    where LangGraph's BackgroundExecutor looks the factory up; without it (another LangGraph) nothing changes."""
    from langchain_core.runnables.config import ContextThreadPoolExecutor

    from langgraph.pregel import _executor

    own_pool = getattr(_executor, "get_executor_for_config", None)
    if own_pool is None or getattr(own_pool, "shared", False):
        return
    pool = ContextThreadPoolExecutor(max_workers=4096, thread_name_prefix="graph")

    @contextlib.contextmanager
    def executor_for(config):
        if (config or {}).get("max_concurrency"):
            with own_pool(config) as executor:
                yield executor
        else:
            yield pool

    executor_for.shared = True
    _executor.get_executor_for_config = executor_for


_share_graph_threads()


def make_checkpointer(db: Database):
    """LangGraph's saver on the same database: SQLite's on one shared connection (SQLite has one writer
    anyway), PostgreSQL's on a connection pool so concurrent turns do not queue behind one lock."""
    if db.is_sqlite:
        from langgraph.checkpoint.sqlite import SqliteSaver

        try:
            url = db.engine.url
            if str(url.query.get("uri", "")).lower() == "true":  # sqlite:///file:PATH?mode=ro&uri=true
                options = "&".join(f"{k}={v}" for k, v in url.query.items() if k != "uri")
                conn = sqlite3.connect(f"{url.database}?{options}", uri=True, check_same_thread=False, timeout=10)
            else:
                conn = sqlite3.connect(db.sqlite_path or ":memory:", check_same_thread=False, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            saver = SqliteSaver(conn)
            saver.setup()
        except sqlite3.Error as exc:
            raise StorageError(describe_error(db.label, exc)) from None
        return saver
    if db.is_postgres:
        return _postgres_saver(db)
    raise StorageError(f"no LangGraph checkpointer for a {db.engine.dialect.name} database; use SQLite or "
                       "PostgreSQL")


def _postgres_saver(db: Database):
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ModuleNotFoundError as exc:
        raise StorageError(f"PostgreSQL needs the {exc.name!r} package: pip install "
                           "'agent-playground[postgres]'") from None
    import psycopg

    from storage.engine import PG_OPTIONS, POOL_OVERFLOW, POOL_SIZE, SCHEMA_LOCK

    # Connections opened up front (a burst of new sessions must not wait for the pool to grow one connection
    # at a time); not checked with a round trip at every checkout: a broken one fails its operation once
    # and is replaced.
    pool = ConnectionPool(db.libpq_url, min_size=POOL_SIZE, max_size=POOL_SIZE + POOL_OVERFLOW, open=False,
                          kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
                                  "options": PG_OPTIONS, "connect_timeout": 10}, name="checkpoints")
    try:
        pool.open(wait=True, timeout=15)
        saver = PostgresSaver(pool)
        # The saver holds one lock around every operation, made for a single shared connection; on a pool each
        # operation has its own connection, and the lock only queued every session's checkpoints behind one
        # another (bench/load.py: p95 added latency 1.7 s with it at 50 sessions).
        saver.lock = contextlib.nullcontext()
        with pool.connection() as conn:  # setup() migrates; two processes starting at once take turns
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                saver.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
    except (psycopg.Error, TimeoutError, OSError) as exc:
        pool.close()
        raise StorageError(describe_error(db.label, exc)) from None
    return saver


@contextlib.contextmanager
def _redacted_refusal() -> Iterator[None]:
    """A refused tool file, spec or server says why, and may quote what the tool read or the server answered:
    never a secret of ours in it."""
    try:
        yield
    except ToolImportError as exc:
        raise type(exc)(redact_text(str(exc))) from None


class Runner:
    def __init__(self, db: Database, settings: Settings, tools: ToolRegistry | None = None, cache_size: int = 64):
        self.db = db
        self.settings = settings
        self.tools = tools or default_registry().copy()
        from app.config import NEVER_TOOL_CREDENTIALS
        from tools import jail
        from tools.model import allow_credentials

        jail.configure(unsafe=settings.unsafe_sandbox)
        allow_credentials(settings.tool_secrets, forbidden=NEVER_TOOL_CREDENTIALS)
        self.checkpointer = make_checkpointer(db)
        if settings.graphs:
            from app.agents.byo import register_graphs

            register_graphs(settings.graphs)
        self._graphs: OrderedDict[tuple, Any] = OrderedDict()
        self._indexes: dict[tuple, Any] = {}
        self._guard = threading.Lock()
        self._stored = threading.Lock()  # loading stored tools
        self._tools_loaded: set[str] = set()  # ids of the tool files and sources loaded
        self._tools_version = -1
        self._stored_tools = True  # False for a view with tools of its own (with_tools)
        # (owner, a custom tool's name): when the file it came from was added
        self._file_tools: dict[tuple[str | None, str], float] = {}
        self._load_stored_tools()
        if settings.tool_modules:
            from tools.langchain import load_module

            for spec in settings.tool_modules:
                self.tools.add_source(load_module(spec))
        self._cache_size = cache_size
        self._turns = SessionLocks(db)  # one turn per session, across processes

    def with_tools(self, tools: ToolRegistry) -> "Runner":
        """This runner with a tool registry of its own (a benchmark item's mocked APIs): the same database,
        checkpointer and session locks, so a view costs no connections; it does not load stored tools."""
        import copy

        view = copy.copy(self)
        view.tools = tools
        view._graphs, view._indexes, view._guard = OrderedDict(), {}, threading.Lock()
        view._stored_tools = False
        return view

    # -- tools stored in the database: custom tool files and imported sources, for every process on it -------

    def sync_tools(self) -> bool:
        """Load the tool files and sources added since this process last looked (by another process on the same
        database, behind a load balancer): one query when there are none. True if any were loaded."""
        return self._load_stored_tools(repo.tools_version(self.db))

    def _load_stored_tools(self, version: int | None = None) -> bool:
        import logging

        from tools.sandbox import Limits, tools_from_source

        if version == self._tools_version or not self._stored_tools:
            return False
        with self._stored:
            stored = repo.stored_tools(self.db, skip=self._tools_loaded)
            for row in stored.files:  # oldest first: a file added again later wins, whichever process added it
                for tool in tools_from_source(row.source, row.filename, Limits(**row.limits), row.schemas):
                    if self._file_tools.get((row.owner, tool.name), row.created_at) <= row.created_at:
                        try:
                            self.tools.register(tool, replace=True, owner=row.owner)
                        except ValueError as exc:  # the operator gave everyone a tool of that name since
                            logging.getLogger(__name__).warning("custom tool not loaded: %s", exc)
                            continue
                        self._file_tools[(row.owner, tool.name)] = row.created_at
                self._tools_loaded.add(row.id)
            for row in stored.sources:
                try:
                    self.tools.add_source(self._source_tools(row.kind, row.spec, row.options, row.schemas),
                                          owner=row.owner)
                except ToolImportError as exc:  # one broken source must not stop the server
                    logging.getLogger(__name__).warning("tool source %s (%s) not loaded: %s", row.name, row.kind,
                                                        exc)
                self._tools_loaded.add(row.id)
            self._tools_version = stored.version
        if stored.files or stored.sources:
            self._tools_changed()
            return True
        return False

    def add_custom_tools(self, source: str, filename: str, owner: str | None = None, **limits: Any) -> list[str]:
        """Add a file of Python tools (see tools.sandbox); returns the tool names. ToolFileError if it cannot."""
        from dataclasses import asdict

        from tools.sandbox import Limits, add_file

        chosen = Limits(**{k: v for k, v in limits.items() if v is not None})
        with self._stored:
            with _redacted_refusal():
                added = add_file(self.tools, source, filename, chosen, owner=owner)
            row = repo.add_custom_tools(self.db, filename=filename, source=source, owner=owner,
                                        limits=asdict(chosen), schemas=[t.function for t in added])
            self._tools_loaded.add(row.id)
            self._file_tools.update({(owner, t.name): row.created_at for t in added})
        self._tools_changed()
        return [t.name for t in added]

    def _tools_changed(self) -> None:
        with self._guard:
            self._graphs.clear()  # cached graphs and indexes may hold an older version of a tool
            self._indexes.clear()

    # -- imported tool sources: OpenAPI specs and MCP servers ---------------------------------------------

    @staticmethod
    def _source_tools(kind: str, spec: dict[str, Any], options: dict[str, Any], schemas: list[dict]) -> list:
        if kind == "openapi":
            from tools.openapi import ImportOptions, tools_from_spec

            return tools_from_spec(spec["spec"], ImportOptions(**options), spec.get("origin"))
        from tools.mcp_client import MCPImport, ServerConfig, tools_from_schemas

        return tools_from_schemas(MCPImport(config=ServerConfig.from_dict(spec), schemas=schemas, **options))

    def import_openapi(self, source: str, *, base_url: str | None = None, auth: dict[str, str] | None = None,
                       timeout: float | None = None, prefix: str = "", owner: str | None = None,
                       files: bool = True) -> list[str]:
        """Each operation of an OpenAPI 3 spec (a URL, its text, or with `files` a file path) becomes a tool;
        returns their names. ToolImportError (naming the place in the spec) if it cannot."""
        from dataclasses import asdict

        from tools.openapi import DEFAULT_TIMEOUT, ImportOptions, read_spec, tools_from_spec

        with _redacted_refusal():
            spec, origin = read_spec(source, files=files)
            options = ImportOptions(base_url=base_url or None, auth=dict(auth or {}),
                                    timeout=timeout or DEFAULT_TIMEOUT, prefix=prefix or "")
            found = tools_from_spec(spec, options, origin)
        title = str((spec.get("info") or {}).get("title") or origin or "api")
        return self._add_source(found, kind="openapi", name=title, spec={"spec": spec, "origin": origin},
                                options=asdict(options), owner=owner)

    def import_mcp(self, target: str, *, env: list[str] | None = None, headers: dict[str, str] | None = None,
                   timeout: float | None = None, prefix: str = "", owner: str | None = None,
                   commands: bool = True) -> list[str]:
        """The tools of an MCP server (a stdio command line or a streamable HTTP URL); returns their names.
        `commands=False` refuses command lines (the browser and the API of a server open beyond localhost)."""
        from tools.mcp_client import DEFAULT_TIMEOUT, MCPImport, MCPError, ServerConfig, list_tools, tools_from_schemas

        config = ServerConfig.parse(target, env=env, headers=headers)
        if config.command and not commands:
            raise MCPError("this server does not start MCP servers by command (it listens beyond this machine); "
                           "connect one by its http(s) URL, or set PLAYGROUND_MCP_COMMANDS=1 where that is safe")
        spec = MCPImport(config=config, prefix=prefix or "", timeout=timeout or DEFAULT_TIMEOUT)
        with _redacted_refusal():
            spec.schemas = list_tools(config, spec.timeout)
        found = tools_from_schemas(spec)
        return self._add_source(found, kind="mcp", name=config.label, spec=config.to_dict(),
                                options={"prefix": spec.prefix, "timeout": spec.timeout}, schemas=spec.schemas,
                                owner=owner)

    def _add_source(self, found: list, **row: Any) -> list[str]:
        with self._stored:
            self.tools.add_source(found, owner=row.get("owner"))  # ToolImportError (a name in use), storing nothing
            self._tools_loaded.add(repo.add_tool_source(self.db, **row).id)
        self._tools_changed()
        return [t.name for t in found]

    # -- sessions ---------------------------------------------------------------------------------------

    def resolve_tools(self, tools: list[str] | None = None, toolset: str | None = None, owner: str | None = None) -> list[str]:
        names: list[str] = []
        if toolset:
            row = repo.get_toolset(self.db, toolset, owner)
            if row is not None:
                names = list(row.tools)
            elif toolset in self.tools.toolsets:
                names = list(self.tools.toolsets[toolset])
            else:
                known = sorted({*self.tools.toolsets, *(t.name for t in repo.list_toolsets(self.db, owner))})
                raise TurnError(f"unknown tool set {toolset!r}; known tool sets: {', '.join(known)}")
        for name in tools or []:
            if name not in names:
                names.append(name)
        try:
            self.tools.resolve(names, owner)
        except UnknownToolError:  # added by another process since this one last looked, or unknown (named)
            if not self.sync_tools():
                raise
            self.tools.resolve(names, owner)
        return names

    def new_session(
        self,
        agent: str,
        model: str,
        tools: list[str] | None = None,
        toolset: str | None = None,
        owner: str | None = None,
        settings: dict[str, Any] | None = None,
        title: str = "",
    ) -> SessionRow:
        agents.get_agent(agent)
        gateway.check_model(model)
        names = self.resolve_tools(tools, toolset, owner)
        return repo.create_session(self.db, agent=agent, model=model, tools=names, toolset=toolset, owner=owner,
                                   settings=settings or {}, title=redact_text(title))

    # -- graphs -----------------------------------------------------------------------------------------

    def context_for(self, session: SessionRow, tools: list[str] | None = None) -> AgentContext:
        s = self.settings
        return AgentContext(
            model=session.model, tools=self.tools.resolve(session.tools if tools is None else tools, session.owner),
            settings=dict(session.settings or {}),
            model_timeout=s.model_timeout, model_retries=s.model_retries,
            tool_timeout=s.tool_timeout, max_steps=int((session.settings or {}).get("max_steps", s.max_agent_steps)),
        )

    def graph_for(self, session: SessionRow, tools: list[str] | None = None):
        """The session's compiled graph; with `tools`, one offering only those (a turn after tool retrieval)."""
        names = session.tools if tools is None else tools
        # The tools themselves, not their names: two owners' tools may share a name.
        key = (session.agent, session.model, tuple(id(t) for t in self.tools.resolve(names, session.owner)),
               json.dumps(session.settings, sort_keys=True))
        with self._guard:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        graph = agents.build_graph(session.agent, self.context_for(session, tools))
        compiled = self._compile(session.agent, graph)
        with self._guard:
            self._graphs[key] = compiled
            while len(self._graphs) > self._cache_size:
                self._graphs.popitem(last=False)
        return compiled

    def _compile(self, agent: str, graph):
        """Compile with our checkpointer. A graph compiled elsewhere (a bring-your-own factory) is recompiled
        from its builder with its interrupt points, since interrupts and resumption need the checkpointer."""
        from langgraph.graph import StateGraph

        if isinstance(graph, StateGraph):
            return graph.compile(checkpointer=self.checkpointer)
        builder = getattr(graph, "builder", None)
        if isinstance(builder, StateGraph):
            return builder.compile(checkpointer=self.checkpointer,
                                   interrupt_before=getattr(graph, "interrupt_before_nodes", None) or None,
                                   interrupt_after=getattr(graph, "interrupt_after_nodes", None) or None)
        raise TurnError(f"agent {agent!r} built a {type(graph).__name__}; expected a LangGraph StateGraph or a "
                        "graph compiled from one")

    # -- tool retrieval: past a number of tools, each turn is offered the top k ------------------------------

    def _offer_tools(self, session: SessionRow, message: str) -> tuple[list[str] | None, Step | None]:
        """(the tools this turn offers, in the session's order, and the retrieval step), or (None, None) when
        the session has few enough tools to offer them all."""
        from tools.retrieval import ToolIndex

        chosen = session.settings or {}
        threshold = int(chosen.get("retrieval_threshold", self.settings.retrieval_threshold))
        k = max(1, int(chosen.get("retrieval_k", self.settings.retrieval_k)))
        if len(session.tools) <= threshold:
            return None, None
        runs = repo.runs_for_session(self.db, session.id)
        earlier = runs[-2].user_message if len(runs) > 1 else ""  # a follow-up ("and in Paris?") leans on it
        query = f"{message}\n{earlier}".strip()
        started = time.time()
        method, note = str(chosen.get("retrieval") or "bm25"), None
        tools = self.tools.resolve(session.tools, session.owner)
        try:
            index = self._index(tuple(session.tools), method, tools)
        except (ValueError, gateway.ModelError) as exc:
            index, note = ToolIndex(tools), f"{exc}; used bm25 instead"
        ranked = index.rank(query, k)
        picked = {r.name for r in ranked}
        offered = [name for name in session.tools if name in picked]
        step = Step(kind="retrieval", node="retrieval", name="tool retrieval", started_at=started,
                    input={"query": query, "method": index.method, "catalog": len(session.tools), "k": k},
                    output={"offered": [r.name for r in ranked], "scores": {r.name: r.score for r in ranked}},
                    meta={"offered_tools": offered, **({"fallback": note} if note else {})})
        step.ended_at = time.time()
        return offered, step

    def _index(self, names: tuple[str, ...], method: str, tools: list):
        from tools.retrieval import ToolIndex, index_for

        if method in ("", "bm25"):
            return ToolIndex(tools)  # cheap enough to build per turn (bench/retrieval.py)
        key = (method, tuple(id(t) for t in tools))  # the tools themselves: two owners may share a name
        with self._guard:
            cached = self._indexes.get(key)
        if cached is None:  # an embedding index embeds every tool: once per tool list
            cached = index_for(tools, method, embed=gateway.embed)
            with self._guard:
                if len(self._indexes) >= 32:
                    self._indexes.clear()
                self._indexes[key] = cached
        return cached

    def _offered_in_run(self, session_id: str, run_id: str) -> list[str] | None:
        for row in repo.steps_for_session(self.db, session_id, run_id=run_id):
            if row.kind == "retrieval":
                return list((row.meta or {}).get("offered_tools") or [])
        return None

    # -- turns ------------------------------------------------------------------------------------------

    def turn(self, session_id: str, message: str | None = None, answer: str | None = None,
             owner: str | None = None, on_event: Callable[[Event], None] | None = None,
             retry: bool = False) -> TurnResult:
        result: TurnResult | None = None
        deltas = on_event is not None
        for event in self.stream(session_id, message=message, answer=answer, owner=owner, deltas=deltas,
                                 retry=retry):
            if on_event:
                on_event(event)
            if event.type == "done":
                result = event.result
        assert result is not None
        return result

    def stream(self, session_id: str, message: str | None = None, answer: str | None = None,
               owner: str | None = None, deltas: bool = True, proceed: str | None = None,
               retry: bool = False) -> Iterator[Event]:
        """Run one turn, yielding each step as it is stored (and answer text as it streams, with `deltas`).
        `proceed` (a run id) goes on with that run from the thread's current checkpoint (a time-travel branch
        after its edit); `retry` does that for the session's last run if it failed (a model that gave up, a
        server killed mid-run)."""
        if not self._turns.acquire(session_id):
            repo.get_session(self.db, session_id, owner)  # another owner's session is not found, busy or not
            raise TurnError(f"session {session_id} is already running a turn (here or on another server "
                            "process); wait for it to finish")
        try:
            # One read for the session, its runs left running and its pending question (bench/load.py).
            start = repo.session_for_turn(self.db, session_id, owner)
            if start.tools_version != self._tools_version:  # tools added by another process on this database
                self._load_stored_tools(start.tools_version)
            if start.running:  # while we hold its lock: cut off by a process that died (kill -9, a crash, a lost
                # machine); they end as errors that can be retried, and their steps stay
                repo.end_orphaned_runs(self.db, session_id, INTERRUPTED)
            if retry:
                proceed = self._retryable(start.session)
            yield from self._stream(start, message, answer, deltas, proceed)
        finally:
            self._turns.release(session_id)

    def _retryable(self, session: SessionRow) -> str:
        """The run a retry goes on with: the session's last run, if it failed, from its last checkpoint (the
        steps it finished are kept and not run again)."""
        last = repo.latest_run(self.db, session.id)
        if last is None or last.status != "error":
            raise TurnError("nothing to retry: the session's last run did not fail")
        state = self.graph_for(session, self._offered_in_run(session.id, last.id)).get_state(
            {"configurable": {"thread_id": session.id}})
        if not state.next:
            raise TurnError("this run failed before its agent started, so there is no checkpoint to go on from; "
                            "send the message again")
        return last.id

    def _stream(self, start: repo.TurnStart, message: str | None, answer: str | None, deltas: bool,
                proceed: str | None = None) -> Iterator[Event]:
        session, pending = start.session, start.pending
        if (session.settings or {}).get("read_only"):
            raise TurnError("this session is an imported trace and is read-only; start a new session to chat")
        if answer is None and pending is not None and message is not None:
            answer, message = message, None  # a message while a question is pending answers it
        if proceed is not None:
            run_id, graph_input = proceed, None
        elif answer is not None:
            if pending is None:
                raise TurnError("this session has no pending question to answer; send a message instead")
            if not answer.strip():
                raise TurnError("the answer is empty")
            pending = repo.answer_clarification(self.db, pending.id, redact_text(answer))
            run_id = pending.run_id
            graph_input: Any = Command(resume=answer)
        else:
            if message is None or not message.strip():
                raise TurnError("the message is empty")
            run_id, graph_input = None, {"messages": [{"role": "user", "content": message}]}
        # What a person typed is stored redacted (a pasted key, the server's own key): a title, a run's message.
        # The checkpoint keeps it as typed, since the model must see it.
        title = None if session.title or message is None else redact_text(" ".join(message.split()))[:80]
        run_id, seq = repo.begin_turn(self.db, session.id, message=None if message is None else redact_text(message),
                                      run_id=run_id, title=title, start=start)
        recorder = Recorder(self.db, session.id, run_id, seq, resumed=answer is not None or proceed is not None)
        if answer is not None:
            yield Event("step", step=recorder.record(self._answered_step(session, pending)))
        config = {"configurable": {"thread_id": session.id, "stream_deltas": deltas}, "recursion_limit": 200}
        error: str | None = None
        graph = None
        stored: list[Event] = []  # steps a node stored itself, to pass on
        final: dict[str, Any] | None = None  # the state after the last step (and a question, if one is asked)
        try:
            if message is not None and proceed is None:
                offered, retrieval = self._offer_tools(session, message)
                if retrieval is not None:
                    yield Event("step", step=recorder.record(retrieval))
            else:  # a resumed run keeps the tools its turn was offered
                offered = self._offered_in_run(session.id, run_id)
            graph = self.graph_for(session, offered)
            # A bring-your-own graph may not record its own steps: its node updates become `node` steps.
            node_steps = agents.get_agent(session.agent).source != "built-in"
            stepped: set[str] = set()
            if deltas:  # steps and answer deltas on the custom stream, read while a node runs
                modes = ["custom", "updates"] if node_steps else ["custom"]
            else:
                # No deltas to pass on while a node runs: each step is stored by the node as it ends, and
                # LangGraph runs a lone node in this thread instead of handing it and a stream waiter to its
                # pool (bench/load.py: thread handoffs were a tenth of a turn's CPU under load).
                def store(s: Step) -> None:
                    stepped.add(s.node)
                    stored.append(Event("step", step=recorder.record(s)))

                config["configurable"][STEP_SINK] = store
                modes = ["updates"]
            modes.append("values")  # the end state, so that _finish need not read the checkpoint back
            last = time.time()
            # SQLite: durability="sync", each checkpoint written before the next step starts. The default
            # ("async") writes it from a background thread on the saver's own connection, and our step inserts
            # then wait in SQLite's busy handler (measured: 2.7 ms an insert instead of 0.2). PostgreSQL locks
            # rows, not the file: "async" takes a round trip per step off the turn's path (the write overlaps
            # the next model call; bench/load.py p95 42-43 ms instead of 49-50). Every write is done before
            # the stream ends either way; a process killed mid-run may lose its last checkpoint, and a retry
            # then goes on from the one before.
            durability = "async" if self.db.is_postgres else "sync"
            for mode, chunk in graph.stream(graph_input, config, stream_mode=modes, durability=durability):
                yield from _drain(stored)
                if mode == "values":
                    final = chunk
                elif mode == "updates":
                    if node_steps:
                        for node, update in (chunk or {}).items():
                            if node not in stepped and not node.startswith("__"):
                                yield Event("step", step=recorder.record(_node_step(node, update, last)))
                    stepped.clear()
                    last = time.time()
                elif chunk.get("type") == "step":
                    stepped.add(chunk["step"].node)
                    yield Event("step", step=recorder.record(chunk["step"]))
                elif chunk.get("type") == "delta":
                    yield Event("delta", text=chunk["text"])
            yield from _drain(stored)
        except Exception as exc:  # the run ends; the session and its finished steps stay
            yield from _drain(stored)
            error = str(exc) if isinstance(exc, gateway.ModelError) else f"{type(exc).__name__}: {exc}"
            if not recorder.steps or recorder.steps[-1].status != "error":
                failed = Step(kind="error", node="runner", name="run failed", status="error", error=error)
                failed.ended_at = failed.started_at
                yield Event("step", step=recorder.record(failed))
        yield Event("done", result=self._finish(session, run_id, recorder, graph, config, error, final))

    def _finish(self, session: SessionRow, run_id: str, recorder: Recorder, graph, config: dict,
                error: str | None, final: dict[str, Any] | None = None) -> TurnResult:
        clarification = None
        answer = None
        if error is not None:
            status = "error"
        else:
            if final is None:  # the run streamed no state: read it from the checkpoint
                snapshot = graph.get_state(config)
                final = {**snapshot.values, "__interrupt__": snapshot.interrupts}
            interrupts = final.get("__interrupt__") or ()
            if interrupts:
                status = "needs_clarification"
                clarification = self._store_question(session, run_id, interrupts[0])
            else:
                status = "done"
                answer = final_answer(message_dicts(final.get("messages", [])))
        repo.end_turn(self.db, session.id, run_id, status, final_answer=None if answer is None else redact_text(answer),
                      error=None if error is None else redact_text(error))
        if recorder.resumed:  # a resumed run: its steps from before the question are in the database
            steps = [step_dict(r) for r in repo.steps_for_session(self.db, session.id, run_id=run_id)]
        else:
            steps = [recorder.stored(s) for s in recorder.steps]
        return TurnResult(session_id=session.id, run_id=run_id, status=status, final_answer=answer,
                          clarification=clarification, steps=steps, usage=usage_of(steps), error=error)

    def _answered_step(self, session: SessionRow, row) -> Step:
        """The question and its answer as one step, timed from asking to answering."""
        request = {k: getattr(row, k) for k in ("id", "kind", "question", "options", "tool", "field", "reason",
                                                "detected_by")}
        state = self.graph_for(session).get_state({"configurable": {"thread_id": session.id}})
        node = state.tasks[0].name if state and state.tasks else "ask"
        answered = Step(kind="clarification", node=node, name=row.kind, input=request, output=row.answer,
                        started_at=row.asked_at, checkpoint_id=state.config["configurable"].get("checkpoint_id"),
                        meta={"clarification_id": row.id})
        answered.ended_at = row.answered_at
        return answered

    def _store_question(self, session: SessionRow, run_id: str, interrupt) -> dict[str, Any]:
        value = interrupt.value if isinstance(interrupt.value, dict) else {"question": str(interrupt.value)}
        request = {
            # LangGraph's interrupt id is unique per question asked (the payload's id is per kind of question).
            "id": interrupt.id, "kind": value.get("kind", "vague_intent"),
            "question": value.get("question", ""), "options": list(value.get("options") or []),
            "tool": value.get("tool"), "field": value.get("field"), "reason": value.get("reason"),
            "detected_by": value.get("detected_by", "llm"),
        }
        stored = {**request, "question": redact_text(request["question"]),
                  "options": [redact_text(str(o)) for o in request["options"]],
                  "reason": None if request["reason"] is None else redact_text(str(request["reason"]))}
        row = repo.add_clarification(self.db, session_id=session.id, run_id=run_id, **stored)
        return {**stored, "id": row.id}

    # -- reading ----------------------------------------------------------------------------------------

    def pending_question(self, session_id: str) -> dict[str, Any] | None:
        row = repo.pending_clarification(self.db, session_id)
        if row is None:
            return None
        return {k: getattr(row, k) for k in ("id", "kind", "question", "options", "tool", "field", "reason", "detected_by")}

    def trace(self, session_id: str, owner: str | None = None) -> dict[str, Any]:
        from app.tracing.document import trace_document

        return trace_document(self.db, session_id, owner)

    def try_tool(self, name: str, arguments: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
        """Run one of the owner's tools outside any session (the Tools tab's form)."""
        from tools.execute import run_tool

        result = run_tool(self.tools.get(name, owner), arguments, tool_state={}, timeout=self.settings.tool_timeout)
        return {"ok": result.ok, "result": result.value if result.ok else None,
                "error": None if result.error is None else redact_text(result.error),
                "duration_ms": round((result.ended_at - result.started_at) * 1000, 3)}

    def design_mermaid(self, agent: str, settings: dict[str, Any] | None = None) -> str:
        """A design's graph as Mermaid text, before any session (the chat's agent panel)."""
        ctx = AgentContext(model="demo/offline", tools=[], settings=dict(settings or {}))
        graph = agents.build_graph(agent, ctx)
        return (graph.compile() if hasattr(graph, "compile") else graph).get_graph().draw_mermaid()

    def graph_mermaid(self, session_id: str) -> str:
        """The session's agent graph as Mermaid text (an imported session's design, drawn without its tools)."""
        session = repo.get_session(self.db, session_id)
        if (session.settings or {}).get("read_only"):
            return self.design_mermaid(session.agent, {k: v for k, v in session.settings.items()
                                                       if k in ("tool_gate", "refine")})
        return self.graph_for(session).get_graph().draw_mermaid()
