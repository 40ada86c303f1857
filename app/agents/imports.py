"""How an opened LangGraph project's modules are imported: each project on its own names.

Two projects made from the same template both have a package `agent`; a project of flat files may have a
`tools.py` or an `app/` package, names this process already holds (the playground's own `tools` and `app`). A
plain import would hand the second project the first one's `agent.graph`, or the project our `tools`. So while a
project's graph module is imported, every top-level name its import roots define (a package folder, a module
file) that another package holds here is set aside; the project's own modules are imported under it; then the
others are put back, and the project's modules live on in what its graph holds (and are found again through
`loaded`, by project and graph, never by name). A module a project imports lazily, inside a function, at call
time, finds the process's holder of its name: the one case this does not cover.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

_LOADED: dict[tuple[str, str], ModuleType] = {}  # (config path, graph spec) -> its module


def _names(roots: list[Path]) -> set[str]:
    """The top-level module names the roots define."""
    names = set()
    for root in roots:
        try:
            children = list(root.iterdir())
        except OSError:
            continue
        for child in children:
            if child.is_dir() and (child / "__init__.py").exists():
                names.add(child.name)
            elif child.suffix == ".py" and child.stem.isidentifier():
                names.add(child.stem)
    return names


def _within(module: ModuleType, roots: list[Path]) -> bool:
    places = [getattr(module, "__file__", None), *list(getattr(module, "__path__", []) or [])]
    for place in (p for p in places if p):
        resolved = Path(place).resolve()
        if any(resolved.is_relative_to(root) for root in roots):
            return True
    return False


@contextlib.contextmanager
def own_names(roots: list[Path]) -> Iterator[None]:
    """Inside: the names the project's roots define are the project's (see the module's docstring)."""
    taken: dict[str, ModuleType] = {}
    for name in _names(roots):
        held = sys.modules.get(name)
        if held is not None and not _within(held, roots):
            for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
                taken[key] = sys.modules.pop(key)
    try:
        yield
    finally:
        if taken:
            tops = {key.split(".", 1)[0] for key in taken}
            for key in [k for k in sys.modules if k.split(".", 1)[0] in tops]:
                del sys.modules[key]  # the project's own: they live on in what its graph refers to
            sys.modules.update(taken)
            importlib.invalidate_caches()


def module_name(file: Path) -> str | None:
    """The dotted name `file` imports as from the import path (every folder between a package), or None."""
    for entry in sorted((Path(p) for p in sys.path if p), key=lambda p: len(str(p)), reverse=True):
        try:
            parts = file.with_suffix("").relative_to(entry.resolve()).parts
        except (ValueError, OSError):
            continue
        if parts and all((entry.resolve().joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
            return ".".join(parts)
    return None


class GraphPrints:
    """sys.stdout of a command whose stdout is read (`run --json`, `agents list --json`, `mcp` over stdio): what
    an opened graph's own code prints while it is imported or runs (`graph_code`) goes to stderr, so it cannot
    break the JSON or the protocol (LangChain Academy's graphs print '---Node 1---')."""

    active = 0  # graph code running now, in any thread (a command runs one turn at a time)

    def __init__(self, out, err):
        self._out, self._err = out, err

    def write(self, text: str) -> int:
        return (self._err if GraphPrints.active else self._out).write(text)

    def flush(self) -> None:
        self._out.flush()
        self._err.flush()

    def __getattr__(self, name: str):  # buffer, fileno, encoding, isatty...: the real stdout's
        return getattr(self._out, name)


@contextlib.contextmanager
def graph_code():
    GraphPrints.active += 1
    try:
        yield
    finally:
        GraphPrints.active -= 1


def load_module(config: Path, spec: str, roots: list[Path], target: str, file: Path | None) -> ModuleType:
    """The module of a graph spec: a file (by its dotted name where the import path reaches it, else by its
    path) or a dotted module name; imported once per project and spec."""
    key = (str(config), spec)
    if key in _LOADED:
        return _LOADED[key]
    with own_names(roots), graph_code():
        dotted = module_name(file) if file is not None else target
        if dotted is not None:
            module = importlib.import_module(dotted)
        else:
            unique = f"playground_project_{abs(hash(str(file))):x}_{file.stem}"
            loader = importlib.util.spec_from_file_location(unique, file)
            module = importlib.util.module_from_spec(loader)
            sys.modules[unique] = module
            try:
                loader.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(unique, None)
                raise
    _LOADED[key] = module
    return module
