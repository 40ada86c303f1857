"""Faults: a model endpoint that fails or hangs (a local OpenAI-compatible server, the only stand-in), a model
that writes broken tool-call JSON, a server killed with `kill -9` in the middle of a run, and two server
processes on one database. None of them may lose a session or a finished step."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from app.runner import INTERRUPTED
from tests.conftest import Server, clean_env, sql

from conftest import make_runner

MODEL = "openai/local-model"


@pytest.fixture
def runner(db_url, fake_openai):
    return make_runner(db_url, model_timeout=1, model_retries=2)


@pytest.mark.parametrize("fault", ["500", "429", "hang"])
def test_a_failing_model_is_retried_then_the_run_ends_in_an_error_step_and_can_be_retried(runner, fake_openai,
                                                                                        fault):
    session = runner.new_session("react", MODEL, tools=["weather"])
    fake_openai.always = fault
    failed = runner.turn(session.id, "Weather in Lisbon?")
    assert failed.status == "error" and "after 3 attempts" in failed.error
    assert {"500": "InternalServerError", "429": "RateLimitError", "hang": "Timeout"}[fault] in failed.error
    assert fake_openai.requests == 3  # the first try and two retries, no more
    model_step = failed.steps[-1]
    assert model_step["kind"] == "model" and model_step["status"] == "error"

    trace = runner.trace(session.id)  # the session, its run and the error step are all there
    assert trace["runs"][0]["status"] == "error" and trace["steps"] == failed.steps

    fake_openai.always = None  # the endpoint recovers: the run goes on from its last checkpoint
    done = runner.turn(session.id, retry=True)
    assert done.status == "done" and done.run_id == failed.run_id and "Lisbon" in done.final_answer
    assert [s["id"] for s in done.steps[:len(failed.steps)]] == [s["id"] for s in failed.steps]
    assert [s["kind"] for s in done.steps[len(failed.steps):]] == ["model", "tool", "model"]


def test_a_passing_fault_is_retried_and_shown_on_the_step(runner, fake_openai):
    session = runner.new_session("react", MODEL, tools=["weather"])
    fake_openai.faults = ["429", "500"]
    done = runner.turn(session.id, "Weather in Lisbon?")
    assert done.status == "done"
    first = done.steps[0]
    assert first["status"] == "ok" and len(first["meta"]["retried"]) == 2
    assert "RateLimitError" in first["meta"]["retried"][0] and "InternalServerError" in first["meta"]["retried"][1]


def test_nothing_to_retry_is_said(runner):
    session = runner.new_session("react", MODEL, tools=["weather"])
    from app.runner import TurnError

    with pytest.raises(TurnError, match="nothing to retry"):
        runner.turn(session.id, retry=True)
    runner.turn(session.id, "Weather in Lisbon?")
    with pytest.raises(TurnError, match="nothing to retry"):
        runner.turn(session.id, retry=True)


def test_broken_tool_call_json_is_repaired_or_returned_to_the_model(runner, fake_openai):
    session = runner.new_session("react", MODEL, tools=["weather"])
    fake_openai.faults = ["cut_json"]  # '{"city": "Lisbon",' : closed and run
    repaired = runner.turn(session.id, "Weather in Lisbon?")
    tool = next(s for s in repaired.steps if s["kind"] == "tool")
    assert tool["status"] == "ok" and tool["input"] == {"city": "Lisbon"}

    fake_openai.faults = ["bad_json"]  # '{"city": Lisbon}' : the model is told, and answers from that
    told = runner.turn(runner.new_session("react", MODEL, tools=["weather"]).id, "Weather in Lisbon?")
    tool = next(s for s in told.steps if s["kind"] == "tool")
    assert tool["status"] == "error" and "not valid JSON" in tool["error"]
    assert told.status == "done" and "not valid JSON" in told.final_answer  # the fake model quotes the result


def _wait_for(predicate, what: str, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


TASK = "Compute 12*7, then add 5, then divide it by 3, then multiply by 2"


def test_kill_9_mid_run_keeps_the_session_and_its_finished_steps_and_the_run_can_be_retried(db_url):
    slow = clean_env(PLAYGROUND_DEMO_LATENCY_MS="700")
    first = Server(db_url, env=slow)
    with httpx.Client(base_url=first.url, timeout=120) as c:
        created = c.post("/api/sessions", json={"agent": "react", "tools": ["calculator"]})
        headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
        sid = created.json()["session_id"]
        threading.Thread(target=lambda: _quietly(c.post, f"/api/sessions/{sid}/turns", json={"message": TASK},
                                                 headers=headers), daemon=True).start()
        _wait_for(lambda: sql(db_url, "select count(*) from steps where session_id=:s and kind='tool'", s=sid)[0][0]
                  >= 2, "two tool steps")
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(30)
    before = sql(db_url, "select id, kind, status from steps where session_id=:s order by seq", s=sid)
    assert len(before) >= 4 and all(status == "ok" for _, _, status in before)

    second = Server(db_url)
    try:
        with httpx.Client(base_url=second.url, timeout=120, headers=headers) as c:
            trace = c.get(f"/api/sessions/{sid}/trace").json()
            assert [s["id"] for s in trace["steps"]] == [r[0] for r in before]
            retried = c.post(f"/api/sessions/{sid}/turns", json={"retry": True}).json()
            assert retried["status"] == "done", retried
            assert "59.33" in retried["final_answer"]  # ((12*7)+5)/3*2
            after = c.get(f"/api/sessions/{sid}/trace").json()
    finally:
        second.stop()
    ids = [s["id"] for s in after["steps"]]
    assert ids[:len(before)] == [r[0] for r in before]  # the finished steps are kept, not run again
    tools = [s for s in after["steps"] if s["kind"] == "tool"]
    kept = {s["input"]["expression"] for s in tools if s["status"] == "ok"}
    assert len(kept) == 4 == len([s for s in tools if s["status"] == "ok"])  # each call done once
    # A call whose result the killed process had not checkpointed was made again; its first step says so.
    assert all(s["input"]["expression"] in kept and "not saved" in s["error"] for s in tools if s["status"] != "ok")
    assert after["runs"][0]["status"] == "done" and len(after["runs"]) == 1


@pytest.mark.parametrize("lost", ["checkpoint", "checkpoint and the tool's result"])
def test_a_retry_after_a_crash_between_a_steps_result_and_its_checkpoint_runs_it_once_more_and_says_so(
        db_url, monkeypatch, lost):
    """A process that dies after a tool step is stored but before its superstep is checkpointed leaves one of
    two states: the tool's result saved as a pending write (LangGraph applies it: the call is not made again) or
    not (the call is made again, and its first step says it was not saved). Made here as a crash leaves it: the
    checkpoint's write fails, and for the second case the tool's pending write is removed from the saver's table."""
    from app.retries import UNSAVED

    runner = make_runner(db_url)
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    saver_class = type(runner.checkpointer)
    put, calls = saver_class.put, []

    def dies_after_the_first_tool(self, *args):
        calls.append(1)
        if len(calls) == 4:  # input, agent, tools (the first tool call's superstep): the process dies here
            raise RuntimeError("the process died here")
        return put(self, *args)

    monkeypatch.setattr(saver_class, "put", dies_after_the_first_tool)
    assert runner.turn(session.id, TASK).status == "error"
    monkeypatch.setattr(saver_class, "put", put)
    if lost != "checkpoint":
        table = "checkpoint_writes" if db_url.startswith("postgres") else "writes"
        sql(db_url, f"delete from {table} where thread_id=:s and task_id in (select task_id from {table} "
                    "where thread_id=:s and channel='messages')", s=session.id)

    done = runner.turn(session.id, retry=True)
    assert done.status == "done" and "59.33" in done.final_answer
    tools = [s for s in runner.trace(session.id)["steps"] if s["kind"] == "tool"]
    kept = [s["input"]["expression"] for s in tools if s["status"] == "ok"]
    assert len(kept) == 4 == len(set(kept))
    unsaved = [s for s in tools if s["status"] == "error"]
    assert all(s["error"] == UNSAVED and s["input"]["expression"] in kept for s in unsaved)
    # The first call's result: applied from its pending write, or made again with its first step marked. (On
    # PostgreSQL checkpoints are written in the background, so the later steps' checkpoints were lost too.)
    assert (tools[0]["status"] == "ok") == (lost == "checkpoint")
    if not db_url.startswith("postgres"):
        assert len(unsaved) == (lost != "checkpoint")


def _quietly(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except httpx.HTTPError:  # the server was killed under it
        pass


def test_a_run_cut_off_by_a_dead_process_ends_as_an_error_on_the_next_turn(db_url):
    """Without a retry: the next message finds the orphaned run, ends it with a clear error, and goes on."""
    from storage import repo

    runner = make_runner(db_url)
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    orphan, _ = repo.begin_turn(runner.db, session.id, message="What is 2+2?")  # as a killed process leaves it
    done = runner.turn(session.id, "What is 6*7?")
    assert done.status == "done"
    runs = runner.trace(session.id)["runs"]
    assert runs[0]["id"] == orphan and runs[0]["status"] == "error" and runs[0]["error"] == INTERRUPTED


def test_two_server_processes_on_one_database_serve_the_same_sessions(db_url):
    """A session begun on one process continues on the other; a turn running on one is refused on the other
    (409), whichever process gets it."""
    a = Server(db_url, env=clean_env(PLAYGROUND_DEMO_LATENCY_MS="1500"))
    b = Server(db_url)
    try:
        ca, cb = httpx.Client(base_url=a.url, timeout=120), httpx.Client(base_url=b.url, timeout=120)
        created = ca.post("/api/sessions", json={"agent": "awn", "tools": ["weather"]})
        headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
        sid = created.json()["session_id"]
        asked = ca.post(f"/api/sessions/{sid}/turns", json={"message": "What's the weather like?"},
                        headers=headers).json()
        assert asked["status"] == "needs_clarification"
        done = cb.post(f"/api/sessions/{sid}/turns", json={"answer": "Tokyo"}, headers=headers).json()
        assert done["status"] == "done" and "Tokyo" in done["final_answer"]
        listed = ca.get("/api/sessions", headers=headers).json()["sessions"]
        assert [s["id"] for s in listed] == [sid]

        slow = threading.Thread(target=lambda: ca.post(f"/api/sessions/{sid}/turns", headers=headers,
                                                       json={"message": "What is the weather in Paris?"}))
        slow.start()
        _wait_for(lambda: sql(db_url, "select count(*) from runs where session_id=:s", s=sid)[0][0] == 2,
                  "the second run to start on process A")
        refused = cb.post(f"/api/sessions/{sid}/turns", json={"message": "And in Rome?"}, headers=headers)
        slow.join()
        assert refused.status_code == 409 and "already running" in refused.json()["detail"]
        trace = cb.get(f"/api/sessions/{sid}/trace", headers=headers).json()
        assert [r["status"] for r in trace["runs"]] == ["done", "done"]
        assert "Paris" in trace["runs"][1]["final_answer"], trace["runs"][1]
        ca.close()
        cb.close()
    finally:
        a.stop()
        b.stop()


def _tool_file(factor: int) -> dict:
    return {"filename": "scale.py", "source": f"def scale(x: int) -> int:\n    \"\"\"Scale x.\"\"\"\n"
                                              f"    return {factor} * x\n"}


def test_tools_added_on_one_process_reach_the_other_without_a_restart(db_url):
    """A tool file added through process A is offered by B (listed, accepted for a new session, run); the same
    file added again on A with other code is what B runs next, its cached graph notwithstanding."""
    a, b = Server(db_url), Server(db_url)
    try:
        headers = {"X-Owner-Token": "the-same-person-on-both-processes"}  # a tool is its owner's
        ca = httpx.Client(base_url=a.url, timeout=120, headers=headers)
        cb = httpx.Client(base_url=b.url, timeout=120, headers=headers)
        assert "scale" not in {t["name"] for t in cb.get("/api/tools").json()["tools"]}
        assert ca.post("/api/tools", json=_tool_file(3)).json()["tools"] == ["scale"]

        created = cb.post("/api/sessions", json={"agent": "react", "tools": ["scale", "calculator"]})
        assert created.status_code == 201, created.text  # B had not seen `scale` when asked for it
        sid = created.json()["session_id"]

        def scaled() -> str:
            turn = cb.post(f"/api/sessions/{sid}/turns", json={"message": "call scale with 5"},
                           headers=headers).json()
            results = [s for s in turn["steps"] if s["kind"] == "tool"]
            assert turn["status"] == "done" and results, turn
            return str(results[0]["output"])

        assert "15" in scaled()
        assert ca.post("/api/tools", json=_tool_file(4)).json()["tools"] == ["scale"]
        assert "20" in scaled()  # the newer file wins on B too
        assert "scale" in {t["name"] for t in cb.get("/api/tools").json()["tools"]}
        unknown = cb.post("/api/sessions", json={"agent": "react", "tools": ["no_such_tool"]})
        assert unknown.status_code == 422 and "no_such_tool" in unknown.text
        ca.close()
        cb.close()
    finally:
        a.stop()
        b.stop()
