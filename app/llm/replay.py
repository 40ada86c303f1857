"""`replay/<tape>`: plays back a recorded session's model turns, in order, through LiteLLM like any model.

A tape is the list of a session's model steps (the assistant message each returned, and its token counts).
The agent runs again for real around it: same graph, same prompts, tools executed again; only the model's
side comes from the recording, so a class can watch a hosted model's run with no key and no network. If the
replayed run asks for more model turns than were recorded (it diverged: a tool answered differently), the
call fails with a message saying so.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from app.llm.handler import Answer, register_provider

PROVIDER = "replay"


@dataclass
class Tape:
    source: str  # the recorded session
    turns: list[dict[str, Any]]
    position: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_tapes: dict[str, Tape] = {}


def load(source: str, turns: list[dict[str, Any]]) -> str:
    """Load a tape; returns the model name that plays it."""
    token = secrets.token_hex(8)
    _tapes[token] = Tape(source, turns)
    return f"{PROVIDER}/{token}"


def unload(model: str) -> None:
    _tapes.pop(model.split("/", 1)[-1], None)


def is_loaded(model: str) -> bool:
    return model.split("/", 1)[-1] in _tapes


def answer(model: str, messages: list, tools: list | None) -> Answer:
    tape = _tapes.get(model.split("/", 1)[-1])
    if tape is None:
        raise ValueError(f"{PROVIDER}/{model} is not a loaded recording")
    with tape.lock:
        if tape.position >= len(tape.turns):
            raise ValueError(f"the recording of session {tape.source} has {len(tape.turns)} model turns and the "
                             "replay asked for another: the run diverged from the recording")
        turn = tape.turns[tape.position]
        tape.position += 1
    calls = [{"id": c.get("id"), "type": "function", "function": dict(c["function"])}
             for c in turn.get("tool_calls") or []]
    prompt, completion = int(turn.get("prompt_tokens") or 0), int(turn.get("completion_tokens") or 0)
    return Answer(content=turn.get("content") or "", tool_calls=calls,
                  usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})


def register() -> None:
    register_provider(PROVIDER, answer)
