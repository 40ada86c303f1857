"""The Teach tab: scenarios, playback of any trace one step at a time with notes, offline replay, and a
presenter view with large type. Everything goes through `app.demos.teaching` and the runner."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.config import DEMO_MODEL
from app.demos import teaching
from app.llm import gateway
from app.runner import Runner, TurnError
from app.tracing.steps import Step
from app.ui import render
from app.ui.owners import need_owner
from storage import NotFound, repo

CSS = """
body.presenter #teach-stage, body.presenter #teach-stage .prose {font-size: 1.7rem !important; line-height: 1.45}
body.presenter #teach-stage code, body.presenter #teach-stage pre {font-size: 1.3rem !important}
body.presenter #teach-stage button {font-size: 1.4rem !important}
body.presenter #teach-setup {display: none}
#pb-step {min-height: 12em}
#pb-note {border-left: 4px solid #6366f1; padding-left: 12px}
"""

# Toggled in the browser: presenter view is a display preference, not state the server needs.
PRESENTER_JS = "(on) => { document.body.classList.toggle('presenter', !!on); return on; }"


def scenario_card(scenario_id: str | None) -> str:
    if not scenario_id:
        return "_Pick a scenario._"
    s = teaching.get(scenario_id)
    script = f"**Prompt:** {render.text(s.message)}"
    if s.answers:
        script += "  \n**Answers given when asked:** " + " · ".join(f"{render.inline_code(a)}" for a in s.answers)
    return (f"### {render.plain(s.title)}\n\nDesign `{s.design}` · tool set `{s.toolset}`"
            f"{' · settings `' + render.plain(str(s.settings)) + '`' if s.settings else ''}\n\n"
            f"**Learning goal.** {render.plain(s.goal)}\n\n{script}\n\n"
            f"**Instructor notes.** {render.plain(s.notes)}\n\n"
            f"**On the local model** (`{teaching.LOCAL_MODEL}`): {render.plain(s.on_local_model)}")


def step_card(view: dict[str, Any]) -> str:
    if view["step"] is None:
        return "_No steps to show._"
    step = Step.from_dict(view["step"])
    head = f"#### Step {view['index'] + 1} of {view['count']} · {render.step_title(step)}"
    timing = f"{step.duration_ms:.1f} ms" if step.duration_ms is not None else ""
    return (f"{head}\n\n<sub>node {render.inline_code(step.node)} · {step.kind} · {timing}</sub>\n\n"
            f"{render.step_body(step)}")


def note_card(view: dict[str, Any]) -> str:
    parts = []
    if view.get("note"):
        parts.append(f"**About this step.** {render.plain(view['note'])}")
    scenario = view.get("scenario")
    if scenario:
        parts.append(f"**Goal.** {render.plain(scenario['goal'])}\n\n**Notes.** {render.plain(scenario['notes'])}")
    return "\n\n".join(parts) or "_No notes for this session; every step still says what it is._"


def build(runner: Runner, owner: gr.State, session_choices) -> gr.Dropdown:
    """The tab's components and events. Returns the playback session menu (the app refreshes its choices)."""
    choices = [(f"{s.title} ({s.design})", s.id) for s in teaching.SCENARIOS]
    with gr.Column(elem_id="teach-stage"):
        with gr.Row(elem_id="teach-setup"):
            with gr.Column(scale=2):
                scenario_dd = gr.Dropdown(choices, value=choices[0][1], label="Scenario", elem_id="scenario")
                run_btn = gr.Button("Run scenario", variant="primary", elem_id="scenario-run")
                models = [DEMO_MODEL, *(m.name for m in gateway.available_models()
                                        if m.provider == "local" and m.ready)]
                model_dd = gr.Dropdown(models, value=DEMO_MODEL, label="Model", elem_id="scenario-model",
                                       visible=len(models) > 1, info="the demo model scripts every scenario; the card "
                                       "says how each fares on the local model")
                status_md = gr.Markdown(elem_id="teach-status")
            with gr.Column(scale=3):
                card_md = gr.Markdown(scenario_card(choices[0][1]), elem_id="scenario-card")
        with gr.Row():
            session_dd = gr.Dropdown([], label="Play back a session (any trace)", scale=4, elem_id="playback-session")
            replay_btn = gr.Button("Replay offline", scale=1, elem_id="replay-run")
            presenter = gr.Checkbox(False, label="Presenter view (large type)", scale=1, elem_id="presenter")
        with gr.Row():
            prev_btn = gr.Button("◀ Previous", elem_id="pb-prev")
            jump = gr.Slider(1, 2, value=1, step=1, label="Step", elem_id="pb-jump", scale=4)
            next_btn = gr.Button("Next ▶", variant="primary", elem_id="pb-next")
        with gr.Row():
            with gr.Column(scale=3):
                step_md = gr.Markdown(elem_id="pb-step")
            with gr.Column(scale=2):
                note_md = gr.Markdown(elem_id="pb-note")
        transcript = gr.Chatbot(label="The conversation up to this step", height=420, elem_id="pb-transcript",
                                allow_tags=False)

    # The step shown is kept on the server (a State is read when its event is processed, not when it is
    # sent), and every move goes through one queue in order: two quick clicks on Next are two steps. Reading
    # the slider instead sent the value it had when clicked, so a second click before the first came back
    # asked for the same step again (or was dropped while the first was pending).
    position = gr.State(0)

    def show(sid: str | None, who: str | None, index: int):
        if not sid or not who:
            return 0, gr.update(), "_Pick or run a session to play it back._", "", []
        try:
            trace = runner.trace(sid, who)
        except NotFound:
            return 0, gr.update(), "_That session is gone._", "", []
        view = teaching.playback(trace, index)
        slider = gr.update(maximum=max(2, view["count"]), value=view["index"] + 1)
        return view["index"], slider, step_card(view), note_card(view), render.chat_from_trace(view["shown"])

    def run_scenario(scenario_id: str, who: str, model: str = DEMO_MODEL):
        who = need_owner(who)
        if model not in models:
            return f"⚠️ {render.plain(f'{model!r} is not offered for scenarios')}", gr.update()
        try:
            result = teaching.run(runner, scenario_id, owner=who, model=model)
        except TurnError as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update()
        said = result.final_answer or (result.clarification.question if result.clarification else None) or result.error or ""
        return (f"Ran: **{result.status}** · {render.text(said)[:300]}\n\nStep through it below.",
                gr.update(choices=session_choices(who), value=result.session_id))

    def replay(sid: str | None, who: str):
        who = need_owner(who)
        if not sid:
            return "Pick a session to replay.", gr.update()
        try:
            result = teaching.replay(runner, sid, owner=who)
        except (TurnError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", gr.update()
        same = teaching.compare_with_recording(runner, sid, result.session_id)["same"]
        verdict = ("the same tool calls and answers as the recording" if same else
                   "**different** from the recording (a tool answered differently this time)")
        return (f"Replayed offline: {verdict}. Now playing the replay.",
                gr.update(choices=session_choices(who), value=result.session_id))

    scenario_dd.change(scenario_card, scenario_dd, card_md)

    def latest_run_of(scenario_id: str, who: str | None):
        """Playback follows the chosen scenario: its latest run by this person, or nothing yet."""
        if not scenario_id or not who:
            return gr.update(), ""
        runs = [r for r in repo.list_sessions(runner.db, owner=who, kind="scenario")
                if (r.settings or {}).get(teaching.SCENARIO_KEY) == scenario_id]
        if not runs:
            return gr.update(value=None), "Not run yet: press **Run scenario**."
        return gr.update(choices=session_choices(who), value=runs[0].id), "Playing its latest run."

    scenario_dd.change(latest_run_of, [scenario_dd, owner], [session_dd, status_md])
    run_btn.click(run_scenario, [scenario_dd, owner, model_dd], [status_md, session_dd], api_name="run_scenario")
    replay_btn.click(replay, [session_dd, owner], [status_md, session_dd])
    outputs = [position, jump, step_md, note_md, transcript]
    ordered = {"concurrency_id": "teach-playback", "concurrency_limit": 1, "trigger_mode": "multiple"}
    session_dd.change(lambda sid, who: show(sid, who, 0), [session_dd, owner], outputs, **ordered)
    jump.release(lambda sid, who, n: show(sid, who, int(n or 1) - 1), [session_dd, owner, jump], outputs, **ordered)
    prev_btn.click(lambda sid, who, i: show(sid, who, i - 1), [session_dd, owner, position], outputs, **ordered)
    next_btn.click(lambda sid, who, i: show(sid, who, i + 1), [session_dd, owner, position], outputs, **ordered)
    presenter.change(None, presenter, None, js=PRESENTER_JS)
    return session_dd
