"""The Compare tab: one prompt, 2-4 agent and model pairs side by side, each column a session of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr
import plotly.graph_objects as go

from app import compare
from app.llm import gateway
from app.runner import TurnError
from app.ui import render
from app.ui.owners import known
from app.ui.shell import Shell
from storage import NotFound


@dataclass
class CompareTab:
    tools: gr.Dropdown
    saved: gr.Dropdown


def build(shell: Shell) -> CompareTab:
    runner, owner, resolve_owner, pick_toolset = shell.runner, shell.owner, shell.resolve_owner, shell.pick_toolset
    agent_choices, all_models, tool_names = shell.agent_choices, shell.model_choices, shell.tool_names
    gr.Markdown("One prompt, 2–4 agent and model pairs, side by side. Each column is a session of its "
                "own: open it in the chat (to answer a question) or the inspector.")
    cmp_prompt = gr.Textbox(label="Prompt", elem_id="compare-prompt", lines=2)
    with gr.Row():
        cmp_toolset = gr.Dropdown(shell.toolset_choices(None), value="travel", label="Tool set",
                                  elem_id="compare-toolset")
        cmp_tools = gr.Dropdown(tool_names, value=runner.tools.toolsets["travel"], multiselect=True,
                                label="Tools", elem_id="compare-tools")
    cmp_fields = []
    for i, default in enumerate(["react", "awn", "", ""]):
        with gr.Row():
            cmp_fields.append(gr.Dropdown([("(none)", ""), *agent_choices], value=default,
                                          label=f"Column {i + 1}: agent", elem_id=f"compare-agent-{i}"))
            cmp_fields.append(gr.Dropdown(all_models, value=gateway.default_model(), label="Model",
                                          allow_custom_value=True, elem_id=f"compare-model-{i}"))
            shell.model_menus.append(cmp_fields[-1])
            cmp_fields.append(gr.Textbox(label="Settings (JSON)", placeholder='{"tool_gate": true}',
                                         elem_id=f"compare-settings-{i}"))
    cmp_run = gr.Button("Compare", variant="primary", elem_id="compare-run")
    cmp_error = gr.Markdown(elem_id="compare-error")
    cmp_table = gr.Markdown(comparison_markdown(None), elem_id="compare-table")
    cmp_plot = gr.Plot(elem_id="compare-plot")
    with gr.Row():
        cmp_saved = gr.Dropdown([], label="Saved comparisons", scale=4, elem_id="compare-saved")
        cmp_open = gr.Button("Open", scale=1, elem_id="compare-open")

    cmp_toolset.input(pick_toolset, [cmp_toolset, owner], cmp_tools)
    cmp_tools.input(lambda: "(custom)", None, cmp_toolset)

    def run_compare(prompt, toolset, tools, who, *fields, request: gr.Request = None):
        """Run the comparison, showing each column as it finishes."""
        who = known(who) or resolve_owner(None, request)
        columns = []
        try:
            for i in range(0, len(fields), 3):
                agent, model, raw = fields[i:i + 3]
                if agent:
                    try:
                        settings = json.loads(raw) if (raw or "").strip() else {}
                    except json.JSONDecodeError as exc:
                        raise TurnError(f"column {i // 3 + 1}: settings are not valid JSON: {exc.msg}") from exc
                    columns.append({"agent": agent, "model": model, "settings": settings})
            custom = toolset in (None, "", "(custom)")
            result = None
            for result in compare.run(runner, prompt, columns, tools=list(tools or []) if custom else None,
                                      toolset=None if custom else toolset, owner=who):
                yield ["", comparison_markdown(result), comparison_figure(result), gr.update()]
            yield ["", comparison_markdown(result), comparison_figure(result),
                   gr.update(choices=compare.saved(runner, who), value=result["id"] if result else None)]
        except Exception as exc:  # unknown agent or model, missing key, bad settings: say which column
            yield [f"⚠️ {render.plain(str(exc))}", gr.update(), gr.update(), gr.update()]

    cmp_run.click(run_compare, [cmp_prompt, cmp_toolset, cmp_tools, owner, *cmp_fields],
                  [cmp_error, cmp_table, cmp_plot, cmp_saved], api_name="compare")

    def open_comparison(cid, who):
        if not cid:
            return ["Pick a saved comparison.", gr.update(), gr.update(), gr.update()]
        try:
            result = compare.load(runner, cid, who)
        except NotFound:
            return ["⚠️ That comparison is gone.", gr.update(), gr.update(), gr.update()]
        return ["", comparison_markdown(result), comparison_figure(result), result["prompt"]]

    cmp_open.click(open_comparison, [cmp_saved, owner], [cmp_error, cmp_table, cmp_plot, cmp_prompt])
    return CompareTab(cmp_tools, cmp_saved)


def comparison_markdown(comparison: dict[str, Any] | None) -> str:
    """The columns side by side: one table column per (agent, model), one row per figure, and links to each
    column's session in the chat and the inspector."""
    if not comparison:
        return "_Pick 2–4 agent and model pairs, write a prompt and press Compare._"
    cols = comparison["columns"]
    head = "| | " + " | ".join(f"**{render.cell(c['agent'])}** · `{render.cell(c['model'])}`" for c in cols) + " |"
    rows = [head, "|---" * (len(cols) + 1) + "|"]

    def row(label: str, fn) -> None:
        rows.append(f"| {label} | " + " | ".join(fn(c) for c in cols) + " |")

    row("status", lambda c: render.cell(c["status"]))
    row("answer", lambda c: render.cell(c.get("answer")))
    for key, label in [("steps", "steps"), ("model_calls", "model calls"), ("tool_calls", "tool calls"),
                       ("questions", "questions asked"), ("prompt_tokens", "prompt tokens"),
                       ("completion_tokens", "completion tokens")]:
        row(label, lambda c, k=key: render.cell(c.get(k, "")))
    row("cost", lambda c: "" if c.get("cost") is None else f"${c['cost']:.6f}")
    row("latency", lambda c: "" if c.get("latency_ms") is None else f"{c['latency_ms']:.0f} ms")
    row("settings", lambda c: render.cell(json.dumps(c.get("settings") or {})))
    row("trace", lambda c: (f"[chat](?session={c['session_id']}&tab=chat) · "
                            f"[inspector](?session={c['session_id']}&tab=inspector)") if c.get("session_id") and
        c["status"] != "deleted" else "")
    return f"**Prompt:** {render.cell(comparison['prompt'], 500)}\n\n" + "\n".join(rows)


def comparison_figure(comparison: dict[str, Any] | None) -> go.Figure:
    from plotly.subplots import make_subplots

    panels = [("prompt_tokens", "prompt tokens"), ("completion_tokens", "completion tokens"),
              ("latency_ms", "latency (ms)"), ("steps", "steps"), ("questions", "questions asked")]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[1] for p in panels])
    cols = [c for c in (comparison or {}).get("columns", []) if c.get("session_id")]
    labels = [f"{i}. {c['agent']}<br>{c['model']}" for i, c in enumerate(cols, start=1)]
    palette = ["#6366f1", "#10b981", "#f59e0b", "#ec4899"]
    for j, (key, _) in enumerate(panels, start=1):
        fig.add_trace(go.Bar(x=labels, y=[c.get(key) or 0 for c in cols], marker_color=palette[: len(cols)],
                             showlegend=False, hovertemplate="%{x}: %{y}<extra></extra>"), row=1, col=j)
    fig.update_yaxes(rangemode="nonnegative")
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=50, b=10), **render.CHART,
                      title="Side by side")
    return fig
