"""The tool-set linter: the places in a tool set where an agent will have to guess, or ask.

Each warning names the tool, the field and the problem:

- `missing-description`: a required parameter without a description (the model cannot know what to put);
- `short-description`: a tool description too short to choose the tool by;
- `should-be-date`: a free-text parameter that holds a date (by its name or description) without
  `format: date` (models then write "next Friday" or "03/04");
- `should-be-enum`: a free-text parameter whose description lists its allowed values without an `enum`;
- `overlap`: two tools whose descriptions say nearly the same thing (the model will pick either).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from tools.model import Tool

MIN_TOOL_DESCRIPTION = 20
OVERLAP = 0.6  # Jaccard similarity of the descriptions' content words
DATE_NAME = re.compile(r"(^|_)(date|day|deadline|birthday|when)($|_)|_(on|at|from|until)$|^(from|until|since)$")
DATE_WORDS = re.compile(r"\b(date|day|yyyy|iso ?8601|deadline)\b", re.I)
CHOICES = re.compile(r"\b(one of|either|must be|allowed|choices?|options?)\b|\b\w+ (or|/|\|) \w+\b", re.I)
LISTED = re.compile(r"['\"`]?\w+['\"`]?\s*(,|or|/|\|)\s*['\"`]?\w+")  # "a, b" "a or b" "a/b"
EXAMPLES = re.compile(r"\b(for example|for instance|e\.g\.|such as|like)\b", re.I)  # examples, not choices
STOP = set("a an and are as at be by for from in is it of on or the this to with which that your you its can "
           "will given tool returns return get gets".split())


@dataclass(frozen=True)
class LintWarning:
    tool: str
    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 2}


def _param_warnings(tool: Tool) -> list[LintWarning]:
    out = []
    required = set(tool.required)
    for name, spec in (tool.parameters.get("properties") or {}).items():
        where = f"parameters.{name}"
        description = (spec.get("description") or "").strip()
        if name in required and not description:
            out.append(LintWarning(tool.name, where, "missing-description",
                               f"required parameter {name!r} has no description: the model has to guess what it is"))
        if spec.get("type") != "string" or "enum" in spec or spec.get("format"):
            continue
        if DATE_NAME.search(name) or DATE_WORDS.search(description):
            out.append(LintWarning(tool.name, where, "should-be-date",
                               f"{name!r} looks like a date but is free text: give it \"format\": \"date\" "
                               "(YYYY-MM-DD) so relative dates are resolved, or asked about"))
        elif CHOICES.search(description) and LISTED.search(description) and not EXAMPLES.search(description):
            out.append(LintWarning(tool.name, where, "should-be-enum",
                               f"{name!r} lists its values in the description but has no \"enum\": make it one "
                               "so invalid values are caught before the call"))
    return out


def lint(tools: list[Tool]) -> list[LintWarning]:
    """Warnings for a tool set, tool by tool, then overlaps between tools."""
    out: list[LintWarning] = []
    for tool in tools:
        if len(tool.description.strip()) < MIN_TOOL_DESCRIPTION:
            out.append(LintWarning(tool.name, "description", "short-description",
                               f"the description {tool.description.strip()!r} is under {MIN_TOOL_DESCRIPTION} "
                               "characters: say what the tool does and when to use it"))
        out.extend(_param_warnings(tool))
    for a, b in combinations(tools, 2):
        wa, wb = _words(a.description), _words(b.description)
        if wa and wb and len(wa & wb) / len(wa | wb) >= OVERLAP:
            out.append(LintWarning(a.name, "description", "overlap",
                               f"{a.name!r} and {b.name!r} have nearly the same description: say how they differ"))
    return out


def report(tools: list[Tool]) -> dict[str, Any]:
    found = lint(tools)
    return {"tools": [t.name for t in tools], "warnings": [w.to_dict() for w in found], "count": len(found)}
