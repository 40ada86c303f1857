"""Structured judgements the agents ask of the demo model, by `[task:NAME]` in the system prompt.

Each handler gets the messages and tools and returns the reply text (JSON where the agent's prompt asks
for JSON). Agents register nothing here: the prompts that carry these tags live with the agents.
"""

from __future__ import annotations

from typing import Callable

TASKS: dict[str, Callable[[list[dict], list[dict]], str]] = {}
