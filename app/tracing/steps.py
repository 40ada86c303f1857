"""The Step: one model call, tool call, check, question or plan in a run. One record, used everywhere.

Each step carries the id of the checkpoint its node started from, read from the node's config. Nodes open a step
with `with step(kind, node, name, input=...) as s:` and fill in `s.output` (and tokens, cost, meta). When the
block ends the step is timed and emitted on LangGraph's custom stream, where the runner's recorder stores it at
once, or handed straight to the recorder when the run has a step sink (STEP_SINK). A block that raises records
an error step and re-raises; a LangGraph interrupt is not an error and records nothing (the node runs again on
resume).
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from langgraph.errors import GraphBubbleUp


@dataclass
class Step:
    kind: str  # model | tool | check | clarification | plan | summary | answer | error
    node: str
    name: str
    input: Any = None
    output: Any = None
    status: str = "ok"  # ok | error
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

    @property
    def duration_ms(self) -> float | None:
        return None if self.ended_at is None else round((self.ended_at - self.started_at) * 1000, 3)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "duration_ms": self.duration_ms}


STEP_SINK = "step_sink"  # a configurable key: a function that stores each step, in place of the custom stream


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
def step(kind: str, node: str, name: str, input: Any = None, **meta: Any) -> Iterator[Step]:
    s = Step(kind=kind, node=node, name=name, input=input, meta=meta, checkpoint_id=current_checkpoint_id())
    try:
        yield s
    except GraphBubbleUp:  # interrupt(): not a failure; the node runs again on resume
        raise
    except Exception as exc:
        s.status = "error"
        # A ModelError already reads "model 'x' failed: ..."; anything else gets its exception type.
        s.error = str(exc) if str(exc).startswith("model ") else f"{type(exc).__name__}: {exc}"
        s.ended_at = time.time()
        emit_step(s)
        raise
    s.ended_at = s.ended_at or time.time()
    emit_step(s)
