"""The tool-set linter: each warning names the tool and the field; from the CLI and from the served UI."""

from __future__ import annotations


from tools import default_registry
from tools.lint import lint
from tools.model import Tool


def _noop(**_kw):
    return None


def test_each_kind_of_warning_names_tool_and_field():
    send = Tool("send", "Send a message to someone.", {"type": "object", "required": ["to"], "properties": {
        "to": {"type": "string"},
        "priority": {"type": "string", "description": "one of low, normal, high"},
        "deliver_on": {"type": "string", "description": "When to deliver"},
        "channel": {"type": "string", "enum": ["sms", "mail"], "description": "sms or mail"},
        "city": {"type": "string", "description": "A city, for example Paris or Rome"},
    }}, _noop)
    twin = Tool("send_message", "Send a message to someone now.", {"type": "object", "properties": {}}, _noop)
    terse = Tool("go", "Does it.", {"type": "object", "properties": {}}, _noop)
    found = {(w.tool, w.field, w.code) for w in lint([send, twin, terse])}
    assert found == {
        ("send", "parameters.to", "missing-description"),
        ("send", "parameters.priority", "should-be-enum"),
        ("send", "parameters.deliver_on", "should-be-date"),
        ("send", "description", "overlap"),
        ("go", "description", "short-description"),
    }  # an enum, a described parameter and examples ("for example Paris or Rome") are not flagged


def test_builtin_tools_lint():
    found = {(w.tool, w.field, w.code) for w in lint(list(default_registry().tools.values()))}
    assert ("search_flights", "parameters.date", "should-be-date") in found
    assert not any(code == "should-be-enum" for _, _, code in found)  # "Paris or New York" is an example


def test_cli_lint(cli):
    out = cli.json("tools", "lint", "--toolset", "travel")
    assert out["count"] == len(out["warnings"]) > 0
    assert all(w["tool"] in out["tools"] and w["field"] and w["message"] for w in out["warnings"])


def test_lint_and_add_tools_from_the_ui(server):
    from conftest import ui_client

    client = ui_client(server.url)
    text = client.predict(["weather", "search_flights"], api_name="/lint_tools")
    assert "should-be-date" in text and "`search_flights`" in text and "`parameters.date`" in text
    result = client.predict("def word_total(text: str) -> int:\n    \"\"\"Count the words in a text.\"\"\"\n"
                            "    return len(text.split())\n", "wc.py", False, api_name="/add_tools")
    assert "word_total" in result[0]
    bad = client.predict("def f(:\n", "bad.py", False, api_name="/add_tools")
    assert "syntax error" in bad[0]
