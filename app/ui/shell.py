"""What every tab of the UI shares: the runner, the page's owner and session (kept in the browser), the tabs
themselves, and the small lookups several tabs make (an owner's sessions and tool sets)."""

from __future__ import annotations

import importlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from app import agents
from app.auth import USER_PREFIX, owner_for
from app.llm import gateway, installed
from app.runner import Runner
from app.ui.owners import known
from storage import repo


@dataclass
class OnSession:
    """What a panel shows of the session picked in a menu: `fn(sid, who, *extra)` gives `outputs`, reading the
    values of `extra` too. The inspector runs every panel's in one event: six events, one after another, each a
    round trip and a redraw, made the tab take seconds to open (bench/inspector_open.py)."""

    fn: Callable[..., Any]
    outputs: list[Any]
    extra: list[Any] = field(default_factory=list)


def on_session(menu: Any, owner: Any, hooks: list[OnSession]) -> Any:
    """One change event of `menu` for all `hooks`, their outputs in order (the event, for a `.then`)."""

    def run(sid, who, *values):
        out, at = [], 0
        for hook in hooks:
            shown = hook.fn(sid, who, *values[at:at + len(hook.extra)])
            at += len(hook.extra)
            out.extend(shown if len(hook.outputs) > 1 else [shown])
        return out

    return menu.change(run, [menu, owner, *(x for h in hooks for x in h.extra)],
                       [o for h in hooks for o in h.outputs])


@dataclass
class Shell:
    runner: Runner
    auth_enabled: bool
    blocks: gr.Blocks
    owner: gr.State  # the page's owner: UNLOADED until the page loads (app.ui.owners)
    session_id: gr.State  # the chat's session
    owner_store: gr.BrowserState
    session_store: gr.BrowserState
    tabs: gr.Tabs | None = None
    model_menus: list[gr.Dropdown] = field(default_factory=list)  # read again at each page load (model_choices)

    @property
    def tool_names(self) -> list[str]:
        return self.runner.tools.names()

    @property
    def agent_choices(self) -> list[tuple[str, str]]:
        """The designs and opened graphs; a graph of an opened project that cannot be opened is listed too, to say
        why (its panel shows the line)."""
        return [*((f"{a.title} ({a.name})", a.name) for a in agents.AGENTS.values() if not a.harness),
                *((f"{name}, cannot be opened ({name})", name) for name in agents.UNOPENED if name not in agents.AGENTS)]

    @property
    def eval_agent_choices(self) -> list[tuple[str, str]]:
        """The designs, and the harness's own oracle (a check of a suite file, not a design)."""
        return [(f"{a.title} ({a.name})", a.name) for a in agents.AGENTS.values()]

    @property
    def model_choices(self) -> list[tuple[str, str]]:
        """The models as menu entries, ready or with what they need, as installed now: a package installed
        while the server runs is seen (the import system's cached folder listings are read again)."""
        importlib.invalidate_caches()
        installed.look_again()
        return [(m.name if m.ready else f"{m.name} ({m.hint})", m.name) for m in gateway.available_models()]

    def resolve_owner(self, stored: str | None, request: gr.Request | None) -> str:
        """The login's owner with logins on (never what the browser stored); else the browser's anonymous id."""
        if self.auth_enabled:
            if request is None or not getattr(request, "username", None):
                raise gr.Error("log in first")
            return owner_for(request.username)
        if known(stored) and not stored.startswith(USER_PREFIX):
            return stored
        return secrets.token_urlsafe(18)

    def session_choices(self, owner: str | None, search: str | None = None,
                        kind: str | None = None) -> list[tuple[str, str]]:
        """A person's sessions as menu entries: title, kind (unless a chat), design, status and when, so that
        repeated prompts and eval items can be told apart."""
        rows = repo.list_sessions(self.runner.db, owner=owner, search=search, kind=kind) if owner else []
        branches = repo.branch_ids(self.runner.db, [r.id for r in rows])
        out = []
        for r in rows:
            made = repo.session_kind(r, branches)
            made = f"via {r.settings['via']}" if made == "client" else made  # the protocol a client came through
            when = time.strftime("%d %b %H:%M", time.localtime(r.updated_at))
            out.append((f"{r.title or 'Untitled'} · {'' if made == 'chat' else made + ' · '}{r.agent} · {r.status}"
                        f" · {when} · {r.id[:6]}", r.id))
        return out

    def toolset_choices(self, owner: str | None) -> list[str]:
        builtin = self.runner.tools.toolsets
        saved = [t.name for t in repo.list_toolsets(self.runner.db, owner)] if owner else []
        return ["(custom)", *builtin, *[s for s in saved if s not in builtin]]

    def pick_toolset(self, name: str, who: str | None) -> Any:
        """A tool set's tools, for the tool list beside its menu."""
        if not name or name == "(custom)":
            return gr.update()
        row = repo.get_toolset(self.runner.db, name, who)
        return row.tools if row else self.runner.tools.toolsets.get(name, [])
