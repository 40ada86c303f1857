"""The Sessions tab: search, open in the chat, rename, delete, export (JSON or OpenInference) and import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from app.tracing import export
from app.tracing.redact import redact_text
from app import downloads
from app.ui import render
from app.ui.chat import ChatTab, load_session
from app.ui.owners import need_owner
from app.ui.shell import Shell
from storage import repo


KINDS = ["all", "chat", "client", "eval", "branch", "import", "scenario", "replay"]


@dataclass
class SessionsTab:
    sessions_dd: gr.Dropdown


def build(shell: Shell, chat: ChatTab) -> SessionsTab:
    runner, owner, session_id, session_store, tabs = (shell.runner, shell.owner, shell.session_id,
                                                      shell.session_store, shell.tabs)
    with gr.Row():
        search = gr.Textbox(label="Search titles, messages, answers and final answers", scale=4,
                            elem_id="session-search", placeholder="words or their beginnings: hotel osl")
        kind = gr.Radio(KINDS, value="all", label="Show", scale=3, elem_id="session-kind")
        search_btn = gr.Button("Search", scale=1)
    sessions_dd = gr.Dropdown([], label="Your sessions", elem_id="sessions-list")
    with gr.Row():
        open_btn = gr.Button("Open in chat", variant="primary", elem_id="open-session")
        rename_box = gr.Textbox(label="New title", scale=3, elem_id="rename-box")
        rename_btn = gr.Button("Rename", elem_id="rename")
        delete_btn = gr.Button("Delete", variant="stop", elem_id="delete")
    with gr.Row(visible=False, elem_id="delete-confirm") as confirm_row:
        confirm_md = gr.Markdown(elem_id="delete-question")
        confirm_btn = gr.Button("Delete for good", variant="stop", elem_id="delete-for-good")
        cancel_btn = gr.Button("Keep it", elem_id="delete-cancel")
    sessions_md = gr.Markdown()
    with gr.Row():
        with gr.Column():
            export_fmt = gr.Radio(["json", "openinference"], value="json", label="Export format",
                                  elem_id="export-format")
            export_btn = gr.Button("Export the selected session", elem_id="export")
            export_file = gr.File(label="Export", interactive=False, elem_id="export-file")
        with gr.Column():
            import_file = gr.File(label="Import a session (exported JSON); it opens read-only",
                                  file_types=[".json"], type="filepath", elem_id="import-file")
            session_import_md = gr.Markdown(elem_id="session-import-result")

    def find(q, who, shown="all"):
        choices = shell.session_choices(who, q or None, None if shown in (None, "all") else shown)
        return gr.update(choices=choices, value=choices[0][1] if choices else None), f"{len(choices)} session(s)"

    search_btn.click(find, [search, owner, kind], [sessions_dd, sessions_md])
    search.submit(find, [search, owner, kind], [sessions_dd, sessions_md])
    kind.change(find, [search, owner, kind], [sessions_dd, sessions_md])

    def open_session(sid, who):
        history, pending = load_session(runner, sid, who)
        return {session_id: sid, session_store: sid, **chat.show(runner, repo.get_session(runner.db, sid, who),
                                                                 history, pending), tabs: gr.Tabs(selected="chat")}

    open_btn.click(open_session, [sessions_dd, owner], [session_id, session_store, *chat.outputs, tabs])

    def rename(sid, title, who):
        if not sid or not (title or "").strip():
            return gr.update(), "Pick a session and type a title."
        repo.get_session(runner.db, sid, who)
        repo.update_session(runner.db, sid, title=redact_text(title.strip())[:200])
        return gr.update(choices=shell.session_choices(who), value=sid), "Renamed."

    rename_btn.click(rename, [sessions_dd, rename_box, owner], [sessions_dd, sessions_md])

    def ask_delete(sid, who):
        """Deleting takes the session's steps, questions and share links with it: say so and ask first."""
        if not sid:
            return gr.update(visible=False), "", "Pick a session."
        row = repo.get_session(runner.db, sid, who)
        steps = repo.count_steps(runner.db, sid)
        links = len(repo.shares_for_session(runner.db, sid))
        return (gr.update(visible=True),
                f"Delete **{render.plain(row.title or 'Untitled')}** ({steps} steps"
                f"{f', and its {links} share link(s) stop working' if links else ''})? This cannot be undone.", "")

    delete_btn.click(ask_delete, [sessions_dd, owner], [confirm_row, confirm_md, sessions_md])
    cancel_btn.click(lambda: (gr.update(visible=False), "Kept."), None, [confirm_row, sessions_md])

    def delete(sid, who, current):
        if not sid:
            return gr.update(), "Pick a session.", current, current, gr.update(visible=False)
        repo.get_session(runner.db, sid, who)
        repo.delete_session(runner.db, sid)
        keep = None if current == sid else current
        return (gr.update(choices=shell.session_choices(who), value=None), "Deleted.", keep, keep,
                gr.update(visible=False))

    confirm_btn.click(delete, [sessions_dd, owner, session_id],
                      [sessions_dd, sessions_md, session_id, session_store, confirm_row], api_name="delete_session")
    sessions_dd.change(lambda: gr.update(visible=False), None, confirm_row)  # a question for another session

    def export_session(sid, fmt, who):
        if not sid:
            return None, "Pick a session to export."
        doc = export.export_session(runner.db, sid, who)
        if fmt == "openinference":
            doc = export.openinference(doc)
        path = downloads.write(f"session-{sid[:8]}-{fmt}.json",
                               json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return path, f"Exported ({fmt}); the file is removed in {downloads.AGE_S / 60:g} minutes."

    export_btn.click(export_session, [sessions_dd, export_fmt, owner], [export_file, sessions_md])

    def import_session(path, who):
        who = need_owner(who)
        if not path:
            return "", gr.update()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            new_id = export.import_session(runner.db, data, owner=who)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"⚠️ That file is not JSON: {render.plain(str(exc))}", gr.update()
        except export.ImportProblem as exc:
            return f"⚠️ Cannot import it: {render.plain(str(exc))}", gr.update()
        return (f"Imported as a read-only session `{new_id}`; it is selected below and in the inspector.",
                gr.update(choices=shell.session_choices(who), value=new_id))

    import_file.upload(import_session, [import_file, owner], [session_import_md, sessions_dd],
                       api_name="import_session")
    return SessionsTab(sessions_dd)
