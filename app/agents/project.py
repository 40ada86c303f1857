"""Open a LangGraph project unchanged: `playground serve --config path/to/langgraph.json` (repeatable; also `run`,
`agents list`, and PLAYGROUND_CONFIGS, separated by the path separator) reads the file `langgraph dev` reads.

- `graphs`: name -> `./file.py:attr` or `package.module:attr`, where attr is a compiled graph, a `StateGraph`, or
  a factory as the LangGraph server takes them (no argument, or a RunnableConfig; sync or async; or a context
  manager yielding the graph). Each becomes an agent named by its key and described by its module's docstring,
  recompiled with the playground's checkpointer (keeping its interrupt_before/after).
- `dependencies`: `.` and local paths go on the import path (with the package folders their pyproject.toml
  names, a `src` layout included); a listed package that is not installed is one line naming it. Nothing is
  installed at run time.
- `env`: a file (KEY=VALUE lines) or a mapping, applied before the graphs are imported; a variable the operator
  set already keeps the operator's value.
- the rest (image_distro, dockerfile_lines, python_version, store, http, auth...) only a deployment uses: ignored.

Before the first graph module is imported, OpenAI- and Anthropic-style clients are pointed at the playground's
own model endpoint (`app.protocols.models`), so a `ChatOpenAI(model="gpt-4o")` at module level runs unchanged,
offline, answered by the session's model.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.agents import AGENTS, UNOPENED, AgentSpec, imports, register
from app.agents.base import AgentContext
from app.agents.byo import _first_paragraph


class ProjectError(ValueError):
    """A langgraph.json, or a graph it names, that cannot be opened: one line naming the file and the problem."""


KNOWN_KEYS = {"graphs", "dependencies", "env"}  # everything else is for a deployment


@dataclass
class Project:
    config: Path
    graphs: dict[str, str]
    dependencies: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)  # a graph's own, where the config gives one
    placeholders: list[str] = field(default_factory=list)  # credentials its .env.example names that no one set
    roots: list[Path] = field(default_factory=list)  # where its modules import from (its path dependencies)

    @property
    def root(self) -> Path:
        return self.config.parent


def read(path: str | os.PathLike) -> Project:
    """The project of a langgraph.json (ProjectError naming the file when it is missing or malformed)."""
    config = Path(path).expanduser().resolve()
    if config.is_dir():
        config = config / "langgraph.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such file (give the path of a project's langgraph.json)") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{config}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{config}: cannot read it: {exc}") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{config}: expected a JSON object with \"graphs\"")
    graphs = data.get("graphs")
    if not isinstance(graphs, dict) or not graphs:
        raise ProjectError(f"{config}: \"graphs\" must name at least one graph, e.g. "
                           "{\"agent\": \"./src/agent/graph.py:graph\"}")
    descriptions: dict[str, str] = {}
    for name, spec in graphs.items():
        if isinstance(spec, dict):  # {"path": ..., "description": ...} in newer configs
            if isinstance(spec.get("description"), str):
                descriptions[name] = spec["description"]
            spec = spec.get("path")
        if not isinstance(spec, str) or ":" not in spec:
            raise ProjectError(f"{config}: graph {name!r} must be \"./file.py:attribute\" or "
                               "\"package.module:attribute\"")
        if re.search(r"\.(ts|js|mts|mjs|cts|cjs|tsx|jsx):", spec):
            raise ProjectError(f"{config}: graph {name!r} ({spec}) is a JavaScript graph; the playground opens "
                               "Python graphs (LangGraph's Python package)")
        graphs[name] = spec
    dependencies = data.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise ProjectError(f"{config}: \"dependencies\" must be a list of paths and package names")
    return Project(config=config, graphs=dict(graphs), dependencies=list(dependencies),
                   env=_env(config, data.get("env")), ignored=sorted(set(data) - KNOWN_KEYS - {"$schema"}),
                   descriptions=descriptions)


def _env(config: Path, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ProjectError(f"{config}: \"env\" must be a file name or a mapping of variables")
    file = (config.parent / value).resolve()
    if not file.exists():
        return {}  # `langgraph dev` starts without its .env too (a template ships .env.example)
    return _env_file(file)


def _env_file(file: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, raw = line.removeprefix("export ").partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ProjectError(f"{file}:{number}: expected KEY=VALUE")
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        else:
            raw = raw.split(" #", 1)[0].rstrip()
        found[key.strip()] = raw
    return found


def prepare(project: Project) -> None:
    """The project's dependencies on the import path (or ProjectError naming a missing package) and its
    environment set, before any of its modules is imported."""
    for dependency in project.dependencies:
        if dependency.startswith((".", "/", "~")) or os.sep in dependency:
            folder = (project.root / dependency).expanduser().resolve()
            if not folder.is_dir():
                raise ProjectError(f"{project.config}: dependency {dependency!r} is not a folder ({folder})")
            for entry in _import_roots(folder):
                project.roots.append(Path(entry))
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            continue
        if "://" in dependency or dependency.startswith(("git+", "-")):
            continue  # a URL or a pip option: nothing to check it against; it is installed or its import says
        name = re.split(r"[\s\[<>=!~;@]", dependency.strip(), maxsplit=1)[0]
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise ProjectError(f"{project.config}: dependency {name!r} is not installed (pip install {name!r}; the "
                               "playground installs nothing at run time)") from None
    for key, value in project.env.items():
        os.environ.setdefault(key, value)
    project.placeholders = _placeholders(project)


EXAMPLE_ENV = (".env.example", ".env.sample", ".env.template", "example.env")
CREDENTIAL = re.compile(r"(_API_KEY|_ACCESS_KEY|_SECRET_KEY|_TOKEN|_SECRET)$")


def _placeholders(project: Project) -> list[str]:
    """Credentials the project's .env.example names that neither the operator nor its `env` set get a placeholder
    (never a key: the gateway and redaction treat it as unset), so that a client made at import (a search tool's)
    can be made; a call with it fails in its own step, as a call without network does."""
    from app.config import PLACEHOLDER

    names: list[str] = []
    for example in EXAMPLE_ENV:
        file = project.root / example
        if file.is_file():
            try:
                names += list(_env_file(file))
            except (ProjectError, OSError, UnicodeDecodeError):
                continue  # an example file is a hint, not config: one we cannot read changes nothing
    placed = []
    for name in dict.fromkeys(names):
        if CREDENTIAL.search(name) and not name.startswith(("LANGSMITH_", "LANGCHAIN_")) and not os.environ.get(name):
            os.environ[name] = PLACEHOLDER
            placed.append(name)
    return placed


def _import_roots(folder: Path) -> list[str]:
    """Where a project folder's packages import from, as `pip install -e` would make them: the folder, its
    `src` (a src layout), and the parents of the package folders its pyproject.toml maps."""
    roots = [folder]
    if (folder / "src").is_dir():
        roots.append(folder / "src")
    pyproject = folder / "pyproject.toml"
    if pyproject.exists():
        import tomllib

        try:
            setuptools = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("setuptools", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            setuptools = {}
        for package, where in (setuptools.get("package-dir") or {}).items():
            place = (folder / where).resolve()
            if package == "":
                roots.append(place)
            elif place.name == package.rsplit(".", 1)[-1]:
                roots.append(place.parent)
    return list(dict.fromkeys(str(r) for r in roots))


def _where(exc: BaseException, root: Path) -> str:
    """`file:line` of the deepest frame of the project's own code that raised (a syntax error: its place), or ""."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(Path(f.filename).resolve()).startswith(str(root))]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _failed(label: str, exc: BaseException, root: Path) -> ProjectError:
    """One line: where in the project's code, what was raised, its message."""
    where = _where(exc, root)
    message = " ".join(str(exc.msg if isinstance(exc, SyntaxError) else exc).split())[:300]
    return ProjectError(f"{label}: {where + ': ' if where else ''}{type(exc).__name__}: {message}")


def installed_package(module: str) -> str | None:
    """'langchain_core 1.2.5' when `module` is a submodule of an installed package that lacks it, else None."""
    from importlib import metadata, util

    top = module.split(".")[0]
    if "." not in module or util.find_spec(top) is None:
        return None
    dists = metadata.packages_distributions().get(top) or [top]
    try:
        return f"{top} {metadata.version(dists[0])}"
    except metadata.PackageNotFoundError:
        return top


def import_graph(project: Project, name: str):
    """The object a graph spec names (its module imported); ProjectError: one line with the file and line."""
    spec = project.graphs[name]
    target, _, attr = spec.rpartition(":")
    looks_like_file = target.endswith(".py") or target.startswith((".", "/")) or "/" in target
    try:
        file = (project.root / target).resolve() if looks_like_file else None
        if file is not None and not file.exists():
            raise ProjectError(f"{project.config}: graph {name!r}: no such file {target}")
        roots = project.roots or [project.root]
        module = imports.load_module(project.config, spec, roots, target, file)
    except ProjectError:
        raise
    except ModuleNotFoundError as exc:
        where = _where(exc, project.root)
        at = f" (imported at {where})" if where else ""
        missing, package = str(exc.name or ""), installed_package(str(exc.name or ""))
        if package is not None:  # a module the installed version of its package does not have
            raise ProjectError(f"{project.config}: graph {name!r} imports {missing!r}{f' (at {where})' if where else ''}"
                               f", which {package} does not have: the project was written for another version of it"
                               ) from None
        listed = [f for f in ("pyproject.toml", "requirements.txt") if (project.root / f).exists()]
        how = (f"install what its {' and '.join(listed)} list{'s' if len(listed) == 1 else ''} into the playground's "
               "environment" if listed else "pip install it")
        raise ProjectError(f"{project.config}: graph {name!r} needs the package {missing!r}, which is not installed"
                           f"{at}; {how}, the playground installs nothing at run time") from None
    except Exception as exc:
        raise _failed(f"{project.config}: graph {name!r}", exc, project.root) from None
    if not hasattr(module, attr):
        raise ProjectError(f"{project.config}: graph {name!r}: {target} has no attribute {attr!r}")
    return module, getattr(module, attr)


_OPEN: list[contextlib.ExitStack] = []  # factories that are context managers stay entered while we run


def resolve(obj: Any, label: str):
    """A StateGraph or a compiled graph from what a spec names: the graph itself, or a factory's graph."""
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel

    if isinstance(obj, (StateGraph, Pregel)):
        return obj
    if not callable(obj):
        raise ProjectError(f"{label} is a {type(obj).__name__}, not a graph or a function that makes one")
    parameters = [p for p in inspect.signature(obj).parameters.values()
                  if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    made = obj({"configurable": {}}) if parameters else obj()
    if inspect.isawaitable(made):
        made = asyncio.run(_awaited(made))
    stack = contextlib.ExitStack()
    if hasattr(made, "__enter__") and not isinstance(made, (StateGraph, Pregel)):
        made = stack.enter_context(made)
        _OPEN.append(stack)
    elif hasattr(made, "__aenter__"):
        raise ProjectError(f"{label} is an async context manager; give a graph or a function returning one")
    if not isinstance(made, (StateGraph, Pregel)):
        raise ProjectError(f"{label} returned a {type(made).__name__}, not a LangGraph graph")
    return made


async def _awaited(awaitable):
    return await awaitable


def load(project: Project) -> list[AgentSpec]:
    """Each of the project's graphs as an agent, imported now (before a server starts): one that cannot be opened
    is left out with its line in `UNOPENED`, unless none can (ProjectError: the first one's line)."""
    from app.protocols import clients

    clients.point_clients()  # before the project's modules are imported: they may make clients at import
    prepare(project)
    specs, unopened = [], {}
    for name in project.graphs:
        label = f"{project.config}: graph {name!r}"
        try:
            module, obj = import_graph(project, name)
            try:
                graph = resolve(obj, label)
            except ProjectError:
                raise
            except Exception as exc:
                raise _failed(label, exc, project.root) from None
        except ProjectError as exc:
            unopened[name] = str(exc)
            continue
        source = f"{project.config}:{name}"
        specs.append(_spec(_free_name(name, source, project), source, module, graph,
                           project.descriptions.get(name), project.placeholders))
    if not specs:  # nothing to open: the first graph's line is the project's
        raise ProjectError(next(iter(unopened.values())))
    for name, line in unopened.items():  # the others open; each of these says why it did not, once
        if AGENTS.get(name) is None and UNOPENED.get(name) != line:
            print(f"playground: {line} (its other graphs are open)", file=sys.stderr)
        UNOPENED.setdefault(name, line)
    return specs


def _free_name(key: str, source: str, project: Project) -> str:
    """The graph's key, or `folder/key` when another agent (a built-in design, another project's graph) has it:
    the nearest folder its path does not share with the other's (module-3/studio and module-1/studio: module-3)."""
    folder = project.root.name
    other = AGENTS.get(key)
    if other is not None and other.source != source and ":" in other.source:
        theirs, ours = Path(other.source.rsplit(":", 1)[0]).parent.parts, project.root.parts
        folder = next((ours[-d] for d in range(1, len(ours)) if d > len(theirs) or ours[-d] != theirs[-d]), folder)
    for name in (key, f"{folder}/{key}", f"{project.root.parent.name}/{project.root.name}/{key}"):
        existing = AGENTS.get(name)
        if existing is None or existing.source == source:
            return name
    raise ProjectError(f"{project.config}: graph {key!r}: its name is taken by another agent")


def _spec(name: str, source: str, module, graph, description: str | None = None,
          placeholders: list[str] | tuple[str, ...] = ()) -> AgentSpec:
    from app.agents import schema

    io = schema.describe(graph if not hasattr(graph, "compile") else graph.compile())
    context = io.context

    def build(_ctx: AgentContext):
        return graph

    return AgentSpec(
        name=name, title=source.rsplit(":", 1)[-1] if "/" not in name else name,
        description=(description or _first_paragraph(module.__doc__)
                     or f"The graph {name!r} of {source.rsplit(':', 1)[0]}."),
        paper=f"your LangGraph project: {source}" + (
            f" · not set, so its calls fail in their steps: {', '.join(placeholders)}" if placeholders else ""),
        build=build, source=source,
        settings=(*(f.name for f in context), "ask_when_needed", "own_models", "interrupt_before"),
        settings_hint=json.dumps({**{f.name: f.default for f in context if f.default is not None},
                                  "ask_when_needed": False})[:400],
        io=io,
    )


def register_configs(paths: tuple[str, ...] | list[str]) -> list[AgentSpec]:
    """Load and register every graph of each langgraph.json (idempotent for the same file)."""
    return [register(spec, replace=True) for path in paths for spec in load(read(path))]
