"""The playground UI: a thin shell around one module per tab (chat, inspector, sessions, compare_tab, eval_tab,
datasets_tab, teach, tools_tab), as one Gradio Blocks app.

Everything goes through the `Runner` and the storage repositories. Each browser keeps an anonymous owner id
in localStorage (`gr.BrowserState`) and sees only its own sessions; with login configured the user name is
the owner. The current session id is kept the same way, so a reload (or a server restart) brings back the
conversation and any pending question. The shell does what spans tabs: the page load and switching tabs.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app import compare
from app.runner import Runner
from app import downloads
from app.ui import chat, compare_tab, datasets_tab, eval_tab, inspector, sessions, teach, tools_tab
from app.ui import render, theme
from app.ui.chat import load_session
from app.ui.chat_css import CSS
from app.ui.owners import UNLOADED
from app.ui.shell import Shell
from storage import keys, repo

__all__ = ["CSS", "TAB_IDS", "build_blocks"]

# The tabs' ids: `?tab=ID` opens one.
TAB_IDS = ("chat", "inspector", "sessions", "compare", "eval", "datasets", "teach", "tools")


def unavailable_session(session_id: str | None) -> str:
    """Why a session asked for in the address is not on the page, and how to open it."""
    what = f"Session `{render.plain(session_id)[:64]}`" if session_id else "This link"
    return (f"⚠️ {what} is not yours, or no longer exists (or the link was used already). A session made with the "
            "command line belongs to no browser: `playground open SESSION_ID` prints a link that opens it here, "
            "as yours.")


def signed_in_line(request: gr.Request | None) -> str:
    """Who is signed in (beside Sign out)."""
    name = getattr(request, "username", None) or ""
    return f"Signed in as **{render.plain(name)}**" if name else ""


def build_blocks(runner: Runner, auth_enabled: bool = False) -> gr.Blocks:
    # Gradio's copies of the files it served go after the same age as ours (app.ui.downloads)
    with gr.Blocks(title="Agent Playground", fill_width=True,
                   delete_cache=(60, int(downloads.AGE_S))) as demo:
        # Encrypted with a secret kept in the database: Gradio's default is a random one per process, and after
        # a restart (or on another process) no browser could read back its owner id or session.
        browser_secret = repo.server_secret(runner.db, "browser-state")
        shell = Shell(runner, auth_enabled, demo, owner=gr.State(UNLOADED), session_id=gr.State(None),
                      owner_store=gr.BrowserState(None, storage_key="agent_playground_owner", secret=browser_secret),
                      session_store=gr.BrowserState(None, storage_key="agent_playground_session",
                                                    secret=browser_secret))
        with gr.Row(equal_height=False):
            gr.Markdown("# Agent Playground\nTool-using agents that ask when they should. Compose tools, chat, answer "
                        "the agent's questions, and inspect every step.", elem_id="header")
            signed_in = gr.Markdown("", elem_id="signed-in", visible=auth_enabled)
            sign_out = gr.Button("Sign out", size="sm", elem_id="sign-out", visible=auth_enabled, scale=0, min_width=90)
            theme.switch()
        with gr.Tabs() as shell.tabs:
            with gr.Tab("Chat", id="chat"):
                chat_tab = chat.build(shell)
            with gr.Tab("Inspector", id="inspector"):
                inspector_tab = inspector.build(shell)
            with gr.Tab("Sessions", id="sessions"):
                sessions_tab = sessions.build(shell, chat_tab)
            with gr.Tab("Compare", id="compare"):
                compare_view = compare_tab.build(shell)
            with gr.Tab("Eval", id="eval") as eval_page:
                eval_view = eval_tab.build(runner, shell.owner, shell.resolve_owner, shell.eval_agent_choices,
                                           shell.model_choices)
            with gr.Tab("Datasets", id="datasets") as datasets_page:
                datasets_view = datasets_tab.build(shell)
            with gr.Tab("Teach", id="teach"):
                playback_dd = teach.build(runner, shell.owner, shell.session_choices)
            with gr.Tab("Tools", id="tools"):
                tools_view = tools_tab.build(shell, chat_tab.toolset_dd, [chat_tab.tools_dd, compare_view.tools])
        tool_menus = [chat_tab.tools_dd, compare_view.tools, tools_view.compose, tools_view.tool_pick]
        shell.model_menus += [chat_tab.model_dd, eval_view.model]
        session_menus = [inspector_tab.inspect_dd, sessions_tab.sessions_dd]

        def on_load(stored_owner, stored_session, request: gr.Request) -> dict[Any, Any]:
            who = shell.resolve_owner(stored_owner, request)
            params = dict(request.query_params) if request is not None else {}
            wanted = params.get("session") or stored_session  # ?session=ID opens that session (compare links)
            claimed = keys.take_claim(runner.db, params.get("claim"))  # `playground open ID`: this browser's now
            if claimed is not None:
                repo.update_session(runner.db, claimed, owner=who)
            if params.get("claim"):  # a claim link opens its session, or (used, expired) none: not the last one
                wanted = claimed
            history, pending = load_session(runner, wanted, who)
            sid = wanted if history or pending else None
            runner.sync_tools()  # tools added since the UI was built, here or by another process
            everything = runner.tools.names(who)
            models = shell.model_choices  # a model installed since the page was built (pip install '.[local]')
            tab = params.get("tab") if params.get("tab") in TAB_IDS else None
            choices = shell.session_choices(who)
            session = repo.get_session(runner.db, sid) if sid else None
            updates = {signed_in: signed_in_line(request) if auth_enabled else "", shell.owner: who, shell.owner_store: who, shell.session_id: sid, shell.session_store: sid,
                       **{menu: gr.update(choices=everything) for menu in tool_menus}}
            updates.update(chat_tab.show(runner, session, history, pending))
            for menu in shell.model_menus:  # the session's model (if one is shown) kept as the value
                kept = updates.get(menu)
                updates[menu] = gr.update(choices=models, **({"value": kept} if isinstance(kept, str) else {}))
            if sid is None and (params.get("session") or params.get("claim")):  # asked for, not shown: say why
                updates[chat_tab.session_md] = unavailable_session(params.get("session"))
            if session is not None:
                updates[chat_tab.tools_dd] = gr.update(choices=everything, value=session.tools)
            updates.update({
                chat_tab.toolset_dd: gr.update(choices=shell.toolset_choices(who),
                                               **({"value": session.toolset or "(custom)"} if session else {})),
                **{menu: gr.update(choices=choices, value=sid) for menu in session_menus},
                compare_view.saved: gr.update(choices=compare.saved(runner, who)),
                playback_dd: gr.update(choices=choices, value=sid if tab == "teach" else None),
                shell.tabs: gr.Tabs(selected=tab) if tab else gr.update(),
            })
            return updates

        # Gradio's /logout forgets this browser's login, in this tab (a Markdown link would open a new one)
        sign_out.click(None, None, None, js="() => { window.location.assign('/logout'); }")
        loaded = [shell.owner, shell.owner_store, shell.session_id, shell.session_store, *chat_tab.outputs,
                  *tool_menus, *shell.model_menus, *session_menus, compare_view.saved, playback_dd, shell.tabs,
                  signed_in]  # the owner first (clients read it: tests' ui_client), this last
        demo.load(on_load, [shell.owner_store, shell.session_store], list(dict.fromkeys(loaded)))

        def on_tab(sid, who, played, inspected, evt: gr.SelectData):
            """The lists the opened tab shows are read again (the current session chosen), and the Inspector's
            panels drawn for it; the other tabs' are left alone (each update is work for the page while the tab
            opens)."""
            opened = getattr(evt, "value", None)
            current = gr.update(choices=shell.session_choices(who), value=sid)
            inspector_panels = inspector_tab.drawn(sid, who, inspected) if opened == "Inspector" else [
                gr.update()] * len(inspector_tab.drawn_outputs)
            return [current if opened == "Inspector" else gr.update(), current if opened == "Sessions" else gr.update(),
                    gr.update(choices=compare.saved(runner, who) if who else []) if opened == "Compare" else gr.update(),
                    gr.update(choices=shell.session_choices(who), value=played) if opened == "Teach" else gr.update(),
                    *inspector_panels]

        # Opening the Eval tab lists the person's datasets as suites; opening Datasets reads its menus again.
        eval_page.select(eval_view.refresh, [shell.owner, eval_view.suites], eval_view.suites)
        datasets_page.select(datasets_view.refresh, datasets_view.inputs, datasets_view.outputs)
        shell.tabs.select(on_tab, [shell.session_id, shell.owner, playback_dd, inspector_tab.inspect_dd],
                          [*session_menus, compare_view.saved, playback_dd, *inspector_tab.drawn_outputs])
    return demo
