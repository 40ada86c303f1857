"""Tool-call refinement (after ToolACE-R, Zeng et al., 2025, "ToolACE-R: Model-aware Iterative Training and
Adaptive Refinement for Tool Learning"): before a proposed tool call runs, the model re-reads it against the
request and the tool's schema (with any problems a schema validator found) and either keeps it or writes a
corrected one; repeated until it keeps the call or the round limit is reached.

Setting `refine` = number of rounds (0 = off), for the react and awn designs: `agent -> refine -> tools`
(react) and `agent -> refine -> check` (awn). Each round is a model step and a `refine` step in the trace
with the call before and after.
"""

from __future__ import annotations

import json
from typing import Any

from app.agents.base import AgentContext, call_model, dumps, parse_json
from app.llm.gateway import parse_arguments
from app.tracing.steps import step
from tools.execute import validate_arguments

SYSTEM = """[task:refine_call]
You check a tool call before it runs and fix it if needed. The user content is JSON: {"instruction": [...],
"tool": <the tool's schema>, "call": {"name", "arguments"}, "problems": [<what a schema validator found>]}.
Check every argument against the schema (names, types, enums, formats) and against the instruction (values the
user gave, nothing invented). Reply with JSON only: {"decision": "keep"} when the call is right, or
{"decision": "revise", "arguments": {...}, "reason": "..."} with the corrected arguments."""


def rounds(ctx: AgentContext) -> int:
    try:
        return max(0, min(int(ctx.settings.get("refine", 0) or 0), 5))
    except (TypeError, ValueError):
        return 0


def refine_message(ctx: AgentContext, message: dict[str, Any], conversation: list[dict], *, node: str = "refine") -> dict:
    """The assistant message with each tool call refined (at most `rounds(ctx)` model calls per call)."""
    known = ctx.tools_by_name
    instruction = [m.get("content") for m in conversation if m.get("role") == "user"][-3:]
    refined_calls = []
    for raw in message.get("tool_calls") or []:
        name = raw["function"]["name"]
        arguments, parse_error = parse_arguments(raw["function"].get("arguments") or "")
        tool = known.get(name)
        if tool is None or parse_error:  # nothing to refine against: the tool step reports it
            refined_calls.append(raw)
            continue
        for round_no in range(1, rounds(ctx) + 1):
            _, problems = validate_arguments(tool, arguments)
            payload = {"instruction": instruction, "tool": tool.function,
                       "call": {"name": name, "arguments": arguments}, "problems": problems}
            reply = call_model(ctx, [{"role": "system", "content": SYSTEM},
                                     {"role": "user", "content": json.dumps(payload, ensure_ascii=False, default=str)}],
                               node=node, name=f"refine {name}")
            verdict = parse_json(reply.content) or {"decision": "keep", "reason": "unparseable refinement"}
            revised = verdict.get("arguments")
            changed = verdict.get("decision") == "revise" and isinstance(revised, dict) and revised != arguments
            with step("refine", node, f"refine {name}", input={"name": name, "arguments": arguments,
                                                                "problems": problems}) as s:
                s.output = {"name": name, "arguments": revised if changed else arguments}
                s.meta.update(round=round_no, changed=changed, reason=verdict.get("reason", ""))
            if not changed:
                break
            arguments = revised
        refined_calls.append({**raw, "function": {**raw["function"], "arguments": dumps(arguments)}})
    return {**message, "tool_calls": refined_calls}
