"""The oracle: the harness's own check, not an agent to study. It knows the benchmark item's answer key (the
eval harness writes it into the session's settings as `oracle_script`): it asks exactly the question the item
says is needed, then makes exactly the expected calls, or, on an item beyond the tools (IBTC), says so. On any
file in a supported format it must score A1 = A2 = 1; less is a bug in the harness (a name the mocked tools do
not answer to, a simulated user who does not answer, a metric that counts wrong), never in the oracle.

    START -> ask (interrupt, if the item needs a question) -> act (the expected calls, or unsupported) -> END
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from app.agents.base import AgentContext, AgentState, run_tool_calls, tool_call
from app.clarify.request import ClarificationRequest
from app.tracing.steps import step

SCRIPT = "oracle_script"  # the settings key: {"question": str, "calls": [{"name", "arguments"}], "unsupported": bool}


def build(ctx: AgentContext) -> StateGraph:
    script: dict[str, Any] = dict(ctx.settings.get(SCRIPT) or {})
    names = {t.name for t in ctx.tools}

    def ask(state: AgentState) -> dict:
        question = str(script.get("question") or "").strip()
        if not question or script.get("unsupported") or (state.get("scratch") or {}).get("oracle_asked"):
            return {}
        request = ClarificationRequest(kind="missing_argument", question=question, detected_by="oracle",
                                       reason="the item says this question is needed").to_dict()
        answer = interrupt(request)
        return {"messages": [{"role": "assistant", "content": question}, {"role": "user", "content": str(answer)}],
                "scratch": {"oracle_asked": True, "answers": [len(state["messages"]) + 1]}}

    def act(state: AgentState) -> dict:
        if script.get("unsupported"):
            text = "I can't do that: none of the tools in this set can serve this request."
            with step("answer", "act", "unsupported_request", input=script) as s:
                s.output = text
            return {"messages": [{"role": "assistant", "content": text}]}
        messages: list[dict] = []
        for i, call in enumerate(script.get("calls") or []):
            if call["name"] not in names:  # the harness gave a name no mocked tool has: its bug, shown as one
                messages.append({"role": "assistant", "content": f"(no tool named {call['name']!r} to call)"})
                continue
            proposed = tool_call(call["name"], dict(call.get("arguments") or {}), f"oracle_{i}")
            messages.append({"role": "assistant", "content": "", "tool_calls": [proposed]})
            messages.extend(run_tool_calls(ctx, {**state, "messages": [*state["messages"], *messages]},
                                           [proposed])["messages"])
        results = [m["content"] for m in messages if m.get("role") == "tool"]
        return {"messages": [*messages, {"role": "assistant", "content": "Done: " + " | ".join(results)
                                          if results else "Done."}]}

    graph = StateGraph(AgentState)
    graph.add_node("ask", ask)
    graph.add_node("act", act)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", "act")
    graph.add_edge("act", END)
    return graph
