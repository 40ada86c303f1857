"""The model-free check of one tool call: is it complete, valid and grounded in the conversation?

`check_tool_call(tool, arguments, conversation)` returns clarification requests as dicts (empty when the call
can run as is). Schema problems come first (missing required arguments, wrong types, values outside an
enum, a format or a range, dates that do not exist or are past for a booking); then grounding: a value that
appears nowhere in the conversation (user turns, tool results, earlier answers) nor as a schema default is a
suspected guess.

Argument keys written in another convention than the schema's (case, snake or camel, `is_from` for `from`) are
the schema's; a key that matches none is reported. A schema default that is only an example (a required
field's, or a specific value such as a ticker or an address) is a guess when copied unsaid. A code only world
knowledge gives (a country's currency, a company's ticker) is not asked about: provenance marks it `inferred`
and the reflection step judges it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import app.clarify.grounding as grounding
from app.clarify.request import ClarificationRequest
from app.dates import current_day
from tools.execute import match_keys, type_matches

_BOOKING_WORDS = re.compile(r"\b(book|booking|reserve|reservation|schedule|appointment|flight|depart|travel|"
                            r"check-?in|meeting|event|deliver|ship)\w*", re.IGNORECASE)
_COUNT = re.compile(r"\b(passengers?|people|persons?|guests?|adults?|children|kids|travell?ers?|tickets?|seats?|"
                    r"rooms?|nights?|quantity|count|number of|amount of|items?|copies|pieces?|servings?)\b", re.I)
_DATE_HINT = re.compile(r"\b(date|day|yyyy-mm-dd|when)\b", re.IGNORECASE)


def _label(field: str) -> str:
    return field.replace("_", " ").strip()


def _examples(description: str) -> list[str]:
    """Options offered in a description: 'for example Paris or New York', 'such as A, B'."""
    m = re.search(r"(?:for example|e\.g\.|such as|like)\s*:?\s*([^.;()]+)", description, re.IGNORECASE)
    if not m:
        return []
    parts = re.split(r",\s*|\s+or\s+|\s+and\s+", m.group(1))
    return [p.strip(" '\"") for p in parts if p.strip(" '\"") and len(p.strip()) < 40][:5]


def _question(tool: str, field: str, schema: dict) -> str:
    description = (schema.get("description") or "").strip().rstrip(".")
    suffix = f" ({description})" if description else ""
    return f"Which {_label(field)} should I use for {tool}?{suffix}"


def _is_date_field(field: str, schema: dict) -> bool:
    if schema.get("format") in ("date", "date-time"):
        return True
    return bool(_DATE_HINT.search(field.replace("_", " ")) or _DATE_HINT.search(schema.get("description") or ""))


def _type_ok(value: Any, schema: dict) -> bool:
    # The executor coerces numeric strings ("3") before running a tool; number words ("three") it does not.
    if schema.get("type") in ("integer", "number") and isinstance(value, str):
        if re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
            return schema["type"] == "number" or float(value).is_integer()
    return type_matches(value, schema)


def _value_problems(tool: dict, field: str, value: Any, schema: dict, today: date) -> list[ClarificationRequest]:
    name = tool["name"]
    problems: list[ClarificationRequest] = []

    def invalid(reason: str, options: list[str] | None = None, question: str | None = None) -> None:
        problems.append(ClarificationRequest(
            kind="invalid_value", tool=name, field=field, reason=reason, detected_by="schema",
            question=question or f"{reason}. What {_label(field)} should I use instead?",
            options=options if options is not None else _examples(schema.get("description") or ""),
        ))

    if not _type_ok(value, schema):
        invalid(f"{_label(field)} must be {schema.get('type')}, but the call has {value!r}")
        return problems
    if "enum" in schema and value not in schema["enum"]:
        invalid(f"{value!r} is not a valid {_label(field)}", [str(v) for v in schema["enum"]],
                f"{_label(field).capitalize()} must be one of {', '.join(map(str, schema['enum']))}. Which one?")
        return problems
    number = grounding.as_number(value) if schema.get("type") in ("integer", "number") else None
    if number is not None:
        if "minimum" not in schema and number < 0 and _COUNT.search(f"{_label(field)} {schema.get('description') or ''}"):
            invalid(f"{_label(field)} cannot be negative ({value})")  # a count, whatever the schema leaves open
        if "minimum" in schema and number < schema["minimum"]:
            invalid(f"{_label(field)} {value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and number > schema["maximum"]:
            invalid(f"{_label(field)} {value} is above the maximum {schema['maximum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            invalid(f"{_label(field)} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            invalid(f"{_label(field)} is longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            invalid(f"{_label(field)} {value!r} does not match the expected format")
        if schema.get("format") == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            invalid(f"{value!r} is not an email address")
        if _is_date_field(field, schema) and re.search(r"\d", value):
            problems.extend(_date_problems(tool, field, value, schema, today))
    return problems


def _date_problems(tool: dict, field: str, value: str, schema: dict, today: date) -> list[ClarificationRequest]:
    m = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if not m:
        return []
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return [ClarificationRequest(
            kind="invalid_value", tool=tool["name"], field=field, detected_by="schema",
            reason=f"{value} is not a real calendar date",
            question=f"{value} does not exist. Which {_label(field)} did you mean?",
        )]
    context = f"{tool['name']} {tool.get('description', '')} {field} {schema.get('description', '')}"
    if day < today and _BOOKING_WORDS.search(context):
        return [ClarificationRequest(
            kind="invalid_value", tool=tool["name"], field=field, detected_by="schema",
            reason=f"{value} is in the past", question=f"{value} is in the past. Which {_label(field)} did you mean?",
        )]
    return []


def example_default(field: str, schema: dict, required: list[str]) -> bool:
    """Whether a schema's default is only an example (ToolBench specs put sample values there): a required
    field's, or a specific value (a name, a code, a number in text, several words) that no real default is."""
    default = schema.get("default")
    if field in required:
        return True
    return isinstance(default, str) and "enum" not in schema and bool(
        re.search(r"[A-Z0-9@/]", default) or len(default.split()) > 2)


def check_tool_call(tool: dict, arguments: dict, conversation: list[dict], *,
                    answers: list[int] | None = None, today: date | None = None,
                    grounding_check: bool = True, siblings: list[dict] | None = None) -> list[dict]:
    """Clarification requests for one call (empty when it is complete, valid and grounded).

    `tool` is an OpenAI function schema {"name", "description", "parameters"} (a {"type": "function",
    "function": {...}} wrapper is accepted too); `arguments` the call's arguments; `conversation` the
    OpenAI-format messages so far. `answers` marks message indexes that are clarification answers;
    `siblings` the arguments of the same reply's other calls of this tool.
    """
    if "function" in tool and "name" not in tool:
        tool = tool["function"]
    today = today or current_day()
    params = tool.get("parameters") or {}
    properties: dict[str, dict] = params.get("properties") or {}
    required: list[str] = list(params.get("required") or [])
    arguments = arguments if isinstance(arguments, dict) else {}
    found: list[ClarificationRequest] = []
    if properties:
        arguments, unknown = match_keys(arguments, properties)
        for field in unknown:
            found.append(ClarificationRequest(
                kind="invalid_value", tool=tool["name"], field=field, detected_by="schema",
                reason=f"{tool['name']} takes no argument {field!r} (it takes: {', '.join(properties)})",
                question=f"{tool['name']} has no {_label(field)} to set (it takes: {', '.join(map(_label, properties))}). "
                         "What did you want it to do?",
            ))

    for field in required:
        if arguments.get(field) in (None, "", [], {}):
            schema = properties.get(field, {})
            options = [str(v) for v in schema.get("enum", [])] or _examples(schema.get("description") or "")
            found.append(ClarificationRequest(
                kind="missing_argument", tool=tool["name"], field=field, detected_by="schema",
                reason=f"required argument {field!r} is missing", question=_question(tool["name"], field, schema),
                options=options,
            ))
    for field, value in arguments.items():
        if value in (None, "") or field not in properties:
            continue
        found.extend(_value_problems(tool, field, value, properties[field], today))

    if grounding_check:
        flagged = {r.field for r in found}
        sources = grounding.sources(conversation, answers or [])
        text = "\n".join(s.text for s in sources)
        for field, value in arguments.items():
            schema = properties.get(field, {})
            if field in flagged or value in (None, "") or isinstance(value, bool):
                continue
            if "default" in schema and value == schema["default"] and not example_default(field, schema, required):
                continue
            if grounding.grounded_in(value, text, today, composed=bool(grounding.COMPOSED_FIELDS.match(field)),
                                     search=bool(grounding.SEARCH_FIELDS.match(field))):
                composed = grounding.COMPOSED_FIELDS.match(field)
                others = [s.get(field) for s in siblings or [] if isinstance(s, dict)]
                if not composed and (left_open := grounding.open_alternatives(value, conversation, answers or [],
                                                                              also=others)):
                    found.append(ClarificationRequest(
                        kind="ambiguous_argument", tool=tool["name"], field=field, detected_by="grounding",
                        reason=f"you said {' or '.join(left_open)}; the call picked {value!r}",
                        question=f"{' or '.join(left_open)}: which {_label(field)} do you want?", options=left_open,
                    ))
                elif candidates := grounding.competing_references(value, conversation, answers or []):
                    found.append(ClarificationRequest(
                        kind="ambiguous_argument", tool=tool["name"], field=field, detected_by="grounding",
                        reason=f"{value!r} is one of {len(candidates)} candidates and you named none of them",
                        question=f"Which {_label(field)} do you mean?", options=candidates[:6],
                    ))
                continue
            if grounding.inferable(value, field, schema, text):
                continue  # world knowledge: provenance says `inferred`, the reflection step judges it
            options = [str(v) for v in schema.get("enum", [])] or _examples(schema.get("description") or "")
            found.append(ClarificationRequest(
                kind="missing_argument", tool=tool["name"], field=field, detected_by="grounding",
                reason=f"{_label(field)} {value!r} appears nowhere in the conversation: a suspected guess",
                question=f"You didn't say which {_label(field)} to use for {tool['name']}. Should I use {value!r}, "
                         f"or something else?",
                options=[str(value), *[o for o in options if o != str(value)]][:5],
            ))
    return [r.to_dict() for r in found]
