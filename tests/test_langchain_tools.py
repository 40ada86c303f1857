"""LangChain tools join the registry: schemas from their args schemas, calls through `invoke`, errors as error
results; from the CLI (--tool-module) and through a session on a live server (PLAYGROUND_TOOL_MODULES)."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.tools import tool

from tools.execute import run_tool
from tools.langchain import ToolModuleError, from_langchain, load_module

from conftest import Server, clean_env

SPEC = "examples.langchain_tools:TOOLS"


def test_langchain_tools_become_tools():
    tools = {t.name: t for t in load_module(SPEC)}
    assert set(tools) == {"word_count", "shout", "always_refuses"}
    assert tools["word_count"].parameters["required"] == ["text"]
    shout = tools["shout"].parameters["properties"]
    assert shout["times"]["maximum"] == 5 and shout["text"]["description"] == "what to shout"
    assert run_tool(tools["word_count"], {"text": "one two three"}).value == 3
    assert run_tool(tools["shout"], {"text": "hi", "times": 2}).value == "HI! HI!"
    refused = run_tool(tools["always_refuses"], {"reason": "no"})
    assert not refused.ok and "refused: no" in refused.error
    too_many = run_tool(tools["shout"], {"text": "hi", "times": 9})  # the tool's own pydantic check
    assert not too_many.ok and "less than or equal to 5" in too_many.error
    assert tools["shout"].source == f"langchain:{SPEC}"


def test_a_tool_made_in_place():
    @tool
    def add(a: int, b: int) -> int:
        """Add two whole numbers."""
        return a + b

    made = from_langchain(add)
    assert made.description == "Add two whole numbers." and run_tool(made, {"a": 2, "b": 3}).value == 5


def test_a_prefix_keeps_two_modules_tools_of_the_same_name_apart(cli):
    """#22: `--tool-module` had no prefix, so a module with a tool named like another source's could not load."""
    tools = {t.name: t for t in load_module("lc_=" + SPEC)}
    assert set(tools) == {"lc_word_count", "lc_shout", "lc_always_refuses"}
    assert run_tool(tools["lc_word_count"], {"text": "one two"}).value == 2
    assert tools["lc_shout"].function["name"] == "lc_shout"

    both = cli.json("tools", "list", "--tool-module", SPEC, "--tool-module", "b_=" + SPEC)
    assert {"word_count", "b_word_count"} <= {t["name"] for t in both["tools"]}
    run = cli.json("run", "--tool-module", SPEC, "--tool-module", "b_=" + SPEC, "--tools", "b_word_count",
                   "call b_word_count with a b c")
    assert [s["output"] for s in run["steps"] if s["kind"] == "tool"] == [3]


@pytest.mark.parametrize("spec, expected", [
    ("examples.langchain_tools", "expected package.module:attribute"),
    ("bad prefix=examples.langchain_tools:TOOLS", "a prefix is letters, digits"),
    ("examples.nope:TOOLS", "cannot import 'examples.nope'"),
    ("examples.langchain_tools:NOPE", "has no attribute 'NOPE'"),
    ("examples.langchain_tools:BaseModel", "not a LangChain tool"),
])
def test_bad_tool_modules_say_why(spec, expected):
    with pytest.raises(ToolModuleError, match=expected):
        load_module(spec)


def test_from_the_cli_and_on_a_live_server(cli, db_url):
    listed = cli.json("tools", "list", "--tool-module", SPEC)
    assert {"word_count", "shout"} <= {t["name"] for t in listed["tools"]}
    run = cli.json("run", "--tool-module", SPEC, "--tools", "word_count", "call word_count with a b c d")
    assert [s["output"] for s in run["steps"] if s["kind"] == "tool"] == [4]
    bad = cli("run", "--tool-module", "examples.langchain_tools:NOPE", "--tools", "word_count", "hi")
    assert bad.returncode == 2 and "has no attribute 'NOPE'" in bad.stderr
    server = Server(db_url, env=clean_env(PLAYGROUND_TOOL_MODULES=SPEC))
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            sid = http.post("/api/sessions", json={"agent": "react", "tools": ["shout"]}).json()["session_id"]
            turn = http.post(f"/api/sessions/{sid}/turns", json={"message": "call shout with hello"}).json()
            assert [s["output"] for s in turn["steps"] if s["kind"] == "tool"] == ["HELLO!"]
    finally:
        server.stop()
