"""Teaching: every scenario runs offline and together they cover every design; playback; record a session
with a model served over HTTP, then replay it with that server gone."""

from __future__ import annotations

import json

import pytest

from app import agents
from app.demos import teaching
from app.runner import TurnError
from app.tracing.export import export_session, import_session


def test_scenarios_run_offline_and_cover_every_design(runner):
    assert len(teaching.SCENARIOS) >= 6
    built_in = {a.name for a in agents.AGENTS.values() if a.source == "built-in" and not a.harness}
    assert built_in <= {s.design for s in teaching.SCENARIOS}
    for scenario in teaching.SCENARIOS:
        assert scenario.title and len(scenario.goal) > 40 and len(scenario.notes) > 60
        result = teaching.run(runner, scenario.id)
        assert result.status == "done", (scenario.id, result.error)
        trace = runner.trace(result.session_id)
        assert trace["session"]["model"] == "demo/offline" and trace["session"]["agent"] == scenario.design
        assert teaching.scenario_of(trace["session"]["settings"]) == scenario
    with pytest.raises(TurnError, match="unknown scenario 'nope'"):
        teaching.run(runner, "nope")


def test_playback_steps_through_a_trace_with_notes(runner):
    result = teaching.run(runner, "awn-missing")
    trace = runner.trace(result.session_id)
    count = len(trace["steps"])
    first = teaching.playback(trace, 0)
    assert first["index"] == 0 and first["count"] == count and first["scenario"]["id"] == "awn-missing"
    assert first["shown"]["runs"][0]["final_answer"] is None  # the answer is not out yet
    check = teaching.playback(trace, 1)
    assert check["step"]["name"] == "check_tool_call" and "Model-free" in check["note"]
    asked = next(i for i, s in enumerate(trace["steps"]) if s["kind"] == "clarification")
    view = teaching.playback(trace, asked)
    assert [s["seq"] for s in view["shown"]["steps"]] == [s["seq"] for s in trace["steps"][: asked + 1]]
    last = teaching.playback(trace, 10_000)  # a jump past the end stops at the last step
    assert last["index"] == count - 1 and "Paris" in last["shown"]["runs"][0]["final_answer"]
    assert teaching.playback(trace, -5)["index"] == 0
    plain = runner.new_session("react", "demo/offline", toolset="math")
    runner.turn(plain.id, message="What is 2+3?")
    view = teaching.playback(runner.trace(plain.id), 0)
    assert view["scenario"] is None and view["note"] == teaching.KIND_NOTES["model"]


def test_record_with_a_served_model_then_replay_offline(runner, fake_openai):
    session = runner.new_session("react", "openai/local-model", tools=["weather"])
    recorded = runner.turn(session.id, message="How is the weather where I am going?")
    assert recorded.status == "done" and "Lisbon right now" in recorded.final_answer
    served = fake_openai.requests
    assert served >= 2
    fake_openai.stop()  # no model server from here on

    replayed = teaching.replay(runner, session.id)

    assert replayed.status == "done" and replayed.final_answer == recorded.final_answer
    assert fake_openai.requests == served
    match = teaching.compare_with_recording(runner, session.id, replayed.session_id)
    assert match["same"] and match["recorded"]["tool_calls"] == [("weather", json.dumps({"city": "Lisbon"}))]
    original, again = runner.trace(session.id), runner.trace(replayed.session_id)
    assert again["session"]["model"].startswith("replay/")
    assert again["session"]["settings"]["replay_of"] == session.id
    recorded_tool = next(s for s in original["steps"] if s["kind"] == "tool")
    replayed_tool = next(s for s in again["steps"] if s["kind"] == "tool")
    assert replayed_tool["output"] == recorded_tool["output"]  # the tool ran again and said the same
    assert replayed_tool["id"] != recorded_tool["id"]
    assert [s["output"] for s in again["steps"] if s["kind"] == "model"] == \
           [s["output"] for s in original["steps"] if s["kind"] == "model"]
    assert again["usage"]["prompt_tokens"] == original["usage"]["prompt_tokens"]
    # the replay is over: a new turn there fails with a clear error, and nothing is lost
    more = runner.turn(replayed.session_id, message="and tomorrow?")
    assert more.status == "error" and "finished replay" in more.error
    assert len(runner.trace(replayed.session_id)["runs"]) == 2


def test_replay_an_imported_session_with_clarifications(runner):
    """An exported trace (as a hosted model's run would be shared) imported read-only replays offline,
    questions and answers included."""
    result = teaching.run(runner, "interact-vague")
    imported = import_session(runner.db, json.loads(json.dumps(export_session(runner.db, result.session_id))))
    replayed = teaching.replay(runner, imported)
    assert replayed.status == "done" and replayed.final_answer == result.final_answer
    assert teaching.compare_with_recording(runner, result.session_id, replayed.session_id)["same"]
    answers = [c["answer"] for c in runner.trace(replayed.session_id)["clarifications"]]
    assert answers == ["Rome", "next weekend", "skip"]


def test_cli_scenarios_and_replay(cli):
    listed = cli.json("scenarios", "list")
    assert len(listed) >= 6 and all(s["goal"] and s["notes"] for s in listed)
    ran = cli.json("scenarios", "run", "dfsdt-backtrack")
    assert ran["status"] == "done"
    out = cli("replay", ran["session_id"], check=True).stdout
    assert "replay matches the recording" in out
    bad = cli("replay", "nope")
    assert bad.returncode == 2 and "no session 'nope'" in bad.stderr
