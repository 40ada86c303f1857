"""The runner: what the UI, the JSON API, the CLI, teaching and eval call to run agents. A facade over the rooms
that do the work, each a module of its own:

- `app.catalog.ToolCatalog`: every tool a session can be given (built-in, files, OpenAPI, MCP), stored
  for every process on the database;
- `app.graphs.Graphs`: a session's design + model + tools + settings compiled with the checkpointer, cached;
- `app.retrieval.ToolRetrieval`: the top k tools a turn is offered out of a large catalogue;
- `app.turns.Turns`: the turn engine (stream a turn, resume a question, retry, play a script);
- `storage.checkpoints`: LangGraph's checkpointer on the same database.

Sessions are created here (the catalog checks the tools, the gateway the model); traces are read from storage.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterable, Iterator

from app import agents
from app.agents.settings import check_settings
from app.catalog import ToolCatalog
from app.clarify.request import ClarificationRequest
from app.config import Settings
from app.graphs import Graphs
from app.llm import gateway
from app.retrieval import ToolRetrieval
from app.tracing.redact import redact_text, scrubber
from app.turns import INTERRUPTED, Event, Turns, TurnError, TurnResult, message_dicts
from storage import repo
from storage.checkpoints import close_checkpointer, make_checkpointer
from storage.engine import Database
from storage.models import SessionRow
from tools.model import ToolImportError
from tools.registry import ToolRegistry, UnknownToolError

__all__ = ["INTERRUPTED", "Event", "Runner", "ToolImportError", "TurnError", "TurnResult", "UnknownToolError",
           "message_dicts"]


class Runner:
    def __init__(self, db: Database, settings: Settings, tools: ToolRegistry | None = None, cache_size: int = 64):
        self.db = db
        self.settings = settings
        if settings.graphs:
            from app.agents.byo import register_graphs

            register_graphs(settings.graphs)
        if settings.configs:
            from app.agents.project import register_configs

            register_configs(settings.configs)
        self.catalog = ToolCatalog(db, settings, tools)
        # What the graphs keep between turns is stored redacted too (the model saw it as typed, in its turn).
        self.checkpointer = make_checkpointer(db, scrub=scrubber())
        self._assemble(self.catalog, cache_size)

    def _assemble(self, catalog: ToolCatalog, cache_size: int, locks=None) -> None:
        self.catalog = catalog
        self.tools = catalog.tools
        if getattr(self, "_stores", None) is None:
            self._stores: list = []

        def store():
            from storage.stores import make_store

            self._stores.append(make_store(self.db))
            return self._stores[-1]

        self.graphs = Graphs(self.settings, catalog.tools, self.checkpointer, cache_size, store=store)
        self.retrieval = ToolRetrieval(self.db, self.settings, catalog.tools)
        self.turns = Turns(self.db, self.settings, catalog, self.graphs, self.retrieval, locks)
        catalog.on_change(self.graphs.clear)
        catalog.on_change(self.retrieval.clear)

    def close(self) -> None:
        """Close the checkpointer's connections (a process that exits needs not; a test that made many does)."""
        close_checkpointer(self.checkpointer)
        from storage.stores import close_store

        for store in getattr(self, "_stores", []):
            close_store(store)

    def with_tools(self, tools: ToolRegistry) -> "Runner":
        """This runner with a tool registry of its own (a benchmark item's mocked APIs): the same database,
        checkpointer and session locks, so a view costs no connections; it loads no stored tools."""
        view = copy.copy(self)
        view._assemble(ToolCatalog(self.db, self.settings, tools, stored=False), 8, self.turns.locks)
        return view

    # -- sessions ---------------------------------------------------------------------------------------

    def new_session(self, agent: str, model: str, tools: list[str] | None = None, toolset: str | None = None,
                    owner: str | None = None, settings: dict[str, Any] | None = None, title: str = "",
                    session_id: str | None = None) -> SessionRow:
        """`session_id`: the caller's own id (a LangGraph client's thread id); default a new random one."""
        settings = check_settings(agents.get_agent(agent), settings)
        gateway.check_model(model)
        names = self.resolve_tools(tools, toolset, owner, agent)
        toolset = toolset if names or agents.get_agent(agent).io is None else None
        fields = {} if session_id is None else {"id": session_id}
        return repo.create_session(self.db, agent=agent, model=model, tools=names, toolset=toolset, owner=owner,
                                   settings=settings, title=redact_text(title), **fields)

    def memories(self, owner: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """What opened graphs keep in their LangGraph store for `owner`: namespace, key, value, updated."""
        store = self.graphs.memory(owner)
        if store is None:
            return []
        return [{"namespace": list(i.namespace), "key": i.key, "value": i.value, "updated_at": str(i.updated_at)}
                for i in store.search((), limit=limit)]

    def trace(self, session_id: str, owner: str | None = None) -> dict[str, Any]:
        from app.tracing.document import trace_document

        return trace_document(self.db, session_id, owner)

    def chat_view(self, session_id: str, owner: str | None = None, last_steps: int = 200) -> dict[str, Any]:
        """What the chat shows of a session (its latest steps, every question), read without the rest."""
        from app.tracing.document import chat_document

        return chat_document(self.db, session_id, owner, last_steps)

    def graph_mermaid(self, session_id: str) -> str:
        """The session's agent graph as Mermaid text (an imported session's design, drawn without its tools)."""
        return self.graphs.graph_mermaid(repo.get_session(self.db, session_id))

    # -- turns (app.turns) ------------------------------------------------------------------------------

    def stop(self, session_id: str, owner: str | None = None) -> bool:
        """Stop the session's running turn after its current step (see Turns.stop); another owner's: NotFound."""
        repo.get_session(self.db, session_id, owner)
        return self.turns.stop(session_id)

    def turn(self, session_id: str, message: str | None = None, answer: str | None = None,
             owner: str | None = None, on_event: Callable[[Event], None] | None = None,
             retry: bool = False) -> TurnResult:
        return self.turns.turn(session_id, message, answer, owner, on_event, retry)

    def stream(self, session_id: str, message: str | None = None, answer: str | None = None,
               owner: str | None = None, deltas: bool = True, proceed: str | None = None,
               retry: bool = False) -> Iterator[Event]:
        return self.turns.stream(session_id, message, answer, owner, deltas, proceed, retry)

    def play(self, session_id: str, message: str | None = None,
             answers: Iterable[str] | Callable[[ClarificationRequest], str | None] = (), owner: str | None = None,
             max_rounds: int | None = None) -> TurnResult:
        return self.turns.play(session_id, message, answers, owner, max_rounds)

    def pending_question(self, session_id: str) -> ClarificationRequest | None:
        return self.turns.pending_question(session_id)

    # -- tools (app.catalog) and graphs (app.graphs) ----------------------------------------------------

    def resolve_tools(self, tools: list[str] | None = None, toolset: str | None = None,
                      owner: str | None = None, agent: str | None = None) -> list[str]:
        """The tool names a session of `agent` gets; none for an opened project's graph, which has its own."""
        spec = agents.AGENTS.get(agent) if agent else None
        if spec is not None and spec.io is not None:
            return []
        return self.catalog.resolve_tools(tools, toolset, owner)

    def sync_tools(self) -> bool:
        return self.catalog.sync_tools()

    def add_custom_tools(self, source: str, filename: str, owner: str | None = None, **limits: Any) -> list[str]:
        return self.catalog.add_custom_tools(source, filename, owner, **limits)

    def removable_tools(self, owner: str | None = None) -> list[str]:
        return self.catalog.removable(owner)

    def remove_tool(self, name: str, owner: str | None = None) -> None:
        self.catalog.remove_tool(name, owner)

    def import_openapi(self, source: str, **options: Any) -> list[str]:
        return self.catalog.import_openapi(source, **options)

    def import_mcp(self, target: str, **options: Any) -> list[str]:
        return self.catalog.import_mcp(target, **options)

    def try_tool(self, name: str, arguments: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
        return self.catalog.try_tool(name, arguments, owner)

    def graph_for(self, session: SessionRow, tools: list[str] | None = None):
        return self.graphs.graph_for(session, tools)

    def design_graph(self, agent: str, settings: dict[str, Any] | None = None):
        return self.graphs.design_graph(agent, settings)

    def design_mermaid(self, agent: str, settings: dict[str, Any] | None = None) -> str:
        return self.graphs.design_mermaid(agent, settings)
