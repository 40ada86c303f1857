"""Compare: one prompt to several (agent, model) pairs; saved, reopened, and kept up to date with the sessions."""

from __future__ import annotations

import pytest

from app import compare
from app.runner import TurnError

from conftest import make_runner


def test_compare_from_the_cli(cli):
    out = cli.json("compare", "--pair", "react", "demo/offline", "--pair", "rewoo", "demo/offline",
                   "--pair", "awn", "demo/offline", "--tools", "calculator",
                   "Compute 12*7, then add 5, then divide it by 3")
    react, rewoo, awn = out["columns"]
    assert [c["agent"] for c in out["columns"]] == ["react", "rewoo", "awn"]
    for column in out["columns"]:
        assert column["status"] == "done" and "29.66" in column["answer"]
        assert column["session_id"] and column["latency_ms"] > 0
        assert set(compare.METRICS) <= set(column)
    assert rewoo["model_calls"] == 2 < react["model_calls"] == 4
    assert rewoo["prompt_tokens"] < react["prompt_tokens"]
    trace = cli.json("trace", rewoo["session_id"])  # each column is an ordinary session
    assert trace["session"]["agent"] == "rewoo" and trace["final_answer"] == rewoo["answer"]


def test_a_reopened_comparison_shows_what_happened_in_its_sessions_since(db_url):
    runner = make_runner(db_url)
    *_, result = compare.run(runner, "What's the weather like?", [
        {"agent": "react", "model": "demo/offline"}, {"agent": "awn", "model": "demo/offline"}],
        tools=["weather"], owner="alice")
    react, awn = result["columns"]
    assert awn["status"] == "needs_clarification" and "Which city" in awn["answer"] and awn["questions"] == 1
    assert react["status"] == "done" and react["questions"] == 0

    runner.turn(awn["session_id"], answer="Oslo", owner="alice")  # answered later, in the chat
    reopened = compare.load(runner, result["id"], "alice")
    assert reopened["columns"][1]["status"] == "done" and "Oslo" in reopened["columns"][1]["answer"]
    assert [label for label, cid in compare.saved(runner, "alice") if cid == result["id"]]
    assert compare.saved(runner, "bob") == []
    with pytest.raises(LookupError):
        compare.load(runner, result["id"], "bob")


def test_bad_columns_are_named_and_nothing_runs(db_url):
    runner = make_runner(db_url)
    for columns, expected in [
        ([{"agent": "react", "model": "demo/offline"}], "2 to 4"),
        ([{"agent": "react", "model": "demo/offline"}, {"agent": "nope", "model": "demo/offline"}],
         "column 2: unknown agent 'nope'"),
        ([{"agent": "react", "model": "demo/offline"}, {"agent": "awn", "model": "openai/gpt-4o-mini"}],
         "column 2:"),
    ]:
        with pytest.raises(TurnError, match=expected):
            list(compare.run(runner, "hi", columns, tools=["weather"], owner="alice"))
    assert compare.saved(runner, "alice") == []


def test_what_every_column_pays_once_is_paid_before_its_clock_starts(db_url, monkeypatch):
    """The gateway's start-up and the column's graph come before the column's timer, so the first column is not
    the slow one (issue #39: 2.5 s for whichever ran first, 25 ms for the other)."""
    import time as real_time

    from app import compare
    from app.llm import gateway
    from tests.conftest import make_runner

    runner = make_runner(db_url)
    order: list[str] = []
    monkeypatch.setattr(gateway, "_warmed", type(gateway._warmed)())  # a process that has called no model yet
    warm, graph_for = gateway.warm, runner.graph_for
    monkeypatch.setattr(gateway, "warm", lambda: (order.append("warm"), warm())[1])
    monkeypatch.setattr(runner, "graph_for", lambda *a, **k: (order.append("graph"), graph_for(*a, **k))[1])

    class Clock:
        @staticmethod
        def perf_counter():
            order.append("clock")
            return real_time.perf_counter()

    monkeypatch.setattr(compare, "time", Clock)
    *_, last = compare.run(runner, "Compute 12*7", [{"agent": "react", "model": "demo/offline"},
                                                    {"agent": "rewoo", "model": "demo/offline"}], tools=["calculator"])
    first = order[:order.index("clock")]
    assert first[0] == "warm" and "graph" in first  # both before the first column's clock
    assert gateway._warmed.is_set() and [c["status"] for c in last["columns"]] == ["done", "done"]
