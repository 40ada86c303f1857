"""The browser UI (Gradio Blocks), mounted on the FastAPI app at /."""

from __future__ import annotations

from fastapi import FastAPI

from app import config  # noqa: F401  (turns Gradio's analytics off before gradio is imported)

import gradio as gr  # noqa: E402


def mount(app: FastAPI, runner, settings) -> FastAPI:
    from app.ui.app import CSS, build_blocks
    from app.ui.teach import CSS as TEACH_CSS

    auth = None
    if settings.auth:
        user, _, password = settings.auth.partition(":")
        auth = [(user, password)]
    blocks = build_blocks(runner, auth_enabled=auth is not None)
    blocks.queue(default_concurrency_limit=32)
    return gr.mount_gradio_app(app, blocks, path="/", auth=auth, theme=gr.themes.Soft(), css=CSS + TEACH_CSS,
                               footer_links=["api"], ssr_mode=False)
