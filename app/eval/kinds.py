"""Benchmark kinds: what differs between a tool-call suite (NoisyToolBench) and an intention suite (IN3), in one
place. A new kind is a file format in `app.eval.suites` (how its rows become items) and one `register()` here:
the tools its items get, the simulated user who answers, how an item is scored and a group summarised, and
which figures headline it in the UI. The runner, the report and the UI ask the kind; none of them branches on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.eval import metrics
from app.eval.mock import mock_tools
from app.eval.suites import Item
from app.eval.users import IntentUser, Matcher, NoisyToolUser, SimulatedUser


@dataclass(frozen=True)
class Played:
    """What an item's scoring sees: the item, its trace's steps, the simulated user's exchanges, how it ended."""

    item: Item
    steps: list[dict[str, Any]]
    exchanges: list
    final_answer: str | None
    status: str
    aliases: dict[str, str]
    judge: Callable | None
    matcher: Matcher


@dataclass(frozen=True)
class SuiteKind:
    name: str
    user: Callable[[Item, Matcher], SimulatedUser]
    score: Callable[[Played], dict[str, Any]]
    summarise: Callable[[list[dict[str, Any]]], dict[str, Any]]  # the metrics of a group of items
    headline: tuple[str, ...]  # the figures the UI charts
    line: Callable[[dict[str, Any]], str]  # one item's metrics in a few words
    tools: Callable[[Item], tuple[list, dict[str, str]]] = lambda item: ([], {})  # (mocked tools, name aliases)
    # The item's answer key for the oracle design (app.agents.oracle), given the tools' name aliases.
    script: Callable[[Item, dict[str, str]], dict[str, Any]] = lambda item, aliases: {}
    # Whether an item's result is a failure (the Eval tab's "save the failures to a dataset").
    failed: Callable[[dict[str, Any]], bool] = lambda result: result["status"] in ("error", "timeout")


KINDS: dict[str, SuiteKind] = {}


def register(kind: SuiteKind) -> SuiteKind:
    KINDS[kind.name] = kind
    return kind


def get(name: str) -> SuiteKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown benchmark kind {name!r}; known kinds: {', '.join(KINDS)}") from None


def of_summary(figures: dict[str, Any]) -> SuiteKind:
    """The kind a stored summary's figures are of (a summary names its metrics, not its kind)."""
    return next((k for k in KINDS.values() if k.headline[0] in figures), next(iter(KINDS.values())))


def aggregate(results: list[dict[str, Any]]) -> dict[str, Any]:
    """{suite: {category: {"items", "errors", metric: value, ...}, ..., "all": {...}}}."""
    out: dict[str, Any] = {}
    for suite in dict.fromkeys(r["suite"] for r in results):
        rows = [r for r in results if r["suite"] == suite]
        groups = {c: [r for r in rows if r["category"] == c] for c in dict.fromkeys(r["category"] for r in rows)}
        tasks = {f"task: {c}": [r for r in rows if r.get("task_category") == c]
                 for c in sorted({r["task_category"] for r in rows if r.get("task_category")})}
        out[suite] = {name: _summary(group) for name, group in {**groups, **tasks, "all": rows}.items()}
    return out


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if r["status"] not in ("error", "timeout")]
    kind = get(rows[0]["kind"]) if rows else next(iter(KINDS.values()))
    return {"items": len(rows), "errors": len(rows) - len(ok), **kind.summarise([r["metrics"] for r in ok]),
            **metrics.run_summary(rows)}


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


def _mocked(item: Item) -> tuple[list, dict[str, str]]:
    return mock_tools(item.data.get("api_list") or [])


def _tool_script(item: Item, aliases: dict[str, str]) -> dict[str, Any]:
    from app.eval.mock import normalise

    return {"question": item.needed_question, "unsupported": item.category == "IBTC",
            "calls": [{"name": aliases.get(normalise(c["name"]), c["name"]), "arguments": c.get("arguments") or {}}
                      for c in item.expected_calls]}


register(SuiteKind(
    "tool", user=NoisyToolUser,
    score=lambda p: metrics.tool_item(p.item, p.steps, p.exchanges, p.final_answer, p.status, p.aliases, p.judge),
    summarise=metrics.tool_summary, headline=("A1", "A2", "A3"),
    line=lambda m: f"A1 {_fmt(m.get('A1'))} · A2 {_fmt(m.get('A2'))} · A3 {_fmt(m.get('A3'))}",
    tools=_mocked, script=_tool_script,
    failed=lambda r: r["status"] in ("error", "timeout") or not all((r.get("metrics") or {}).get(k) for k in
                                                                   ("A1", "A2", "A3")),
))
def _intent_script(item: Item, aliases: dict[str, str]) -> dict[str, Any]:
    return {"vague": item.truly_vague, "details": [
        {"question": d.get("inquiry") or f"What {str(d.get('description', 'detail')).lower()} would you like?",
         "options": list(d.get("options") or [])} for d in item.missing_details]}


register(SuiteKind(
    "intent", user=IntentUser, script=_intent_script,
    score=lambda p: metrics.intent_item(p.item, p.steps, p.exchanges, p.matcher),
    summarise=metrics.intent_summary, headline=("vagueness_accuracy", "recovery", "options_rate", "summary_coverage"),
    line=lambda m: f"judged {'vague' if m.get('judged_vague') else 'clear'} · recovery {_fmt(m.get('recovery'))}",
    failed=lambda r: r["status"] in ("error", "timeout") or not (r.get("metrics") or {}).get("vagueness_correct")
    or (r["metrics"].get("recovery") is not None and r["metrics"]["recovery"] < 1),
))
