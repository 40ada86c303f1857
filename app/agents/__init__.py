"""Agent designs: each is a module with a `build(ctx) -> StateGraph`, registered here with one line.

Bring-your-own designs are registered at run time with `register()`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

from langgraph.graph import StateGraph

from app.agents import awn, interact, react
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
register(AgentSpec(
    "awn", "Ask-when-Needed",
    "Before each tool call runs, a model-free check (missing, invalid or unguided arguments) and a reflection "
    "step judge the call against the instruction: proceed, ask the user (interrupt), or say the request is "
    "beyond the tools. Settings: strictness (guesses | missing_only), reflection, max_questions.",
    "Wang et al., Learning to Ask: When LLMs Meet Unclear Instruction (2024); NoisyToolBench",
    awn.build,
))
register(AgentSpec(
    "interact", "IN3 Interact",
    "Judges whether the task is vague; if so asks about the missing details one at a time with options (at "
    "most 5 rounds; 'skip' ends), summarises the user's intention, then executes with the ReAct loop.",
    "Qian et al., Tell Me More! Towards Implicit User Intention Understanding of Language Model Driven Agents "
    "(ACL 2024); Mistral-Interact",
    interact.build,
))
