"""Failed logins, counted in the database so every server process on it sees the same counts: per login name from
one client address, and per client address over every name (and every API key). A few failures are free; then
each further try must wait longer (doubling, capped), and past a limit the name or address is locked until the
operator lifts it (`playground logins unlock`). A success from an address clears that address's count for the
name, so a person who mistyped is not held back once they get it right; a right password from another address
is not held back by an attacker's failures elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.engine import Database
from storage.models import LoginFailureRow


@dataclass(frozen=True)
class Limit:
    free: int  # failures before any wait
    lock: int  # failures that lock until the operator lifts it
    longest_s: float = 300.0  # the longest wait between tries before the lock

    def wait(self, failures: int, since_s: float) -> float:
        """Seconds still to wait before the next try (0: go ahead)."""
        if failures < self.free:
            return 0.0
        return max(0.0, min(2.0 ** (failures - self.free), self.longest_s) - since_s)


PER_NAME = Limit(free=5, lock=30)  # one name from one address
PER_ADDRESS = Limit(free=20, lock=100)  # one address, every name and key


class LoginRefused(Exception):
    """Too many failed logins: wait `retry_after` seconds (None: locked until the operator lifts it)."""

    def __init__(self, retry_after: float | None):
        self.retry_after = retry_after
        wait = "locked until the operator lifts it (playground logins unlock)" if retry_after is None else \
            f"try again in {max(1, round(retry_after))} s"
        super().__init__(f"too many failed logins from this address: {wait}")


def _keys(name: str | None, address: str) -> list[tuple[str, Limit]]:
    keys = [(f"addr:{address}", PER_ADDRESS)]
    if name is not None:
        keys.insert(0, (f"name:{name[:200]}@{address}", PER_NAME))
    return keys


def check(db: Database, name: str | None, address: str) -> None:
    """LoginRefused if `name` (None: an API key) may not be tried from `address` now."""
    keys = dict(_keys(name, address))
    with db.reader() as s:
        rows = s.exec(select(LoginFailureRow).where(LoginFailureRow.key.in_(list(keys)))).all()
    if any(row.locked for row in rows):
        raise LoginRefused(None)
    now = time.time()
    wait = max((keys[row.key].wait(row.failures, now - row.last_at) for row in rows), default=0.0)
    if wait > 0:
        raise LoginRefused(wait)


def failed(db: Database, name: str | None, address: str) -> int:
    """Count a failure; the name's count from that address after it."""
    counts = []
    for key, limit in _keys(name, address):
        for _attempt in range(3):  # two processes counting the same first failure: one inserts, one retries
            try:
                with db.session() as s:
                    row = s.get(LoginFailureRow, key) or LoginFailureRow(key=key)
                    row.failures += 1
                    row.last_at = time.time()
                    row.locked = row.locked or row.failures >= limit.lock
                    s.add(row)
                    s.commit()
                    counts.append(row.failures)
                break
            except IntegrityError:
                continue
    return counts[0] if counts else 0


def succeeded(db: Database, name: str, address: str) -> None:
    """A right password: that name's count from that address is cleared (a lock stays until lifted)."""
    key = f"name:{name[:200]}@{address}"
    with db.session() as s:
        row = s.get(LoginFailureRow, key)
        if row is not None and not row.locked:
            s.delete(row)
            s.commit()


def unlock(db: Database, name: str | None = None, address: str | None = None) -> int:
    """Lift the locks (and counts) of a name (from every address it failed from, those addresses' own counts
    too), of an address, or of both; how many."""
    with db.session() as s:
        rows = s.exec(select(LoginFailureRow)).all()
        addresses = {address} if address is not None else set()
        if name is not None:
            addresses |= {r.key.split("@", 1)[1] for r in rows if r.key.startswith(f"name:{name}@")}
        lifted = [r for r in rows if (name is not None and r.key.startswith(f"name:{name}@")) or
                  r.key in {f"addr:{a}" for a in addresses} or
                  (address is not None and r.key.endswith(f"@{address}"))]
        for row in lifted:
            s.delete(row)
        s.commit()
    return len(lifted)


def listing(db: Database) -> list[LoginFailureRow]:
    with db.reader() as s:
        return list(s.exec(select(LoginFailureRow).order_by(LoginFailureRow.last_at.desc())))
