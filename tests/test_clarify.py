"""The model-free checker and grounding: flawed calls are flagged, repaired ones are left alone."""

from __future__ import annotations

from datetime import date

import pytest

from app.clarify import check_tool_call
from app.clarify.grounding import grounded_in
from app.clarify.provenance import provenance

TODAY = date(2026, 11, 22)
WEATHER = {"name": "weather", "description": "Current weather for a city.", "parameters": {
    "type": "object", "properties": {
        "city": {"type": "string", "description": "City name, for example Paris or New York."},
        "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"}},
    "required": ["city"]}}
BOOK = {"name": "book_flight", "description": "Book a flight.", "parameters": {
    "type": "object", "properties": {
        "origin": {"type": "string"}, "destination": {"type": "string"},
        "date": {"type": "string", "description": "Day of travel, YYYY-MM-DD."},
        "passengers": {"type": "integer", "minimum": 1, "maximum": 9, "default": 1}},
    "required": ["origin", "destination", "date"]}}


def user(text):
    return {"role": "user", "content": text}


def kinds(requests):
    return [(r["kind"], r["field"], r["detected_by"]) for r in requests]


def test_missing_required_argument():
    found = check_tool_call(WEATHER, {}, [user("What's the weather like?")], today=TODAY)
    assert kinds(found) == [("missing_argument", "city", "schema")]
    assert found[0]["options"] == ["Paris", "New York"] and "city" in found[0]["question"]


def test_a_guessed_value_is_suspected_and_a_given_one_is_not():
    guessed = check_tool_call(WEATHER, {"city": "London"}, [user("What's the weather like?")], today=TODAY)
    assert kinds(guessed) == [("missing_argument", "city", "grounding")]
    assert check_tool_call(WEATHER, {"city": "London"}, [user("weather in LONDON please")], today=TODAY) == []


def test_a_clarification_answer_or_tool_result_grounds_a_value():
    conversation = [user("What's the weather like?"), {"role": "assistant", "content": "Which city?"}, user("Paris")]
    assert check_tool_call(WEATHER, {"city": "Paris"}, conversation, today=TODAY) == []
    from_tool = [user("book the first flight you find"), {"role": "tool", "content": '{"flight_id": "SK250"}'}]
    assert grounded_in("SK250", from_tool[1]["content"])


@pytest.mark.parametrize("value, kind", [("2027-02-31", "invalid_value"), ("2020-01-10", "invalid_value")])
def test_impossible_and_past_dates_for_a_booking(value, kind):
    found = check_tool_call(BOOK, {"origin": "Paris", "destination": "Rome", "date": value},
                            [user(f"book a flight from Paris to Rome on {value}")], today=TODAY)
    assert kinds(found) == [(kind, "date", "schema")]


def test_wrong_type_enum_and_range():
    found = check_tool_call(WEATHER, {"city": "Paris", "units": "kelvin"}, [user("weather in Paris in kelvin")],
                            today=TODAY)
    assert kinds(found) == [("invalid_value", "units", "schema")] and found[0]["options"] == ["metric", "imperial"]
    found = check_tool_call(BOOK, {"origin": "Paris", "destination": "Rome", "date": "2026-12-01", "passengers": 12},
                            [user("Paris to Rome on 2026-12-01 for 12 people")], today=TODAY)
    assert kinds(found) == [("invalid_value", "passengers", "schema")]
    found = check_tool_call(BOOK, {"origin": "Paris", "destination": "Rome", "date": "2026-12-01", "passengers": "two"},
                            [user("Paris to Rome on 2026-12-01 for two")], today=TODAY)
    assert kinds(found) == [("invalid_value", "passengers", "schema")]


@pytest.mark.parametrize("said, value", [
    ("fly on Dec 1", "2026-12-01"), ("fly on 1 December", "2026-12-01"), ("fly on 12/01", "2026-12-01"),
    ("fly on December 1st, 2026", "2026-12-01"), ("fly tomorrow", "2026-11-23"), ("on 2026-12-01", "2026-12-01"),
])
def test_dates_in_equivalent_forms_are_grounded(said, value):
    found = check_tool_call(BOOK, {"origin": "Paris", "destination": "Rome", "date": value},
                            [user(f"Paris to Rome, {said}")], today=TODAY)
    assert found == []


@pytest.mark.parametrize("said, value", [("for two people", 2), ("for 2 people", "2"), ("3 travellers", 3.0)])
def test_numbers_in_equivalent_forms_are_grounded(said, value):
    assert grounded_in(value, said)


def test_case_and_whitespace_do_not_matter():
    assert grounded_in("new   york", "Weather in New York?")
    assert grounded_in("New York", "weather in new york")
    assert not grounded_in("New Delhi", "weather in new york")


def test_schema_defaults_are_not_suspected():
    assert check_tool_call(WEATHER, {"city": "Oslo", "units": "metric"}, [user("Oslo weather")], today=TODAY) == []


def test_wrapped_openai_tool_schema_is_accepted():
    assert check_tool_call({"type": "function", "function": WEATHER}, {}, [user("weather?")], today=TODAY)


def test_provenance_names_each_source():
    conversation = [user("Book a flight from Paris on Dec 1"), {"role": "assistant", "content": "Where to?"},
                    user("Rome")]
    found = provenance({"origin": "Paris", "destination": "Rome", "date": "2026-12-01", "passengers": 1,
                        "seat": "12A"}, BOOK, conversation, answers=[2])
    assert found["origin"]["source"] == "user"
    assert found["destination"]["source"] == "clarification"
    assert found["passengers"]["source"] == "default"
    assert found["seat"]["source"] == "guess"
