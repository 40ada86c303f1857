"""The database layer on whichever database the suite runs on (SQLite, or PostgreSQL with
PLAYGROUND_TEST_DATABASE_URL): the dialect really is that one, URLs as platforms write them, and a database
that refuses (read-only, locked, absent) gives one clear line, never a traceback or a half-written session."""

from __future__ import annotations

import subprocess
import threading

import pytest

from storage import StorageError, open_database
from storage.engine import normalize_url, url_label
from tests.conftest import ON_POSTGRES, PG_SERVER, PLAYGROUND, ROOT, clean_env, free_port, sql

from conftest import make_runner


def test_the_suite_runs_on_the_database_it_says(db_url):

    runner = make_runner(db_url)  # our tables and LangGraph's
    assert runner.db.engine.dialect.name == ("postgresql" if ON_POSTGRES else "sqlite")
    assert {"sessions", "runs", "steps", "checkpoints"} <= {r[0] for r in sql(db_url, (
        "select tablename from pg_tables where schemaname='public'" if ON_POSTGRES else
        "select name from sqlite_master where type='table'"))}


def test_urls_as_platforms_write_them():
    assert normalize_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert "hunter2" not in url_label("postgresql://u:hunter2@h/d")
    with pytest.raises(StorageError, match="invalid database URL") as err:
        open_database("::not a url hunter2::")
    assert "hunter2" not in str(err.value)


def test_an_unreachable_server_is_one_clear_line():
    url = f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/nothing"
    proc = subprocess.run([*PLAYGROUND, "run", "--tools", "calculator", "2+2?", "--db", url], capture_output=True,
                          text=True, cwd=ROOT, env=clean_env(), timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "does not answer" in proc.stderr and "hunter2" not in proc.stderr


def _read_only(db_url: str) -> str:
    """The same database, made read-only: a SQLite file opened in read-only mode (the tests run as root, whom
    file permissions do not stop), or a PostgreSQL database whose transactions are read-only by default."""
    if ON_POSTGRES:
        name = db_url.rsplit("/", 1)[1]
        sql(PG_SERVER, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        return db_url
    return f"sqlite:///file:{db_url.removeprefix('sqlite:///')}?mode=ro&uri=true"


def test_a_read_only_database_gives_a_clear_error_and_keeps_what_is_there(cli, db_url):
    done = cli.json("run", "--tools", "calculator", "What is 6*7?")
    ro = type(cli)(_read_only(db_url))
    proc = ro("run", "--tools", "calculator", "What is 2+2?")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "read-only" in proc.stderr, proc.stderr
    if ON_POSTGRES:
        sql(PG_SERVER, f'ALTER DATABASE "{db_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = off')
    assert cli.json("trace", done["session_id"])["steps"] == done["steps"]


def test_a_locked_database_gives_a_clear_error_through_the_api(db_url, tmp_path):
    """Another program holds a write lock longer than our wait: the turn is refused with 503 naming the lock,
    and once the lock is gone the same session runs."""
    import httpx
    from sqlalchemy import create_engine, text

    from tests.conftest import Server

    server = Server(db_url)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            created = c.post("/api/sessions", json={"tools": ["calculator"]})
            headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
            sid = created.json()["session_id"]
            engine = create_engine(normalize_url(db_url))
            holding = threading.Event()
            release = threading.Event()

            def hold_lock():
                with engine.connect() as conn:
                    if ON_POSTGRES:
                        conn.execute(text("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE"))
                    else:
                        conn.exec_driver_sql("BEGIN EXCLUSIVE")
                    holding.set()
                    release.wait(120)
                    conn.rollback()

            holder = threading.Thread(target=hold_lock)
            holder.start()
            holding.wait(30)
            try:
                refused = c.post(f"/api/sessions/{sid}/turns", json={"message": "What is 6*7?"}, headers=headers)
            finally:
                release.set()
                holder.join()
                engine.dispose()
            assert refused.status_code == 503, refused.text
            assert "lock" in refused.json()["detail"]
            ok = c.post(f"/api/sessions/{sid}/turns", json={"message": "What is 6*7?"}, headers=headers).json()
            assert ok["status"] == "done" and "42" in ok["final_answer"]
    finally:
        server.stop()


def test_a_text_with_nul_characters_is_stored(db_url):
    """PostgreSQL text cannot hold NUL; a model or tool emitting one must not fail the insert."""

    runner = make_runner(db_url)
    session = runner.new_session("react", "demo/offline", tools=["calculator"])
    result = runner.turn(session.id, "What is 6*7?\x00 thanks")
    assert result.status == "done"
    stored = runner.trace(session.id)["runs"][0]["user_message"]
    assert stored.startswith("What is 6*7?") and stored.endswith("thanks")


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL server dropping its connections")
def test_connections_the_server_dropped_are_replaced_not_failed_on(db_url, monkeypatch):
    """A restart or an idle timeout on the server kills pooled connections; the next use of one that sat idle
    checks it first and connects afresh, so no request fails for it."""
    import storage.engine
    from storage import repo

    db = open_database(db_url)
    session = repo.create_session(db, agent="react", model="demo/offline", tools=[])
    name = db_url.rsplit("/", 1)[1]
    killed = sql(PG_SERVER, "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                            f"where datname = '{name}' and pid <> pg_backend_pid()")
    assert killed[0][0] >= 1  # the pooled connections are gone
    monkeypatch.setattr(storage.engine, "IDLE_PING_S", 0.0)  # they have been idle long enough
    assert repo.get_session(db, session.id).id == session.id
    run_id, seq = repo.begin_turn(db, session.id, message="still here?")
    assert seq == 1 and [r.id for r in repo.runs_for_session(db, session.id)] == [run_id]


def _session_with(db, owner: str, title: str, *messages: str) -> str:
    from storage import repo

    session = repo.create_session(db, owner=owner, title=title, agent="react", model="demo/offline")
    for message in messages:
        repo.begin_turn(db, session.id, message=message)
    return session.id


def test_search_matches_words_through_the_index_and_follows_every_change(db_url):
    """Search is by words (each word, or its start, anywhere in the title or one message), through the full-text
    index the triggers keep: a turn, a rename, a delete and an import all show at once."""
    from storage import repo

    db = open_database(db_url)
    assert db.full_text
    trip = _session_with(db, "alice", "Trip planning", "Book a hotel in Zürich for two nights")
    maths = _session_with(db, "alice", "Maths", "What is 6*7?")
    oslo = _session_with(db, "bob", "Hotel in Oslo")

    def found(search, owner="alice"):
        return {s.id for s in repo.list_sessions(db, owner=owner, search=search)}

    assert found("hotel") == {trip} and found("HOT") == {trip} and found("zürich nights") == {trip}
    assert found("6*7") == {maths} and found("plan") == {trip}
    assert found("hotel oslo", owner="bob") == {oslo}  # words, not a substring: a LIKE scan finds nothing
    assert found("hotel oslo") == set()  # bob's session is not alice's to find
    if db.is_sqlite:
        assert found("zurich") == {trip}  # accents folded
    repo.update_session(db, maths, title="Multiplication")
    assert found("multipl") == {maths} and found("maths") == set()
    repo.begin_turn(db, maths, message="and 8*9 in Kyoto")
    assert found("kyoto") == {maths}
    repo.delete_session(db, trip)
    assert found("hotel") == set() and found("zürich") == set()
    imported = repo.insert_trace(db, {"id": "s-imported", "owner": "alice", "title": "Imported", "agent": "react",
                                      "model": "demo/offline"},
                                 [{"id": "r1", "session_id": "s-imported", "seq": 1, "user_message": "Temples of Nara"}],
                                 [], [])
    assert found("nara") == {imported.id}
    assert found("?") == {maths}  # no word in it: the substring scan, not an error


def test_a_search_cannot_reach_past_its_owner_or_break_the_index_query(db_url):
    """Hostile: owners whose names make the same index words ("eve.b", "eve b") still see only their own
    sessions (the index narrows, the owner column decides), and full-text syntax in a search is only words."""
    from storage import repo

    db = open_database(db_url)
    mine = _session_with(db, "eve.b", "my notes", "hotel booking")
    theirs = _session_with(db, "eve b", "secret plans", "hotel secret")
    for search in ("hotel", 'hotel" OR owner : "eve b', "secret", "NEAR(hotel secret)", "owner:*", "*", '"', "-"):
        ids = {s.id for s in repo.list_sessions(db, owner="eve.b", search=search)}
        assert theirs not in ids, search
    assert {s.id for s in repo.list_sessions(db, owner="eve.b", search="hotel")} == {mine}
    assert {s.id for s in repo.list_sessions(db, owner="eve b", search="secret")} == {theirs}


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's FTS5 table; PostgreSQL's indexes are created IF NOT EXISTS")
def test_a_database_from_before_the_index_gets_it_filled_when_opened(tmp_path):
    from storage import repo

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = open_database(url)
    old = _session_with(db, "alice", "Old session", "weather in Lima")
    with db.engine.begin() as conn:  # as a database made before the index was: no table, no triggers
        for (name, kind) in conn.exec_driver_sql(
                "SELECT name, type FROM sqlite_master WHERE name LIKE 'session_text%' AND type IN ('table', 'trigger')"
                ).all():
            if kind == "trigger" or name == "session_text":
                conn.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {name}")
    db.engine.dispose()
    db = open_database(url)
    assert db.full_text
    assert [s.id for s in repo.list_sessions(db, owner="alice", search="lima")] == [old]


def test_search_reaches_final_answers_and_the_answers_people_gave_and_lists_filter_by_kind(db_url):
    from storage import repo

    db = open_database(db_url)
    chat = _session_with(db, "alice", "Trip", "What's the weather like?")
    run = repo.latest_run(db, chat)
    repo.add_clarification(db, id="q1", session_id=chat, run_id=run.id, kind="missing_argument",
                           question="Which city?", options=["Paris"])
    repo.answer_clarification(db, "q1", "Valparaiso")
    repo.end_turn(db, chat, run.id, "done", final_answer="It is sunny in Valparaiso with a gentle breeze.")
    evaluated = repo.create_session(db, owner="alice", title="Eval item", agent="awn", model="demo/offline",
                                    settings={"eval_item": "IMKI-1"}).id

    def found(search=None, kind=None):
        return {s.id for s in repo.list_sessions(db, owner="alice", search=search, kind=kind)}

    assert found("valparaiso") == {chat}  # the person's answer and the final answer, not only the message
    assert found("gentle breeze") == {chat}
    assert found(kind="chat") == {chat} and found(kind="eval") == {evaluated}
    assert found(kind="branch") == set() and found("valparaiso", kind="eval") == set()
    with pytest.raises(ValueError, match="no session kind 'nope'"):
        repo.list_sessions(db, owner="alice", kind="nope")
