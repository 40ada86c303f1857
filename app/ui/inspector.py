"""The Inspector tab: a session's summary, timeline, steps (click one for its detail, mark it), step tree, token
chart, agent graph and time travel; and its read-only share links (create with a redaction preview, list, revoke)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app import agents, sharing
from app.tracing.steps import Step
from app.ui import marks, render, state_panel, step_detail, time_travel
from app.ui.shell import OnSession, Shell, on_session


# Column headers (and the compare table's row labels) read as words: never broken inside one ("stat us",
# "cos t $", "question s asked" on a narrow table).
CSS = """
#steps-table th, #steps-table th *, #dataset-items th, #dataset-items th *, #compare-table th,
#compare-table td:first-child, #compare-table td:first-child * {white-space: nowrap !important;
    word-break: keep-all !important; overflow-wrap: normal !important}
#step-detail {padding: 8px 14px; max-height: 75vh; overflow-y: auto}
#step-detail blockquote {margin: 4px 0 10px 0; padding: 2px 10px; border-left: 3px solid #cbd5e1; opacity: .9}
#step-detail pre {white-space: pre-wrap; word-break: break-word}
"""

PAGE_ROWS = 200  # the step table's rows a page


@dataclass
class InspectorTab:
    inspect_dd: gr.Dropdown
    drawn: Any  # fn(sid, who, shown sid): the tab's panels for the session, drawn as the tab opens
    drawn_outputs: list[Any]


def build(shell: Shell) -> InspectorTab:
    runner, owner = shell.runner, shell.owner
    with gr.Row():
        inspect_dd = gr.Dropdown([], label="Session", scale=4, elem_id="inspect-session")
        refresh_btn = gr.Button("Refresh", scale=1, elem_id="inspect-refresh")
    summary = gr.Markdown(elem_id="inspect-summary")
    with gr.Accordion("Share this trace (read-only link)", open=False, elem_id="share-panel"):
        with gr.Row():
            share_days = gr.Number(7, label="Expires after (days; empty = never)", elem_id="share-days")
            share_preview_btn = gr.Button("Preview redactions", elem_id="share-preview")
            share_btn = gr.Button("Create link", variant="primary", elem_id="share-create")
        share_md = gr.Markdown(elem_id="share-result")
        with gr.Row():
            shares_dd = gr.Dropdown([], label="Links to this session", scale=4, elem_id="share-list")
            revoke_btn = gr.Button("Revoke", variant="stop", scale=1, elem_id="share-revoke")
    timeline = gr.Plot(label="Timeline", elem_id="timeline")
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                steps_search = gr.Textbox(label="Search steps (a tool, an argument, a result, an error)", scale=3,
                                          elem_id="steps-search")
                steps_page = gr.Number(1, label="Page", precision=0, minimum=1, scale=1, elem_id="steps-page")
            steps_info = gr.Markdown(elem_id="steps-info")
            steps_df = gr.Dataframe(headers=render.STEP_COLUMNS, interactive=False, label="Steps "
                                    "(click a row for its detail)", elem_id="steps-table", wrap=True)
        with gr.Column(scale=2):
            tree_md = gr.Markdown(label="Step tree", elem_id="step-tree")
    with gr.Group(elem_id="step-panel"):
        step_md = gr.Markdown(step_detail.detail(None, None), elem_id="step-detail")
        with gr.Accordion("Raw JSON of this step", open=False, elem_id="step-raw-panel"):
            step_json = gr.JSON(label="The step as stored", elem_id="step-raw")
    marks_shown = marks.mark_panel(shell, inspect_dd, step_json)
    trace_state = gr.State(None)
    shown_state = gr.State(None)  # the trace's steps on the table's page, by index
    branches_shown = time_travel.build(runner, inspect_dd, owner, steps_df, trace_state, shown_state,
                                       shell.session_choices)
    state_shown = state_panel.build(runner, inspect_dd, owner, shell.session_choices)
    tokens_plot = gr.Plot(label="Tokens", elem_id="tokens")
    graph_md = gr.Markdown(elem_id="agent-graph")
    with gr.Accordion("Memory: what opened graphs keep in their store for you", open=False, elem_id="memory-panel",
                      visible=any(a.io is not None for a in agents.AGENTS.values())):
        memory_md = gr.Markdown(elem_id="memory")

    def session_graph(sid: str) -> str:
        try:
            return "**Agent graph**\n\n```mermaid\n" + runner.graph_mermaid(sid) + "\n```"
        except Exception as exc:  # e.g. a bring-your-own design this server did not load
            return f"_The agent graph cannot be drawn here: {render.plain(str(exc))}_"

    def table(trace, query, page):
        """The table's page of the (searched) steps: rows, a line saying where we are, the rows' indices."""
        steps = trace["steps"] if trace else []
        picked = render.search_steps(steps, query)
        pages = max(1, -(-len(picked) // PAGE_ROWS))
        page = min(max(1, int(page or 1)), pages)
        shown = picked[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]
        found = f"{len(picked)} of {len(steps)} steps" if (query or "").strip() else f"{len(steps)} steps"
        info = f"{found} · page {page} of {pages}" + (f" ({PAGE_ROWS} a page)" if pages > 1 else "")
        return render.step_rows([Step.from_dict(steps[i]) for i in shown]), info, shown, gr.update(value=page)

    def inspect(sid: str | None, who: str | None):
        if not sid or not who:
            empty = render.timeline_figure([])
            return ["_Pick a session (the current one is chosen for you)._", empty, [], "",
                    *shown_step(None, None), None, "", None, gr.update(value=1)]
        trace = runner.trace(sid, who)
        steps = render.steps_of(trace)
        rows, info, shown, page = table(trace, "", 1)
        return [render.summary_markdown(trace), render.timeline_figure(steps), rows,
                render.step_tree(steps, trace["runs"]), *shown_step(trace["steps"][-1] if steps else None, trace),
                trace, info, shown, page]

    def below(sid: str | None, trace):
        """What is below the first screen, drawn once that is on it: the token chart and the agent graph."""
        if not sid or not trace:
            return render.tokens_figure([]), ""
        return render.tokens_figure(render.steps_of(trace)), session_graph(sid)

    def shown_step(step, trace):
        """The step panel: the step as a person reads it, and its raw record behind "Raw JSON"."""
        return step_detail.detail(step, trace), step

    inspect_outputs = [summary, timeline, steps_df, tree_md, step_md, step_json, trace_state, steps_info,
                       shown_state, steps_page]
    refresh_btn.click(lambda sid, who: [gr.update(choices=shell.session_choices(who), value=sid),
                                         *inspect(sid, who)], [inspect_dd, owner], [inspect_dd, *inspect_outputs]
                      ).then(below, [inspect_dd, trace_state], [tokens_plot, graph_md])
    table_outputs = [steps_df, steps_info, shown_state, steps_page]
    steps_search.submit(lambda trace, q: table(trace, q, 1), [trace_state, steps_search], table_outputs)
    steps_page.submit(table, [trace_state, steps_search, steps_page], table_outputs)

    def show_step(trace, shown, evt: gr.SelectData):
        return shown_step(time_travel.picked_step(trace, shown, evt), trace)

    steps_df.select(show_step, [trace_state, shown_state], [step_md, step_json])

    def share_choices(sid, who):
        if not sid or not who:
            return []
        return [(f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(x['created_at']))} · {x['state']} · "
                 f"{x['views']} view(s)", x["id"]) for x in sharing.listing(runner.db, sid, who)]

    def redaction_lines(found):
        if not found:
            return "Nothing to redact: no secrets from the environment, Authorization headers or keys found."
        return "**Will be redacted:**\n" + "\n".join(f"- {render.plain(f['where'])}: {render.plain(f['what'])}"
                                                     for f in found)

    def share_preview(sid, who):
        if not sid:
            return "Pick a session first."
        return redaction_lines(sharing.preview(runner.db, sid, who)["redactions"])

    def create_share(sid, who, days, request: gr.Request = None):
        if not sid:
            return "Pick a session first.", gr.update()
        if days is not None and days <= 0:
            return "⚠️ Expiry must be a positive number of days (or empty for never).", gr.update()
        made = sharing.create(runner.db, sid, who, expires_days=days or None)
        host = request.headers.get("host", "") if request is not None else ""
        full = f"http://{host}{made['path']}" if host else made["path"]
        text = (f"**Link** (shown once; only its hash is kept): [{render.plain(full)}]({made['path']})\n\n"
                + redaction_lines(made["redactions"]))
        return text, gr.update(choices=share_choices(sid, who), value=made["id"])

    def revoke_share(share_id, sid, who):
        if not share_id:
            return "Pick a link to revoke.", gr.update()
        done = sharing.revoke(runner.db, share_id, who)
        return ("Revoked: the link now answers 404." if done else "That link was already revoked.",
                gr.update(choices=share_choices(sid, who), value=None))

    def memory(_sid, who) -> str:
        if not who or not any(a.io is not None for a in agents.AGENTS.values()):
            return ""
        rows = runner.memories(who)
        if not rows:
            return "_Nothing kept yet._"
        return "| namespace | key | value | updated |\n|---|---|---|---|\n" + "\n".join(
            f"| {render.cell(' / '.join(r['namespace']))} | {render.cell(r['key'])} | "
            f"{render.cell(json.dumps(r['value'], ensure_ascii=False), 300)} | {render.cell(r['updated_at'][:19])} |"
            for r in rows)

    # Opening the tab draws the chat's session at once, in the tab's own event: waiting for the menu's change
    # event was a second round trip and redraw (bench/inspector_open.py). That change event, if the menu's value
    # changes, then leaves the panels drawn (`drawn`, once); the other panels are its as before.
    drawn = gr.State(None)

    def draw(sid, who, shown):
        if not sid or not who:
            return [gr.update()] * (len(inspect_outputs) + 1)
        return [*inspect(sid, who), sid if shown != sid else None]

    def inspect_once(sid, who, drawn_sid):
        if drawn_sid is not None and drawn_sid == sid:  # the tab's opening drew it just now
            return [*(gr.update() for _ in inspect_outputs), None]
        return [*inspect(sid, who), None]

    share_preview_btn.click(share_preview, [inspect_dd, owner], share_md)
    share_btn.click(create_share, [inspect_dd, owner, share_days], [share_md, shares_dd])
    revoke_btn.click(revoke_share, [shares_dd, inspect_dd, owner], [share_md, shares_dd])
    on_session(inspect_dd, owner, [
        OnSession(inspect_once, [*inspect_outputs, drawn], [drawn]), marks_shown, branches_shown, state_shown,
        OnSession(memory, [memory_md]),
        OnSession(lambda sid, who: gr.update(choices=share_choices(sid, who), value=None), [shares_dd])]
    ).then(below, [inspect_dd, trace_state], [tokens_plot, graph_md])
    # Opening the list reads the links again: their view counts and states are as of now, not of the page load.
    shares_dd.focus(lambda sid, who, picked: gr.update(choices=share_choices(sid, who), value=picked),
                    [inspect_dd, owner, shares_dd], shares_dd)
    return InspectorTab(inspect_dd, draw, [*inspect_outputs, drawn])
