"""The oracle: the harness's own check, not an agent to study. It knows the benchmark item's answer key (the
eval harness writes it into the session's settings as `oracle_script`): it asks exactly the question the item
says is needed, then makes exactly the expected calls, or, on an item beyond the tools (IBTC), says so. On any
file in a supported format it must score A1 = A2 = 1; less is a bug in the harness (a name the mocked tools do
not answer to, a simulated user who does not answer, a metric that counts wrong), never in the oracle.

    tool-call items:  START -> ask (interrupt, if the item needs a question) -> act (the expected calls) -> END
    IN3 items:        START -> judge (vague as labelled) -> detail (one question a missing detail, looped)
                            -> summary (the task and every answer) -> END
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from app.agents.base import AgentContext, AgentState, run_tool_calls, tool_call
from app.clarify.request import ClarificationRequest
from app.tracing.steps import step

# The settings key. Tool-call items: {"question": str, "calls": [{"name", "arguments"}], "unsupported": bool};
# IN3 items: {"vague": bool, "details": [{"question": str, "options": [str]}]}.
SCRIPT = "oracle_script"


def build(ctx: AgentContext) -> StateGraph:
    script: dict[str, Any] = dict(ctx.settings.get(SCRIPT) or {})
    if "details" in script:
        return _intent_graph(script)
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


def _intent_graph(script: dict[str, Any]) -> StateGraph:
    details = list(script.get("details") or []) if script.get("vague") else []

    def judge(state: AgentState) -> dict:
        with step("decision", "judge", "vagueness judgement", input=script.get("vague")) as s:
            s.output = {"vague": bool(script.get("vague"))}
        return {"scratch": {"detail": 0, "answers": []}}

    def detail(state: AgentState) -> dict:
        scratch = dict(state.get("scratch") or {})
        asked = details[scratch["detail"]]
        request = ClarificationRequest(kind="missing_argument", question=asked["question"], detected_by="oracle",
                                       options=[str(o) for o in asked.get("options") or []][:6],
                                       reason="the item lists this missing detail").to_dict()
        answer = str(interrupt(request))
        return {"messages": [{"role": "assistant", "content": asked["question"]}, {"role": "user", "content": answer}],
                "scratch": {**scratch, "detail": scratch["detail"] + 1, "answers": [*scratch["answers"], answer]}}

    def summary(state: AgentState) -> dict:
        task = next((m.get("content") for m in state["messages"] if m.get("role") == "user"), "")
        answers = (state.get("scratch") or {}).get("answers") or []
        text = f"The user wants: {task}" + (f" Details: {'; '.join(answers)}." if answers else "")
        with step("summary", "summarize", "intention summary", input=answers) as s:
            s.output = text
        return {"messages": [{"role": "assistant", "content": text}]}

    def more(state: AgentState) -> str:
        return "detail" if (state.get("scratch") or {}).get("detail", 0) < len(details) else "summary"

    graph = StateGraph(AgentState)
    for name, fn in (("judge", judge), ("detail", detail), ("summary", summary)):
        graph.add_node(name, fn)
    graph.add_edge(START, "judge")
    graph.add_conditional_edges("judge", more, ["detail", "summary"])
    graph.add_conditional_edges("detail", more, ["detail", "summary"])
    graph.add_edge("summary", END)
    return graph
