"""The database: an engine from a URL, the schema version, and refusal of a schema newer than the code.

SQLite is the default and gets WAL (readers never block the writer) and a busy timeout (a second writer
waits instead of failing at once). PostgreSQL (`postgresql://...`, or `postgres://` as platforms write it in
DATABASE_URL) goes through psycopg 3, from the `[postgres]` extra; several playground processes may share one
database, and the schema is created under an advisory lock so two starting at once do not race.
Migrations are additive and run in order; each is guarded by the version stored in `playground_meta`, so
running them twice is harmless.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, SQLModel, create_engine

from storage import search
from storage.models import Meta

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 10_000
# Connections per process. A running turn holds none while the model thinks (steps are written on short
# checkouts), so this bounds concurrent writes, not concurrent sessions.
POOL_SIZE = 10
POOL_OVERFLOW = 30
PG_OPTIONS = f"-c lock_timeout={BUSY_TIMEOUT_MS}"
IDLE_PING_S = 5.0  # a pooled PostgreSQL connection idle this long is checked before use
SCHEMA_LOCK = 0x706C6179  # pg_advisory_lock key held while creating or upgrading the schema ("play")


class RawJSON(str):
    """JSON text that is already serialised: stored as is in a JSON column (saves a second json.dumps)."""


def _json_serializer(value) -> str:
    return value if isinstance(value, RawJSON) else json.dumps(value, ensure_ascii=False, default=str)


class StorageError(Exception):
    """A database problem stated in one line a person can act on."""


class SchemaTooNewError(StorageError):
    pass


# Indexes a database made by an earlier release may lack (create_all adds no index to an existing table).
INDEXES = ["CREATE INDEX IF NOT EXISTS ix_sessions_owner_updated ON sessions (owner, updated_at)"]

def _share_first_screens(engine: Engine) -> None:
    """2: a share keeps its page's first screen beside its snapshot (opening a 10,000-step link read and parsed
    the whole 12 MB snapshot first). Links made before have none: their first open reads the snapshot, as ever."""
    from sqlalchemy import inspect

    if "first_screen" not in {c["name"] for c in inspect(engine).get_columns("shares")}:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE shares ADD COLUMN first_screen JSON")


# version -> function(engine) that upgrades from version-1. Version 1 is the initial create_all.
MIGRATIONS: dict[int, Callable[[Engine], None]] = {2: _share_first_screens}


@dataclass
class Database:
    url: str
    engine: Engine
    full_text: bool = False  # sessions are searched through the full-text index (storage.search)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def sqlite_path(self) -> str | None:
        return make_url(self.url).database if self.is_sqlite else None

    @property
    def sqlite_file(self) -> str | None:
        """The SQLite database's file path (also for the `file:PATH?mode=ro` URI form); None in memory."""
        return _sqlite_file(self.sqlite_path) if self.is_sqlite else None

    @property
    def libpq_url(self) -> str:
        """The PostgreSQL URL as libpq (psycopg, LangGraph's saver) takes it: no SQLAlchemy driver suffix."""
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def reader(self) -> Session:
        """A session for reads only, without a transaction around them (no BEGIN and ROLLBACK round trips
        on PostgreSQL)."""
        return Session(self.autocommit, expire_on_commit=False)

    @functools.cached_property
    def autocommit(self) -> Engine:
        """The engine (same pool) committing each statement by itself: a one-statement write without BEGIN and
        COMMIT, two round trips fewer on PostgreSQL."""
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@functools.cache
def _nul_safe_dumper() -> type:
    from psycopg.types.string import StrDumperUnknown

    class NulSafeStr(StrDumperUnknown):
        def dump(self, obj: str):
            return super().dump(obj.replace("\x00", "\ufffd") if "\x00" in obj else obj)

    return NulSafeStr


def _postgres_nul_safe(dbapi_connection, _record) -> None:
    """PostgreSQL text cannot hold NUL (0x00), which SQLite stores happily; a model or tool that emits one
    must not fail the step's insert. It is stored as U+FFFD (JSON columns keep it, escaped as \\u0000)."""
    dbapi_connection.adapters.register_dumper(str, _nul_safe_dumper())


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    """SQLAlchemy's pool_pre_ping, for connections idle more than IDLE_PING_S only: one that the server
    dropped (a restart, an idle timeout) is replaced instead of failing its operation, and a busy pool does
    not pay a round trip at every checkout (a turn checks out about ten)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception:
        raise DisconnectionError("the database dropped this connection") from None  # the pool connects afresh


def _sqlite_file(database: str | None) -> str | None:
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        path = database[len("file:"):].split("?", 1)[0]
        return None if not path or path == ":memory:" else path
    return database


def url_label(url: str) -> str:
    """A database URL fit for messages and logs: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<an invalid database URL>"


def normalize_url(url: str) -> str:
    """`postgres://` and `postgresql://` (what platforms put in DATABASE_URL) mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def open_database(url: str) -> Database:
    """Open (and create or upgrade) the database at `url`. Raises StorageError with a clear message."""
    try:
        parsed = make_url(normalize_url(url))
    except Exception:  # sqlalchemy's message repeats the URL, password included
        raise StorageError("invalid database URL: expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST/NAME"
                           ) from None
    kwargs: dict = {"json_serializer": _json_serializer, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if _sqlite_file(parsed.database):
            Path(_sqlite_file(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        if not parsed.database or parsed.database == ":memory:":
            kwargs.pop("pool_size"), kwargs.pop("max_overflow")
    elif backend == "postgresql":
        # lock_timeout: a table someone locked gives an error after the same wait as SQLite's busy timeout.
        kwargs.update(connect_args={"connect_timeout": 10, "options": PG_OPTIONS})
    try:
        engine = create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        hint = " (pip install 'agent-playground[postgres]')" if backend == "postgresql" else ""
        raise StorageError(f"cannot open database {parsed.render_as_string(hide_password=True)}: the driver {exc.name!r} is not "
                           f"installed{hint}") from None
    except Exception as exc:
        raise StorageError(f"cannot open database {parsed.render_as_string(hide_password=True)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_nul_safe)
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    db = Database(url=parsed.render_as_string(hide_password=False), engine=engine)
    _ensure_schema(db)
    return db


def describe_error(db_label: str, exc: BaseException) -> str:
    """One line for a database failure: what the database said, and what to do about the usual ones."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    low = text.lower()
    if "readonly" in low or "read-only" in low or "read only" in low:
        hint = "the database is read-only: give the playground write access to the file and its folder"
    elif "database is locked" in low:
        hint = ("the database is locked by another program; close it, or wait and retry (SQLite allows one "
                "writer at a time)")
    elif "unable to open database" in low:
        hint = "the database file cannot be opened: check the path and that its folder is writable"
    elif "connection refused" in low or "could not connect" in low or "connection failed" in low:
        hint = "the database server does not answer: is it running, and is the URL right?"
    elif "does not exist" in low and "database" in low:
        hint = "that database does not exist on the server: create it first (createdb)"
    else:
        hint = ""
    return f"cannot use database {db_label}: {text}" + (f" ({hint})" if hint else "")


def _stored_version(session: Session) -> int | None:
    row = session.get(Meta, "schema_version")
    return int(row.value) if row else None


def _ensure_schema(db: Database) -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        if db.is_postgres:  # two processes starting on a new database must not both create the tables
            with db.engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
                try:
                    _create_or_upgrade(db)
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")
                    conn.commit()
        else:
            _create_or_upgrade(db)
    except DBAPIError as exc:
        raise StorageError(describe_error(db.label, exc)) from None


def _create_or_upgrade(db: Database) -> None:
    from sqlalchemy import inspect

    has_meta = inspect(db.engine).has_table(Meta.__tablename__)
    stored = None
    if has_meta:
        with db.session() as s:
            stored = _stored_version(s)
    if stored is not None and stored > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database {db.label} has schema version {stored}, newer than this playground "
            f"understands ({SCHEMA_VERSION}); upgrade agent-playground or use another --db"
        )
    SQLModel.metadata.create_all(db.engine)
    current = stored or SCHEMA_VERSION
    for version in range(current + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](db.engine)
    with db.engine.begin() as conn:  # indexes added since version 1; an older playground can use them too
        for statement in INDEXES:
            conn.exec_driver_sql(statement)
        db.full_text = search.install(conn)
    with db.session() as s:
        s.merge(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        s.commit()
