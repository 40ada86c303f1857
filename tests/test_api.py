"""The JSON API end to end on a real server (real process, free port, real SQLite file)."""

from __future__ import annotations

import httpx

from tests.conftest import new_db_url


def new_client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=120)


def test_health_and_page(server):
    with new_client(server) as c:
        assert c.get("/api/health").json()["status"] == "ok"
        page = c.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()


def test_clarification_round_trip_and_owner_scoping(server):
    with new_client(server) as alice:
        created = alice.post("/api/sessions", json={"agent": "awn", "model": "demo/offline", "tools": ["weather"]})
        assert created.status_code == 201
        token = created.headers["X-Owner-Token"]
        sid = created.json()["session_id"]
        headers = {"X-Owner-Token": token}

        asked = alice.post(f"/api/sessions/{sid}/turns", json={"message": "What's the weather like?"}, headers=headers)
        body = asked.json()
        assert body["status"] == "needs_clarification"
        assert body["clarification"]["kind"] == "missing_argument" and body["clarification"]["field"] == "city"

        done = alice.post(f"/api/sessions/{sid}/turns", json={"answer": "Paris"}, headers=headers).json()
        assert done["status"] == "done" and "Paris" in done["final_answer"]
        assert any(s["kind"] == "tool" and s["input"] == {"city": "Paris"} for s in done["steps"])

        trace = alice.get(f"/api/sessions/{sid}/trace", headers=headers).json()
        assert [c["answer"] for c in trace["clarifications"]] == ["Paris"]
        listed = alice.get("/api/sessions", headers=headers).json()["sessions"]
        assert [s["id"] for s in listed] == [sid]

    with new_client(server) as mallory:
        other = mallory.post("/api/sessions", json={"tools": ["calculator"]})
        mallory_token = other.headers["X-Owner-Token"]
        assert mallory_token != token
        h = {"X-Owner-Token": mallory_token}
        assert mallory.get(f"/api/sessions/{sid}/trace", headers=h).status_code == 404
        assert mallory.post(f"/api/sessions/{sid}/turns", json={"message": "hi"}, headers=h).status_code == 404
        assert mallory.delete(f"/api/sessions/{sid}", headers=h).status_code == 404
        assert sid not in [s["id"] for s in mallory.get("/api/sessions", headers=h).json()["sessions"]]

    with new_client(server) as alice:
        assert alice.delete(f"/api/sessions/{sid}", headers=headers).status_code == 200
        assert alice.get(f"/api/sessions/{sid}/trace", headers=headers).status_code == 404


def test_bad_input_gets_clear_4xx(server):
    with new_client(server) as c:
        unknown_field = c.post("/api/sessions", json={"agent": "react", "tools": ["weather"], "colour": "red"})
        assert unknown_field.status_code == 422 and "colour" in unknown_field.text
        unknown_tool = c.post("/api/sessions", json={"tools": ["teleport"]})
        assert unknown_tool.status_code == 422 and "teleport" in unknown_tool.json()["detail"]
        bad_setting = c.post("/api/sessions", json={"agent": "awn", "settings": {"strictness": "nope", "bogus": 1}})
        assert bad_setting.status_code == 422
        assert bad_setting.json()["detail"] == ("setting 'strictness' of awn is 'nope': it must be one of 'guesses', "
                                                "'missing_only'")
        unknown_setting = c.post("/api/sessions", json={"agent": "dfsdt", "settings": {"bogus": 1}})
        assert unknown_setting.status_code == 422 and "no setting 'bogus'" in unknown_setting.json()["detail"]
        assert "width" in unknown_setting.json()["detail"]  # what it does take
        no_key = c.post("/api/sessions", json={"model": "openai/gpt-4o-mini"})
        assert no_key.status_code == 422 and "OPENAI_API_KEY" in no_key.json()["detail"]
        huge = c.post("/api/sessions", content=b"{" + b" " * 300_000 + b"}", headers={"content-type": "application/json"})
        assert huge.status_code == 413
        sid = c.post("/api/sessions", json={"tools": ["calculator"]}).json()["session_id"]
        token = c.cookies.get("playground_owner")
        both = c.post(f"/api/sessions/{sid}/turns", json={"message": "a", "answer": "b"}, headers={"X-Owner-Token": token})
        assert both.status_code == 422
        stray = c.post(f"/api/sessions/{sid}/turns", json={"answer": "Paris"}, headers={"X-Owner-Token": token})
        assert stray.status_code == 409 and "no pending question" in stray.json()["detail"]


def test_a_pending_question_survives_a_server_restart(tmp_path):
    from tests.conftest import Server

    db = new_db_url(tmp_path, "restart")
    first = Server(db)
    try:
        with new_client(first) as c:
            created = c.post("/api/sessions", json={"agent": "awn", "tools": ["weather"]})
            headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
            sid = created.json()["session_id"]
            asked = c.post(f"/api/sessions/{sid}/turns", json={"message": "What's the weather like?"}, headers=headers)
            assert asked.json()["status"] == "needs_clarification"
    finally:
        first.stop()
    second = Server(db)
    try:
        with new_client(second) as c:
            done = c.post(f"/api/sessions/{sid}/turns", json={"answer": "Tokyo"}, headers=headers).json()
            assert done["status"] == "done" and "Tokyo" in done["final_answer"]
    finally:
        second.stop()


def test_login_when_auth_is_configured(tmp_path):
    from tests.conftest import Server

    server = Server(new_db_url(tmp_path, "auth"), "--auth", "teacher:s3cret")
    try:
        with new_client(server) as c:
            assert c.get("/config").status_code == 401  # the app needs a login
            ok = c.post("/login", data={"username": "teacher", "password": "s3cret"})
            assert ok.status_code == 200
            assert c.get("/config").status_code == 200  # the session cookie now opens it
            bad = httpx.post(server.url + "/login", data={"username": "teacher", "password": "nope"})
            assert bad.status_code == 400
    finally:
        server.stop()
