"""Plan-and-Execute (Wang et al., 2023, "Plan-and-Solve Prompting"; the plan-and-execute agent of LangGraph's
tutorials, after BabyAGI): a planner writes a list of steps; an executor carries out one step at a time with
the tools (a small ReAct loop of its own); after every step a re-planner reads what happened and either
finishes with the answer or rewrites the remaining steps: when a step failed, or revealed something the plan
did not expect.

    START -> planner -> execute <-> step_tools
                           |
                           v
                        replan --continue--> execute
                               --finish----> END

Compared with ReWOO it adapts to tool results; compared with ReAct, the plan is explicit and the executor's
prompt stays small (only the current step and past results). Bounded by `max_steps` executed steps.
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.graph import END, START, StateGraph

from app.agents.base import (AgentContext, AgentState, call_model, last_user_text, parse_json, run_tool_calls,
                             text_turns, today, tool_catalog)
from app.tracing.steps import step

PLANNER_SYSTEM = """[task:pe_plan]
For the given objective, come up with a simple step-by-step plan that the tools below can carry out. Each step
is one instruction for one tool call; later steps may use "<result of step N>". No superfluous steps; the
result of the last step should let you answer. Today is {today}.

Tools (arguments marked * are required):
{catalog}

Reply with JSON only: {{"steps": ["...", "..."]}} (an empty list when no tool is needed)."""

EXECUTOR_SYSTEM = """[task:pe_step]
You carry out one step of a plan with the tools. The user content is JSON: {"task", "plan", "past_steps":
[{"step", "result"}], "step"}. Do this step only (call the tools it needs), then reply with its result in a
few words, or the tool's error if it failed. Never invent argument values."""

REPLANNER_SYSTEM = """[task:pe_replan]
You revise a plan as it runs. The user content is JSON: {{"task", "past_steps": [{{"step", "result"}}],
"remaining": [...]}}. If the task is done, or cannot be done, reply {{"action": "finish", "answer": "<the
answer to the user>"}}. Otherwise reply {{"action": "continue", "thought": "...", "steps": ["<the steps still
to do>"]}}: keep the remaining steps if they still fit, change them when a step failed or a result changes
what to do. Tools:
{catalog}
Reply with JSON only."""


def _steps(text: str) -> list[str]:
    data = parse_json(text)
    if data is not None and isinstance(data.get("steps"), list):
        return [str(s) for s in data["steps"] if str(s).strip()]
    return [line.strip(" -*0123456789.)") for line in (text or "").splitlines() if line.strip(" -*0123456789.)")]


def build(ctx: AgentContext) -> StateGraph:
    catalog = tool_catalog(ctx.tools) or "(no tools)"
    planner_system = PLANNER_SYSTEM.format(today=today(), catalog=catalog)
    replanner_system = REPLANNER_SYSTEM.format(catalog=catalog)

    def work(state: AgentState) -> dict[str, Any]:
        return dict((state.get("scratch") or {}).get("pe") or {})

    def planner(state: AgentState) -> dict:
        reply = call_model(ctx, [{"role": "system", "content": planner_system}, *text_turns(state["messages"])],
                           node="planner", name="plan")
        steps = _steps(reply.content)[: ctx.max_steps]
        with step("plan", "planner", "plan", input=reply.content) as s:
            s.output = steps
        return {"scratch": {"pe": {"task": last_user_text(state["messages"]), "plan": steps, "past": [], "exec": []}}}

    def execute(state: AgentState) -> dict:
        pe = work(state)
        current = pe["plan"][0]
        exchange = list(pe["exec"]) or [
            {"role": "system", "content": EXECUTOR_SYSTEM},
            {"role": "user", "content": json.dumps({"task": pe["task"], "plan": [p["step"] for p in pe["past"]] +
                                                    pe["plan"], "past_steps": pe["past"], "step": current},
                                                   ensure_ascii=False)},
        ]
        if sum(1 for m in exchange if m.get("role") == "assistant") >= ctx.max_steps:
            reply_message = {"role": "assistant", "content": f"Error: the step did not finish in {ctx.max_steps} calls"}
        else:
            reply_message = call_model(ctx, exchange, node="execute", name="execute step",
                                       tools=ctx.tool_schemas or None, step_text=current).message
        if reply_message.get("tool_calls"):
            return {"scratch": {"pe": {**pe, "exec": [*exchange, reply_message]}}}
        past = [*pe["past"], {"step": current, "result": str(reply_message.get("content") or "")}]
        return {"scratch": {"pe": {**pe, "plan": pe["plan"][1:], "past": past, "exec": []}}}

    def step_tools(state: AgentState) -> dict:
        pe = work(state)
        view: AgentState = {**state, "messages": [*state["messages"], *pe["exec"][1:]]}
        update = run_tool_calls(ctx, view, pe["exec"][-1]["tool_calls"], node="step_tools")
        result: dict[str, Any] = {"scratch": {"pe": {**pe, "exec": [*pe["exec"], *update["messages"]]}}}
        if "tool_state" in update:
            result["tool_state"] = update["tool_state"]
        return result

    def replan(state: AgentState) -> dict:
        pe = work(state)
        if len(pe["past"]) >= ctx.max_steps:
            answer = f"I stopped after {ctx.max_steps} steps without finishing; try a simpler request."
            return {"messages": [{"role": "assistant", "content": answer}], "scratch": {"pe": {**pe, "done": True}}}
        payload = {"task": pe["task"], "past_steps": pe["past"], "remaining": pe["plan"]}
        reply = call_model(ctx, [{"role": "system", "content": replanner_system},
                                 {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
                           node="replan", name="re-plan")
        found = pe["past"][-1]["result"] if pe["past"] else ""
        decision = parse_json(reply.content)
        if decision is None:  # not the JSON asked for: prose is an answer; broken JSON (cut off) is not
            decision = {"action": "finish", "answer": found if reply.content.lstrip().startswith("{") else reply.content}
        if decision.get("action") == "continue" and decision.get("steps"):
            done = {p["step"] for p in pe["past"]}
            # A step already done, or listed twice, is not more work (a small model re-lists one step forever).
            steps = [str(s) for s in dict.fromkeys(str(s) for s in decision["steps"]) if str(s) not in done]
            if not steps:
                return {"messages": [{"role": "assistant", "content": str(decision.get("answer") or found)}],
                        "scratch": {"pe": {**pe, "done": True}}}
            if steps != pe["plan"]:
                with step("plan", "replan", "revised plan", input={"before": pe["plan"]}) as s:
                    s.output = steps
                    s.meta["thought"] = decision.get("thought", "")
            return {"scratch": {"pe": {**pe, "plan": steps}}}
        answer = str(decision.get("answer") or reply.content)
        return {"messages": [{"role": "assistant", "content": answer}], "scratch": {"pe": {**pe, "done": True}}}

    graph = StateGraph(AgentState)
    graph.add_node("planner", planner)
    graph.add_node("execute", execute)
    graph.add_node("step_tools", step_tools)
    graph.add_node("replan", replan)
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", lambda s: "execute" if work(s)["plan"] else "replan", ["execute", "replan"])
    graph.add_conditional_edges("execute", lambda s: "step_tools" if work(s)["exec"] else "replan",
                                ["step_tools", "replan"])
    graph.add_edge("step_tools", "execute")
    graph.add_conditional_edges("replan", lambda s: END if work(s).get("done") else "execute", ["execute", END])
    return graph
