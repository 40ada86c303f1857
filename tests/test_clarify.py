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


# -- #23: the gaps that made the checker ask for what the user had given (cases unlike the bench's) ------------

def tool(name, required=(), **props):
    return {"name": name, "description": name, "parameters": {"type": "object", "properties": props,
                                                                "required": list(required)}}


def test_keys_in_another_convention_are_the_schemas_and_unknown_keys_are_reported():
    rent = tool("rentCar", ["pickupCity", "returnDate"], pickupCity={"type": "string"},
                returnDate={"type": "string", "description": "YYYY-MM-DD"}, is_for={"type": "string"})
    said = [user("Rent a car in Turin, back on 2027-01-09, for Marta")]
    assert check_tool_call(rent, {"pickup_city": "Turin", "ReturnDate": "2027-01-09", "for": "Marta"}, said,
                           today=TODAY) == []
    unknown = check_tool_call(rent, {"pickupCity": "Turin", "returnDate": "2027-01-09", "colour": "red"}, said,
                              today=TODAY)
    assert kinds(unknown) == [("invalid_value", "colour", "schema")] and "takes no argument" in unknown[0]["reason"]
    # the executor runs the same call under the schema's keys
    from tools.execute import schema_key
    assert schema_key("return_date", rent["parameters"]["properties"]) == "returnDate"
    assert schema_key("for", rent["parameters"]["properties"]) == "is_for"


@pytest.mark.parametrize("said, value", [
    ("Arrive on the 2nd of February, 2029", "2029-02-02"),
    ("Arrive February 2nd, 2029, please", "2029-02-02"),
    ("Arrive 02-02-2029", "2029-02-02"),
    ("Stay from February 2 to 9, 2029", "2029-02-09"),
    ("Stay from the 2nd to the 9th of February\n2029", "2029-02-09"),
])
def test_dates_keep_their_year_whatever_today_is(said, value):
    for today in (date(2026, 1, 5), date(2028, 12, 30)):
        assert grounded_in(value, said, today), (said, value, today)
    assert not grounded_in("2029-02-10", said, TODAY)


def test_a_search_string_may_add_a_kind_of_place_or_spell_out_an_abbreviation():
    search = tool("find", ["q"], q={"type": "string"})
    assert check_tool_call(search, {"q": "ramen restaurants in SF"}, [user("ramen in SF?")], today=TODAY) == []
    assert check_tool_call(search, {"q": "ramen San Francisco"}, [user("ramen in SF?")], today=TODAY) == []
    assert check_tool_call(search, {"q": "ramen in Tokyo"}, [user("ramen in SF?")], today=TODAY)  # not said


def test_an_example_default_copied_unsaid_is_a_guess_but_a_real_default_is_not():
    mail = tool("lookup_user", ["email"], email={"type": "string", "default": "jane@example.com"},
                locale={"type": "string", "default": "en"})
    assert kinds(check_tool_call(mail, {"email": "jane@example.com"}, [user("look me up")], today=TODAY)) == [
        ("missing_argument", "email", "grounding")]
    assert provenance({"email": "jane@example.com"}, mail, [user("look me up")])["email"]["source"] == "guess"
    assert check_tool_call(mail, {"email": "bo@x.org", "locale": "en"}, [user("look up bo@x.org")], today=TODAY) == []


def test_a_code_only_world_knowledge_gives_is_inferred_not_asked_and_a_code_from_nowhere_is_asked():
    fly = tool("flights", ["airport"], airport={"type": "string", "description": "IATA airport code"})
    said = [user("Flights out of Heathrow tomorrow")]
    assert check_tool_call(fly, {"airport": "LHR"}, said, today=TODAY) == []
    assert provenance({"airport": "LHR"}, fly, said)["airport"] == {"source": "inferred"}
    assert check_tool_call(fly, {"airport": "LHR"}, [user("flights out of here tomorrow")], today=TODAY)


def test_free_text_may_paraphrase_but_not_add_a_number_or_a_name():
    note = tool("add_note", ["text"], text={"type": "string"})
    said = [user("Note: call the plumber about the leak")]
    assert check_tool_call(note, {"text": "Call the plumber about the leak"}, said, today=TODAY) == []
    for invented in ("Call the plumber about the leak at 9am", "Call Mario the plumber about the leak"):
        assert kinds(check_tool_call(note, {"text": invented}, said, today=TODAY)) == [
            ("missing_argument", "text", "grounding")], invented


def test_free_text_that_mentions_a_day_is_not_a_date_and_cannot_hide_an_invented_detail():
    """A text saying "today" or "tonight" was taken for the date today, so anything added to it passed."""
    note = tool("post", ["text"], text={"type": "string"})
    said = [user("Post that the pool is shut tonight")]
    assert check_tool_call(note, {"text": "The pool is shut tonight"}, said, today=TODAY) == []
    for invented in ("The pool is shut tonight until 8", "The pool is shut tonight, says Lifeguard Jonas"):
        assert kinds(check_tool_call(note, {"text": invented}, said, today=TODAY)) == [
            ("missing_argument", "text", "grounding")], invented
    # a value that is a date and nothing else is still compared as a date
    assert grounded_in("Thursday, March 9th, 2028", "see you on 2028-03-09", TODAY)


@pytest.mark.parametrize("said, value", [
    ("Where can I go climbing in Bergen?", "climbing gyms in Bergen"),
    ("I have toothache, anyone in Bergen?", "toothache dentists Bergen"),
    ("Where can I read quietly in Bergen?", "quiet libraries Bergen"),
    ("Wash my clothes somewhere in Bergen", "clothes laundromat Bergen")])
def test_a_search_string_may_add_any_common_kind_of_place_in_singular_or_plural(said, value):
    search = tool("find", ["q"], q={"type": "string"})
    assert check_tool_call(search, {"q": value}, [user(said)], today=TODAY) == [], value
    assert check_tool_call(search, {"q": value.replace("Bergen", "Oslo")}, [user(said)], today=TODAY)  # not said


def test_a_negative_count_is_an_invalid_value_even_when_the_schema_sets_no_minimum():
    rooms = tool("book_rooms", ["rooms"], rooms={"type": "integer", "description": "How many rooms"},
                 offset={"type": "integer", "description": "Shift in hours"})
    said = [user("Book -3 rooms, shifted by -2")]
    assert kinds(check_tool_call(rooms, {"rooms": -3}, said, today=TODAY)) == [("invalid_value", "rooms", "schema")]
    assert check_tool_call(rooms, {"rooms": 3, "offset": -2}, [user("Book 3 rooms, shifted by -2")], today=TODAY) == []


def test_a_value_picked_from_alternatives_the_user_left_open_is_ambiguous():
    """#23: "to Lyon or Nice" and the call says Lyon: a guess between two things the user named."""
    hotel = tool("hotel", ["city", "nights"], city={"type": "string"}, nights={"type": "integer"},
                 check_in={"type": "string", "description": "YYYY-MM-DD"}, note={"type": "string"})
    said = [user("A hotel in Ghent or Antwerp for 4 or 5 nights from July 9 or July 10, 2029")]
    asked = check_tool_call(hotel, {"city": "Antwerp", "nights": 4, "check_in": "2029-07-10"}, said, today=TODAY)
    assert [(r["kind"], r["field"], r["options"]) for r in asked] == [
        ("ambiguous_argument", "city", ["Ghent", "Antwerp"]), ("ambiguous_argument", "nights", ["4", "5"]),
        ("ambiguous_argument", "check_in", ["July 9", "July 10, 2029"])]
    answered = [*said, {"role": "assistant", "content": "Which city, how long, from when?"},
                user("Antwerp, 4 nights, July 10")]
    assert check_tool_call(hotel, {"city": "Antwerp", "nights": 4, "check_in": "2029-07-10"}, answered, today=TODAY) == []
    either = [user("A hotel in Ghent or Antwerp, either is fine, 4 nights")]
    assert check_tool_call(hotel, {"city": "Ghent", "nights": 4}, either, today=TODAY) == []
    composed = [user("Leave a note: tea or coffee for Ana")]
    assert check_tool_call(hotel, {"city": "Ghent", "nights": 4, "note": "tea for Ana"},
                           [user("Ghent, 4 nights"), *composed], today=TODAY) == []


def test_alternatives_all_taken_by_the_same_replys_calls_are_not_ambiguous():
    said = [user("Is it raining in Paris or London?")]
    assert kinds(check_tool_call(WEATHER, {"city": "Paris"}, said, today=TODAY)) == [
        ("ambiguous_argument", "city", "grounding")]
    assert check_tool_call(WEATHER, {"city": "Paris"}, said, today=TODAY, siblings=[{"city": "London"}]) == []
    assert check_tool_call(WEATHER, {"city": "Paris"}, said, today=TODAY, siblings=[{"city": "Paris"}])


def test_a_reflection_asking_for_a_value_the_user_gave_is_overruled_and_other_questions_stand():
    """#39: on the local model AwN asked again for what the instruction said, its own reason saying so."""
    from app.agents.awn import overruled

    said = [user("What's the weather in Paris? Use metric units.")]
    call = {"city": "Paris", "units": "metric"}
    asks = {"decision": "ask", "kind": "missing_argument", "field": "units", "question": "Which units?",
            "reason": "The instruction specifies that the units should be metric"}
    assert overruled(asks, call, WEATHER, said, [], [])["decision"] == "proceed"
    # a value nobody said, an ambiguous or an invalid one, or one the checker found wrong: still asked
    assert overruled(asks, {"city": "Paris", "units": "imperial"}, WEATHER, [user("Weather in Paris?")], [],
                     [])["decision"] == "ask"
    assert overruled({**asks, "kind": "ambiguous_argument", "field": "city"}, call, WEATHER, said, [],
                     [])["decision"] == "ask"
    assert overruled(asks, call, WEATHER, said, [], [{"kind": "invalid_value", "field": "units"}])["decision"] == "ask"
    answered = [user("What's the weather?"), {"role": "assistant", "content": "Which city?"}, user("Lyon")]
    assert overruled({**asks, "field": "city"}, {"city": "Lyon"}, WEATHER, answered, [2], [])["decision"] == "proceed"
