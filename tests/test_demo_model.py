"""The offline demo model through the real LiteLLM path: sync, async and streaming, and its scenarios."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.llm import gateway
from tools import default_registry, run_tool

REG = default_registry()


def converse(text: str, tools: list[str]) -> tuple[str, list[tuple[str, dict]]]:
    schemas = [REG.get(n).openai for n in tools]
    messages = [{"role": "user", "content": text}]
    calls = []
    for _ in range(8):
        reply = gateway.complete("demo/offline", messages, schemas)
        messages.append(reply.message)
        if not reply.tool_calls:
            return reply.content, calls
        for call in reply.tool_calls:
            calls.append((call.name, call.arguments))
            result = run_tool(REG.get(call.name), call.arguments, tool_state={})
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result.content})
    raise AssertionError("no answer after 8 calls")


def test_async_and_streaming_go_through_litellm():
    litellm = gateway.litellm()  # imported and set up with our providers

    tools = [REG.get("weather").openai]
    messages = [{"role": "user", "content": "weather in Oslo"}]
    response = asyncio.run(litellm.acompletion(model="demo/offline", messages=messages, tools=tools))
    call = response.choices[0].message.tool_calls[0]
    assert call.function.name == "weather" and json.loads(call.function.arguments) == {"city": "Oslo"}

    chunks = list(litellm.completion(model="demo/offline", messages=[{"role": "user", "content": "hello"}], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Hello!") and len(chunks) > 3

    deltas: list[str] = []
    reply = gateway.complete("demo/offline", [{"role": "user", "content": "hello"}], on_delta=deltas.append)
    assert "".join(deltas) == reply.content and reply.usage.completion_tokens > 0


@pytest.mark.parametrize("text, tools, expected_calls, answer_has", [
    ("What is (17*23)+4?", ["calculator"], [("calculator", {"expression": "(17*23)+4"})], "395"),
    ("what's seventeen... no: 17 times 23 plus 4", ["calculator"], [("calculator", {"expression": "17 * 23 + 4"})], "395"),
    ("How's the weather in Paris?", ["weather"], [("weather", {"city": "Paris"})], "Paris"),
    ("is it raining in new york", ["weather"], [("weather", {"city": "New York"})], "New York"),
    ("Book a flight from Paris to Rome on 2099-05-01", ["book_flight"],
     [("book_flight", {"origin": "Paris", "destination": "Rome", "date": "2099-05-01"})], "Booked"),
    ("Save a note: buy milk", ["save_note"], [("save_note", {"text": "buy milk"})], "buy milk"),
    ("Convert 10 km to miles", ["convert_units"], [("convert_units", {"value": 10.0, "from_unit": "km", "to_unit": "miles"})], "6.2"),
    ("call date_add with date=2026-01-01, days=30", ["date_add"], [("date_add", {"date": "2026-01-01", "days": 30})], "2026-01-31"),
])
def test_scenarios(text, tools, expected_calls, answer_has):
    answer, calls = converse(text, tools)
    assert calls == expected_calls
    assert answer_has in answer


def test_missing_argument_unsupported_and_unknown():
    answer, calls = converse("What's the weather like?", ["weather"])
    assert calls == [("weather", {})] and "city" in answer
    answer, calls = converse("Book a flight from Paris to Rome", ["book_flight"])
    assert "date" not in calls[0][1] and "date" in answer
    answer, calls = converse("Order me a pizza", ["weather"])
    assert calls == [] and "can't" in answer
    answer, calls = converse("What's the weather in Rome?", ["calculator"])
    assert calls == [] and "weather" in answer and "can't" in answer
    answer, calls = converse("Write me a sonnet about autumn", ["calculator"])
    assert calls == [] and "offline demo model" in answer and "OPENAI_API_KEY" in answer


def test_every_design_declares_its_demo_prompts_and_each_has_a_handler():
    """A design asks the demo model for a structured judgement by `[task:NAME]` in a system prompt; a NAME with no
    handler falls back to the generic policy and the design silently does nothing useful offline. Each built-in
    design declares the tasks its module (and the shared gate and refine nodes it can use) sends."""
    import importlib
    import re

    from app import agents
    from app.llm.demo import design_tasks, tasks  # noqa: F401  (design_tasks registers its handlers)

    def sent(module: str) -> set[str]:
        source = importlib.import_module(module).__loader__.get_source(module)
        return set(re.findall(r"\[task:([\w-]+)\]", source))

    shared = sent("app.agents.gate")  # any design with the tool_gate setting
    for spec in (s for s in agents.AGENTS.values() if s.source == "built-in"):
        module = spec.build.__module__
        declared = set(spec.demo_tasks)
        assert sent(module) <= declared, (spec.name, sent(module) - declared)
        if "refine" in spec.settings:
            assert sent("app.agents.refine") <= declared, spec.name
        assert declared | shared <= set(tasks.TASKS), (spec.name, (declared | shared) - set(tasks.TASKS))


def _schema(name: str, description: str, **props) -> dict:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": {k: {"type": "string", "description": d} for k, d in props.items()},
        "required": list(props)}}}


def _call(messages: list[dict], tools: list[dict]) -> tuple[str, dict] | None:
    reply = gateway.complete("demo/offline", messages, tools)
    return (reply.tool_calls[0].name, reply.tool_calls[0].arguments) if reply.tool_calls else None


def test_on_tools_it_has_no_script_for_it_reads_each_argument_as_its_kind():
    """#23: a benchmark item's mocked tools. "departure city" is a place, not a day; from X to Y is a route; a
    unit, a language and a phone number are read as such; a quoted phrase is a message, never a phone number."""
    trips = _schema("trips_for_rail", "Search trips between two stations on a date.",
                    origin="departure city", destination="arrival city", date="travel date, YYYY-MM-DD")
    assert _call([{"role": "user", "content": "Are there trips from Ghent to Bruges?"}], [trips]) == (
        "trips_for_rail", {"origin": "Ghent", "destination": "Bruges"})
    units = _schema("convert_measure", "Convert a measure between units.", from_unit="unit to convert from",
                    to_unit="unit to convert into")
    assert _call([{"role": "user", "content": "Convert 12 to miles"}], [units]) == (
        "convert_measure", {"to_unit": "miles"})
    sms = _schema("send_sms_for_texter", "Send an SMS text message.", phone_number="recipient phone number",
                  message="the text")
    call = _call([{"role": "user", "content": "Send an SMS 'on my way' to Sam"}], [sms])
    assert call == ("send_sms_for_texter", {"message": "on my way"})


def test_an_answer_to_a_question_about_an_argument_replaces_what_the_request_said():
    """An agent asked because the request's value was wrong or unreadable; the answer, read as the argument's
    kind, is what the next call uses (it kept the request's impossible date, and asked again)."""
    flights = [REG.get("search_flights").openai]
    asked = [{"role": "user", "content": "Find flights from Lisbon to Rome on 2027-02-30"},
             {"role": "assistant", "content": "2027-02-30 does not exist. Which date did you mean?"},
             {"role": "user", "content": "the 28th of February 2027"}]
    assert _call(asked, flights) == ("search_flights", {"origin": "Lisbon", "destination": "Rome", "date": "2027-02-28"})
    money = _schema("convert_currency_for_bank", "Convert money between currencies.", amount="amount",
                    from_currency="ISO currency code", to_currency="ISO currency code")
    asked = [{"role": "user", "content": "How much is 100 euros worth?"},
             {"role": "assistant", "content": "Which to currency should I use for convert_currency_for_bank?"},
             {"role": "user", "content": "US dollars"}]
    assert _call(asked, [money])[1]["to_currency"] == "USD"
