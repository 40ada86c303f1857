"""Marks, for datasets: 👍/👎 under a reply in the chat marks the session; the inspector's panel marks the session
or the step shown with thumbs, a score (1-5) and a note. One mark per person per session or step (app.datasets)."""

from __future__ import annotations


import gradio as gr

from app import datasets
from app.datasets import DatasetError
from app.ui import render
from app.ui.shell import OnSession, Shell
from storage import NotFound, repo


def mark_panel(shell: Shell, session_dd: gr.Dropdown, step_json: gr.JSON) -> OnSession:
    """The inspector's marks: thumbs, a score and a note on the session or on the step shown; what the panel
    shows of a session picked in `session_dd`."""
    runner, owner = shell.runner, shell.owner
    with gr.Accordion("Mark this session or step (for datasets)", open=False, elem_id="mark-panel"):
        with gr.Row():
            target = gr.Radio(["This session", "The step shown"], value="This session", label="Mark",
                              elem_id="mark-target", scale=2)
            rating = gr.Radio([("👍", "up"), ("👎", "down"), ("none", "")], value="", label="Thumbs",
                              elem_id="mark-rating", scale=2)
            score = gr.Radio(["1", "2", "3", "4", "5"], label="Score", elem_id="mark-score", scale=2)
        note = gr.Textbox(label="Note", lines=2, elem_id="mark-note")
        with gr.Row():
            save_btn = gr.Button("Save mark", variant="primary", elem_id="mark-save")
            clear_btn = gr.Button("Remove mark", elem_id="mark-clear")
        marks_md = gr.Markdown(elem_id="mark-list")

    def listing(sid, who):
        if not sid or not who:
            return ""
        try:
            found = datasets.marks(runner.db, sid, who)
        except NotFound:
            return ""
        if not found:
            return "_No marks on this session yet._"
        seqs = {s.id: s.seq for s in repo.steps_for_session(runner.db, sid)} if any(m["step_id"] for m in found) else {}
        lines = [f"- {'step #' + str(seqs.get(m['step_id'], '?')) if m['step_id'] else 'session'}: "
                 f"{render.plain(datasets.mark_summary(m))}" for m in found]
        return "**Your marks**\n" + "\n".join(lines)

    def save(sid, which, thumbs, stars, text, step, who, clear=False):
        if not sid:
            return "Pick a session first.", gr.update()
        step_id = None
        if which == "The step shown":
            if not isinstance(step, dict) or not step.get("id"):
                return "Click a step in the table first (or mark the session).", gr.update()
            step_id = step["id"]
        try:
            made = datasets.mark(runner.db, sid, who, step_id, None if clear else thumbs or None,
                                 None if clear or not stars else int(stars), None if clear else text)
        except (DatasetError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update()
        return listing(sid, who), (gr.update(value="") if made is None else gr.update())

    save_btn.click(save, [session_dd, target, rating, score, note, step_json, owner], [marks_md, note])
    clear_btn.click(lambda sid, which, step, who: save(sid, which, "", None, "", step, who, clear=True),
                    [session_dd, target, step_json, owner], [marks_md, note])
    return OnSession(listing, [marks_md])


def chat_likes(shell: Shell, chatbot: gr.Chatbot) -> None:
    """👍/👎 under a reply in the chat marks the session (the latest thumbs stand)."""
    runner = shell.runner

    def liked(sid, who, data: gr.LikeData):
        if not sid or not who:
            return
        value = data.liked
        rating = "up" if value is True or value == "Like" else "down" if value is False or value == "Dislike" else None
        try:
            current = next((m for m in datasets.marks(runner.db, sid, who) if not m["step_id"]), None)
            datasets.mark(runner.db, sid, who, None, rating, current and current["score"], current and current["note"])
        except (DatasetError, NotFound):
            return

    chatbot.like(liked, [shell.session_id, shell.owner], None)
