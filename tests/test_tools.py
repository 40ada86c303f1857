"""The tool model and executor: schemas from type hints, validation, and failures as results."""

from __future__ import annotations

import threading
import time
from typing import Literal

import pytest

from tools import ToolContext, ToolDefinitionError, default_registry, run_tool, tool
from tools.builtin.calculator import evaluate


def test_schema_from_type_hints_and_docstring():
    @tool(side_effects=True)
    def book(city: str, nights: int, ctx: ToolContext, kind: Literal["hotel", "hostel"] = "hotel",
             note: str | None = None) -> dict:
        """Book a room.

        Args:
            city: Where to stay.
            nights: How many nights.
        """
        return {}

    assert book.description == "Book a room."
    assert book.side_effects
    params = book.parameters
    assert params["required"] == ["city", "nights"]
    assert params["properties"]["city"] == {"type": "string", "description": "Where to stay."}
    assert params["properties"]["nights"]["type"] == "integer"
    assert params["properties"]["kind"] == {"type": "string", "enum": ["hotel", "hostel"], "default": "hotel"}
    assert "ctx" not in params["properties"]


def test_untyped_parameter_is_a_clear_definition_error():
    def bad(x):
        return x

    with pytest.raises(ToolDefinitionError, match="'x' needs a type hint"):
        tool(bad)


def test_validation_names_missing_wrong_and_unexpected_arguments():
    weather = default_registry().get("weather")
    result = run_tool(weather, {"units": "kelvin", "town": "Paris"})
    assert not result.ok
    assert "missing required argument 'city'" in result.error
    assert "'units' must be one of" in result.error
    assert "unexpected argument 'town'" in result.error


def test_numbers_sent_as_strings_are_forgiven():
    convert = default_registry().get("convert_units")
    result = run_tool(convert, {"value": "10", "from_unit": "km", "to_unit": "mi"})
    assert result.ok and result.value["result"] == pytest.approx(6.213712)


def test_a_hanging_tool_times_out_and_returns_an_error():
    @tool(timeout=0.2)
    def sleepy(seconds: float) -> str:
        """Sleep."""
        time.sleep(seconds)
        return "woke"

    result = run_tool(sleepy, {"seconds": 30})
    assert not result.ok and "did not finish within 0.2 s" in result.error


def test_a_hung_tool_keeps_its_thread_and_later_calls_run_on_others():
    release = threading.Event()

    @tool(timeout=0.2)
    def stuck() -> str:
        """Wait for the test."""
        release.wait()
        return "done"

    @tool
    def echo(n: int) -> int:
        """Echo."""
        return n

    assert "did not finish within 0.2 s" in run_tool(stuck, {}).error
    assert "did not finish" in run_tool(stuck, {}).error  # not handed the first one's busy thread either
    assert [run_tool(echo, {"n": i}).value for i in range(5)] == list(range(5))
    workers = {t for t in threading.enumerate() if t.name == "tool"}
    release.set()
    assert [run_tool(echo, {"n": i}, timeout=5).value for i in range(20)] == list(range(20))
    assert {t for t in threading.enumerate() if t.name == "tool"} <= workers  # threads reused, freed ones too


def test_an_unserialisable_result_is_an_error():
    @tool
    def weird() -> object:
        """Return an object."""
        return object()

    result = run_tool(weird, {})
    assert not result.ok and "not JSON" in result.error


def test_huge_output_is_truncated_with_a_marker():
    @tool
    def big() -> str:
        """Return a lot."""
        return "x" * 100_000

    result = run_tool(big, {})
    assert result.ok and result.truncated and "[... truncated" in result.content


def test_calculator_never_evaluates_code():
    assert evaluate("(17*23)+4") == 395
    assert evaluate("2^10") == 1024
    assert evaluate("sqrt(16) + max(1, 2)") == 6
    for hostile in ["__import__('os').system('true')", "().__class__", "open('/etc/passwd')", "9**9**9**9"]:
        with pytest.raises(ValueError):
            evaluate(hostile)


def test_travel_desk_keeps_bookings_in_tool_state():
    reg = default_registry()
    state: dict = {}
    booked = run_tool(reg.get("book_flight"), {"origin": "Paris", "destination": "Rome", "date": "2099-01-05"},
                      tool_state=state)
    assert booked.ok and booked.value["booking_id"] == "BK0001"
    state["travel"] = booked.state
    listed = run_tool(reg.get("list_bookings"), {}, tool_state=state)
    assert [b["booking_id"] for b in listed.value] == ["BK0001"]
    past = run_tool(reg.get("book_flight"), {"origin": "Paris", "destination": "Rome", "date": "2001-01-05"})
    assert not past.ok and "in the past" in past.error
    impossible = run_tool(reg.get("book_flight"), {"origin": "Paris", "destination": "Rome", "date": "2099-02-31"})
    assert not impossible.ok and "real calendar date" in impossible.error


def test_weather_is_deterministic_and_names_unknown_cities():
    w = default_registry().get("weather")
    assert run_tool(w, {"city": "paris"}).value == run_tool(w, {"city": "Paris"}).value
    missing = run_tool(w, {"city": "Atlantis"})
    assert not missing.ok and "Atlantis" in missing.error
