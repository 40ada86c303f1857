"""Graph building: a session's agent design, model, tools and settings compiled into a LangGraph graph with
the checkpointer, cached (compiling costs more than a turn's bookkeeping), and drawn as Mermaid."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from typing import Any, Iterator

from app import agents
from app.agents.base import AgentContext
from app.config import Settings
from app.errors import TurnError
from storage.models import SessionRow
from tools.registry import ToolRegistry


def share_graph_threads() -> None:
    """LangGraph gives every run a thread pool of its own, for checkpoint writes and parallel nodes, and shuts
    it down at the end: two or three threads started and joined per turn (~1 ms each, more under load). All
    runs of this process share one pool instead; it starts a thread only when none is idle, so a run never
    waits for another's. A run that sets `max_concurrency` keeps a pool of that size of its own. Patched
    where LangGraph's BackgroundExecutor looks the factory up; without it (another LangGraph) nothing changes.
    Done once, by the first `Graphs` made (not on import: reading this module changes nothing)."""
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



class Graphs:
    def __init__(self, settings: Settings, tools: ToolRegistry, checkpointer, cache_size: int = 64,
                 store=None):
        share_graph_threads()
        self.settings = settings
        self.tools = tools
        self.checkpointer = checkpointer
        self.store = store  # () -> LangGraph's store on the database, made when an opened graph first needs it
        self._store = None
        self._graphs: OrderedDict[tuple, Any] = OrderedDict()
        self._guard = threading.Lock()
        self._cache_size = cache_size

    def clear(self) -> None:
        """Forget compiled graphs (they may hold an older version of a tool)."""
        with self._guard:
            self._graphs.clear()

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
               json.dumps(session.settings, sort_keys=True), session.owner)  # (an opened graph's memory is per owner)
        with self._guard:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        graph = agents.build_graph(session.agent, self.context_for(session, tools))
        compiled = self._compile(session.agent, graph, session.settings or {}, session.owner)
        with self._guard:
            self._graphs[key] = compiled
            while len(self._graphs) > self._cache_size:
                self._graphs.popitem(last=False)
        return compiled

    def memory(self, owner: str | None):
        """LangGraph's store as `owner` sees it (storage.stores): an opened graph's long-term memory."""
        from storage.stores import owner_store

        with self._guard:
            if self._store is None and self.store is not None:
                self._store = self.store()
        return None if self._store is None else owner_store(self._store, owner)

    def _compile(self, agent: str, graph, settings: dict[str, Any] | None = None, owner: str | None = None):
        """Compile with our checkpointer. A graph compiled elsewhere (a bring-your-own factory, an opened
        project) is recompiled from its builder with its interrupt points, since interrupts and resumption need
        the checkpointer; the session's `interrupt_before` setting names nodes to pause before, and for an
        opened graph `ask_when_needed` puts its ToolNodes behind our check (app.clarify.wrap)."""
        from langgraph.graph import StateGraph

        settings = settings or {}
        extra = list(settings.get("interrupt_before") or [])
        checkpointer, store, checked = self.checkpointer, None, lambda builder: builder
        if agents.get_agent(agent).io is not None:  # an opened project's graph runs with astream (async nodes)
            from app.clarify.wrap import SETTING, wrap_tool_nodes
            from storage.checkpoints import async_capable

            checkpointer, store = async_capable(checkpointer), self.memory(owner)
            if settings.get(SETTING):
                checked = wrap_tool_nodes
        if isinstance(graph, StateGraph):
            return checked(graph).compile(checkpointer=checkpointer, interrupt_before=extra or None, store=store)
        builder = getattr(graph, "builder", None)
        if isinstance(builder, StateGraph):
            builder = checked(builder)
            before = getattr(graph, "interrupt_before_nodes", None) or []
            before = before if before == "*" else list(dict.fromkeys([*before, *extra]))
            return builder.compile(checkpointer=checkpointer, interrupt_before=before or None,
                                   interrupt_after=getattr(graph, "interrupt_after_nodes", None) or None,
                                   store=store or getattr(graph, "store", None),
                                   name=getattr(graph, "name", None) or "LangGraph")
        raise TurnError(f"agent {agent!r} built a {type(graph).__name__}; expected a LangGraph StateGraph or a "
                        "graph compiled from one")

    def design_graph(self, agent: str, settings: dict[str, Any] | None = None):
        """A design's graph compiled without a checkpointer or tools, before any session: to draw it, or to read
        its schemas."""
        ctx = AgentContext(model="demo/offline", tools=[], settings=dict(settings or {}))
        graph = agents.build_graph(agent, ctx)
        return graph.compile() if hasattr(graph, "compile") else graph

    def design_mermaid(self, agent: str, settings: dict[str, Any] | None = None) -> str:
        """A design's graph as Mermaid text, before any session (the chat's agent panel)."""
        return mermaid(self.design_graph(agent, settings))

    def graph_mermaid(self, session: SessionRow) -> str:
        """The session's agent graph as Mermaid text (an imported session's design, drawn without its tools)."""
        if (session.settings or {}).get("read_only"):
            return self.design_mermaid(session.agent, {k: v for k, v in session.settings.items()
                                                       if k in ("tool_gate", "refine")})
        return mermaid(self.graph_for(session))


def mermaid(graph: Any) -> str:
    """A compiled graph as Mermaid text that reads in a light and a dark theme: LangGraph's own styles paint every
    node a fixed light violet, under the dark theme's white labels. Here the theme fills the nodes; the start
    node keeps its see-through fill and the end node a thicker border instead of a fill of its own."""
    from langchain_core.runnables.graph import NodeStyles

    return graph.get_graph().draw_mermaid(node_colors=NodeStyles(default="line-height:1.2", first="fill-opacity:0",
                                                                 last="stroke-width:3px"))


_loop: Any = None
_loop_guard = threading.Lock()


def _event_loop():
    """One event loop of this process, in a thread of its own, for the graphs that run with astream."""
    global _loop
    with _loop_guard:
        if _loop is None:
            import asyncio

            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, daemon=True, name="graphs-async").start()
    return _loop


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


def stream_async(graph_input: Any, config: dict, *, graph, **options) -> Iterator[Any]:
    """`graph.astream(...)` run on the shared event loop, its chunks handed to this thread one by one: a graph
    with async nodes (LangGraph's templates are) runs, and the turn engine reads it as it reads `stream`.
    Leaving early (a stop, an error here) cancels the run."""
    import asyncio
    import concurrent.futures
    import queue

    pipe: queue.Queue = queue.Queue()
    end = object()

    async def pump():
        try:
            async for chunk in graph.astream(graph_input, config, **options):
                pipe.put(chunk)
        except BaseException as exc:  # noqa: BLE001  (handed to the reading thread, which raises it)
            pipe.put(_Failed(exc))
        finally:
            pipe.put(end)

    running = asyncio.run_coroutine_threadsafe(pump(), _event_loop())
    try:
        while (item := pipe.get()) is not end:
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        running.cancel()
        concurrent.futures.wait([running], timeout=30)  # its checkpoint writes done, as a sync stream's are
