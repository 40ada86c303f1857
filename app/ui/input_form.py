"""The input form of a graph whose input is not a chat (an opened LangGraph project's): one box per field of its
input schema, labelled with its name and type, its description under it, filled with its default; a field of
fixed choices (an enum, a boolean) is a menu. Run sends the fields as the graph's input, checked against the
schema as the CLI's `--input` is (a bad field is named, the form keeps what was typed). A schema of more than
MAX_FIELDS fields is sent as JSON in the message box instead (the form says so)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app import agents
from app.agents.schema import InputError
from app.ui import render

MAX_FIELDS = 8
# Under the conversation, scrolling when its fields are many; hidden while a question waits (the answer goes in
# the message box).
CSS = """
body:has(#ask-panel:not(.hidden)) #input-form {display: none !important}
#input-form {max-height: 220px; overflow-y: auto}
"""
_TRUE_FALSE = ["true", "false"]


def _io(agent: str):
    try:
        return agents.get_agent(agent).io
    except KeyError:
        return None


def _fields(agent: str) -> list[tuple[str, dict[str, Any]]]:
    io = _io(agent)
    if io is None or io.messages:
        return []
    return list(io.fields.items())


def _choices(spec: dict[str, Any]) -> list[str] | None:
    if isinstance(spec.get("enum"), list):
        return [v if isinstance(v, str) else json.dumps(v) for v in spec["enum"]]
    return list(_TRUE_FALSE) if spec.get("type") == "boolean" else None


def _kind(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    return kind if isinstance(kind, str) else "any"


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class InputForm:
    group: gr.Group
    title: gr.Markdown
    boxes: list[gr.Textbox]
    menus: list[gr.Dropdown]
    run_btn: gr.Button

    @property
    def inputs(self) -> list[Any]:
        return [*self.boxes, *self.menus]

    @property
    def outputs(self) -> list[Any]:
        return [self.group, self.title, *self.boxes, *self.menus]

    def updates(self, agent: str) -> list[Any]:
        """The form for `agent`: shown with its fields, or hidden (a chat agent)."""
        fields = _fields(agent)
        if not fields:
            return [gr.update(visible=False), "", *[gr.update(visible=False)] * (2 * MAX_FIELDS)]
        if len(fields) > MAX_FIELDS:
            title = (f"**Input** of {render.inline_code(agent)}: {len(fields)} fields, more than this form holds: "
                     "send them as a JSON object in the message box")
            return [gr.update(visible=True), title, *[gr.update(visible=False)] * (2 * MAX_FIELDS)]
        io = _io(agent)
        required = set(io.input_schema.get("required") or ())
        boxes, menus = [], []
        for i in range(MAX_FIELDS):
            if i >= len(fields):
                boxes.append(gr.update(visible=False, value=""))
                menus.append(gr.update(visible=False, value=None))
                continue
            name, spec = fields[i]
            label = f"{name} ({_kind(spec)}{', required' if name in required else ''})"
            info = " ".join(str(spec.get("description") or "").split())[:200] or None
            default = spec.get("default")
            choices = _choices(spec)
            if choices is not None:
                menus.append(gr.update(visible=True, label=label, info=info, choices=choices,
                                       value=None if default is None else _shown(default)))
                boxes.append(gr.update(visible=False, value=""))
            else:
                structured = _kind(spec) in ("array", "object", "any")
                boxes.append(gr.update(visible=True, label=label, info=info, lines=3 if structured else 1,
                                       value="" if default is None else _shown(default),
                                       placeholder="JSON" if structured else ""))
                menus.append(gr.update(visible=False, value=None))
        title = f"**Input** of {render.inline_code(agent)}: fill its fields and Run (or send JSON in the message box)"
        return [gr.update(visible=True), title, *boxes, *menus]

    def __post_init__(self) -> None:
        assert len(self.boxes) == len(self.menus) == MAX_FIELDS


def value_of(agent: str, values: list[Any]) -> str:
    """The graph's input from the form's boxes and menus (in `InputForm.inputs` order), as the JSON text the
    turn takes; InputError names a field that is not what its type asks for, or a required one left empty."""
    fields = _fields(agent)[:MAX_FIELDS]
    boxes, menus = values[:MAX_FIELDS], values[MAX_FIELDS:2 * MAX_FIELDS]
    out: dict[str, Any] = {}
    for i, (name, spec) in enumerate(fields):
        choices = _choices(spec)
        raw = menus[i] if choices is not None else boxes[i]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        out[name] = _parsed(name, spec, raw, choices)
    io = _io(agent)
    if io is None:
        raise InputError(f"unknown agent {agent!r}")
    return json.dumps(io.check(out), ensure_ascii=False)


def _parsed(name: str, spec: dict[str, Any], raw: Any, choices: list[str] | None) -> Any:
    if choices is not None:
        if spec.get("type") == "boolean" and not isinstance(spec.get("enum"), list):
            return raw == "true"
        return dict(zip(choices, spec["enum"])).get(raw, raw)
    text = str(raw).strip()
    kind = _kind(spec)
    if kind == "string":
        return str(raw)
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise InputError(f"input field {name!r}: {text[:40]!r} is not a whole number") from None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise InputError(f"input field {name!r}: {text[:40]!r} is not a number") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if kind == "any":
            return str(raw)  # a field of any type: text is a value too
        raise InputError(f"input field {name!r} takes JSON ({kind}): {exc.msg} at column {exc.colno}") from None


def build() -> InputForm:
    with gr.Group(visible=False, elem_id="input-form") as group:
        title = gr.Markdown(elem_id="input-form-title")
        boxes, menus = [], []
        for i in range(MAX_FIELDS):
            boxes.append(gr.Textbox(visible=False, elem_id=f"input-field-{i}"))
            menus.append(gr.Dropdown(visible=False, elem_id=f"input-choice-{i}", allow_custom_value=False))
        run_btn = gr.Button("Run", variant="primary", elem_id="run-input")
    return InputForm(group, title, boxes, menus, run_btn)
