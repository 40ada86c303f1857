"""IN3 / Mistral-Interact ("Tell Me More! Towards Implicit User Intention Understanding of Language Model
Driven Agents"): judge whether the task is vague; if so, ask about the missing details one at a time, with
options; summarise the user's intention; then execute with the ReAct loop given that summary.

    START -> judge --clear--> agent <-> tools -> END
                   --vague--> ask (interrupt, repeated) -> summarize -> agent <-> tools -> END

At most 5 rounds of questions (setting `max_rounds`); an answer such as "skip" or "just do it" ends the
asking. The judge returns IN3's own structure: {"vague", "thought", "missing_details": [{"description",
"importance", "inquiry", "options"}]}, most important details first.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from app.agents.base import AgentContext, AgentState, call_model, last_user_text, parse_json, run_tool_calls
from app.agents.react import agent_node, has_tool_calls
from app.clarify.request import ClarificationRequest
from app.tracing.steps import step

JUDGE_SYSTEM = """[task:interact_judge]
Decide whether the user's task is clear enough to carry out, or vague: missing details that only the user can
give and that change the result. For a vague task list the missing details, most important first, each with
an importance from "1" (nice to have) to "3" (essential), one short question (inquiry) and 2-4 options.
Reply with JSON only:
{"vague": true|false, "thought": "...", "missing_details": [{"description": "...", "importance": "3",
 "inquiry": "...", "options": ["...", "..."]}]}"""

SUMMARY_SYSTEM = """[task:interact_summary]
Summarise the user's intention in one or two sentences: the task and every detail the user gave in the
answers. The user content is JSON: {"task": "...", "answers": [{"detail", "question", "answer"}]}. Reply with
the summary only."""

GIVEN_SYSTEM = """[task:interact_given]
The user was asked about some details of their task and answered. Some answers give more than was asked (for
example a destination, dates and a departure city at once). The user content is JSON: {"task": "...",
"answers": ["..."], "remaining": [{"description", "inquiry"}]}. For each remaining detail that the answers
already give, say its value in the user's words. Reply with JSON only: {"given": {"<description>": "<value>"}}"""

SKIP = re.compile(r"^\s*(skip|just do it|no preference|whatever|you decide|don'?t care|any|go ahead|doesn'?t matter)\b",
                  re.IGNORECASE)


def _scratch(state: AgentState) -> dict[str, Any]:
    return dict(state.get("scratch") or {})


def build(ctx: AgentContext) -> StateGraph:
    max_rounds = min(int(ctx.settings.get("max_rounds", 5)), 5)

    def judge(state: AgentState) -> dict:
        task = last_user_text(state["messages"])
        reply = call_model(ctx, [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": task}],
                           node="judge", name="vagueness judgement")
        verdict = parse_json(reply.content) or {"vague": False, "thought": "unparseable judgement",
                                                 "missing_details": []}
        details = [d for d in verdict.get("missing_details") or [] if isinstance(d, dict) and d.get("inquiry")]
        details.sort(key=lambda d: -int(str(d.get("importance", "1"))[:1] or 1))
        vague = bool(verdict.get("vague")) and bool(details)
        return {"scratch": {**_scratch(state), "task": task, "vague": vague, "thought": verdict.get("thought", ""),
                            "details": details, "qa": [], "summary": None}}

    def remaining(scratch: dict[str, Any]) -> list[dict[str, Any]]:
        known = {qa["detail"] for qa in scratch["qa"]}
        return [d for d in scratch["details"] if d.get("description") not in known]

    def already_given(scratch: dict[str, Any], answered: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The details still to ask that the answers so far already give (one typed answer often gives several):
        each becomes an answer of its own, so it is never asked for and the summary has it."""
        left = [d for d in remaining({**scratch, "qa": answered}) if d.get("description")]
        if not left or SKIP.match(answered[-1]["answer"]):
            return []
        payload = {"task": scratch["task"], "answers": [qa["answer"] for qa in answered],
                   "remaining": [{"description": d["description"], "inquiry": d["inquiry"]} for d in left]}
        reply = call_model(ctx, [{"role": "system", "content": GIVEN_SYSTEM},
                                 {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
                           node="ask", name="details already given")
        given = (parse_json(reply.content) or {}).get("given") or {}
        return [{"detail": d["description"], "question": d["inquiry"], "answer": str(given[d["description"]]),
                 "importance": d.get("importance"), "given_in": "an earlier answer"}
                for d in left if isinstance(given, dict) and str(given.get(d["description"]) or "").strip()]

    def ask(state: AgentState) -> dict:
        scratch = _scratch(state)
        detail = remaining(scratch)[0]
        request = ClarificationRequest(
            kind="vague_intent", question=detail["inquiry"], options=[str(o) for o in detail.get("options") or []][:6],
            field=detail.get("description"), reason=f"importance {detail.get('importance', '?')}: "
                                                    f"{detail.get('description', '')}", detected_by="llm",
        ).to_dict()
        answer = str(interrupt(request))
        qa = [*scratch["qa"], {"detail": detail.get("description"), "question": detail["inquiry"], "answer": answer,
                               "importance": detail.get("importance")}]
        qa += already_given(scratch, qa)
        index = len(state["messages"]) + 1
        return {"messages": [{"role": "assistant", "content": detail["inquiry"]}, {"role": "user", "content": answer}],
                "scratch": {**scratch, "qa": qa, "answers": [*scratch.get("answers", []), index],
                            "stop_asking": bool(SKIP.match(answer))}}

    def more_questions(state: AgentState) -> str:
        scratch = _scratch(state)
        asked = sum(1 for qa in scratch["qa"] if not qa.get("given_in"))
        if scratch.get("stop_asking") or asked >= max_rounds or not remaining(scratch):
            return "summarize"
        return "ask"

    def summarize(state: AgentState) -> dict:
        scratch = _scratch(state)
        payload = {"task": scratch["task"], "answers": [qa for qa in scratch["qa"] if not SKIP.match(qa["answer"])]}
        reply = call_model(ctx, [{"role": "system", "content": SUMMARY_SYSTEM},
                                 {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
                           node="summarize", name="intention summary")
        summary = reply.content.strip()
        with step("summary", "summarize", "intention summary", input=payload) as s:
            s.output = summary
        return {"messages": [{"role": "assistant", "content": f"Here is what I understood: {summary}"}],
                "scratch": {**scratch, "summary": summary}}

    graph = StateGraph(AgentState)
    graph.add_node("judge", judge)
    graph.add_node("ask", ask)
    graph.add_node("summarize", summarize)
    graph.add_node("agent", agent_node(ctx))
    graph.add_node("tools", lambda state: run_tool_calls(ctx, state, state["messages"][-1]["tool_calls"]))
    graph.add_edge(START, "judge")
    graph.add_conditional_edges("judge", lambda s: "ask" if _scratch(s).get("vague") else "agent", ["ask", "agent"])
    graph.add_conditional_edges("ask", more_questions, ["ask", "summarize"])
    graph.add_edge("summarize", "agent")
    graph.add_conditional_edges("agent", lambda s: "tools" if has_tool_calls(s) else END, ["tools", END])
    graph.add_edge("tools", "agent")
    return graph
