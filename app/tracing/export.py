"""Export and import of a session: one versioned JSON document, and OpenInference / OpenTelemetry spans.

The session document (`format: "agent-playground/session"`, `version: 1`) holds the session (agent, model,
tools, settings, title, status), its runs (turns), steps and clarifications, redacted like a share. Importing
it creates a new session with new ids, marked read-only (`settings.read_only`); it opens in the inspector and
the chat but takes no new turns. A document that does not fit is refused with the path of the first problem.

`openinference()` turns the same data into OTLP/JSON spans (`resourceSpans`) with OpenInference attributes
(`openinference.span.kind` AGENT / LLM / TOOL / CHAIN, `llm.model_name`, `llm.token_count.*`, `tool.name`,
`input.value`, `output.value`), which Phoenix and Langfuse ingest.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from app.tracing.document import trace_document
from app.tracing.redact import redact
from app.tracing.steps import StepKind, StepStatus
from storage import repo
from storage.engine import Database

FORMAT = "agent-playground/session"
VERSION = 1
_SESSION_FIELDS = {"agent": str, "model": str, "tools": list, "settings": dict, "title": str, "status": str}
_RUN_FIELDS = {"id": str, "seq": int, "user_message": str, "status": str, "started_at": (int, float)}
_STEP_FIELDS = {"id": str, "run_id": str, "seq": int, "node": str, "kind": str, "name": str, "status": str,
                "started_at": (int, float)}
_CLAR_FIELDS = {"id": str, "run_id": str, "kind": str, "question": str}


class ImportProblem(ValueError):
    """The document cannot be imported; the message names where."""


def export_session(db: Database, session_id: str, owner: str | None = None) -> dict[str, Any]:
    doc = redact(trace_document(db, session_id, owner))
    return {"format": FORMAT, "version": VERSION, "exported_at": time.time(), "session": doc["session"],
            "runs": doc["runs"], "steps": doc["steps"], "clarifications": doc["clarifications"]}


def _check(item: Any, fields: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ImportProblem(f"{where}: expected an object, got {type(item).__name__}")
    for name, kind in fields.items():
        if name not in item:
            raise ImportProblem(f"{where}.{name}: missing")
        if not isinstance(item[name], kind) or isinstance(item[name], bool) and kind is not bool:
            raise ImportProblem(f"{where}.{name}: expected {getattr(kind, '__name__', 'a number')}, "
                                f"got {type(item[name]).__name__}")
    return item


def import_session(db: Database, data: Any, owner: str | None = None) -> str:
    """Create a read-only session from an exported document; returns its id."""
    if not isinstance(data, dict):
        raise ImportProblem(f"expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ImportProblem(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise ImportProblem(f"version: this playground reads version {VERSION} or lower, got {data.get('version')!r}")
    session = _check(data.get("session"), _SESSION_FIELDS, "session")
    for key in ("runs", "steps", "clarifications"):
        if not isinstance(data.get(key), list):
            raise ImportProblem(f"{key}: expected a list")
    runs = [_check(r, _RUN_FIELDS, f"runs[{i}]") for i, r in enumerate(data["runs"])]
    steps = [_check(s, _STEP_FIELDS, f"steps[{i}]") for i, s in enumerate(data["steps"])]
    clars = [_check(c, _CLAR_FIELDS, f"clarifications[{i}]") for i, c in enumerate(data["clarifications"])]
    new_id = uuid.uuid4().hex
    run_ids = {r["id"]: uuid.uuid4().hex for r in runs}
    step_ids = {s["id"]: uuid.uuid4().hex for s in steps}
    for i, s in enumerate(steps):
        if s["run_id"] not in run_ids:
            raise ImportProblem(f"steps[{i}].run_id: no run {s['run_id']!r} in the document")
        for name, allowed in (("kind", StepKind), ("status", StepStatus)):
            if s[name] not in set(allowed):
                raise ImportProblem(f"steps[{i}].{name}: {s[name]!r} is not one of {', '.join(allowed)}")
    for i, c in enumerate(clars):
        if c["run_id"] not in run_ids:
            raise ImportProblem(f"clarifications[{i}].run_id: no run {c['run_id']!r} in the document")
    origin = {"session_id": session.get("id"), "exported_at": data.get("exported_at")}
    row = repo.insert_trace(
        db,
        {"id": new_id, "owner": owner, "agent": session["agent"], "model": session["model"],
         "tools": [str(t) for t in session["tools"]], "toolset": session.get("toolset"),
         "settings": {**session["settings"], "read_only": True, "imported_from": origin},
         "title": ("(imported) " + session["title"])[:200], "status": session["status"]},
        [{"id": run_ids[r["id"]], "session_id": new_id, "seq": r["seq"], "user_message": r["user_message"],
          "status": r["status"], "final_answer": r.get("final_answer"), "error": r.get("error"),
          "started_at": r["started_at"], "ended_at": r.get("ended_at")} for r in runs],
        [{"id": step_ids[s["id"]], "session_id": new_id, "run_id": run_ids[s["run_id"]], "seq": s["seq"],
          "parent_id": step_ids.get(s.get("parent_id")), "node": s["node"], "kind": s["kind"], "name": s["name"],
          "status": s["status"], "started_at": s["started_at"], "ended_at": s.get("ended_at"),
          "input": s.get("input"), "output": s.get("output"), "error": s.get("error"),
          "prompt_tokens": int(s.get("prompt_tokens") or 0), "completion_tokens": int(s.get("completion_tokens") or 0),
          "cost": float(s.get("cost") or 0), "checkpoint_id": None, "meta": s.get("meta") or {}} for s in steps],
        [{"id": uuid.uuid4().hex, "session_id": new_id, "run_id": run_ids[c["run_id"]], "kind": c["kind"],
          "question": c["question"], "options": list(c.get("options") or []), "tool": c.get("tool"),
          "field": c.get("field"), "reason": c.get("reason"), "detected_by": c.get("detected_by") or "llm",
          "answer": c.get("answer"), "asked_at": c.get("asked_at") or 0.0, "answered_at": c.get("answered_at")}
         for c in clars],
    )
    return row.id


# -- OpenInference ----------------------------------------------------------------------------------------

_SPAN_KIND = {"model": "LLM", "tool": "TOOL", "clarification": "CHAIN", "check": "CHAIN", "plan": "CHAIN",
              "refine": "CHAIN", "decision": "CHAIN", "search": "CHAIN", "summary": "CHAIN", "answer": "CHAIN"}


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return {"key": key, "value": {"stringValue": text}}


def _nanos(seconds: float | None) -> str:
    return str(int((seconds or 0) * 1_000_000_000))


def openinference(doc: dict[str, Any]) -> dict[str, Any]:
    """OTLP/JSON spans: one AGENT span per turn, a child span per step."""
    session = doc["session"]
    trace_id = _hex(session.get("id") or json.dumps(session, sort_keys=True), 32)
    spans = []
    for run in doc["runs"]:
        run_span = _hex(run["id"], 16)
        run_steps = [s for s in doc["steps"] if s["run_id"] == run["id"]]
        end = max([run.get("ended_at") or 0] + [s.get("ended_at") or s["started_at"] for s in run_steps])
        spans.append({
            "traceId": trace_id, "spanId": run_span, "name": f"{session['agent']} turn {run['seq']}", "kind": 1,
            "startTimeUnixNano": _nanos(run["started_at"]), "endTimeUnixNano": _nanos(end or run["started_at"]),
            "attributes": [_attr("openinference.span.kind", "AGENT"), _attr("input.value", run["user_message"]),
                           _attr("output.value", run.get("final_answer") or run.get("error") or ""),
                           _attr("session.id", session.get("id", "")), _attr("agent.name", session["agent"]),
                           _attr("llm.model_name", session["model"])],
            "status": {"code": 2 if run["status"] == "error" else 1},
        })
        for s in run_steps:
            attrs = [_attr("openinference.span.kind", _SPAN_KIND.get(s["kind"], "CHAIN")),
                     _attr("input.value", s.get("input")), _attr("output.value", s.get("output")),
                     _attr("playground.step.kind", s["kind"]), _attr("playground.node", s["node"])]
            if s["kind"] == "model":
                attrs += [_attr("llm.model_name", (s.get("meta") or {}).get("model", session["model"])),
                          _attr("llm.token_count.prompt", int(s["prompt_tokens"])),
                          _attr("llm.token_count.completion", int(s["completion_tokens"])),
                          _attr("llm.token_count.total", int(s["prompt_tokens"]) + int(s["completion_tokens"]))]
            elif s["kind"] == "tool":
                attrs += [_attr("tool.name", s["name"]), _attr("tool.parameters", s.get("input"))]
            spans.append({
                "traceId": trace_id, "spanId": _hex(s["id"], 16), "parentSpanId": run_span, "name": s["name"],
                "kind": 1, "startTimeUnixNano": _nanos(s["started_at"]),
                "endTimeUnixNano": _nanos(s.get("ended_at") or s["started_at"]), "attributes": attrs,
                "status": {"code": 2, "message": s.get("error") or ""} if s["status"] == "error" else {"code": 1},
            })
    return {"resourceSpans": [{
        "resource": {"attributes": [_attr("service.name", "agent-playground"),
                                    _attr("openinference.project.name", "agent-playground")]},
        "scopeSpans": [{"scope": {"name": "agent-playground", "version": str(VERSION)}, "spans": spans}],
    }]}
