"""The browser UI (Gradio Blocks), mounted on the FastAPI app at /."""

from __future__ import annotations

from fastapi import FastAPI

from app import config  # noqa: F401  (turns Gradio's analytics off before gradio is imported)

import gradio as gr  # noqa: E402


def mount(app: FastAPI, runner, settings, accounts) -> FastAPI:
    """Mount the UI at /; with `accounts` (app.auth.Accounts) Gradio's login page checks them."""
    from app.ui.app import CSS, build_blocks
    from app.ui.teach import CSS as TEACH_CSS

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
    return gr.mount_gradio_app(app, blocks, path="/", auth=auth, theme=gr.themes.Soft(), css=CSS + TEACH_CSS,
                               footer_links=["api"], ssr_mode=False)
