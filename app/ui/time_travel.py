"""The inspector's time-travel panel: fork from the selected step after one edit, switch between branches,
and sweep alternative answers to a question. Everything goes through `app.timetravel`."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from app import timetravel
from app.runner import Runner, TurnError
from app.ui import render
from app.ui.owners import need_owner
from app.ui.shell import OnSession
from app.ui.render import cell as _cell
from storage import NotFound

KIND_LABELS = [("the user message of its turn", "message"), ("the tool call's arguments", "arguments"),
               ("the clarification answer", "answer")]


def default_edit(trace: dict[str, Any] | None, seq: Any, kind: str) -> str:
    """What the edit box starts with: the current message, arguments (JSON) or answer at that step."""
    if not trace or seq in (None, ""):
        return ""
    step = next((s for s in trace["steps"] if s["seq"] == int(seq)), None)
    if step is None:
        return ""
    if kind == "arguments":
        return json.dumps(step["input"], ensure_ascii=False) if step["kind"] == "tool" else ""
    if kind == "answer":
        return str(step["output"] or "") if step["kind"] == "clarification" else ""
    run = next((r for r in trace["runs"] if r["id"] == step["run_id"]), None)
    return run["user_message"] if run else ""


def kind_for(step: dict[str, Any]) -> str:
    return {"tool": "arguments", "clarification": "answer"}.get(step["kind"], "message")


def branch_label(b: dict[str, Any]) -> str:
    if b["kind"] is None:
        what = "original"
    else:
        at = f"step {b['step_seq']}" if b["step_seq"] else "its open question"
        edit = b["edit"] if isinstance(b["edit"], str) else json.dumps(b["edit"], ensure_ascii=False)
        what = f"{b['kind']} at {at} → {' '.join(str(edit).split())[:40]}"
    return f"{'● ' if b['current'] else ''}{what} · {b['status']} · {b['session_id'][:8]}"


def links(session_id: str) -> str:
    return f"[inspector](?session={session_id}&tab=inspector) · [chat](?session={session_id}&tab=chat)"


def one_per_line(tried: list[str]) -> str:
    """A note when the answers look typed on one line with commas: each line is one answer (an answer may hold a
    comma, "Lisbon, Portugal"), so they are tried as one; the note says how to try them apart."""
    if len(tried) == 1 and "," in tried[0]:
        parts = [p.strip() for p in tried[0].split(",") if p.strip()]
        return (f"_Tried as one answer: “{render.plain(tried[0].strip())}”. To try {len(parts)} answers, put each "
                "on its own line._\n\n")
    return ""


def sweep_markdown(result: dict[str, Any] | None) -> str:
    if not result or not result.get("rows"):
        return ""
    lines = ["| answer | status | where it led | tool calls | steps | tokens | branch |", "|---" * 7 + "|"]
    for row in result["rows"]:
        cells = [_cell(row["answer"], 60), _cell(row["status"]), _cell(row.get("final_answer") or row.get("error")),
                 _cell(", ".join(row.get("tool_calls") or []) or "none", 160), _cell(row.get("steps", "")),
                 _cell(row.get("tokens", "")), links(row["session_id"]) if row.get("session_id") else ""]
        lines.append("| " + " | ".join(cells) + " |")
    for answer in result.get("pending") or []:
        lines.append(f"| {_cell(answer, 60)} | waiting | | | | | |")
    return "\n".join(lines)


def picked_step(trace: dict[str, Any] | None, shown: list[int] | None, evt: gr.SelectData | None):
    """The step of the table row a person clicked (the table shows a page of the trace's steps), or None."""
    if not trace or evt is None:
        return None
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    indices = shown if shown is not None else range(len(trace["steps"]))
    return trace["steps"][indices[row]] if 0 <= row < len(indices) else None


def build(runner: Runner, inspect_dd: gr.Dropdown, owner: gr.State, steps_df: gr.Dataframe,
          trace_state: gr.State, shown_state: gr.State, session_choices) -> OnSession:
    """`shown_state`: the indices into the trace's steps of the table's rows (the table shows a page)."""
    """The panel's components and events, inside the inspector tab."""
    with gr.Accordion("Time travel: fork from a step, branches, answer sweep", open=False, elem_id="time-travel"):
        gr.Markdown("Click a step in the table, change one thing and run on from there. The fork is a new "
                    "session (a branch); this one is never changed.")
        with gr.Row():
            step_num = gr.Number(None, label="Step #", precision=0, scale=1, elem_id="fork-step")
            kind = gr.Radio(KIND_LABELS, value="message", label="Change", scale=3, elem_id="fork-kind")
        edit = gr.Textbox(label="New value (arguments as a JSON object)", lines=2, elem_id="fork-edit")
        fork_btn = gr.Button("Fork and re-run", variant="primary", elem_id="fork-run")
        result_md = gr.Markdown(elem_id="fork-result")
        with gr.Row():
            branches_dd = gr.Dropdown([], label="Branches of this conversation (pick one to inspect it)", scale=4,
                                      elem_id="branches")
        with gr.Group():
            answers = gr.Textbox(label="Answer sweep: answers to try at the selected clarification step (or the "
                                 "pending question), one per line", lines=3, elem_id="sweep-answers")
            sweep_btn = gr.Button("Sweep", elem_id="sweep-run")
        sweep_md = gr.Markdown(elem_id="sweep-table")

    def branch_choices(sid: str | None, who: str | None) -> dict:
        if not sid or not who:
            return gr.update(choices=[], value=None)
        try:
            family = timetravel.branches(runner, sid, who)
        except NotFound:
            return gr.update(choices=[], value=None)
        return gr.update(choices=[(branch_label(b), b["session_id"]) for b in family], value=sid)

    def pick_step(trace, shown, evt: gr.SelectData):
        step = picked_step(trace, shown, evt)
        if step is None:
            return gr.update(), gr.update(), gr.update()
        k = kind_for(step)
        return step["seq"], k, default_edit(trace, step["seq"], k)

    def run_fork(sid, who, seq, k, value):
        who = need_owner(who)
        if not sid:
            return "Pick a session first.", gr.update(), gr.update()
        if seq in (None, ""):
            return "Click a step in the table (or type its #) first.", gr.update(), gr.update()
        try:
            edit_kw = {{"message": "message", "arguments": "arguments", "answer": "answer"}[k]: value}
            result = timetravel.run_fork(runner, sid, int(seq), owner=who, **edit_kw)
        except (TurnError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update(), gr.update()
        said = result.final_answer or (result.clarification.question if result.clarification else None) or result.error or ""
        text = (f"**New branch** `{result.session_id[:8]}` · {result.status}: {_cell(said, 400)}\n\n"
                f"Open it: {links(result.session_id)} (now shown above).")
        return (text, branch_choices(result.session_id, who),
                gr.update(choices=session_choices(who), value=result.session_id))

    def run_sweep(sid, who, seq, text):
        who = need_owner(who)
        if not sid:
            yield "Pick a session first."
            return
        tried = [line for line in (text or "").splitlines() if line.strip()]
        step = None
        if seq not in (None, ""):
            trace = runner.trace(sid, who)
            chosen = next((s for s in trace["steps"] if s["seq"] == int(seq)), None)
            step = int(seq) if chosen and chosen["kind"] == "clarification" else None
        said = one_per_line(tried)
        try:
            for result in timetravel.sweep(runner, sid, step, tried, owner=who):
                yield said + sweep_markdown(result)
        except (TurnError, NotFound) as exc:
            yield f"⚠️ {render.plain(str(exc))}"

    steps_df.select(pick_step, [trace_state, shown_state], [step_num, kind, edit])
    # `input`, not `change`: only a person moving the radio resets the edit. Clicking a step sets the radio and
    # the edit together; a `change` then wrote the default edit again, over what was typed meanwhile.
    kind.input(default_edit, [trace_state, step_num, kind], edit)
    fork_btn.click(run_fork, [inspect_dd, owner, step_num, kind, edit], [result_md, branches_dd, inspect_dd])
    branches_dd.input(lambda sid, who: gr.update(choices=session_choices(who), value=sid), [branches_dd, owner],
                      inspect_dd)
    sweep_btn.click(run_sweep, [inspect_dd, owner, step_num, answers], sweep_md)
    return OnSession(branch_choices, [branches_dd])
