"""ReAct (Yao et al., 2023) as native tool calling: the model reasons, calls tools, sees results, repeats.

    START -> agent --tool calls--> tools -> agent
                   --answer------> END
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

import app.agents.refine as refine
from app.agents.base import AgentContext, AgentState, call_model, run_tool_calls, today, turn_messages

SYSTEM = (
    "You are a helpful assistant with tools. Use a tool when it helps answer; answer directly when it does not. "
    "Never invent values for tool arguments the user did not give. Today is {today}."
)


def system_prompt(ctx: AgentContext) -> dict:
    return {"role": "system", "content": ctx.settings.get("system_prompt") or SYSTEM.format(today=today())}


def agent_node(ctx: AgentContext, node: str = "agent"):
    def agent(state: AgentState) -> dict:
        done = [m for m in turn_messages(state["messages"]) if m.get("role") == "assistant"]
        if len(done) >= ctx.max_steps:
            return {"messages": [{"role": "assistant", "content":
                    f"I stopped after {ctx.max_steps} model calls without finishing; try a simpler request."}]}
        reply = call_model(ctx, [system_prompt(ctx), *state["messages"]], node=node,
                           tools=ctx.tool_schemas or None, stream=True)
        return {"messages": [reply.message]}

    return agent


def has_tool_calls(state: AgentState) -> bool:
    return bool(state["messages"][-1].get("tool_calls"))


def build(ctx: AgentContext) -> StateGraph:
    """With the `refine` setting, proposed calls go through the refinement node first (app.agents.refine)."""
    graph = StateGraph(AgentState)
    graph.add_node("tools", lambda state: run_tool_calls(ctx, state, state["messages"][-1]["tool_calls"]))
    graph.add_edge(START, "agent")
    graph.add_edge("tools", "agent")
    if not refine.rounds(ctx):
        graph.add_node("agent", agent_node(ctx))
        graph.add_conditional_edges("agent", lambda s: "tools" if has_tool_calls(s) else END, ["tools", END])
        return graph
    propose = agent_node(ctx)

    def agent(state: AgentState) -> dict:
        update = propose(state)
        message = update["messages"][0]
        return {"scratch": {"proposed": message}} if message.get("tool_calls") else update

    def refine_node(state: AgentState) -> dict:
        proposed = (state.get("scratch") or {})["proposed"]
        return {"messages": [refine.refine_message(ctx, proposed, state["messages"])], "scratch": {"proposed": None}}

    graph.add_node("agent", agent)
    graph.add_node("refine", refine_node)
    graph.add_conditional_edges("agent", lambda s: "refine" if (s.get("scratch") or {}).get("proposed") else END,
                                ["refine", END])
    graph.add_edge("refine", "tools")
    return graph
