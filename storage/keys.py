"""API keys: what a protocol client (a LangGraph SDK script, an A2A orchestrator, an MCP client) sends instead of
a browser's login. Each key belongs to one login; its owner is that login's. Only a digest is stored, so the
database never holds a usable key; a revoked key is refused at once by every process on the database."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import select

from storage.engine import Database
from storage.models import ApiKeyRow, now
from storage.repo import NotFound

PREFIX = "pgk_"  # so a key is recognisable in a config file and by secret scanners


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create(db: Database, login: str) -> tuple[ApiKeyRow, str]:
    """A new key for `login`: its row and the key (shown to the operator once, never stored)."""
    login = login.strip()
    if not login:
        raise ValueError("a key needs the login it belongs to")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(login=login, digest=_digest(key), hint=key[-4:])
    with db.session() as s:
        s.add(row)
        s.commit()
        s.refresh(row)
    return row, key


def login_for(db: Database, key: str | None) -> str | None:
    """The login a key belongs to, or None for an unknown, malformed or revoked one."""
    if not key or not key.startswith(PREFIX) or len(key) > 200:
        return None
    with db.reader() as s:
        row = s.exec(select(ApiKeyRow).where(ApiKeyRow.digest == _digest(key))).first()
    return row.login if row is not None and row.revoked_at is None else None


def listing(db: Database) -> list[ApiKeyRow]:
    with db.reader() as s:
        return list(s.exec(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))


def revoke(db: Database, key_id: str) -> ApiKeyRow:
    with db.session() as s:
        row = s.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id!r}")
        row.revoked_at = row.revoked_at or now()
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


# -- claims: a link that opens a session made elsewhere (the CLI) in a browser, as that browser's ------------------

CLAIM_TTL_S = 3600.0


def create_claim(db: Database, session_id: str) -> str:
    """A one-time token that gives `session_id` to whoever opens it within CLAIM_TTL_S (only its digest kept)."""
    import json

    from storage.models import Meta

    token = secrets.token_urlsafe(32)
    with db.session() as s:
        s.add(Meta(key=f"claim:{_digest(token)}", value=json.dumps({"session_id": session_id,
                                                                     "expires_at": now() + CLAIM_TTL_S})))
        s.commit()
    return token


def take_claim(db: Database, token: str | None) -> str | None:
    """The session a claim token opens, once (the token is then gone); None if unknown, used or expired."""
    import json

    from storage.models import Meta

    if not token or len(token) > 200:
        return None
    with db.session() as s:
        row = s.get(Meta, f"claim:{_digest(token)}")
        if row is None:
            return None
        s.delete(row)
        s.commit()
    claim = json.loads(row.value)
    return claim["session_id"] if claim["expires_at"] > now() else None
