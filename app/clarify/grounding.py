"""Grounding: does a value appear in the conversation, in any of its equivalent forms?

A value is grounded when the user, a tool result or an earlier clarification answer mentions it: the same
text ignoring case, whitespace and punctuation; the same number ("1,000", "1000.0", "one thousand" is not
attempted, but "five" is); the same date in another format ("Dec 1", "1 December", "12/01", "2026-12-01",
"tomorrow"); or, for free text, most of its content words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from app.dates import MONTH_WORD, WEEKDAYS, current_day, find_date

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "a couple": 2, "a pair": 2, "single": 1, "double": 2, "dozen": 12,
}
STOPWORDS = set("""a an the of to in on at for from by with and or is are be me my i you your it this that
please can could would will just some any want need like get make do go""".split())
# Codes a user says in words.
ALIASES = {
    "usd": ("dollar", "dollars", "$", "bucks"), "eur": ("euro", "euros", "€"), "gbp": ("pound", "pounds", "£", "quid"),
    "jpy": ("yen",), "cny": ("yuan", "renminbi"), "chf": ("swiss franc", "francs"),
}
# Free-text fields the model is expected to compose: grounded when they share any content word and add no
# specific detail (a number, a name) the conversation does not have.
COMPOSED_FIELDS = re.compile(r"^(body|message|content|text|subject|title|description|notes?|comment|summary|prompt)$")
# Search strings the model composes from what the user said: it may add a kind of place or thing and spell out
# an abbreviation ("sushi in Bergen" -> "sushi restaurants in Bergen"; "NYC" -> "New York City").
SEARCH_FIELDS = re.compile(r"^(q|query|search|search_?query|search_?term|term|keywords?|text_?query|what)$", re.I)
KINDS_OF_PLACE = set("""restaurant hotel motel inn hostel museum cafe coffeehouse bar pub club shop store boutique place
venue spot attraction gallery park beach bakery market supermarket mall cinema theater theatre bistro diner pizzeria
eatery food gym studio spa salon barber pharmacy chemist drugstore clinic hospital dentist doctor vet library school
university college bookshop bookstore florist laundromat laundry bank atm station stop garage parking lot charger
airport port harbour harbor terminal stadium arena court field pool rink trail zoo aquarium church temple mosque
synagogue shrine landmark monument viewpoint campsite campground center centre service services option
near nearby best top good popular local area city downtown""".split())
_SPECIFIC = re.compile(r"\d[\d:.,]*(?:am|pm)?|(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{1,}\b")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s@.+:/-]", " ", text.lower()).split())


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower().replace(",", "")
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text)
        if text in NUMBER_WORDS:
            return float(NUMBER_WORDS[text])
    return None


def numbers_in(text: str) -> set[float]:
    found = {float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text) if n.strip(",-")}
    lower = text.lower()
    for word, value in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", lower):
            found.add(float(value))
    return found


def as_iso_date(value: str, today: date | None = None) -> str | None:
    """The value as YYYY-MM-DD if it is a date in any format we know (impossible dates keep their numbers)."""
    if m := _ISO.match(value):
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return find_date(value, today)


def dates_in(text: str, today: date | None = None) -> set[str]:
    """Every date mentioned in `text`, as YYYY-MM-DD (relative ones resolved against today). A date written
    without its year is also read with each year the text names (the year may come in a later answer)."""
    today = today or current_day()
    found: set[str] = set()
    for m in re.finditer(r"\b\d{4}-\d{1,2}-\d{1,2}\b", text):
        found.add(as_iso_date(m.group(0)) or "")
    for m in re.finditer(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", text):  # MM-DD-YYYY (US), or DD-MM-YYYY
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        found.update(f"{year:04d}-{mm:02d}-{dd:02d}" for mm, dd in ((a, b), (b, a)) if mm <= 12 and dd <= 31)
    years = {int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", text)}
    joined = re.sub(r",\s*((?:19|20)\d\d)\b", r" \1", text)  # "March 3rd, 2027": the comma is not a break
    for start, end, month, year in _ranges(joined):
        for day in (start, end):
            found.add(f"{year or _year_for(month, day, today):04d}-{month:02d}-{day:02d}")
            found.update(f"{y:04d}-{month:02d}-{day:02d}" for y in years)
    pieces = re.split(r"[.;,!?\n]| and | or | to | until | till | through ", joined)
    for piece in pieces:
        if iso := find_date(piece, today):
            found.add(iso)
            y, m_, d = iso.split("-")
            found.add(f"{int(y) - 1:04d}-{m_}-{d}")  # a yearless date may refer to this year too
            if not re.search(r"\b\d{4}\b", piece):
                found.update(f"{year:04d}-{m_}-{d}" for year in years)
    lower = text.lower()
    if "today" in lower:
        found.add(today.isoformat())
    if "tomorrow" in lower:
        found.add((today + timedelta(days=1)).isoformat())
    found.discard("")
    return found


_ORD = r"(?:st|nd|rd|th)?"
_RANGE_MONTH = rf"({MONTH_WORD})"
_SEP = r"\s*(?:-|–|to|until|till|through|and)\s*(?:the\s+)?"


def _year_for(month: int, day: int, today: date) -> int:
    return today.year if (month, day) >= (today.month, today.day) else today.year + 1


def _ranges(text: str) -> Iterable[tuple[int, int, int, int | None]]:
    """Day ranges inside one month: "March 3 to 7, 2027", "from the 3rd to the 7th of March" -> (3, 7, 3, year)."""
    lower = text.lower()
    for m in re.finditer(rf"\b{_RANGE_MONTH}\s+(\d{{1,2}}){_ORD}{_SEP}(\d{{1,2}}){_ORD}\b(?:,?\s+(\d{{4}}))?", lower):
        yield int(m[2]), int(m[3]), _month(m[1]), int(m[4]) if m[4] else None
    for m in re.finditer(rf"\b(\d{{1,2}}){_ORD}{_SEP}(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_RANGE_MONTH}(?:,?\s+(\d{{4}}))?", lower):
        yield int(m[1]), int(m[2]), _month(m[3]), int(m[4]) if m[4] else None


def _month(name: str) -> int:
    return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(name[:3]) + 1


@dataclass
class Source:
    kind: str  # user | tool | clarification
    index: int  # message index in the conversation
    text: str


def sources(conversation: list[dict], answers: Iterable[int] = ()) -> list[Source]:
    """The messages that can ground a value: user turns (answers marked as such) and tool results."""
    answer_indexes = set(answers)
    found: list[Source] = []
    for i, message in enumerate(conversation):
        role = message.get("role")
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        content = str(content or "")
        if role == "user":
            found.append(Source("clarification" if i in answer_indexes or message.get("name") == "clarification"
                                else "user", i, content))
        elif role == "tool":
            found.append(Source("tool", i, content))
    return found


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1]


def _said(word: str, norm_text: str) -> bool:
    """A word of a value in the text: itself, or its singular or plural."""
    stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
    return bool(re.search(rf"\b{re.escape(stem)}", norm_text))


def _abbreviated(value_text: str, norm_text: str) -> set[str]:
    """The words of `value_text` that spell out an abbreviation the text uses ("New York City" for "NYC")."""
    spelt: set[str] = set()
    names = re.findall(r"(?:[A-Z][a-z]+\s+){1,3}[A-Z][a-z]+", value_text)
    for name in names:
        parts = name.split()
        if re.search(rf"\b{''.join(p[0] for p in parts).lower()}\b", norm_text):
            spelt.update(p.lower() for p in parts)
    return spelt


def specifics(value_text: str) -> list[str]:
    """The specific details of a free text: numbers and times, and names (capitalised words not starting a
    sentence). Composed text may paraphrase what the user said, never add one of these."""
    return [m.group(0) for m in _SPECIFIC.finditer(value_text.strip())]


def _specific_said(token: str, text: str, norm_text: str) -> bool:
    if re.match(r"\d", token):
        return all(n in numbers_in(text) for n in numbers_in(token))
    return _said(token.lower(), norm_text)


def search_grounded(value_text: str, text: str) -> bool:
    """A search string the model composed: every word the user said (singular or plural), a kind of place, or
    part of a spelt-out abbreviation the user used; at least one word the user said."""
    norm_text = normalise(text)
    spelt = _abbreviated(value_text, norm_text)
    words = content_words(value_text)
    said = [w for w in words if _said(w, norm_text) or w in spelt]
    return bool(said) and all(w in said or _singular(w) in KINDS_OF_PLACE for w in words)


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("es", "e"), ("s", "")):
        if len(word) > 3 and word.endswith(plural):
            return word[: -len(plural)] + single
    return word


def grounded_in(value: Any, text: str, today: date | None = None, composed: bool = False,
                search: bool = False) -> bool:
    """Whether `value` appears in `text` in some equivalent form. `composed`: text the model writes itself;
    `search`: a search string it composed (see search_grounded)."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, (list, tuple)):
        return all(grounded_in(v, text, today) for v in value)
    if isinstance(value, dict):
        return all(grounded_in(v, text, today) for v in value.values())
    number = as_number(value)
    if number is not None:
        return number in numbers_in(text)
    value_text = str(value).strip()
    if not value_text:
        return True
    norm_value, norm_text = normalise(value_text), normalise(text)
    if norm_value and norm_value in norm_text:
        return True
    if any(re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", norm_text) for alias in ALIASES.get(norm_value, ())):
        return True
    if re.sub(r"\s", "", norm_value) in re.sub(r"\s", "", norm_text):
        return True
    iso = as_iso_date(value_text, today) if is_date_like(value_text) else None
    if iso and iso in dates_in(text, today):
        return True
    if is_expression(value_text):
        # an arithmetic expression: grounded if every number in it is
        return all(n in numbers_in(text) for n in numbers_in(value_text))
    if search and search_grounded(value_text, text):
        return True
    words = content_words(value_text)
    if not words:
        return True
    if len(words) > 1 and not all(_specific_said(t, text, norm_text) for t in specifics(value_text)):
        return False  # an invented detail: a number or a name nobody said
    present = sum(1 for w in words if re.search(rf"\b{re.escape(w)}", norm_text))
    if composed:
        return present >= 1
    if len(words) <= 3:
        return present == len(words)
    return present / len(words) >= 0.6


_DATE_WORDS = re.compile(rf"\d+(?:st|nd|rd|th)?|{MONTH_WORD}|{'|'.join(WEEKDAYS)}|today|tonight|tomorrow|day|days|"
                         r"after|next|this|week|morning|evening|afternoon|am|pm|t")


def is_date_like(value: str) -> bool:
    """A value that is a date and nothing more ("June 21st, 2028", "2028-06-21", "next Friday"): only such a value
    is compared as a date. A free text that mentions one ("closed today for repairs") is not a date."""
    lower = value.lower()
    words = re.findall(r"[a-z0-9]+", lower)
    dated = re.search(rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/-]\d{{1,2}}|today|tonight|tomorrow|day\b|\b{MONTH_WORD}",
                      lower)
    return bool(words) and dated is not None and all(w in STOPWORDS or _DATE_WORDS.fullmatch(w) for w in words)


def is_expression(value: str) -> bool:
    """An arithmetic expression (numbers, operators, function names): grounded number by number."""
    return bool(re.fullmatch(r"[\d\s\.\+\-\*/\(\)\^%a-z]*", value.lower()) and re.search(r"\d", value))


_CODE_FIELD = re.compile(r"code|symbol|ticker|currency|iso|country|airport|iata|language|locale|exchange", re.I)


def inferable(value: Any, field: str, schema: dict, text: str) -> bool:
    """A code that only world knowledge gives (a country's currency, a company's ticker, an airport): an upper
    case code in a field for codes, in a conversation that names something (a capitalised word, not a code). A model-free check cannot
    tell it from a guess: it is marked `inferred`, for the reflection step to judge."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2,5}", value.strip()):
        return False
    if not _CODE_FIELD.search(f"{field} {schema.get('description') or ''}"):
        return False
    return bool(re.search(r"(?<![.!?]\s)(?<!^)(?<!\n)\b[A-Z][a-z]+", text.strip()))  # a name: "Japan", "Alphabet"


def find_source(value: Any, conversation: list[dict], answers: Iterable[int] = (),
                today: date | None = None, field: str = "") -> Source | None:
    """The latest message that grounds `value` (clarification answers first, then user turns, then tools);
    `field`, the argument's name, says whether it is composed text or a search string."""
    candidates = sources(conversation, answers)
    kinds = {"composed": bool(COMPOSED_FIELDS.match(field)), "search": bool(SEARCH_FIELDS.match(field))}
    for kind in ("clarification", "user", "tool"):
        for source in reversed(candidates):
            if source.kind == kind and grounded_in(value, source.text, today, **kinds):
                return source
    return None


def _scalar_lists(value: Any) -> Iterable[list]:
    if isinstance(value, list):
        if len(value) > 1 and all(isinstance(v, (str, int, float)) for v in value):
            yield value
        for item in value:
            yield from _scalar_lists(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _scalar_lists(item)


def competing_references(value: Any, conversation: list[dict], answers: Iterable[int] = ()) -> list[str]:
    """Other candidates when `value` was picked from a tool result listing several and the user named none of
    them: a "multiple possible references" case. Empty when the pick is not ambiguous."""
    import json

    said = "\n".join(s.text for s in sources(conversation, answers) if s.kind in ("user", "clarification"))
    if grounded_in(value, said):
        return []
    for source in sources(conversation, answers):
        if source.kind != "tool":
            continue
        try:
            data = json.loads(source.text)
        except (json.JSONDecodeError, TypeError):
            continue
        for candidates in _scalar_lists(data):
            if value in candidates:
                return [str(c) for c in candidates]
    return []


_EITHER = re.compile(r"\b(?:either|whichever|any of (?:them|those|these)|(?:does ?n[o']t|doesn't) matter|"
                     r"(?:do ?n[o']t|don't) mind)\b", re.I)


def open_alternatives(value: Any, conversation: list[dict], answers: Iterable[int] = (),
                      also: Iterable[Any] = ()) -> list[str]:
    """The alternatives the user left open when `value` is one of them ("to Lyon or Nice" and the call says
    Lyon): the pick is a guess to ask about. Empty when a later message chose, the value keeps every
    alternative (a search for "pizza or pasta"), other calls of the same reply take the rest (`also`: rain in
    Paris or London, both looked up), or the user said either will do."""
    also = list(also)
    said = [s for s in sources(conversation, answers) if s.kind in ("user", "clarification")]
    years = " ".join(re.findall(r"\b(?:19|20)\d\d\b", " ".join(s.text for s in said)))
    for source in reversed(said):  # the latest message that mentions the value decides
        context = f"{source.text}\n{years}" if is_date_like(str(value)) else source.text
        if not grounded_in(value, context):
            continue
        if _EITHER.search(source.text):
            return []
        for left, right in _or_pairs(source.text):
            picked = [_is_alternative(value, side, years) for side in (left, right)]
            if picked.count(True) == 1:
                covered = any(_is_alternative(other, side, years) for other in also
                              for side, mine in zip((left, right), picked) if not mine)
                return [] if covered else [left, right]
        return []
    return []


def _or_pairs(text: str) -> Iterable[tuple[str, str]]:
    """("Lyon", "Nice") for "to Lyon or Nice"; dates and amounts whole ("March 3", "March 4, 2028")."""
    month = rf"(?i:{MONTH_WORD})"
    date = (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{month}(?:,?\s+\d{{4}})?|"
            rf"{month}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}")
    word = r"[\w$€£'-]+"
    for m in re.finditer(rf"({date}|{word})\s*,?\s+or\s+({date}|{word})", text):
        left, right = m[1].strip(), m[2].strip()
        if left.lower() not in STOPWORDS and right.lower() not in STOPWORDS:
            yield left, right


def _is_alternative(value: Any, side: str, years: str) -> bool:
    """Whether the value is (or holds) this alternative."""
    if is_date_like(side):
        iso = as_iso_date(str(value)) if isinstance(value, str) else None
        return bool(iso) and iso in dates_in(f"{side} {years}" if not re.search(r"\d{4}", side) else side)
    number = as_number(value)
    if number is not None:
        return number in numbers_in(side)
    norm = normalise(str(value))
    side_norm = normalise(side)
    codes = [code for code, words in ALIASES.items() if side_norm in words]
    return bool(re.search(rf"(?<!\w){re.escape(side_norm)}(?!\w)", norm)) or norm in codes
