"""Does storage stay fast as the database grows? Prints JSON.

    python bench/storage_scale.py [--sessions 10000] [--steps 1000000] [--db URL] [--repeat 15]

One person ("probe": 300 sessions, so that a listing fills its 200 rows on both databases; one of 1,000 steps, one whose message holds a rare word) is measured twice:
on a database holding only them, then after other people's sessions (`--sessions`, with `--steps` steps and
ten turns each, every tenth turn a question) are written around them. Each operation is what the product
does: list the person's sessions (the Sessions tab, the chat's menu), list everyone's (an operator, no login),
search their sessions and everyone's for a word and for a common one, open a session as the chat does and as
the inspector does, and write a step. The figure is the median over `--repeat` runs, in ms; `ratio` is the big
database's over the small one's (the goal: under 2).

`--db` takes a PostgreSQL URL (an empty database: its tables are dropped first); the default is a new SQLite
file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from app.tracing.document import chat_document, trace_document  # noqa: E402
from storage import open_database, repo  # noqa: E402
from storage.models import ClarificationRow, RunRow, SessionRow, StepRow  # noqa: E402

WORDS = ("weather", "paris", "rome", "oslo", "convert", "currency", "book", "flight", "hotel", "recipe",
         "translate", "summary", "invoice", "meeting", "calendar", "stock", "price", "news", "route", "train")
RARE = "zanzibar"
CHUNK = 5_000
PROBE_SESSIONS = 300


def _session(owner: str, title: str, t: float) -> dict:
    return {"id": uuid.uuid4().hex, "owner": owner, "title": title, "agent": "react", "model": "demo/offline",
            "tools": ["weather"], "toolset": None, "settings": {}, "status": "done", "created_at": t,
            "updated_at": t}


def _turns(session_id: str, n_steps: int, n_runs: int, t: float, rng: random.Random, message: str | None = None):
    """Rows for one session's turns: runs, steps spread over them, a question every tenth turn."""
    runs, steps, questions = [], [], []
    per_run = max(1, n_steps // n_runs)
    seq = 0
    for turn in range(1, n_runs + 1):
        run_id = uuid.uuid4().hex
        text = message or " ".join(rng.choice(WORDS) for _ in range(6))
        runs.append({"id": run_id, "session_id": session_id, "seq": turn, "user_message": text, "status": "done",
                     "final_answer": "Done.", "error": None, "started_at": t, "ended_at": t + 1})
        if turn % 10 == 0:
            questions.append({"id": uuid.uuid4().hex, "session_id": session_id, "run_id": run_id,
                              "kind": "missing_argument", "question": "Which city?", "options": ["Paris", "Rome"],
                              "tool": "weather", "field": "city", "reason": "no city", "detected_by": "schema",
                              "answer": "Paris", "asked_at": t, "answered_at": t + 2})
        count = per_run if turn < n_runs else n_steps - seq
        for i in range(count):
            seq += 1
            tool = i % 2 == 1
            steps.append({"id": uuid.uuid4().hex, "session_id": session_id, "run_id": run_id, "seq": seq,
                          "parent_id": None, "node": "tools" if tool else "agent", "kind": "tool" if tool else "model",
                          "name": "weather" if tool else "agent", "status": "ok", "started_at": t,
                          "ended_at": t + 0.05, "input": {"city": "Paris"} if tool else {"messages": [text]},
                          "output": {"temp_c": 18} if tool else {"content": "It is 18 °C."}, "error": None,
                          "prompt_tokens": 0 if tool else 40, "completion_tokens": 0 if tool else 12, "cost": 0.0,
                          "checkpoint_id": None, "meta": {}})
            t += 0.06
    return runs, steps, questions


class Writer:
    """Buffers rows per table and inserts them in chunks, parents first."""

    TABLES = (SessionRow, RunRow, StepRow, ClarificationRow)

    def __init__(self, db):
        self.db = db
        self.rows: dict[type, list[dict]] = {table: [] for table in self.TABLES}

    def add(self, table: type, rows: list[dict]) -> None:
        self.rows[table].extend(rows)
        if len(self.rows[StepRow]) >= CHUNK * 4:
            self.flush()

    def flush(self) -> None:
        with self.db.engine.begin() as conn:
            for table in self.TABLES:
                rows = self.rows[table]
                for start in range(0, len(rows), CHUNK):
                    conn.execute(insert(table), rows[start:start + CHUNK])
                rows.clear()


def fill_probe(db, rng: random.Random) -> dict[str, str]:
    """The measured person's sessions; returns the ids the operations use."""
    writer = Writer(db)
    t = time.time() - 86_400
    ids = {}
    for i in range(PROBE_SESSIONS):
        row = _session("probe", f"Probe session {i}", t + i)
        big = i == 0
        message = f"Plan a trip to {RARE} next week" if i == 1 else None
        runs, steps, questions = _turns(row["id"], 1000 if big else 20, 100 if big else 4, t, rng, message)
        writer.add(SessionRow, [row])
        writer.add(RunRow, runs)
        writer.add(StepRow, steps)
        writer.add(ClarificationRow, questions)
        if big:
            ids["open"] = row["id"]
            ids["run"] = runs[-1]["id"]
    writer.flush()
    settle(db)
    return ids


def settle(db) -> None:
    """Statistics for the planner, as a live database has them (on PostgreSQL what autovacuum does, which also
    merges a GIN index's pending list)."""
    if db.is_postgres:
        with db.autocommit.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def fill_others(db, sessions: int, steps: int, rng: random.Random) -> float:
    started = time.perf_counter()
    writer = Writer(db)
    t = time.time() - 30 * 86_400
    per_session = max(1, steps // sessions)
    for i in range(sessions):
        row = _session(f"user{i % 200}", " ".join(rng.choice(WORDS) for _ in range(3)), t + i)
        runs, rows, questions = _turns(row["id"], per_session, 10, t, rng)
        writer.add(SessionRow, [row])
        writer.add(RunRow, runs)
        writer.add(StepRow, rows)
        writer.add(ClarificationRow, questions)
    writer.flush()
    settle(db)
    return round(time.perf_counter() - started, 1)


def operations(db, ids: dict[str, str]) -> dict:
    writer = repo.StepWriter(db)
    seq = iter(range(10_000, 20_000))

    def write_step():
        writer.add([{"id": uuid.uuid4().hex, "session_id": ids["open"], "run_id": ids["run"], "seq": next(seq),
                    "node": "agent", "kind": "model", "name": "agent", "status": "ok", "started_at": time.time(),
                    "ended_at": time.time(), "input": {"messages": ["hi"]}, "output": {"content": "ok"},
                    "prompt_tokens": 1, "completion_tokens": 1, "cost": 0.0, "meta": {}}])

    return {
        "list_own_sessions": lambda: repo.list_sessions(db, owner="probe"),
        "list_all_sessions": lambda: repo.list_sessions(db),
        "search_own_rare": lambda: repo.list_sessions(db, owner="probe", search=RARE),
        "search_own_common": lambda: repo.list_sessions(db, owner="probe", search="paris"),
        "search_all_rare": lambda: repo.list_sessions(db, search=RARE),
        "search_all_common": lambda: repo.list_sessions(db, search="paris"),
        "open_in_chat": lambda: chat_document(db, ids["open"], "probe", 200),
        "open_in_inspector": lambda: trace_document(db, ids["open"], "probe"),
        "write_step": write_step,
    }


def measure(db, ids: dict[str, str], repeat: int) -> dict[str, dict]:
    figures = {}
    for name, op in operations(db, ids).items():
        result = op()  # warm the cache and check what it finds
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            op()
            times.append((time.perf_counter() - started) * 1000)
        found = len(result) if isinstance(result, list) else None
        figures[name] = {"ms": round(statistics.median(times), 2), **({"found": found} if found is not None else {})}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", help="a PostgreSQL URL (its tables are dropped first); default: a new SQLite file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="storage-scale-")
    url = args.db or f"sqlite:///{folder}/bench.db"
    db = open_database(url)
    if args.db:
        SQLModel.metadata.drop_all(db.engine)
        db.engine.dispose()
        db = open_database(url)
    rng = random.Random(7)
    ids = fill_probe(db, rng)
    small = measure(db, ids, args.repeat)
    fill_s = fill_others(db, args.sessions, args.steps, rng)
    big = measure(db, ids, args.repeat)
    out = {"backend": db.engine.dialect.name, "sessions": args.sessions + PROBE_SESSIONS,
           "steps": args.steps + 1000 + 20 * (PROBE_SESSIONS - 1),
           "fill_s": fill_s, "operations": {}}
    if db.sqlite_file:
        out["db_mb"] = round(Path(db.sqlite_file).stat().st_size / 2**20)
    for name in small:
        out["operations"][name] = {"small_ms": small[name]["ms"], "big_ms": big[name]["ms"],
                                   "ratio": round(big[name]["ms"] / max(small[name]["ms"], 0.01), 2),
                                   **({"found": [small[name]["found"], big[name]["found"]]}
                                      if "found" in small[name] else {})}
    out["worst_ratio"] = max(op["ratio"] for op in out["operations"].values())
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
