"""One turn at a time per session, across every playground process on the database.

Several `playground serve` processes may share one database (behind a load balancer). A session must not run
two turns at once, whichever processes receive them, and a process killed in the middle of a turn must not
leave its sessions locked. So the locks are ones the operating system or the database server releases when
the holder dies:

- PostgreSQL: a session-level advisory lock per session, all taken on one connection the process keeps for
  them (a dead process's connection closes and its locks go with it);
- SQLite: a POSIX record lock on one byte per session of a `<database>.locks` file beside the database (the
  kernel drops a process's record locks when it exits, `kill -9` included).

Within a process a set of held session ids decides first; the cross-process lock is taken only by the first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading

from storage.engine import Database

log = logging.getLogger(__name__)


def _key(session_id: str) -> int:
    """A signed 64-bit key for the session (PostgreSQL's advisory lock space)."""
    return int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:8], "big", signed=True)


class SessionLocks:
    def __init__(self, db: Database):
        self._db = db
        self._mutex = threading.Lock()
        self._held: set[str] = set()
        self._conn = None  # PostgreSQL: the connection holding this process's advisory locks
        self._fd: int | None = None  # SQLite: the open lock file
        if db.sqlite_file:
            path = f"{db.sqlite_file}.locks"
            try:
                self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:  # a read-only folder: fall back to this process's own locks
                log.warning("cannot open %s (%s); turns are locked within this process only", path, exc)

    def acquire(self, session_id: str) -> bool:
        """Take the session's lock without waiting; False if a turn of it is running anywhere."""
        with self._mutex:
            if session_id in self._held:
                return False
            if not self._acquire_shared(session_id):
                return False
            self._held.add(session_id)
            return True

    def release(self, session_id: str) -> None:
        with self._mutex:
            if session_id not in self._held:
                return
            self._held.discard(session_id)
            try:
                self._release_shared(session_id)
            except Exception as exc:  # the lock dies with its connection anyway
                log.warning("releasing the lock of session %s: %s", session_id, exc)

    def held(self) -> set[str]:
        with self._mutex:
            return set(self._held)

    # -- the cross-process part ---------------------------------------------------------------------------

    def _acquire_shared(self, session_id: str) -> bool:
        if self._db.is_postgres:
            return self._pg("SELECT pg_try_advisory_lock(%s)", session_id)
        if self._fd is not None:
            import fcntl

            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _key(session_id) & 0x7FFFFFFF)
            except OSError:
                return False
        return True

    def _release_shared(self, session_id: str) -> None:
        if self._db.is_postgres:
            self._pg("SELECT pg_advisory_unlock(%s)", session_id)
        elif self._fd is not None:
            import fcntl

            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _key(session_id) & 0x7FFFFFFF)

    def _pg(self, query: str, session_id: str) -> bool:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        try:
            return bool(self._conn.execute(query, (_key(session_id),)).fetchone()[0])
        except psycopg.OperationalError:  # the server dropped the connection (a restart): its locks went too
            self._conn.close()
            self._conn = self._connect()
            return bool(self._conn.execute(query, (_key(session_id),)).fetchone()[0])

    def _connect(self):
        import psycopg

        return psycopg.connect(self._db.libpq_url, autocommit=True, connect_timeout=10)

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
