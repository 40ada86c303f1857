"""Tool retrieval: BM25 ranks tools for a request; past the threshold a turn offers only the top k, the trace
shows what was offered, a resumed run keeps its offer, and an embedding model (through the local
OpenAI-compatible server) or its failure (BM25 instead, said in the step) works the same way."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.runner import Runner
from storage import open_database
from tools.model import Tool
from tools.registry import default_registry
from tools.retrieval import ToolIndex, index_for, terms


def _filler(n: int) -> list[Tool]:
    topics = ["invoice", "playlist", "thermostat", "recipe", "parcel", "ticket", "lead", "workout"]
    return [Tool(name=f"{topics[i % 8]}_{i}", description=f"Manage the {topics[i % 8]} records, number {i}.",
                 parameters={"type": "object", "properties": {}}, handler=lambda: None) for i in range(n)]


def test_bm25_ranks_the_tool_that_fits_first():
    tools = list(default_registry().tools.values()) + _filler(40)
    index = ToolIndex(tools)
    assert index.rank("What's the weather like in Lisbon?", 1)[0].name == "weather"
    assert index.rank("find me flights from Paris to Rome", 1)[0].name == "search_flights"
    assert index.rank("cancel my booking", 1)[0].name == "cancel_booking"
    assert all(r.name.startswith("thermostat_") and r.score > 0 for r in index.rank("thermostat", 5))
    assert terms("Bookings booked BOOKING") == ["book", "book", "book"]
    with pytest.raises(ValueError, match="unknown tool retrieval method 'tfidf'"):
        index_for(tools, "tfidf")


@pytest.fixture
def runner(db_url):
    registry = default_registry().copy()
    for t in _filler(30):
        registry.register(t)
    return Runner(open_database(db_url), Settings(database_url=db_url, retrieval_threshold=20, retrieval_k=4),
                  tools=registry)


def test_past_the_threshold_a_turn_is_offered_the_top_k(runner):
    session = runner.new_session("react", "demo/offline", tools=runner.tools.names())
    result = runner.turn(session.id, "What's the weather in Lisbon?")
    retrieval, model = result.steps[0], result.steps[1]
    assert retrieval["kind"] == "retrieval" and retrieval["input"]["catalog"] == len(runner.tools.names())
    assert retrieval["output"]["offered"][0] == "weather" and len(retrieval["output"]["offered"]) == 4
    assert sorted(model["input"]["tools"]) == sorted(retrieval["output"]["offered"])  # what the model saw
    assert "Lisbon" in result.final_answer
    trace = runner.trace(session.id)
    assert trace["steps"][0]["kind"] == "retrieval" and trace["steps"][0]["output"]["offered"][0] == "weather"
    few = runner.new_session("react", "demo/offline", tools=["weather", "calculator"])
    assert all(s["kind"] != "retrieval" for s in runner.turn(few.id, "weather in Rome?").steps)


def test_a_resumed_run_keeps_its_offer(runner):
    session = runner.new_session("awn", "demo/offline", tools=runner.tools.names(), settings={"retrieval_k": 3})
    asked = runner.turn(session.id, "What's the weather like?")
    assert asked.status == "needs_clarification"
    offered = asked.steps[0]["output"]["offered"]
    assert "weather" in offered and len(offered) == 3
    done = runner.turn(session.id, answer="Paris")
    assert done.status == "done" and "Paris" in done.final_answer
    resumed = [s for s in done.steps if s["kind"] == "model"]
    assert resumed and all(sorted(s["input"]["tools"]) == sorted(offered) for s in resumed if s["input"]["tools"])
    assert [s["kind"] for s in done.steps].count("retrieval") == 1  # the turn's one retrieval, not a second


def test_an_embedding_model_ranks_through_the_gateway_and_a_failure_falls_back(runner, fake_openai, monkeypatch):
    session = runner.new_session("react", "demo/offline", tools=runner.tools.names(),
                                 settings={"retrieval": "embedding:openai/local-embedder"})
    result = runner.turn(session.id, "weather in Lisbon please")
    retrieval = result.steps[0]
    assert retrieval["input"]["method"] == "embedding:openai/local-embedder"
    assert "weather" in retrieval["output"]["offered"] and fake_openai.requests >= 2
    served = fake_openai.requests
    runner.turn(session.id, "and the weather in Rome?")
    assert fake_openai.requests == served + 1  # the tools were embedded once; only the query now
    monkeypatch.delenv("PLAYGROUND_OPENAI_BASE_URL")
    broken = runner.new_session("react", "demo/offline", tools=runner.tools.names(),
                                settings={"retrieval": "embedding:openai/missing"})
    fell_back = runner.turn(broken.id, "weather in Lisbon").steps[0]
    assert fell_back["input"]["method"] == "bm25" and "used bm25 instead" in fell_back["meta"]["fallback"]
    assert fell_back["output"]["offered"][0] == "weather"
