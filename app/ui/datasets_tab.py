"""The Datasets tab: grow a benchmark from real conversations. Make a dataset (tool calls in the NoisyToolBench
format, or intentions in the IN3 format), turn a session into an item (looked over and edited as JSON before
it is saved: the expected calls, the question, the answer), add every failure of an eval run, see and remove
items, export a file `playground eval` reads, and run it from the Eval tab (`dataset:NAME`). Marks (thumbs, a
score, a note) are made in the chat and the inspector (app.ui.marks).
Everything goes through `app.datasets`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr

from app import datasets
from app.datasets import DatasetError
from app.eval.suites import CATEGORIES
from app import downloads
from app.ui import render
from app.ui.owners import need_owner
from app.ui.shell import Shell
from storage import NotFound, repo

ITEM_COLUMNS = ["#", "category", "request", "question needed", "answer / details", "expected calls", "from"]


def dataset_choices(runner, owner: str | None) -> list[tuple[str, str]]:
    if not owner:
        return []
    return [(f"{d['name']} · {datasets.KINDS[d['kind']]} · {d['items']} item(s)", d["name"])
            for d in datasets.listing(runner.db, owner)]


def _item_row(number: int, entry: dict[str, Any]) -> list[str]:
    item, source = entry["item"], entry["source"]
    if "task" in item:
        details = "; ".join(f"{d.get('description', '?')}: {(d.get('options') or ['–'])[0]}"
                            for d in item.get("missing_details") or [])
        row = [item.get("category", ""), item["task"], "vague" if item.get("vague") else "clear", details, "–"]
    else:
        calls = "; ".join(f"{c.get('name')}({json.dumps(c.get('arguments') or {}, ensure_ascii=False)})"
                          for c in item.get("expected API calling") or [] if isinstance(c, dict))
        row = [item.get("category", ""), item.get("query", ""), item.get("question need to be asked") or "–",
               item.get("clarification") or "–", calls or "none"]
    where = (f"session {source['session_id'][:6]}" if source.get("session_id") else
             f"eval {source.get('eval_id', '')[:6]} {source.get('item_id', '')}")
    return [str(number), *[str(v)[:300] for v in row], where]  # a table cell is text, never Markdown


@dataclass
class DatasetsTab:
    picker: gr.Dropdown
    refresh: Callable  # every menu of the tab as of now: wired to the tab's opening by the shell
    inputs: list
    outputs: list


def build(shell: Shell) -> DatasetsTab:
    runner, owner = shell.runner, shell.owner
    gr.Markdown("Grow a benchmark from real conversations: save a session (its first request, the questions that "
                "were needed and their answers, the calls it made) or an eval run's failures as items of a named "
                "dataset, then run it on another agent or model from the **Eval** tab (tick `dataset:NAME`) or "
                "export it as a NoisyToolBench / IN3 file.", elem_id="datasets-intro")
    with gr.Row():
        dataset_dd = gr.Dropdown([], label="Dataset", scale=4, elem_id="dataset-pick")
        export_btn = gr.Button("Export", scale=1, elem_id="dataset-export")
        export_file = gr.File(label="Exported file", scale=2, elem_id="dataset-file", visible=False)
    with gr.Accordion("New dataset", open=False, elem_id="dataset-new"):
        with gr.Row():
            new_name = gr.Textbox(label="Name", scale=3, elem_id="dataset-name")
            new_kind = gr.Radio([(label, kind) for kind, label in datasets.KINDS.items()], value="tool",
                                label="Kind", scale=3, elem_id="dataset-kind")
            create_btn = gr.Button("Create", variant="primary", scale=1, elem_id="dataset-create")
    status = gr.Markdown(elem_id="dataset-status")
    with gr.Group():
        with gr.Row():
            session_dd = gr.Dropdown([], label="Session to save", scale=4, elem_id="dataset-session")
            category = gr.Dropdown(list(CATEGORIES), label="Category (tool items; default from the first question)",
                                   allow_custom_value=True, scale=2, elem_id="dataset-category")
            make_btn = gr.Button("Make item", scale=1, elem_id="dataset-make")
        item_code = gr.Code(label="The item (JSON): check the expected calls, the question and the answer",
                            language="json", interactive=True, elem_id="dataset-item", max_lines=24)
        save_btn = gr.Button("Save to dataset", variant="primary", elem_id="dataset-save")
    with gr.Row():
        eval_dd = gr.Dropdown([], label="An eval run", scale=4, elem_id="dataset-eval")
        failures_btn = gr.Button("Add its failures", scale=1, elem_id="dataset-failures")
    with gr.Row():
        marked = gr.Radio([("marked 👎", "down"), ("marked 👍", "up"), ("any mark", "any")], value="down",
                          label="Sessions you marked", scale=4, elem_id="dataset-marked")
        marked_btn = gr.Button("Add them", scale=1, elem_id="dataset-add-marked")
    items_df = gr.Dataframe(headers=ITEM_COLUMNS, interactive=False, wrap=True, label="Items", elem_id="dataset-items")
    with gr.Row():
        remove_dd = gr.Dropdown([], label="Item to remove", scale=4, elem_id="dataset-remove-pick")
        remove_btn = gr.Button("Remove item", variant="stop", scale=1, elem_id="dataset-remove")

    def view(name, who):
        """The dataset's items table and the removal menu."""
        if not name or not who:
            return [], gr.update(choices=[], value=None)
        try:
            entries = datasets.items(runner.db, name, who)
        except NotFound:
            return [], gr.update(choices=[], value=None)
        rows = [_item_row(i, e) for i, e in enumerate(entries, 1)]
        return rows, gr.update(choices=[(f"#{r[0]} {r[2][:60]}", e["id"]) for r, e in zip(rows, entries)], value=None)

    def refresh(name, who):
        """Every menu as of now (the tab opened, a dataset made elsewhere)."""
        runs = [(f"{', '.join(r.suites)} · {r.agent} · {r.model}", r.id) for r in repo.list_evals(runner.db, who)[:50]
                if r.status == "done"] if who else []
        return (gr.update(choices=dataset_choices(runner, who), value=name),
                gr.update(choices=shell.session_choices(who)), gr.update(choices=runs), *view(name, who))

    refreshed = [dataset_dd, session_dd, eval_dd, items_df, remove_dd]

    def create(name, kind, stored, request: gr.Request):
        who = shell.resolve_owner(need_owner(stored), request)
        try:
            made = datasets.create(runner.db, name, kind, who)
        except DatasetError as exc:
            return f"⚠️ {render.plain(str(exc))}", *refresh(None, who)
        return (f"Created **{render.plain(made['name'])}**. Now save sessions to it.", *refresh(made["name"], who))

    create_btn.click(create, [new_name, new_kind, owner], [status, *refreshed])

    def make(name, sid, chosen, who):
        if not name:
            return "Pick or create a dataset first.", gr.update()
        if not sid:
            return "Pick a session to save.", gr.update()
        try:
            kind = repo.get_dataset(runner.db, name, who).kind
            item = datasets.item_from_session(runner, sid, kind, who, chosen or None)
        except (DatasetError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update()
        return ("Look the item over (the calls are what the run made; edit anything), then **Save to dataset**.",
                json.dumps(item, ensure_ascii=False, indent=2))

    make_btn.click(make, [dataset_dd, session_dd, category, owner], [status, item_code])

    def save(name, sid, text, who):
        if not name or not sid:
            return "Pick a dataset and a session, then **Make item**.", *view(name, who), gr.update()
        try:
            item = json.loads(text) if (text or "").strip() else None
        except json.JSONDecodeError as exc:
            return (f"⚠️ The item is not JSON: {render.plain(exc.msg)} at line {exc.lineno}, column {exc.colno}. "
                    "Nothing was saved.", *view(name, who), gr.update())
        try:
            datasets.add_session(runner, name, sid, who, item)
        except (DatasetError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}. Nothing was saved.", *view(name, who), gr.update()
        return (f"Saved to **{render.plain(name)}**.", *view(name, who),
                gr.update(choices=dataset_choices(runner, who), value=name))

    save_btn.click(save, [dataset_dd, session_dd, item_code, owner], [status, items_df, remove_dd, dataset_dd])

    def add_failures(name, eval_id, who):
        if not name or not eval_id:
            return "Pick a dataset and an eval run.", *view(name, who), gr.update()
        try:
            added, skipped = datasets.add_failures(runner, name, eval_id, who)
        except (DatasetError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", *view(name, who), gr.update()
        return (f"Added {added} failed item(s) to **{render.plain(name)}**.{_skipped(skipped)}", *view(name, who),
                gr.update(choices=dataset_choices(runner, who), value=name))

    failures_btn.click(add_failures, [dataset_dd, eval_dd, owner], [status, items_df, remove_dd, dataset_dd])

    def add_marked(name, which, who):
        if not name:
            return "Pick a dataset first.", *view(name, who), gr.update()
        try:
            added, skipped = datasets.add_marked(runner, name, who, None if which == "any" else which)
        except (DatasetError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", *view(name, who), gr.update()
        return (f"Added {added} marked session(s) to **{render.plain(name)}** (those already in it are left)."
                f"{_skipped(skipped)}", *view(name, who), gr.update(choices=dataset_choices(runner, who), value=name))

    marked_btn.click(add_marked, [dataset_dd, marked, owner], [status, items_df, remove_dd, dataset_dd])

    def remove(name, item_id, who):
        if not name or not item_id:
            return "Pick an item to remove.", *view(name, who), gr.update()
        try:
            datasets.remove_item(runner.db, name, item_id, who)
        except NotFound as exc:
            return f"⚠️ {render.plain(str(exc))}", *view(name, who), gr.update()
        return "Removed.", *view(name, who), gr.update(choices=dataset_choices(runner, who), value=name)

    remove_btn.click(remove, [dataset_dd, remove_dd, owner], [status, items_df, remove_dd, dataset_dd])

    def export(name, who):
        if not name:
            return "Pick a dataset to export.", gr.update(visible=False)
        filename, text = datasets.export(runner.db, name, who)
        path = downloads.write(filename, text)
        return (f"Exported **{render.plain(name)}** as `{filename}`: `playground eval {filename}` runs it.",
                gr.update(value=path, visible=True))

    export_btn.click(export, [dataset_dd, owner], [status, export_file])
    dataset_dd.change(view, [dataset_dd, owner], [items_df, remove_dd])
    return DatasetsTab(dataset_dd, refresh, [dataset_dd, owner], refreshed)


def _skipped(reasons: list[str]) -> str:
    return "".join(f"\n- skipped {render.plain(r)}" for r in reasons[:20])
