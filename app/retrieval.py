"""Tool retrieval: past a number of tools (`retrieval_threshold`), each turn is offered only the top k for its
message (BM25 by default, or an embedding model's index, built once per tool list). The choice is a step of its
own, and a resumed run keeps the tools its turn was offered."""

from __future__ import annotations

import threading
import time

from app.config import Settings
from app.llm import gateway
from app.tracing.steps import OFFERED_TOOLS, Step, StepKind
from storage import repo
from storage.engine import Database
from storage.models import SessionRow
from tools.registry import ToolRegistry


class ToolRetrieval:
    def __init__(self, db: Database, settings: Settings, tools: ToolRegistry):
        self.db = db
        self.settings = settings
        self.tools = tools
        self._indexes: dict[tuple, object] = {}
        self._guard = threading.Lock()

    def clear(self) -> None:
        """Forget embedding indexes (they may hold an older version of a tool)."""
        with self._guard:
            self._indexes.clear()

    def offer(self, session: SessionRow, message: str) -> tuple[list[str] | None, Step | None]:
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
        step = Step(kind=StepKind.RETRIEVAL, node="retrieval", name="tool retrieval", started_at=started,
                    input={"query": query, "method": index.method, "catalog": len(session.tools), "k": k},
                    output={"offered": [r.name for r in ranked], "scores": {r.name: r.score for r in ranked}},
                    meta={OFFERED_TOOLS: offered, **({"fallback": note} if note else {})})
        return offered, step.end()

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

    def offered_in_run(self, session_id: str, run_id: str) -> list[str] | None:
        for row in repo.steps_for_session(self.db, session_id, run_id=run_id):
            if row.kind == StepKind.RETRIEVAL:
                return Step.from_row(row).offered_tools or []
        return None
