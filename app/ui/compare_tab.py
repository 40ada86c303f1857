"""The Compare tab: one prompt, 2-4 agent and model pairs side by side, each column a session of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr

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
            cmp_fields.append(gr.Textbox(label="Settings (JSON)", placeholder='{"tool_gate": true}',
                                         elem_id=f"compare-settings-{i}"))
    cmp_run = gr.Button("Compare", variant="primary", elem_id="compare-run")
    cmp_error = gr.Markdown(elem_id="compare-error")
    cmp_table = gr.Markdown(render.comparison_markdown(None), elem_id="compare-table")
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
                yield ["", render.comparison_markdown(result), render.comparison_figure(result), gr.update()]
            yield ["", render.comparison_markdown(result), render.comparison_figure(result),
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
        return ["", render.comparison_markdown(result), render.comparison_figure(result), result["prompt"]]

    cmp_open.click(open_comparison, [cmp_saved, owner], [cmp_error, cmp_table, cmp_plot, cmp_prompt])
    return CompareTab(cmp_tools, cmp_saved)
