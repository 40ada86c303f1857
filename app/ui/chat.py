"""The Chat tab: pick an agent, a model and tools, talk to it, answer its questions (option buttons or the
message box), retry a failed run. Steps stream into the conversation as they are stored."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app import agents
from app.clarify.request import ClarificationRequest
from app.llm import gateway
from app.runner import Runner, TurnError
from app.ui import input_form, marks, render
from app.ui.agent_panel import agent_info, message_hint, settings_hint
from app.ui.live import ticking
from app.ui.owners import known
from app.ui.shell import Shell
from storage import NotFound, repo

MAX_OPTIONS = 6
KEEP = gr.skip  # KEEP(): an output left as it is (the message box while a turn runs: a person may type the next)
# The message box is cleared in the browser once its text is sent (the event's inputs are read), if it still holds
# that text; not by the turn's first output: what is typed before that output arrived was lost under load.
SENT_JS = ("(...args) => { const box = document.querySelector('#message textarea'); if (box && box.value === args[0]) "
           "{ box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true})); } return args; }")
EXAMPLES = [
    ("Weather, no city (AwN asks)", "awn", "travel", "What's the weather like?"),
    ("Arithmetic chain", "react", "math", "Compute 12*7, then add 5, then divide it by 3"),
    ("Impossible date", "awn", "travel", "Book a flight from Paris to Rome on 31 February"),
    ("Vague trip (IN3 asks)", "interact", "travel", "Plan a trip for me"),
    ("Beyond the tools", "awn", "math", "Order me a pizza"),
]



def agent_settings(gate: bool, refine: float | None, extra: str | None) -> dict[str, Any]:
    """The session settings from the settings panel; ValueError names a bad JSON field."""
    settings: dict[str, Any] = {}
    if (extra or "").strip():
        try:
            settings = json.loads(extra)
        except json.JSONDecodeError as exc:
            raise ValueError(f"More settings is not valid JSON: {exc.msg} at character {exc.pos}") from exc
        if not isinstance(settings, dict):
            raise ValueError("More settings must be a JSON object, like {\"width\": 3}")
    if gate:
        settings["tool_gate"] = True
    if refine:
        settings["refine"] = int(refine)
    return settings


def settings_controls(settings: dict[str, Any] | None) -> list[Any]:
    """The settings panel's values for a session's settings."""
    settings = dict(settings or {})
    gate = bool(settings.pop("tool_gate", False))
    refine = int(settings.pop("refine", 0) or 0)
    return [gate, refine, json.dumps(settings) if settings else ""]


def design_graph(runner: Runner, name: str, gate: bool = False, refine: float | None = 0) -> str:
    try:
        text = runner.design_mermaid(name, {"tool_gate": bool(gate), "refine": int(refine or 0)})
    except Exception as exc:  # a bring-your-own factory may need tools or fail: say so, keep the UI
        return f"_The graph cannot be drawn: {render.plain(str(exc))}_"
    return "```mermaid\n" + text + "\n```"

def ask_updates(question: ClarificationRequest | None) -> list[Any]:
    if not question:
        return [gr.update(visible=False), gr.update(value="")] + [gr.update(visible=False)] * MAX_OPTIONS
    options = question.options[:MAX_OPTIONS]
    detail = [render.plain(question.kind.replace("_", " ")), *([f"field {render.inline_code(question.field)}"]
                                                               if question.field else []),
              f"detected by {render.plain(question.detected_by)}", *([render.plain(question.reason)]
                                                                     if question.reason else [])]
    text = (f"❓ {render.plain(question.question)}\n\n"
            f"<sub>{' · '.join(detail)}. {'Pick an answer or type your own below.' if options else 'Type your answer below.'}"
            f"</sub>")
    buttons = [gr.update(visible=i < len(options), value=options[i] if i < len(options) else "")
               for i in range(MAX_OPTIONS)]
    return [gr.update(visible=True), gr.update(value=text)] + buttons

FAILED = ("error", "interrupted")  # a run in these states can be retried from its last checkpoint
SWITCHED = ("**New session**: you changed the agent, model, tools or settings, so your next message starts one. "
            "The conversation before is kept in Sessions.")


def session_line(session_id: str | None) -> str:
    if not session_id:
        return "_New session: send a message to start._"
    return f"Session `{session_id}`"

def load_session(runner: Runner, session_id: str | None, owner: str) -> tuple[list, ClarificationRequest | None]:
    if not session_id:
        return [], None
    try:
        trace = runner.chat_view(session_id, owner, render.CHAT_STEPS)
    except NotFound:
        return [], None
    pending = runner.pending_question(session_id)
    return render.chat_from_trace(trace, pending), pending


@dataclass
class ChatTab:
    chatbot: gr.Chatbot
    session_md: gr.Markdown
    agent_dd: gr.Dropdown
    model_dd: gr.Dropdown
    toolset_dd: gr.Dropdown
    tools_dd: gr.Dropdown
    settings: list[Any]  # the tool-gate box, the refine slider, the settings JSON
    ask_outputs: list[Any]  # the question panel, its text and its option buttons
    retry_btn: gr.Button  # shown only while the session's last turn failed

    @property
    def outputs(self) -> list[Any]:
        """What `show` updates."""
        return [self.chatbot, self.session_md, self.agent_dd, self.model_dd, self.toolset_dd, self.tools_dd,
                *self.settings, *self.ask_outputs, self.retry_btn]

    def show(self, runner: Runner, session: Any, history: list, pending: ClarificationRequest | None) -> dict:
        """Updates that put `session` (a SessionRow, or None for a new chat) on the tab."""
        updates: dict[Any, Any] = {self.chatbot: history,
                                   self.session_md: session_line(session and session.id) + render.read_only_note(session)}
        if session is not None:
            updates.update({self.agent_dd: session.agent, self.model_dd: session.model,
                            self.toolset_dd: session.toolset or "(custom)", self.tools_dd: session.tools,
                            **dict(zip(self.settings, settings_controls(session.settings)))})
        updates.update(dict(zip(self.ask_outputs, ask_updates(pending))))
        last = repo.latest_run(runner.db, session.id) if session is not None else None
        updates[self.retry_btn] = gr.update(visible=last is not None and last.status in FAILED)
        return updates


def build(shell: Shell) -> ChatTab:
    runner, owner, session_id, session_store, owner_store = (shell.runner, shell.owner, shell.session_id,
                                                             shell.session_store, shell.owner_store)
    resolve_owner, pick_toolset = shell.resolve_owner, shell.pick_toolset
    agent_choices, all_models, tool_names = shell.agent_choices, shell.model_choices, shell.tool_names
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280, elem_id="chat-setup"):
            agent_dd = gr.Dropdown(agent_choices, value="awn", label="Agent", elem_id="agent")
            agent_md = gr.Markdown(agent_info("awn"), elem_id="agent-info")
            with gr.Accordion("Its graph", open=False, elem_id="design-graph-panel"):
                design_md = gr.Markdown(design_graph(runner, "awn"), elem_id="design-graph")
            model_dd = gr.Dropdown(all_models, value=gateway.default_model(), label="Model",
                                   allow_custom_value=True, elem_id="model")
            toolset_dd = gr.Dropdown(shell.toolset_choices(None), value="travel", label="Tool set",
                                     elem_id="toolset")
            tools_dd = gr.Dropdown(tool_names, value=runner.tools.toolsets["travel"], multiselect=True,
                                   label="Tools", elem_id="tools")
            with gr.Accordion("Agent settings", open=False, elem_id="agent-settings"):
                gate_cb = gr.Checkbox(False, label="Tool-use gate: answer directly when no tool is needed",
                                      elem_id="tool-gate")
                refine_num = gr.Slider(0, 3, value=0, step=1, elem_id="refine",
                                       label="Refine tool calls before they run (rounds; react, awn)")
                extra_tb = gr.Textbox("", label="More settings (JSON)", elem_id="agent-settings-json",
                                      placeholder=agents.get_agent("awn").settings_hint)
            new_btn = gr.Button("New chat", elem_id="new-chat")
            session_md = gr.Markdown(session_line(None), elem_id="session-line")
            gr.Markdown("**Try**")
            example_btns = [gr.Button(label, size="sm") for label, *_ in EXAMPLES]
        with gr.Column(scale=3, elem_id="chat-column"):
            chatbot = gr.Chatbot(label="Conversation", show_label=False, elem_id="chat", allow_tags=False,
                                 buttons=["copy"], placeholder="Steps appear here as the agent works.")
            marks.chat_likes(shell, chatbot)  # 👍/👎 under a reply marks the session
            with gr.Column(elem_id="composer"):
                form = input_form.build()  # a graph whose input is not a chat: a box per field
                with gr.Group(visible=False, elem_id="ask-panel") as ask_panel:
                    ask_md = gr.Markdown(elem_id="question")
                    with gr.Row(elem_id="ask-options"):
                        option_btns = [gr.Button(visible=False, size="lg", elem_classes="option-btn",
                                                 elem_id=f"option-{i}") for i in range(MAX_OPTIONS)]
                with gr.Row():
                    message = gr.Textbox(placeholder="Message the agent. When it asks, your reply answers.",
                                         show_label=False, scale=6, elem_id="message", autofocus=True)
                    send_btn = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                    stop_btn = gr.Button("Stop", variant="stop", scale=1, elem_id="stop", visible=False)
                    retry_btn = gr.Button("Retry", scale=1, elem_id="retry", size="sm", visible=False)
                    presenter_cb = gr.Checkbox(False, label="Presenter", scale=1, min_width=130,
                                               elem_id="chat-presenter")
                error_md = gr.Markdown(elem_id="chat-error")
    # A display preference, toggled in the browser (the server keeps nothing of it).
    presenter_cb.change(None, presenter_cb, None,
                        js="(on) => { document.body.classList.toggle('presenter-chat', !!on); return on; }")

    ask_outputs = [ask_panel, ask_md, *option_btns]

    def agent_chosen(name, gate, refine):  # an opened project's graph has its own tools: no tool menus
        own_tools = getattr(agents.AGENTS.get(name), "io", None) is not None
        return [agent_info(name), design_graph(runner, name, gate, refine), gr.update(placeholder=settings_hint(name)),
                gr.update(placeholder=message_hint(name)), gr.update(visible=not own_tools),
                gr.update(visible=not own_tools), *form.updates(name)]

    agent_dd.change(agent_chosen, [agent_dd, gate_cb, refine_num],
                    [agent_md, design_md, extra_tb, message, toolset_dd, tools_dd, *form.outputs])
    for control in (gate_cb, refine_num):
        control.change(lambda *a: design_graph(runner, *a), [agent_dd, gate_cb, refine_num], design_md)

    toolset_dd.input(pick_toolset, [toolset_dd, owner], tools_dd)
    # In the browser at once: a round trip to the server lost a tool picked just before Send (the turn read the
    # old tool set's name and ran its tools instead).
    tools_dd.input(None, None, toolset_dd, js="() => '(custom)'")

    def session_for(who, sid, agent, model, toolset, tools, gate, refine, extra) -> tuple[str, bool]:
        """The session a message goes to: the open one, or a new one (True) when the agent, model, tools or
        settings changed."""
        custom = toolset in (None, "", "(custom)")
        settings = agent_settings(gate, refine, extra)
        if sid:
            s = repo.get_session(runner.db, sid, who)
            wanted = runner.resolve_tools(list(tools or []) if custom else [], None if custom else toolset, who, agent)
            if ((s.agent, s.model, list(s.tools), s.settings or {}) == (agent, model, wanted, settings)
                    or runner.pending_question(sid)):
                return sid, False
        return runner.new_session(agent=agent, model=model, tools=list(tools or []) if custom else [],
                                  toolset=None if custom else toolset, owner=who, settings=settings).id, True

    def chat(text: str, who, sid, agent, model, toolset, tools, history, gate=False, refine=0, extra="",
             answer: str | None = None, retry: bool = False, request: gr.Request = None):
        """One turn from the chat box, an option button or Retry (the last run failed: go on from its last
        checkpoint); yields the chat as steps arrive."""
        who = known(who) or resolve_owner(None, request)
        text = (answer if answer is not None else text or "").strip()
        history = list(history or [])
        hidden = ask_updates(None)

        def out(box: Any, chat_history: list, ask: list, error: str = "", failed: bool = False,
                running: bool = False) -> list[Any]:
            return [box, sid, sid, chat_history, session_line(sid), *ask, error, who, who,
                    gr.update(visible=failed and not running), gr.update(visible=running),
                    gr.update(visible=not running)]

        if retry and not sid:
            yield out(gr.update(), history, [gr.update()] * len(ask_outputs), "Nothing to retry yet.")
            return
        if not text and not retry:
            yield out(gr.update(), history, [gr.update()] * len(ask_outputs), "Type a message first.")
            return
        try:
            if not retry:
                sid, fresh = session_for(who, sid, agent, model, toolset, tools, gate, refine, extra)
                history = [] if fresh else history
        except Exception as exc:  # unknown model, missing key, unknown tool: say so, keep the message
            yield out(text, history, [gr.update()] * len(ask_outputs), f"⚠️ {render.plain(str(exc))}")
            return
        is_answer = not retry and runner.pending_question(sid) is not None
        if not retry:
            history.append({"role": "user", "content": render.text(text)})
        live = {"role": "assistant", "content": ""}
        notice = {"role": "assistant", "content": ""}  # what the run waits on, until something else happens
        yield out(KEEP(), history, hidden, running=True)  # the box was cleared in the browser (SENT_JS)
        waiting_on, since = "", time.monotonic()  # what the run waits on, and since when
        try:
            for event in ticking(runner.stream(sid, message=None if is_answer or retry else text,
                                               answer=text if is_answer else None, owner=who, deltas=True,
                                               retry=retry)):
                if notice in history:
                    history.remove(notice)
                if event is None:  # no news for a second: the running step, and for how long
                    notice["content"] = (f"⏳ {waiting_on or 'working on the next step'} · "
                                         f"{time.monotonic() - since:.0f} s")
                    history.append(notice)
                    yield out(KEEP(), history, hidden, running=True)
                    continue
                if event.type == "status":
                    waiting_on = render.plain(event.text)
                    notice["content"] = f"⏳ {waiting_on}"
                    history.append(notice)
                    yield out(KEEP(), history, hidden, running=True)
                    continue
                waiting_on, since = "", time.monotonic()
                if event.type == "step":
                    if live in history:
                        history.remove(live)  # text the model wrote before a tool call: the step shows it
                        live = {"role": "assistant", "content": ""}
                    render.add_step(history, event.step)
                    yield out(KEEP(), history, hidden, running=True)
                elif event.type == "delta":
                    if live not in history:
                        history.append(live)
                    live["content"] += render.text(event.text)
                    yield out(KEEP(), history, hidden, running=True)
                elif event.type == "done":
                    result = event.result
                    if live in history:
                        history.remove(live)
                    if result.status == "needs_clarification":
                        history.append(render.question_message(result.clarification))
                        yield out(KEEP(), history, ask_updates(result.clarification))
                    elif result.status == "error":
                        history.append({"role": "assistant", "content": f"⚠️ {render.plain(result.error or '')}"})
                        yield out(KEEP(), history, hidden, failed=True)
                    else:
                        history.append({"role": "assistant", "content": render.text(result.final_answer)})
                        yield out(KEEP(), history, hidden)
        except TurnError as exc:
            yield out(text, history if retry else history[:-1], hidden, f"⚠️ {render.plain(str(exc))}", failed=retry)

    def answer_option(choice, who, sid, agent, model, toolset, tools, history, gate=False, refine=0, extra="",
                      request: gr.Request = None):
        yield from chat("", who, sid, agent, model, toolset, tools, history, gate, refine, extra, answer=choice,
                        request=request)

    chat_inputs = [message, owner, session_id, agent_dd, model_dd, toolset_dd, tools_dd, chatbot, gate_cb,
                   refine_num, extra_tb]
    chat_outputs = [message, session_id, session_store, chatbot, session_md, *ask_outputs, error_md, owner,
                    owner_store, retry_btn, stop_btn, send_btn]

    def stop_turn(sid, who):
        if not sid or not who:
            return "Nothing is running."
        try:
            stopping = runner.stop(sid, who)
        except NotFound:
            return "Nothing is running."
        return "Stopping after the current step…" if stopping else "Nothing is running here."

    stop_btn.click(stop_turn, [session_id, owner], error_md, api_name="stop")
    # A click while the last turn's event is still winding down (the question it asked already shown) is a new
    # turn, not dropped (Gradio's default trigger mode drops it): a quick answer on a busy server was lost.
    send_btn.click(chat, chat_inputs, chat_outputs, api_name="chat", trigger_mode="multiple", js=SENT_JS)

    def retry_turn(who, sid, agent, model, toolset, tools, history, gate=False, refine=0, extra="",
                   request: gr.Request = None):
        yield from chat("", who, sid, agent, model, toolset, tools, history, gate, refine, extra, retry=True,
                        request=request)

    retry_btn.click(retry_turn, chat_inputs[1:], chat_outputs, api_name="retry")

    def form_input(agent, *values):  # the form's fields as the graph's input, into the message box, then sent
        try:
            return input_form.value_of(agent, list(values))
        except ValueError as exc:
            raise gr.Error(f"{agent}: {exc}") from None

    form.run_btn.click(form_input, [agent_dd, *form.inputs], message, api_visibility="private").success(
        chat, chat_inputs, chat_outputs, api_visibility="private", js=SENT_JS)
    message.submit(chat, chat_inputs, chat_outputs, api_visibility="private", trigger_mode="multiple", js=SENT_JS)
    for i, btn in enumerate(option_btns):
        btn.click(answer_option, [btn, *chat_inputs[1:]], chat_outputs, api_name=f"answer_option_{i}",
                  api_visibility="private" if i else "public", trigger_mode="multiple")

    def new_chat():
        return [None, None, [], session_line(None), *ask_updates(None), "", gr.update(visible=False)]

    new_btn.click(new_chat, None, [session_id, session_store, chatbot, session_md, *ask_outputs, error_md, retry_btn])

    def switched(sid):
        """A person changed the agent, model, tools or settings: the open conversation is another session's, so
        it leaves the screen at once and the line says the next message starts a new one."""
        if not sid:
            return [gr.update()] * (6 + len(ask_outputs))
        return [None, None, [], SWITCHED, *ask_updates(None), "", gr.update(visible=False)]

    for control in (agent_dd, model_dd, toolset_dd, tools_dd, gate_cb, refine_num):
        control.input(switched, session_id,
                      [session_id, session_store, chatbot, session_md, *ask_outputs, error_md, retry_btn])

    for btn, (_, agent_name, toolset_name_, prompt) in zip(example_btns, EXAMPLES):
        btn.click(lambda a=agent_name, t=toolset_name_, p=prompt: [
            a, t, runner.tools.toolsets.get(t, []), p, None, None, [], session_line(None), *ask_updates(None),
            gr.update(visible=False)],
            None, [agent_dd, toolset_dd, tools_dd, message, session_id, session_store, chatbot, session_md,
                   *ask_outputs, retry_btn])
    return ChatTab(chatbot, session_md, agent_dd, model_dd, toolset_dd, tools_dd, [gate_cb, refine_num, extra_tb],
                   ask_outputs, retry_btn)
