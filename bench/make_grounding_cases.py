"""Writes bench/data/grounding_cases.json: NoisyToolBench-style cases for bench/grounding.py.

Each case: a category (IMKI missing key information, IMR multiple possible references, IwE instruction with
errors), a tool schema, the flawed request with the call a model would make from it, and the conversation
after the clarification with the repaired call (no question is due there).
"""

import json
from pathlib import Path

S = lambda **p: {"type": "object", "properties": {k: v for k, v in p.items()}, "required": [k for k in p if not p[k].pop("_opt", False)]}  # noqa: E731
string = lambda d="", **kw: {"type": "string", "description": d, **kw}  # noqa: E731
integer = lambda d="", **kw: {"type": "integer", "description": d, **kw}  # noqa: E731

TOOLS = {
    "weather": {"name": "weather", "description": "Current weather for a city.", "parameters": S(city=string("City name"))},
    "book_flight": {"name": "book_flight", "description": "Book a flight.", "parameters": S(
        origin=string("City to fly from"), destination=string("City to fly to"), date=string("Day of travel, YYYY-MM-DD"),
        passengers=integer("Travellers", minimum=1, maximum=9, default=1, _opt=True))},
    "send_email": {"name": "send_email", "description": "Send an email.", "parameters": S(
        to=string("Recipient address", format="email"), subject=string("Subject"), body=string("Body text"))},
    "book_table": {"name": "book_table", "description": "Reserve a restaurant table.", "parameters": S(
        restaurant=string("Restaurant name"), date=string("YYYY-MM-DD"), time=string("HH:MM"),
        party_size=integer("People", minimum=1, maximum=20))},
    "convert_currency": {"name": "convert_currency", "description": "Convert money.", "parameters": S(
        amount={"type": "number"}, source=string("ISO currency code", enum=["USD", "EUR", "GBP", "JPY"]),
        target=string("ISO currency code", enum=["USD", "EUR", "GBP", "JPY"]))},
    "set_alarm": {"name": "set_alarm", "description": "Set an alarm.", "parameters": S(
        time=string("HH:MM, 24h", pattern=r"^\d{2}:\d{2}$"), label=string("Label", _opt=True))},
    "get_stock_price": {"name": "get_stock_price", "description": "Latest price of a stock.", "parameters": S(
        symbol=string("Ticker symbol such as AAPL"))},
    "translate": {"name": "translate", "description": "Translate text.", "parameters": S(
        text=string("Text"), target_language=string("Language to translate into"))},
}
U = lambda t: {"role": "user", "content": t}  # noqa: E731
A = lambda t: {"role": "assistant", "content": t}  # noqa: E731
T = lambda t: {"role": "tool", "tool_call_id": "c1", "content": t}  # noqa: E731


def case(category, tool, query, flawed, answer_q, answer, repaired, extra=None):
    before = [U(query)] + (extra or [])
    return {"category": category, "tool": TOOLS[tool], "query": query,
            "flawed": {"conversation": before, "arguments": flawed},
            "repaired": {"conversation": before + [A(answer_q), U(answer)], "arguments": repaired}}


CASES = [
    # IMKI: the request lacks a key argument; the model omits it or invents it.
    case("IMKI", "weather", "What's the weather like?", {}, "Which city?", "Lisbon", {"city": "Lisbon"}),
    case("IMKI", "weather", "Is it going to rain today?", {"city": "New York"}, "Which city?", "Seattle", {"city": "Seattle"}),
    case("IMKI", "book_flight", "Book me a flight to Rome on 2027-01-15", {"destination": "Rome", "date": "2027-01-15"},
         "Where from?", "From Paris", {"origin": "Paris", "destination": "Rome", "date": "2027-01-15"}),
    case("IMKI", "book_flight", "I need a flight from Berlin to Madrid", {"origin": "Berlin", "destination": "Madrid", "date": "2026-12-24"},
         "Which day?", "December 3rd", {"origin": "Berlin", "destination": "Madrid", "date": "2026-12-03"}),
    case("IMKI", "send_email", "Email my landlord that the heating is broken",
         {"to": "landlord@example.com", "subject": "Heating", "body": "The heating is broken."},
         "What is your landlord's address?", "It's m.dupont@immo.fr",
         {"to": "m.dupont@immo.fr", "subject": "Heating is broken", "body": "The heating is broken."}),
    case("IMKI", "book_table", "Book a table at Luigi's for tonight", {"restaurant": "Luigi's", "date": "2026-11-22", "time": "19:00", "party_size": 2},
         "What time and for how many?", "20:30 for 4 people", {"restaurant": "Luigi's", "date": "2026-11-22", "time": "20:30", "party_size": 4}),
    case("IMKI", "convert_currency", "Convert 100 dollars", {"amount": 100, "source": "USD"},
         "Into which currency?", "euros, so EUR", {"amount": 100, "source": "USD", "target": "EUR"}),
    case("IMKI", "set_alarm", "Set an alarm for my meeting", {"time": "09:00", "label": "meeting"},
         "What time?", "07:45", {"time": "07:45", "label": "meeting"}),
    case("IMKI", "get_stock_price", "How is the stock doing?", {"symbol": "AAPL"},
         "Which company?", "Microsoft, MSFT", {"symbol": "MSFT"}),
    case("IMKI", "translate", "Translate 'good morning' for me", {"text": "good morning", "target_language": "Spanish"},
         "Into which language?", "Japanese", {"text": "good morning", "target_language": "Japanese"}),
    case("IMKI", "book_flight", "Fly me to Tokyo next week", {"origin": "London", "destination": "Tokyo", "date": "2026-11-29"},
         "From where, and which day?", "from Seoul on 2026-11-30", {"origin": "Seoul", "destination": "Tokyo", "date": "2026-11-30"}),
    case("IMKI", "send_email", "Send the report to Anna", {"to": "anna@company.com", "subject": "Report", "body": "Here is the report."},
         "What is Anna's email address?", "anna.k@acme.io", {"to": "anna.k@acme.io", "subject": "Report", "body": "Here is the report."}),
    # IMR: several possible references; the model picks one.
    case("IMR", "weather", "What's the weather in Springfield?", {"city": "Springfield, Illinois"},
         "Which Springfield?", "Springfield, Massachusetts", {"city": "Springfield, Massachusetts"}),
    case("IMR", "get_stock_price", "What's Alphabet trading at?", {"symbol": "GOOGL"},
         "Class A (GOOGL) or class C (GOOG)?", "GOOG", {"symbol": "GOOG"}),
    case("IMR", "book_flight", "Book Paris to London on 2027-02-02, the usual airport",
         {"origin": "Paris CDG", "destination": "London Heathrow", "date": "2027-02-02"},
         "Which airports?", "Orly to Gatwick", {"origin": "Orly", "destination": "Gatwick", "date": "2027-02-02"}),
    case("IMR", "send_email", "Email John about the offsite",
         {"to": "john.smith@acme.io", "subject": "Offsite", "body": "About the offsite."},
         "John Smith or John Doe?", "john.doe@acme.io", {"to": "john.doe@acme.io", "subject": "Offsite", "body": "About the offsite."},
         extra=[T('{"contacts": ["john.smith@acme.io", "john.doe@acme.io"]}')]),
    case("IMR", "book_table", "Book the Italian place for 2 on 2026-12-05 at 19:00",
         {"restaurant": "Trattoria Roma", "date": "2026-12-05", "time": "19:00", "party_size": 2},
         "Which Italian place?", "Luigi's", {"restaurant": "Luigi's", "date": "2026-12-05", "time": "19:00", "party_size": 2}),
    case("IMR", "translate", "Translate 'cheers' into Chinese", {"text": "cheers", "target_language": "Mandarin"},
         "Mandarin or Cantonese?", "Cantonese", {"text": "cheers", "target_language": "Cantonese"}),
    # IwE: the instruction contains an error; the model copies it into the call.
    case("IwE", "book_flight", "Book Paris to Rome on February 30th", {"origin": "Paris", "destination": "Rome", "date": "2027-02-30"},
         "February 30th doesn't exist. Which day?", "February 28th", {"origin": "Paris", "destination": "Rome", "date": "2027-02-28"}),
    case("IwE", "book_flight", "Book Oslo to Rome on 2020-05-01", {"origin": "Oslo", "destination": "Rome", "date": "2020-05-01"},
         "That date is past. Which day?", "2027-05-01", {"origin": "Oslo", "destination": "Rome", "date": "2027-05-01"}),
    case("IwE", "convert_currency", "Convert 50 EUR to bitcoin", {"amount": 50, "source": "EUR", "target": "BTC"},
         "I can convert to USD, GBP or JPY. Which?", "USD then", {"amount": 50, "source": "EUR", "target": "USD"}),
    case("IwE", "set_alarm", "Wake me at 7.30am", {"time": "7.30am"},
         "07:30?", "yes 07:30", {"time": "07:30"}),
    case("IwE", "book_table", "Table for 40 at Luigi's on 2026-12-05 at 19:00",
         {"restaurant": "Luigi's", "date": "2026-12-05", "time": "19:00", "party_size": 40},
         "Luigi's takes at most 20. How many?", "20 then", {"restaurant": "Luigi's", "date": "2026-12-05", "time": "19:00", "party_size": 20}),
    case("IwE", "send_email", "Email bob at bob(at)example.com saying hi", {"to": "bob(at)example.com", "subject": "Hi", "body": "hi"},
         "Is it bob@example.com?", "yes, bob@example.com", {"to": "bob@example.com", "subject": "Hi", "body": "hi"}),
    case("IwE", "book_table", "Book Luigi's for 2 on 31 April at 20:00",
         {"restaurant": "Luigi's", "date": "2027-04-31", "time": "20:00", "party_size": 2},
         "April has 30 days. Which date?", "30 April", {"restaurant": "Luigi's", "date": "2027-04-30", "time": "20:00", "party_size": 2}),
]

if __name__ == "__main__":
    out = Path(__file__).parent / "data" / "grounding_cases.json"
    out.write_text(json.dumps(CASES, indent=1))
    print(f"wrote {len(CASES)} cases to {out}")
