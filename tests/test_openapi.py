"""OpenAPI 3 import against a real local HTTP server: schemas, calls with auth from the environment, errors,
timeouts, bad specs named by their path, and an agent on a live playground server reaching the API."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.config import secret_values
from tools.execute import run_tool
from tools.model import ToolImportError
from tools.openapi import ImportOptions, OpenAPIError, parse_spec, tools_from_spec

from conftest import Server, clean_env, make_runner

SPEC = (Path(__file__).parent / "data" / "petstore.yaml").read_text()
KEY = "pk-test-7f3a91c2e5"


class PetAPI:
    """The pet store the spec describes; it checks the API key and records every request it gets."""

    def __init__(self):
        outer = self
        self.requests: list[dict] = []
        self.pets = {1: {"id": 1, "name": "Tom", "species": "cat"}, 7: {"id": 7, "name": "Rex", "species": "dog"}}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, value) -> None:
                raw = json.dumps(value).encode() if value is not None else b""
                self.send_response(status)
                if raw:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                outer.requests.append({"method": method, "path": url.path, "query": parse_qs(url.query),
                                       "key": self.headers.get("X-API-Key"), "body": body})
                if url.path == "/spec.yaml":
                    raw = SPEC.replace("http://127.0.0.1:9/will-be-replaced", "/").encode()
                    self.send_response(200)
                    self.send_header("content-length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                if url.path == "/slow":
                    time.sleep(3)
                    return self._send(200, {"late": True})
                if method != "DELETE" and self.headers.get("X-API-Key") != KEY:
                    return self._send(401, {"error": "bad or missing API key"})
                parts = url.path.strip("/").split("/")
                if parts == ["pets"] and method == "GET":
                    pets = list(outer.pets.values())
                    species = parse_qs(url.query).get("species")
                    pets = [p for p in pets if not species or p["species"] == species[0]]
                    return self._send(200, pets[: int(parse_qs(url.query).get("limit", ["100"])[0])])
                if parts == ["pets"] and method == "POST":
                    pet = {"id": max(outer.pets) + 1, **body}
                    outer.pets[pet["id"]] = pet
                    return self._send(201, pet)
                if len(parts) == 2 and parts[0] == "pets" and parts[1].isdigit():
                    pet = outer.pets.get(int(parts[1]))
                    if pet is None:
                        return self._send(404, {"error": f"no pet {parts[1]}"})
                    if method == "DELETE":
                        del outer.pets[pet["id"]]
                        return self._send(204, None)
                    return self._send(200, pet)
                self._send(404, {"error": "no such route"})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    server = PetAPI()
    yield server
    server.stop()


@pytest.fixture
def pets(api, monkeypatch, allow_credentials):
    monkeypatch.setenv("PETSTORE_CREDENTIAL", KEY)
    allow_credentials("PETSTORE_CREDENTIAL")
    tools = tools_from_spec(parse_spec(SPEC), ImportOptions(base_url=api.url, auth={"*": "PETSTORE_CREDENTIAL"},
                                                            timeout=1.0))
    return {t.name: t for t in tools}


def test_each_operation_becomes_a_tool_with_a_schema(pets):
    assert set(pets) == {"list_pets", "add_pet", "get_pet", "delete_pet", "slow_op"}
    assert pets["get_pet"].parameters == {"type": "object", "properties": {"petId": {
        "type": "integer", "description": "the pet's id"}}, "required": ["petId"]}
    add = pets["add_pet"].parameters  # the body's fields sit beside the parameters, its $ref resolved
    assert add["required"] == ["name", "species"] and add["properties"]["species"]["enum"] == ["cat", "dog"]
    assert pets["list_pets"].parameters["properties"]["limit"]["description"] == "how many pets at most"
    assert pets["add_pet"].side_effects and not pets["list_pets"].side_effects
    assert pets["list_pets"].source == "openapi:Test pet store"


def test_calls_reach_the_api_with_the_key_from_the_environment(api, pets):
    listed = run_tool(pets["list_pets"], {"limit": 1, "species": "dog"})
    assert listed.ok and listed.value == [{"id": 7, "name": "Rex", "species": "dog"}]
    assert api.requests[-1]["query"] == {"limit": ["1"], "species": ["dog"]} and api.requests[-1]["key"] == KEY
    made = run_tool(pets["add_pet"], {"name": "Kit", "species": "cat", "tags": ["small"]})
    assert made.ok and made.value["id"] == 8
    assert api.requests[-1]["body"] == {"name": "Kit", "species": "cat", "tags": ["small"]}
    deleted = run_tool(pets["delete_pet"], {"petId": 8})  # `security: []`: no key sent
    assert deleted.ok and api.requests[-1]["key"] is None and 8 not in api.pets
    assert KEY in secret_values()  # a variable named by an import is a secret whatever its name


def test_api_errors_timeouts_and_missing_keys_are_error_results(api, pets, monkeypatch):
    missing = run_tool(pets["get_pet"], {"petId": 99})
    assert not missing.ok and "HTTP 404" in missing.error and "no pet 99" in missing.error
    slow = run_tool(pets["slow_op"], {})
    assert not slow.ok and "did not answer within 1 s" in slow.error
    bad = run_tool(pets["get_pet"], {"petId": "seven"})
    assert not bad.ok and "must be integer" in bad.error
    monkeypatch.delenv("PETSTORE_CREDENTIAL")
    unset = run_tool(pets["get_pet"], {"petId": 1})
    assert not unset.ok and "PETSTORE_CREDENTIAL" in unset.error and "not set" in unset.error
    down = tools_from_spec(parse_spec(SPEC), ImportOptions(base_url="http://127.0.0.1:9", timeout=1.0))
    refused = run_tool(next(t for t in down if t.name == "delete_pet"), {"petId": 1})
    assert not refused.ok and "DELETE /pets/{petId}" in refused.error


BAD_SPECS = [
    ("swagger: '2.0'\npaths: {}", r"^openapi: expected an OpenAPI 3 spec .*found swagger 2.0"),
    ("openapi: 3.0.0\npaths: {}", r"^paths: the spec has no operations"),
    ("openapi: 3.0.0\npaths:\n  /a/{id}:\n    get: {operationId: a}",
     r"^paths\./a/\{id\}\.get\.parameters: the path has \{id\} but no path parameter named 'id'"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: body}",
     r"^paths\./a\.get\.parameters\[0\]: 'in' must be one of path, query, header, cookie, got 'body'"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'other.yaml#/p'",
     r"^paths\./a\.get\.parameters\[0\]\.\$ref: only references inside the spec"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/nope'",
     r"^paths\./a\.get\.parameters\[0\]\.\$ref: '#/components/parameters/nope' does not exist"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          text/plain: {}",
     r"^paths\./a\.post\.requestBody\.content: only JSON bodies are supported, found text/plain"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    get: {operationId: x}\n  /b:\n    get: {operationId: x}",
     r"^paths\./b\.get\.operationId: 'x' is also the name of paths\./a\.get"),
    ("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      security: [{oauth: []}]",
     r"^paths\./a\.get\.security: security scheme 'oauth' is not defined"),
    ("openapi: 3.0.0\npaths:\n  /a: {get: {}}\n  : [", r"neither JSON nor YAML at line 4"),
    ("openapi: 3.0.0\npaths:\n  /a: {get: {}}", r"^servers: the spec names no server; give a base URL"),
]


@pytest.mark.parametrize("text, expected", BAD_SPECS)
def test_bad_specs_name_the_path_in_the_spec(text, expected):
    with pytest.raises(OpenAPIError, match=expected):
        tools_from_spec(parse_spec(text), ImportOptions())


def test_a_refused_import_registers_nothing_and_a_clash_needs_a_prefix(db_url, api):
    runner = make_runner(db_url)
    before = runner.tools.names()
    with pytest.raises(OpenAPIError, match="no scheme named nope"):
        runner.import_openapi(SPEC, base_url=api.url, auth={"nope": "X"})
    clash = SPEC.replace("operationId: get_pet", "operationId: weather")
    with pytest.raises(ToolImportError, match=r"in use: 'weather' \(from builtin\); import with a prefix"):
        runner.import_openapi(clash, base_url=api.url)
    assert runner.tools.names() == before
    names = runner.import_openapi(clash, base_url=api.url, prefix="pets_")
    assert "pets_weather" in names and runner.tools.get("weather").source == "builtin"
    with pytest.raises(OpenAPIError, match="a server file cannot be read from here"):
        runner.import_openapi("/etc/passwd", files=False)


def test_imported_by_url_on_the_cli_called_by_an_agent_and_kept_across_restarts(cli, api):
    env = clean_env(PETSTORE_CREDENTIAL=KEY, PLAYGROUND_TOOL_SECRETS="PETSTORE_CREDENTIAL")
    made = cli.json("tools", "import-openapi", api.url + "/spec.yaml", "--auth", "apiKey=PETSTORE_CREDENTIAL",
                    env=env)
    assert made["tools"] == ["list_pets", "add_pet", "get_pet", "delete_pet", "slow_op"]
    assert api.requests[-1]["path"] == "/spec.yaml"  # the relative server URL resolves against the spec's
    # A later process (no API request needed to load it) runs an agent whose call reaches the API.
    run = cli.json("run", "--agent", "react", "--model", "demo/offline", "--tools", "get_pet",
                   "call get_pet with petId=7", env=env)
    tool_steps = [s for s in run["steps"] if s["kind"] == "tool"]
    assert tool_steps[0]["status"] == "ok" and tool_steps[0]["output"]["name"] == "Rex"
    assert api.requests[-1] == {"method": "GET", "path": "/pets/7", "query": {}, "key": KEY, "body": None}
    trace = cli("trace", run["session_id"], "--json", env=env).stdout
    assert KEY not in trace and "Rex" in trace
    bad = cli("tools", "import-openapi", "--db", cli.db_url, str(Path(__file__)))
    assert bad.returncode == 2 and "test_openapi.py: the spec is neither JSON nor YAML at line 1" in bad.stderr


def test_json_api_imports_a_pasted_spec_and_a_session_uses_it(db_url, api):
    server = Server(db_url, env=clean_env(PETSTORE_CREDENTIAL=KEY, PLAYGROUND_TOOL_SECRETS="PETSTORE_CREDENTIAL"))
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            made = client.post("/api/tools/openapi", json={"spec": SPEC, "base_url": api.url,
                                                           "auth": {"*": "PETSTORE_CREDENTIAL"}})
            assert made.status_code == 201 and "list_pets" in made.json()["tools"]
            sid = client.post("/api/sessions", json={"agent": "react", "tools": ["list_pets"]}).json()["session_id"]
            turn = client.post(f"/api/sessions/{sid}/turns", json={"message": "call list_pets with limit=1"}).json()
            assert [s["output"] for s in turn["steps"] if s["kind"] == "tool"] == [[api.pets[1]]]
            bad = client.post("/api/tools/openapi", json={"spec": "openapi: 3.0.0\npaths:\n  /a:\n    get:\n"
                                                                  "      parameters: [{in: query}]"})
            assert bad.status_code == 422 and bad.json()["detail"].startswith("paths./a.get.parameters[0]: a "
                                                                              "parameter needs a 'name'")
            assert client.get("/api/health").json()["status"] == "ok"
    finally:
        server.stop()


def test_import_from_the_ui(server, api):
    from conftest import ui_client

    ui = ui_client(server.url)
    spec = SPEC.replace("operationId: ", "operationId: ui_")
    done = ui.predict(spec, api.url, "", "", api_name="/import_openapi")
    assert "Added from the spec" in done[0] and "`ui_get_pet`" in done[0]
    refused = ui.predict("swagger: '2.0'\npaths: {}", "", "", "", api_name="/import_openapi")
    assert refused[0].startswith("⚠️ openapi: expected an OpenAPI 3 spec")
    mine = httpx.get(server.url + "/api/tools", headers={"X-Owner-Token": ui.owner}).json()["tools"]
    assert "ui_get_pet" in {t["name"] for t in mine}
    assert "ui_get_pet" not in {t["name"] for t in httpx.get(server.url + "/api/tools").json()["tools"]}


def test_credential_names_are_parsed_one_way_in_the_cli_and_the_ui(server, cli):
    """`NAME=ENV_VAR` was validated in the CLI and not in the UI's box; one parser now serves both."""
    from conftest import ui_client

    from tools.model import credential_pairs

    assert credential_pairs(["apiKey=PETS_KEY", " PETS_KEY "], "auth") == {"apiKey": "PETS_KEY", "*": "PETS_KEY"}
    for bad in ("apiKey=", "=PETS_KEY", "apiKey=not a name"):
        with pytest.raises(ToolImportError, match="expected NAME=ENV_VAR"):
            credential_pairs([bad], "auth")
    ui = ui_client(server.url)
    said = ui.predict(SPEC, "", "apiKey=not a name", "", api_name="/import_openapi")[0]
    assert said.startswith("⚠️ auth") and "expected NAME=ENV\\_VAR" in said  # Markdown-escaped
    run = cli("tools", "import-openapi", "--db", cli.db_url, "x.yaml", "--auth", "apiKey=")
    assert run.returncode == 2 and "--auth 'apiKey=': expected NAME=ENV_VAR" in run.stderr
