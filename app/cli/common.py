"""What every `playground` command shares: opening the database and the runner, reading lists and settings,
printing JSON, and the error that exits 2."""

from __future__ import annotations

import json
import sys
from typing import Any

from app.config import Settings


class CliError(Exception):
    """A problem with the command's input: `main` prints it as one line and exits 2."""


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _open(args):
    from storage import open_database

    settings = Settings.from_env(getattr(args, "db", None)).with_graphs(getattr(args, "graph", None),
                                                                        getattr(args, "tool_module", None),
                                                                        getattr(args, "config", None))
    return settings, open_database(settings.database_url)


def _runner(args):
    from app.runner import Runner

    settings, db = _open(args)
    return Runner(db, settings)


def _catalog(args):
    """The tool catalog alone (commands about tools need no graphs, checkpointer or LangGraph)."""
    from app.catalog import ToolCatalog

    settings, db = _open(args)
    return ToolCatalog(db, settings)


def _split(values: list[str] | None) -> list[str]:
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def _settings(text: str | None) -> dict | None:
    """--settings as a JSON object, or CliError saying where it is not one."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--settings is not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise CliError(f"--settings must be a JSON object, like '{{\"strictness\": \"missing_only\"}}', not "
                       f"{type(value).__name__}")
    return value


def _day(text: str | None):
    """--as-of as a date, or CliError naming the format."""
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--as-of {text!r} is not a date: write it YYYY-MM-DD, like 2024-03-15") from None


def _show_step(step: dict[str, Any]) -> str:
    duration = f"{step['duration_ms']:.1f} ms" if step.get("duration_ms") is not None else "-"
    status = "" if step["status"] == "ok" else f"  [{step['status']}: {step.get('error')}]"
    detail = ""
    if step["kind"] == "tool":
        detail = f" {json.dumps(step['input'], ensure_ascii=False)} -> {json.dumps(step['output'], ensure_ascii=False)[:120]}"
    elif step["kind"] == "model":
        out = step.get("output") or {}
        calls = [c["function"]["name"] for c in out.get("tool_calls") or []]
        detail = f" calls {', '.join(calls)}" if calls else f" says {str(out.get('content') or '')[:100]!r}"
    return f"  {step['seq']:>3} {step['kind']:<13} {step['name']:<16} {duration:>10}{detail}{status}"
