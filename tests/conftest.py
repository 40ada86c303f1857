"""Shared fixtures: a real database per test, the real `playground` CLI as a process, a real server.

The database is a SQLite file, or with PLAYGROUND_TEST_DATABASE_URL=postgresql://... (scripts/postgres.sh
starts one) a new database created on that PostgreSQL server for each test and dropped after it: the same
suite runs on both.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = [sys.executable, "-m", "app.cli"]


PG_SERVER = os.environ.get("PLAYGROUND_TEST_DATABASE_URL", "")
ON_POSTGRES = PG_SERVER.startswith(("postgresql://", "postgres://"))
_created: list[str] = []


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(sql)


# What a test needs of the machine, read from its code and its fixtures' code (and the module's functions they
# call by name): the CI's passes and scripts/check select by these markers, never by file lists. A test that
# makes a database is `database` (the PostgreSQL pass runs exactly those); `bubblewrap` runs custom tool code in
# the sandbox, `netns` gives it a network (slirp4netns). `browser` and `local_model` are marked by hand (a
# module's pytestmark); both are `slow`, like the tests marked so by hand (scripts/check leaves them out).
NEEDS = {
    "database": re.compile(r"\b(new_db_url|make_runner|Server|open_database|db_url)\b"),
    "bubblewrap": re.compile(r"\b(tools_from_source|add_custom_tools|bwrap)\b|/add_tools\b|/api/tools\", json"),
    "netns": re.compile(r"\bnetwork=True\b|slirp4netns"),
}
SLOW = ("browser", "local_model")
# A test that starts the playground as a process (a server, the CLI) spends seconds in each start: slow too.
STARTS_PROCESSES = re.compile(r"\b(Server|Cli|subprocess)\b|\bcli[(.]")


def _code_of(item) -> list[str]:
    """The source of a test, of every fixture it uses and of the module-level functions those call by name."""
    todo = [getattr(item, "obj", None)] + [d.func for defs in item._fixtureinfo.name2fixturedefs.values()
                                           for d in defs]
    seen: set[int] = set()
    sources = []
    while todo:
        func = todo.pop()
        if not callable(func) or id(func) in seen:
            continue
        seen.add(id(func))
        try:
            sources.append(inspect.getsource(func))
        except (OSError, TypeError):
            continue
        names = set(getattr(getattr(func, "__code__", None), "co_names", ()))
        for const in getattr(getattr(func, "__code__", None), "co_consts", ()):  # nested functions, lambdas
            names |= set(getattr(const, "co_names", ()))
        for name in names:
            found = getattr(func, "__globals__", {}).get(name)
            if inspect.isfunction(found) and found.__module__ == func.__module__:
                todo.append(found)
            elif inspect.isclass(found) and found.__module__ == func.__module__:
                todo.extend(v for v in vars(found).values() if inspect.isfunction(v))
    return sources


def pytest_collection_modifyitems(config, items):
    for item in items:
        code = "\n".join(_code_of(item))
        for marker, pattern in NEEDS.items():
            if pattern.search(code):
                item.add_marker(marker)
        if any(item.get_closest_marker(m) for m in SLOW) or STARTS_PROCESSES.search(code):
            item.add_marker("slow")
        if item.get_closest_marker("local_model"):
            item.add_marker(pytest.mark.xdist_group("local_model"))  # one worker loads the model, once


_made_database: list[str] = []  # the databases new_db_url made during the current test (its fixtures' too)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _made_database.clear()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    """A test that made a database but is not marked `database` would be missing from the PostgreSQL pass."""
    if _made_database and not item.get_closest_marker("database"):
        raise AssertionError(f"{item.nodeid} makes a database but is not marked `database` (the PostgreSQL pass "
                             "would leave it out): mark it, or name new_db_url/make_runner/db_url where the "
                             "marker reader sees it (tests/conftest.py NEEDS)")


def new_db_url(folder: Path, name: str = "playground", own: bool = False) -> str:
    """A new, empty database: a file in `folder`, or a fresh database on the test PostgreSQL server, dropped
    after the test that made it; with `own`, not then: a module's fixture drops its own (drop_db)."""
    _made_database.append(name)
    if not ON_POSTGRES:
        return f"sqlite:///{folder / (name + '.db')}"
    import uuid

    database = f"t_{name[:20].lower()}_{uuid.uuid4().hex[:10]}"
    _pg(f'CREATE DATABASE "{database}"')
    if not own:
        _created.append(database)
    base = PG_SERVER.rsplit("/", 1)[0]
    return f"{base}/{database}"


def drop_db(url: str) -> None:
    """Drop a database made with new_db_url(own=True) (nothing to do for a SQLite file)."""
    if ON_POSTGRES:
        _pg(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def drop_test_databases() -> None:
    while _created:
        _pg(f'DROP DATABASE IF EXISTS "{_created.pop()}" WITH (FORCE)')


def sql(url: str, query: str, **params) -> list[tuple]:
    """Rows of one SQL statement on the test database, straight through SQLAlchemy (not our repositories)."""
    from sqlalchemy import create_engine, text

    from storage.engine import normalize_url

    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


needs_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="about the SQLite file itself")


@pytest.fixture
def db_url(tmp_path: Path):
    yield new_db_url(tmp_path)
    drop_test_databases()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "PLAYGROUND_DATABASE_URL"}
    env.update(extra)
    return env


class Cli:
    def __init__(self, db_url: str):
        self.db_url = db_url

    def __call__(self, *args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run([*PLAYGROUND, *args, "--db", self.db_url], capture_output=True, text=True,
                              cwd=ROOT, env=env or clean_env(), timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"playground {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    def json(self, *args: str, **kw) -> dict:
        proc = self(*args, "--json", check=True, **kw)
        return json.loads(proc.stdout)


@pytest.fixture
def allow_credentials():
    """allow_credentials(*names): the operator's PLAYGROUND_TOOL_SECRETS for this process, for one test."""
    from tools import model

    saved = (model._ALLOWED_CREDENTIALS, model._FORBIDDEN_CREDENTIALS)

    def allow(*names: str) -> None:
        from app.config import NEVER_TOOL_CREDENTIALS

        model.allow_credentials(names, forbidden=NEVER_TOOL_CREDENTIALS)

    yield allow
    model._ALLOWED_CREDENTIALS, model._FORBIDDEN_CREDENTIALS = saved


def make_runner(db_url: str, tools=None, **settings):
    """A Runner on `db_url` with these Settings fields (and optionally a tool registry of its own)."""
    from app.config import Settings
    from app.runner import Runner
    from storage import open_database

    return Runner(open_database(db_url), Settings(database_url=db_url, **settings), tools)


@pytest.fixture
def runner(db_url: str):
    """A Runner on the test's own database; its checkpointer's connections are closed after the test."""
    made = make_runner(db_url)
    yield made
    made.close()


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


def ui_client(url: str):
    """A gradio_client Client that has run the page's load event, as a browser does: the page then has an
    owner (`client.owner`), without which the UI refuses to save anything."""
    from gradio_client import Client

    ui = Client(url, verbose=False)
    ui.owner = ui.predict(None, None, api_name="/on_load")[0]
    return ui


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """The processes started, directly or not, by process `pid` (from /proc): a test looks at its own children
    only, never at those of a test running beside it (pytest -n)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        of = todo.pop()
        children = [child for child, parent in parents.items() if parent == of]
        found += children
        todo += children
    return found


class Server:
    def __init__(self, db_url: str, *extra: str, env: dict | None = None, port: int | None = None):
        for attempt in range(3):  # a free port may be taken before the server binds it (another test, pytest -n)
            self.port = port or free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.proc = subprocess.Popen(
                [*PLAYGROUND, "serve", "--port", str(self.port), "--db", db_url, *extra],
                cwd=ROOT, env=env or clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            deadline = time.time() + 120
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    output = self.proc.stdout.read()
                    if port is None and attempt < 2 and "address already in use" in output.lower():
                        break
                    raise RuntimeError(f"server exited: {output}")
                try:
                    if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                        self._drain()
                        return
                except httpx.HTTPError:
                    time.sleep(0.3)
            else:
                self.stop()
                raise RuntimeError("server did not answer /api/health")

    def _drain(self) -> None:
        """Read the server's output from now on, keeping its last lines (`self.output`): a pipe nobody reads
        fills up, and the server then blocks on its next log line."""
        import collections
        import threading

        self.output: collections.deque[str] = collections.deque(maxlen=400)
        threading.Thread(target=lambda: self.output.extend(iter(self.proc.stdout.readline, "")), daemon=True).start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = new_db_url(tmp_path_factory.mktemp("srv"), "server", own=True)  # outlives each test's databases
    s = Server(db)
    s.db_url = db
    yield s
    s.stop()
    drop_db(db)


class Listener:
    """An HTTP server of an attacker's, on its own port (another origin): answers every GET and POST with
    `body`, and keeps each request's path and headers in `seen`, so a test can say nothing reached it."""

    def __init__(self, body: bytes = b"[]", content_type: str = "application/json", redirect: str | None = None):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self
        self.seen: list[dict] = []  # with `redirect`: each request answered 302 to that URL

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the test reads `seen`
                return

            def do_GET(self):
                outer.seen.append({"path": self.path, **dict(self.headers)})
                if redirect:
                    self.send_response(302)
                    self.send_header("location", redirect)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeOpenAI:
    """A local OpenAI-compatible chat server (the only stand-in: hosted models cannot run here). It answers
    like a small tool-using model: given tools and no tool result yet it calls `weather` for Lisbon, then it
    answers from the tool result. Streaming and non-streaming, with usage; /embeddings too. Counts requests.

    Faults, for the tests of what a bad endpoint does to us: each chat request takes the next item of `faults`
    ("500", "429", "hang": no answer until the server stops, "bad_json": a tool call whose arguments are not
    JSON, "cut_json": arguments cut short), then `always` if set."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self
        self.requests = 0
        self.bodies: list[dict] = []  # every chat request's body, as sent
        self.faults: list[str] = []
        self.always: str | None = None
        self.released = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                outer.requests += 1
                outer.bodies.append(body)
                if self.path.endswith("/embeddings"):
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    return self._json({"object": "list", "model": body["model"], "usage": {
                        "prompt_tokens": 1, "total_tokens": 1}, "data": [
                        {"object": "embedding", "index": i, "embedding": outer.embed(t)} for i, t in enumerate(texts)]})
                fault = outer.faults.pop(0) if outer.faults else outer.always
                if fault in ("500", "429"):
                    raw = json.dumps({"error": {"message": f"injected {fault}", "type": "server_error"}}).encode()
                    self.send_response(int(fault))
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(raw)))
                    if fault == "429":
                        self.send_header("retry-after", "0")
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                if fault == "hang":
                    outer.released.wait(120)
                    return
                message = outer.reply(body)
                if fault in ("bad_json", "cut_json") and message.get("tool_calls"):  # unrepairable / cut short
                    message["tool_calls"][0]["function"]["arguments"] = (
                        '{"city": Lisbon}' if fault == "bad_json" else '{"city": "Lisbon",')
                usage = {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    delta = {"role": "assistant", "content": message.get("content")}
                    if message.get("tool_calls"):
                        delta["tool_calls"] = [{**c, "index": i} for i, c in enumerate(message["tool_calls"])]
                    finish = "tool_calls" if message.get("tool_calls") else "stop"
                    for chunk in ({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                                  {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage}):
                        data = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                                "model": body["model"], **chunk}
                        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                data = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
                        "choices": [{"index": 0, "message": message,
                                     "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
                        "usage": usage}
                self._json(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def embed(text: str, size: int = 512) -> list[float]:
        """A bag of hashed word stems: texts sharing words are close (enough to test our side of embeddings)."""
        import hashlib
        import re

        vector = [0.0] * size
        for word in re.findall(r"[a-z]{3,}", text.lower()):
            vector[int(hashlib.md5(word[:5].encode()).hexdigest(), 16) % size] += 1.0
        return vector

    @staticmethod
    def reply(body: dict) -> dict:
        messages = body["messages"]
        results = [m for m in messages if m.get("role") == "tool"]
        if results:
            return {"role": "assistant", "content": f"Lisbon right now: {results[-1]['content'][:80]}"}
        last = str(messages[-1].get("content") or "")
        if messages[0].get("content") == "Answer yes or no only." or "Answer yes or no only." in str(
                messages[0].get("content")):  # a grader: "yes" when the texts it compares share a word of 4+ letters
            pairs = re.findall(r"\n1\. (.*)\n2\. (.*)", last) or re.findall(r"Request: (.*?)\n.*answer: (.*?)\n", last,
                                                                             re.S)
            words = [set(re.findall(r"[a-z]{4,}", text.lower())) for text in (pairs[0] if pairs else ("", ""))]
            return {"role": "assistant", "content": "yes" if words[0] & words[1] else "no"}
        system = str(messages[0].get("content") or "")
        if system.startswith("You are a helpful assistant in understanding and analyzing user's queries"):
            # "Tell Me More!"'s split: each sentence ending in "?" a question, "(a, b)" in it its options
            lines = [f"{q.strip()} -- {o[1] if (o := re.search(r'[(]([^)]*)[)]', q)) else ''}".rstrip()
                     for q in re.findall(r"[^?.!]*\?", last)]
            return {"role": "assistant", "content": "Thought:\nSplit.\nResponse:\n" + "\n".join(lines)}
        if "good at judging similarities between phrases" in system:  # its matcher: the phrase sharing a word
            question = set(re.findall(r"[a-z]{4,}", re.search(r"### QUESTION:\n(.*)\n", last)[1].lower()))
            phrases = re.findall(r"^- (.*)$", last, re.M)
            shared = [p for p in phrases if question & set(re.findall(r"[a-z]{4,}", p.lower()))]
            return {"role": "assistant", "content": shared[0] if shared else "None of the above"}
        if body.get("tools"):
            return {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_lisbon", "type": "function",
                 "function": {"name": "weather", "arguments": json.dumps({"city": "Lisbon"})}}]}
        return {"role": "assistant", "content": "Hello from the local model."}

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_openai(monkeypatch):
    server = FakeOpenAI()
    monkeypatch.setenv("PLAYGROUND_OPENAI_BASE_URL", server.url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    yield server
    server.stop()
