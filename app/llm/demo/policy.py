"""The demo model's behaviour: from the conversation and the offered tools, the next assistant message.

It reads the current request (the last user message, plus the earlier one it answers if the assistant had
just asked a question), turns it into a plan of tool calls, emits the next call not yet made (one at a time,
like a careful model), and writes the final answer from the results. Arguments it cannot find in the request
are left out, as a model that does not guess would; the agent's checks decide what to do about that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from app.llm.demo import parse

OFFLINE_NOTE = (
    "I'm the offline demo model, so I only understand a few kinds of requests: arithmetic, weather, flights, "
    "notes, unit conversion, dates, and 'call TOOL with VALUE'. For anything else, choose a real model: set "
    "OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY (or OLLAMA_API_BASE, or PLAYGROUND_OPENAI_BASE_URL "
    "for any OpenAI-compatible server) and pick it in the model menu or with --model."
)

_ACTIONS = re.compile(
    r"\b(order|buy|purchase|send|e-?mail|text|play|translate|pay|transfer|post|tweet|reserve|rent|hire|"
    r"delete|install|download|call me|book (?:a |an |me a )?(?:hotel|table|room|car|taxi|restaurant|ticket))\b",
    re.IGNORECASE,
)
_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|thanks|thank you)\b", re.IGNORECASE)


@dataclass
class Call:
    name: str
    arguments: dict[str, Any]


@dataclass
class Reply:
    content: str = ""
    tool_calls: list[Call] = field(default_factory=list)


@dataclass
class Plan:
    intent: str
    calls: list[Call] = field(default_factory=list)
    needs: str | None = None  # the tool the intent needs, when it is not offered
    missing: list[str] = field(default_factory=list)  # what the request leaves out that a call would need


def current_request(messages: list[dict]) -> tuple[str, int]:
    """(text of the request being served, index of its first user message)."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if not users:
        return "", len(messages)
    group = [users[-1]]
    while True:
        first = group[0]
        previous = next((m for m in reversed(messages[:first]) if m.get("role") == "assistant"), None)
        earlier_users = [i for i in users if i < first]
        if previous and "?" in _text(previous) and not previous.get("tool_calls") and earlier_users:
            group.insert(0, earlier_users[-1])
        else:
            break
    return " ".join(_text(messages[i]) for i in group), group[0]


def _text(message: dict) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def plan_request(text: str, tools: dict[str, dict], messages: list[dict] | None = None) -> Plan:
    """What to call for `text`, given the offered tool schemas by name (and the conversation, for the answers
    to its questions). A request no script covers, or whose scripted tool is not offered, goes to an offered
    tool it is about, if any (`generic`)."""
    from app.llm.demo.generic import answer_into, generic_call

    plan = _scripted_plan(text + _summary_route(messages), tools)  # with what an IN3 summary settled
    if plan.needs or plan.intent in ("unknown", "unsupported"):
        if found := generic_call(text, tools, messages or [{"role": "user", "content": text}],
                                 literal=plan.intent == "unsupported" or bool(_ACTIONS.search(text))):
            return Plan("generic", [Call(*found)])
    answer_into(plan.calls, tools, messages or [])
    return plan


def _scripted_plan(text: str, tools: dict[str, dict]) -> Plan:
    names = list(tools)
    lower = text.lower()
    if explicit := parse.explicit_call(text, names):
        name, arguments = explicit
        if "__value__" in arguments:
            value = arguments.pop("__value__")
            params = tools[name].get("parameters", {})
            target = (params.get("required") or list(params.get("properties", {})) or ["value"])[0]
            arguments[target] = value
        return Plan("explicit", [Call(name, arguments)])

    def want(intent: str, tool: str, calls: list[Call]) -> Plan:
        return Plan(intent, calls) if tool in tools else Plan(intent, needs=tool)

    if re.search(r"\b(trip|travel|vacation|holiday|getaway|itinerary)\b", lower) and not re.search(r"\bbook\b", lower):
        origin, destination = parse.find_route(text)
        day = parse.find_date(text)
        calls = []
        if "weather" in tools and destination:
            calls.append(Call("weather", {"city": destination}))
        if "search_flights" in tools and destination and origin and day:
            calls.append(Call("search_flights", {"origin": origin, "destination": destination, "date": day}))
        missing = [what for what, known in (("where you leave from", origin), ("the day", day)) if not known]
        return Plan("trip", calls, missing=missing) if calls or not destination else \
            Plan("trip", needs="weather or search_flights")
    if re.search(r"\b(weather|temperature|forecast|raining|rain|sunny|snowing|humid|windy|umbrella)\b", lower):
        cities = parse.find_cities(text)
        return want("weather", "weather", [Call("weather", {"city": c}) for c in cities] or [Call("weather", {})])
    if re.search(r"\bcancel\b.*\bbooking\b|\bcancel\s+bk\d+", lower):
        m = re.search(r"\b(bk\d+)\b", lower)
        return want("cancel", "cancel_booking", [Call("cancel_booking", {"booking_id": m[1].upper()} if m else {})])
    if re.search(r"\b(my|list|show)\b.*\bbookings?\b", lower):
        return want("bookings", "list_bookings", [Call("list_bookings", {})])
    if re.search(r"\b(flight|fly|flights|plane)\b", lower):
        origin, destination = parse.find_route(text)
        args = {k: v for k, v in (("origin", origin), ("destination", destination), ("date", parse.find_date(text))) if v}
        if m := re.search(r"(?<![\w-])(-?\d)\s+(?:passengers|people|adults|travell?ers|tickets)\b", lower):
            args["passengers"] = int(m[1])
        if "business" in lower:
            args["seat_class"] = "business"
        if re.search(r"\b(search|find|look|show|any|what|are there|is there)\b", lower) and not re.search(r"\bbook\b", lower):
            args.pop("passengers", None), args.pop("seat_class", None)
            return want("search", "search_flights", [Call("search_flights", args)])
        return want("booking", "book_flight", [Call("book_flight", args)])
    if re.search(r"\b(search|find)\b.*\bnotes?\b", lower):
        m = re.search(r"\bnotes?\s+(?:for|about|on|mentioning)\s+(.+)", text, re.IGNORECASE)
        return want("notes", "search_notes", [Call("search_notes", {"query": m[1].strip(" .?!")} if m else {})])
    if re.search(r"\b(list|show|read|what are|see)\b.*\bnotes\b|\bmy notes\b", lower):
        return want("notes", "list_notes", [Call("list_notes", {})])
    if m := re.search(r"(?:save|add|write|take|make)\s+(?:a\s+|this\s+)?note\s*(?:that|saying|:|-)?\s*(.*)|remember\s+(?:that\s+)?(.+)|^note:\s*(.+)", text, re.IGNORECASE | re.DOTALL):
        body = next((g for g in m.groups() if g), "").strip(" .")
        if not re.sub(r"\b(?:for|to|me|myself|us|please|now|quickly)\b", "", body.lower()).strip(" ,.!"):
            body = ""  # "save a note for me" says nothing to save
        return want("notes", "save_note", [Call("save_note", {"text": body} if body else {})])
    if conversion := parse.find_conversion(text):
        value, source, target = conversion
        return want("convert", "convert_units", [Call("convert_units", {"value": value, "from_unit": source, "to_unit": target})])
    if re.search(r"\bdays?\s+(?:between|from|until)\b", lower):
        dates = re.findall(r"\d{4}-\d{2}-\d{2}", text)
        if len(dates) >= 2:
            return want("dates", "date_diff", [Call("date_diff", {"start": dates[0], "end": dates[1]})])
    if m := re.search(r"(\d+)\s+(days?|weeks?)\s+(after|from|before)\s+(\d{4}-\d{2}-\d{2})", lower):
        n = int(m[1]) * (-1 if m[3] == "before" else 1)
        key = "weeks" if m[2].startswith("week") else "days"
        return want("dates", "date_add", [Call("date_add", {"date": m[4], key: n})])
    if re.search(r"\bwhat\s+(?:time|day|date)\b|\btime\s+is\s+it\b|\btoday'?s\s+date\b", lower):
        zone = next((parse.TIMEZONES[c] for c in parse.find_cities(text) if c in parse.TIMEZONES), "UTC")
        return want("time", "current_datetime", [Call("current_datetime", {"timezone": zone})])
    if chain := parse.math_chain(text):
        return want("math", "calculator", [Call("calculator", {"expression": e}) for e in chain])
    if _GREETING.match(text):
        return Plan("greeting")
    if _ACTIONS.search(text):
        return Plan("unsupported")
    return Plan("unknown")


@dataclass
class Done:
    call: Call
    content: str
    ok: bool


def _done_calls(messages: list[dict], start: int) -> list[Done]:
    calls: dict[str, Call] = {}
    done: list[Done] = []
    for message in messages[start:]:
        for raw in message.get("tool_calls") or []:
            try:
                arguments = json.loads(raw["function"].get("arguments") or "{}")
            except json.JSONDecodeError:
                arguments = {}
            calls[raw["id"]] = Call(raw["function"]["name"], arguments)
        if message.get("role") == "tool":
            call = calls.get(message.get("tool_call_id", ""), Call(message.get("name", "tool"), {}))
            content = _text(message)
            done.append(Done(call, content, not content.startswith("Error")))
    return done


def _substitute(call: Call, previous: Done | None) -> Call:
    if previous is None:
        return call
    value = previous.content
    return Call(call.name, {k: v.replace("{prev}", value) if isinstance(v, str) else v for k, v in call.arguments.items()})


def respond(messages: list[dict], tools: list[dict]) -> Reply:
    schemas = {t["function"]["name"]: t["function"] for t in tools or [] if "function" in t}
    text, start = current_request(messages)
    plan = plan_request(text, schemas, messages)
    if plan.needs:
        offered = ", ".join(schemas) or "none"
        return Reply(
            f"I can't do that: it needs a `{plan.needs}` tool, and none of the tools in this set can serve the "
            f"request (available: {offered}). Add a suitable tool to the tool set, or ask something else."
        )
    if plan.intent == "greeting":
        return Reply("Hello! " + OFFLINE_NOTE)
    if plan.intent == "unsupported":
        offered = ", ".join(schemas) or "none"
        return Reply(f"I can't do that: none of the tools in this set can serve this request (available: {offered}).")
    if plan.intent == "unknown":
        return Reply(OFFLINE_NOTE)
    done = _done_calls(messages, start)
    if done and not done[-1].ok and messages[-1].get("role") == "tool":
        return Reply(_explain_error(done[-1]))
    matched = 0
    for item in done:
        if item.ok and matched < len(plan.calls) and item.call.name == plan.calls[matched].name:
            matched += 1
    if matched < len(plan.calls):
        previous = next((d for d in reversed(done) if d.ok), None)
        return Reply(tool_calls=[_substitute(plan.calls[matched], previous)])
    return Reply(compose_answer(plan.intent, [d for d in done if d.ok], plan.missing))


def _explain_error(item: Done) -> str:
    error = item.content.removeprefix("Error:").strip()
    if m := re.search(r"missing required argument '(\w+)'", error):
        return f"I need the {m[1].replace('_', ' ')} to call {item.call.name}. Which {m[1].replace('_', ' ')} do you mean?"
    return f"The {item.call.name} tool failed, so I can't finish this: {error}"


def _load(content: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return content


def _summary_route(messages: list[dict] | None) -> str:
    """The route an intention summary settled ("Details: Destination: Lisbon; Travel dates: in May; Departure
    city: Berlin"), written the way the route parser reads it."""
    summary = next((str(m.get("content")) for m in reversed(messages or []) if m.get("role") == "assistant" and
                    str(m.get("content") or "").startswith("Here is what I understood:")), "")
    details = dict(re.findall(r"(Destination|Travel dates|Departure city): ([^;]+?)(?:;|\.$|\. |$)", summary))
    parts = [f"to {details['Destination']}" if "Destination" in details else "",
             f"from {details['Departure city']}" if "Departure city" in details else "",
             details.get("Travel dates", "")]
    return (" " + " ".join(p for p in parts if p)) if any(parts) else ""


def compose_answer(intent: str, done: list[Done], missing: list[str] | None = None) -> str:
    if not done:
        return "Done." if intent != "trip" else ("Tell me where you want to go (and I can check the weather and "
                                                 "flights there), or add the travel tools to this set.")
    if intent == "trip":
        parts = [_write(d) for d in done if d.call.name in _ANSWERS]
        if not any(d.call.name == "search_flights" for d in done):
            what = " and ".join(missing) if missing else "where you leave from and when"
            parts.append(f"To look for flights I still need {what}.")
        return "Trip plan: " + " ".join(parts)
    writer = _ANSWERS.get(done[-1].call.name)
    if intent == "math" and len(done) > 1:
        steps = ", then ".join(f"{d.call.arguments.get('expression')} = {d.content}" for d in done)
        return f"Step by step: {steps}. The answer is {done[-1].content}."
    if writer:
        return " ".join(_write(d) for d in done if d.call.name == done[-1].call.name)
    return " ".join(f"{d.call.name} returned: {d.content}" for d in done)


def _write(done: Done) -> str:
    """The built-in tool's answer sentence; a tool of the same name with another result shape (a mocked API in
    a benchmark, an imported one) gets the plain form instead of an error."""
    try:
        return _ANSWERS[done.call.name](done.call.arguments, _load(done.content))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return f"{done.call.name} returned: {done.content}"


def _weather(args: dict, r: dict) -> str:
    if "temperature_c" in r:
        return (f"In {r['city']} it is {r['temperature_c']}°C and {r['conditions']} "
                f"(humidity {r['humidity_percent']}%, wind {r['wind_kmh']} km/h).")
    return (f"In {r['city']} it is {r['temperature_f']}°F and {r['conditions']} "
            f"(humidity {r['humidity_percent']}%, wind {r['wind_mph']} mph).")


def _flights(args: dict, r: list) -> str:
    if not r:
        return "I found no flights."
    listed = "; ".join(f"{f['flight_id']} ({f['airline']}) at {f['departure']}, {f['price_eur']} EUR" for f in r)
    return f"Flights from {r[0]['origin']} to {r[0]['destination']} on {r[0]['date']}: {listed}."


def _booking(args: dict, b: dict) -> str:
    return (f"Booked {b['booking_id']}: {b['airline']} {b['flight_id']} from {b['origin']} to {b['destination']} "
            f"on {b['date']} at {b['departure']}, {b['passengers']} passenger(s), {b['seat_class']}, "
            f"{b['total_eur']} EUR.")


def _bookings(args: dict, r: list) -> str:
    if not r:
        return "You have no bookings in this session."
    return "Your bookings: " + "; ".join(
        f"{b['booking_id']} {b['origin']}→{b['destination']} on {b['date']} ({b['status']})" for b in r) + "."


def _notes(args: dict, r: list) -> str:
    if not r:
        return "No notes found."
    return "Notes: " + "; ".join(f"#{n['note_id']} {n['text']}" for n in r) + "."


_ANSWERS: dict[str, Callable[[dict, Any], str]] = {
    "calculator": lambda a, r: f"{a.get('expression')} = {r}. The answer is {r}.",
    "weather": _weather,
    "search_flights": _flights,
    "book_flight": _booking,
    "list_bookings": _bookings,
    "cancel_booking": lambda a, b: f"Cancelled booking {b['booking_id']} ({b['origin']}→{b['destination']} on {b['date']}).",
    "save_note": lambda a, n: f"Saved note #{n['note_id']}: {n['text']}",
    "list_notes": _notes,
    "search_notes": _notes,
    "convert_units": lambda a, r: f"{r['value']:g} {r['from_unit']} = {r['result']:g} {r['to_unit']}.",
    "current_datetime": lambda a, r: f"It is {r['time']} on {r['weekday']} {r['date']} ({r['timezone']}).",
    "date_add": lambda a, r: f"That date is {r['date']}, a {r['weekday']}.",
    "date_diff": lambda a, r: f"There are {r['days']} days from {r['start']} to {r['end']}.",
}


def suggest_fix(call: Call, error: str) -> Call | None:
    """A corrected call when the error names the bad value and lists the valid ones (as tools here do), e.g.
    "no offline weather for 'Pariss'; cities available: Paris, Rome" -> city="Paris". None when it cannot."""
    import difflib

    options: list[str] = []
    if m := re.search(r"available:\s*([^;\n]+)", error):
        options = [o.strip(" .'\"") for o in m[1].split(",") if o.strip(" .'\"")]
    elif m := re.search(r"one of \[([^\]]+)\]", error):
        options = [o.strip(" '\"") for o in m[1].split(",")]
    if not options:
        return None
    for key, value in call.arguments.items():
        if isinstance(value, str) and (f"'{value}'" in error or f'"{value}"' in error):
            lowered = {o.lower(): o for o in options}
            close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
            if close and lowered[close[0]] != value:
                return Call(call.name, {**call.arguments, key: lowered[close[0]]})
    return None
