"""The chat driven through gradio_client on a real server: a clarification asked and answered."""

from __future__ import annotations

import re

from gradio_client import Client


def _text(message) -> str:
    content = message["content"]
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def _title(message: dict) -> str:
    """A step's title as it reads on screen: it is Markdown, with untrusted text escaped."""
    import re

    return re.sub(r"\\(.)", r"\1", (message.get("metadata") or {}).get("title", ""))


def test_chat_with_a_clarification(server):
    client = Client(server.url + "/", verbose=False)
    out = client.predict("What's the weather like?", "awn", "demo/offline", "(custom)", ["weather"], [],
                         api_name="/chat")
    history = out[2]
    titles = [_title(m) for m in history]
    assert any("model" in t for t in titles) and any("check_tool_call" in t for t in titles)
    assert "Which city" in _text(history[-1])
    assert out[4]["value"].startswith("❓ Which city")  # the question panel is shown

    out = client.predict("Paris", "awn", "demo/offline", "(custom)", ["weather"], history, api_name="/chat")
    history = out[2]
    assert any("weather(city='Paris')" in _title(m) for m in history)
    assert "In Paris it is" in _text(history[-1])


def test_agent_settings_from_the_chat_panel(server):
    """The settings panel's tool-use gate and refinement reach the session."""
    client = Client(server.url + "/", verbose=False)
    out = client.predict("hi", "react", "demo/offline", "(custom)", ["calculator"], [], True, 0, "",
                         api_name="/chat")
    titles = [_title(m) for m in out[2]]
    assert any("answer directly" in t for t in titles) and not any("calculator(" in t for t in titles)

    out = client.predict("call weather with town=Paris, units=Metric", "react", "demo/offline", "(custom)",
                         ["weather"], [], False, 2, "", api_name="/chat")
    titles = [_title(m) for m in out[2]]
    assert any("refine weather" in t for t in titles) and "In Paris it is" in _text(out[2][-1])

    out = client.predict("hi", "dfsdt", "demo/offline", "(custom)", ["weather"], [], False, 0, "{not json",
                         api_name="/chat")
    errors = [o for o in out if isinstance(o, str) and "not valid JSON" in o]
    assert errors and out[0] == "hi"  # the error is shown and the message is kept

    out = client.predict("hi", "awn", "demo/offline", "(custom)", ["weather"], [], False, 0,
                         '{"strictness": "nope"}', api_name="/chat")
    shown = [re.sub(r"\\(.)", r"\1", o) for o in out if isinstance(o, str) and o.startswith("⚠️")]
    errors = [o for o in shown if "setting 'strictness' of awn is 'nope': it must be one of 'guesses'" in o]
    assert errors and out[0] == "hi"  # refused with the field and what it allows, the message kept


def test_each_tabs_results_show_in_that_tab_and_every_tab_opens_by_url(server):
    """A session import's result showed in the Tools tab (one name bound to two components), and `?tab=`
    knew five of the seven tabs."""
    import httpx

    from app.ui.app import TAB_IDS

    config = httpx.get(server.url + "/config").json()
    components = {c["id"]: c for c in config["components"]}
    by_api = {d.get("api_name"): d for d in config["dependencies"]}
    shown = [components[i]["props"].get("elem_id") for i in by_api["import_session"]["outputs"]]
    assert shown[0] == "session-import-result"
    for name in ("import_openapi", "import_mcp", "add_tools"):
        assert components[by_api[name]["outputs"][0]]["props"].get("elem_id") != "session-import-result"
    tabs = {c["props"].get("id") for c in components.values() if c.get("type") == "tabitem"}
    assert tabs and tabs == set(TAB_IDS), tabs
