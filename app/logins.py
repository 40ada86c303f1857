"""Who a request is, and how hard a stranger may guess: an API key (sent as a Bearer token or `X-Api-Key`), HTTP
Basic with a login, or the cookie Gradio's login page set; failed tries are limited per name and address and
per address (storage.throttle, counted in the database across processes), for Basic, API keys and the login
page alike. A login that already checked out costs nothing more; a failure is logged with the name and the
address, never the password.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from app.auth import Accounts, basic_credentials
from app.guards import api_key
from storage import keys, throttle
from storage.engine import Database

log = logging.getLogger("playground.logins")


def address_of(scope_or_request: Any) -> str:
    client = getattr(scope_or_request, "client", None) if not isinstance(scope_or_request, dict) \
        else scope_or_request.get("client")
    host = client[0] if isinstance(client, (tuple, list)) else getattr(client, "host", None)
    return host or "unknown"


class Logins:
    def __init__(self, db: Database, accounts: Accounts, ui_logins: dict[str, Any]):
        self.db, self.accounts, self.ui_logins = db, accounts, ui_logins

    def name_of(self, request) -> str | None:
        """The login a request carries, or None. throttle.LoginRefused when its address guessed too often."""
        address = address_of(request)
        key = api_key(request)
        if key is not None:
            login = keys.login_for(self.db, key)
            if login is None:
                self._failed(None, address)
            return login
        basic = basic_credentials(request.headers.get("authorization"))
        if basic is not None:
            return self.check_password(*basic, address)
        ui = self.ui_logins.get("app")
        if ui is not None:
            token = request.cookies.get(f"access-token-{ui.cookie_id}") or \
                request.cookies.get(f"access-token-unsecure-{ui.cookie_id}")
            return ui.tokens.get(token) if token else None
        return None

    def check_password(self, name: str, password: str, address: str) -> str | None:
        if self.accounts.remembered(name, password):  # checked out before: no count, no wait
            return name
        throttle.check(self.db, name, address)
        if self.accounts.verify(name, password):
            throttle.succeeded(self.db, name, address)
            return name
        self._failed(name, address, checked=True)
        return None

    def _failed(self, name: str | None, address: str, checked: bool = False) -> None:
        if not checked:  # a wrong key while over the limit: refused as such
            throttle.check(self.db, name, address)
        count = throttle.failed(self.db, name, address)
        what = "an unknown API key" if name is None else f"login {name[:80]!r}"
        log.warning("failed: %s from %s (%d in a row)", what, address, count)


class LoginPageThrottle:
    """Gradio's login page (POST /login) under the same limits: a try while over them is a 429 before Gradio
    sees it; Gradio's answer (200 or 400) is counted."""

    def __init__(self, app, db: Database):
        self.app, self.db = app, db

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/login":
            return await self.app(scope, receive, send)
        import anyio

        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > 64 * 1024:
                return await _answer(send, 413, "the login form is too large")
        name = (parse_qs(body.decode("utf-8", "replace")).get("username") or [""])[0].strip()
        address = address_of(scope)
        try:
            await anyio.to_thread.run_sync(throttle.check, self.db, name, address)
        except throttle.LoginRefused as refused:
            return await _answer(send, 429, str(refused), refused.retry_after)
        sent = {"status": 0}

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        async def watch(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        if sent["status"] == 200:
            await anyio.to_thread.run_sync(throttle.succeeded, self.db, name, address)
        elif sent["status"] == 400:
            count = await anyio.to_thread.run_sync(throttle.failed, self.db, name, address)
            log.warning("failed: login %r from %s on the login page (%d in a row)", name[:80], address, count)


async def _answer(send, status: int, detail: str, retry_after: float | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", str(3600 if retry_after is None else max(1, round(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def refused_response(refused: throttle.LoginRefused):
    from fastapi.responses import JSONResponse

    wait = 3600 if refused.retry_after is None else max(1, round(refused.retry_after))
    return JSONResponse({"detail": str(refused)}, status_code=429, headers={"Retry-After": str(wait)})
