"""The HTTP guards in front of every route: body size limits, security headers (CSP), the login gate, and the
anonymous owner token of a JSON API caller. ASGI middleware, tested by attacking a real server
(tests/test_hostile*.py)."""

from __future__ import annotations

import json
import secrets
from typing import Any, Callable

from fastapi import HTTPException, Request, Response

from app.auth import USER_PREFIX

OWNER_HEADER = "X-Owner-Token"
OWNER_COOKIE = "playground_owner"
MAX_BODY_BYTES = 256 * 1024
MAX_UI_BODY_BYTES = 4 * 2**20  # a Gradio event sends its inputs, the chat's conversation among them
MAX_UPLOAD_BYTES = 32 * 2**20  # a session export to import
# Share links carry their token in the URL: never send it on as a referrer; keep the pages out of indexes.

class _TooLarge(HTTPException):
    """Raised from the request's receive channel: FastAPI passes an HTTPException through its body parsing
    (anything else there becomes a 400), so the client gets the 413."""

    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=f"request body larger than {limit} bytes")


def body_limit(path: str) -> int:
    """The largest request body a route takes: the JSON API's, the browser UI's events (they carry the
    conversation shown), and file uploads (session imports)."""
    if path.startswith("/api/"):
        return MAX_BODY_BYTES
    if "/upload" in path:
        return MAX_UPLOAD_BYTES
    return MAX_UI_BODY_BYTES


class BodyLimit:
    """413 for a request body over its route's limit (`body_limit`), whether it declares its length or streams
    in chunks (a chunked body is counted as it arrives and cut off at the limit); 400 for a malformed
    Content-Length."""

    def __init__(self, app, limit=body_limit):
        self.app = app
        self.limit_for = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.strip().isdigit():
            return await self._refuse(send, 400, "the Content-Length header is not a number")
        if declared is not None and int(declared) > limit:
            return await self._refuse(send, 413, f"request body larger than {limit} bytes")
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, f"request body larger than {limit} bytes")

    @staticmethod
    async def _refuse(send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


# The UI's Content-Security-Policy: nothing from another origin, ever (no image, font, script, frame or
# connection), so untrusted text the sanitiser let through still cannot track or exfiltrate. Gradio's own
# page needs inline and eval'd script and inline style; share pages have a stricter policy of their own.
APP_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; "
           "frame-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "frame-ancestors 'self'")


class SecurityHeaders:
    """APP_CSP and nosniff on every response but the share pages' (they set their own)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/share/"):
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"content-security-policy"]
                message = {**message, "headers": headers + [(b"content-security-policy", APP_CSP.encode()),
                                                            (b"x-content-type-options", b"nosniff")]}
            await send(message)

        return await self.app(scope, receive, with_headers)


def new_owner_token() -> str:
    return secrets.token_urlsafe(24)


def anonymous_owner(request: Request, response: Response) -> str:
    """With logins off: the caller's owner token, or a new one (a `user:` token is a login's and is refused)."""
    token = request.headers.get(OWNER_HEADER) or request.cookies.get(OWNER_COOKIE)
    if not token or len(token) > 200 or token.startswith(USER_PREFIX):
        token = new_owner_token()
        response.set_cookie(OWNER_COOKIE, token, httponly=False, samesite="lax", max_age=3600 * 24 * 365)
    response.headers[OWNER_HEADER] = token
    return token


# Reachable without a login even when logins are on: a share link's token is its credential; health is for
# load balancers and says nothing about anyone.
PUBLIC_PATHS = ("/api/health", "/api/share/", "/share/")
# Behind the login when logins are on: the JSON API and each protocol the agents speak (app.protocols).
GATED_PATHS = ("/api", "/langgraph", "/mcp", "/a2a", "/ag-ui")


SHARED_CLIENT = "anon:clients"  # with logins off, the owner of a protocol client that sends no owner token


def client_owner(request, logins_on: bool, login_name: Callable[[Any], str | None]) -> str:
    """A protocol client's owner: its login or API key's (one of them required with logins on), else the owner
    token it sends; a client that sends none (a script on the operator's laptop, logins off) is the one shared
    SHARED_CLIENT owner, so its threads are there on its next call. HTTPException 401 for a wrong key or login."""
    from fastapi import HTTPException

    from app.auth import owner_for

    if logins_on or api_key(request) is not None:
        name = login_name(request)
        if name is None:
            raise HTTPException(status_code=401, detail="log in first: an API key (playground keys create NAME) or "
                                                        "HTTP Basic with a playground login",
                                headers={"WWW-Authenticate": "Basic"})
        return owner_for(name)
    token = request.headers.get(OWNER_HEADER) or request.cookies.get(OWNER_COOKIE)
    return token if token and len(token) <= 200 and not token.startswith(USER_PREFIX) else SHARED_CLIENT


def api_key(request) -> str | None:
    """The API key a request carries (`Authorization: Bearer pgk_...` or `X-Api-Key`), or None."""
    from storage.keys import PREFIX

    given = request.headers.get("x-api-key")
    if given is None:
        auth = request.headers.get("authorization") or ""
        given = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    return given if given and given.startswith(PREFIX) else None


class LoginGate:
    """With logins on, every route but PUBLIC_PATHS needs one: HTTP Basic, or the cookie of Gradio's login
    page. Gradio checks its own routes too; this covers ours (/api, its docs) and anything mounted later."""

    def __init__(self, app, who: Callable[[Any], str | None]):
        self.app = app
        self.who = who

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(GATED_PATHS) or \
                scope["path"].startswith(PUBLIC_PATHS):
            return await self.app(scope, receive, send)
        from storage.throttle import LoginRefused

        try:
            who = self.who(Request(scope))
        except LoginRefused as refused:
            from app.logins import refused_response

            return await refused_response(refused)(scope, receive, send)
        if who is None:
            body = json.dumps({"detail": "log in first: HTTP Basic with a playground login, or the browser's "
                                         "login cookie"}).encode()
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Basic realm="Agent Playground"')]})
            await send({"type": "http.response.body", "body": body})
            return
        return await self.app(scope, receive, send)
