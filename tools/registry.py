"""The tool registry: tools by name, and named tool sets.

`default_registry()` holds the built-ins (and whatever the user registers). A new built-in is one function
in `tools/builtin/` listed in that package's `BUILTINS`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable

from tools.model import Tool


class UnknownToolError(KeyError):
    def __init__(self, name: str, known: Iterable[str]):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        super().__init__(f"unknown tool {name!r}{hint}; known tools: {', '.join(known)}")
        self.name = name

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


@dataclass
class ToolRegistry:
    """Tools by name. `tools` are everyone's: the built-ins and what the operator added (the CLI, tool
    modules). `owned[owner]` are the tools one owner added from the browser or the API: only that owner sees,
    resolves and runs them, and they can never take a name of `tools` (so no owner replaces or shadows a
    built-in, and no owner's tool reaches another's session)."""

    tools: dict[str, Tool] = field(default_factory=dict)
    toolsets: dict[str, list[str]] = field(default_factory=dict)
    owned: dict[str, dict[str, Tool]] = field(default_factory=dict)

    def copy(self) -> "ToolRegistry":
        """A registry of its own (a runner adds its database's custom tools to it)."""
        return ToolRegistry(tools=dict(self.tools), toolsets={k: list(v) for k, v in self.toolsets.items()},
                            owned={o: dict(t) for o, t in self.owned.items()})

    def visible(self, owner: str | None = None) -> dict[str, Tool]:
        """The tools `owner` may use: everyone's, then the owner's own (never in place of one of everyone's)."""
        mine = self.owned.get(owner, {}) if owner is not None else {}
        return {**mine, **self.tools} if mine else self.tools

    def register(self, tool: Tool, *, replace: bool = False, owner: str | None = None) -> Tool:
        if owner is not None and tool.name in self.tools:
            raise ValueError(f"{tool.name!r} is a tool everyone has; an owner's tool cannot take its name")
        if tool.name in self.visible(owner) and not replace:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._put([tool], owner)
        return tool

    def _put(self, tools: list[Tool], owner: str | None) -> None:
        # New dicts, never changed in place: a thread listing the tools keeps the ones it had.
        if owner is None:
            self.tools = {**self.tools, **{t.name: t for t in tools}}
        else:
            self.owned = {**self.owned, owner: {**self.owned.get(owner, {}), **{t.name: t for t in tools}}}

    def add_source(self, tools: list[Tool], owner: str | None = None) -> None:
        """Register the tools of one imported source (a spec, a server), replacing that source's earlier
        import. Refuses, registering none, when a name belongs to another source."""
        from tools.model import ToolImportError

        seen = self.visible(owner)
        clashes = [f"{t.name!r} (from {seen[t.name].source})" for t in tools
                   if t.name in seen and (seen[t.name].source != t.source or (owner and t.name in self.tools))]
        if clashes:
            raise ToolImportError(f"tool names already in use: {', '.join(clashes)}; import with a prefix to keep both")
        self._put(tools, owner)

    def unregister(self, name: str, owner: str | None = None) -> Tool | None:
        """Take `name` out of the owner's tools (or everyone's, for None); the tool, or None if it was not there."""
        if owner is None:
            gone = self.tools.get(name)
            self.tools = {k: t for k, t in self.tools.items() if k != name}
        else:
            gone = self.owned.get(owner, {}).get(name)
            self.owned = {**self.owned, owner: {k: t for k, t in self.owned.get(owner, {}).items() if k != name}}
        return gone

    def get(self, name: str, owner: str | None = None) -> Tool:
        seen = self.visible(owner)
        try:
            return seen[name]
        except KeyError:
            raise UnknownToolError(name, seen) from None

    def resolve(self, names: Iterable[str], owner: str | None = None) -> list[Tool]:
        return [self.get(name, owner) for name in names]

    def names(self, owner: str | None = None) -> list[str]:
        return sorted(self.visible(owner))

    def __contains__(self, name: str) -> bool:
        return name in self.tools


_DEFAULT: ToolRegistry | None = None


def default_registry() -> ToolRegistry:
    global _DEFAULT
    if _DEFAULT is None:
        from tools.builtin import BUILTINS, TOOLSETS

        registry = ToolRegistry()
        for t in BUILTINS:
            registry.register(t)
        registry.toolsets.update(TOOLSETS)
        _DEFAULT = registry
    return _DEFAULT
