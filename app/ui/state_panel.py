"""The inspector's state panel: the graph's own channels (not only its messages) at any checkpoint of the session,
and an edit of one channel, written as a chosen node, that runs on in a new branch (time travel for any graph,
an opened LangGraph project's too). Everything goes through `app.graph_state`."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from app import graph_state
from app.runner import Runner, TurnError
from app.ui import render
from app.ui.owners import known, need_owner
from app.ui.shell import OnSession
from app.ui.time_travel import links
from storage import NotFound

LANGGRAPH_DECIDES = "(the node LangGraph picks)"
SHOWN = 50  # the newest checkpoints, in the menu


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1, default=str)


def parse_value(text: str, before: Any) -> Any:
    """The new value typed: JSON, or for a channel that holds text, the text as typed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if isinstance(before, str) or before is None:
            return text
        raise TurnError(f"the new value is not valid JSON: {exc.msg} at character {exc.pos}") from None


def build(runner: Runner, inspect_dd: gr.Dropdown, owner: gr.State, session_choices) -> OnSession:
    with gr.Accordion("State: the graph's channels at each checkpoint; edit one and run on", open=False,
                      elem_id="state-panel") as panel:
        point_dd = gr.Dropdown([], label="Checkpoint (newest first)", elem_id="state-checkpoint")
        values_json = gr.JSON(label="Its channels", elem_id="state-values")
        with gr.Row():
            channel_dd = gr.Dropdown([], label="Channel to edit", scale=1, elem_id="state-channel")
            node_dd = gr.Dropdown([], label="Written as the node", scale=1, elem_id="state-as-node")
        value_tb = gr.Textbox(label="New value (JSON; plain text for a text channel)", lines=3, elem_id="state-value")
        edit_btn = gr.Button("Edit and run on (a new branch; this session is not changed)", variant="primary",
                             elem_id="state-edit")
        result_md = gr.Markdown(elem_id="state-result")
    points_state = gr.State([])
    is_open = gr.State(False)  # read only while open: a long session's checkpoints are not read for nothing
    made = gr.State(None)  # the branch the last edit made: its result line stays when the inspector shows it

    def load(sid, who, opened=True, branch=None):
        kept = load_points(sid, who, opened)
        return [*kept[:3], gr.update() if sid and sid == branch else kept[3]]

    def load_points(sid, who, opened=True):
        who = known(who)
        if not sid or not who or not opened:
            return [], gr.update(choices=[], value=None), gr.update(choices=[], value=None), ""
        try:
            points = graph_state.checkpoints(runner, sid, who, limit=SHOWN)
            names = graph_state.nodes(runner, sid, who) if points else []
        except (NotFound, TurnError) as exc:
            return [], gr.update(choices=[], value=None), gr.update(choices=[], value=None), render.plain(str(exc))
        except Exception as exc:  # noqa: BLE001  (a design this server did not load: said, the rest works)
            return [], gr.update(choices=[], value=None), gr.update(choices=[], value=None), \
                f"_The state cannot be read here: {render.plain(str(exc))}_"
        note = "" if points else "_This session has no checkpoints (an imported trace, or nothing run yet)._"
        return (points, gr.update(choices=[(graph_state.label(p), p["checkpoint_id"]) for p in points],
                                  value=points[0]["checkpoint_id"] if points else None),
                gr.update(choices=[LANGGRAPH_DECIDES, *names], value=LANGGRAPH_DECIDES), note)

    def point_of(points, checkpoint_id) -> dict[str, Any] | None:
        return next((p for p in points or [] if p["checkpoint_id"] == checkpoint_id), None)

    def show(points, checkpoint_id):
        point = point_of(points, checkpoint_id)
        if point is None:
            return None, gr.update(choices=[], value=None), ""
        values = point["values"] if isinstance(point["values"], dict) else {}
        first = next(iter(values), None)
        return (point["values"], gr.update(choices=list(values), value=first),
                _shown(values[first]) if first is not None else "")

    def channel(points, checkpoint_id, name):
        point = point_of(points, checkpoint_id)
        values = point["values"] if point and isinstance(point["values"], dict) else {}
        return _shown(values[name]) if name in values else ""

    def run_edit(sid, who, points, checkpoint_id, name, node, text):
        who = need_owner(who)
        point = point_of(points, checkpoint_id)
        if not sid or point is None:
            return "Pick a session and a checkpoint first.", None, gr.update()
        if not name:
            return "Pick the channel to edit.", None, gr.update()
        try:
            before = point["values"].get(name) if isinstance(point["values"], dict) else None
            result = graph_state.run_edit(runner, sid, checkpoint_id, {name: parse_value(text or "", before)},
                                          None if node in (None, "", LANGGRAPH_DECIDES) else node, who)
        except (TurnError, NotFound) as exc:
            return f"⚠️ {render.plain(str(exc))}", None, gr.update()
        said = (result.final_answer or (result.clarification.question if result.clarification else None)
                or result.error or "")
        return (f"**New branch** `{result.session_id[:8]}` · {result.status}: {render.cell(said, 400)}\n\n"
                f"Open it: {links(result.session_id)} (now shown above).", result.session_id,
                gr.update(choices=session_choices(who), value=result.session_id))

    loaded = [points_state, point_dd, node_dd, result_md]
    panel.expand(lambda: True, None, is_open).then(load, [inspect_dd, owner, is_open, made], loaded)
    panel.collapse(lambda: False, None, is_open)
    point_dd.change(show, [points_state, point_dd], [values_json, channel_dd, value_tb])
    channel_dd.input(channel, [points_state, point_dd, channel_dd], value_tb)
    # (the result line and the branch it names are set before the inspector is moved to that branch)
    edit_btn.click(run_edit, [inspect_dd, owner, points_state, point_dd, channel_dd, node_dd, value_tb],
                   [result_md, made, inspect_dd])
    return OnSession(load, loaded, [is_open, made])
