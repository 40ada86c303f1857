"""The playground UI: Chat, Inspector, Sessions, Compare, Teach and Tools tabs, as one Gradio Blocks app.

Everything goes through the `Runner` and the storage repositories. Each browser keeps an anonymous owner id
in localStorage (`gr.BrowserState`) and sees only its own sessions; with login configured the user name is
the owner. The current session id is kept the same way, so a reload (or a server restart) brings back the
conversation and any pending question.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from app import agents, compare, sharing
from app.auth import USER_PREFIX, owner_for
from app.clarify.request import ClarificationRequest
from app.ui.owners import UNLOADED, known, need_owner
from app.tracing import export
from app.tracing.redact import redact_text
from app.llm import gateway
from app.runner import Runner, ToolImportError, TurnError, UnknownToolError
from tools.model import credential_pairs
from app.ui import eval_tab, render, teach, time_travel
from storage import NotFound, repo

MAX_OPTIONS = 6
EXAMPLES = [
    ("Weather, no city (AwN asks)", "awn", "travel", "What's the weather like?"),
    ("Arithmetic chain", "react", "math", "Compute 12*7, then add 5, then divide it by 3"),
    ("Impossible date", "awn", "travel", "Book a flight from Paris to Rome on 31 February"),
    ("Vague trip (IN3 asks)", "interact", "travel", "Plan a trip for me"),
    ("Beyond the tools", "awn", "math", "Order me a pizza"),
]

CSS = """
#header h1 {margin-bottom: 0}
#header p {margin-top: 2px; color: var(--body-text-color-subdued)}
.option-btn {min-width: 0 !important; flex: 0 1 auto !important}
#question {border-left: 4px solid #ec4899; padding-left: 12px}
.presenter #chat {font-size: 1.3em}
"""


CUSTOM_EXAMPLE = '''def word_count(text: str) -> int:
    """Count the words in a text.

    Args:
        text: the text to count
    """
    return len(text.split())
'''



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


def _session_choices(runner: Runner, owner: str | None, search: str | None = None) -> list[tuple[str, str]]:
    rows = repo.list_sessions(runner.db, owner=owner, search=search) if owner else []
    return [(f"{r.title or 'Untitled'} · {r.agent} · {r.status}", r.id) for r in rows]


# The tabs' ids: `?tab=ID` opens one.
TAB_IDS = ("chat", "inspector", "sessions", "compare", "eval", "teach", "tools")


def build_blocks(runner: Runner, auth_enabled: bool = False) -> gr.Blocks:
    tool_names = runner.tools.names()
    agent_choices = [(f"{a.title} ({a.name})", a.name) for a in agents.AGENTS.values()]
    all_models = [(m.name if m.ready else f"{m.name} (set {m.needs})", m.name) for m in gateway.available_models()]

    def toolset_choices(owner: str | None) -> list[str]:
        saved = [t.name for t in repo.list_toolsets(runner.db, owner)] if owner else []
        return ["(custom)", *runner.tools.toolsets, *[s for s in saved if s not in runner.tools.toolsets]]

    def resolve_owner(stored: str | None, request: gr.Request | None) -> str:
        """The login's owner with logins on (never what the browser stored); else the browser's anonymous id."""
        if auth_enabled:
            if request is None or not getattr(request, "username", None):
                raise gr.Error("log in first")
            return owner_for(request.username)
        if known(stored) and not stored.startswith(USER_PREFIX):
            return stored
        return secrets.token_urlsafe(18)

    def settings_hint(name: str) -> str:
        try:
            return agents.get_agent(name).settings_hint or "{}"
        except KeyError:
            return "{}"

    def agent_info(name: str) -> str:
        try:
            spec = agents.get_agent(name)
        except KeyError:
            return ""
        return f"{render.plain(spec.description)}\n\n<sub>{render.plain(spec.paper)}</sub>"

    def design_graph(name: str, gate: bool = False, refine: float | None = 0) -> str:
        try:
            text = runner.design_mermaid(name, {"tool_gate": bool(gate), "refine": int(refine or 0)})
        except Exception as exc:  # a bring-your-own factory may need tools or fail: say so, keep the UI
            return f"_The graph cannot be drawn: {render.plain(str(exc))}_"
        return "```mermaid\n" + text + "\n```"

    def ask_updates(question: ClarificationRequest | None) -> list[Any]:
        if not question:
            return [gr.update(visible=False), gr.update(value="")] + [gr.update(visible=False)] * MAX_OPTIONS
        options = question.options[:MAX_OPTIONS]
        text = (f"**The agent asks:** {render.plain(question.question)}\n\n"
                f"<sub>{render.plain(question.kind)} · field {render.inline_code(question.field or '-')}"
                f" · detected by {render.plain(question.detected_by)}. Click an option or type an answer.</sub>")
        buttons = [gr.update(visible=i < len(options), value=options[i] if i < len(options) else "")
                   for i in range(MAX_OPTIONS)]
        return [gr.update(visible=True), gr.update(value=text)] + buttons

    def session_line(session_id: str | None) -> str:
        if not session_id:
            return "_New session: send a message to start._"
        return f"Session `{session_id}`"

    def load_session(session_id: str | None, owner: str) -> tuple[list, ClarificationRequest | None]:
        if not session_id:
            return [], None
        try:
            trace = runner.trace(session_id, owner)
        except NotFound:
            return [], None
        pending = runner.pending_question(session_id)
        return render.chat_from_trace(trace, pending), pending

    with gr.Blocks(title="Agent Playground", fill_width=True) as demo:
        # Encrypted with a secret kept in the database: Gradio's default is a random one per process, and after
        # a restart (or on another process) no browser could read back its owner id or session.
        browser_secret = repo.server_secret(runner.db, "browser-state")
        owner_store = gr.BrowserState(None, storage_key="agent_playground_owner", secret=browser_secret)
        session_store = gr.BrowserState(None, storage_key="agent_playground_session", secret=browser_secret)
        owner = gr.State(UNLOADED)
        session_id = gr.State(None)

        gr.Markdown("# Agent Playground\nTool-using agents that ask when they should. Compose tools, chat, answer "
                    "the agent's questions, and inspect every step.", elem_id="header")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=280):
                        agent_dd = gr.Dropdown(agent_choices, value="awn", label="Agent", elem_id="agent")
                        agent_md = gr.Markdown(agent_info("awn"))
                        with gr.Accordion("Its graph", open=False, elem_id="design-graph-panel"):
                            design_md = gr.Markdown(design_graph("awn"), elem_id="design-graph")
                        model_dd = gr.Dropdown(all_models, value=gateway.default_model(), label="Model",
                                               allow_custom_value=True, elem_id="model")
                        toolset_dd = gr.Dropdown(toolset_choices(None), value="travel", label="Tool set",
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
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Conversation", height=600, elem_id="chat", allow_tags=False,
                                             buttons=["copy"], placeholder="Steps appear here as the agent works.")
                        with gr.Group(visible=False, elem_id="ask-panel") as ask_panel:
                            ask_md = gr.Markdown(elem_id="question")
                            with gr.Row():
                                option_btns = [gr.Button(visible=False, size="sm", elem_classes="option-btn",
                                                         elem_id=f"option-{i}") for i in range(MAX_OPTIONS)]
                        with gr.Row():
                            message = gr.Textbox(placeholder="Message the agent. When it asks, your reply answers.",
                                                 show_label=False, scale=6, elem_id="message", autofocus=True)
                            send_btn = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                            retry_btn = gr.Button("Retry", scale=1, elem_id="retry", size="sm")
                        error_md = gr.Markdown(elem_id="chat-error")

            with gr.Tab("Inspector", id="inspector"):
                with gr.Row():
                    inspect_dd = gr.Dropdown([], label="Session", scale=4, elem_id="inspect-session")
                    refresh_btn = gr.Button("Refresh", scale=1, elem_id="inspect-refresh")
                summary = gr.Markdown(elem_id="inspect-summary")
                with gr.Accordion("Share this trace (read-only link)", open=False, elem_id="share-panel"):
                    with gr.Row():
                        share_days = gr.Number(7, label="Expires after (days; empty = never)", elem_id="share-days")
                        share_preview_btn = gr.Button("Preview redactions", elem_id="share-preview")
                        share_btn = gr.Button("Create link", variant="primary", elem_id="share-create")
                    share_md = gr.Markdown(elem_id="share-result")
                    with gr.Row():
                        shares_dd = gr.Dropdown([], label="Links to this session", scale=4, elem_id="share-list")
                        revoke_btn = gr.Button("Revoke", variant="stop", scale=1, elem_id="share-revoke")
                timeline = gr.Plot(label="Timeline", elem_id="timeline")
                with gr.Row():
                    with gr.Column(scale=3):
                        steps_df = gr.Dataframe(headers=render.STEP_COLUMNS, interactive=False, label="Steps "
                                                "(click a row for its detail)", elem_id="steps-table", wrap=True)
                    with gr.Column(scale=2):
                        tree_md = gr.Markdown(label="Step tree", elem_id="step-tree")
                step_json = gr.JSON(label="Step detail: messages sent, response, arguments, result, provenance",
                                    elem_id="step-detail")
                trace_state = gr.State(None)
                time_travel.build(runner, inspect_dd, owner, steps_df, trace_state,
                                  lambda who: _session_choices(runner, who))
                tokens_plot = gr.Plot(label="Tokens", elem_id="tokens")
                graph_md = gr.Markdown(elem_id="agent-graph")

            with gr.Tab("Sessions", id="sessions"):
                with gr.Row():
                    search = gr.Textbox(label="Search titles and messages", scale=4, elem_id="session-search")
                    search_btn = gr.Button("Search", scale=1)
                sessions_dd = gr.Dropdown([], label="Your sessions", elem_id="sessions-list")
                with gr.Row():
                    open_btn = gr.Button("Open in chat", variant="primary", elem_id="open-session")
                    rename_box = gr.Textbox(label="New title", scale=3, elem_id="rename-box")
                    rename_btn = gr.Button("Rename", elem_id="rename")
                    delete_btn = gr.Button("Delete", variant="stop", elem_id="delete")
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

            with gr.Tab("Compare", id="compare"):
                gr.Markdown("One prompt, 2–4 agent and model pairs, side by side. Each column is a session of its "
                            "own: open it in the chat (to answer a question) or the inspector.")
                cmp_prompt = gr.Textbox(label="Prompt", elem_id="compare-prompt", lines=2)
                with gr.Row():
                    cmp_toolset = gr.Dropdown(toolset_choices(None), value="travel", label="Tool set",
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

            with gr.Tab("Eval", id="eval"):
                eval_tab.build(runner, owner, resolve_owner, agent_choices, all_models)

            with gr.Tab("Teach", id="teach"):
                playback_dd = teach.build(runner, owner, lambda who: _session_choices(runner, who))

            with gr.Tab("Tools", id="tools"):
                with gr.Row():
                    with gr.Column(scale=2):
                        tool_pick = gr.Dropdown(tool_names, value=tool_names[0], label="Tool", elem_id="tool-pick")
                        tool_doc = gr.Markdown()
                        tool_schema = gr.JSON(label="JSON schema")
                    with gr.Column(scale=3):
                        gr.Markdown("**Try it**: the form is generated from the schema.")

                        @gr.render(inputs=[tool_pick, owner])
                        def tool_form(name: str, who: str):
                            try:
                                tool = runner.tools.get(name, known(who))
                            except UnknownToolError:
                                return
                            props = tool.parameters.get("properties", {})
                            fields = []
                            for pname, spec in props.items():
                                label = f"{pname}{' *' if pname in tool.required else ''}"
                                info = spec.get("description")
                                if "enum" in spec:
                                    comp = gr.Dropdown(spec["enum"], value=spec.get("default"), label=label, info=info)
                                elif spec.get("type") in ("integer", "number"):
                                    comp = gr.Number(value=spec.get("default"), label=label, info=info,
                                                     precision=0 if spec.get("type") == "integer" else None)
                                elif spec.get("type") == "boolean":
                                    comp = gr.Checkbox(value=bool(spec.get("default")), label=label, info=info)
                                else:
                                    comp = gr.Textbox(value=spec.get("default") or "", label=label, info=info)
                                fields.append((pname, comp))
                            run = gr.Button(f"Run {name}", variant="primary", elem_id="try-run")
                            out = gr.JSON(label="Result", elem_id="try-result")

                            def run_it(*values):
                                args = {p: v for (p, _), v in zip(fields, values) if v not in (None, "")}
                                return runner.try_tool(name, args, need_owner(who))

                            run.click(run_it, [c for _, c in fields], out)

                gr.Markdown("### Compose a tool set")
                with gr.Row():
                    compose = gr.CheckboxGroup(tool_names, label="Tools", scale=4, elem_id="compose-tools")
                    with gr.Column(scale=1):
                        toolset_name = gr.Textbox(label="Name", elem_id="toolset-name")
                        save_set = gr.Button("Save tool set", variant="primary", elem_id="save-toolset")
                        lint_btn = gr.Button("Lint these tools", elem_id="lint-tools")
                        saved_md = gr.Markdown()
                lint_md = gr.Markdown(elem_id="lint-result")

                with gr.Accordion("Add Python tools (they run in a sandboxed process)", open=False,
                                  elem_id="custom-tools"):
                    gr.Markdown("Every public function with type hints and a docstring becomes a tool (an `Args:` "
                                "section describes the parameters). Each call runs in its own process with CPU, "
                                "memory and wall-clock limits, no environment variables and no network unless "
                                "allowed. Or from a shell: `playground tools add FILE.py`.")
                    custom_code = gr.Code(CUSTOM_EXAMPLE, language="python", label="Tool file",
                                          elem_id="custom-code")
                    with gr.Row():
                        custom_name = gr.Textbox("my_tools.py", label="File name", elem_id="custom-filename")
                        custom_net = gr.Checkbox(False, label="Allow network", elem_id="custom-network")
                        custom_add = gr.Button("Add tools", variant="primary", elem_id="custom-add")
                    custom_md = gr.Markdown(elem_id="custom-result")

                with gr.Accordion("Import an OpenAPI spec or an MCP server", open=False, elem_id="import-tools"):
                    gr.Markdown("**OpenAPI 3**: each operation becomes a tool that calls the API. Give the spec's "
                                "URL or paste it (JSON or YAML). Credentials are named, never typed: "
                                "`SCHEME=ENV_VAR` (or just `ENV_VAR` when the spec has one scheme) sends that "
                                "environment variable of the server's, and only its name is stored.")
                    openapi_spec = gr.Textbox(label="Spec URL or text", lines=3, max_lines=12,
                                              elem_id="openapi-spec")
                    with gr.Row():
                        openapi_base = gr.Textbox(label="Base URL (default: the spec's server)",
                                                  elem_id="openapi-base")
                        openapi_auth = gr.Textbox(label="Auth (SCHEME=ENV_VAR, comma-separated)",
                                                  elem_id="openapi-auth")
                        openapi_prefix = gr.Textbox(label="Name prefix", elem_id="openapi-prefix")
                        openapi_go = gr.Button("Import spec", variant="primary", elem_id="openapi-import")
                    gr.Markdown("**MCP**: a streamable HTTP URL, or a command that starts a server on stdio "
                                "(commands only when the playground serves this machine alone). Its tools run on "
                                "that server.")
                    with gr.Row():
                        mcp_target = gr.Textbox(label="Command or URL", scale=3, elem_id="mcp-target")
                        mcp_env = gr.Textbox(label="Env vars it gets (names)", elem_id="mcp-env")
                        mcp_prefix = gr.Textbox(label="Name prefix", elem_id="mcp-prefix")
                        mcp_go = gr.Button("Connect", variant="primary", elem_id="mcp-import")
                    tool_import_md = gr.Markdown(elem_id="tool-import-result")

        # -- events --------------------------------------------------------------------------------------

        ask_outputs = [ask_panel, ask_md, *option_btns]

        def on_load(stored_owner, stored_session, request: gr.Request):
            who = resolve_owner(stored_owner, request)
            params = dict(request.query_params) if request is not None else {}
            wanted = params.get("session") or stored_session  # ?session=ID opens that session (compare links)
            history, pending = load_session(wanted, who)
            sid = wanted if history or pending else None
            config: list[Any] = [gr.update()] * 7
            runner.sync_tools()  # tools added since the UI was built, here or by another process
            everything = runner.tools.names(who)
            config[3] = gr.update(choices=everything)
            if sid:
                s = repo.get_session(runner.db, sid)
                config = [s.agent, s.model, s.toolset or "(custom)", gr.update(choices=everything, value=s.tools),
                          *settings_controls(s.settings)]
            choices = _session_choices(runner, who)
            tab = params.get("tab") if params.get("tab") in TAB_IDS else None
            return [who, who, sid, sid, history, session_line(sid), *config, *ask_updates(pending),
                    gr.update(choices=toolset_choices(who)), gr.update(choices=choices, value=sid),
                    gr.update(choices=choices, value=sid), gr.update(choices=compare.saved(runner, who)),
                    gr.update(choices=choices, value=sid if tab == "teach" else None),
                    gr.Tabs(selected=tab) if tab else gr.update(), *[gr.update(choices=everything)] * 3]

        demo.load(on_load, [owner_store, session_store],
                  [owner, owner_store, session_id, session_store, chatbot, session_md, agent_dd, model_dd, toolset_dd,
                   tools_dd, gate_cb, refine_num, extra_tb, *ask_outputs, toolset_dd, inspect_dd, sessions_dd,
                   cmp_saved, playback_dd, tabs, cmp_tools, compose, tool_pick])

        agent_dd.change(lambda name, gate, refine: [agent_info(name), design_graph(name, gate, refine),
                                                     gr.update(placeholder=settings_hint(name))],
                        [agent_dd, gate_cb, refine_num], [agent_md, design_md, extra_tb])
        for control in (gate_cb, refine_num):
            control.change(design_graph, [agent_dd, gate_cb, refine_num], design_md)

        def pick_toolset(name: str, who: str | None):
            if not name or name == "(custom)":
                return gr.update()
            row = repo.get_toolset(runner.db, name, who)
            return row.tools if row else runner.tools.toolsets.get(name, [])

        toolset_dd.input(pick_toolset, [toolset_dd, owner], tools_dd)
        tools_dd.input(lambda: "(custom)", None, toolset_dd)

        def session_for(who, sid, agent, model, toolset, tools, gate, refine, extra) -> tuple[str, bool]:
            """The session a message goes to: the open one, or a new one (True) when the agent, model, tools or
            settings changed."""
            custom = toolset in (None, "", "(custom)")
            settings = agent_settings(gate, refine, extra)
            if sid:
                s = repo.get_session(runner.db, sid, who)
                wanted = runner.resolve_tools(list(tools or []) if custom else [], None if custom else toolset, who)
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

            def out(box: Any, chat_history: list, ask: list, error: str = "") -> list[Any]:
                return [box, sid, sid, chat_history, session_line(sid), *ask, error, who, who]

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
            yield out("", history, hidden)
            try:
                for event in runner.stream(sid, message=None if is_answer or retry else text,
                                           answer=text if is_answer else None, owner=who, deltas=True, retry=retry):
                    if event.type == "step":
                        if live in history:
                            history.remove(live)  # text the model wrote before a tool call: the step shows it
                            live = {"role": "assistant", "content": ""}
                        history.append(render.step_message(event.step))
                        yield out("", history, hidden)
                    elif event.type == "delta":
                        if live not in history:
                            history.append(live)
                        live["content"] += render.text(event.text)
                        yield out("", history, hidden)
                    elif event.type == "done":
                        result = event.result
                        if live in history:
                            history.remove(live)
                        if result.status == "needs_clarification":
                            history.append(render.question_message(result.clarification))
                            yield out("", history, ask_updates(result.clarification))
                        elif result.status == "error":
                            history.append({"role": "assistant", "content": f"⚠️ {render.plain(result.error or '')}"})
                            yield out("", history, hidden)
                        else:
                            history.append({"role": "assistant", "content": render.text(result.final_answer)})
                            yield out("", history, hidden)
            except TurnError as exc:
                yield out(text, history if retry else history[:-1], hidden, f"⚠️ {render.plain(str(exc))}")

        def answer_option(choice, who, sid, agent, model, toolset, tools, history, gate=False, refine=0, extra="",
                          request: gr.Request = None):
            yield from chat("", who, sid, agent, model, toolset, tools, history, gate, refine, extra, answer=choice,
                            request=request)

        chat_inputs = [message, owner, session_id, agent_dd, model_dd, toolset_dd, tools_dd, chatbot, gate_cb,
                       refine_num, extra_tb]
        chat_outputs = [message, session_id, session_store, chatbot, session_md, *ask_outputs, error_md, owner,
                        owner_store]
        send_btn.click(chat, chat_inputs, chat_outputs, api_name="chat")

        def retry_turn(who, sid, agent, model, toolset, tools, history, gate=False, refine=0, extra="",
                       request: gr.Request = None):
            yield from chat("", who, sid, agent, model, toolset, tools, history, gate, refine, extra, retry=True,
                            request=request)

        retry_btn.click(retry_turn, chat_inputs[1:], chat_outputs, api_name="retry")
        message.submit(chat, chat_inputs, chat_outputs, api_visibility="private")
        for i, btn in enumerate(option_btns):
            btn.click(answer_option, [btn, *chat_inputs[1:]], chat_outputs, api_name=f"answer_option_{i}",
                      api_visibility="private" if i else "public")

        def new_chat():
            return [None, None, [], session_line(None), *ask_updates(None), ""]

        new_btn.click(new_chat, None, [session_id, session_store, chatbot, session_md, *ask_outputs, error_md])

        for btn, (_, agent_name, toolset_name_, prompt) in zip(example_btns, EXAMPLES):
            btn.click(lambda a=agent_name, t=toolset_name_, p=prompt: [
                a, t, runner.tools.toolsets.get(t, []), p, None, None, [], session_line(None), *ask_updates(None)],
                None, [agent_dd, toolset_dd, tools_dd, message, session_id, session_store, chatbot, session_md,
                       *ask_outputs])

        # -- inspector --

        def session_graph(sid: str) -> str:
            try:
                return "**Agent graph**\n\n```mermaid\n" + runner.graph_mermaid(sid) + "\n```"
            except Exception as exc:  # e.g. a bring-your-own design this server did not load
                return f"_The agent graph cannot be drawn here: {render.plain(str(exc))}_"

        def inspect(sid: str | None, who: str | None):
            if not sid or not who:
                empty = render.timeline_figure([])
                return ["_Pick a session (the current one is chosen for you)._", empty, [], "", None,
                        render.tokens_figure([]), "", None]
            trace = runner.trace(sid, who)
            steps = trace["steps"]
            return [render.summary_markdown(trace), render.timeline_figure(steps), render.step_rows(steps),
                    render.step_tree(steps, trace["runs"]), steps[-1] if steps else None,
                    render.tokens_figure(steps), session_graph(sid),
                    trace]

        inspect_outputs = [summary, timeline, steps_df, tree_md, step_json, tokens_plot, graph_md, trace_state]
        inspect_dd.change(inspect, [inspect_dd, owner], inspect_outputs)
        refresh_btn.click(lambda sid, who: [gr.update(choices=_session_choices(runner, who), value=sid),
                                             *inspect(sid, who)], [inspect_dd, owner], [inspect_dd, *inspect_outputs])

        def show_step(trace, evt: gr.SelectData):
            if not trace or evt is None:
                return None
            row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            return trace["steps"][row] if 0 <= row < len(trace["steps"]) else None

        steps_df.select(show_step, trace_state, step_json)

        def to_inspector(sid, who):
            return gr.update(choices=_session_choices(runner, who), value=sid)

        tabs.select(lambda sid, who, played: [to_inspector(sid, who), to_inspector(sid, who),
                                              gr.update(choices=compare.saved(runner, who) if who else []),
                                              gr.update(choices=_session_choices(runner, who), value=played or sid)],
                    [session_id, owner, playback_dd], [inspect_dd, sessions_dd, cmp_saved, playback_dd])

        # -- sharing --

        def share_choices(sid, who):
            if not sid or not who:
                return []
            return [(f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(x['created_at']))} · {x['state']} · "
                     f"{x['views']} view(s)", x["id"]) for x in sharing.listing(runner.db, sid, who)]

        def redaction_lines(found):
            if not found:
                return "Nothing to redact: no secrets from the environment, Authorization headers or keys found."
            return "**Will be redacted:**\n" + "\n".join(f"- {render.plain(f['where'])}: {render.plain(f['what'])}"
                                                         for f in found)

        def share_preview(sid, who):
            if not sid:
                return "Pick a session first."
            return redaction_lines(sharing.preview(runner.db, sid, who)["redactions"])

        def create_share(sid, who, days, request: gr.Request = None):
            if not sid:
                return "Pick a session first.", gr.update()
            if days is not None and days <= 0:
                return "⚠️ Expiry must be a positive number of days (or empty for never).", gr.update()
            made = sharing.create(runner.db, sid, who, expires_days=days or None)
            host = request.headers.get("host", "") if request is not None else ""
            full = f"http://{host}{made['path']}" if host else made["path"]
            text = (f"**Link** (shown once; only its hash is kept): [{render.plain(full)}]({made['path']})\n\n"
                    + redaction_lines(made["redactions"]))
            return text, gr.update(choices=share_choices(sid, who), value=made["id"])

        def revoke_share(share_id, sid, who):
            if not share_id:
                return "Pick a link to revoke.", gr.update()
            done = sharing.revoke(runner.db, share_id, who)
            return ("Revoked: the link now answers 404." if done else "That link was already revoked.",
                    gr.update(choices=share_choices(sid, who), value=None))

        share_preview_btn.click(share_preview, [inspect_dd, owner], share_md)
        share_btn.click(create_share, [inspect_dd, owner, share_days], [share_md, shares_dd])
        revoke_btn.click(revoke_share, [shares_dd, inspect_dd, owner], [share_md, shares_dd])
        inspect_dd.change(lambda sid, who: gr.update(choices=share_choices(sid, who), value=None), [inspect_dd, owner],
                          shares_dd)

        # -- sessions --

        def find(q, who):
            choices = _session_choices(runner, who, q or None)
            return gr.update(choices=choices, value=choices[0][1] if choices else None), f"{len(choices)} session(s)"

        search_btn.click(find, [search, owner], [sessions_dd, sessions_md])
        search.submit(find, [search, owner], [sessions_dd, sessions_md])

        def open_session(sid, who):
            history, pending = load_session(sid, who)
            s = repo.get_session(runner.db, sid, who)
            return [sid, sid, history, session_line(sid), s.agent, s.model, s.toolset or "(custom)", s.tools,
                    *settings_controls(s.settings), *ask_updates(pending), gr.Tabs(selected="chat")]

        open_btn.click(open_session, [sessions_dd, owner],
                       [session_id, session_store, chatbot, session_md, agent_dd, model_dd, toolset_dd, tools_dd,
                        gate_cb, refine_num, extra_tb, *ask_outputs, tabs])

        def rename(sid, title, who):
            if not sid or not (title or "").strip():
                return gr.update(), "Pick a session and type a title."
            repo.get_session(runner.db, sid, who)
            repo.update_session(runner.db, sid, title=redact_text(title.strip())[:200])
            return gr.update(choices=_session_choices(runner, who), value=sid), "Renamed."

        rename_btn.click(rename, [sessions_dd, rename_box, owner], [sessions_dd, sessions_md])

        def delete(sid, who, current):
            if not sid:
                return gr.update(), "Pick a session.", current, current
            repo.get_session(runner.db, sid, who)
            repo.delete_session(runner.db, sid)
            keep = None if current == sid else current
            return gr.update(choices=_session_choices(runner, who), value=None), "Deleted.", keep, keep

        delete_btn.click(delete, [sessions_dd, owner, session_id], [sessions_dd, sessions_md, session_id, session_store])

        def export_session(sid, fmt, who):
            if not sid:
                return None, "Pick a session to export."
            doc = export.export_session(runner.db, sid, who)
            if fmt == "openinference":
                doc = export.openinference(doc)
            path = Path(tempfile.mkdtemp(prefix="playground-export-")) / f"session-{sid[:8]}-{fmt}.json"
            path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
            return str(path), f"Exported ({fmt})."

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
                    gr.update(choices=_session_choices(runner, who), value=new_id))

        import_file.upload(import_session, [import_file, owner], [session_import_md, sessions_dd],
                           api_name="import_session")

        # -- compare --

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

        # -- tools --

        def describe(name, who):
            try:
                tool = runner.tools.get(name, known(who))
            except UnknownToolError:
                return "", None
            flags = " · ⚠️ has side effects" if tool.side_effects else ""
            return f"**{tool.name}**{flags}\n\n{render.plain(tool.description)}", tool.parameters

        tool_pick.change(describe, [tool_pick, owner], [tool_doc, tool_schema])
        demo.load(describe, [tool_pick, owner], [tool_doc, tool_schema])

        def save_toolset(name, chosen, who):
            who = need_owner(who)
            name = (name or "").strip()
            if not name or not chosen:
                return "Give the tool set a name and pick at least one tool.", gr.update()
            if name in runner.tools.toolsets:
                return f"{name!r} is a built-in tool set; choose another name.", gr.update()
            try:
                runner.resolve_tools(chosen, owner=who)  # only tools this owner has
            except UnknownToolError as exc:
                return f"⚠️ {render.plain(str(exc))}", gr.update()
            repo.save_toolset(runner.db, name, chosen, owner=who)
            return f"Saved **{render.plain(name)}**: {', '.join(chosen)}.", gr.update(choices=toolset_choices(who))

        save_set.click(save_toolset, [toolset_name, compose, owner], [saved_md, toolset_dd], api_name="save_toolset")

        def lint_tools(chosen, who):
            from tools.lint import report

            if not chosen:
                return "Tick the tools to lint."
            try:
                found = report(runner.tools.resolve(chosen, known(who)))
            except UnknownToolError as exc:
                return f"⚠️ {render.plain(str(exc))}"
            if not found["count"]:
                return f"No warnings for {len(chosen)} tool(s)."
            rows = "\n".join(f"| {render.inline_code(w['tool'])} | {render.inline_code(w['field'])} | {w['code']} | "
                             f"{render._cell(w['message'], 300)} |" for w in found["warnings"])
            return (f"**{found['count']} warning(s)**: where an agent will have to guess, or ask.\n\n"
                    f"| tool | field | problem | what to do |\n|---|---|---|---|\n{rows}")

        lint_btn.click(lint_tools, [compose, owner], lint_md, api_name="lint_tools")

        tool_lists = [tools_dd, compose, cmp_tools, tool_pick]

        def added(names: list[str], where: str, who: str) -> list[Any]:
            everything = runner.tools.names(who)
            return ([f"Added from {where}: " + ", ".join(f"`{n}`" for n in names) +
                     ". Pick them in the chat's tool list."] +
                    [gr.update(choices=everything)] * 3 + [gr.update(choices=everything, value=names[0])])

        def refused(exc: Exception) -> list[Any]:
            return [f"⚠️ {render.plain(str(exc))}"] + [gr.update()] * 4

        def add_custom(source, filename, network, who):
            who = need_owner(who)
            name = (filename or "").strip() or "my_tools.py"
            try:
                return added(runner.add_custom_tools(source or "", name, owner=who, network=bool(network)),
                             f"{render.inline_code(name)}", who)
            except ToolImportError as exc:
                return refused(exc)

        custom_add.click(add_custom, [custom_code, custom_name, custom_net, owner], [custom_md, *tool_lists],
                         api_name="add_tools")

        def import_openapi(spec, base, auth, prefix, who):
            who = need_owner(who)
            try:
                names = runner.import_openapi((spec or "").strip(), base_url=(base or "").strip() or None,
                                              auth=credential_pairs((auth or "").split(","), "auth"),
                                              prefix=(prefix or "").strip(), owner=who,
                                              files=False)
            except ToolImportError as exc:
                return refused(exc)
            return added(names, "the spec", who)

        openapi_go.click(import_openapi, [openapi_spec, openapi_base, openapi_auth, openapi_prefix, owner],
                         [tool_import_md, *tool_lists], api_name="import_openapi")

        def import_mcp(target, env, prefix, who):
            who = need_owner(who)
            try:
                names = runner.import_mcp(target or "", env=[e.strip() for e in (env or "").split(",") if e.strip()],
                                          prefix=(prefix or "").strip(), owner=who,
                                          commands=bool(runner.settings.mcp_commands))
            except ToolImportError as exc:
                return refused(exc)
            return added(names, f"{render.inline_code(target.strip())}", who)

        mcp_go.click(import_mcp, [mcp_target, mcp_env, mcp_prefix, owner], [tool_import_md, *tool_lists],
                     api_name="import_mcp")
    return demo
