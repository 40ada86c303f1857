"""Benchmark suites: NoisyToolBench-style tool-call suites and IN3 intention suites.

Tool-call suites (the NoisyToolBench format): one JSON list per category, the category being the file's name
(IMKI, IMR, IwE, IBTC) unless an item says otherwise. Each item has `api_list` (ToolBench API specs:
category_name, tool_name, api_name, api_description, required_parameters, optional_parameters, method),
`query`, `question need to be asked`, `clarification`, `expected API calling` and `query_id`. A folder is
read as its `*.json` files. The APIs are mocked deterministically from their specs (app.eval.mock).

Intention suites (the IN3 format): JSON lines with `category`, `task`, `vague`, `thought`, `missing_details`.

Built-in suites by name: `ntb-dev` (our own tool-call suite, 48 items over the built-in tools' APIs and a few
mocked ones) and `in3-dev` (the IN3 dev set, 1,219 tasks; use --limit).

A suite's dates are as of the day it was written (`as_of`): ntb-dev's flights of December 2026 are not in the past
when it runs in 2027. A file or folder is as of today unless the run says otherwise (`eval --as-of DATE`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
BUILTIN = {"ntb-dev": DATA / "ntb_dev", "in3-dev": DATA / "in3" / "dev.jsonl"}
WRITTEN = {"ntb-dev": date(2026, 11, 22)}  # the day a built-in suite's dates are relative to
CATEGORIES = ("IMKI", "IMR", "IwE", "IBTC")


class SuiteError(ValueError):
    """A suite cannot be read; the message names the file, the item and the problem."""


@dataclass
class Item:
    suite: str
    kind: str  # "tool" (NoisyToolBench) | "intent" (IN3)
    category: str
    id: str
    query: str
    data: dict[str, Any] = field(default_factory=dict)
    as_of: date | None = None  # the day its dates are relative to (None: today)

    # IN3 fields: the human labels where the row has them (the paper's labelling file: `user_vague`, and the
    # details the annotator approved, re-rated and added), else the generated ones (`vague`, `missing_details`).
    @property
    def truly_vague(self) -> bool:
        return bool(self.data["user_vague"] if "user_vague" in self.data else self.data.get("vague"))

    @property
    def missing_details(self) -> list[dict[str, Any]]:
        if any(k in self.data for k in ("user_approve", "user_rectify", "user_add")):
            return [*(self.data.get("user_approve") or []), *(self.data.get("user_rectify") or []),
                    *(self.data.get("user_add") or [])]
        return list(self.data.get("missing_details") or [])

    # NoisyToolBench fields, read tolerantly (the published files vary in spelling and shape)
    @property
    def needed_question(self) -> str:
        value = _field(self.data, "question need to be asked", "question_need_to_be_asked", "question")
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return str(value or "").strip()

    @property
    def clarification(self) -> str:
        value = _field(self.data, "clarification", "clarify", "answer")
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return str(value or "").strip()

    @property
    def expected_calls(self) -> list[dict[str, Any]]:
        return parse_expected(_field(self.data, "expected API calling", "expected_API_calling", "expected_calls"))


@dataclass
class Suite:
    name: str
    kind: str
    items: list[Item]
    as_of: date | None = None


def _field(data: dict, *names: str) -> Any:
    for name in names:
        if name in data:
            return data[name]
    lowered = {re.sub(r"[^a-z]", "", k.lower()): v for k, v in data.items()}
    for name in names:
        key = re.sub(r"[^a-z]", "", name.lower())
        if key in lowered:
            return lowered[key]
    return None


def parse_expected(value: Any) -> list[dict[str, Any]]:
    """Expected calls as [{"name", "arguments"}] from the shapes the format takes: a dict or a list of dicts
    (name/api_name/tool + arguments/parameters/args, arguments as an object or a JSON string), or text such as
    `name({"a": 1})` or `name: {"a": 1}`, one call a line."""
    if value in (None, "", [], {}):
        return []
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str):
        calls = []
        for match in re.finditer(r"([A-Za-z_][\w.\-]*)\s*(?:\(\s*|:\s*)(\{.*?\})\s*\)?\s*(?:$|\n|;)", value, re.S):
            calls.append({"name": match[1], "arguments": _json_object(match[2])})
        if not calls and value.strip():
            calls.append({"name": value.strip(), "arguments": {}})
        return calls
    calls = []
    for entry in value:
        if isinstance(entry, str):
            calls.extend(parse_expected(entry))
            continue
        if not isinstance(entry, dict):
            continue
        name = _field(entry, "name", "api_name", "tool_name", "function", "api")
        if isinstance(name, dict):  # {"function": {"name", "arguments"}}
            entry, name = name, name.get("name")
        arguments = _field(entry, "arguments", "parameters", "args", "params", "input")
        calls.append({"name": str(name or ""), "arguments": _json_object(arguments)})
    return calls


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
            return parsed if isinstance(parsed, dict) else {"value": parsed}
        except ValueError:
            return {"value": value}
    return {}


def load(spec: str, limit: int | None = None) -> Suite:
    """A suite by built-in name, file or folder."""
    path = BUILTIN.get(spec) or Path(spec).expanduser()
    name = spec if spec in BUILTIN else path.stem
    if not path.exists():
        raise SuiteError(f"no suite {spec!r}: give a built-in suite ({', '.join(BUILTIN)}), a JSON or JSONL file, "
                         "or a folder of JSON files")
    if path.is_dir():
        files = sorted(path.glob("*.json")) + sorted(path.glob("*.jsonl"))
        if not files:
            raise SuiteError(f"{path}: the folder has no .json or .jsonl files")
        suites = [_load_file(f, name) for f in files]
        kinds = {s.kind for s in suites}
        if len(kinds) > 1:
            raise SuiteError(f"{path}: mixes tool-call and intention files")
        items = [item for s in suites for item in s.items]
        suite = Suite(name=name, kind=kinds.pop(), items=items)
    else:
        suite = _load_file(path, name)
    if limit is not None:
        suite.items = spread(suite.items, limit)
    if spec in WRITTEN:
        suite.as_of = WRITTEN[spec]
        for item in suite.items:
            item.as_of = suite.as_of
    return suite


def spread(items: list[Item], limit: int) -> list[Item]:
    """The first `limit` items taken round-robin across categories, so a small limit still covers each."""
    by_category: dict[str, list[Item]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item)
    picked: list[Item] = []
    queues = list(by_category.values())
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return picked


def _load_file(path: Path, suite: str) -> Suite:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read {path}: {exc}") from None
    if path.suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise SuiteError(f"{path}, line {number}: not JSON: {exc}") from None
    else:
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise SuiteError(f"{path}: not JSON: {exc}") from None
        if isinstance(rows, dict):
            rows = rows.get("items") or rows.get("data") or [rows]
    return from_rows(rows, suite, path)


def from_rows(rows: Any, suite: str, where: Path) -> Suite:
    """A suite from the rows of a file in either format (`where` names it in errors): a file's, a dataset's."""
    if not isinstance(rows, list) or not rows:
        raise SuiteError(f"{where}: expected a list of items")
    first = rows[0] if isinstance(rows[0], dict) else {}
    if "task" in first and "vague" in first:
        return Suite(suite, "intent", [_intent_item(where, suite, i, row) for i, row in enumerate(rows)])
    return Suite(suite, "tool", [_tool_item(where, suite, i, row) for i, row in enumerate(rows)])


def _tool_item(path: Path, suite: str, index: int, row: Any) -> Item:
    where = f"{path.name}[{index}]"
    if not isinstance(row, dict):
        raise SuiteError(f"{where}: an item must be an object")
    query = _field(row, "query", "instruction", "question_text")
    if not query:
        raise SuiteError(f"{where}: the item has no 'query'")
    if not isinstance(_field(row, "api_list"), list):
        raise SuiteError(f"{where}: the item has no 'api_list'")
    category = str(row.get("category") or path.stem)
    for known in CATEGORIES:  # "IMKI.json", "noisy_IMKI", "imki" all name IMKI
        if known.lower() in category.lower():
            category = known
            break
    item_id = str(_field(row, "query_id", "id") if _field(row, "query_id", "id") is not None else index)
    return Item(suite=suite, kind="tool", category=category, id=f"{category}-{item_id}", query=str(query), data=row)


def _intent_item(path: Path, suite: str, index: int, row: Any) -> Item:
    if not isinstance(row, dict) or not row.get("task"):
        raise SuiteError(f"{path.name}, item {index + 1}: an IN3 item needs a 'task'")
    vague = row["user_vague"] if "user_vague" in row else row.get("vague")
    return Item(suite=suite, kind="intent", category="vague" if vague else "clear", id=f"in3-{index}",
                query=str(row["task"]), data=row)
