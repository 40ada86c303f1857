"""Two bring-your-own agent designs for Agent Playground.

    playground serve --graph examples.byo_graph:cited_agent
    playground run --graph examples.byo_graph:cited_agent --tools weather "Weather in Paris?"

`cited_agent` is built on the playground's helpers, so its model and tool calls are traced like the built-in
designs'. `plain_agent` is plain LangGraph (MessagesState, LiteLLM called directly, compiled by the factory):
it works too, and each of its node updates becomes a step in the trace.
"""

from __future__ import annotations

import json

from langgraph.graph import END, START, MessagesState, StateGraph

from app.agents.base import AgentContext, AgentState, call_model, run_tool_calls, turn_messages

SYSTEM = ("You are a careful assistant with tools. Use a tool when the answer depends on it; never invent "
          "argument values.")


def cited_agent(model: str, tools: list) -> StateGraph:
    """ReAct with citations: after the model answers, a node lists the tool results the answer rests on, so the
    reader can check every claim against its source."""
    ctx = AgentContext(model=model, tools=tools)

    def agent(state: AgentState) -> dict:
        reply = call_model(ctx, [{"role": "system", "content": SYSTEM}, *state["messages"]], node="agent",
                           tools=ctx.tool_schemas or None, stream=True)
        return {"messages": [reply.message]}

    def cite(state: AgentState) -> dict:
        turn = turn_messages(state["messages"])
        calls = {c["id"]: c["function"] for m in turn for c in m.get("tool_calls") or []}
        sources = [f"[{i}] {calls[m['tool_call_id']]['name']}({calls[m['tool_call_id']]['arguments']})"
                   for i, m in enumerate((m for m in turn if m.get("role") == "tool" and m.get("tool_call_id") in calls), 1)]
        answer = str(state["messages"][-1].get("content") or "")
        text = answer + ("\n\nSources: " + "; ".join(sources) if sources else "\n\n(No tool was used.)")
        return {"messages": [{"role": "assistant", "content": text}]}

    graph = StateGraph(AgentState)
    graph.add_node("agent", agent)
    graph.add_node("tools", lambda state: run_tool_calls(ctx, state, state["messages"][-1]["tool_calls"]))
    graph.add_node("cite", cite)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", lambda s: "tools" if s["messages"][-1].get("tool_calls") else "cite",
                                ["tools", "cite"])
    graph.add_edge("tools", "agent")
    graph.add_edge("cite", END)
    return graph


cited_agent.agent_name = "cited"


def plain_agent(model: str, tools: list):
    """Plain LangGraph: one LiteLLM call with the tools, the tools run, one more call to answer."""
    import litellm

    by_name = {t.name: t for t in tools}

    def agent(state: MessagesState) -> dict:
        from langchain_core.messages import convert_to_openai_messages

        response = litellm.completion(model=model, messages=convert_to_openai_messages(state["messages"]),
                                      tools=[t.openai for t in tools] or None)
        message = response.choices[0].message
        return {"messages": [{"role": "assistant", "content": message.content or "", "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls or []]}]}

    def act(state: MessagesState) -> dict:
        results = []
        for call in state["messages"][-1].tool_calls:
            tool = by_name.get(call["name"])
            try:
                content = json.dumps(tool.handler(**call["args"]), default=str) if tool else f"Error: no tool {call['name']}"
            except Exception as exc:  # a tool error goes back to the model
                content = f"Error: {exc}"
            results.append({"role": "tool", "tool_call_id": call["id"], "content": content})
        return {"messages": results}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("act", act)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", lambda s: "act" if s["messages"][-1].tool_calls else END, ["act", END])
    graph.add_edge("act", "agent")
    return graph.compile()


plain_agent.agent_name = "plain_langgraph"
