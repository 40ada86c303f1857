"""Agent designs: each is a module with a `build(ctx) -> StateGraph`, registered here with one line.

Bring-your-own designs are registered at run time with `register()`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

from langgraph.graph import StateGraph

from app.agents import react
from app.agents.base import AgentContext


class UnknownAgentError(KeyError):
    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class AgentSpec:
    name: str
    title: str
    description: str
    paper: str
    build: Callable[[AgentContext], StateGraph]


AGENTS: dict[str, AgentSpec] = {}


def register(spec: AgentSpec, *, replace: bool = False) -> AgentSpec:
    if spec.name in AGENTS and not replace:
        raise ValueError(f"an agent named {spec.name!r} is already registered")
    AGENTS[spec.name] = spec
    return spec


def get_agent(name: str) -> AgentSpec:
    if name in AGENTS:
        return AGENTS[name]
    close = difflib.get_close_matches(name, AGENTS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnknownAgentError(f"unknown agent {name!r}{hint}; known agents: {', '.join(AGENTS)}")


register(AgentSpec(
    "react", "ReAct",
    "Reason and act: the model calls tools and reads their results in a loop until it can answer. "
    "It never stops to ask; a missing argument surfaces as a tool error.",
    "Yao et al., ReAct: Synergizing Reasoning and Acting in Language Models (ICLR 2023)",
    react.build,
))
