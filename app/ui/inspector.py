"""The Inspector tab: a session's summary, timeline, steps (click one for its detail), step tree, token chart,
agent graph and time travel; and its read-only share links (create with a redaction preview, list, revoke)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from app import sharing
from app.ui import render, time_travel
from app.ui.shell import Shell


@dataclass
class InspectorTab:
    inspect_dd: gr.Dropdown


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
            steps_df = gr.Dataframe(headers=render.STEP_COLUMNS, interactive=False, label="Steps "
                                    "(click a row for its detail)", elem_id="steps-table", wrap=True)
        with gr.Column(scale=2):
            tree_md = gr.Markdown(label="Step tree", elem_id="step-tree")
    step_json = gr.JSON(label="Step detail: messages sent, response, arguments, result, provenance",
                        elem_id="step-detail")
    trace_state = gr.State(None)
    time_travel.build(runner, inspect_dd, owner, steps_df, trace_state,
                      shell.session_choices)
    tokens_plot = gr.Plot(label="Tokens", elem_id="tokens")
    graph_md = gr.Markdown(elem_id="agent-graph")

    def session_graph(sid: str) -> str:
        try:
            return "**Agent graph**\n\n```mermaid\n" + runner.graph_mermaid(sid) + "\n```"
        except Exception as exc:  # e.g. a bring-your-own design this server did not load
            return f"_The agent graph cannot be drawn here: {render.plain(str(exc))}_"

    def inspect(sid: str | None, who: str | None):
        if not sid or not who:
            empty = render.timeline_figure([])
            return ["_Pick a session (the current one is chosen for you)._", empty, [], "", None,
                    render.tokens_figure([]), "", None]
        trace = runner.trace(sid, who)
        steps = render.steps_of(trace)
        return [render.summary_markdown(trace), render.timeline_figure(steps), render.step_rows(steps),
                render.step_tree(steps, trace["runs"]), trace["steps"][-1] if steps else None,
                render.tokens_figure(steps), session_graph(sid),
                trace]

    inspect_outputs = [summary, timeline, steps_df, tree_md, step_json, tokens_plot, graph_md, trace_state]
    inspect_dd.change(inspect, [inspect_dd, owner], inspect_outputs)
    refresh_btn.click(lambda sid, who: [gr.update(choices=shell.session_choices(who), value=sid),
                                         *inspect(sid, who)], [inspect_dd, owner], [inspect_dd, *inspect_outputs])

    def show_step(trace, evt: gr.SelectData):
        if not trace or evt is None:
            return None
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return trace["steps"][row] if 0 <= row < len(trace["steps"]) else None

    steps_df.select(show_step, trace_state, step_json)

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

    share_preview_btn.click(share_preview, [inspect_dd, owner], share_md)
    share_btn.click(create_share, [inspect_dd, owner, share_days], [share_md, shares_dd])
    revoke_btn.click(revoke_share, [shares_dd, inspect_dd, owner], [share_md, shares_dd])
    inspect_dd.change(lambda sid, who: gr.update(choices=share_choices(sid, who), value=None), [inspect_dd, owner],
                      shares_dd)
    return InspectorTab(inspect_dd)
