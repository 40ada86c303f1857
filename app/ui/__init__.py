"""The browser UI (Gradio Blocks), mounted on the FastAPI app at /."""

from __future__ import annotations

from fastapi import FastAPI

import importlib.abc
import importlib.util
import sys

from app import config  # noqa: F401  (turns Gradio's analytics off before gradio is imported)


class _NoStubWriting(importlib.abc.MetaPathFinder):
    """Gradio (6.x) regenerates each component's .pyi type stub as its class is made: for every component, at
    every import, it reads the component's source, rebuilds the stub and compares it with the file (writing it
    into site-packages when they differ). That is a tool for Gradio's developers, not for a server, and a third
    of the import (0.7 s of `serve`'s start, bench/startup.py). This finder loads `gradio.component_meta` as
    usual and then makes its `create_or_modify_pyi` do nothing, before any component class is made."""

    MODULE = "gradio.component_meta"

    def find_spec(self, name, path=None, target=None):
        if name != self.MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_quiet(module):
            exec_module(module)
            if callable(getattr(module, "create_or_modify_pyi", None)):
                module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_then_quiet
        return spec


if "gradio" not in sys.modules:
    sys.meta_path.insert(0, _NoStubWriting())

import gradio as gr  # noqa: E402


# Gradio's login page says this above its form: whose page it is, and what to type.
LOGIN_MESSAGE = ("<h2 style='margin:0'>◆ Agent Playground</h2><p>Tool-using agents that ask when they should. Sign "
                 "in with the name and password you were given.</p>")


def mount(app: FastAPI, runner, settings, accounts) -> FastAPI:
    """Mount the UI at /; with `accounts` (app.auth.Accounts) Gradio's login page checks them."""
    from app.ui.app import CSS, build_blocks
    from app.ui.inspector import CSS as INSPECTOR_CSS
    from app.ui.teach import CSS as TEACH_CSS
    from app.ui import theme

    auth = accounts.verify if accounts else None
    blocks = build_blocks(runner, auth_enabled=auth is not None)
    blocks.queue(default_concurrency_limit=32)
    # Gradio's queue looks for new events every millisecond (0.05 s on Windows) and for progress every 10 ms:
    # 1100 wake-ups a second, 5% of a core on an idle server, each taking the GIL from a running turn
    # (bench/load.py). 10 and 50 ms are as quick for a person. Private attributes of Gradio 6's Queue: if
    # they go away this does nothing.
    queue = getattr(blocks, "_queue", None)
    for name, seconds in (("sleep_when_free", 0.01), ("progress_update_sleep_when_free", 0.05)):
        if isinstance(getattr(queue, name, None), float) and getattr(queue, name) < seconds:
            setattr(queue, name, seconds)
    return gr.mount_gradio_app(app, blocks, path="/", auth=auth, theme=gr.themes.Soft(),
                               css=CSS + TEACH_CSS + INSPECTOR_CSS + theme.CSS, head=theme.HEAD, footer_links=["api"],
                               ssr_mode=False, auth_message=LOGIN_MESSAGE if auth else None)
