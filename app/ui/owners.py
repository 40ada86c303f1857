"""Whose page this is. Every handler gets the page's owner from a `gr.State` that the page's load event
fills in; a client that calls an event without loading the page (a script with `gradio_client`) still has
the placeholder below. It owns nothing, so reads find nothing, and writes are refused: never does a missing
owner mean "everyone's" or "anyone's"."""

from __future__ import annotations

import gradio as gr

UNLOADED = "unloaded:"  # never a real owner (those are random tokens, or user:<login>)


def known(who: str | None) -> str | None:
    """The owner, or None for a page that has not loaded."""
    return who if who and who != UNLOADED else None


def need_owner(who: str | None) -> str:
    """The owner, or a gr.Error for a page that has not loaded (nothing is done)."""
    if known(who) is None:
        raise gr.Error("This page has not finished loading: reload it. Nothing was saved.")
    return who
