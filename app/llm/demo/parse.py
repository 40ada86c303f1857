"""What the demo model "understands": cities, routes, dates, arithmetic, units and explicit tool calls."""

from __future__ import annotations

import json
import re

from app.dates import WEEKDAYS, find_date  # noqa: F401  (the demo model reads dates like everyone else)

CITIES = [
    "Amsterdam", "Athens", "Bangkok", "Barcelona", "Beijing", "Berlin", "Boston", "Buenos Aires", "Cairo",
    "Cape Town", "Chicago", "Delhi", "Dubai", "Dublin", "Hong Kong", "Istanbul", "Jakarta", "Lagos", "Lima",
    "Lisbon", "London", "Los Angeles", "Madrid", "Melbourne", "Mexico City", "Moscow", "Mumbai", "Nairobi",
    "New York", "Oslo", "Paris", "Prague", "Rio de Janeiro", "Rome", "San Francisco", "Seoul", "Singapore",
    "Stockholm", "Sydney", "Tokyo", "Toronto", "Vienna", "Milan", "Munich", "Zurich", "Brussels",
    "Copenhagen", "Helsinki", "Warsaw", "Budapest", "Edinburgh", "Manchester", "Nice", "Lyon", "Venice",
    "Florence", "Kyoto", "Osaka", "Shanghai", "Vancouver", "Montreal", "Miami", "Seattle", "Denver",
]
TIMEZONES = {
    "Paris": "Europe/Paris", "London": "Europe/London", "Berlin": "Europe/Berlin", "Rome": "Europe/Rome",
    "Madrid": "Europe/Madrid", "Tokyo": "Asia/Tokyo", "New York": "America/New_York", "Sydney": "Australia/Sydney",
    "Los Angeles": "America/Los_Angeles", "San Francisco": "America/Los_Angeles", "Chicago": "America/Chicago",
    "Singapore": "Asia/Singapore", "Dubai": "Asia/Dubai", "Delhi": "Asia/Kolkata", "Mumbai": "Asia/Kolkata",
    "Beijing": "Asia/Shanghai", "Shanghai": "Asia/Shanghai", "Seoul": "Asia/Seoul", "Moscow": "Europe/Moscow",
    "Toronto": "America/Toronto", "Lisbon": "Europe/Lisbon", "Cairo": "Africa/Cairo", "Amsterdam": "Europe/Amsterdam",
}


_NOT_PLACES = {"the", "a", "my", "me", "i", "today", "tomorrow", *WEEKDAYS, "january", "february", "march", "april",
               "may", "june", "july", "august", "september", "october", "november", "december"}


def find_cities(text: str) -> list[str]:
    """Known cities in order of appearance, then capitalised names after 'in'/'for'/'from'/'to'."""
    found: list[tuple[int, str]] = []
    lower = text.lower()
    for city in CITIES:
        for match in re.finditer(r"\b" + re.escape(city.lower()) + r"\b", lower):
            found.append((match.start(), city))
    # Names it does not know: capitalised words after in/for/from/to/at, or, beside known cities, after
    # from/to only (a route: "from Lisbon to Porto").
    preposition = r"(?:in|for|from|to|at)" if not found else r"(?:from|to)"
    for match in re.finditer(rf"\b{preposition}\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)", text):
        name = match.group(1)
        if name.lower() not in _NOT_PLACES and not any(c.lower() in name.lower() for _, c in found):
            found.append((match.start(1), name))
    seen: list[str] = []
    for _, city in sorted(found):
        if city not in seen:
            seen.append(city)
    return seen


def find_route(text: str) -> tuple[str | None, str | None]:
    cities = find_cities(text)
    origin = destination = None
    lower = text.lower()
    for city in cities:
        c = re.escape(city.lower())
        if re.search(rf"\bfrom\s+{c}\b", lower):
            origin = city
        elif re.search(rf"\b(?:to|for|into)\s+{c}\b", lower):
            destination = destination or city
    rest = [c for c in cities if c not in (origin, destination)]
    if destination is None and rest:
        destination = rest.pop(0)
    if origin is None and rest:
        origin = rest.pop(0)
    return origin, destination


_WORD_OPS = [
    (r"\bmultiplied\s+by\b", "*"), (r"\btimes\b", "*"), (r"\bdivided\s+by\b", "/"), (r"\bover\b", "/"),
    (r"\bplus\b", "+"), (r"\bminus\b", "-"), (r"\bto\s+the\s+power\s+of\b", "**"), (r"\bsquared\b", "**2"),
    (r"\bcubed\b", "**3"), (r"\bsquare\s+root\s+of\s+(\d+(?:\.\d+)?)", r"sqrt(\1)"), (r"(?<=\d)\s*x\s*(?=\d)", "*"),
    (r"(?<=\d)\s*[×]\s*(?=\d)", "*"), (r"(?<=\d)\s*[÷]\s*(?=\d)", "/"),
]
_EXPR = re.compile(r"(?:sqrt|log|abs|round)?[\d\.\(][\d\.\s\+\-\*/\(\)\^%a-z]*")


def find_math(text: str) -> str | None:
    """The arithmetic expression in a sentence, with number words turned into operators."""
    lower = text.lower()
    for pattern, replacement in _WORD_OPS:
        lower = re.sub(pattern, replacement, lower)
    best: str | None = None
    for match in re.finditer(r"(?:sqrt\()?[\d\(][\d\.\s\+\-\*/\(\)\^%]*(?:\))?", lower):
        candidate = match.group(0).strip().rstrip("+-*/^% ").strip()
        if candidate.startswith("sqrt(") and candidate.count("(") > candidate.count(")"):
            candidate += ")"
        while candidate.count("(") > candidate.count(")") and candidate.startswith("("):
            candidate = candidate[1:].strip()
        while candidate.count(")") > candidate.count("(") and candidate.endswith(")"):
            candidate = candidate[:-1].strip()
        numbers = re.findall(r"\d+(?:\.\d+)?", candidate)
        has_op = re.search(r"[\+\-\*/\^%]|sqrt", candidate)
        if has_op and (len(numbers) >= 2 or "sqrt" in candidate or "**" in candidate):
            if best is None or len(candidate) > len(best):
                best = candidate
    return best


_CHAIN_STEPS = [
    (r"^(?:add|plus)\s+(\d+(?:\.\d+)?)", "{prev} + \\1"),
    (r"^(?:subtract|minus|take away)\s+(\d+(?:\.\d+)?)", "{prev} - \\1"),
    (r"^(?:multiply|times)\s+(?:it\s+|that\s+|the result\s+)?(?:by\s+)?(\d+(?:\.\d+)?)", "{prev} * \\1"),
    (r"^(?:divide)\s+(?:it\s+|that\s+|the result\s+)?(?:by\s+)?(\d+(?:\.\d+)?)", "{prev} / \\1"),
    (r"^(?:square)\s+(?:it|that|the result)", "{prev} ** 2"),
    (r"^(?:take\s+the\s+)?square\s+root", "sqrt({prev})"),
    (r"^(?:double)\s+(?:it|that|the result)", "{prev} * 2"),
    (r"^(?:halve)\s+(?:it|that|the result)", "{prev} / 2"),
]


def math_chain(text: str) -> list[str]:
    """Expressions to compute in order; later ones refer to the previous result as {prev}."""
    parts = [p.strip(" .?!") for p in re.split(r",?\s*(?:and\s+)?then\s+|;\s*", text, flags=re.IGNORECASE) if p.strip(" .?!")]
    if not parts:
        return []
    first = find_math(parts[0])
    if first is None:
        return []
    chain = [first]
    for part in parts[1:]:
        lower = part.lower()
        for pattern, template in _CHAIN_STEPS:
            if m := re.search(pattern, lower):
                chain.append(m.expand(template))
                break
        else:
            if re.search(r"\b(it|that|the result)\b", lower) and (expr := find_math(re.sub(r"\b(it|that|the result)\b", "1", lower))):
                chain.append(expr.replace("1", "{prev}", 1))
            elif expr := find_math(part):
                chain.append(expr)
    return chain


def find_conversion(text: str) -> tuple[float, str, str] | None:
    lower = text.lower().replace("°", "")
    unit = r"([a-z]+(?:/[a-z]+)?)"
    if m := re.search(rf"(-?\d+(?:\.\d+)?)\s*{unit}\s+(?:to|in|into|as)\s+{unit}", lower):
        return float(m[1]), m[2], m[3]
    if m := re.search(rf"how\s+many\s+{unit}\s+(?:is|are|in)\s+(-?\d+(?:\.\d+)?)\s*{unit}", lower):
        return float(m[2]), m[3], m[1]
    return None


def explicit_call(text: str, tool_names: list[str]) -> tuple[str, dict] | None:
    """'call TOOL with VALUE' (or 'use', 'run'): VALUE may be JSON, key=value pairs, or one plain value."""
    names = "|".join(re.escape(n) for n in sorted(tool_names, key=len, reverse=True))
    if not names:
        return None
    m = re.search(
        rf"\b(?:call|use|run|invoke|try)\s+(?:the\s+)?[`'\"]?({names})[`'\"]?(?:\s+tool)?(?:\s+(?:with|on|for|using)\s+(.+?))?\s*[.!?]?\s*$",
        text.strip(), flags=re.IGNORECASE | re.DOTALL,
    )
    if not m:
        return None
    name = next(n for n in tool_names if n.lower() == m[1].lower())
    raw = (m[2] or "").strip()
    if not raw:
        return name, {}
    try:
        value = json.loads(raw)
        if isinstance(value, dict):
            return name, value
    except json.JSONDecodeError:
        pass
    pairs = re.findall(r"(\w+)\s*[=:]\s*(\"[^\"]*\"|'[^']*'|[^,;]+)", raw)
    if pairs and all(re.match(r"^\w+$", k) for k, _ in pairs) and re.match(r"^\s*\w+\s*[=:]", raw):
        return name, {k: _scalar(v) for k, v in pairs}
    return name, {"__value__": _scalar(raw)}


def _scalar(text: str):
    text = text.strip().strip("\"'")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text
