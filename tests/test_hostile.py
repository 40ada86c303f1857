"""Hostile input: property tests (hypothesis) of tool-call argument parsing and schema handling, huge tool
outputs, and request bodies the JSON API must refuse with a 4xx."""

from __future__ import annotations

import json
import socket

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.llm.gateway import parse_arguments
from tools.execute import MAX_OUTPUT_CHARS, run_tool, type_matches, validate_arguments
from tools.model import Tool, tool_from_function

from conftest import make_runner

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
JSON_OBJECTS = st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6)


@given(JSON_OBJECTS)
def test_any_json_object_parses_back_to_itself(value):
    assert parse_arguments(json.dumps(value)) == (value, None)
    assert parse_arguments(json.dumps(value, ensure_ascii=False, indent=2)) == (value, None)
    assert parse_arguments(f"```json\n{json.dumps(value)}\n```") == (value, None)


@given(st.text())
def test_any_text_gives_a_dict_or_an_error_and_never_raises(text):
    arguments, error = parse_arguments(text)
    assert isinstance(arguments, dict)
    assert error is None or (isinstance(error, str) and arguments == {})


@given(JSON_OBJECTS, st.data())
def test_a_reply_cut_short_is_repaired_to_what_it_said_or_refused(value, data):
    """A model's arguments cut anywhere: either an error for the model, or an object whose keys were all in
    the original (a repair never invents an argument)."""
    text = json.dumps(value)
    cut = text[:data.draw(st.integers(min_value=1, max_value=len(text)))]
    arguments, error = parse_arguments(cut)
    assert error is not None or set(arguments) <= set(value)


@given(JSON_OBJECTS)
def test_trailing_commas_are_forgiven_outside_strings_only(value):
    assume(value)
    text = json.dumps(value)
    assert parse_arguments(text[:-1] + ",}") == (value, None)


PROPERTY_SCHEMAS = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer", "number", "boolean", "array", "object"])},
    optional={"enum": st.lists(JSON_SCALARS, min_size=1, max_size=3), "description": st.text(max_size=20)})
TOOL_SCHEMAS = st.fixed_dictionaries({
    "properties": st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), PROPERTY_SCHEMAS, max_size=5),
}).flatmap(lambda s: st.fixed_dictionaries({
    "type": st.just("object"), "properties": st.just(s["properties"]),
    "required": st.lists(st.sampled_from(sorted(s["properties"])) if s["properties"] else st.nothing(),
                         unique=True, max_size=len(s["properties"])),
}))


def _schema_tool(parameters: dict) -> Tool:
    return Tool(name="probe", description="echoes its arguments", parameters=parameters,
                handler=lambda **kwargs: kwargs)


@given(TOOL_SCHEMAS, JSON_VALUES)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_validation_never_raises_and_passes_only_what_the_schema_allows(schema, arguments):
    tool = _schema_tool(schema)
    clean, problems = validate_arguments(tool, arguments)
    assert all(isinstance(p, str) and p for p in problems)
    if not isinstance(arguments, dict):
        assert problems
        return
    for name, value in clean.items():
        if name not in schema["properties"]:  # JSON Schema: extras pass only where nothing is declared
            assert not schema["properties"] and schema.get("additionalProperties", True) is not False
            continue
        assert type_matches(value, schema["properties"][name])
        if "enum" in schema["properties"][name]:
            assert value in schema["properties"][name]["enum"]
    if not problems:
        assert all(name in arguments and arguments[name] not in (None, "") for name in schema["required"])


@given(TOOL_SCHEMAS, JSON_OBJECTS)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_running_a_call_with_any_arguments_gives_a_result_never_an_exception(schema, arguments):
    result = run_tool(_schema_tool(schema), arguments, timeout=5)
    assert result.ok or (result.error and result.content.startswith("Error: "))


def test_a_huge_tool_output_is_cut_with_a_marker_for_the_model_and_the_trace(db_url):

    def flood(size: int) -> str:
        """Returns a very long text.

        Args:
            size: how many characters
        """
        return "<b>x</b>" * (size // 8)

    runner = make_runner(db_url)
    runner.tools.register(tool_from_function(flood, name="flood"))
    direct = run_tool(runner.tools.get("flood"), {"size": 2_000_000})
    assert direct.ok and direct.truncated and len(direct.content) < MAX_OUTPUT_CHARS + 100
    assert direct.content.endswith(f"[... truncated: {2_000_000 - MAX_OUTPUT_CHARS} more characters]")

    session = runner.new_session("react", "demo/offline", tools=["flood"])
    result = runner.turn(session.id, "call flood with 2000000")
    step = next(s for s in result.steps if s["kind"] == "tool")
    assert step["input"] == {"size": 2_000_000}, step
    assert step["meta"]["truncated"] is True and "truncated: " in step["output"]
    assert len(json.dumps(step)) < MAX_OUTPUT_CHARS * 2  # stored cut, not two megabytes


def test_the_api_refuses_oversized_streamed_malformed_and_unknown_bodies(server):
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as c:
        created = c.post("/api/sessions", json={"tools": ["calculator"]})
        headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
        sid = created.json()["session_id"]

        def chunks():
            for _ in range(64):
                yield b" " * 16_384  # a megabyte with no Content-Length (chunked)

        streamed = c.post(f"/api/sessions/{sid}/turns", content=chunks(),
                          headers={**headers, "content-type": "application/json"})
        assert streamed.status_code == 413 and "larger than" in streamed.json()["detail"]
        assert c.post(f"/api/sessions/{sid}/turns", json={"message": "x" * 20_001},
                      headers=headers).status_code == 422
        assert c.post(f"/api/sessions/{sid}/turns", json={"message": "hi", "shell": "rm -rf /"},
                      headers=headers).status_code == 422
        assert c.post(f"/api/sessions/{sid}/turns", json={"message": ["not", "a", "string"]},
                      headers=headers).status_code == 422
        assert c.post(f"/api/sessions/{sid}/turns", content=b"{not json", headers={
            **headers, "content-type": "application/json"}).status_code == 422
        assert c.post(f"/api/sessions/{sid}/turns", json={"retry": True, "message": "both"},
                      headers=headers).status_code == 422

    # A Content-Length that is not a number: 400, and the server goes on.
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 12abc\r\n\r\n{}")
        reply = raw.recv(4096).decode(errors="replace")
    assert reply.split(" ")[1] in ("400", "413"), reply
    assert httpx.get(server.url + "/api/health").status_code == 200
    with httpx.Client(base_url=server.url, timeout=60, headers=headers) as c:
        assert c.post(f"/api/sessions/{sid}/turns", json={"message": "What is 6*7?"}).json()["status"] == "done"


def test_a_dotenv_file_in_the_working_directory_does_not_reach_the_server(tmp_path):
    """LiteLLM's default mode loads `.env` from the working directory at import: a file dropped there (by a
    tool, a student's upload, a cloned repository) would set the server's keys or model endpoint."""
    import subprocess
    import sys

    from tests.conftest import ROOT, clean_env

    (tmp_path / ".env").write_text("OPENAI_API_BASE=http://attacker.example/v1\nPLAYGROUND_DOTENV_PROBE=read\n")
    code = ("import os, sys; sys.path.insert(0, %r); from app.llm import gateway; gateway.litellm(); "
            "print(os.environ.get('PLAYGROUND_DOTENV_PROBE'), os.environ.get('OPENAI_API_BASE'))" % str(ROOT))
    env = {k: v for k, v in clean_env().items() if k not in ("LITELLM_MODE", "OPENAI_API_BASE")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "None None", done.stdout + done.stderr
