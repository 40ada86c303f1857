"""What each design's settings may be, checked when a session is made (UI, API, CLI alike): a setting a design does
not take, or a value it cannot use, is refused with the field and what it allows, instead of being ignored.

A bring-your-own design declares the names it takes (`AgentSpec.settings`) but not their types: its own names
pass as given, and the common ones are still checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A setting refused: the message names the field and what it allows."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # bool, int or str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is int:
            return f"a whole number from {self.minimum} to {self.maximum}"
        return "text"

    def check(self, value: Any, agent: str) -> Any:
        ok = (isinstance(value, bool) if self.kind is bool else
              isinstance(value, int) and not isinstance(value, bool) and self.minimum <= value <= self.maximum
              if self.kind is int else isinstance(value, str) and (not self.choices or value in self.choices))
        if not ok:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise SettingsError(f"setting {self.name!r} of {agent} is {shown}: it must be {self.allowed()}")
        return value


SETTINGS = {s.name: s for s in (
    # every design
    Setting("tool_gate", bool), Setting("refine", int, minimum=0, maximum=3),
    Setting("max_steps", int, minimum=1, maximum=100), Setting("system_prompt", str),
    Setting("retrieval", str),  # "bm25" or an embedding model; app.retrieval falls back to bm25 and says why
    Setting("retrieval_k", int, minimum=1, maximum=100), Setting("retrieval_threshold", int, minimum=0, maximum=100_000),
    # an opened LangGraph project's graph: its ToolNodes behind the Ask-when-Needed check (app.clarify.wrap)
    Setting("ask_when_needed", bool), Setting("own_models", bool),
    # awn
    Setting("strictness", str, choices=("guesses", "missing_only")), Setting("reflection", bool),
    Setting("max_questions", int, minimum=0, maximum=10),
    # interact
    Setting("max_rounds", int, minimum=1, maximum=5),
    # dfsdt
    Setting("width", int, minimum=1, maximum=5), Setting("depth", int, minimum=1, maximum=12),
    Setting("budget", int, minimum=1, maximum=100),
)}
COMMON = ("tool_gate", "refine", "max_steps", "system_prompt", "retrieval", "retrieval_k", "retrieval_threshold")
# Written by the playground itself, never by a person: where a session came from.
MARKS = ("scenario", "replay_of", "eval_item", "read_only", "imported_from", "oracle_script", "via",
         "thread_metadata")


def check_settings(spec, settings: dict[str, Any] | None) -> dict[str, Any]:
    """`settings` if `spec`'s design takes every one of them as given; else SettingsError naming the first problem."""
    settings = dict(settings or {})
    takes = tuple(dict.fromkeys((*COMMON, *spec.settings)))
    io = getattr(spec, "io", None)
    for name, value in settings.items():
        if name in MARKS:
            continue
        if name == "interrupt_before" and io is not None:  # breakpoints of an opened graph: some of its nodes
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"setting 'interrupt_before' of {spec.name} must be a list of node names")
            unknown = [v for v in value if v not in io.nodes]
            if unknown:
                raise SettingsError(f"{spec.name} has no node {unknown[0]!r} to pause before: its nodes are "
                                    f"{', '.join(io.nodes)}")
            continue
        if name not in takes and spec.source == "built-in":
            raise SettingsError(f"{spec.name} has no setting {name!r}: it takes {', '.join(takes)}")
        if name in SETTINGS and (spec.source == "built-in" or name in COMMON or io is not None and name in spec.settings):
            SETTINGS[name].check(value, spec.name)
    return settings
