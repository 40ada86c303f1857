"""Notes: save, list and search short notes, kept in the session's tool state."""

from __future__ import annotations

from tools.model import ToolContext, tool


@tool(side_effects=True, state_key="notes")
def save_note(text: str, ctx: ToolContext, title: str | None = None) -> dict:
    """Save a short note.

    Args:
        text: What to write down.
        title: Optional short title.
    """
    if not text.strip():
        raise ValueError("a note needs some text")
    notes = ctx.state.setdefault("notes", [])
    note = {"note_id": len(notes) + 1, "title": title or text.strip()[:40], "text": text.strip()}
    notes.append(note)
    return note


@tool(state_key="notes")
def list_notes(ctx: ToolContext) -> list:
    """List all saved notes, oldest first."""
    return ctx.state.get("notes", [])


@tool(state_key="notes")
def search_notes(query: str, ctx: ToolContext) -> list:
    """Find saved notes that contain some words.

    Args:
        query: Words to look for.
    """
    words = query.lower().split()
    return [n for n in ctx.state.get("notes", []) if all(w in (n["title"] + " " + n["text"]).lower() for w in words)]
