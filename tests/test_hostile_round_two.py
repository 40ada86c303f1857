"""The trust boundary's second round (#38), attacked: downloads that linger or that others can read."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

from app import downloads


def _gone(path: Path, patience_s: float = 60.0) -> bool:
    waited = 0.0
    while path.exists() and waited < patience_s:
        time.sleep(0.1)
        waited += 0.1
    return not path.exists()


def test_a_download_is_the_server_users_alone_and_is_removed_after_its_age(monkeypatch):
    monkeypatch.setattr(downloads, "AGE_S", 0.5)
    path = Path(downloads.write("../../etc/session.json", '{"secret": "x"}'))
    assert path.name == "session.json" and path.read_text() == '{"secret": "x"}'  # no way out of its folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert _gone(path.parent)


def test_a_folder_planted_in_the_shared_temp_directory_is_not_used(tmp_path):
    name = f"planted-{os.getpid()}"
    planted = Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}"
    planted.mkdir(mode=0o777)
    os.chmod(planted, 0o777)  # open to everyone: someone else could read or swap what goes in
    try:
        chosen = downloads.private_dir(name)
        assert chosen != planted and stat.S_IMODE(chosen.stat().st_mode) == 0o700
    finally:
        planted.rmdir()
    linked = Path(tempfile.gettempdir()) / f"{name}l-{os.getuid()}"
    linked.symlink_to(tmp_path)  # a link to a folder of the attacker's choosing
    try:
        assert downloads.private_dir(f"{name}l") not in (linked, tmp_path)
    finally:
        linked.unlink()


def test_the_ui_empties_gradios_copies_after_the_same_age():
    from app.config import Settings
    from app.runner import Runner
    from app.ui.app import build_blocks
    from storage import open_database

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'ui.db'}"
    demo = build_blocks(Runner(open_database(url), Settings(database_url=url)))
    assert demo.delete_cache == (60, int(downloads.AGE_S))


# -- a secret typed into a chat --------------------------------------------------------------------------------

KEY = "sk-proj-" + "Q7x" * 16


def _rows_holding(db, text: str) -> list[str]:
    """Every table of the database with a row whose text holds `text`."""
    from sqlalchemy import inspect, text as sql

    found = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(sql(f'SELECT * FROM "{table}"')):
                if any(text.encode() in (v if isinstance(v, bytes) else str(v).encode()) for v in row):
                    found.append(table)
                    break
    return found


def test_a_key_typed_into_a_chat_is_in_no_table_and_the_model_saw_it_as_typed(tmp_path, fake_openai):
    import json

    from app.config import Settings
    from app.runner import Runner
    from storage import open_database, repo
    from tests.conftest import new_db_url

    url = new_db_url(tmp_path, "typed")
    db = open_database(url)
    runner = Runner(db, Settings(database_url=url))
    try:
        asked = runner.new_session(agent="awn", model="demo/offline", tools=["weather"])
        first = runner.turn(asked.id, message=f"What's the weather like? My key is {KEY}")
        assert first.status == "needs_clarification"  # its checkpoint waits with the message in it
        assert runner.turn(asked.id, answer=f"Paris, and again {KEY}").status == "done"
        talk = runner.new_session(agent="react", model="openai/local-model", tools=["weather"])
        assert runner.turn(talk.id, message=f"Use my key {KEY} and tell me the weather").status == "done"
        assert any(KEY in json.dumps(body) for body in fake_openai.bodies)  # the model got it as typed
        # what the graph reads back on the next turn is the redacted text
        state = runner.graph_for(repo.get_session(db, asked.id)).get_state({"configurable": {"thread_id": asked.id}})
        assert "[REDACTED]" in json.dumps(state.values, default=str) and KEY not in json.dumps(state.values,
                                                                                                default=str)
    finally:
        runner.close()
    assert _rows_holding(db, KEY) == []
    if db.is_sqlite:  # and not a byte of it in the file (or its write-ahead log)
        for path in Path(db.sqlite_path).parent.glob(Path(db.sqlite_path).name + "*"):
            assert KEY.encode() not in path.read_bytes(), path.name


# -- guessing a password --------------------------------------------------------------------------------------


def test_a_hundred_wrong_passwords_meet_the_limit_and_the_right_one_from_elsewhere_works(tmp_path):
    import httpx

    from storage import open_database, throttle
    from tests.conftest import Server, new_db_url

    url = new_db_url(tmp_path, "guess")
    server = Server(url, "--auth", "alice:wonderland")
    try:
        def basic(password: str, address: str) -> int:
            return httpx.get(server.url + "/api/sessions", auth=("alice", password),
                             headers={"X-Forwarded-For": address}).status_code

        seen = [basic(f"guess-{i}", "10.0.0.7") for i in range(100)]
        assert seen[:5] == [401] * 5 and seen.count(429) >= 90  # five free tries, then held back
        assert basic("wonderland", "10.0.0.8") == 200  # the right password from another address
        wrong = httpx.get(server.url + "/api/sessions", auth=("alice", "guess-x"), headers={"X-Forwarded-For": "10.0.0.7"})
        assert wrong.status_code == 429 and int(wrong.headers["retry-after"]) >= 1

        def page(password: str, address: str) -> int:
            return httpx.post(server.url + "/login", data={"username": "alice", "password": password},
                              headers={"X-Forwarded-For": address}).status_code

        seen = [page(f"guess-{i}", "10.0.0.9") for i in range(100)]
        assert seen[:5] == [400] * 5 and seen.count(429) >= 90  # the login page: the same limit
        assert page("wonderland", "10.0.0.10") == 200

        keyed = [httpx.get(server.url + "/api/sessions", headers={"Authorization": f"Bearer pgk_{'x' * 40}{i}",
                                                                  "X-Forwarded-For": "10.0.0.11"}).status_code
                 for i in range(100)]
        assert keyed[:20] == [401] * 20 and keyed.count(429) >= 75  # API keys: per address

        output = "\n".join(server.output)
        assert "failed: login 'alice' from 10.0.0.7" in output and "guess-" not in output  # never the password
    finally:
        server.stop()
    db = open_database(url)  # counted in the database: every process on it sees them
    assert {r.key for r in throttle.listing(db)} >= {"name:alice@10.0.0.7", "addr:10.0.0.9", "addr:10.0.0.11"}


def test_a_lock_holds_until_the_operator_lifts_it(tmp_path):
    import subprocess

    import pytest

    from storage import open_database, throttle
    from tests.conftest import PLAYGROUND, ROOT, clean_env, new_db_url

    url = new_db_url(tmp_path, "lock")
    db = open_database(url)
    for _ in range(throttle.PER_NAME.lock):
        throttle.failed(db, "bob", "10.1.1.1")
    with pytest.raises(throttle.LoginRefused) as locked:
        throttle.check(db, "bob", "10.1.1.1")
    assert locked.value.retry_after is None and "playground logins unlock" in str(locked.value)
    throttle.check(db, "bob", "10.1.1.2")  # another address is not held back
    listed = subprocess.run([*PLAYGROUND, "logins", "list", "--db", url, "--json"], cwd=ROOT, env=clean_env(),
                            capture_output=True, text=True, check=True)
    assert '"locked": true' in listed.stdout
    subprocess.run([*PLAYGROUND, "logins", "unlock", "--name", "bob", "--db", url], cwd=ROOT, env=clean_env(),
                   capture_output=True, check=True)
    throttle.check(db, "bob", "10.1.1.1")


# -- the server's own requests: an import cannot reach into the host's network ----------------------------------

SPEC = """{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "%s"}],
 "paths": {"/ping": {"get": {"operationId": "ping", "summary": "ping", "responses": {"200": {"description": "ok"}}}}}}"""


def test_a_public_server_refuses_imports_into_its_own_network_and_an_ssrf_listener_hears_nothing(tmp_path):
    import httpx

    from tests.conftest import Listener, Server, clean_env, new_db_url

    inside = Listener(b"{}")  # a service on the host's loopback, which no import may reach
    bounce = Listener(redirect=inside.url + "/stolen")  # an allowed name that redirects inside
    port = bounce.url.rsplit(":", 1)[1]
    server = Server(new_db_url(tmp_path, "ssrf"), "--auth", "alice:wonderland",
                    env=clean_env(PLAYGROUND_ALLOW_HOSTS="localhost"))
    try:
        api = httpx.Client(base_url=server.url, auth=("alice", "wonderland"), timeout=60)

        def refused(path: str, body: dict, said: str) -> None:
            answer = api.post(path, json=body)
            assert answer.status_code == 422 and said in answer.json()["detail"], answer.text

        refused("/api/tools/openapi", {"spec": inside.url + "/spec.json"}, "127.0.0.1, a loopback address")
        refused("/api/tools/openapi", {"spec": f"http://localhost:{port}/spec.json"}, "a loopback address")  # 302
        refused("/api/tools/openapi", {"spec": SPEC % "http://169.254.169.254/latest"}, "a link-local address")
        refused("/api/tools/openapi", {"spec": SPEC % "http://10.1.2.3"}, "a private address")
        refused("/api/tools/mcp", {"target": inside.url + "/mcp"}, "a loopback address")
        assert inside.seen == []  # not one request reached it
        assert len(bounce.seen) == 1  # the allowed name was fetched; its redirect was not followed inside

        # the allowed name works, at import and at call time
        made = api.post("/api/tools/openapi", json={"spec": SPEC % f"http://localhost:{port}"})
        assert made.status_code == 201, made.text
    finally:
        server.stop()
        inside.stop()
        bounce.stop()


def test_a_name_that_resolves_inside_later_is_refused_when_the_call_is_made(monkeypatch):
    import socket

    import httpcore
    import httpx
    import pytest

    from tools import egress

    monkeypatch.setenv(egress.GUARD_ENV, "on")
    real = socket.getaddrinfo
    answers = {"api.example.test": "93.184.216.34"}  # public when the tool was imported

    def resolve(host, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], args[0] if args else 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    egress.check_url("http://api.example.test/v1")  # fine at import
    answers["api.example.test"] = "169.254.169.254"  # then the name is pointed at the metadata service
    connected = []
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", lambda *a, **k: connected.append(a))
    with pytest.raises(httpx.ConnectError) as refused, egress.client(timeout=5) as client:
        client.get("http://api.example.test/v1")
    assert "link-local" in str(egress.refused_in(refused.value)) and connected == []
    monkeypatch.setenv(egress.GUARD_ENV, "off")  # a laptop's server: no guard
    assert egress.why_refused("localhost", "127.0.0.1") is not None and not egress.guarded()


def test_a_sandboxed_tool_with_network_reaches_only_what_a_public_server_allows(monkeypatch):
    """Guard on: the host's own address and the cloud's metadata address are unreachable from the jail's network;
    the operator's allowlist opens one again. (Guard off, a laptop's: test_sandbox.py reaches the host.)"""
    import pytest

    from tests.test_sandbox import HOSTILE, _listen, _public_address, call
    from tools.sandbox import Limits, tools_from_source

    public = _public_address()
    if public is None:
        pytest.skip("this machine has no non-loopback address to listen on")
    listener, port = _listen(public)
    tool = {t.name: t for t in tools_from_source(HOSTILE.read_text(), "h.py", Limits(network=True))}["connect_local"]
    try:
        monkeypatch.setenv("PLAYGROUND_EGRESS_GUARD", "on")
        for host in (public, "169.254.169.254", "10.9.8.7"):
            refused = call(tool, port=port, host=host)
            assert not refused.ok and "No route to host" in refused.error, (host, refused)
        monkeypatch.setenv("PLAYGROUND_ALLOW_HOSTS", public)
        allowed = call(tool, port=port, host=public)
        assert allowed.ok and allowed.value == "hello", allowed.error
    finally:
        listener.close()
