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
    tools: dict[str, Tool] = field(default_factory=dict)
    toolsets: dict[str, list[str]] = field(default_factory=dict)

    def copy(self) -> "ToolRegistry":
        """A registry of its own (a runner adds its database's custom tools to it)."""
        return ToolRegistry(tools=dict(self.tools), toolsets={k: list(v) for k, v in self.toolsets.items()})

    def register(self, tool: Tool, *, replace: bool = False) -> Tool:
        if tool.name in self.tools and not replace:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self.tools = {**self.tools, tool.name: tool}  # a new dict: a thread listing the tools keeps the old one
        return tool

    def add_source(self, tools: list[Tool]) -> None:
        """Register the tools of one imported source (a spec, a server), replacing that source's earlier
        import. Refuses, registering none, when a name belongs to another source."""
        from tools.model import ToolImportError

        clashes = [f"{t.name!r} (from {self.tools[t.name].source})" for t in tools
                   if t.name in self.tools and self.tools[t.name].source != t.source]
        if clashes:
            raise ToolImportError(f"tool names already in use: {', '.join(clashes)}; import with a prefix to keep both")
        self.tools = {**self.tools, **{t.name: t for t in tools}}  # as in register

    def get(self, name: str) -> Tool:
        try:
            return self.tools[name]
        except KeyError:
            raise UnknownToolError(name, self.tools) from None

    def resolve(self, names: Iterable[str]) -> list[Tool]:
        return [self.get(name) for name in names]

    def names(self) -> list[str]:
        return sorted(self.tools)

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
