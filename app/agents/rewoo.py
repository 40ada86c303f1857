"""ReWOO (Xu et al., 2023, "ReWOO: Decoupling Reasoning from Observations for Efficient Augmented Language
Models"): the planner writes the whole plan in one model call, naming each tool result as an evidence variable
(#E1, #E2, ...) that later steps may use; workers run the tools without calling the model; the solver answers
from the plan and the evidence in one more call.

    START -> planner -> worker (one planned call at a time, no model) -> ... -> solver -> END

Its point is tokens: the tool descriptions and the growing transcript are not re-sent on every step as in
ReAct, so a three-tool task costs two model calls instead of four. The trace's per-node usage shows it. The
price is that the plan cannot react to what a tool returns (a failed step fails the plan; see plan_execute).
"""

from __future__ import annotations

import json
import re
from typing import Any

from langgraph.graph import END, START, StateGraph

from app.agents.base import (AgentContext, AgentState, call_model, run_tool_calls, text_turns, today, tool_call,
                             tool_catalog)
from app.tracing.steps import step

PLANNER_SYSTEM = """[task:rewoo_plan]
For the following task, make plans that can solve the problem step by step. For each plan, say which tool to
use and with which arguments to retrieve evidence. You can store the evidence in a variable #E that later
tool calls can refer to (write "#E1" inside an argument value). Today is {today}.

Tools (arguments marked * are required):
{catalog}

Write exactly this format, each Plan followed by exactly one #E line, arguments as a JSON object:
Plan: <what this step finds out and why>
#E1 = tool_name[{{"argument": "value"}}]
Plan: <next step, which may use #E1>
#E2 = tool_name[{{"argument": "#E1"}}]

If no tool is needed, or no tool fits, write one line "Plan: <why>" and no #E line.
Never invent argument values the user did not give."""

SOLVER_SYSTEM = """[task:rewoo_solve]
Solve the task. A step-by-step plan was made and evidence retrieved for each step; use it with care, as long
evidence may contain irrelevant information, and a step may have failed. The user content is JSON:
{"task": "...", "tools": [...], "plans": [{"plan", "variable", "tool", "arguments", "evidence"}]}.
Answer the task directly and concisely. If a step failed, say what could not be done and why."""

_PLAN = re.compile(r"^\s*Plan\s*\d*\s*:\s*(?P<plan>.*)$", re.IGNORECASE)
_EVIDENCE = re.compile(r"^\s*#E(?P<n>\d+)\s*=\s*(?P<tool>[\w.-]+)\s*\[(?P<args>.*)\]\s*$")
_REF = re.compile(r"#E(\d+)")


def parse_plan(text: str, ctx: AgentContext) -> list[dict[str, Any]]:
    """The planner's text -> [{"plan", "variable", "tool", "arguments"}]. Arguments that are not a JSON object
    go to the tool's first required (or only) parameter."""
    plans: list[dict[str, Any]] = []
    reason = ""
    known = ctx.tools_by_name
    for line in (text or "").splitlines():
        if m := _PLAN.match(line):
            reason = m["plan"].strip()
        elif m := _EVIDENCE.match(line):
            raw = m["args"].strip()
            try:
                arguments = json.loads(raw) if raw.startswith("{") else None
            except json.JSONDecodeError:
                arguments = None
            if not isinstance(arguments, dict):
                tool = known.get(m["tool"])
                params = (tool.required or list(tool.parameters.get("properties", {}))) if tool else []
                arguments = {(params[0] if params else "input"): raw.strip("\"'")}
            plans.append({"plan": reason, "variable": f"#E{m['n']}", "tool": m["tool"], "arguments": arguments})
            reason = ""
    return plans


def substitute(value: Any, evidence: dict[str, str]) -> Any:
    """Replace #En in argument values by that step's evidence (a whole-value reference keeps the raw text)."""
    if isinstance(value, str):
        return _REF.sub(lambda m: evidence.get(f"#E{m[1]}", m[0]), value)
    if isinstance(value, list):
        return [substitute(v, evidence) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, evidence) for k, v in value.items()}
    return value


def edit_call(values: dict[str, Any], call_id: str | None, arguments: dict[str, Any]) -> dict | None:
    """ReWOO's tool calls are in its plan, not in messages: time travel rewrites the next planned call."""
    work = (values.get("scratch") or {}).get("rewoo")
    if work and work.get("next", 0) < len(work.get("plans", [])):
        plans = [dict(p) for p in work["plans"]]
        plans[work["next"]]["arguments"] = arguments
        return {"scratch": {"rewoo": {**work, "plans": plans}}}
    return None


def build(ctx: AgentContext) -> StateGraph:
    system = PLANNER_SYSTEM.format(today=today(), catalog=tool_catalog(ctx.tools) or "(no tools)")

    def planner(state: AgentState) -> dict:
        reply = call_model(ctx, [{"role": "system", "content": system}, *text_turns(state["messages"])],
                           node="planner", name="plan")
        plans = parse_plan(reply.content, ctx)[: ctx.max_steps]
        with step("plan", "planner", "ReWOO plan", input=reply.content) as s:
            s.output = plans
        return {"scratch": {"rewoo": {"plans": plans, "next": 0}}}

    def worker(state: AgentState) -> dict:
        work = dict((state.get("scratch") or {})["rewoo"])
        plans = [dict(p) for p in work["plans"]]
        current = plans[work["next"]]
        evidence = {p["variable"]: p["evidence"] for p in plans if "evidence" in p}
        arguments = substitute(current["arguments"], evidence)
        # earlier steps' evidence is what a #E reference brought in: provenance finds it as tool results
        seen = {**state, "messages": [*state["messages"], *({"role": "tool", "content": str(e)} for e in evidence.values())]}
        update = run_tool_calls(ctx, seen, [tool_call(current["tool"], arguments)], node="worker")
        current.update(arguments=arguments, evidence=update["messages"][-1]["content"])
        plans[work["next"]] = current
        result: dict[str, Any] = {"scratch": {"rewoo": {"plans": plans, "next": work["next"] + 1}}}
        if "tool_state" in update:
            result["tool_state"] = update["tool_state"]
        return result

    def solver(state: AgentState) -> dict:
        work = (state.get("scratch") or {})["rewoo"]
        payload = {"task": next((m["content"] for m in reversed(state["messages"]) if m.get("role") == "user"), ""),
                   "tools": [t.name for t in ctx.tools], "plans": work["plans"]}
        reply = call_model(ctx, [{"role": "system", "content": SOLVER_SYSTEM},
                                 {"role": "user", "content": json.dumps(payload, ensure_ascii=False, default=str)}],
                           node="solver", name="solve", stream=True)
        return {"messages": [{"role": "assistant", "content": reply.content}]}

    def next_step(state: AgentState) -> str:
        work = (state.get("scratch") or {})["rewoo"]
        return "worker" if work["next"] < len(work["plans"]) else "solver"

    graph = StateGraph(AgentState)
    graph.add_node("planner", planner)
    graph.add_node("worker", worker)
    graph.add_node("solver", solver)
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", next_step, ["worker", "solver"])
    graph.add_conditional_edges("worker", next_step, ["worker", "solver"])
    graph.add_edge("solver", END)
    return graph
