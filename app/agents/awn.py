"""Ask-when-Needed (AwN, "Learning to Ask: When LLMs Meet Unclear Instruction"): before each tool call runs,
check the instruction against what the tool needs; ask the user, or say plainly the request is beyond the
tools.

    START -> agent --answer---------------------------------------------> END
                   --proposed call--> check -> reflect --proceed--> accept -> tools -> agent
                                                       --ask------> ask (interrupt) -> agent (re-plan)
                                                       --beyond---> unsupported -> END

`check` is model-free (`app.clarify.check_tool_call`); `reflect` is the AwN reflection, one model call that
sees the instruction, the tool's schema, the proposed call and the checker's findings. `ask` holds nothing
but the interrupt, so re-running it on resume costs nothing and repeats no model call. The proposed call is
kept out of the conversation until it is accepted; after an answer the model re-plans with the question and
answer in view.

Settings: `strictness` = "guesses" (default: ask on suspected guesses too) or "missing_only" (ask only on
missing or invalid arguments); `reflection` = true (default) or false; `max_questions` per turn (3).
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

import app.agents.refine as refine
from app.agents.base import AgentContext, AgentState, call_model, parse_json, run_tool_calls, turn_messages
from app.agents.react import system_prompt
from app.clarify import grounding
from app.clarify.checker import check_tool_call
from app.clarify.provenance import provenance
from app.clarify.request import ClarificationRequest
from app.llm.gateway import parse_arguments
from app.tracing.steps import step

REFLECT_SYSTEM = """[task:awn_reflect]
You check a tool call before it runs. The user content is JSON with the user's instruction, the tool's schema,
the proposed call and the findings of a schema/grounding checker. Decide:
- "proceed" if the instruction gives (or the conversation already settled) every value the call needs;
- "ask" if a needed value is missing, ambiguous or wrong: write one short question to the user, with options
  when there are natural choices;
- "unsupported" if no available tool can serve the request.
Never invent values. Reply with JSON only:
{"decision": "proceed|ask|unsupported", "kind": "missing_argument|ambiguous_argument|invalid_value|unsupported_request",
 "field": "...", "question": "...", "options": ["..."], "reason": "..."}"""


def overruled(verdict: dict[str, Any], arguments: dict[str, Any], schema: dict[str, Any] | None,
              conversation: list[dict], answers: list[int], findings: list[dict]) -> dict[str, Any]:
    """The reflection's verdict, its question dropped when it asks for a value as missing that the call already
    has from the user's own words (or an answer), and the model-free check found nothing: a small model asks
    so, its own reason saying "the instruction specifies ...". An ambiguous or invalid value is still asked."""
    field = verdict.get("field")
    if (verdict.get("decision") != "ask" or findings or field not in (arguments or {})
            or verdict.get("kind") not in (None, "", "missing_argument")):
        return verdict
    found = grounding.find_source(arguments[field], conversation, answers, field=field)
    if found is None or found.kind not in ("user", "clarification"):
        return verdict
    return {**verdict, "decision": "proceed", "overruled": f"the user's words give {field} ({arguments[field]!r})"}


def _scratch(state: AgentState) -> dict[str, Any]:
    return dict(state.get("scratch") or {})


def build(ctx: AgentContext) -> StateGraph:
    strictness = ctx.settings.get("strictness", "guesses")
    reflection = bool(ctx.settings.get("reflection", True))
    max_questions = int(ctx.settings.get("max_questions", 3))
    schemas = {t.name: t.function for t in ctx.tools}

    def agent(state: AgentState) -> dict:
        if len([m for m in turn_messages(state["messages"]) if m.get("role") == "assistant"]) >= ctx.max_steps:
            return {"messages": [{"role": "assistant", "content": f"I stopped after {ctx.max_steps} steps."}]}
        reply = call_model(ctx, [system_prompt(ctx), *state["messages"]], node="agent",
                           tools=ctx.tool_schemas or None, stream=True)
        if reply.tool_calls:
            return {"scratch": {**_scratch(state), "pending": reply.message, "findings": [], "verdict": None}}
        return {"messages": [reply.message], "scratch": {**_scratch(state), "pending": None}}

    def check(state: AgentState) -> dict:
        scratch = _scratch(state)
        calls = scratch["pending"]["tool_calls"]
        findings: list[dict] = []
        parsed = [(c["function"]["name"], *parse_arguments(c["function"].get("arguments") or "")) for c in calls]
        with step("check", "check", "check_tool_call", input=[c["function"] for c in calls]) as s:
            for index, (name, arguments, error) in enumerate(parsed):
                if name not in schemas:
                    findings.append(ClarificationRequest(
                        kind="unsupported_request", tool=name, detected_by="schema",
                        reason=f"there is no tool named {name!r} in this set",
                        question=f"I can't call {name}: it is not in this tool set. What should I do instead?",
                    ).to_dict())
                    continue
                if error:
                    continue  # malformed JSON is returned to the model as a tool error, not asked about
                siblings = [a for i, (n, a, _) in enumerate(parsed) if n == name and i != index]
                for request in check_tool_call(schemas[name], arguments, state["messages"],
                                               answers=scratch.get("answers", []), siblings=siblings):
                    if strictness == "missing_only" and request["detected_by"] == "grounding":
                        continue
                    findings.append(request)
            s.output = findings
            s.meta["strictness"] = strictness
        return {"scratch": {**scratch, "findings": findings}}

    def reflect(state: AgentState) -> dict:
        scratch = _scratch(state)
        call = scratch["pending"]["tool_calls"][0]["function"]
        arguments, _ = parse_arguments(call.get("arguments") or "")
        payload = {
            "instruction": [m.get("content") for m in state["messages"] if m.get("role") == "user"][-3:],
            "tool": schemas.get(call["name"], {"name": call["name"], "description": "not in this tool set"}),
            "call": {"name": call["name"], "arguments": arguments},
            "checker_findings": scratch.get("findings", []),
            "available_tools": list(schemas),
        }
        # Values only world knowledge gives (a country's currency code) are not asked about by the checker: the
        # reflection judges them. Said only when there are some, so the common payload stays as it was.
        inferred = {k: arguments.get(k) for k, v in provenance(arguments, schemas.get(call["name"]), state["messages"],
                                                               scratch.get("answers", [])).items()
                    if v.get("source") == "inferred"}
        if inferred:
            payload["inferred_values"] = {"values": inferred, "note": "no one said these; they follow from what was "
                                          "said only by world knowledge: ask if they are not certain"}
        reply = call_model(ctx, [{"role": "system", "content": REFLECT_SYSTEM},
                                 {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
                           node="reflect", name="reflection")
        verdict = parse_json(reply.content) or {"decision": "proceed", "reason": "unparseable reflection"}
        verdict = overruled(verdict, arguments, schemas.get(call["name"]), state["messages"], scratch.get("answers", []),
                            scratch.get("findings", []))
        return {"scratch": {**scratch, "verdict": verdict}}

    def decide(state: AgentState) -> str:
        scratch = _scratch(state)
        verdict = scratch.get("verdict") or {}
        findings = scratch.get("findings", [])
        asked = len(scratch.get("asked_this_turn", []))
        if verdict.get("decision") == "unsupported" or any(f["kind"] == "unsupported_request" for f in findings):
            return "unsupported"
        if (findings or verdict.get("decision") == "ask") and asked < max_questions:
            return "ask"
        if findings and asked >= max_questions:
            return "give_up"
        return "accept"

    def after_check(state: AgentState) -> str:
        return "reflect" if reflection else decide(state)

    def ask(state: AgentState) -> dict:
        scratch = _scratch(state)
        verdict = scratch.get("verdict") or {}
        findings = scratch.get("findings", [])
        if findings:
            request = dict(findings[0])
        else:
            call = scratch["pending"]["tool_calls"][0]["function"]["name"]
            request = ClarificationRequest(
                kind=verdict.get("kind") if verdict.get("kind") in ("missing_argument", "ambiguous_argument",
                                                                     "invalid_value") else "ambiguous_argument",
                question=verdict.get("question") or "Could you tell me more about what you need?",
                options=[str(o) for o in verdict.get("options") or []][:6], tool=call, field=verdict.get("field"),
                reason=verdict.get("reason") or "the reflection judged the instruction unclear", detected_by="llm",
            ).to_dict()
        answer = interrupt(request)
        index = len(state["messages"]) + 1
        return {
            "messages": [{"role": "assistant", "content": request["question"]},
                         {"role": "user", "content": str(answer)}],
            "scratch": {**scratch, "pending": None, "findings": [], "verdict": None,
                        "answers": [*scratch.get("answers", []), index],
                        "asked_this_turn": [*scratch.get("asked_this_turn", []), request["id"]]},
        }

    def accept(state: AgentState) -> dict:
        return {"messages": [_scratch(state)["pending"]], "scratch": {**_scratch(state), "pending": None}}

    def unsupported(state: AgentState) -> dict:
        scratch = _scratch(state)
        reason = (scratch.get("verdict") or {}).get("reason") or next(
            (f["reason"] for f in scratch.get("findings", []) if f["kind"] == "unsupported_request"), "")
        text = ("I can't do that with the tools in this set" + (f": {reason}" if reason else "") +
                f". Available tools: {', '.join(schemas) or 'none'}.")
        with step("answer", "unsupported", "unsupported_request", input=scratch.get("verdict")) as s:
            s.output = text
        return {"messages": [{"role": "assistant", "content": text}], "scratch": {**scratch, "pending": None}}

    def give_up(state: AgentState) -> dict:
        scratch = _scratch(state)
        fields = ", ".join(sorted({f.get("field") or "details" for f in scratch.get("findings", [])}))
        text = f"I still don't have what I need ({fields}), so I stopped rather than guess."
        return {"messages": [{"role": "assistant", "content": text}], "scratch": {**scratch, "pending": None}}

    def new_turn(state: AgentState) -> dict:
        return {"scratch": {**_scratch(state), "asked_this_turn": [], "pending": None}}

    graph = StateGraph(AgentState)
    for name, fn in [("start", new_turn), ("agent", agent), ("check", check), ("reflect", reflect), ("ask", ask),
                     ("accept", accept), ("unsupported", unsupported), ("give_up", give_up)]:
        graph.add_node(name, fn)
    graph.add_node("tools", lambda state: run_tool_calls(ctx, state, state["messages"][-1]["tool_calls"]))
    graph.add_edge(START, "start")
    graph.add_edge("start", "agent")
    first_check = "check"
    if refine.rounds(ctx):  # refinement (app.agents.refine) before the check: agent -> refine -> check
        graph.add_node("refine", lambda state: {"scratch": {**_scratch(state), "pending": refine.refine_message(
            ctx, _scratch(state)["pending"], state["messages"])}})
        graph.add_edge("refine", "check")
        first_check = "refine"
    graph.add_conditional_edges("agent", lambda s: first_check if _scratch(s).get("pending") else END,
                                [first_check, END])
    graph.add_conditional_edges("check", after_check, ["reflect", "ask", "accept", "unsupported", "give_up"])
    graph.add_conditional_edges("reflect", decide, ["ask", "accept", "unsupported", "give_up"])
    graph.add_edge("ask", "agent")
    graph.add_edge("accept", "tools")
    graph.add_edge("tools", "agent")
    graph.add_edge("unsupported", END)
    graph.add_edge("give_up", END)
    return graph
