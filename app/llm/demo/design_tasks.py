"""The demo model's side of the agent designs from the literature: ReWOO's planner and solver, Plan-and-Execute's
planner, step executor and re-planner, DFSDT's expansion, the tool-use gate and call refinement.

Like `tasks.py`, these are deterministic heuristics built on the chat policy (`policy.plan_request`): they let
every design run offline and show its shape in the trace; they do not judge as a real model would. Prompts
that list tools use the catalog format of `app.agents.base.tool_catalog`: `- name(arg*: type, ...): text`.
"""

from __future__ import annotations

import json
import operator
import re
from typing import Any

from app.llm.demo import policy
from app.llm.demo.policy import Call, Done, Reply, compose_answer, current_request, plan_request, respond, suggest_fix
from app.llm.demo.tasks import _user_payload, task

_CATALOG_LINE = re.compile(r"^- (\w+)\(([^)]*)\)", re.MULTILINE)


def catalog_tools(text: str) -> dict[str, dict[str, Any]]:
    """Tool schemas (enough for the policy) read back from a catalog in a prompt."""
    tools: dict[str, dict[str, Any]] = {}
    for name, params in _CATALOG_LINE.findall(text or ""):
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in filter(None, (p.strip() for p in params.split(","))):
            pname, _, ptype = part.partition(":")
            pname = pname.strip()
            if pname.endswith("*"):
                pname = pname[:-1]
                required.append(pname)
            properties[pname] = {"type": ptype.strip() or "string"}
        tools[name] = {"name": name, "parameters": {"type": "object", "properties": properties, "required": required}}
    return tools


def _system(messages: list[dict]) -> str:
    return next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), "")


def _conversation(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("role") != "system"]


def _as_tools(schemas: dict[str, dict]) -> list[dict]:
    return [{"type": "function", "function": s} for s in schemas.values()]


# -- ReWOO --------------------------------------------------------------------------------------------------

@task("rewoo_plan")
def rewoo_plan(messages: list[dict], tools: list[dict]) -> str:
    schemas = catalog_tools(_system(messages))
    text, _ = current_request(_conversation(messages))
    plan = plan_request(text, schemas)
    if not plan.calls or plan.needs:
        return "Plan: No tool is needed or available for this request; answer it directly."
    lines = []
    for i, call in enumerate(plan.calls, start=1):
        arguments = {k: v.replace("{prev}", f"#E{i - 1}") if isinstance(v, str) else v
                     for k, v in call.arguments.items()}
        lines.append(f"Plan: Use {call.name} to get " + ("the result of the previous step." if i > 1 and
                     any("#E" in str(v) for v in arguments.values()) else "what the request asks for."))
        lines.append(f"#E{i} = {call.name}[{json.dumps(arguments, ensure_ascii=False)}]")
    return "\n".join(lines)


def _dones(items: list[dict]) -> list[Done]:
    return [Done(Call(str(i.get("tool")), dict(i.get("arguments") or {})), str(i.get("evidence", "")),
                 not str(i.get("evidence", "")).startswith("Error")) for i in items]


@task("rewoo_solve")
def rewoo_solve(messages: list[dict], tools: list[dict]) -> str:
    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return str(payload)
    task_text = str(payload.get("task", ""))
    names = {n: {"name": n, "parameters": {}} for n in payload.get("tools") or []}
    plans = [p for p in payload.get("plans") or [] if p.get("tool")]
    if not plans:
        return respond([{"role": "user", "content": task_text}], _as_tools(names)).content
    dones = _dones(plans)
    failed = [d for d in dones if not d.ok]
    if failed:
        return f"I could not finish: {failed[0].call.name} failed ({failed[0].content.removeprefix('Error:').strip()})."
    return compose_answer(plan_request(task_text, names).intent, dones)


# -- Plan-and-Execute ---------------------------------------------------------------------------------------

_STEP = re.compile(r"^Use (\w+) with (\{.*\})\s*$", re.DOTALL)
_RESULT_REF = re.compile(r"<result of step (\d+)>")


def _step_text(call: Call, index: int) -> str:
    arguments = {k: v.replace("{prev}", f"<result of step {index - 1}>") if isinstance(v, str) else v
                 for k, v in call.arguments.items()}
    return f"Use {call.name} with {json.dumps(arguments, ensure_ascii=False)}"


def _step_call(text: str, past: list[dict]) -> Call | None:
    m = _STEP.match(str(text).strip())
    if not m:
        return None
    try:
        arguments = json.loads(m[2])
    except json.JSONDecodeError:
        return None
    results = [str(p.get("result", "")) for p in past]

    def fill(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return _RESULT_REF.sub(lambda r: results[int(r[1]) - 1] if 0 < int(r[1]) <= len(results) else r[0], value)

    return Call(m[1], {k: fill(v) for k, v in arguments.items()})


@task("pe_plan")
def pe_plan(messages: list[dict], tools: list[dict]) -> str:
    schemas = catalog_tools(_system(messages))
    text, _ = current_request(_conversation(messages))
    plan = plan_request(text, schemas)
    steps = [] if plan.needs else [_step_text(c, i) for i, c in enumerate(plan.calls, start=1)]
    return json.dumps({"steps": steps})


@task("pe_step")
def pe_step(messages: list[dict], tools: list[dict]) -> Reply:
    payload = _user_payload(messages[:2])
    if not isinstance(payload, dict):
        return Reply("I could not read the step.")
    results = [m for m in messages if m.get("role") == "tool"]
    if results:
        return Reply(str(results[-1].get("content") or ""))
    call = _step_call(payload.get("step", ""), payload.get("past_steps") or [])
    if call is None:
        return Reply("Nothing to run for this step.")
    return Reply(tool_calls=[call])


@task("pe_replan")
def pe_replan(messages: list[dict], tools: list[dict]) -> str:
    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return json.dumps({"action": "finish", "answer": str(payload)})
    task_text = str(payload.get("task", ""))
    past = list(payload.get("past_steps") or [])
    remaining = list(payload.get("remaining") or [])
    names = catalog_tools(_system(messages))
    if past and str(past[-1].get("result", "")).startswith("Error"):
        last = _step_call(past[-1]["step"], past[:-1])
        fixed = suggest_fix(last, past[-1]["result"]) if last else None
        if fixed:
            index = len(past)
            return json.dumps({"action": "continue", "thought": "The step failed with a value the tool does not know; "
                               "retry it with the closest valid value.",
                               "steps": [_step_text(fixed, index), *remaining]})
        return json.dumps({"action": "finish", "answer": f"I could not finish: the step '{past[-1]['step']}' failed "
                           f"({str(past[-1]['result']).removeprefix('Error:').strip()})."})
    if remaining:
        return json.dumps({"action": "continue", "thought": "The plan still holds.", "steps": remaining})
    if not past:
        return json.dumps({"action": "finish", "answer": respond([{"role": "user", "content": task_text}],
                                                                 _as_tools(names)).content})
    dones = []
    for i, item in enumerate(past):
        call = _step_call(item.get("step", ""), past[:i]) or Call("step", {})
        result = str(item.get("result", ""))
        dones.append(Done(call, result, not result.startswith("Error")))
    answer = compose_answer(plan_request(task_text, names).intent, [d for d in dones if d.ok])
    return json.dumps({"action": "finish", "answer": answer})


# -- DFSDT --------------------------------------------------------------------------------------------------

_TRIED = re.compile(r"^Tried here before: (\[.*\])\s*$", re.MULTILINE)


@task("dfsdt")
def dfsdt(messages: list[dict], tools: list[dict]) -> Reply:
    system = _system(messages)
    tried: list[dict] = []
    if m := _TRIED.search(system):
        try:
            tried = json.loads(m[1])
        except json.JSONDecodeError:
            tried = []
    offered = [t for t in tools if t.get("function", {}).get("name") != "Finish"]
    reply = respond(_conversation(messages), offered)

    def finish(return_type: str, answer: str = "") -> Reply:
        return Reply(tool_calls=[Call("Finish", {"return_type": return_type, "final_answer": answer})])

    if not reply.tool_calls:
        return finish("give_answer", reply.content)
    call = reply.tool_calls[0]
    seen = [(t.get("name"), t.get("arguments")) for t in tried]
    if (call.name, call.arguments) not in seen:
        return Reply(tool_calls=[call])
    for attempt in tried:  # read the failures: a value the tool rejected, with the valid ones listed
        if attempt.get("name") == call.name and attempt.get("arguments") == call.arguments:
            fixed = suggest_fix(call, str(attempt.get("result", "")))
            if fixed and (fixed.name, fixed.arguments) not in seen:
                return Reply(tool_calls=[fixed])
    return finish("give_up_and_restart")


# -- the tool-use gate and call refinement --------------------------------------------------------------------

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _mental_arithmetic(text: str) -> str | None:
    """'what is 2+2' -> '2 + 2 = 4': one operation on small whole numbers, the kind a model knows by heart."""
    m = re.fullmatch(r"\s*(?:what(?:'s| is)\s+)?(\d{1,2})\s*([+\-*x×])\s*(\d{1,2})\s*\??\s*", text, re.IGNORECASE)
    if not m:
        return None
    a, op, b = int(m[1]), m[2].replace("x", "*").replace("×", "*"), int(m[3])
    return f"{a} {op} {b} = {_OPS[op](a, b)}."


@task("tool_gate")
def tool_gate(messages: list[dict], tools: list[dict]) -> str:
    schemas = catalog_tools(_system(messages))
    text, _ = current_request(_conversation(messages))
    if direct := _mental_arithmetic(text):
        return json.dumps({"use_tools": False, "answer": direct, "reason": "simple arithmetic I know"})
    plan = plan_request(text, schemas)
    if plan.intent == "greeting":
        return json.dumps({"use_tools": False, "answer": "Hello! " + policy.OFFLINE_NOTE, "reason": "small talk"})
    if plan.intent == "unknown":
        return json.dumps({"use_tools": False, "answer": policy.OFFLINE_NOTE,
                           "reason": "no tool in the set fits this message"})
    return json.dumps({"use_tools": True, "reason": f"the request needs {plan.needs or 'a tool'} ({plan.intent})"})


@task("refine_call")
def refine_call(messages: list[dict], tools: list[dict]) -> str:
    import difflib

    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return json.dumps({"decision": "keep", "reason": "no structured input"})
    call = payload.get("call") or {}
    schema = (payload.get("tool") or {}).get("parameters") or {}
    properties: dict[str, Any] = schema.get("properties") or {}
    arguments = dict(call.get("arguments") or {})
    revised: dict[str, Any] = {}
    changes: list[str] = []
    for key, value in arguments.items():
        target = key
        if key not in properties and properties:
            close = difflib.get_close_matches(key, [p for p in properties if p not in arguments], n=1, cutoff=0.0)
            if not close:
                changes.append(f"dropped unknown argument {key!r}")
                continue
            target = close[0]
            changes.append(f"renamed {key!r} to {target!r}")
        spec = properties.get(target, {})
        if isinstance(value, str) and "enum" in spec and value not in spec["enum"]:
            match = next((e for e in spec["enum"] if str(e).lower() == value.strip().lower()), None)
            if match is not None:
                changes.append(f"{target}: {value!r} -> {match!r}")
                value = match
        revised[target] = value
    if not changes:
        return json.dumps({"decision": "keep", "reason": "the call matches the tool's schema and the request"})
    return json.dumps({"decision": "revise", "arguments": revised, "reason": "; ".join(changes)})
