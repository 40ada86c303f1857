"""The Step: one model call, tool call, check, question or plan in a run. One record, used everywhere.

A node opens a step with `with step(kind, node, name, input=...) as s:` and fills in `s.output` (and tokens,
cost, meta). When the block ends the step is timed and emitted on LangGraph's custom stream, where the runner's
recorder stores it at once, or handed straight to the recorder when the run has a step sink (STEP_SINK). A
block that raises records an error step and re-raises; a LangGraph interrupt is not an error and records nothing
(the node runs again on resume). Each step carries the id of the checkpoint its node started from.

The same record goes to the database (`row()`, a `StepRow`'s columns), comes back from it (`from_row`), and is
what a trace document, the API and the export hold (`to_dict()`, with `duration_ms`). Reading this module loads
no LangGraph: traces and share pages are read without it.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Iterator


class StepKind(StrEnum):
    """What a step is. A str: stored, compared and serialised as its value."""

    MODEL = "model"  # a model call
    TOOL = "tool"  # a tool call
    CHECK = "check"  # a model-free check of tool calls (Ask-when-Needed)
    CLARIFICATION = "clarification"  # a question asked and its answer
    PLAN = "plan"  # a plan written or revised (ReWOO, plan-and-execute)
    SUMMARY = "summary"  # IN3's summary of the user's intention
    ANSWER = "answer"  # an answer not from a model call (the request is beyond the tools)
    ERROR = "error"  # the run failed outside any node
    RETRIEVAL = "retrieval"  # the tools a turn was offered, out of a large catalogue
    DECISION = "decision"  # the tool-use gate's choice
    REFINE = "refine"  # a tool call revised before it runs
    SEARCH = "search"  # DFSDT's search tree
    NODE = "node"  # a bring-your-own graph's node update


class StepStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


# Meta keys that behaviour reads (everything else in meta is shown, not acted on).
OFFERED_TOOLS = "offered_tools"  # retrieval: the tools the turn was offered (a resumed run offers the same)
CLARIFICATION_ID = "clarification_id"  # clarification: the stored question (time travel re-answers it)
TOOL_CALL_ID = "tool_call_id"  # tool: the model's call id (time travel edits that call's arguments)
PROVENANCE = "provenance"  # tool: where each argument's value came from


@dataclass
class Step:
    kind: StepKind
    node: str
    name: str
    input: Any = None
    output: Any = None
    status: StepStatus = StepStatus.OK
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    checkpoint_id: str | None = None
    parent_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Set when stored: the step's place in its session.
    session_id: str | None = None
    run_id: str | None = None
    seq: int | None = None

    def __post_init__(self) -> None:
        self.kind = StepKind(self.kind)  # ValueError naming an unknown kind
        self.status = StepStatus(self.status)

    @property
    def duration_ms(self) -> float | None:
        return None if self.ended_at is None else round((self.ended_at - self.started_at) * 1000, 3)

    def end(self, at: float | None = None) -> "Step":
        self.ended_at = time.time() if at is None else at
        return self

    # -- meta that behaviour reads --

    @property
    def offered_tools(self) -> list[str] | None:
        offered = self.meta.get(OFFERED_TOOLS)
        return None if offered is None else list(offered)

    @property
    def clarification_id(self) -> str | None:
        return self.meta.get(CLARIFICATION_ID)

    @property
    def tool_call_id(self) -> str | None:
        return self.meta.get(TOOL_CALL_ID)

    # -- the record's shapes --

    def row(self) -> dict[str, Any]:
        """The `StepRow` columns (input and output as they are; the recorder stores them serialised)."""
        return {f: _plain(getattr(self, f)) for f in ROW_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """The step as a trace document, the API and an export hold it."""
        return {**self.row(), "duration_ms": self.duration_ms}

    @classmethod
    def from_row(cls, row: Any) -> "Step":
        """From a `StepRow` (or anything with its attributes)."""
        return cls(**{f: getattr(row, f) for f in ROW_FIELDS if f != "meta"}, meta=dict(row.meta or {}))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Step":
        """From a trace document's step (its `duration_ms` and any unknown key are left out)."""
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})


_FIELDS = frozenset(f.name for f in fields(Step))
# The stored columns, in the order a trace lists them.
ROW_FIELDS = ("id", "session_id", "run_id", "seq", "parent_id", "node", "kind", "name", "status", "started_at",
              "ended_at", "input", "output", "error", "prompt_tokens", "completion_tokens", "cost", "checkpoint_id",
              "meta")


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, StrEnum) else value


def step_dict(row: Any) -> dict[str, Any]:
    """A stored step as a trace holds it."""
    return Step.from_row(row).to_dict()


def usage_of(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Tokens, cost and calls of a list of step dicts, in total and per graph node."""
    prompt = sum(s["prompt_tokens"] for s in steps)
    completion = sum(s["completion_tokens"] for s in steps)
    return {
        "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        "cost": round(sum(s["cost"] for s in steps), 8),
        "model_calls": sum(1 for s in steps if s["kind"] == StepKind.MODEL),
        "tool_calls": sum(1 for s in steps if s["kind"] == StepKind.TOOL),
        "by_node": _usage_by_node(steps),
    }


def _usage_by_node(steps: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Model calls and tokens per graph node: where a design spends its tokens (ReWOO's planner and solver vs
    ReAct's agent)."""
    nodes: dict[str, dict[str, int]] = {}
    for s in steps:
        if s["kind"] == StepKind.MODEL:
            entry = nodes.setdefault(s["node"], {"model_calls": 0, "prompt_tokens": 0, "completion_tokens": 0})
            entry["model_calls"] += 1
            entry["prompt_tokens"] += s["prompt_tokens"]
            entry["completion_tokens"] += s["completion_tokens"]
    return nodes


# -- inside a node: open, time and emit a step ---------------------------------------------------------------

STEP_SINK = "step_sink"  # a configurable key: a function that stores each step, in place of the custom stream
STOP_CHECK = "stop_check"  # a configurable key: a function that says whether the running turn was asked to stop


def stop_check():
    """The running turn's STOP_CHECK, or None (outside a run, or a run that cannot be stopped)."""
    try:
        from langgraph.config import get_config

        return (get_config().get("configurable") or {}).get(STOP_CHECK)
    except (RuntimeError, KeyError, ImportError):
        return None


def emit(payload: dict[str, Any]) -> None:
    """Send `payload` on the custom stream of the running graph; a no-op outside a streamed run."""
    try:
        from langgraph.config import get_stream_writer

        writer = get_stream_writer()
    except (RuntimeError, KeyError):
        return
    writer(payload)


def emit_step(s: Step) -> None:
    """A finished step: to the run's step sink if it has one (stored from the node's thread as it ends), else
    on the custom stream (the runner stores it as it reads it)."""
    try:
        from langgraph.config import get_config

        sink = get_config()["configurable"].get(STEP_SINK)
    except (RuntimeError, KeyError):
        sink = None
    if sink is not None:
        sink(s)
    else:
        emit({"type": "step", "step": s})


def current_checkpoint_id() -> str | None:
    """The checkpoint the running node started from (where time travel forks), if inside a graph run."""
    try:
        from langgraph.config import get_config

        return get_config().get("configurable", {}).get("checkpoint_map", {}).get("")
    except RuntimeError:
        return None


@contextmanager
def step(kind: StepKind | str, node: str, name: str, input: Any = None, **meta: Any) -> Iterator[Step]:
    from langgraph.errors import GraphBubbleUp

    s = Step(kind=kind, node=node, name=name, input=input, meta=meta, checkpoint_id=current_checkpoint_id())
    try:
        yield s
    except GraphBubbleUp:  # interrupt(): not a failure; the node runs again on resume
        raise
    except Exception as exc:
        s.status = StepStatus.ERROR
        # A ModelError already reads "model 'x' failed: ..."; anything else gets its exception type.
        s.error = str(exc) if str(exc).startswith("model ") else f"{type(exc).__name__}: {exc}"
        emit_step(s.end())
        raise
    s.ended_at = s.ended_at or time.time()
    emit_step(s)


def tree_order(steps: list[Any]) -> list[tuple[int, Any]]:
    """(depth, step) in tree order: each step under its parent (an opened graph's node, subgraph, model call),
    siblings as they started; the steps without one in their order. Steps are Step records or their dicts."""
    def get(step: Any, name: str) -> Any:
        return step.get(name) if isinstance(step, dict) else getattr(step, name)

    ids = {get(s, "id") for s in steps}
    children: dict[Any, list[Any]] = {}
    for s in steps:
        parent = get(s, "parent_id")
        children.setdefault(parent if parent in ids else None, []).append(s)
    out: list[tuple[int, Any]] = []
    todo = [(0, s) for s in reversed(children.get(None, []))]
    while todo:
        depth, step = todo.pop()
        out.append((depth, step))
        todo += [(depth + 1, c) for c in sorted(children.get(get(step, "id"), []),
                                                 key=lambda c: get(c, "started_at") or 0, reverse=True)]
    return out
