"""The FastAPI app: the JSON API under /api, share pages, and the Gradio UI mounted at /.

Owner scoping: every request carries an owner token in the `X-Owner-Token` header (or the
`playground_owner` cookie browsers get). A request without one is given a new token in the response header
and cookie. Sessions belong to the token that created them; another owner's session id is a 404.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import secrets
from pathlib import Path
from typing import Any, Callable

import plotly

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import DBAPIError

from app import sharing
from app.protocols import PROTOCOLS
from app.auth import owner_for
from app.logins import LoginPageThrottle, Logins, refused_response
from app.guards import BodyLimit, LoginGate, SecurityHeaders, anonymous_owner
from app.agents import UnknownAgentError
from app.agents.settings import SettingsError
from app.config import DEMO_MODEL, Settings
from app.llm.gateway import ModelConfigError
from app.runner import Runner, TurnError
from app.tracing.document import trace_document
from storage import NotFound, open_database, repo
from storage.throttle import LoginRefused
from storage.engine import StorageError, describe_error
from tools.model import ToolImportError
from tools.registry import UnknownToolError

SHARE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex", "Cache-Control": "no-store",
                 "X-Content-Type-Options": "nosniff"}
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"



class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewSession(Strict):
    agent: str = "react"
    model: str = DEMO_MODEL
    tools: list[str] = Field(default_factory=list, max_length=200)
    toolset: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    title: str = Field(default="", max_length=200)


class NewShare(Strict):
    expires_days: float | None = Field(default=None, gt=0, le=3650)


class NewTurn(Strict):
    message: str | None = Field(default=None, max_length=20_000)
    answer: str | None = Field(default=None, max_length=20_000)
    retry: bool = Field(default=False, description="go on with the session's last run, which failed, from its "
                                                   "last checkpoint")

    @model_validator(mode="after")
    def one_of(self) -> "NewTurn":
        if (self.message is not None) + (self.answer is not None) + self.retry != 1:
            raise ValueError("send exactly one of 'message', 'answer' or 'retry': true")
        return self


class NewFork(Strict):
    step: str | int = Field(description="the step's number in the session or its id")
    message: str | None = Field(default=None, max_length=20_000)
    arguments: dict[str, Any] | None = None
    answer: str | None = Field(default=None, max_length=20_000)


class NewToolFile(Strict):
    filename: str = Field(default="my_tools.py", max_length=200)
    source: str = Field(max_length=200_000)
    network: bool = False
    cpu_seconds: int | None = Field(default=None, ge=1, le=60)
    memory_mb: int | None = Field(default=None, ge=32, le=4096)
    wall_seconds: float | None = Field(default=None, gt=0, le=300)


class NewOpenAPI(Strict):
    spec: str = Field(min_length=1, max_length=2_000_000, description="an http(s) URL, or the spec's JSON or YAML")
    base_url: str | None = Field(default=None, max_length=2000)
    auth: dict[str, str] = Field(default_factory=dict, description="security scheme (or '*') -> env var name")
    timeout: float | None = Field(default=None, gt=0, le=300)
    prefix: str = Field(default="", max_length=32)


class NewMCP(Strict):
    target: str = Field(min_length=1, max_length=2000, description="an http(s) URL, or a command line")
    env: list[str] = Field(default_factory=list, description="env var names a stdio server gets")
    headers: dict[str, str] = Field(default_factory=dict, description="header -> env var name")
    timeout: float | None = Field(default=None, gt=0, le=300)
    prefix: str = Field(default="", max_length=32)


class NewSweep(Strict):
    step: str | int | None = Field(default=None, description="a clarification step; default: the pending question")
    answers: list[str] = Field(min_length=1, max_length=8)


@functools.cache
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=6)


def create_app(settings: Settings, runner: Runner | None = None, mount_ui: bool = True,
               say: Callable[[str], None] = lambda _stage: None) -> FastAPI:
    """The app; `say` hears each stage of starting (the server logs them: a start is never silent)."""
    accounts = settings.accounts()  # AuthConfigError before anything starts
    if runner is None:
        say("opening the database")
        db = open_database(settings.database_url)
        say("loading tools and the checkpointer")
        runner = Runner(db, settings)
    db = runner.db
    ui_logins: dict[str, Any] = {}  # Gradio's login tokens, once the UI is mounted

    logins = Logins(db, accounts, ui_logins)
    login_name = logins.name_of  # an API key, HTTP Basic or Gradio's login cookie; failed tries limited

    def owner_of(request: Request, response: Response) -> str:
        if not accounts:
            return anonymous_owner(request, response)
        name = login_name(request)
        if name is None:  # LoginGate refused it already; this is for a route mounted outside /api
            raise HTTPException(status_code=401, detail="log in first", headers={"WWW-Authenticate": "Basic"})
        return owner_for(name)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # Sync endpoints (a turn waits on its model) run in a thread each; anyio's default of 40 threads
        # would queue the 41st concurrent turn behind a whole model call.
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        async with contextlib.AsyncExitStack() as running:
            for service in app.state.services:  # the protocols' own (MCP's session manager)
                await running.enter_async_context(service)
            yield

    app = FastAPI(title="Agent Playground", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    app.state.runner = runner
    app.state.settings = settings

    app.add_middleware(GZipMiddleware, minimum_size=1024)  # pages, JSON and the UI's scripts; never event streams
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    if accounts:
        app.add_middleware(LoginGate, who=login_name)
        app.add_middleware(LoginPageThrottle, db=db)

    @app.exception_handler(LoginRefused)
    async def too_many_tries(_request: Request, exc: LoginRefused):
        return refused_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError):
        """422 naming each problem's place, never echoing the input back (it may be huge, a secret, or not
        encodable at all: a lone surrogate was a 500)."""
        problems = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                    for e in exc.errors()]
        return Response(json.dumps({"detail": problems}, ensure_ascii=True), status_code=422,
                        media_type="application/json")

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound):
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(DBAPIError)
    async def database_failed(_request: Request, exc: DBAPIError):
        """The database refused (locked, read-only, unreachable): 503 naming the problem; nothing half-written."""
        return JSONResponse({"detail": describe_error(db.label, exc)}, status_code=503)

    @app.exception_handler(StorageError)
    async def storage_failed(_request: Request, exc: StorageError):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(ToolImportError)
    async def tools_refused(_request: Request, exc: ToolImportError):
        """A tool file, spec or server that cannot be added: 422 with the reason (nothing was registered)."""
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "database": db.engine.dialect.name, "protocols": PROTOCOLS}

    @app.get("/api/agents")
    def list_agents() -> dict[str, Any]:
        from app import agents

        return {"agents": [a.to_dict() for a in agents.AGENTS.values() if not a.harness]}

    # The playground's models behind OpenAI's and Anthropic's APIs, for opened projects' graphs (their key) and,
    # with logins on, for a person logged in.
    from app.protocols import models

    app.include_router(models.router(login_name if accounts else (lambda _request: None)))

    # The agents for the field's clients: the LangGraph API, MCP (app.protocols).
    from app.protocols import mount_protocols

    app.state.services = mount_protocols(app, runner, bool(accounts), login_name)

    @app.post("/api/sessions", status_code=201)
    def create_session(body: NewSession, owner: str = Depends(owner_of)) -> dict[str, Any]:
        try:
            session = runner.new_session(agent=body.agent, model=body.model, tools=body.tools, toolset=body.toolset,
                                         owner=owner, settings=body.settings, title=body.title)
        except (UnknownAgentError, SettingsError, UnknownToolError, ModelConfigError, TurnError) as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return {"session_id": session.id}

    @app.get("/api/sessions")
    def list_sessions(q: str | None = None, owner: str = Depends(owner_of)) -> dict[str, Any]:
        rows = repo.list_sessions(db, owner=owner, search=q)
        return {"sessions": [r.model_dump(exclude={"owner"}) for r in rows]}

    @app.post("/api/sessions/{session_id}/turns")
    def new_turn(session_id: str, body: NewTurn, owner: str = Depends(owner_of)) -> dict[str, Any]:
        try:  # another owner's session is NotFound (404) from the runner
            result = runner.turn(session_id, message=body.message, answer=body.answer, owner=owner,
                                 retry=body.retry)
        except TurnError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return result.to_dict()

    @app.get("/api/sessions/{session_id}/trace")
    def get_trace(session_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return trace_document(db, session_id, owner)

    @app.delete("/api/sessions/{session_id}")
    def delete_session(session_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        repo.get_session(db, session_id, owner)
        repo.delete_session(db, session_id)
        return {"deleted": session_id}

    @app.post("/api/tools", status_code=201)
    def add_tools(body: NewToolFile, owner: str = Depends(owner_of)) -> dict[str, Any]:
        """A file of Python tools; its code runs only in the sandbox (see tools.sandbox)."""
        return {"tools": runner.add_custom_tools(body.source, body.filename, owner=owner, network=body.network,
                                                 cpu_seconds=body.cpu_seconds, memory_mb=body.memory_mb,
                                                 wall_seconds=body.wall_seconds)}

    @app.post("/api/tools/openapi", status_code=201)
    def import_openapi(body: NewOpenAPI, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return {"tools": runner.import_openapi(body.spec, base_url=body.base_url, auth=body.auth,
                                               timeout=body.timeout, prefix=body.prefix, owner=owner, files=False)}

    @app.post("/api/tools/mcp", status_code=201)
    def import_mcp(body: NewMCP, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return {"tools": runner.import_mcp(body.target, env=body.env, headers=body.headers, timeout=body.timeout,
                                           prefix=body.prefix, owner=owner, commands=bool(settings.mcp_commands))}

    @app.delete("/api/tools/{name}")
    def remove_tool(name: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        """A tool the caller added (a Python file's function, an imported operation): 404 if the caller has no
        such tool, 409 for one everyone has (built in, or the operator's)."""
        try:
            runner.remove_tool(name, owner)
        except UnknownToolError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except ValueError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return {"removed": name}

    @app.get("/api/tools")
    def list_tools(owner: str = Depends(owner_of)) -> dict[str, Any]:
        """Everyone's tools and the caller's own; tool sets likewise."""
        return runner.catalog.listing(owner)

    # -- time travel: branches are new sessions; the forked session is never changed -------------------

    @app.post("/api/sessions/{session_id}/fork", status_code=201)
    def fork(session_id: str, body: NewFork, owner: str = Depends(owner_of)) -> dict[str, Any]:
        from app import timetravel

        try:
            result = timetravel.run_fork(runner, session_id, body.step, message=body.message,
                                         arguments=body.arguments, answer=body.answer, owner=owner)
        except TurnError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return result.to_dict()

    @app.get("/api/sessions/{session_id}/branches")
    def branches(session_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        from app import timetravel

        return {"branches": timetravel.branches(runner, session_id, owner)}

    @app.post("/api/sessions/{session_id}/sweep")
    def sweep(session_id: str, body: NewSweep, owner: str = Depends(owner_of)) -> dict[str, Any]:
        from app import timetravel

        result: dict[str, Any] = {}
        try:
            for result in timetravel.sweep(runner, session_id, body.step, body.answers, owner=owner):
                pass
        except TurnError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return result

    # -- shares: the owner creates, lists and revokes; anyone with the token reads ------------------------

    @app.post("/api/sessions/{session_id}/share-preview")
    def share_preview(session_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return sharing.preview(db, session_id, owner)

    @app.post("/api/sessions/{session_id}/shares", status_code=201)
    def create_share(session_id: str, body: NewShare, request: Request, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return sharing.create(db, session_id, owner, body.expires_days, base_url=str(request.base_url))

    @app.get("/api/sessions/{session_id}/shares")
    def list_shares(session_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return {"shares": sharing.listing(db, session_id, owner)}

    @app.delete("/api/shares/{share_id}")
    def revoke_share(share_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return {"revoked": sharing.revoke(db, share_id, owner)}

    @app.get("/api/share/{token}")
    def shared_json(token: str) -> JSONResponse:
        doc = sharing.open_token(db, token)
        return JSONResponse(doc, headers=SHARE_HEADERS)

    @app.get("/api/share/{token}/steps")
    def shared_steps(token: str, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=500),
                     q: str = Query("", max_length=200)) -> JSONResponse:
        """A page of the shared trace's steps as one-line rows, of all or of those matching `q`."""
        return JSONResponse(sharing.steps_page(db, token, offset, limit, q), headers=SHARE_HEADERS)

    @app.get("/api/share/{token}/steps/{seq}")
    def shared_step(token: str, seq: int) -> JSONResponse:
        return JSONResponse(sharing.step_detail(db, token, seq), headers=SHARE_HEADERS)

    @app.get("/share/static/plotly.min.js")
    def plotly_bundle(request: Request) -> Response:
        """Plotly for share pages: compressed once (4.8 MB, 1.4 MB gzipped), cached by the browser for good
        (the page asks for it by Plotly's version, so an upgrade is a new URL)."""
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(_plotly_gzipped(), media_type="text/javascript",
                            headers={**headers, "Content-Encoding": "gzip"})
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)

    @app.get("/share/{token}")
    def shared_page(token: str) -> HTMLResponse:
        from app.ui.share_page import page

        try:
            doc = sharing.open_page(db, token)
        except NotFound:
            from app.ui.share_page import unavailable

            return HTMLResponse(unavailable(), status_code=404, headers={
                **SHARE_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        nonce = secrets.token_urlsafe(16)
        csp = (f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'")
        return HTMLResponse(page(doc, nonce), headers={**SHARE_HEADERS, "Content-Security-Policy": csp})

    if mount_ui:
        say("building the UI")
        from app.ui import mount

        app = mount(app, runner, settings, accounts)
        from gradio.routes import App as GradioApp

        ui_logins["app"] = next(r.app for r in app.routes if isinstance(getattr(r, "app", None), GradioApp))
    return app
