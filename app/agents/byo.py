"""Bring your own graph: `playground serve --graph package.module:factory` (or `run --graph`, or the
`PLAYGROUND_GRAPHS` variable, comma-separated) adds a design of your own next to the built-in ones.

`factory(model, tools)` gets the session's model string and its tools (`tools.model.Tool` records: name,
description, JSON schema, `openai` schema, handler) and returns a LangGraph `StateGraph`, or a graph compiled
from one (it is recompiled with the playground's checkpointer, keeping its interrupt points). Module-level
`AGENT_NAME`, `AGENT_TITLE` and `AGENT_PAPER` (or a `agent_name` attribute on the factory) name it; the
factory's docstring describes it.

For full traces build on `app.agents.base` (`AgentState`, `AgentContext`, `call_model`, `run_tool_calls`):
model calls and tool calls are then recorded like the built-in designs'. A graph that calls models its own way
still gets one `node` step per node update. `interrupt()` payloads in the clarification format become
questions in the UI. See `examples/byo_graph.py`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys

from app.agents import AGENTS, AgentSpec, register
from app.agents.base import AgentContext


class GraphSpecError(ValueError):
    """A --graph spec that cannot be loaded; the message names the spec and the problem."""


def _first_paragraph(text: str | None) -> str:
    return " ".join((inspect.cleandoc(text or "").split("\n\n") or [""])[0].split())


def load(spec: str) -> AgentSpec:
    module_name, sep, attr = spec.strip().partition(":")
    if not sep or not module_name or not attr:
        raise GraphSpecError(f"--graph {spec!r}: expected package.module:factory")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a broken module is the user's code: report it, do not crash the server
        raise GraphSpecError(f"--graph {spec!r}: cannot import {module_name!r}: {type(exc).__name__}: {exc}") from exc
    factory = getattr(module, attr, None)
    if factory is None:
        raise GraphSpecError(f"--graph {spec!r}: module {module_name!r} has no attribute {attr!r}")
    if not callable(factory):
        raise GraphSpecError(f"--graph {spec!r}: {attr!r} is a {type(factory).__name__}, not a callable factory")
    name = str(getattr(factory, "agent_name", None) or getattr(module, "AGENT_NAME", None) or attr)
    existing = AGENTS.get(name)
    if existing is not None and existing.source != spec:
        raise GraphSpecError(f"--graph {spec!r}: the name {name!r} is taken by {existing.source} agent "
                             f"{existing.title!r}; set AGENT_NAME in {module_name}")

    def build(ctx: AgentContext):
        from app.llm import gateway

        gateway.litellm()  # the graph may call LiteLLM itself: with our offline providers registered in it
        graph = factory(ctx.model, ctx.tools)
        if graph is None:
            raise GraphSpecError(f"{spec} returned None; it must return a StateGraph or a compiled graph")
        return graph

    return AgentSpec(
        name=name, title=str(getattr(module, "AGENT_TITLE", None) or name),
        description=_first_paragraph(factory.__doc__) or _first_paragraph(module.__doc__) or f"Your graph from {spec}.",
        paper=str(getattr(module, "AGENT_PAPER", None) or f"bring your own graph: {spec}"),
        build=build, source=spec,
    )


def register_graphs(specs: tuple[str, ...] | list[str]) -> list[AgentSpec]:
    """Load and register each spec (idempotent for the same spec)."""
    return [register(load(spec), replace=True) for spec in specs]
