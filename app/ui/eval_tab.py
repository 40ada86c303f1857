"""The Eval tab: run an agent on clarification benchmarks with a progress bar, see the metrics per category,
every item with a link to its trace, and charts comparing the stored runs (agent vs agent, model vs model).
Everything goes through `app.eval` and the repositories."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr
import plotly.graph_objects as go

from app import datasets
from app.eval import run as evaluation
from app.eval import kinds
from app.eval.suites import BUILTIN, SuiteError
from app.runner import Runner
from app.ui import render
from app.ui.owners import need_owner
from storage import NotFound, repo



def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return render.plain(str(value))


def summary_markdown(report: dict[str, Any] | None) -> str:
    if not report:
        return "_Run a suite to see its metrics here._"
    parts = [f"**{render.plain(report['agent'])}** on **{render.plain(report['model'])}** · judge "
             f"{render.plain(report['judge']['name'])} ({render.plain(report['judge']['note'])}) · matcher "
             f"{render.plain(report['matcher']['name'])} (threshold {_fmt(report['matcher']['threshold'])})"]
    for suite, categories in report["summary"].items():
        names = [k for k in next(iter(categories.values())) if k not in ("items", "errors")]
        head = "| category | items | errors | " + " | ".join(names) + " |"
        rule = "|---" * (len(names) + 3) + "|"
        rows = [f"| **{render.plain(c)}** | {f['items']} | {f['errors']} | " +
                " | ".join(_fmt(f.get(n)) for n in names) + " |" for c, f in categories.items()]
        parts.append(f"#### {render.plain(suite)}\n\n{head}\n{rule}\n" + "\n".join(rows))
    return "\n\n".join(parts)


def items_markdown(report: dict[str, Any] | None, limit: int = 300) -> str:
    if not report or not report.get("items"):
        return ""
    rows = []
    for item in report["items"][:limit]:
        m = item.get("metrics") or {}
        figures = render.plain(kinds.get(item["kind"]).line(m))
        link = (f"[trace](?session={item['session_id']}&tab=inspector)" if item.get("session_id") else "")
        error = f" ⚠️ {render.plain((item.get('error') or '')[:120])}" if item.get("error") else ""
        rows.append(f"| {render.inline_code(item['item_id'])} | {render.plain(item['category'])} | {item['status']}{error} | "
                    f"{figures if m else '–'} | {len(item.get('exchanges') or [])} | {link} |")
    more = f"\n\n_{len(report['items']) - limit} more in the JSON report._" if len(report["items"]) > limit else ""
    return ("| item | category | status | metrics | questions | |\n|---|---|---|---|---|---|\n" + "\n".join(rows) +
            more)


def comparison_chart(runner: Runner, owner: str | None, suite: str | None) -> go.Figure:
    """The latest finished run of each (agent, model) on `suite`: headline metrics side by side."""
    figure = go.Figure()
    latest: dict[tuple[str, str], Any] = {}
    for row in repo.list_evals(runner.db, owner):  # newest first
        if row.status == "done" and suite in (row.summary or {}) and (row.agent, row.model) not in latest:
            latest[(row.agent, row.model)] = row
    names = kinds.of_summary(next((r.summary[suite].get("all", {}) for r in latest.values()), {})).headline
    for (agent, model), row in sorted(latest.items()):
        figures = row.summary[suite].get("all", {})
        figure.add_bar(name=f"{agent} · {model}", x=list(names), y=[figures.get(n) or 0 for n in names])
    figure.update_layout(barmode="group", height=340, margin=dict(l=40, r=10, t=40, b=40), yaxis_range=[0, 1],
                         title=f"{suite or 'no suite'}: agents and models compared (latest run of each)",
                         legend_title_text="agent · model", showlegend=True, **render.CHART)
    return figure


def _history(runner: Runner, owner: str | None) -> list[tuple[str, str]]:
    return [(f"{', '.join(r.suites)} · {r.agent} · {r.model} · {r.status}", r.id)
            for r in repo.list_evals(runner.db, owner)[:50]]


@dataclass
class EvalTab:
    suites: gr.CheckboxGroup
    refresh: Callable  # (owner, ticked) -> the suites menu with the person's datasets, as the tab opens
    model: gr.Dropdown


def suite_choices(runner: Runner, owner: str | None) -> list[str]:
    """The built-in suites and the person's datasets (`dataset:NAME`)."""
    return [*BUILTIN, *(datasets.PREFIX + d["name"] for d in datasets.listing(runner.db, owner) if d["items"])]


def build(runner: Runner, owner: gr.State, resolve_owner, agent_choices, model_choices) -> EvalTab:
    gr.Markdown("Run an agent on clarification benchmarks with simulated users. **ntb-dev**: 48 tool-call items in "
                "the NoisyToolBench format (IMKI missing key information, IMR multiple references, IwE errors in "
                "the instruction, IBTC beyond the tools). **in3-dev**: the IN3 dev set (vague and clear tasks). "
                "**dataset:NAME**: a dataset you grew from sessions (the Datasets tab). "
                "Each item is a session; its trace is linked below. Or from a shell: `playground eval`.")
    with gr.Row():
        suites = gr.CheckboxGroup(list(BUILTIN), value=["ntb-dev"], label="Suites", elem_id="eval-suites")
        # Wide enough for the longest design's name ("Ask-when-Needed (awn)" was cut off at 1280 px).
        agent = gr.Dropdown(agent_choices, value="awn", label="Agent", elem_id="eval-agent", scale=2, min_width=250)
        model = gr.Dropdown(model_choices, value="demo/offline", label="Model", allow_custom_value=True,
                            elem_id="eval-model", scale=2, min_width=250)
        limit = gr.Number(12, label="Items per suite (0 = all)", precision=0, minimum=0, elem_id="eval-limit")
        concurrency = gr.Number(2, label="Concurrency", precision=0, minimum=1, maximum=8,
                                elem_id="eval-concurrency")
        go_btn = gr.Button("Run", variant="primary", elem_id="eval-run")
    status = gr.Markdown(elem_id="eval-status")
    summary = gr.Markdown(summary_markdown(None), elem_id="eval-summary")
    chart = gr.Plot(elem_id="eval-chart", visible=False)  # shown with the first run's figures
    with gr.Row():
        history = gr.Dropdown([], label="Earlier runs", scale=4, elem_id="eval-history")
        open_btn = gr.Button("Open", scale=1, elem_id="eval-open")
    items = gr.Markdown(elem_id="eval-items")

    def run_suites(chosen, agent_name, model_name, per_suite, workers, stored, request: gr.Request,
                   progress=gr.Progress()):
        who = resolve_owner(need_owner(stored), request)
        if not chosen:
            yield "Tick at least one suite.", gr.update(), gr.update(), gr.update(), gr.update()
            return
        try:
            loaded = [datasets.load_suite(runner.db, name, int(per_suite) or None, who) for name in chosen]
        except SuiteError as exc:
            yield f"⚠️ {render.plain(str(exc))}", gr.update(), gr.update(), gr.update(), gr.update()
            return
        total = sum(len(s.items) for s in loaded)
        config = evaluation.EvalConfig(agent=agent_name, model=model_name or "demo/offline",
                                       concurrency=max(1, int(workers or 1)), owner=who)
        updates: queue.Queue = queue.Queue()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["report"] = evaluation.run(runner, loaded, config,
                                                   on_result=lambda done, count, r: updates.put((done, count, r)))
            except Exception as exc:  # noqa: BLE001 - shown to the user
                outcome["error"] = f"{type(exc).__name__}: {exc}"
            updates.put(None)

        threading.Thread(target=work, name="eval-ui", daemon=True).start()
        failed = 0
        progress(0, desc=f"0/{total} items")
        while (update := updates.get()) is not None:
            done, count, result = update
            failed += result["status"] in ("error", "timeout")
            progress(done / count, desc=f"{done}/{count} items")
            yield (f"Running: {done}/{count} items, {failed} failed.", gr.update(), gr.update(), gr.update(),
                   gr.update())
        if "error" in outcome:
            yield f"⚠️ {render.plain(outcome['error'])}", gr.update(), gr.update(), gr.update(), gr.update()
            return
        report = outcome["report"]
        yield (f"Finished: {total} items, {failed} failed. Run `{report['eval_id']}`.", summary_markdown(report),
               gr.update(value=comparison_chart(runner, who, report["suites"][0]), visible=True), items_markdown(report),
               gr.update(choices=_history(runner, who), value=report["eval_id"]))

    # The progress shows once, on the status line (Gradio draws it on every output otherwise: three bars).
    go_btn.click(run_suites, [suites, agent, model, limit, concurrency, owner],
                 [status, summary, chart, items, history], api_name="run_eval", show_progress_on=status)

    def open_run(eval_id, stored, request: gr.Request):
        who = resolve_owner(stored, request)
        if not eval_id:
            return "Pick a run.", gr.update(), gr.update(), gr.update()
        try:
            report = evaluation.stored_report(runner, eval_id, who)
        except NotFound as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update(), gr.update(), gr.update()
        return (f"Run `{eval_id}`.", summary_markdown(report),
                gr.update(value=comparison_chart(runner, who, report["suites"][0]), visible=True), items_markdown(report))

    open_btn.click(open_run, [history, owner], [status, summary, chart, items])

    def refresh(stored, request: gr.Request):
        return gr.update(choices=_history(runner, resolve_owner(stored, request)))

    history.focus(refresh, [owner], history)

    def refresh_suites(stored, ticked, request: gr.Request):
        choices = suite_choices(runner, resolve_owner(stored, request) if stored else None)
        return gr.update(choices=choices, value=[t for t in ticked or [] if t in choices])

    return EvalTab(suites, refresh_suites, model)
