"""LangGraph's long-term memory (a `store`) on the playground's own database, for the opened projects' graphs
that use one (`get_store()`, `runtime.store`, a `store` argument): SQLite's store on a connection of its own,
PostgreSQL's on the database. Each owner sees only their own memories: every namespace is kept under
("owner", OWNER) and shown without it (`OwnerStore`). Storage's side of LangGraph: it knows the database."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable

from storage.engine import Database, StorageError, describe_error

PREFIX = "owner"


def make_store(db: Database):
    """LangGraph's store for `db`, its tables made."""
    try:
        if db.is_sqlite:
            from langgraph.store.sqlite import SqliteStore

            conn = sqlite3.connect(db.sqlite_path or ":memory:", check_same_thread=False, timeout=10,
                                   isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            store = SqliteStore(conn)
        elif db.is_postgres:
            import psycopg
            from langgraph.store.postgres import PostgresStore
            from psycopg.rows import dict_row

            conn = psycopg.connect(db.libpq_url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
            store = PostgresStore(conn)
        else:
            raise StorageError(f"no LangGraph store for a {db.engine.dialect.name} database")
        store.setup()
    except (sqlite3.Error, ImportError, OSError) as exc:
        raise StorageError(describe_error(db.label, exc)) from None
    return store


def close_store(store) -> None:
    conn = getattr(store, "conn", None)
    if conn is not None:
        conn.close()


def owner_store(store, owner: str | None):
    """`store` as one owner sees it (None: the playground's anonymous owner)."""
    from langgraph.store.base import BaseStore, GetOp, ListNamespacesOp, MatchCondition, PutOp, SearchOp

    scope = (PREFIX, owner or "-")

    def inward(op):
        if isinstance(op, (GetOp, PutOp)):
            return op._replace(namespace=(*scope, *op.namespace))
        if isinstance(op, SearchOp):
            return op._replace(namespace_prefix=(*scope, *op.namespace_prefix))
        if isinstance(op, ListNamespacesOp):
            conditions = [c for c in (op.match_conditions or ()) if c.match_type == "prefix"]
            others = [c for c in (op.match_conditions or ()) if c.match_type != "prefix"]
            prefix = conditions[0].path if conditions else ()
            depth = None if op.max_depth is None else op.max_depth + len(scope)
            return op._replace(match_conditions=(MatchCondition("prefix", (*scope, *prefix)), *others),
                               max_depth=depth)
        return op

    def outward(result):
        if isinstance(result, list):
            return [outward(r) for r in result]
        if isinstance(result, tuple) and result[:len(scope)] == scope:  # a namespace
            return result[len(scope):]
        if hasattr(result, "namespace") and tuple(result.namespace[:len(scope)]) == scope:
            result.namespace = tuple(result.namespace[len(scope):])
        return result

    class OwnerStore(BaseStore):
        def batch(self, ops: Iterable[Any]) -> list[Any]:
            return [outward(r) for r in store.batch([inward(op) for op in ops])]

        async def abatch(self, ops: Iterable[Any]) -> list[Any]:  # the sync stores refuse abatch: in a thread
            import asyncio

            return [outward(r) for r in await asyncio.to_thread(store.batch, [inward(op) for op in ops])]

    return OwnerStore()
