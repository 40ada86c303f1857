"""Custom Python tools run in a sandboxed process: limits, no secrets, no network, clear errors; and through a
real server, an agent calling a looping and a crashing tool leaves the server answering."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest

from tools.execute import run_tool
from tools.sandbox import Limits, ToolFileError, tools_from_source

from conftest import Server, clean_env, make_runner

HOSTILE = Path(__file__).parent / "data" / "hostile_tools.py"
TIGHT = Limits(cpu_seconds=2, memory_mb=256, wall_seconds=4)


@pytest.fixture(scope="module")
def hostile():
    return {t.name: t for t in tools_from_source(HOSTILE.read_text(), "hostile_tools.py", TIGHT)}


def call(tool, **arguments):
    return run_tool(tool, arguments, timeout=60)


def test_a_file_becomes_tools_with_schemas(hostile):
    assert {"shout", "loop_forever", "crash", "memory_bomb", "read_env", "fetch", "sleepy"} <= set(hostile)
    shout = hostile["shout"]
    assert shout.description == "Upper-case a text."
    assert shout.parameters["properties"]["text"] == {"type": "string", "description": "the text to shout"}
    assert shout.source == "custom:hostile_tools.py"
    result = call(shout, text="hi")
    assert result.ok and result.value == "HI"  # what the tool printed did not spoil the result


@pytest.mark.parametrize("name, arguments, expected", [
    ("loop_forever", {"n": 1}, "CPU-time limit"),
    ("sleepy", {"seconds": 60}, "wall-clock limit of 4 s"),
    ("crash", {"n": 1}, "ZeroDivisionError"),
    ("memory_bomb", {"n": 1}, "memory"),
    ("fetch", {"url": "127.0.0.1"}, "rror"),
])
def test_misbehaving_tools_become_error_results(hostile, name, arguments, expected):
    result = call(hostile[name], **arguments)
    assert not result.ok and expected in result.error and result.error.startswith(f"{name}")


def test_endless_printing_or_a_huge_result_cannot_fill_the_servers_memory(hostile):
    """A tool's prints are drained as they come and only their tail is kept; its result may take 32 MB on the
    way back, past that the tool is stopped. Measured with tracemalloc, whose peak counts every buffer."""
    import tracemalloc

    tracemalloc.start()
    try:
        chatty = call(hostile["chatter"], mb=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert chatty.ok and chatty.value == "said it all"
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB held while the tool printed 200 MB"
    huge = call(hostile["huge_result"], mb=40)
    assert not huge.ok and "more than 32 MB of result" in huge.error
    fine = call(hostile["huge_result"], mb=1)
    assert fine.ok


def test_no_secrets_from_the_environment(hostile, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-this-must-not-leak-1234567890")
    result = call(hostile["read_env"], name="OPENAI_API_KEY")
    assert result.ok and result.value == "(unset)"


def _public_address() -> str | None:
    """This machine's address on its network (not loopback), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: picks the route, sends nothing
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def _listen(host: str) -> tuple[socket.socket, int]:
    listener = socket.create_server((host, 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.sendall(b"hello")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_network_only_when_allowed_and_never_to_this_machines_loopback():
    """Without network a tool reaches nothing. With network (slirp4netns) it reaches other hosts, here this
    machine's own public address, but never 127.0.0.1 of the server (the playground, its database) nor the
    host's loopback through the NAT's gateway (10.0.2.2)."""
    public = _public_address()
    if public is None:
        pytest.skip("this machine has no non-loopback address to stand for another host")
    local, local_port = _listen("127.0.0.1")
    outside, outside_port = _listen(public)
    source = HOSTILE.read_text()
    closed = {t.name: t for t in tools_from_source(source, "h.py", TIGHT)}["connect_local"]
    opened = {t.name: t for t in tools_from_source(source, "h.py", Limits(network=True))}["connect_local"]
    try:
        assert not call(closed, port=outside_port, host=public).ok
        assert not call(closed, port=local_port).ok
        allowed = call(opened, port=outside_port, host=public)
        assert allowed.ok and allowed.value == "hello", allowed.error
        for host in ("127.0.0.1", "10.0.2.2"):
            refused = call(opened, port=local_port, host=host)
            assert not refused.ok and ("refused" in refused.error or "unreachable" in refused.error), refused
    finally:
        local.close()
        outside.close()


@pytest.mark.parametrize("source, expected", [
    ("def f(x):\n    return x\n", "has no docstring"),
    ("def f(x: int) -> int:\n    \"\"\"Doc.\"\"\"\n    return (\n", "syntax error in the tool file, line 3"),
    ("def weather(city: str) -> str:\n    \"\"\"Shadow.\"\"\"\n    return city\n", "already a built-in tool name"),
    ("X = 1\n", "no public function"),
    ("while True:\n    pass\n", "CPU-time limit"),  # even reading the file runs in the sandbox
])
def test_bad_files_are_refused_with_the_reason(db_url, source, expected):
    runner = make_runner(db_url)
    before = runner.tools.names()
    with pytest.raises(ToolFileError, match=expected):
        runner.add_custom_tools(source, "bad.py", cpu_seconds=1)
    assert runner.tools.names() == before


def test_agent_calls_hostile_tools_on_a_server_that_stays_up(tmp_path, cli):
    added = cli.json("tools", "add", str(HOSTILE), "--cpu", "2", "--timeout", "5")
    assert "loop_forever" in added["tools"]
    server = Server(cli.db_url, env=clean_env(PLAYGROUND_SECRET_PROBE="x"))
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            assert "crash" in {t["name"] for t in client.get("/api/tools").json()["tools"]}  # loaded at start
            sid = client.post("/api/sessions", json={"agent": "react", "tools": ["loop_forever", "crash"]}).json()
            for prompt, expected in [("call loop_forever with 1", "CPU-time limit"),
                                     ("call crash with 1", "ZeroDivisionError")]:
                turn = client.post(f"/api/sessions/{sid['session_id']}/turns", json={"message": prompt}).json()
                failed = [s for s in turn["steps"] if s["kind"] == "tool"]
                assert failed and failed[0]["status"] == "error" and expected in failed[0]["error"]
                assert client.get("/api/health").json()["status"] == "ok"
            made = client.post("/api/tools", json={"filename": "wc.py", "source":
                               "def word_count(text: str) -> int:\n    \"\"\"Count words.\"\"\"\n"
                               "    return len(text.split())\n"})
            assert made.status_code == 201 and made.json()["tools"] == ["word_count"]
            bad = client.post("/api/tools", json={"filename": "x.py", "source": "def (:"})
            assert bad.status_code == 422 and "syntax error" in bad.json()["detail"]
            assert client.delete("/api/tools/word_count").json() == {"removed": "word_count"}
            assert "word_count" not in {t["name"] for t in client.get("/api/tools").json()["tools"]}
            gone = client.delete("/api/tools/word_count")
            assert gone.status_code == 404 and "unknown tool 'word_count'" in gone.json()["detail"]
            builtin = client.delete("/api/tools/weather")
            assert builtin.status_code == 409 and "everyone has" in builtin.json()["detail"]
    finally:
        server.stop()


TWO_TOOLS = ('def word_count(text: str) -> int:\n    """Count words."""\n    return len(text.split())\n\n\n'
             'def char_count(text: str) -> int:\n    """Count characters."""\n    return len(text)\n')


def test_a_removed_tool_leaves_every_process_and_a_restart_and_comes_back_when_added_again(db_url, cli):
    """#22: custom tools could not be removed. One owner removes one of a file's tools; another process on the
    database drops it, a restart does not bring it back, a session that used it says so, adding the file again
    brings it back. Nobody removes another owner's tool or a built-in."""
    from tools.registry import UnknownToolError

    here, there = make_runner(db_url), make_runner(db_url)
    try:
        assert here.add_custom_tools(TWO_TOOLS, "counts.py", owner="user:ann") == ["word_count", "char_count"]
        session = here.new_session("react", "demo/offline", tools=["word_count"], owner="user:ann")
        assert there.removable_tools("user:ann") == ["char_count", "word_count"]
        with pytest.raises(UnknownToolError):
            there.remove_tool("word_count", "user:bob")  # not bob's
        with pytest.raises(ValueError, match="everyone has"):
            there.remove_tool("weather", "user:ann")
        there.remove_tool("word_count", "user:ann")

        here.sync_tools()
        assert "word_count" not in here.tools.names("user:ann") and "char_count" in here.tools.names("user:ann")
        turn = here.turn(session.id, message="call word_count with a b c", owner="user:ann")
        assert turn.status == "error" and "unknown tool 'word_count'" in turn.error
        restarted = make_runner(db_url)
        try:
            assert restarted.removable_tools("user:ann") == ["char_count"]
            restarted.add_custom_tools(TWO_TOOLS, "counts.py", owner="user:ann")  # again: back
        finally:
            restarted.close()
        again = make_runner(db_url)
        try:
            assert again.removable_tools("user:ann") == ["char_count", "word_count"]
        finally:
            again.close()
    finally:
        here.close()
        there.close()

    assert cli.json("tools", "remove", "char_count", "--owner", "user:ann") == {"removed": "char_count",
                                                                                  "owner": "user:ann"}
    refused = cli("tools", "remove", "calculator")
    assert refused.returncode == 2 and "part of the server" in refused.stderr
    unknown = cli("tools", "remove", "char_count", "--owner", "user:ann")
    assert unknown.returncode == 2 and "unknown tool 'char_count'" in unknown.stderr


def test_without_bubblewrap_python_tools_are_refused_with_how_to_enable_them(monkeypatch, tmp_path):
    """A host where the jail cannot run: one line saying why and how, never a silent weaker sandbox; the
    operator's explicit PLAYGROUND_UNSAFE_SANDBOX switch runs them in a plain child process instead."""
    from tools import jail

    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    jail.unavailable.cache_clear()
    try:
        with pytest.raises(jail.SandboxUnavailable, match="bubblewrap, which is not installed here"):
            tools_from_source(HOSTILE.read_text(), "h.py", TIGHT)
        jail.configure(unsafe=True)
        shout = {t.name: t for t in tools_from_source(HOSTILE.read_text(), "h.py", TIGHT)}["shout"]
        assert call(shout, text="hi").value == "HI"
    finally:
        jail.configure(unsafe=False)
        monkeypatch.undo()
        jail.unavailable.cache_clear()
    assert jail.unavailable() is None


def test_jails_started_at_once_all_run():
    """Several sandboxed calls at once (a class's students, parallel tool calls): bwrap's setup of each jail's
    loopback could fail when they started together ("bwrap: loopback: Failed RTM_NEWADDR", 6 of 30 calls here);
    a jail that failed before its tool started is started again."""
    source = HOSTILE.read_text()
    tools = [{t.name: t for t in tools_from_source(source, "h.py", limits)}["connect_local"]
             for limits in (TIGHT, Limits(network=True))]
    failures: list[str] = []

    def calls(tool):
        for _ in range(5):
            result = call(tool, port=9, host="127.0.0.1")  # refused either way: what matters is that it ran
            if "without a result" in str(result.error):
                failures.append(result.error)

    threads = [threading.Thread(target=calls, args=(tools[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
