"""LangGraph checkpointers on the playground's own database: where a session's graph state (and a pending
question) lives between turns and across restarts. SQLite's saver on one shared connection, PostgreSQL's on a
connection pool. Storage's side of LangGraph: it knows the database, never the agents."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any, Callable

from storage.engine import PG_OPTIONS, POOL_OVERFLOW, POOL_SIZE, SCHEMA_LOCK, Database, StorageError, describe_error


def close_checkpointer(saver) -> None:
    """Close what `make_checkpointer` opened: SQLite's connection, PostgreSQL's pool."""
    conn = getattr(saver, "conn", None)
    if conn is not None:
        conn.close()


class ScrubbingSerde:
    """LangGraph's serializer with `scrub` applied to everything it writes (checkpoints, their channel blobs,
    pending writes): a secret a person typed is kept redacted between turns, as in every other table. Reading
    is LangGraph's own."""

    def __init__(self, scrub: Callable[[Any], Any], inner=None):
        from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

        self.scrub = scrub
        self.inner = inner or JsonPlusSerializer()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(self.scrub(obj))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


def make_checkpointer(db: Database, scrub: Callable[[Any], Any] | None = None):
    """LangGraph's saver on the same database: SQLite's on one shared connection (SQLite has one writer
    anyway), PostgreSQL's on a connection pool so concurrent turns do not queue behind one lock. With `scrub`,
    everything it writes goes through that function first (ScrubbingSerde)."""
    serde = ScrubbingSerde(scrub) if scrub is not None else None
    if db.is_sqlite:
        from langgraph.checkpoint.sqlite import SqliteSaver

        try:
            url = db.engine.url
            if str(url.query.get("uri", "")).lower() == "true":  # sqlite:///file:PATH?mode=ro&uri=true
                options = "&".join(f"{k}={v}" for k, v in url.query.items() if k != "uri")
                conn = sqlite3.connect(f"{url.database}?{options}", uri=True, check_same_thread=False, timeout=10)
            else:
                conn = sqlite3.connect(db.sqlite_path or ":memory:", check_same_thread=False, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            saver = SqliteSaver(conn, serde=serde)
            saver.setup()
        except sqlite3.Error as exc:
            raise StorageError(describe_error(db.label, exc)) from None
        return saver
    if db.is_postgres:
        return _postgres_saver(db, serde)
    raise StorageError(f"no LangGraph checkpointer for a {db.engine.dialect.name} database; use SQLite or "
                       "PostgreSQL")


def _postgres_saver(db: Database, serde=None):
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ModuleNotFoundError as exc:
        raise StorageError(f"PostgreSQL needs the {exc.name!r} package: pip install "
                           "'agent-playground[postgres]'") from None
    import psycopg

    # Connections opened up front (a burst of new sessions must not wait for the pool to grow one connection
    # at a time); not checked with a round trip at every checkout: a broken one fails its operation once
    # and is replaced.
    pool = ConnectionPool(db.libpq_url, min_size=POOL_SIZE, max_size=POOL_SIZE + POOL_OVERFLOW, open=False,
                          kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
                                  "options": PG_OPTIONS, "connect_timeout": 10}, name="checkpoints")
    try:
        pool.open(wait=True, timeout=15)
        saver = PostgresSaver(pool, serde=serde)
        # The saver holds one lock around every operation, made for a single shared connection; on a pool each
        # operation has its own connection, and the lock only queued every session's checkpoints behind one
        # another (bench/load.py: p95 added latency 1.7 s with it at 50 sessions).
        saver.lock = contextlib.nullcontext()
        with pool.connection() as conn:  # setup() migrates; two processes starting at once take turns
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                saver.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
    except (psycopg.Error, TimeoutError, OSError) as exc:
        pool.close()
        raise StorageError(describe_error(db.label, exc)) from None
    return saver


def async_capable(saver):
    """`saver` for LangGraph's async API too (a graph with async nodes runs with `astream`): SQLite's and
    PostgreSQL's sync savers refuse their async methods; these run the sync ones in a worker thread."""
    from langgraph.checkpoint.base import BaseCheckpointSaver

    if getattr(saver, "async_capable", False):
        return saver
    cached = getattr(saver, "_async_view", None)
    if cached is not None:
        return cached

    class AsyncView(BaseCheckpointSaver):
        async_capable = True

        def __init__(self):
            super().__init__(serde=saver.serde)

        def __getattr__(self, name):  # everything else (conn, setup, lock...) is the saver's own
            return getattr(saver, name)

        def get_tuple(self, config):
            return saver.get_tuple(config)

        def list(self, config, *, filter=None, before=None, limit=None):
            return saver.list(config, filter=filter, before=before, limit=limit)

        def put(self, config, checkpoint, metadata, new_versions):
            return saver.put(config, checkpoint, metadata, new_versions)

        def put_writes(self, config, writes, task_id, task_path=""):
            return saver.put_writes(config, writes, task_id, task_path)

        def delete_thread(self, thread_id):
            return saver.delete_thread(thread_id)

        def get_next_version(self, current, channel):
            return saver.get_next_version(current, channel)

        async def aget_tuple(self, config):
            return await asyncio.to_thread(saver.get_tuple, config)

        async def alist(self, config, *, filter=None, before=None, limit=None):
            for item in await asyncio.to_thread(lambda: [*saver.list(config, filter=filter, before=before,
                                                                     limit=limit)]):
                yield item

        async def aput(self, config, checkpoint, metadata, new_versions):
            return await asyncio.to_thread(saver.put, config, checkpoint, metadata, new_versions)

        async def aput_writes(self, config, writes, task_id, task_path=""):
            return await asyncio.to_thread(saver.put_writes, config, writes, task_id, task_path)

        async def adelete_thread(self, thread_id):
            return await asyncio.to_thread(saver.delete_thread, thread_id)

    view = saver._async_view = AsyncView()
    return view
