"""Sessions become datasets: a person marks a session or a step (thumbs, a score, a note), and saves any session,
or the failures of a benchmark run, as eval items in a named dataset that the harness runs like a file.

A dataset holds items of one kind, in the published format of that kind, so what the harness reads from a file
it reads from a dataset, and an export is a file the harness (or the papers' own code) reads back:
- "tool" (NoisyToolBench): `query` (the session's first message), `api_list` (the session's tools as ToolBench
  specs, mocked when run), `question need to be asked` and `clarification` (the questions the agent asked and
  the person's answers), `expected API calling` (the calls the run made; editable), `category` (IMKI unless
  the question says otherwise: an ambiguous argument IMR, an invalid value IwE, a request beyond the tools
  IBTC), `query_id`.
- "intent" (IN3): `task`, `vague` (a question was needed), `missing_details` (one per question: its field as the
  description, the question as inquiry, the person's answer first among the options, which is the answer the
  simulated user gives), `category`, `thought`.
Only the first turn of a session becomes the item (its message, questions and calls). Items are redacted as
everything stored is.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from app.eval import kinds
from app.eval.mock import mock_tools, normalise
from app.eval.suites import BUILTIN, WRITTEN, Suite, SuiteError, from_rows, load, spread
from app.tracing.redact import redact, redact_text
from storage import NotFound, repo
from storage.engine import Database

PREFIX = "dataset:"  # a suite spec naming a dataset: `playground eval --suite dataset:NAME`, the Eval tab
KINDS = {"tool": "tool calls (NoisyToolBench format)", "intent": "intentions (IN3 format)"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
CATEGORY_OF_QUESTION = {"unsupported_request": "IBTC", "ambiguous_argument": "IMR", "invalid_value": "IwE"}
RATINGS = ("up", "down")
MAX_NOTE = 2000


class DatasetError(ValueError):
    """A dataset or item that cannot be made as asked; the message names the problem."""


# -- marks ----------------------------------------------------------------------------------------------


def mark(db: Database, session_id: str, owner: str | None, step_id: str | None = None, rating: str | None = None,
         score: int | None = None, note: str | None = None) -> dict[str, Any] | None:
    """Mark the person's session (or one of its steps); a mark with nothing in it is removed. NotFound for
    another owner's session or a step not in it."""
    repo.get_session(db, session_id, owner)
    step_id = step_id or ""
    if step_id and not repo.step_in_session(db, session_id, step_id):
        raise NotFound(f"no step {step_id!r} in session {session_id!r}")
    if rating not in (None, "", *RATINGS):
        raise DatasetError(f"a rating is 'up' or 'down', not {rating!r}")
    if score is not None and not (isinstance(score, int) and 1 <= score <= 5):
        raise DatasetError(f"a score is a whole number from 1 to 5, not {score!r}")
    note = redact_text((note or "").strip())
    if len(note) > MAX_NOTE:
        raise DatasetError(f"a note is at most {MAX_NOTE} characters ({len(note)} given)")
    if not rating and score is None and not note:
        repo.delete_mark(db, session_id, owner, step_id)
        return None
    row = repo.set_mark(db, session_id, owner, step_id, rating=rating or None, score=score, note=note)
    return mark_dict(row)


def mark_dict(row) -> dict[str, Any]:
    return {"session_id": row.session_id, "step_id": row.step_id or None, "rating": row.rating, "score": row.score,
            "note": row.note, "updated_at": row.updated_at}


def mark_summary(mark: dict[str, Any]) -> str:
    """A mark in a few words: "👍 · 4/5 · asked well"."""
    parts = [{"up": "👍", "down": "👎"}.get(mark["rating"] or "", ""), f"{mark['score']}/5" if mark["score"] else "",
             mark["note"] or ""]
    return " · ".join(p for p in parts if p)


def marks(db: Database, session_id: str, owner: str | None) -> list[dict[str, Any]]:
    repo.get_session(db, session_id, owner)
    return [mark_dict(row) for row in repo.marks_for_session(db, session_id, owner)]


# -- datasets -------------------------------------------------------------------------------------------


def create(db: Database, name: str, kind: str, owner: str | None) -> dict[str, Any]:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise DatasetError(f"a dataset name is 1-64 letters, digits, spaces, '_', '-' or '.', starting with a letter "
                           f"or digit: {name!r} is not")
    if kind not in KINDS:
        raise DatasetError(f"a dataset's kind is one of {', '.join(KINDS)}, not {kind!r}")
    try:
        repo.get_dataset(db, name, owner)
    except NotFound:
        row = repo.create_dataset(db, name, kind, owner)
        return {"name": row.name, "kind": row.kind, "items": 0}
    raise DatasetError(f"you already have a dataset named {name!r}")


def listing(db: Database, owner: str | None) -> list[dict[str, Any]]:
    return [{"name": row.name, "kind": row.kind, "items": count} for row, count in repo.list_datasets(db, owner)]


def items(db: Database, name: str, owner: str | None) -> list[dict[str, Any]]:
    """The dataset's items: {"id", "item", "source"}, oldest first."""
    dataset = repo.get_dataset(db, name, owner)
    return [{"id": row.id, "item": row.item, "source": row.source} for row in repo.dataset_items(db, dataset.id)]


def remove_item(db: Database, name: str, item_id: str, owner: str | None) -> None:
    dataset = repo.get_dataset(db, name, owner)
    if not repo.delete_dataset_item(db, dataset.id, item_id):
        raise NotFound(f"no item {item_id!r} in dataset {name!r}")


def delete(db: Database, name: str, owner: str | None) -> None:
    repo.delete_dataset(db, repo.get_dataset(db, name, owner).id)


def item_from_session(runner, session_id: str, kind: str, owner: str | None,
                      category: str | None = None) -> dict[str, Any]:
    """The session's first turn as an item of `kind`, to be looked over (and edited) before it is saved."""
    if kind not in KINDS:
        raise DatasetError(f"a dataset's kind is one of {', '.join(KINDS)}, not {kind!r}")
    trace = runner.trace(session_id, owner)
    if not trace["runs"]:
        raise DatasetError(f"session {session_id!r} has no turn yet: there is no request to make an item of")
    first = trace["runs"][0]
    asked = [c for c in trace["clarifications"] if c.get("run_id") == first["id"] and c.get("answer") is not None]
    if kind == "intent":
        return {"category": category or "Playground", "task": first["user_message"], "vague": bool(asked),
                "thought": "", "missing_details": [_detail(c) for c in asked]}
    calls = [{"name": s["name"], "arguments": s.get("input") if isinstance(s.get("input"), dict) else {}}
             for s in trace["steps"] if s["kind"] == "tool" and s["status"] == "ok" and s["run_id"] == first["id"]]
    return {"category": category or CATEGORY_OF_QUESTION.get(asked[0]["kind"] if asked else "", "IMKI"),
            "query": first["user_message"],
            "question need to be asked": " ".join(c["question"] for c in asked if c["kind"] != "unsupported_request"),
            "clarification": " ".join(str(c["answer"]) for c in asked if c["kind"] != "unsupported_request"),
            "expected API calling": calls,  # first, with the question and answer: what a person edits
            "api_list": _api_list(runner, trace["session"], owner)}


def _detail(clarification: dict[str, Any]) -> dict[str, Any]:
    answer = str(clarification["answer"])
    others = [str(o) for o in clarification.get("options") or [] if str(o) != answer]
    return {"description": clarification.get("field") or clarification["question"], "importance": "2",
            "inquiry": clarification["question"], "options": [answer, *others]}


def _api_list(runner, session: dict[str, Any], owner: str | None) -> list[dict[str, Any]]:
    """The session's tools as ToolBench API specs (what `app.eval.mock` turns back into tools)."""
    apis = []
    for name in session.get("tools") or []:
        try:
            function = runner.tools.get(name, owner).function
        except LookupError:
            continue  # removed since: its calls are caught when the item is checked
        schema = function.get("parameters") or {}
        required = set(schema.get("required") or [])
        params = {"required_parameters": [], "optional_parameters": []}
        for key, prop in (schema.get("properties") or {}).items():
            spec = {"name": key, "type": str(prop.get("type") or "string").upper(),
                    "description": str(prop.get("description") or "")}
            if prop.get("default") is not None:
                spec["default"] = prop["default"]
            params["required_parameters" if key in required else "optional_parameters"].append(spec)
        apis.append({"category_name": "Playground", "tool_name": name, "api_name": name,
                     "api_description": function.get("description") or "", **params, "method": "GET"})
    return apis


def check_item(kind: str, item: Any) -> dict[str, Any]:
    """The item if the harness can run it as an item of `kind`, else DatasetError saying why."""
    if not isinstance(item, dict):
        raise DatasetError("an item is a JSON object")
    try:
        suite = from_rows([item], "check", Path("item"))
    except SuiteError as exc:
        raise DatasetError(str(exc)) from None
    if suite.kind != kind:
        raise DatasetError(f"this dataset holds {KINDS[kind]}; the item is of the other kind "
                           + ("(it has `task` and `vague`)" if suite.kind == "intent" else "(it has no `task`/`vague`)"))
    parsed = suite.items[0]
    if kind == "tool":
        _, aliases = mock_tools(item.get("api_list") or [])
        for call in parsed.expected_calls:
            if normalise(call["name"]) not in aliases:
                raise DatasetError(f"expected call {call['name']!r} names no API of the item's api_list "
                                   f"({', '.join(a.get('api_name', '?') for a in item['api_list']) or 'none'})")
    elif not isinstance(item.get("missing_details", []), list):
        raise DatasetError("`missing_details` is a list of {description, importance, inquiry, options}")
    return redact(item)


def add_item(db: Database, name: str, item: Any, owner: str | None, source: dict[str, Any]) -> dict[str, Any]:
    dataset = repo.get_dataset(db, name, owner)
    item = dict(check_item(dataset.kind, item))
    if dataset.kind == "tool" and item.get("query_id") in (None, ""):
        taken = [r.item.get("query_id") for r in repo.dataset_items(db, dataset.id)]
        item["query_id"] = 1 + max((q for q in taken if isinstance(q, int)), default=0)
    row = repo.add_dataset_item(db, dataset.id, item, source)
    return {"id": row.id, "item": row.item, "source": row.source}


def add_session(runner, name: str, session_id: str, owner: str | None, item: Any = None,
                category: str | None = None) -> dict[str, Any]:
    """Save the session as an item of the dataset: `item` as edited, or as the session makes it."""
    dataset = repo.get_dataset(runner.db, name, owner)
    session = repo.get_session(runner.db, session_id, owner)
    if item is None:
        item = item_from_session(runner, session_id, dataset.kind, owner, category)
    # its dates ("tomorrow", a flight on the 20th) are as of the day the session ran
    day = datetime.fromtimestamp(session.created_at, timezone.utc).date().isoformat()
    return add_item(runner.db, name, item, owner, {"session_id": session_id, "as_of": day})


def add_marked(runner, name: str, owner: str | None, rating: str | None = "down") -> tuple[int, list[str]]:
    """Every session the person marked (with `rating`, or any mark: None) and not yet in the dataset, as made
    from the session: (how many, why others were not)."""
    if rating not in (None, *RATINGS):
        raise DatasetError(f"a rating is 'up' or 'down', not {rating!r}")
    dataset = repo.get_dataset(runner.db, name, owner)
    present = {row.source.get("session_id") for row in repo.dataset_items(runner.db, dataset.id)}
    added, skipped = 0, []
    for session_id in repo.marked_sessions(runner.db, owner, rating):
        if session_id in present:
            continue
        try:
            add_session(runner, name, session_id, owner)
            added += 1
        except (DatasetError, NotFound) as exc:
            skipped.append(f"session {session_id[:6]}: {exc}")
    return added, skipped


def failures(runner, eval_id: str, owner: str | None) -> list[dict[str, Any]]:
    """The items of a benchmark run that failed (errors and timeouts too), as the run recorded them."""
    repo.get_eval(runner.db, eval_id, owner)
    return [row.result for row in repo.eval_items(runner.db, eval_id)
            if row.status in ("error", "timeout") or kinds.get(row.result.get("kind", "tool")).failed(row.result)]


def add_failures(runner, name: str, eval_id: str, owner: str | None) -> tuple[int, list[str]]:
    """Every failed item of the run, as the suite had it, into the dataset: (how many, why others were not)."""
    dataset = repo.get_dataset(runner.db, name, owner)
    added, skipped = 0, []
    for result in failures(runner, eval_id, owner):
        data = result.get("item") or _builtin_item(result)
        if data is None:
            skipped.append(f"{result['item_id']}: the run did not keep the item (run before datasets existed)")
        elif result.get("kind") != dataset.kind:
            skipped.append(f"{result['item_id']}: not {KINDS[dataset.kind]}")
        else:
            day = result.get("as_of") or (WRITTEN[result["suite"]].isoformat() if result.get("suite") in WRITTEN else None)
            add_item(runner.db, name, data, owner, {"eval_id": eval_id, "item_id": result["item_id"], "as_of": day})
            added += 1
    return added, skipped


def _builtin_item(result: dict[str, Any]) -> dict[str, Any] | None:
    if result.get("suite") not in BUILTIN:
        return None
    return next((i.data for i in load(result["suite"]).items if i.id == result["item_id"]), None)


def as_suite(db: Database, name: str, owner: str | None) -> Suite:
    dataset = repo.get_dataset(db, name, owner)
    rows = repo.dataset_items(db, dataset.id)
    if not rows:
        raise SuiteError(f"dataset {name!r} has no items yet")
    suite = from_rows([row.item for row in rows], PREFIX + name, Path(PREFIX + name))
    for item, row in zip(suite.items, rows):  # each as of the day its source ran
        item.as_of = date.fromisoformat(row.source["as_of"]) if row.source.get("as_of") else None
    return suite


def load_suite(db: Database, spec: str, limit: int | None, owner: str | None) -> Suite:
    """A suite by spec: `dataset:NAME` (the person's dataset), or what `app.eval.suites.load` reads."""
    if not spec.startswith(PREFIX):
        return load(spec, limit)
    try:
        suite = as_suite(db, spec[len(PREFIX):], owner)
    except NotFound as exc:
        raise SuiteError(str(exc)) from None
    if limit:
        suite.items = spread(suite.items, limit)
    return suite


def export(db: Database, name: str, owner: str | None) -> tuple[str, str]:
    """(file name, text): a JSON list (NoisyToolBench) or JSON lines (IN3) that `playground eval --suite` reads."""
    dataset = repo.get_dataset(db, name, owner)
    rows = [row.item for row in repo.dataset_items(db, dataset.id)]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset.name)
    if dataset.kind == "intent":
        return f"{stem}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return f"{stem}.json", json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
