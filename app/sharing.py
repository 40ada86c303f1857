"""Share links: a read-only snapshot of a session's trace behind an unguessable, revocable, expiring token.

- The token is 32 random bytes (256 bits, URL-safe base64); only its SHA-256 is stored, so a database leak
  gives no working link. Looking a token up is a lookup of its hash; an unknown, revoked or expired token takes
  the same path and gets the same plain 404.
- The snapshot is the trace as it was when shared, redacted: values of secret-looking environment variables,
  Authorization headers and well-known key formats. Values of tool parameters marked secret never reach a trace
  at all. `preview()` lists what will be redacted before anything is shared; the page and the JSON are redacted
  again when served, with the serving process's secrets.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

from app.config import secret_names
from app.tracing.document import step_text, summary_timeline, trace_document
from app.tracing.redact import REDACTED, _PATTERNS, redact
from app.tracing.steps import tree_order
from storage import NotFound, repo
from storage.engine import Database

TOKEN_BYTES = 32
_PATTERN_NAMES = ["an Authorization header", "an OpenAI-style API key", "an AWS access key", "a GitHub token"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _where(path: list[Any], doc: dict[str, Any]) -> str:
    """A readable place in the trace document for a JSON path."""
    if path[:1] == ["runs"] and len(path) > 1:
        return f"turn {path[1] + 1} ({path[2] if len(path) > 2 else ''})"
    if path[:1] == ["steps"] and len(path) > 1:
        step = doc["steps"][path[1]]
        return f"step #{step['seq']} {step['kind']} {step['name']} ({path[2] if len(path) > 2 else ''})"
    if path[:1] == ["clarifications"] and len(path) > 2:
        return f"clarification {path[1] + 1} ({path[2]})"
    return "/".join(map(str, path))


def findings(doc: dict[str, Any]) -> list[dict[str, str]]:
    """What redaction will hide, and where: [{"where", "what"}] (the values themselves are never listed)."""
    names = secret_names()
    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def note(path: list[Any], what: str) -> None:
        key = (_where(path, doc), what)
        if key not in seen:
            seen.add(key)
            found.append({"where": key[0], "what": what})

    def walk(value: Any, path: list[Any]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if v == "[secret]":
                    note(path + [k], f"the value of secret tool parameter {k!r} (never stored)")
                walk(v, path + [k])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + [i])
        elif isinstance(value, str):
            for secret, name in names.items():
                if secret in value:
                    note(path, f"the value of the environment variable {name}")
            for pattern, label in zip(_PATTERNS, _PATTERN_NAMES):
                if pattern.search(value) and REDACTED not in value:
                    note(path, label)

    walk({k: doc[k] for k in ("runs", "steps", "clarifications") if k in doc}, [])
    return found


def preview(db: Database, session_id: str, owner: str | None = None) -> dict[str, Any]:
    doc = trace_document(db, session_id, owner)
    return {"session_id": session_id, "redactions": findings(doc)}


def create(db: Database, session_id: str, owner: str | None = None, expires_days: float | None = None,
           base_url: str = "") -> dict[str, Any]:
    if expires_days is not None and expires_days <= 0:
        raise ValueError("--expires must be a positive number of days")
    doc = trace_document(db, session_id, owner)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = time.time() + expires_days * 86400 if expires_days else None
    snapshot = redact(doc)
    row = repo.add_share(db, token_hash=hash_token(token), session_id=session_id, owner=owner,
                         expires_at=expires_at, snapshot=snapshot, first_screen=_Shared(snapshot).first_screen())
    path = f"/share/{token}"
    return {"id": row.id, "token": token, "path": path, "url": base_url.rstrip("/") + path if base_url else path,
            "expires_at": expires_at, "redactions": findings(doc)}


# Snapshots never change once shared: a process keeps the last few it served, parsed and redacted, so paging
# through a 10,000-step trace reads the (12 MB) snapshot once, not once a page. Whether the link is still live is
# read from its row at every request.
_SNAPSHOTS: OrderedDict[str, "_Shared"] = OrderedDict()
_SNAPSHOTS_KEPT = 4
_STEPS_KEPT = 200_000  # and no more steps than that in all (100,000 synthetic steps parsed: 178 MB of objects)
_snapshots_lock = threading.Lock()
PAGE = 50  # steps on the share page's first screen; the rest are fetched as the reader scrolls or searches
FIRST_TURNS = 100  # turns (and clarifications) on its first screen; the step list has every step of every turn


class _Shared:
    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.by_seq = {s["seq"]: s for s in doc["steps"]}
        self.timeline = summary_timeline(doc["steps"])
        # the list's order: each step under its parent (an opened graph's node, its model and tool calls)
        self.rows = [step_line(s, depth) for depth, s in tree_order(doc["steps"])]
        self._haystacks: list[str] | None = None

    def first_screen(self) -> dict[str, Any]:
        """The share page's first screen: the document with its first PAGE step rows instead of its steps, and
        its first FIRST_TURNS turns and clarifications (with their counts)."""
        runs, asked = self.doc.get("runs") or [], self.doc.get("clarifications") or []
        shown = {r["id"] for r in runs[:FIRST_TURNS]}
        return {**{k: v for k, v in self.doc.items() if k != "steps"}, "steps": self.rows[:PAGE],
                "step_count": len(self.doc["steps"]), "timeline": self.timeline, "runs": runs[:FIRST_TURNS],
                "run_count": len(runs), "clarification_count": len(asked),
                "clarifications": [c for i, c in enumerate(asked) if i < FIRST_TURNS or c.get("run_id") in shown]}

    def haystacks(self) -> list[str]:
        """Each row's searchable text, lower-cased (made on the first search)."""
        if self._haystacks is None:
            self._haystacks = [step_text(self.by_seq[r["seq"]]) for r in self.rows]
        return self._haystacks


def _live_row(db: Database, token: str, count_view: bool = False) -> Any:
    """The live share of `token` (its snapshot not read), or NotFound (unknown, revoked and expired alike)."""
    row = repo.share_by_hash(db, hash_token(token or ""), snapshot=False)
    if row is None or row.state() != "live":
        raise NotFound("not found")
    if count_view:
        repo.count_share_view(db, row.id)
        row.views += 1
    return row


def _live(db: Database, token: str, count_view: bool = False) -> tuple[Any, _Shared]:
    """The live share of `token` and its redacted snapshot, or NotFound (unknown, revoked and expired alike)."""
    row = _live_row(db, token, count_view)
    with _snapshots_lock:
        shared = _SNAPSHOTS.get(row.id)
        if shared is not None:
            _SNAPSHOTS.move_to_end(row.id)
    if shared is None:
        shared = _Shared(redact(repo.share_snapshot(db, row.id)))
        with _snapshots_lock:
            _SNAPSHOTS[row.id] = shared
            while len(_SNAPSHOTS) > 1 and (len(_SNAPSHOTS) > _SNAPSHOTS_KEPT or
                                           sum(len(k.doc["steps"]) for k in _SNAPSHOTS.values()) > _STEPS_KEPT):
                _SNAPSHOTS.popitem(last=False)
    return row, shared


def _with_share(row: Any, doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "share": {"created_at": row.created_at, "expires_at": row.expires_at, "views": row.views}}


def open_token(db: Database, token: str, count_view: bool = True) -> dict[str, Any]:
    """The whole shared document (`GET /api/share/<token>`), or NotFound."""
    row, shared = _live(db, token, count_view)
    return _with_share(row, shared.doc)


def open_page(db: Database, token: str) -> dict[str, Any]:
    """What the share page's first screen needs: the document with only its first PAGE steps (and `step_count`);
    counts a view. Read from the first screen kept with the link (redacted again, as the snapshot is, for a
    secret set since): the snapshot itself is read only when the reader pages, searches or opens a step."""
    row = _live_row(db, token, count_view=True)
    if row.first_screen:
        return _with_share(row, redact(row.first_screen))
    row, shared = _live(db, token)  # a link made before first screens were kept
    return _with_share(row, shared.first_screen())


def step_line(step: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """A step as a row of the share page's list: what it is, how long, what it cost, how deep in the tree; no
    input or output."""
    return {**{k: step.get(k) for k in ("seq", "run_id", "kind", "name", "node", "status", "error", "duration_ms",
                                        "prompt_tokens", "completion_tokens")}, "depth": depth}


def steps_page(db: Database, token: str, offset: int = 0, limit: int = 100, q: str = "") -> dict[str, Any]:
    """Step rows `offset` to `offset + limit`, of every step or of those whose text contains `q`."""
    _, shared = _live(db, token)
    rows = shared.rows
    needle = q.strip().lower()
    if needle:
        rows = [r for r, text in zip(rows, shared.haystacks()) if needle in text]
    return {"total": len(rows), "offset": offset, "steps": rows[offset:offset + limit]}


def step_detail(db: Database, token: str, seq: int) -> dict[str, Any]:
    """One step whole (input, output, provenance), or NotFound."""
    _, shared = _live(db, token)
    if seq not in shared.by_seq:
        raise NotFound("not found")
    return shared.by_seq[seq]


def revoke_token(db: Database, token: str) -> bool:
    row = repo.share_by_hash(db, hash_token(token or ""), snapshot=False)
    return row is not None and repo.revoke_share(db, row.id)


def revoke(db: Database, share_id: str, owner: str | None = None) -> bool:
    repo.get_share(db, share_id, owner)
    return repo.revoke_share(db, share_id)


def listing(db: Database, session_id: str, owner: str | None = None) -> list[dict[str, Any]]:
    repo.get_session(db, session_id, owner)
    now = time.time()
    return [{"id": r.id, "created_at": r.created_at, "expires_at": r.expires_at, "views": r.views,
             "state": r.state(now)} for r in repo.shares_for_session(db, session_id)]
