"""Searching sessions by their titles and messages through the database's full-text index, not a LIKE scan.

A search is words; a session matches when its title, one of its messages with its final answer, or one of its
questions with the person's answer, holds every word, each as a word
or the start of one ("multipl" finds "Multiplication", "6*7" finds "What is 6*7?"), case-insensitively.

- SQLite: an FTS5 table, `session_text`, one row per title and per message, kept by triggers on `sessions`
  and `runs` (so every writer keeps it: a turn, an import, a rename, a delete). Its `sid`, `part` and `owner`
  columns hold the session's id, what the row is (`title`, or the run's id) and whose it is, indexed like the
  text: a trigger finds a session's rows by the index (an UNINDEXED column would be a scan of the whole table),
  and a person's search reads only their rows' matches. Searches match the `body` column only. Accents are
  folded ("cafe" finds "café"). The triggers are created IF NOT EXISTS: changing one needs a migration that
  drops it.
- PostgreSQL: GIN indexes on `to_tsvector('simple', ...)` of titles and messages, queried with prefix terms.
  No accent folding ('simple' lowercases only; `unaccent` is an extension not every server has).

A search with no word in it (only punctuation), or a SQLite built without FTS5, falls back to the substring
scan it replaces, so a search never fails for want of the index.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal_column, or_, text
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from storage.models import ClarificationRow, RunRow, SessionRow

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 16  # a search of a pasted paragraph is cut to its first words, not an unbounded query

_SESSION_ROWS = """'sid : "' || replace({0}, '"', '""') || '"'"""
_PART_ROWS = """'part : "' || replace({0}, '"', '""') || '"'"""


def _delete(match: str) -> str:
    return f"DELETE FROM session_text WHERE rowid IN (SELECT rowid FROM session_text WHERE session_text MATCH {match});"


# What a run and a question contribute: the message and the final answer; the question and the person's answer.
RUN_TEXT = "{0}.user_message || ' ' || coalesce({0}.final_answer, '')"
QUESTION_TEXT = "{0}.question || ' ' || coalesce({0}.answer, '')"

_REFILL = f"""INSERT INTO session_text (body, sid, part, owner) VALUES (new.title, new.id, 'title', coalesce(new.owner, ''));
         INSERT INTO session_text (body, sid, part, owner)
           SELECT {RUN_TEXT.format("runs")}, session_id, id, coalesce(new.owner, '') FROM runs WHERE session_id = new.id;
         INSERT INTO session_text (body, sid, part, owner) SELECT {QUESTION_TEXT.format("clarifications")}, session_id,
           id, coalesce(new.owner, '') FROM clarifications WHERE session_id = new.id;"""

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS session_text USING fts5(body, sid, part, owner, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    """CREATE TRIGGER IF NOT EXISTS session_text_session_insert AFTER INSERT ON sessions BEGIN
         INSERT INTO session_text (body, sid, part, owner) VALUES (new.title, new.id, 'title', coalesce(new.owner, ''));
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_session_update AFTER UPDATE OF title, owner ON sessions BEGIN
         {_delete(_SESSION_ROWS.format("old.id"))}
         {_REFILL}
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_session_delete AFTER DELETE ON sessions BEGIN
         {_delete(_SESSION_ROWS.format("old.id"))}
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_message_insert AFTER INSERT ON runs BEGIN
         INSERT INTO session_text (body, sid, part, owner) VALUES ({RUN_TEXT.format("new")}, new.session_id, new.id,
           (SELECT coalesce(owner, '') FROM sessions WHERE id = new.session_id));
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_message_update AFTER UPDATE OF user_message, final_answer ON runs
       BEGIN
         {_delete(_PART_ROWS.format("old.id"))}
         INSERT INTO session_text (body, sid, part, owner) VALUES ({RUN_TEXT.format("new")}, new.session_id, new.id,
           (SELECT coalesce(owner, '') FROM sessions WHERE id = new.session_id));
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_message_delete AFTER DELETE ON runs BEGIN
         {_delete(_PART_ROWS.format("old.id"))}
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_question_insert AFTER INSERT ON clarifications BEGIN
         INSERT INTO session_text (body, sid, part, owner) VALUES ({QUESTION_TEXT.format("new")}, new.session_id,
           new.id, (SELECT coalesce(owner, '') FROM sessions WHERE id = new.session_id));
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_question_update AFTER UPDATE OF answer ON clarifications BEGIN
         {_delete(_PART_ROWS.format("old.id"))}
         INSERT INTO session_text (body, sid, part, owner) VALUES ({QUESTION_TEXT.format("new")}, new.session_id,
           new.id, (SELECT coalesce(owner, '') FROM sessions WHERE id = new.session_id));
       END""",
    f"""CREATE TRIGGER IF NOT EXISTS session_text_question_delete AFTER DELETE ON clarifications BEGIN
         {_delete(_PART_ROWS.format("old.id"))}
       END""",
]
SQLITE_BACKFILL = [
    "DELETE FROM session_text",
    "INSERT INTO session_text (body, sid, part, owner) SELECT title, id, 'title', coalesce(owner, '') FROM sessions",
    f"INSERT INTO session_text (body, sid, part, owner) SELECT {RUN_TEXT.format('r')}, r.session_id, r.id, "
    "coalesce(s.owner, '') FROM runs r JOIN sessions s ON s.id = r.session_id",
    f"INSERT INTO session_text (body, sid, part, owner) SELECT {QUESTION_TEXT.format('c')}, c.session_id, c.id, "
    "coalesce(s.owner, '') FROM clarifications c JOIN sessions s ON s.id = c.session_id",
]
POSTGRES_SCHEMA = [
    "CREATE INDEX IF NOT EXISTS ix_sessions_title_fts ON sessions USING gin (to_tsvector('simple', title))",
    f"CREATE INDEX IF NOT EXISTS ix_runs_text_fts ON runs USING gin (to_tsvector('simple', {RUN_TEXT.format('runs')}))",
    "CREATE INDEX IF NOT EXISTS ix_clarifications_text_fts ON clarifications USING gin "
    f"(to_tsvector('simple', {QUESTION_TEXT.format('clarifications')}))",
]


def install(conn: Connection) -> bool:
    """Create the index (idempotent) and fill it from the rows already there; False if this SQLite has no
    FTS5 (searches then scan)."""
    if conn.dialect.name == "postgresql":
        for statement in POSTGRES_SCHEMA:
            conn.exec_driver_sql(statement)
        return True
    if not sqlite_has_fts5(conn):
        return False
    existed = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_text'").first() is not None
    for statement in SQLITE_SCHEMA:
        conn.exec_driver_sql(statement)
    if not existed:
        for statement in SQLITE_BACKFILL:
            conn.exec_driver_sql(statement)
    return True


def sqlite_has_fts5(conn: Connection) -> bool:
    return bool(conn.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar())


def installed(conn: Connection) -> bool:
    if conn.dialect.name == "postgresql":
        return True
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_text'").first() is not None


def words(search: str) -> list[str]:
    return [w.lower() for w in WORD.findall(search)][:MAX_WORDS]


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def matching(search: str, dialect: str, full_text: bool, owner: str | None = None) -> Any:
    """A WHERE clause on SessionRow: the sessions whose title or a message matches `search`. With `owner`, the
    index is narrowed to that person's rows first (a common word then costs their matches, not everyone's);
    the caller still filters on the owner column, which is exact where the index's words are not."""
    terms = words(search)
    if not terms or not full_text:
        pattern = f"%{search.lower()}%"
        messages = select(RunRow.session_id).where(or_(func.lower(RunRow.user_message).like(pattern),
                                                       func.lower(RunRow.final_answer).like(pattern)))
        answers = select(ClarificationRow.session_id).where(func.lower(ClarificationRow.answer).like(pattern))
        return or_(func.lower(SessionRow.title).like(pattern), col(SessionRow.id).in_(messages),
                   col(SessionRow.id).in_(answers))
    if dialect == "postgresql":  # no OR of two index conditions: PostgreSQL would scan every session for it
        query = func.to_tsquery("simple", " & ".join(f"{t}:*" for t in terms))
        def matches(expression: str):  # the very expression the index is on, or PostgreSQL scans
            return func.to_tsvector("simple", literal_column(expression)).op("@@")(query)

        titles = select(SessionRow.id).where(func.to_tsvector("simple", SessionRow.title).op("@@")(query))
        messages = select(RunRow.session_id).where(matches(RUN_TEXT.format("runs")))
        answers = select(ClarificationRow.session_id).where(matches(QUESTION_TEXT.format("clarifications")))
        if owner is not None:  # lets the planner start from the person's sessions
            titles = titles.where(SessionRow.owner == owner)
            messages = messages.join(SessionRow, SessionRow.id == RunRow.session_id).where(SessionRow.owner == owner)
            answers = answers.join(SessionRow, SessionRow.id == ClarificationRow.session_id).where(
                SessionRow.owner == owner)
        return col(SessionRow.id).in_(titles.union_all(messages, answers))
    match = "body : (" + " AND ".join(f'"{t}"*' for t in terms) + ")"
    if owner is not None and words(owner):
        match += f" AND owner : {_phrase(owner)}"
    rows = select(literal_column("sid")).select_from(text("session_text")).where(
        text("session_text MATCH :match").bindparams(match=match))
    return col(SessionRow.id).in_(rows)
