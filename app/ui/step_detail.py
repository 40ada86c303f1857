"""One step, as a person reads it in the inspector: what it was and when (relative to its turn), the messages
a model was sent as a conversation, its reply, each tool call as a name and arguments with where each value
came from, the result. The raw record stays one click away (the inspector's "Raw JSON").

Everything here is Markdown built from untrusted text through `render`'s escaping: a model's reply or a tool's
result is shown, never read as HTML, and loads nothing.
"""

from __future__ import annotations

import json
from typing import Any

from app.tracing.steps import PROVENANCE, TOOL_CALL_ID, Step, StepKind
from app.ui.render import KIND_ICON, code, inline_code, plain, source_label, text

ROLE_LABEL = {"system": "⚙️ system", "user": "👤 user", "assistant": "🤖 assistant", "tool": "🛠️ tool"}
MESSAGE_CHARS = 1500  # of each message in the conversation view (the raw JSON has it all)


def seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.2f} s"


def turn_start(step: Step, steps: list[dict[str, Any]], runs: list[dict[str, Any]]) -> float:
    """When the step's turn began: its run's start, else the run's first step."""
    for run in runs:
        if run.get("id") == step.run_id and run.get("started_at"):
            return float(run["started_at"])
    starts = [s["started_at"] for s in steps if s.get("run_id") == step.run_id and s.get("started_at")]
    return min(starts, default=step.started_at)


def header(step: Step, start: float, turn: int | None) -> str:
    where = f"turn {turn}" if turn else "its turn"
    took = "still running" if step.ended_at is None else seconds((step.ended_at - step.started_at))
    bits = [f"### {KIND_ICON.get(step.kind, '•')} #{step.seq} {plain(step.kind)} · {plain(step.name)}",
            f"**{'⚠️ error' if step.status == 'error' else 'ok'}** · node {inline_code(step.node)} · started "
            f"**+{seconds(step.started_at - start)}** into {where} · took **{took}**"]
    if step.prompt_tokens or step.completion_tokens:
        bits[-1] += (f" · {step.prompt_tokens} prompt + {step.completion_tokens} completion tokens · "
                     f"${step.cost:.6f}")
    if step.error:
        bits.append(f"**Error:** {plain(step.error)}")
    return "\n\n".join(bits)


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    value = str(content or "")
    return value if len(value) <= MESSAGE_CHARS else value[:MESSAGE_CHARS] + " … (the raw JSON has it all)"


def _arguments(call: dict[str, Any]) -> Any:
    raw = (call.get("function") or {}).get("arguments")
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw or "{}")
    except (TypeError, json.JSONDecodeError):
        return raw  # a malformed call is shown as the model wrote it


def call_lines(name: Any, arguments: Any, provenance: dict[str, Any] | None) -> str:
    """A tool call: its name, then each argument, its value and where the value came from."""
    lines = [f"**{plain(name)}**"]
    if isinstance(arguments, dict):
        if not arguments:
            lines.append("- _no arguments_")
        for key, value in arguments.items():
            where = source_label((provenance or {}).get(key), excerpt=True)
            lines.append(f"- {inline_code(key)} = {inline_code(json.dumps(value, ensure_ascii=False, default=str))}"
                         + (f" ← {where}" if where else ""))
    else:
        lines.append("Arguments (not a JSON object):\n\n" + code(arguments, "text"))
    return "\n".join(lines)


def conversation(messages: list[dict[str, Any]]) -> str:
    """The messages a model was sent, one block each: who, then what (a tool call as name and arguments)."""
    blocks = []
    for i, message in enumerate(messages):
        role = str(message.get("role", "?"))
        label = ROLE_LABEL.get(role, plain(role))
        if message.get("name") and role == "tool":
            label += f" {inline_code(message['name'])}"
        body = _content(message)
        parts = [f"**{i + 1}. {label}**"]
        if body:
            parts.append(code(body, "text") if role == "tool" else quote(body))
        for call in message.get("tool_calls") or []:
            parts.append("calls " + call_lines((call.get("function") or {}).get("name"), _arguments(call), None))
        blocks.append("\n\n".join(parts))
    return "\n\n".join(blocks)


def quote(value: str) -> str:
    """Text as a Markdown quote that wraps (a prompt in a code block ran off the side)."""
    return "\n".join("> " + line if line.strip() else ">" for line in text(value).splitlines())


def _tool_steps(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The tool steps by the model's call id: where each call's arguments were traced to their sources."""
    return {s["meta"][TOOL_CALL_ID]: s for s in steps if s.get("kind") == StepKind.TOOL
            and (s.get("meta") or {}).get(TOOL_CALL_ID)}


def body(step: Step, steps: list[dict[str, Any]]) -> str:
    given, output = step.input, step.output
    parts: list[str] = []
    if step.kind == StepKind.MODEL and isinstance(given, dict) and isinstance(given.get("messages"), list):
        offered = given.get("tools") or []
        model = given.get("model") or step.meta.get("model")
        parts.append(f"**Sent to {inline_code(model)}** ({len(given['messages'])} messages"
                     + (f"; tools offered: {', '.join(inline_code(t) for t in offered)}" if offered else "")
                     + ")\n\n" + conversation(given["messages"]))
        reply = output if isinstance(output, dict) else {"content": output}
        said = _content(reply)
        calls = reply.get("tool_calls") or []
        traced = _tool_steps(steps) if calls else {}
        lines = [text(said)] if said else []
        for call in calls:
            ran = traced.get(call.get("id"))
            prov = ((ran or {}).get("meta") or {}).get(PROVENANCE)
            lines.append(call_lines((call.get("function") or {}).get("name"), _arguments(call), prov)
                         + ("" if ran else "\n- _not run (checked, refused or the turn ended first)_"))
        parts.append("**Reply**\n\n" + ("\n\n".join(lines) if lines else "_empty_"))
    elif step.kind == StepKind.TOOL:
        parts.append("**Call**\n\n" + call_lines(step.name, given, step.meta.get(PROVENANCE)))
        if step.status != "error" or output is not None:
            parts.append("**Result**\n\n" + code(output))
    elif step.kind == StepKind.CLARIFICATION:
        question = given if isinstance(given, dict) else {}
        options = question.get("options") or []
        parts.append(f"**Asked:** {text(question.get('question', ''))}"
                     + (f"\n\n**Options:** {' · '.join(inline_code(o) for o in options)}" if options else "")
                     + f"\n\n<sub>{plain(question.get('kind', ''))} · field {plain(question.get('field') or '-')} · "
                       f"detected by {plain(question.get('detected_by', ''))}</sub>"
                     + f"\n\n**Answer:** {text(output) if output is not None else '_not yet answered_'}")
    else:
        if given is not None:
            parts.append("**Input**\n\n" + code(given))
        if output is not None:
            parts.append("**Output**\n\n" + code(output))
    extra = {k: v for k, v in step.meta.items() if k not in (PROVENANCE, TOOL_CALL_ID, "model", "latency_ms")}
    if extra:
        parts.append("**Details**\n\n" + code(extra))
    return "\n\n".join(parts)


def detail(raw: dict[str, Any] | None, trace: dict[str, Any] | None) -> str:
    """The inspector's reading of one step of `trace` (a trace document)."""
    if not raw:
        return "_Click a step in the table to read it here._"
    steps, runs = (trace or {}).get("steps") or [], (trace or {}).get("runs") or []
    step = Step.from_dict(raw)
    turn = next((i + 1 for i, r in enumerate(runs) if r.get("id") == step.run_id), None)
    return header(step, turn_start(step, steps, runs), turn) + "\n\n" + body(step, steps)
