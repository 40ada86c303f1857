"""The database: an engine from a URL, the schema version, and refusal of a schema newer than the code.

SQLite is the default and gets WAL (readers never block the writer) and a busy timeout (a second writer
waits instead of failing at once). Migrations are additive and run in order; each is guarded by the version
stored in `playground_meta`, so running them twice is harmless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine, select

from storage.models import Meta

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000


class RawJSON(str):
    """JSON text that is already serialised: stored as is in a JSON column (saves a second json.dumps)."""


def _json_serializer(value) -> str:
    return value if isinstance(value, RawJSON) else json.dumps(value, ensure_ascii=False, default=str)


class StorageError(Exception):
    """A database problem stated in one line a person can act on."""


class SchemaTooNewError(StorageError):
    pass


# version -> function(engine) that upgrades from version-1. Version 1 is the initial create_all.
MIGRATIONS: dict[int, Callable[[Engine], None]] = {}


@dataclass
class Database:
    url: str
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> str | None:
        return make_url(self.url).database if self.is_sqlite else None

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(url: str) -> Database:
    """Open (and create or upgrade) the database at `url`. Raises StorageError with a clear message."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a long text
        raise StorageError(f"invalid database URL {url!r}: {exc}") from None
    kwargs: dict = {"json_serializer": _json_serializer}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:
        raise StorageError(f"cannot open database {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    db = Database(url=url, engine=engine)
    _ensure_schema(db)
    return db


def _stored_version(session: Session) -> int | None:
    row = session.get(Meta, "schema_version")
    return int(row.value) if row else None


def _ensure_schema(db: Database) -> None:
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    try:
        has_meta = inspect(db.engine).has_table(Meta.__tablename__)
        stored = None
        if has_meta:
            with db.session() as s:
                stored = _stored_version(s)
        if stored is not None and stored > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"the database {db.url} has schema version {stored}, newer than this playground "
                f"understands ({SCHEMA_VERSION}); upgrade agent-playground or use another --db"
            )
        SQLModel.metadata.create_all(db.engine)
        current = stored or SCHEMA_VERSION
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](db.engine)
        with db.session() as s:
            s.merge(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            s.commit()
    except OperationalError as exc:
        raise StorageError(f"cannot use database {db.url}: {exc.orig}") from None
