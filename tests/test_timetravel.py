"""Time travel on a real SQLite file: forks from a step after an edit, branches, answer sweeps. The forked
session must come out byte-for-byte the same (trace and LangGraph checkpoints)."""

from __future__ import annotations

import json

import httpx
import pytest

from app import timetravel
from app.runner import Runner
from app.tracing.export import export_session, import_session


def snapshot(runner: Runner, session_id: str) -> tuple[str, list]:
    """The session's whole trace and its checkpoint history, to prove a fork leaves them untouched."""
    trace = runner.trace(session_id)
    trace["session"].pop("updated_at")
    checkpoints = [(t.config["configurable"]["checkpoint_id"], json.dumps(t.checkpoint["channel_values"], default=str,
                                                                           sort_keys=True))
                   for t in runner.checkpointer.list({"configurable": {"thread_id": session_id}})]
    return json.dumps(trace, sort_keys=True, default=str), checkpoints


def tool_step(result, name: str = "weather") -> dict:
    return next(s for s in result.steps if s["kind"] == "tool" and s["name"] == name)


def test_fork_tool_arguments_leaves_the_original_intact(runner):
    session = runner.new_session("react", "demo/offline", toolset="everything")
    runner.turn(session.id, message="What is 12*7?")
    original = runner.turn(session.id, message="What's the weather in Paris in celsius?")
    before = snapshot(runner, session.id)

    branch = timetravel.run_fork(runner, session.id, tool_step(original)["seq"], arguments={"city": "Tokyo"})

    assert branch.session_id != session.id and branch.status == "done"
    assert "Tokyo" in branch.final_answer
    assert tool_step(branch)["input"] == {"city": "Tokyo"}
    assert snapshot(runner, session.id) == before  # the original: same trace, same checkpoints
    assert "Paris" in runner.trace(session.id)["final_answer"]

    trace = runner.trace(branch.session_id)
    assert [r["user_message"] for r in trace["runs"]] == ["What is 12*7?", "What's the weather in Paris in celsius?"]
    assert trace["runs"][0]["final_answer"] == runner.trace(session.id)["runs"][0]["final_answer"]
    assert trace["fork"]["parent_id"] == session.id and trace["fork"]["kind"] == "arguments"
    assert trace["fork"]["original"] == {"city": "Paris"} and trace["fork"]["edit"] == {"city": "Tokyo"}
    # the branch is a whole conversation: it goes on with the first turn in its memory
    again = runner.turn(branch.session_id, message="and what was 12*7?")
    assert again.status == "done"

    family = timetravel.branches(runner, session.id)
    assert [b["session_id"] for b in family] == [session.id, branch.session_id]
    assert family[0]["kind"] is None and family[1]["edit"] == {"city": "Tokyo"}
    assert [b["current"] for b in timetravel.branches(runner, branch.session_id)] == [False, True]


def test_fork_user_message_keeps_earlier_turns(runner):
    session = runner.new_session("react", "demo/offline", toolset="everything")
    runner.turn(session.id, message="What is 12*7?")
    second = runner.turn(session.id, message="What's the weather in Paris?")
    before = snapshot(runner, session.id)

    branch = timetravel.run_fork(runner, session.id, second.steps[0]["seq"], message="What's the weather in Rome?")

    assert "Rome" in branch.final_answer
    trace = runner.trace(branch.session_id)
    assert [r["user_message"] for r in trace["runs"]] == ["What is 12*7?", "What's the weather in Rome?"]
    assert snapshot(runner, session.id) == before

    first = timetravel.run_fork(runner, session.id, 1, message="What is 6*7?")  # the very first message
    assert "42" in first.final_answer
    assert [r["user_message"] for r in runner.trace(first.session_id)["runs"]] == ["What is 6*7?"]


def test_fork_clarification_answer_and_fork_of_a_fork(runner):
    session = runner.new_session("awn", "demo/offline", toolset="everything")
    asked = runner.turn(session.id, message="What's the weather?")
    assert asked.status == "needs_clarification"
    runner.turn(session.id, answer="Paris")
    before = snapshot(runner, session.id)
    answered = next(s for s in runner.trace(session.id)["steps"] if s["kind"] == "clarification")

    berlin = timetravel.run_fork(runner, session.id, answered["seq"], answer="Berlin")
    assert "Berlin" in berlin.final_answer
    clar = runner.trace(berlin.session_id)["clarifications"]
    assert [c["answer"] for c in clar] == ["Berlin"] and clar[0]["question"] == asked.clarification.question
    assert snapshot(runner, session.id) == before

    madrid = timetravel.run_fork(runner, berlin.session_id, tool_step(berlin)["seq"], arguments='{"city": "Madrid"}')
    assert "Madrid" in madrid.final_answer
    family = timetravel.branches(runner, madrid.session_id)
    assert [b["session_id"] for b in family] == [session.id, berlin.session_id, madrid.session_id]
    assert family[2]["parent_id"] == berlin.session_id


def test_answer_sweep_at_the_pending_question(runner):
    session = runner.new_session("awn", "demo/offline", toolset="everything")
    runner.turn(session.id, message="What's the weather?")
    before = snapshot(runner, session.id)

    results = list(timetravel.sweep(runner, session.id, None, ["London", "Tokyo", "Atlantis"]))

    assert [len(r["rows"]) for r in results] == [1, 2, 3]  # one row per finished branch
    rows = results[-1]["rows"]
    assert [r["answer"] for r in rows] == ["London", "Tokyo", "Atlantis"]
    assert "London" in rows[0]["final_answer"] and rows[0]["tool_calls"] == ['weather({"city": "London"})']
    assert "Tokyo" in rows[1]["final_answer"]
    assert rows[2]["status"] in ("needs_clarification", "done")  # no offline weather for Atlantis
    assert len({r["session_id"] for r in rows}) == 3
    assert snapshot(runner, session.id) == before  # still waiting at its question
    assert runner.pending_question(session.id) is not None
    assert runner.turn(session.id, answer="Paris").status == "done"


def test_bad_forks_are_clear_errors_and_make_nothing(runner, tmp_path):
    session = runner.new_session("react", "demo/offline", toolset="everything")
    result = runner.turn(session.id, message="What's the weather in Paris?")
    model_seq = result.steps[0]["seq"]
    cases = [
        (dict(step=model_seq, arguments={"city": "Rome"}), "arguments can be edited on a tool step"),
        (dict(step=tool_step(result)["seq"], arguments="{\"city\": "), "not valid JSON"),
        (dict(step=tool_step(result)["seq"], arguments="[1]"), "must be a JSON object"),
        (dict(step=model_seq, answer="x"), "an answer can be changed on a clarification step"),
        (dict(step=model_seq, message="  "), "the new message is empty"),
        (dict(step=model_seq, message="a", answer="b"), "exactly one edit"),
        (dict(step=None, answer="Paris"), "no pending question"),
    ]
    for kw, expected in cases:
        step = kw.pop("step")
        with pytest.raises(timetravel.ForkError, match=expected):
            timetravel.run_fork(runner, session.id, step, **kw)
    with pytest.raises(LookupError, match="has no step 99"):
        timetravel.run_fork(runner, session.id, 99, message="hi")
    assert [b["session_id"] for b in timetravel.branches(runner, session.id)] == [session.id]

    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_session(runner.db, session.id)))
    imported = import_session(runner.db, json.loads(path.read_text()))
    with pytest.raises(timetravel.ForkError, match="imported trace"):
        timetravel.run_fork(runner, imported, 1, message="hi")


def test_rewoo_plan_argument_fork(runner):
    session = runner.new_session("rewoo", "demo/offline", toolset="everything")
    original = runner.turn(session.id, message="What's the weather in Paris?")
    branch = timetravel.run_fork(runner, session.id, tool_step(original)["seq"], arguments={"city": "Oslo"})
    assert "Oslo" in branch.final_answer and "Paris" in runner.trace(session.id)["final_answer"]


def test_cli_fork_branches_and_sweep(cli):
    first = cli.json("run", "--agent", "awn", "--tools", "weather", "What's the weather?")
    sid = first["session_id"]
    swept = cli.json("sweep", sid, "--answer", "London", "--answer", "Rome")
    assert [r["answer"] for r in swept["rows"]] == ["London", "Rome"]
    assert all(r["status"] == "done" for r in swept["rows"])
    done = cli.json("run", "--session", sid, "--answer", "Paris")
    step = next(s["seq"] for s in done["steps"] if s["kind"] == "tool")
    forked = cli.json("fork", sid, "--step", str(step), "--args", '{"city": "Lisbon"}')
    assert "Lisbon" in forked["final_answer"] and forked["fork"]["parent_id"] == sid
    family = cli.json("branches", sid)
    assert len(family) == 4 and family[0]["current"] and family[0]["kind"] is None
    bad = cli("fork", sid, "--step", "1", "--args", '{"city": "Lisbon"}')
    assert bad.returncode == 2 and "arguments can be edited on a tool step" in bad.stderr


def test_api_fork_and_branches(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        sid = client.post("/api/sessions", json={"agent": "react", "tools": ["weather"]}).json()["session_id"]
        turn = client.post(f"/api/sessions/{sid}/turns", json={"message": "What's the weather in Paris?"}).json()
        step = next(s["seq"] for s in turn["steps"] if s["kind"] == "tool")
        made = client.post(f"/api/sessions/{sid}/fork", json={"step": step, "arguments": {"city": "Rome"}})
        assert made.status_code == 201 and "Rome" in made.json()["final_answer"]
        listed = client.get(f"/api/sessions/{sid}/branches").json()["branches"]
        assert [b["session_id"] for b in listed] == [sid, made.json()["session_id"]]
        bad = client.post(f"/api/sessions/{sid}/fork", json={"step": 1, "arguments": {"city": "Rome"}})
        assert bad.status_code == 422 and "tool step" in bad.json()["detail"]
        other = httpx.post(f"{server.url}/api/sessions/{sid}/fork", json={"step": step, "message": "hi"})
        assert other.status_code == 404  # another owner cannot fork it
        assert client.post(f"/api/sessions/{sid}/fork", json={"step": step, "bogus": 1}).status_code == 422
