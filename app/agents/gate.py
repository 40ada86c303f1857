"""A tool-use decision gate in front of any design (SMART, Qian et al., 2025, "SMART: Self-Aware Agent for
Tool Overuse Mitigation"; MetaTool, Huang et al., 2024): one model call decides whether the message needs a
tool at all. "hi" or "what is 2+2" are answered directly; everything else goes on to the design unchanged.

    START -> gate --direct answer--> END
                  --needs a tool---> <the design's entry node> -> ...

Setting `tool_gate: true` on any session. It rewires the design's StateGraph before compilation, so it works
for every built-in design and for bring-your-own graphs given as an uncompiled StateGraph with one entry.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from app.agents.base import AgentContext, call_model, parse_json, text_turns, tool_catalog
from app.tracing.steps import step

SYSTEM = """[task:tool_gate]
Decide whether answering the user's latest message needs one of the tools below, or whether you can answer it
directly and correctly yourself (greetings, small talk, simple facts and arithmetic you are sure of). Use a tool
whenever the answer depends on live data, on the user's own data, on an action, or on a computation you could
get wrong.

Tools:
{catalog}

Reply with JSON only: {{"use_tools": true|false, "answer": "<your answer, when use_tools is false>",
"reason": "..."}}"""


def with_gate(graph: StateGraph, ctx: AgentContext) -> StateGraph:
    """Put the gate in front of `graph`'s entry node (in place; returns the graph)."""
    entries = [edge for edge in graph.edges if edge[0] == START]
    if len(entries) != 1 or START in graph.branches:
        raise ValueError("the tool-use gate needs a graph with exactly one fixed entry node")
    if "gate" in graph.nodes:
        raise ValueError("the graph already has a node named 'gate'")
    entry = entries[0][1]
    system = SYSTEM.format(catalog=tool_catalog(ctx.tools) or "(no tools)")

    def gate(state: dict) -> dict:
        messages = text_turns(state.get("messages") or [])
        reply = call_model(ctx, [{"role": "system", "content": system}, *messages[-6:]], node="gate",
                           name="tool-use decision")
        verdict = parse_json(reply.content) or {"use_tools": True, "reason": "unparseable decision"}
        direct = verdict.get("use_tools") is False and bool(str(verdict.get("answer") or "").strip())
        with step("decision", "gate", "answer directly" if direct else "use tools", input=messages[-1:]) as s:
            s.output = verdict
        if direct:
            return {"messages": [{"role": "assistant", "content": str(verdict["answer"]).strip()}]}
        return {}

    def route(state: dict) -> str:
        last = (state.get("messages") or [None])[-1]
        role = last.get("role") if isinstance(last, dict) else getattr(last, "type", None)
        return END if role in ("assistant", "ai") else entry

    graph.edges.discard(entries[0])
    graph.add_node("gate", gate)
    graph.add_edge(START, "gate")
    graph.add_conditional_edges("gate", route, [entry, END])
    return graph
