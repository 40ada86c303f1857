"""The Foundation contract, through the real `playground` process and a real SQLite file."""

from __future__ import annotations

from tests.conftest import ON_POSTGRES, clean_env, sql


def test_calculator_run_then_trace_returns_the_same_steps(cli, db_url):
    out = cli.json("run", "--agent", "react", "--model", "demo/offline", "--tools", "calculator", "What is (17*23)+4?")
    assert out["status"] == "done"
    assert "395" in out["final_answer"]
    kinds = [s["kind"] for s in out["steps"]]
    assert kinds == ["model", "tool", "model"]
    for s in out["steps"]:
        assert s["started_at"] and s["ended_at"] and s["ended_at"] >= s["started_at"]
    tool = out["steps"][1]
    assert tool["name"] == "calculator" and tool["input"] == {"expression": "(17*23)+4"} and tool["output"] == 395
    assert out["usage"]["prompt_tokens"] > 0 and out["usage"]["model_calls"] == 2

    trace = cli.json("trace", out["session_id"])
    assert [s["id"] for s in trace["steps"]] == [s["id"] for s in out["steps"]]
    assert trace["steps"] == out["steps"]
    assert trace["final_answer"] == out["final_answer"]


def test_steps_are_in_the_database_with_checkpoint_ids(cli, db_url):
    out = cli.json("run", "--tools", "calculator", "What is 6*7?")
    sid = out["session_id"]
    rows = sql(db_url, "select kind, checkpoint_id from steps where session_id=:sid order by seq", sid=sid)
    checkpoints = sql(db_url, "select count(*) from checkpoints where thread_id=:sid", sid=sid)[0][0]
    assert [r[0] for r in rows] == ["model", "tool", "model"]
    assert all(r[1] for r in rows)
    assert checkpoints >= 3
    if not ON_POSTGRES:
        assert sql(db_url, "pragma journal_mode")[0][0] == "wal"


def test_a_tool_that_raises_gives_an_error_step_and_still_an_answer(cli):
    proc = cli("run", "--tools", "calculator", "What is 1/0?", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    out = json.loads(proc.stdout)
    tool_steps = [s for s in out["steps"] if s["kind"] == "tool"]
    assert tool_steps[0]["status"] == "error"
    assert "ZeroDivisionError" in tool_steps[0]["error"]
    assert out["status"] == "done" and out["final_answer"]
    assert "division by zero" in out["final_answer"]


def test_unknown_model_exits_non_zero_with_one_line(cli):
    proc = cli("run", "--model", "nosuchprovider/model-x", "--tools", "calculator", "hi")
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0
    assert "nosuchprovider/model-x" in proc.stderr


def test_invalid_agent_settings_exit_2_naming_the_field_and_what_it_allows(cli):
    proc = cli("run", "--agent", "dfsdt", "--settings", '{"width": 99}', "hi")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "setting 'width' of dfsdt is 99: it must be a whole number from 1 to 5" in proc.stderr
    proc = cli("run", "--agent", "awn", "--settings", '{"reflection": "yes"}', "hi")
    assert proc.returncode == 2 and "must be true or false" in proc.stderr


def test_missing_key_names_the_variable(cli):
    proc = cli("run", "--model", "openai/gpt-4o-mini", "hi", env=clean_env())
    assert proc.returncode != 0
    assert "OPENAI_API_KEY" in proc.stderr and proc.stderr.strip().count("\n") == 0


def test_unknown_tool_exits_non_zero_with_one_line(cli):
    proc = cli("run", "--tools", "calculator,teleport", "hi")
    assert proc.returncode != 0
    assert "teleport" in proc.stderr and proc.stderr.strip().count("\n") == 0


def test_tools_and_agents_list(cli):
    tools = cli.json("tools", "list")
    names = {t["name"] for t in tools["tools"]}
    assert {"calculator", "weather", "book_flight", "save_note", "convert_units", "date_add"} <= names
    calc = next(t for t in tools["tools"] if t["name"] == "calculator")
    assert calc["parameters"]["required"] == ["expression"]
    agents = cli.json("agents", "list")
    assert any(a["name"] == "react" and a["description"] for a in agents["agents"])


def test_unknown_session_is_a_clear_error(cli):
    proc = cli("trace", "does-not-exist")
    assert proc.returncode == 2 and "does-not-exist" in proc.stderr


def test_a_newer_schema_is_refused_not_crashed(cli, db_url):
    cli.json("tools", "list")  # creates nothing; open the database through a run
    cli("run", "--tools", "calculator", "2+2?", check=True)
    sql(db_url, "update playground_meta set value='999' where key='schema_version'")
    proc = cli("run", "--tools", "calculator", "2+2?")
    assert proc.returncode == 2
    assert "schema version 999" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_on_a_busy_port_says_so_in_one_line_and_never_prints_its_url(cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = cli("serve", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"playground: port {port} on 127.0.0.1 is in use (another playground?): pass --port N"
    assert "Agent Playground on" not in proc.stdout


def test_a_reader_that_goes_away_ends_the_output_quietly(cli, db_url):
    import subprocess

    from tests.conftest import PLAYGROUND, ROOT, clean_env

    run = subprocess.Popen([*PLAYGROUND, "run", "--db", db_url, "--json", "--tools", "calculator", "What is 6*7?"],
                           cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.read(10)
    run.stdout.close()  # as `| head -c 10` does
    _, err = run.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err


def test_ctrl_c_on_serve_with_a_tab_open_says_one_line(db_url):
    """A browser's event stream (Gradio's heartbeat) is open; Ctrl+C stops the server with one line, no
    traceback, and without waiting out the graceful period (no turn was running)."""
    import signal
    import threading

    import httpx

    from tests.conftest import Server

    server = Server(db_url)
    opened = threading.Event()

    def tab() -> None:
        try:
            with httpx.stream("GET", server.url + "/gradio_api/heartbeat/tab-1", timeout=60) as stream:
                opened.set()
                for _ in stream.iter_bytes():
                    continue
        except httpx.HTTPError:
            opened.set()  # the server closed it

    threading.Thread(target=tab, daemon=True).start()
    assert opened.wait(60)
    server.output.clear()  # what it said while starting
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(60) in (0, 130)  # 130: ended by SIGINT, as a shell expects of Ctrl+C
    after = [line for line in server.output if not line.startswith(("playground: ", "Agent Playground on"))]
    assert after == [] and list(server.output)[-1].startswith("playground: stopped"), list(server.output)
