"""Share links and export/import, through the real CLI and a real server."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from tests.conftest import Server, clean_env, new_db_url, sql

SECRET = "s3cr3t-value-8842"


def _run(cli, *args, env=None):
    return cli.json("run", *args, env=env)


def test_share_a_cli_session_then_revoke(cli, db_url):
    run = _run(cli, "--agent", "awn", "--tools", "weather", "--answer", "Paris", "What's the weather like?")
    url = cli("share", run["session_id"], "--expires", "7", "--base-url", "https://class.example.org/",
              check=True).stdout.strip()
    assert url.startswith("https://class.example.org/share/")  # the whole link, ready to paste
    path = url.removeprefix("https://class.example.org")
    assert path.startswith("/share/") and len(path.removeprefix("/share/")) >= 43  # 256 bits, base64url
    token = path.removeprefix("/share/")
    server = Server(db_url)
    try:
        page = httpx.get(server.url + path)
        assert page.status_code == 200 and "In Paris it is" in page.text
        assert "Which city" in page.text and "check_tool_call" in page.text  # the question and every step
        assert "nonce-" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        data = httpx.get(f"{server.url}/api/share/{token}").json()
        assert data["final_answer"] == run["final_answer"] and len(data["steps"]) == len(run["steps"])
        assert data["share"]["views"] == 2 and data["share"]["expires_at"]
        assert "owner" not in data["session"]
        rows = httpx.get(f"{server.url}/api/share/{token}/steps", params={"q": "weather"}).json()
        assert rows["total"] >= 1 and all("input" not in r for r in rows["steps"])  # rows; details on request
        detail = httpx.get(f"{server.url}/api/share/{token}/steps/{rows['steps'][0]['seq']}").json()
        assert detail["name"] == rows["steps"][0]["name"] and "input" in detail
        assert httpx.get(f"{server.url}/api/share/{token}").json()["share"]["views"] == 3  # paging is no view

        assert cli("share", "--revoke", token, check=True).stdout.strip() == "revoked"
        gone = [httpx.get(server.url + path), httpx.get(f"{server.url}/api/share/{token}"),
                httpx.get(f"{server.url}/api/share/{token}/steps"), httpx.get(f"{server.url}/api/share/{token}/steps/1"),
                httpx.get(f"{server.url}/share/{secrets.token_urlsafe(32)}"),
                httpx.get(f"{server.url}/api/share/{secrets.token_urlsafe(32)}")]
        assert [r.status_code for r in gone] == [404] * 6
        assert gone[0].text == gone[4].text  # revoked and unknown look the same
        assert "This link is not available" in gone[0].text and "Agent Playground" in gone[0].text
        assert cli("share", "--revoke", token).returncode == 2  # already revoked: said so
        # without --base-url, the link is to where the server on this database listens (its own port)
        again = cli("share", run["session_id"], env=clean_env(), check=True).stdout.strip()
        assert again.startswith(f"{server.url}/share/")
    finally:
        server.stop()


def test_an_env_secret_given_to_a_tool_appears_nowhere_in_the_share(cli, db_url):
    env = clean_env(MY_SERVICE_TOKEN=SECRET)
    run = _run(cli, "--tools", "save_note", f"save a note that the door code is {SECRET}", env=env)
    preview = cli("share", run["session_id"], "--preview", "--json", env=env, check=True)
    assert json.loads(preview.stdout)["redactions"] == []  # nothing left to redact: it was stored redacted
    stored = sql(db_url, "SELECT user_message, title FROM runs JOIN sessions ON sessions.id = runs.session_id")
    assert "[REDACTED]" in str(stored) and SECRET not in str(stored)  # the message was stored redacted
    assert SECRET not in preview.stdout
    said = cli("share", run["session_id"], "--preview", env=env, check=True).stdout.strip()
    assert said == "nothing to redact: a link would show the trace as stored"
    url = cli("share", run["session_id"], env=env, check=True).stdout.strip()
    assert url.startswith("http://127.0.0.1:7860/share/")  # PLAYGROUND_BASE_URL unset: serve's default address
    path = url.removeprefix("http://127.0.0.1:7860")
    server = Server(db_url)  # the server does not even have the secret in its environment
    try:
        page = httpx.get(server.url + path).text
        api = httpx.get(server.url + path.replace("/share/", "/api/share/")).text
        assert "Saved note" in page and "[REDACTED]" in page
        assert SECRET not in page and SECRET not in api
    finally:
        server.stop()


def test_expired_links_are_404(db_url):
    from app import sharing
    from app.config import Settings
    from app.runner import Runner
    from storage import open_database, repo

    db = open_database(db_url)
    runner = Runner(db, Settings(database_url=db_url))
    session = runner.new_session("react", "demo/offline", tools=["calculator"], owner="amy")
    runner.turn(session.id, message="What is 6*7?", owner="amy")
    share = sharing.create(db, session.id, "amy", expires_days=1)
    assert sharing.open_token(db, share["token"])["final_answer"]
    with db.engine.begin() as conn:  # a day later
        from sqlalchemy import update

        from storage.models import ShareRow
        conn.execute(update(ShareRow).where(ShareRow.id == share["id"]).values(expires_at=1.0))
    with pytest.raises(LookupError):
        sharing.open_token(db, share["token"])
    assert [s["state"] for s in sharing.listing(db, session.id, "amy")] == ["expired"]
    assert repo.share_by_hash(db, sharing.hash_token(share["token"])).token_hash != share["token"]  # only a hash


def test_export_import_round_trip_into_a_fresh_database(cli, tmp_path):
    run = _run(cli, "--agent", "awn", "--tools", "weather", "--answer", "Oslo", "What's the weather like?")
    out = tmp_path / "session.json"
    said = cli("export", run["session_id"], "-o", str(out), check=True).stderr.strip()
    doc = json.loads(out.read_text())
    assert said == f"wrote {out} ({len(doc['steps'])} steps, {out.stat().st_size:,} bytes)"  # not silent
    assert doc["format"] == "agent-playground/session" and doc["version"] == 1

    fresh = type(cli)(new_db_url(tmp_path, "fresh"))
    new_id = fresh("import", str(out), check=True).stdout.strip()
    trace = fresh.json("trace", new_id)
    original = cli.json("trace", run["session_id"])
    strip = lambda s: {k: s[k] for k in ("seq", "kind", "name", "node", "status", "input", "output")}  # noqa: E731
    assert [strip(s) for s in trace["steps"]] == [strip(s) for s in original["steps"]]
    assert trace["final_answer"] == original["final_answer"] and trace["clarifications"][0]["answer"] == "Oslo"
    assert trace["session"]["settings"]["read_only"] is True
    refused = fresh("run", "--session", new_id, "hello")
    assert refused.returncode == 2 and "read-only" in refused.stderr

    spans = json.loads(cli("export", run["session_id"], "--format", "openinference", check=True).stdout)
    span_list = spans["resourceSpans"][0]["scopeSpans"][0]["spans"]
    kinds = [next(a["value"]["stringValue"] for a in s["attributes"] if a["key"] == "openinference.span.kind")
             for s in span_list]
    assert kinds[0] == "AGENT" and "LLM" in kinds and "TOOL" in kinds
    assert all(s.get("parentSpanId") == span_list[0]["spanId"] for s in span_list[1:])


def test_a_broken_import_names_the_problem(cli, tmp_path):
    bad = tmp_path / "bad.json"
    for content, expected in [("{not json", "is not JSON"),
                              ('{"format": "other"}', "format: expected"),
                              ('{"format": "agent-playground/session", "version": 1, "session": {"agent": "react"}}',
                               "session.model: missing")]:
        bad.write_text(content)
        proc = cli("import", str(bad))
        assert proc.returncode == 2 and expected in proc.stderr
