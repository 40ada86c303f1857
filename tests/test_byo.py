"""Bring your own graph: the example designs through `playground run --graph` and in a served UI."""

from __future__ import annotations

from gradio_client import Client

from tests.conftest import Server

CITED = "examples.byo_graph:cited_agent"
PLAIN = "examples.byo_graph:plain_agent"


def test_run_with_a_graph_built_on_the_helpers(cli):
    out = cli.json("run", "--graph", CITED, "--tools", "weather", "Weather in Paris?")
    assert out["status"] == "done" and "In Paris it is" in out["final_answer"]
    assert 'Sources: [1] weather({"city": "Paris"})' in out["final_answer"]
    assert [s["kind"] for s in out["steps"]] == ["model", "tool", "model", "node"]
    assert out["steps"][1]["meta"]["provenance"]["city"]["source"] == "user"
    assert out["usage"]["model_calls"] == 2


def test_run_with_a_plain_compiled_langgraph_graph(cli):
    out = cli.json("run", "--graph", PLAIN, "--tools", "weather", "Weather in Rome?")
    assert out["status"] == "done" and "In Rome it is" in out["final_answer"]
    assert [(s["kind"], s["node"]) for s in out["steps"]] == [("node", "agent"), ("node", "act"), ("node", "agent")]
    assert out["steps"][1]["output"]["messages"][0]["role"] == "tool"  # LangChain messages stored as dicts


def test_a_broken_graph_spec_is_one_line(cli):
    for spec, expected in [("nomodule", "expected package.module:factory"),
                           ("examples.nope:f", "cannot import 'examples.nope'"),
                           ("examples.byo_graph:missing", "has no attribute 'missing'"),
                           ("examples.byo_graph:SYSTEM", "not a callable factory")]:
        proc = cli("run", "--graph", spec, "hi")
        assert proc.returncode == 2 and expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_serve_with_a_graph_offers_it_in_the_ui(db_url):
    server = Server(db_url, "--graph", CITED)
    try:
        client = Client(server.url + "/", verbose=False)
        out = client.predict("Weather in Tokyo?", "cited", "demo/offline", "(custom)", ["weather"], [],
                             api_name="/chat")
        history = out[2]
        last = history[-1]["content"]
        text = " ".join(p.get("text", "") for p in last) if isinstance(last, list) else str(last)
        assert "In Tokyo it is" in text and "Sources: [1] weather" in text
        titles = [(m.get("metadata") or {}).get("title", "") for m in history]
        assert any("weather\\(city='Tokyo'\\)" in t for t in titles)  # Markdown, escaped: it shows as typed
    finally:
        server.stop()
