"""MCP servers as tool sources, through the official SDK, against a real MCP server process (stdio and
streamable HTTP): listing, calls keeping the server's state, errors, hangs, a dead server, secrets, and a
session on a live playground server calling an MCP tool."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tools.execute import run_tool
from tools.mcp_client import MCPError, ServerConfig, call_tool, client, list_tools

from conftest import Server, clean_env, descendants, free_port

SERVER = Path(__file__).parent / "data" / "mcp_server.py"
COMMAND = f"{sys.executable} {SERVER}"


def test_a_stdio_server_imports_and_its_tools_run_through_mcp(runner):
    names = runner.import_mcp(COMMAND, prefix="inv_")
    assert names == ["inv_stock_level", "inv_restock", "inv_server_env", "inv_slow", "inv_order_shirt"]
    level = runner.tools.get("inv_stock_level")
    assert level.parameters["required"] == ["item"] and level.description.startswith("How many of an item")
    assert level.source == f"mcp:{COMMAND}"
    assert run_tool(level, {"item": "apple"}).value == 3
    assert run_tool(runner.tools.get("inv_restock"), {"item": "apple", "count": 4}).value == {"item": "apple",
                                                                                              "level": 7}
    assert run_tool(level, {"item": "apple"}).value == 7  # one server process, its state kept between calls
    failed = run_tool(level, {"item": "kiwi"})
    assert not failed.ok and "failed on the MCP server" in failed.error and "unknown item 'kiwi'" in failed.error


def test_a_hung_or_dead_server_gives_an_error_and_the_next_call_reconnects(runner, tmp_path):
    config = ServerConfig.parse(COMMAND)
    with pytest.raises(TimeoutError, match="did not answer within 1 s"):
        call_tool(config, "slow", {"seconds": 30}, timeout=1)
    assert call_tool(config, "stock_level", {"item": "pear"}, timeout=30) == 0  # a fresh connection
    link = client().links[config]
    for pid in descendants(os.getpid()):  # this test's own server, not one of a test beside it (pytest -n)
        if str(SERVER) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            os.kill(pid, 9)
    time.sleep(0.5)
    with pytest.raises(Exception):  # the server died under the open connection: this call fails, clearly
        call_tool(config, "stock_level", {"item": "pear"}, timeout=10)
    assert client().links.get(config) is not link
    assert call_tool(config, "stock_level", {"item": "pear"}, timeout=30) == 0


def test_secrets_reach_a_stdio_server_only_when_named(monkeypatch, allow_credentials):
    allow_credentials("INVENTORY_TOKEN", "MISSING_VAR")
    monkeypatch.setenv("INVENTORY_TOKEN", "tok-4c1d2e9a77")
    monkeypatch.setenv("SERVER_ONLY_SECRET", "zz-do-not-pass")
    plain = ServerConfig.parse(COMMAND)
    assert call_tool(plain, "server_env", {"name": "SERVER_ONLY_SECRET"}) == ""
    named = ServerConfig.parse(COMMAND, env=["INVENTORY_TOKEN"])
    list_tools(named)
    assert call_tool(named, "server_env", {"name": "INVENTORY_TOKEN"}) == "tok-4c1d2e9a77"
    assert call_tool(named, "server_env", {"name": "SERVER_ONLY_SECRET"}) == ""
    with pytest.raises(MCPError, match="the environment variable MISSING_VAR is not set"):
        list_tools(ServerConfig.parse(COMMAND, env=["MISSING_VAR"]), timeout=10)


@pytest.mark.parametrize("target, expected", [
    ("no-such-command-here", "no-such-command-here: command not found"),
    (f"{sys.executable} -c 'print(1)'", "the server closed the connection"),
    ("", "give an MCP server command or URL"),
    ("ftp://example.org/mcp", "command not found"),
])
def test_bad_servers_are_refused_with_the_reason(runner, target, expected):
    before = runner.tools.names()
    with pytest.raises(MCPError, match=expected):
        runner.import_mcp(target, timeout=20)
    assert runner.tools.names() == before


def _http_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SERVER), "--http", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    return proc, url


def test_a_streamable_http_server_imports_and_runs(runner):
    proc, url = _http_server()
    try:
        names = runner.import_mcp(url, prefix="web_")
        assert "web_restock" in names
        assert run_tool(runner.tools.get("web_restock"), {"item": "fig", "count": 2}).value == {"item": "fig",
                                                                                               "level": 2}
        assert runner.tools.get("web_restock").source == f"mcp:{url}"
    finally:
        client().shutdown()  # close the session while its server is still there to hear it
        proc.terminate()
        proc.wait(10)


def test_imported_on_the_cli_and_called_in_a_session_on_a_live_server(cli, db_url):
    made = cli.json("tools", "import-mcp", COMMAND)
    assert made["tools"] == ["stock_level", "restock", "server_env", "slow", "order_shirt"]
    server = Server(db_url)  # loads the stored import without asking the MCP server anything
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            sid = http.post("/api/sessions", json={"agent": "react", "tools": ["stock_level"]}).json()["session_id"]
            turn = http.post(f"/api/sessions/{sid}/turns", json={"message": "call stock_level with apple"}).json()
            tool_steps = [s for s in turn["steps"] if s["kind"] == "tool"]
            assert tool_steps[0]["status"] == "ok" and tool_steps[0]["output"] == 3
            assert "3" in turn["final_answer"]
            more = http.post("/api/tools/mcp", json={"target": COMMAND, "prefix": "b_"})
            assert more.status_code == 201 and "b_slow" in more.json()["tools"]
            bad = http.post("/api/tools/mcp", json={"target": "no-such-command-here"})
            assert bad.status_code == 422 and "command not found" in bad.json()["detail"]
    finally:
        server.stop()


def test_commands_are_refused_from_the_browser_of_a_public_server(db_url):
    public = Server(db_url, "--host", "0.0.0.0", env=clean_env())
    try:
        refused = httpx.post(public.url + "/api/tools/mcp", json={"target": COMMAND}, timeout=60)
        assert refused.status_code == 422 and "does not start MCP servers by command" in refused.json()["detail"]
    finally:
        public.stop()


def test_connect_from_the_ui(server):
    from conftest import ui_client

    ui = ui_client(server.url)
    done = ui.predict(COMMAND, "", "ui_", api_name="/import_mcp")
    assert "`ui_stock_level`" in done[0]
    refused = ui.predict("no-such-command-here", "", "", api_name="/import_mcp")
    assert refused[0].startswith("⚠️ no-such-command-here: command not found")


# -- elicitation: the MCP server asks during a call (#25) ---------------------------------------------------


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_a_servers_question_during_a_call_is_a_clarification_answered_across_a_restart(db_url, transport):
    """The server's elicitation/create becomes a clarification (kind elicitation, detected by mcp, the schema's
    enum as options); it survives a restart of the playground while pending; the answer reaches the server and
    the same call's result comes back. Declining ends the call with a clear tool error."""
    from conftest import make_runner

    proc, target = (None, COMMAND) if transport == "stdio" else _http_server()
    runner = make_runner(db_url)
    try:
        runner.import_mcp(target, prefix="shop_")
        session = runner.new_session("react", "demo/offline", tools=["shop_order_shirt"])
        asked = runner.turn(session.id, message="call shop_order_shirt with red")
        assert asked.status == "needs_clarification", asked.error
        question = asked.clarification
        assert (question.kind, question.detected_by, question.field) == ("elicitation", "mcp", "size")
        assert question.question == "Which size should the red shirt be?"
        assert question.options == ["small", "medium", "large", "Decline", "Cancel"]
        runner.close()
        client().shutdown()  # the playground restarts: its MCP connections go too

        runner = make_runner(db_url)
        assert runner.pending_question(session.id).kind == "elicitation"
        done = runner.turn(session.id, answer="large")
        assert done.status == "done" and "ordered a large red shirt" in done.final_answer
        trace = runner.trace(session.id)
        assert trace["metrics"]["clarification"]["by_kind"] == {"elicitation": 1}
        [call] = [s for s in trace["steps"] if s["kind"] == "tool"]
        assert call["status"] == "ok" and call["output"] == "ordered a large red shirt"

        again = runner.new_session("react", "demo/offline", tools=["shop_order_shirt"])
        runner.turn(again.id, message="call shop_order_shirt with blue")
        declined = runner.turn(again.id, answer="Decline")
        [call] = [s for s in runner.trace(again.id)["steps"] if s["kind"] == "tool"]
        assert call["status"] == "error" and "declined the server's request for input" in call["error"]
        assert declined.status == "done"
    finally:
        runner.close()
        client().shutdown()
        if proc is not None:
            proc.terminate()
            proc.wait(10)
