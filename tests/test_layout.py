"""The layout holds: dependencies point one way, no module of app/ imports itself back, no room grows into a
house, and reading a trace does not load the model gateway or LangGraph."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours `path` imports at its top level (imports inside functions are deliberate: lazy); a
    package importing its own submodules (`from app.agents import awn` in app/agents/__init__) is not a cycle."""
    out: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in modules and m != name}


def test_app_has_no_import_cycles():
    modules = _modules("app")
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        stack.append(name)
        for other in graph[name]:
            if state.get(other) == 1:
                cycles.append(stack[stack.index(other):] + [other])
            elif other not in state:
                visit(other, stack)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_tools_and_storage_never_import_app():
    for package in ("tools", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
            names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            assert not [n for n in names if n == "app" or n.startswith("app.")], path


def test_no_module_of_app_is_a_house():
    big = {str(p.relative_to(ROOT)): n for p in (ROOT / "app").rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert big == {}


def test_reading_a_trace_loads_no_model_gateway_and_no_langgraph():
    code = ("import sys, app.tracing.document, app.tracing.export, app.sharing; "
            "print(sorted(m for m in ('litellm', 'langgraph', 'app.agents', 'app.runner') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_gradio_writes_no_type_stubs_in_a_server(tmp_path):
    """Gradio rebuilds (and may write) a component's .pyi stub each time its class is made; app.ui turns that
    off. A component class defined in a fresh file gets no stub beside it."""
    source = tmp_path / "my_component.py"
    source.write_text("from gradio.components import Textbox\n\n\nclass MyBox(Textbox):\n    EVENTS = ['change']\n")
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import app.ui, my_component; "
            "print(my_component.MyBox.__name__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "MyBox", done.stderr
    assert not (tmp_path / "my_component.pyi").exists()


def test_every_module_imports():
    """A name moved between modules is found here, not by the first server that fails to start."""
    import importlib
    import pkgutil

    import app
    import storage
    import tools

    broken = []
    for package in (app, tools, storage):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                try:
                    importlib.import_module(module.name)
                except Exception as exc:  # noqa: BLE001  (each is reported)
                    broken.append(f"{module.name}: {type(exc).__name__}: {exc}")
    assert broken == []
