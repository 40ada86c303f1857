"""Agent designs: each is a module with a `build(ctx) -> StateGraph`, registered here with one line.

Bring-your-own designs are registered at run time with `register()` (see `app.agents.byo`). `build_graph`
builds a design for a session and applies the settings every design shares (the tool-use gate).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

from langgraph.graph import StateGraph

from app.agents import awn, dfsdt, interact, oracle, plan_execute, react, rewoo
from app.agents.base import AgentContext, edit_call_in_messages
from app.agents.gate import with_gate


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
    settings: tuple[str, ...] = ()  # design-specific settings, shown in the UI
    source: str = "built-in"  # or the module:factory of a bring-your-own graph
    settings_hint: str = ""  # an example of its settings as JSON (the UI's placeholder)
    # The `[task:NAME]` prompts it sends: each must have a handler in the offline demo model (a test checks).
    demo_tasks: tuple[str, ...] = ()
    # Where its graph state holds a proposed tool call, for time travel to rewrite the arguments:
    # (checkpoint channel values, the call's id, new arguments) -> a state update, or None if not there.
    edit_call: Callable[[dict, str | None, dict], dict | None] = edit_call_in_messages
    # A check of the eval harness, not a design to chat with: offered in the Eval tab and the CLI only.
    harness: bool = False
    # An opened LangGraph project's graph (app.agents.project): its input, context and output (a GraphIO).
    io: Any = None

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description, "paper": self.paper,
                "settings": [*self.settings, "tool_gate"], "source": self.source, "harness": self.harness,
                **({"io": self.io.to_dict()} if self.io is not None else {})}


AGENTS: dict[str, AgentSpec] = {}


def register(spec: AgentSpec, *, replace: bool = False) -> AgentSpec:
    if spec.name in AGENTS and not replace:
        raise ValueError(f"an agent named {spec.name!r} is already registered")
    AGENTS[spec.name] = spec
    return spec


# Graphs of opened projects that could not be opened while the project's others were: name -> the one line why.
UNOPENED: dict[str, str] = {}


def get_agent(name: str) -> AgentSpec:
    if name in AGENTS:
        return AGENTS[name]
    if name in UNOPENED:
        raise UnknownAgentError(UNOPENED[name])
    close = difflib.get_close_matches(name, AGENTS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnknownAgentError(f"unknown agent {name!r}{hint}; known agents: {', '.join(AGENTS)}")


def build_graph(name: str, ctx: AgentContext):
    """The design's graph for `ctx` (a StateGraph, or a compiled graph from a bring-your-own factory), with the
    tool-use gate in front when the `tool_gate` setting is on."""
    graph = get_agent(name).build(ctx)
    if ctx.settings.get("tool_gate"):
        if not isinstance(graph, StateGraph):
            graph = getattr(graph, "builder", None)
            if not isinstance(graph, StateGraph):
                raise ValueError(f"the tool-use gate cannot be put in front of agent {name!r}: it is not a StateGraph")
        graph = with_gate(graph, ctx)
    return graph


register(AgentSpec(
    "react", "ReAct",
    "Reason and act: the model calls tools and reads their results in a loop until it can answer. "
    "It never stops to ask; a missing argument surfaces as a tool error.",
    "Yao et al., ReAct: Synergizing Reasoning and Acting in Language Models (ICLR 2023)",
    react.build, ("refine",), demo_tasks=("refine_call",),
))
register(AgentSpec(
    "awn", "Ask-when-Needed",
    "Before each tool call runs, a model-free check (missing, invalid or unguided arguments) and a reflection "
    "step judge the call against the instruction: proceed, ask the user (interrupt), or say the request is "
    "beyond the tools. Settings: strictness (guesses | missing_only), reflection, max_questions.",
    "Wang et al., Learning to Ask: When LLMs Meet Unclear Instruction (2024); NoisyToolBench",
    awn.build, ("strictness", "reflection", "max_questions", "refine"),
    settings_hint='{"strictness": "guesses", "reflection": true, "max_questions": 3}',
    demo_tasks=("awn_reflect", "refine_call"),
))
register(AgentSpec(
    "interact", "IN3 Interact",
    "Judges whether the task is vague; if so asks about the missing details one at a time with options (at "
    "most 5 rounds; 'skip' ends), summarises the user's intention, then executes with the ReAct loop.",
    "Qian et al., Tell Me More! Towards Implicit User Intention Understanding of Language Model Driven Agents "
    "(ACL 2024); Mistral-Interact",
    interact.build, ("max_rounds",), settings_hint='{"max_rounds": 5}',
    demo_tasks=("interact_judge", "interact_given", "interact_summary"),
))
register(AgentSpec(
    "rewoo", "ReWOO",
    "Reasoning without observation: the planner writes the whole plan in one model call, naming each tool "
    "result #E1, #E2... for later steps; workers run the tools with no model call; a solver answers from the "
    "evidence. Fewer tokens than ReAct (compare the per-node usage), but the plan cannot adapt to results.",
    "Xu et al., ReWOO: Decoupling Reasoning from Observations for Efficient Augmented Language Models (2023)",
    rewoo.build, demo_tasks=("rewoo_plan", "rewoo_solve"), edit_call=rewoo.edit_call,
))
register(AgentSpec(
    "plan_execute", "Plan-and-Execute",
    "A planner lists the steps; an executor does one step at a time with the tools; after each step a "
    "re-planner finishes or rewrites the remaining steps, e.g. when a step failed or found something new.",
    "Wang et al., Plan-and-Solve Prompting (ACL 2023); LangGraph's plan-and-execute agent, after BabyAGI",
    plan_execute.build, demo_tasks=("pe_plan", "pe_step", "pe_replan"),
))
register(AgentSpec(
    "dfsdt", "DFSDT (ToolLLM)",
    "Depth-first search over a decision tree of tool calls: a failed call or a give-up ends a branch, the "
    "search backtracks and tries a different action there, bounded by width, depth and a model-call budget. "
    "The inspector draws the tree.",
    "Qin et al., ToolLLM: Facilitating Large Language Models to Master 16000+ Real-world APIs (ICLR 2024)",
    dfsdt.build, ("width", "depth", "budget"), settings_hint='{"width": 2, "depth": 6, "budget": 12}',
    demo_tasks=("dfsdt",),
))
register(AgentSpec(
    "oracle", "Oracle (harness check)",
    "Knows each benchmark item's answer key: asks exactly the needed question, then makes exactly the expected "
    "calls, or says the request is beyond the tools. It must score A1 = A2 = 1 on any suite; anything less is a "
    "bug in the harness. Only for `playground eval` and the Eval tab.",
    "The playground's own harness check", oracle.build, harness=True,
))
