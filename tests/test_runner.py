"""The runner in-process on a real SQLite file: turns, tool state across turns, failures kept."""

from __future__ import annotations

import pytest

from app.runner import TurnError
from storage import repo


def test_bookings_persist_across_turns_of_a_session(runner):
    session = runner.new_session("react", "demo/offline", toolset="travel")
    first = runner.turn(session.id, message="Book a flight from Paris to Rome on 2099-03-01")
    assert first.status == "done" and "Booked BK0001" in first.final_answer
    second = runner.turn(session.id, message="Show my bookings")
    assert "BK0001" in second.final_answer
    other = runner.new_session("react", "demo/offline", toolset="travel")
    assert "no bookings" in runner.turn(other.id, message="Show my bookings").final_answer


def test_steps_are_streamed_before_the_turn_ends(runner):
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    events = list(runner.stream(session.id, message="Compute 12*7, then add 5, then divide it by 3"))
    types = [e.type for e in events]
    assert types[-1] == "done" and types.count("step") == 7
    assert "delta" in types
    assert "29.666" in events[-1].result.final_answer


def test_a_failing_model_gives_an_error_step_and_keeps_the_session(runner, monkeypatch):
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    ok = runner.turn(session.id, message="What is 2+3?")
    from app.llm import gateway

    def broken(*a, **k):
        raise gateway.ModelError("model 'demo/offline' failed: InternalServerError: 500")

    monkeypatch.setattr(gateway, "complete", broken)
    failed = runner.turn(session.id, message="What is 4+4?")
    assert failed.status == "error" and "500" in failed.error
    assert failed.steps[-1]["status"] == "error"
    monkeypatch.undo()
    again = runner.turn(session.id, message="What is 4+4?")
    assert again.status == "done" and "8" in again.final_answer
    runs = repo.runs_for_session(runner.db, session.id)
    assert [r.status for r in runs] == ["done", "error", "done"]
    assert ok.steps[0]["id"] in [s.id for s in repo.steps_for_session(runner.db, session.id)]


def test_empty_message_and_stray_answer_are_refused(runner):
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    with pytest.raises(TurnError, match="empty"):
        runner.turn(session.id, message="  ")
    with pytest.raises(TurnError, match="no pending question"):
        runner.turn(session.id, answer="Paris")


def test_secrets_in_the_environment_never_reach_the_database(runner, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890-secret")
    session = runner.new_session("react", "demo/offline", tools=["save_note"])
    result = runner.turn(session.id, message="Save a note: the password is tok-1234567890-secret")
    assert result.status == "done"
    import json

    dumped = json.dumps([s.model_dump() for s in repo.steps_for_session(runner.db, session.id)])
    assert "tok-1234567890-secret" not in dumped and "[REDACTED]" in dumped


def test_sessions_are_searchable_renamable_and_owner_scoped(runner):
    a = runner.new_session("react", "demo/offline", tools=["calculator"], owner="alice")
    runner.turn(a.id, message="What is 6*7?")
    b = runner.new_session("react", "demo/offline", tools=["weather"], owner="alice")
    runner.turn(b.id, message="Weather in Oslo?")
    runner.new_session("react", "demo/offline", tools=["weather"], owner="bob")
    assert {s.id for s in repo.list_sessions(runner.db, owner="alice")} == {a.id, b.id}
    assert [s.id for s in repo.list_sessions(runner.db, owner="alice", search="oslo")] == [b.id]
    assert repo.get_session(runner.db, a.id).title == "What is 6*7?"
    repo.update_session(runner.db, a.id, title="Multiplication")
    assert [s.id for s in repo.list_sessions(runner.db, owner="alice", search="multipl")] == [a.id]
    assert repo.list_sessions(runner.db, owner="bob", search="oslo") == []
    with pytest.raises(repo.NotFound):
        repo.get_session(runner.db, a.id, owner="bob")


def test_a_busy_session_is_refused_to_its_owner_and_not_found_for_anyone_else(runner):
    session = runner.new_session("react", "demo/offline", tools=["calculator"], owner="alice")
    assert runner.turns.locks.acquire(session.id)  # a turn running (here, or on another process)
    try:
        with pytest.raises(TurnError, match="already running a turn"):
            runner.turn(session.id, "What is 2+2?", owner="alice")
        with pytest.raises(repo.NotFound):
            runner.turn(session.id, "What is 2+2?", owner="mallory")
    finally:
        runner.turns.locks.release(session.id)
    assert runner.turn(session.id, "What is 2+2?", owner="alice").status == "done"
    with pytest.raises(repo.NotFound):  # and not found when idle too
        runner.turn(session.id, "What is 2+2?", owner="mallory")


def test_a_running_turn_stops_after_its_current_step_keeps_its_steps_and_can_be_retried(runner, monkeypatch):
    from app.turns import STOPPED

    monkeypatch.setenv("PLAYGROUND_DEMO_LATENCY_MS", "300")
    session = runner.new_session("react", "demo/offline", tools=["weather"], owner="alice")
    assert not runner.stop(session.id, owner="alice")  # nothing running
    with pytest.raises(repo.NotFound):
        runner.stop(session.id, owner="mallory")  # another owner's session is not found
    events = []
    for event in runner.stream(session.id, message="What's the weather in Paris?", owner="alice"):
        events.append(event)
        if event.type == "step" and event.step.kind == "model":
            assert runner.stop(session.id, owner="alice")
    result = events[-1].result
    assert result.status == "error" and result.error == STOPPED
    assert [s["kind"] for s in result.steps][:1] == ["model"] and result.steps[-1]["name"] == "run stopped"
    assert not any(s["kind"] == "tool" for s in result.steps)  # stopped before the tool ran
    done = runner.turn(session.id, retry=True, owner="alice")
    assert done.status == "done" and "Paris" in done.final_answer


def test_a_stop_during_the_last_step_lets_the_run_finish_with_its_answer(runner):
    """Stop clicked while the final answer was being written stopped the run after its last step, and Retry then
    said there was no checkpoint to go on from (CI: the slow-turn browser test). A run with nothing left to run
    is done: its answer is the turn's."""
    session = runner.new_session("react", "demo/offline", tools=["weather"], owner="alice")
    events, tool_ran = [], False
    for event in runner.stream(session.id, message="What's the weather in Paris?", owner="alice"):
        events.append(event)
        tool_ran = tool_ran or (event.type == "step" and event.step.kind == "tool")
        if tool_ran and event.type == "step" and event.step.kind == "model":  # the last step has ended
            assert runner.stop(session.id, owner="alice")
    result = events[-1].result
    assert result.status == "done" and "In Paris it is" in result.final_answer, result.error
    assert not any(s["name"] == "run stopped" for s in result.steps)
    with pytest.raises(TurnError, match="did not fail"):
        runner.turn(session.id, retry=True, owner="alice")


def test_stop_reaches_a_turn_running_in_another_process(db_url):
    """#22: Stop was per process: behind a load balancer, the process a Stop reached might not be the one
    running the turn. Now the request is stored and the running process reads it between steps."""
    import threading
    import time

    import httpx

    from app.turns import STOPPED
    from conftest import Server, clean_env, make_runner

    server = Server(db_url, env=clean_env(PLAYGROUND_DEMO_LATENCY_MS="1500"))
    here = make_runner(db_url)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            sid = http.post("/api/sessions", json={"agent": "react", "tools": ["weather"]}).json()["session_id"]
            answer: dict = {}
            turn = threading.Thread(target=lambda: answer.update(http.post(
                f"/api/sessions/{sid}/turns", json={"message": "What's the weather in Paris?"}).json()))
            turn.start()
            deadline = time.monotonic() + 60
            while not repo.steps_for_session(here.db, sid) and time.monotonic() < deadline:  # its first step
                time.sleep(0.1)
            assert here.stop(sid)  # not this process's turn: asked through the database
            turn.join(120)
        assert answer["status"] == "error" and answer["error"] == STOPPED and not answer["final_answer"]
        assert not repo.take_stop_request(here.db, sid)  # taken by the process that stopped
        assert not here.stop(sid)  # nothing runs now
    finally:
        here.close()
        server.stop()
