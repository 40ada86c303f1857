"""The demo model on tools it has no script for (a benchmark item's mocked APIs, an imported spec): pick the
offered tool the request is about, by the words they share, and fill in only the arguments the conversation
gives (a city, a date, a number, a code, an enum value, the answer to a question about that argument). What it
cannot find it leaves out, as a model that does not guess would: the agent's checks then ask for it. Not meant
to score well; meant to exercise the agents' clarification paths on real benchmark items offline.
"""

from __future__ import annotations

import re
from typing import Any

from app.llm.demo import parse
from tools.builtin.units import UNIT_NAMES

_PLACE = re.compile(r"city|location|place|town|destination|origin|address|country|region|\bq\b|where", re.I)
_CODE = re.compile(r"currency|symbol|ticker|code|iata|airport", re.I)
# "departure" and "arrival" alone name a place as often as a day ("departure city"): a date only with a date word.
_DATE = re.compile(r"\bdate\b|\bday\b|yyyy|checkin|check_in|check-in|checkout|check_out|check-out|"
                   r"(?:departure|arrival|return)_?(?:date|day)", re.I)
_ORIGIN = re.compile(r"origin|\bfrom\b|depart|source|start|pickup|pick_up", re.I)
_DESTINATION = re.compile(r"destination|\bto\b|arriv|target|\bend\b|dropoff|drop_off", re.I)
# A search's words: the request itself, less the asking ("Search the web for news about X": "news about X").
_SEARCH = re.compile(r"\bquery\b|\bsearch\b|keywords?|search_terms?", re.I)
_ASKING = re.compile(r"^\s*(?:please\s+)?(?:search(?:\s+the\s+web|\s+online)?(?:\s+for)?|look\s+up|google|find(?:\s+me)?"
                     r"(?:\s+information\s+(?:on|about))?)\s+", re.I)
_QUOTED = re.compile(r"(?:^|(?<=\s))[\"“']([^\"”']{2,80})[\"”'](?=$|[\s.,;:!?])")
# Words a request uses for what a tool names otherwise: each also counts as the domain's word.
_DOMAINS = {
    "currency": r"euro|dollar|pound|yen|franc|peso|rupee|usd|eur|gbp|jpy|currenc|exchang|money",
    "weather": r"weather|temperatur|rain|forecast|umbrella|warm|cold|sunny|snow|wind",
    "flight": r"flight|fly|plane|airline",
    "hotel": r"hotel|room|stay|lodg|hostel",
    "stock": r"stock|share|ticker|trading|market",
}


def _terms(text: str, domains: bool = True) -> set[str]:
    from tools.retrieval import terms

    found = set(terms(text, verbs=False))
    if not domains:
        return found
    return found | {domain for domain, words in _DOMAINS.items() if any(re.match(words, t) for t in found)}


def pick_tool(text: str, tools: dict[str, dict], literal: bool = False) -> str | None:
    """The offered tool the request names: one sharing a word with the tool's name, or two with what the tool
    says of itself; the most shared wins. None when no tool is about the request (it is beyond the tools).
    `literal`: only the request's own words count, not their domain ("euros" is not "currency"): for a request
    to act (transfer, order, send), which a tool of the same domain rarely does."""
    said = _terms(text, domains=not literal)
    best, best_score = None, 0.0
    for name, schema in tools.items():
        in_name = said & _terms(name.replace("_", " "))
        props = (schema.get("parameters") or {}).get("properties") or {}
        about = " ".join([schema.get("description") or "", *props, *(str(p.get("description") or "") for p in
                                                                      props.values())])
        in_text = said & _terms(about)
        if not in_name and len(in_text) < 2:
            continue
        score = 2 * len(in_name) + len(in_text)
        if score > best_score:
            best, best_score = name, score
    return best


def _answered(messages: list[dict], field: str, spec: dict) -> str | None:
    """The user's last reply when the assistant's question just before it asked about `field`."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if not users:
        return None
    last = users[-1]
    asked = next((m for m in reversed(messages[:last]) if m.get("role") == "assistant"), None)
    question = str((asked or {}).get("content") or "").lower()
    label = field.replace("_", " ").lower()
    if "?" in question and (label in question or re.search(rf"\b{re.escape(field.lower())}\b", question)):
        reply = str(messages[last].get("content") or "").strip(" .!")
        return reply if 0 < len(reply.split()) <= 8 else None
    return None


def _codes(text: str, currency: bool = False) -> list[str]:
    """Codes in the text in order: written as codes (GBP), or as the words people say for them (euros). A
    currency's code has three letters ("US dollars" is USD, not US)."""
    from app.clarify.grounding import ALIASES

    found = [(m.start(), m[0]) for m in re.finditer(r"\b[A-Z]{3}\b" if currency else r"\b[A-Z]{2,5}\b", text)]
    lower = text.lower()
    for code, words in ALIASES.items():
        for word in words:
            if (m := re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lower)) and code.upper() not in (c for _, c in found):
                found.append((m.start(), code.upper()))
    return [c for _, c in sorted(found)]


def value_for(field: str, spec: dict, text: str, messages: list[dict], taken: set | None = None) -> Any:
    """The argument's value from the conversation, or None when it does not give one (`taken`: values other
    arguments got, for codes: a conversion's two currencies are not the same one). The answer to a question
    about the argument wins, read as the argument's kind ("US dollars" for a code is USD)."""
    if (answer := _answered(messages, field, spec)) is not None:
        parsed = _read(field, spec, answer, taken)
        return answer if parsed in (None, "") else parsed
    return _read(field, spec, text, taken)


def answer_into(calls: list, tools: dict[str, dict], messages: list[dict]) -> None:
    """The user's answer to a question about an argument of a planned call replaces what the request had
    ("2026-02-30 does not exist. Which date did you mean?" -> "2026-02-28")."""
    for call in calls:
        props = ((tools.get(call.name) or {}).get("parameters") or {}).get("properties") or {}
        for field, spec in props.items():
            if _answered(messages, field, spec or {}) is not None:
                taken = {str(v) for k, v in call.arguments.items() if k != field}
                call.arguments[field] = value_for(field, spec or {}, "", messages, taken)


# The names convert_units takes, longest first so "km/h" is not read as "km".
_UNITS = "|".join(re.escape(u) for u in sorted({u.lstrip("°") for u in UNIT_NAMES}, key=len, reverse=True))
_TEXTLIKE = re.compile(r"text|message|body|content|query|q\b|search|title|name|subject|note|comment|keyword|term|"
                       r"description|prompt|question|sentence|phrase|word", re.I)


def _unit(field: str, about: str, text: str) -> str | None:
    """A unit of measure the text names: the one after the number for a field about what to convert from,
    the one after "to"/"into"/"in" for what to convert to; none elsewhere ("I'm" has no metres)."""
    lower = text.lower().replace("°", "")
    target = re.search(rf"\b(?:to|into|in|as)\s+({_UNITS})\b", lower)
    source = re.search(rf"-?\d+(?:\.\d+)?\s*({_UNITS})\b", lower)
    if _DESTINATION.search(f"{field.replace('_', ' ')} {about}") and not _ORIGIN.search(field.replace("_", " ")):
        return target[1] if target else None
    return source[1] if source else None


def _language(text: str) -> str | None:
    m = re.search(r"\b(?:into|to|in)\s+([A-Z][a-z]+)\b", text)
    return m[1] if m else None


def _read(field: str, spec: dict, text: str, taken: set | None) -> Any:
    about = f"{field} {spec.get('description') or ''}"
    lower = text.lower()
    if spec.get("enum"):
        return next((v for v in spec["enum"] if str(v).lower() and re.search(rf"\b{re.escape(str(v).lower())}\b",
                                                                                lower)), None)
    kind = spec.get("type")
    if kind in ("integer", "number"):
        numbers = re.findall(r"(?<![\d-])\d+(?:\.\d+)?(?![\d-])", text)
        if len(numbers) == 1:
            return int(float(numbers[0])) if kind == "integer" else float(numbers[0])
        return None
    if _DATE.search(about):
        return parse.find_date(text)
    if _CODE.search(about):
        currency = bool(re.search(r"currenc", about, re.I))
        return next((c for c in _codes(text, currency) if c not in (taken or set())), None)
    if "email" in about.lower():
        m = re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
        return m[0] if m else None
    if re.search(r"\bunits?\b|unit_|_unit", about, re.I):
        return _unit(field, spec.get("description") or "", text)
    if re.search(r"language|\blang\b|locale", about, re.I):
        return _language(text)
    if re.search(r"phone|mobile|\btel\b|number", about, re.I):
        m = re.search(r"\+?\d[\d\s().-]{6,}\d", text)
        return m[0] if m else None
    if _SEARCH.search(about) and kind in (None, "string"):
        quoted = _QUOTED.search(text)
        return quoted[1] if quoted else _ASKING.sub("", text).strip(" ?.!") or None
    if _PLACE.search(about):
        return _place(field, about, text, taken or set())
    if not _TEXTLIKE.search(about):
        return None  # a quoted phrase is a text's value, not an id's or an amount's
    m = _QUOTED.search(text)
    return m[1] if m else None


def _place(field: str, about: str, text: str, taken: set) -> str | None:
    """A place from the text: the route's origin for a field about where from, its destination for where to
    ("from Berlin to Vienna"), else the first place no other argument took."""
    origin, destination = parse.find_route(text)
    words = f"{field.replace('_', ' ')} {about}"
    if _ORIGIN.search(words) and not _DESTINATION.search(field.replace("_", " ")):
        return origin
    if _DESTINATION.search(words):
        return destination
    return next((c for c in parse.find_cities(text) if c not in taken), None)


def generic_call(text: str, tools: dict[str, dict], messages: list[dict],
                 literal: bool = False) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) for a request no script covers, or None when no offered tool is about it."""
    name = pick_tool(text, tools, literal)
    if name is None:
        return None
    params = tools[name].get("parameters") or {}
    arguments: dict[str, Any] = {}
    properties = params.get("properties") or {}
    for field, spec in properties.items():
        value = value_for(field, spec or {}, text, messages, set(map(str, arguments.values())))
        if value not in (None, ""):
            arguments[field] = value
    numeric = [f for f, spec in properties.items() if (spec or {}).get("type") in ("integer", "number")]
    numbers = re.findall(r"(?<![\w.-])-?\d+(?:\.\d+)?(?![\w-])", text)
    if len(numeric) > 1 and len(numbers) == len(numeric) and not any(f in arguments for f in numeric):
        # "Multiply 2 and 3" for multiply(a, b): the request's numbers, in the order of the tool's parameters
        for field, number in zip(numeric, numbers):
            arguments[field] = int(float(number)) if properties[field].get("type") == "integer" else float(number)
    return name, arguments
