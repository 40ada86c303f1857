"""Open any LangGraph project unchanged (#33): two public templates as published (tests/data/projects, MIT, see
its README) and a project of our own that asks in every way LangGraph users write it, opened with their
langgraph.json; their models answered offline through the playground's model endpoint, with the official OpenAI
and Anthropic clients as the counterparts."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import httpx
import pytest

from conftest import Server, clean_env, make_runner

PROJECTS = Path(__file__).parent / "data" / "projects"
REACT = str(PROJECTS / "react-agent" / "langgraph.json")
NEW = str(PROJECTS / "new-langgraph-project" / "langgraph.json")
ASKING = str(PROJECTS / "asking" / "langgraph.json")
MEMORY = str(PROJECTS / "memory-agent" / "langgraph.json")


@pytest.fixture(scope="module")
def opened():
    """What opening projects in this process changes (the clients' environment, the agent registry, the
    gateway's copy of the operator's settings), put back after the module: other tests' servers and models
    must not see the endpoint."""
    from app import agents
    from app.llm import gateway
    from app.protocols import models

    environ, registered = dict(os.environ), dict(agents.AGENTS)
    yield
    os.environ.clear()
    os.environ.update(environ)
    agents.AGENTS.clear()
    agents.AGENTS.update(registered)
    gateway._operator = None
    models._state["base"] = None


@pytest.fixture
def project_runner(opened, db_url):
    """project_runner(*configs): a Runner on the test's database with these projects opened, closed after."""
    made = []

    def make(*configs: str):
        made.append(make_runner(db_url, configs=configs))
        return made[-1]

    yield make
    for runner in made:
        runner.close()


def steps_of(runner, session_id: str) -> list[dict]:
    return runner.trace(session_id)["steps"]


def test_a_graph_of_other_inputs_takes_them_and_its_context_as_settings(project_runner):
    """new-langgraph-project: a dataclass state (`changeme`), a TypedDict context, an async node."""
    runner = project_runner(NEW)
    spec = runner_agent(runner, NEW)
    assert spec["settings"][:1] == ["my_configurable_param"] and spec["io"]["messages"] is False
    assert spec["io"]["asynchronous"] is True  # its node is `async def`: it runs with astream
    assert spec["description"] == "LangGraph single-node graph template."
    session = runner.new_session(spec["name"], "demo/offline", settings={"my_configurable_param": "blue"})
    done = runner.turn(session.id, message='{"changeme": "hi"}')
    assert done.status == "done", done.error
    assert json.loads(done.final_answer) == {"changeme": "output from call_model. Configured with blue"}
    [node] = steps_of(runner, session.id)
    assert node["kind"] == "node" and node["name"] == "call_model"
    assert runner.turn(session.id, message="plain text goes to its one text field").status == "done"
    from app.errors import TurnError

    with pytest.raises(TurnError, match="input field 'changeme': 3 is not of type 'string'"):
        runner.turn(session.id, message='{"changeme": 3}')
    with pytest.raises(TurnError, match="input field 'nope' is not one this graph takes"):
        runner.turn(session.id, message='{"nope": 1}')


WAITING = '''"""Two nodes of sync code, each calling a tool; the second waits for the test."""
import threading
from typing import TypedDict

from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph

release = threading.Event()


@tool
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


@tool
def hold(text: str) -> str:
    """Wait until released."""
    release.wait(120)
    return text


class State(TypedDict):
    text: str


def loud(state: State) -> State:
    return {"text": shout.invoke({"text": state["text"]})}


def held(state: State) -> State:
    return {"text": hold.invoke({"text": state["text"]})}


graph = (StateGraph(State).add_node(loud).add_node(held).add_edge(START, "loud").add_edge("loud", "held")
         .add_edge("held", END).compile())
'''


def test_a_graph_of_sync_code_runs_without_astream_and_its_steps_are_stored_while_it_waits(project_runner, tmp_path):
    """Steps an opened graph's callbacks make are written in batches, yet none waits for the turn to end: the
    steps before a tool that hangs are in the database while it hangs."""
    import sys
    import threading
    import time

    from storage import repo

    (tmp_path / "waiting.py").write_text(WAITING)
    (tmp_path / "langgraph.json").write_text(json.dumps({"graphs": {"waits": "./waiting.py:graph"}}))
    runner = project_runner(str(tmp_path / "langgraph.json"))
    spec = runner_agent(runner, str(tmp_path / "langgraph.json"), "waits")
    assert spec["io"]["asynchronous"] is False
    release = next(m for m in sys.modules.values() if getattr(m, "__file__", None) == str(tmp_path / "waiting.py")).release
    session = runner.new_session(spec["name"], "demo/offline")
    results = []
    turn = threading.Thread(target=lambda: results.append(runner.turn(session.id, message="hi")))
    turn.start()
    try:
        names: list[str] = []
        for _ in range(600):  # the first node and its tool call, stored while the second node's tool waits
            names = [s.name for s in repo.steps_for_session(runner.db, session.id)]
            if {"loud", "shout"} <= set(names):
                break
            time.sleep(0.1)
        assert {"loud", "shout"} <= set(names) and "held" not in names
    finally:
        release.set()
        turn.join(60)
    assert results[0].status == "done" and json.loads(results[0].final_answer) == {"text": "HI"}
    steps = steps_of(runner, session.id)
    assert [s["name"] for s in steps] == ["shout", "loud", "hold", "held"]
    by_id = {s["id"]: s for s in steps}
    assert by_id[steps[0]["parent_id"]]["name"] == "loud" and by_id[steps[2]["parent_id"]]["name"] == "held"


FORMED = '''"""Inputs of every kind."""
from typing import Literal

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel


class Input(BaseModel):  # (a model's fields without defaults are required; a TypedDict state's keys are not)
    city: str
    nights: int
    budget: float
    late: bool
    room: Literal["single", "double"]
    extras: list[str]


def book(state: Input) -> dict:
    return {"city": state.city.title()}


graph = StateGraph(Input).add_node(book).add_edge(START, "book").add_edge("book", END).compile()
'''


def test_the_chat_form_of_an_input_schema_checks_each_field(project_runner, tmp_path):
    """The chat's form for a graph whose input is not a chat: a box or a menu per field, labelled with its type;
    its values become the graph's input, each parsed by its type, a wrong one named."""
    import gradio as gr

    from app.agents.schema import InputError
    from app.ui import input_form

    (tmp_path / "formed.py").write_text(FORMED)
    (tmp_path / "langgraph.json").write_text(json.dumps({"graphs": {"booking": "./formed.py:graph"}}))
    runner = project_runner(str(tmp_path / "langgraph.json"))
    name = runner_agent(runner, str(tmp_path / "langgraph.json"), "booking")["name"]
    with gr.Blocks():
        form = input_form.build()
    shown = form.updates(name)
    boxes, menus = shown[2:2 + input_form.MAX_FIELDS], shown[2 + input_form.MAX_FIELDS:]
    assert shown[0]["visible"] is True
    assert [b.get("label") for b in boxes[:6]] == ["city (string, required)", "nights (integer, required)",
                                                   "budget (number, required)", None, None,
                                                   "extras (array, required)"]
    assert menus[3]["choices"] == ["true", "false"] and menus[4]["choices"] == ["single", "double"]
    assert form.updates("react")[0]["visible"] is False  # a chat agent: no form

    values = ["rome", "3", "120.5", "", "", '["breakfast"]', "", "", None, None, None, "true", "double", None,
              None, None]
    text = input_form.value_of(name, values)
    assert json.loads(text) == {"city": "rome", "nights": 3, "budget": 120.5, "late": True, "room": "double",
                                "extras": ["breakfast"]}
    session = runner.new_session(name, "demo/offline")
    done = runner.turn(session.id, message=text)
    assert done.status == "done" and json.loads(done.final_answer)["city"] == "Rome"
    for index, value, problem in ((1, "three", "input field 'nights': 'three' is not a whole number"),
                                  (5, "[breakfast", "input field 'extras' takes JSON (array)"),
                                  (0, "", "input field 'city' is required")):
        wrong = list(values)
        wrong[index] = value
        with pytest.raises(InputError, match=re.escape(problem)):
            input_form.value_of(name, wrong)


def runner_agent(runner, config: str, key: str = "agent") -> dict:
    from app import agents

    return next(a.to_dict() for a in agents.AGENTS.values() if a.source == f"{Path(config).resolve()}:{key}")


def test_the_react_agent_template_runs_offline_and_each_model_call_is_one_step_of_its_node(project_runner):
    """react-agent as published: init_chat_model("anthropic/claude-sonnet-4-5-...") inside an async node, a
    ToolNode with Tavily search (no key, no network: the tool fails in its own step), answered by demo/offline."""
    runner = project_runner(REACT)
    name = runner_agent(runner, REACT)["name"]
    session = runner.new_session(name, "demo/offline")
    result = runner.turn(session.id, message="Search for news about LangGraph")
    assert result.status == "done", result.error
    steps = steps_of(runner, session.id)
    by_id = {s["id"]: s for s in steps}
    models = [s for s in steps if s["kind"] == "model"]
    assert len(models) == 2 and all(m["name"] == "demo/offline" for m in models)
    assert models[0]["input"]["asked_for"] == "claude-sonnet-4-5-20250929"
    assert models[0]["input"]["tools"] == ["search"] and models[0]["output"]["tool_calls"]
    assert all(by_id[m["parent_id"]]["name"] == "call_model" for m in models)  # a step of its node
    # its `search` tool calls Tavily's inside it: no network here, so that call's step holds the error
    [inner, tool] = [s for s in steps if s["kind"] == "tool"]
    assert tool["name"] == "search" and tool["input"] == {"query": "news about LangGraph"}
    assert by_id[tool["parent_id"]]["name"] == "tools" and inner["parent_id"] == tool["id"]
    assert inner["name"] == "tavily_search" and "error" in json.dumps(inner["output"])
    assert [s["name"] for s in steps if s["kind"] == "node"] == ["call_model", "tools", "call_model"]

    # The tree, wherever the trace is read: the chat nests each call in its node's box (the node first), the
    # share page lists it under its node
    from app import sharing
    from app.ui import render

    chat = render.chat_from_trace(runner.trace(session.id))
    boxes = [m["metadata"] for m in chat if m.get("metadata")]
    first_model = next(i for i, b in enumerate(boxes) if b["id"] == models[0]["id"])
    assert boxes[first_model]["parent_id"] == boxes[first_model - 1]["id"] == models[0]["parent_id"]
    page = sharing.open_page(runner.db, sharing.create(runner.db, session.id)["token"])
    rows = [(r["depth"], r["kind"], r["name"]) for r in page["steps"]]
    assert rows == [(0, "node", "call_model"), (1, "model", "demo/offline"), (0, "node", "tools"),
                    (1, "tool", "search"), (2, "tool", "tavily_search"), (0, "node", "call_model"),
                    (1, "model", "demo/offline")]

    # Its own context setting picks an OpenAI model: ChatOpenAI, answered by the session's model all the same
    other = runner.new_session(name, "demo/offline", settings={"model": "openai/gpt-4o-mini"})
    assert runner.turn(other.id, message="Hello there").status == "done"
    [call] = [s for s in steps_of(runner, other.id) if s["kind"] == "model"]
    assert call["input"]["asked_for"] == "gpt-4o-mini" and call["prompt_tokens"] > 0


def test_every_way_of_asking_is_a_question_and_each_answer_goes_back_in_its_shape(project_runner):
    runner = project_runner(ASKING)
    session = runner.new_session("asking", "demo/offline")
    asked = runner.turn(session.id, message="shirt")
    assert asked.clarification.question == "Hello! What is your name?"  # the project's env, a string
    asked = runner.turn(session.id, answer="Ann")
    assert (asked.clarification.question, asked.clarification.options) == ("Which size?", ["S", "M", "L"])
    asked = runner.turn(session.id, answer="M")
    inbox = asked.clarification  # the agent inbox's HumanInterrupt
    assert inbox.question == "Place the order of a M shirt?" and inbox.options == ["accept", "respond", "ignore"]
    assert 'order({"size": "M"})' in inbox.reason and inbox.tool == "order"
    asked = runner.turn(session.id, answer='{"size": "L"}')  # typed arguments: an edit
    first = asked.clarification.question
    asked = runner.turn(session.id, answer="yes")  # two branches (Send) asked at once: each in turn
    second = asked.clarification.question
    assert {first, second} == {"Is the stock right?", "Is the price right?"}
    asked = runner.turn(session.id, answer="fine")
    assert (asked.clarification.question, asked.clarification.options) == ("Paused before summarize", ["Continue"])
    done = runner.turn(session.id, answer="Continue")
    assert done.status == "done", done.error
    final = json.loads(done.final_answer)
    assert final["decision"] == {"type": "edit", "args": {"action": "order", "args": {"size": "L"}}}
    assert sorted(final["checks"]) == sorted([f"{first.split()[2]}: yes", f"{second.split()[2]}: fine"])
    assert set(final["summary"]) == {"title", "items"} and isinstance(final["summary"]["items"], int)

    steps = steps_of(runner, session.id)
    by_id = {s["id"]: s for s in steps}
    [model] = [s for s in steps if s["kind"] == "model"]  # structured output, inside the subgraph's node
    assert model["input"]["response_format"]["type"] == "json_schema" and model["input"]["asked_for"] == "gpt-4o-mini"
    write = by_id[model["parent_id"]]
    assert write["name"] == "write" and by_id[write["parent_id"]]["name"] == "summarize"
    assert sum(s["kind"] == "clarification" for s in steps) == 6


def test_a_factory_calling_the_openai_sdk_itself(project_runner):
    runner = project_runner(ASKING)
    session = runner.new_session("chatty", "demo/offline")
    done = runner.turn(session.id, message="What's the weather in Paris?")
    assert done.status == "done" and "21 C" in done.final_answer, done.final_answer
    calls = [s for s in steps_of(runner, session.id) if s["kind"] == "model"]
    assert [c["input"]["asked_for"] for c in calls] == ["gpt-4o", "gpt-4o"]
    assert calls[0]["output"]["tool_calls"][0]["function"]["name"] == "weather"
    assert all(c["node"] == "agent" for c in calls)


def test_the_endpoint_speaks_openai_and_anthropic_to_their_own_clients(opened):
    """The official SDKs against the endpoint: chat, streaming, tool calls, structured output, usage, models;
    Anthropic's messages. Without the key (or a login, when logins are on) it answers no one."""
    import anthropic
    import openai

    from app.protocols import clients, models

    base = clients.point_clients()
    client = openai.OpenAI(base_url=base + "/v1", api_key=models.KEY)
    assert "demo/offline" in [m.id for m in client.models.list()]
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello"}])
    assert reply.choices[0].message.content and reply.usage.total_tokens > 0
    tools = [{"type": "function", "function": {"name": "weather", "description": "The weather in a city.",
                                               "parameters": {"type": "object", "required": ["city"], "properties": {
                                                   "city": {"type": "string"}}}}}]
    called = client.chat.completions.create(model="gpt-4o", tools=tools,
                                            messages=[{"role": "user", "content": "Weather in Paris?"}])
    call = called.choices[0].message.tool_calls[0]
    assert call.function.name == "weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert called.choices[0].finish_reason == "tool_calls"
    chunks = list(client.chat.completions.create(model="gpt-4o", stream=True, stream_options={"include_usage": True},
                                                 messages=[{"role": "user", "content": "Hello"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == reply.choices[0].message.content and chunks[-1].usage.total_tokens > 0
    shaped = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Rate Paris"}],
                                            response_format={"type": "json_schema", "json_schema": {
                                                "name": "rating", "schema": {"type": "object", "required": ["city", "stars"],
                                                                             "properties": {"city": {"type": "string"},
                                                                                            "stars": {"type": "integer"}}}}})
    assert set(json.loads(shaped.choices[0].message.content)) == {"city", "stars"}

    claude = anthropic.Anthropic(base_url=base, api_key=models.KEY)
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[
        {"name": "weather", "description": "The weather in a city.", "input_schema": tools[0]["function"]["parameters"]}],
        messages=[{"role": "user", "content": "Weather in Paris?"}])
    assert message.stop_reason == "tool_use" and message.content[-1].input == {"city": "Paris"}
    answered = claude.messages.create(model="claude-sonnet-4-5", max_tokens=200, messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": message.content[-1].id, "name": "weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": message.content[-1].id,
                                      "content": "Paris: 21 C"}]}], tools=[
        {"name": "weather", "description": "The weather in a city.", "input_schema": tools[0]["function"]["parameters"]}])
    assert answered.stop_reason == "end_turn" and "21" in answered.content[0].text and answered.usage.output_tokens > 0
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=100,
                                messages=[{"role": "user", "content": "Hello"}]) as stream:
        assert "".join(stream.text_stream) == reply.choices[0].message.content

    for headers in ({}, {"Authorization": "Bearer sk-guess"}, {"x-api-key": "sk-guess"}):
        refused = httpx.post(base + "/v1/chat/completions", headers=headers,
                             json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        assert refused.status_code == 401, refused.text
    assert httpx.get(base + "/v1/models").status_code == 401
    bad = httpx.post(base + "/v1/chat/completions", headers={"Authorization": f"Bearer {models.KEY}"},
                     json={"model": "gpt-4o", "messages": []})
    assert bad.status_code == 400 and "messages" in bad.json()["error"]["message"]


GOOD = ('from langgraph.graph import END, START, MessagesState, StateGraph\n\n\ndef hello(state):\n    return '
        '{"messages": [{"role": "assistant", "content": "hello"}]}\n\n\ngraph = StateGraph(MessagesState)'
        '.add_node(hello).add_edge(START, "hello").add_edge("hello", END).compile()\n')


def _project(tmp_path: Path, files: dict[str, str], config: dict) -> str:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "langgraph.json").write_text(json.dumps(config))
    return str(tmp_path / "langgraph.json")


@pytest.mark.parametrize("files, config, expected", [
    ({"g.py": "import os\n\ndef broken(:\n"}, {"graphs": {"g": "./g.py:graph"}}, "g.py:3"),
    ({"g.py": "x = 1\nraise RuntimeError('no database here')\n"}, {"graphs": {"g": "./g.py:graph"}},
     "g.py:2: RuntimeError: no database here"),
    ({"g.py": "import not_a_package_anywhere\n"}, {"graphs": {"g": "./g.py:graph"}},
     "needs the package 'not_a_package_anywhere', which is not installed"),
    ({"g.py": "import os\nfrom langchain_core.pydantic_v1 import BaseModel\n"}, {"graphs": {"g": "./g.py:graph"}},
     "g.py:2), which langchain_core 1."),  # a template of LangChain 0.2
    ({"g.py": "graph = 1\n"}, {"graphs": {"g": "./g.py:graph"}, "dependencies": [".", "langchain-nowhere"]},
     "dependency 'langchain-nowhere' is not installed"),
    ({"g.py": "graph = 1\n"}, {"graphs": {"g": "./g.py:graph"}}, "is a int, not a graph"),
    ({"g.py": "graph = 1\n"}, {"graphs": {"g": "./g.py:nothing"}}, "has no attribute 'nothing'"),
    ({}, {"graphs": {"g": "./missing.py:graph"}}, "no such file ./missing.py"),
    ({}, {"graph": {}}, "\"graphs\" must name at least one graph"),
])
def test_a_project_that_cannot_be_opened_is_one_line_naming_the_place(cli, tmp_path, files, config, expected):
    proc = cli("agents", "list", "--config", _project(tmp_path, files, config))
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_graph_that_cannot_be_opened_leaves_the_projects_others_open(cli, tmp_path):
    """agents-from-scratch's cron graph needs Google's client, its others do not: those open, the one that
    cannot says why in one line, and asking for it is that line."""
    config = _project(tmp_path, {"good.py": GOOD, "gmail.py": "import not_a_package_anywhere\n"},
                      {"graphs": {"good": "./good.py:graph", "gmail": "./gmail.py:graph"}})
    listed = cli("agents", "list", "--config", config, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [a["name"] for a in json.loads(listed.stdout)["agents"] if a["source"] != "built-in"] == ["good"]
    assert "graph 'gmail' needs the package 'not_a_package_anywhere'" in listed.stderr
    assert "(its other graphs are open)" in listed.stderr
    refused = cli("run", "--config", config, "--agent", "gmail", "hi")
    assert refused.returncode == 2 and "graph 'gmail' needs the package 'not_a_package_anywhere'" in refused.stderr


def test_the_cli_runs_a_project_with_its_input_a_breakpoint_and_answers(cli):
    listed = cli.json("agents", "list", "--config", NEW)["agents"]
    assert [a["name"] for a in listed if a["source"] != "built-in"] == ["agent"]
    paused = cli.json("run", "--config", NEW, "--input", '{"changeme": "x"}', "--interrupt-before", "call_model")
    assert paused["status"] == "needs_clarification"
    assert paused["clarification"]["question"] == "Paused before call_model"
    done = cli.json("run", "--config", NEW, "--session", paused["session_id"], "--answer", "Continue")
    assert done["status"] == "done" and "output from call_model" in done["final_answer"]
    bad = cli("run", "--config", NEW, "--input", '{"changeme": 3}')
    assert bad.returncode == 2 and bad.stderr.strip() == "playground: agent: input field 'changeme': 3 is not of type " \
                                                        "'string'"
    unknown = cli("run", "--config", NEW, "--input", "{}", "--interrupt-before", "nowhere")
    assert unknown.returncode == 2 and "has no node 'nowhere' to pause before: its nodes are call_model" in unknown.stderr


def test_a_served_project_over_the_json_api_and_its_endpoint_behind_the_login(db_url):
    server = Server(db_url, "--config", REACT, "--auth", "ann:pw-1234",
                    env=clean_env(OPENAI_API_KEY="sk-operator-0000000000000000"))
    try:
        login = {"Authorization": "Basic " + base64.b64encode(b"ann:pw-1234").decode()}
        with httpx.Client(base_url=server.url, timeout=120, headers=login) as c:
            agent = next(a for a in c.get("/api/agents").json()["agents"] if a["source"].endswith("react-agent/"
                                                                                                    "langgraph.json:agent"))
            sid = c.post("/api/sessions", json={"agent": agent["name"], "model": "demo/offline"}).json()["session_id"]
            turn = c.post(f"/api/sessions/{sid}/turns", json={"message": "Hello there"}).json()
            assert turn["status"] == "done", turn
            [call] = [s for s in turn["steps"] if s["kind"] == "model"]
            assert call["name"] == "demo/offline" and call["input"]["asked_for"] == "claude-sonnet-4-5-20250929"
            models = c.get("/v1/models").json()["data"]  # a person logged in may use it too
            assert "demo/offline" in [m["id"] for m in models]
        assert httpx.get(server.url + "/v1/models").status_code == 401  # nobody else, with no key
        refused = httpx.post(server.url + "/v1/chat/completions", headers={"Authorization": "Bearer sk-operator-"
                                                                                            "0000000000000000"},
                             json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        assert refused.status_code == 401  # the operator's own key is not ours
    finally:
        server.stop()


@pytest.mark.local_model
def test_the_templates_run_on_the_local_model(opened, tmp_path):
    """react-agent's Anthropic model and our asking project's structured output, answered by the real local model."""
    from test_local_model import MODEL, _real_model_or_skip

    _real_model_or_skip()
    runner = make_runner(f"sqlite:///{tmp_path / 'local.db'}", configs=(REACT, ASKING, MEMORY))
    try:
        name = runner_agent(runner, REACT)["name"]
        session = runner.new_session(name, MODEL)
        result = runner.turn(session.id, message="Search the web for the weather in Paris")
        assert result.status == "done", result.error
        calls = [s for s in steps_of(runner, session.id) if s["kind"] == "model"]
        assert calls and all(c["name"] == MODEL and c["input"]["asked_for"] == "claude-sonnet-4-5-20250929"
                             for c in calls)
        assert all(c["prompt_tokens"] > 0 and c["completion_tokens"] > 0 for c in calls)

        chatty = runner.new_session("chatty", MODEL)
        done = runner.turn(chatty.id, message="What's the weather in Paris?")
        assert done.status == "done" and done.final_answer, done.error

        memory = runner.new_session(runner_agent(runner, MEMORY, "agent")["name"], MODEL)
        kept = runner.turn(memory.id, message="Remember that my name is Ann and I like tea.")
        assert kept.status == "done", kept.error
        assert [s for s in steps_of(runner, memory.id) if s["kind"] == "model" and s["name"] == MODEL]
    finally:
        runner.close()


def test_a_graph_with_a_store_remembers_per_owner_across_sessions_and_restarts(project_runner):
    runner = project_runner(ASKING)
    first = runner.new_session("memory", "demo/offline", owner="user:ann")
    assert runner.turn(first.id, message="remember the keys are under the mat", owner="user:ann").final_answer == "noted"
    again = runner.new_session("memory", "demo/offline", owner="user:ann")
    assert runner.turn(again.id, message="what do you know?", owner="user:ann").final_answer == \
        "the keys are under the mat"
    other = runner.new_session("memory", "demo/offline", owner="user:bob")
    assert runner.turn(other.id, message="what do you know?", owner="user:bob").final_answer == "nothing yet"
    assert [(m["namespace"], m["value"]) for m in runner.memories("user:ann")] == [
        (["notes"], {"text": "the keys are under the mat"})]
    assert runner.memories("user:bob") == []
    restarted = project_runner(ASKING)  # another process on the database, as after a restart
    later = restarted.new_session("memory", "demo/offline", owner="user:ann")
    assert restarted.turn(later.id, message="and now?", owner="user:ann").final_answer == "the keys are under the mat"


def test_the_memory_agent_template_keeps_what_it_was_told_in_the_store(project_runner):
    """memory-agent as published: its upsert_memory tool writes to `runtime.store`; a later session of the same
    owner gets the memory in its system prompt."""
    runner = project_runner(MEMORY)
    name = runner_agent(runner, MEMORY)["name"]
    told = runner.new_session(name, "demo/offline", settings={"user_id": "ann"}, owner="user:ann")
    done = runner.turn(told.id, owner="user:ann", message='call upsert_memory with {"content": "Ann loves '
                                                          'sailing", "context": "she said so"}')
    assert done.status == "done" and "Stored memory" in done.final_answer, done.error
    assert [m["value"]["content"] for m in runner.memories("user:ann")] == ["Ann loves sailing"]
    later = runner.new_session(name, "demo/offline", settings={"user_id": "ann"}, owner="user:ann")
    assert runner.turn(later.id, message="Hi again", owner="user:ann").status == "done"
    [call] = [s for s in steps_of(runner, later.id) if s["kind"] == "model"]
    assert "Ann loves sailing" in call["input"]["messages"][0]["content"]  # its system prompt's <memories>



def test_a_node_interrupt_waits_until_its_state_is_edited_and_the_edit_runs_on_in_a_branch(project_runner, cli):
    """asking/legacy.py, written for LangGraph 0.x: its `config_schema` setting read from config["configurable"],
    a NodeInterrupt shown as its message; the state view shows its own channels at each checkpoint, and an edit
    of one (update_state) runs on in a branch while the session stays as it was."""
    from app import graph_state, timetravel
    from app.timetravel import ForkError

    runner = project_runner(ASKING)
    spec = runner_agent(runner, ASKING, "legacy")
    assert spec["settings"][:1] == ["max_length"]
    session = runner.new_session(spec["name"], "demo/offline", settings={"max_length": 10})
    asked = runner.turn(session.id, message="A title far too long")
    assert asked.status == "needs_clarification"
    assert asked.clarification.question == "The title 'A title far too long' is longer than 10 characters: shorten it"
    again = runner.turn(session.id, answer="please")  # the node runs again on the same state: it stops again
    assert again.status == "needs_clarification" and "longer than 10" in again.clarification.question

    [latest, *earlier] = graph_state.checkpoints(runner, session.id)
    assert latest["values"] == {"title": "A title far too long"} and latest["next"] == ["check"]
    assert latest["interrupts"] == ["The title 'A title far too long' is longer than 10 characters: shorten it"]
    assert "waiting for an answer" in graph_state.label(latest) and earlier
    with pytest.raises(ForkError, match="the graph's state has no channel 'nope' \\(it has title\\)"):
        graph_state.run_edit(runner, session.id, latest["checkpoint_id"], {"nope": 1})
    with pytest.raises(ForkError, match="not valid JSON"):
        graph_state.run_edit(runner, session.id, latest["checkpoint_id"], '{"title": ')
    with pytest.raises(ForkError, match="the graph has no node 'nowhere'"):
        graph_state.run_edit(runner, session.id, latest["checkpoint_id"], {"title": "x"}, as_node="nowhere")

    done = graph_state.run_edit(runner, session.id, latest["checkpoint_id"], {"title": "Short"})
    assert done.status == "done" and json.loads(done.final_answer) == {"title": "SHORT"}
    assert done.session_id != session.id and runner.pending_question(session.id) is not None  # unchanged
    [branch] = [b for b in timetravel.branches(runner, session.id) if b["kind"] == "state"]
    assert branch["session_id"] == done.session_id and branch["edit"] == {"values": {"title": "Short"}, "as_node": None}
    assert branch["original"] == {"title": "A title far too long"}

    # The same from the CLI: the checkpoints, then an edit written as the node before it
    out = json.loads(cli("state", session.id, "--config", ASKING, "--json").stdout)
    assert out[0]["checkpoint_id"] == latest["checkpoint_id"]
    forked = cli("fork", session.id, "--checkpoint", latest["checkpoint_id"], "--state", '{"title": "Tiny"}',
                 "--as-node", "check", "--config", ASKING, "--json")
    assert json.loads(json.loads(forked.stdout)["final_answer"]) == {"title": "TINY"}


def test_ask_when_needed_checks_an_opened_graphs_tool_calls_and_runs_them_with_the_answers(project_runner):
    """asking/tools.py, LangGraph's prebuilt ToolNode: as written, a call without its required city fails in its
    tool step; with the session setting `ask_when_needed`, the playground's check asks for the city first, the
    answer goes into the call (and into the state the model sees next), and the tool step says where it came from."""
    from app.agents.settings import SettingsError

    runner = project_runner(ASKING)
    name = runner_agent(runner, ASKING, "weather")["name"]
    plain = runner.new_session(name, "demo/offline")
    assert runner.turn(plain.id, message="What's the weather like?").status == "done"
    [failed] = [s for s in steps_of(runner, plain.id) if s["kind"] == "tool"]
    assert failed["status"] == "error" and "city" in failed["error"]

    with pytest.raises(SettingsError, match="setting 'ask_when_needed' of weather is 'yes': it must be true or false"):
        runner.new_session(name, "demo/offline", settings={"ask_when_needed": "yes"})
    session = runner.new_session(name, "demo/offline", settings={"ask_when_needed": True})
    asked = runner.turn(session.id, message="What's the weather like?")
    assert asked.status == "needs_clarification"
    question = asked.clarification
    assert (question.kind, question.tool, question.field, question.detected_by) == ("missing_argument", "weather",
                                                                                   "city", "schema")
    done = runner.turn(session.id, answer="Lisbon")
    assert done.status == "done" and "Lisbon: 21 degrees celsius" in done.final_answer
    steps = steps_of(runner, session.id)
    [tool] = [s for s in steps if s["kind"] == "tool"]
    assert tool["status"] == "ok" and tool["input"] == {"city": "Lisbon"}
    assert tool["meta"]["provenance"]["city"]["source"] == "clarification"
    [check] = [s for s in steps if s["kind"] == "check"]
    by_id = {s["id"]: s for s in steps}
    assert by_id[check["parent_id"]]["name"] == "tools" == by_id[tool["parent_id"]]["name"]
    assert [s["name"] for s in steps if s["kind"] == "node"] == ["agent", "tools", "agent"]  # one step a node run
    # the next model call saw the call as answered
    model_calls = [s for s in steps if s["kind"] == "model"]
    sent = model_calls[-1]["input"]["messages"]
    assert any(json.loads(c["function"]["arguments"]) == {"city": "Lisbon"} for m in sent for c in m.get("tool_calls") or [])

    # the agents LangChain 1.x and LangGraph's prebuilt make (create_agent sends each call to its ToolNode alone)
    for key, expected in (("helper", "It is always sunny in Lisbon!"), ("prebuilt", "It is always sunny in Lisbon!")):
        made = runner.new_session(runner_agent(runner, ASKING, key)["name"], "demo/offline",
                                  settings={"ask_when_needed": True})
        question = runner.turn(made.id, message="What's the weather like?").clarification
        assert question is not None and (question.tool, question.field) == ("get_weather", "city"), key
        finished = runner.turn(made.id, answer="Lisbon")
        assert finished.status == "done" and expected in finished.final_answer, (key, finished.final_answer)


def test_a_graph_may_use_its_own_model_only_where_the_operator_allows_its_provider(project_runner, fake_openai,
                                                                                   monkeypatch):
    """The session setting `own_models`: the model the graph names answers it, with the operator's key, and only
    for a provider the operator lists in PLAYGROUND_GRAPH_PROVIDERS; the call is still a step of the run. The
    provider here is a local OpenAI-compatible server (a hosted model cannot run here), reached through LiteLLM."""
    monkeypatch.delenv("PLAYGROUND_GRAPH_PROVIDERS", raising=False)
    runner = project_runner(REACT)
    name = runner_agent(runner, REACT)["name"]
    refused = runner.new_session(name, "demo/offline", settings={"own_models": True})
    failed = runner.turn(refused.id, message="Hello there")
    assert failed.status == "error" and "the graph asked for anthropic/claude-sonnet-4-5-20250929" in failed.error
    assert "PLAYGROUND_GRAPH_PROVIDERS=anthropic" in failed.error and fake_openai.requests == 0

    monkeypatch.setenv("PLAYGROUND_GRAPH_PROVIDERS", "openai")
    own = runner.new_session(name, "demo/offline", settings={"own_models": True, "model": "openai/gpt-4o-mini"})
    done = runner.turn(own.id, message="What is the weather in Lisbon?")
    assert done.status == "done", done.error
    calls = [s for s in steps_of(runner, own.id) if s["kind"] == "model"]
    assert calls and all(c["name"] == "openai/gpt-4o-mini" and c["input"]["asked_for"] == "gpt-4o-mini" for c in calls)
    assert fake_openai.requests == len(calls)
    # the same session setting off: the session's model answers, the provider is not called
    mine = runner.new_session(name, "demo/offline", settings={"model": "openai/gpt-4o-mini"})
    assert runner.turn(mine.id, message="Hello there").status == "done"
    assert fake_openai.requests == len(calls)


def _template_project(root: Path, key: str, who: str, flat_tools: bool = False) -> str:
    """A project made from the same template as another: its package is `agent` too."""
    (root / "agent").mkdir(parents=True)
    (root / "agent" / "__init__.py").write_text("")
    (root / "agent" / "helper.py").write_text(f"WHO = {who!r}\n")
    imports = "from agent.helper import WHO\n"
    if flat_tools:  # a flat module named like the playground's own `tools` package
        (root / "tools.py").write_text("def shout(text):\n    return text.upper()\n")
        imports += "from tools import shout\n"
    else:
        imports += "def shout(text):\n    return text\n"
    (root / "agent" / "graph.py").write_text(
        '"""Says who it is."""\nimport os\nfrom typing import TypedDict\n\nfrom langgraph.graph import END, START, '
        f'StateGraph\n{imports}\nif not os.environ.get("SEARCH_API_KEY"):\n    raise RuntimeError("needs '
        'SEARCH_API_KEY")\n\n\nclass State(TypedDict):\n    text: str\n\n\ndef say(state: State) -> State:\n'
        '    return {"text": shout(WHO + ": " + state["text"])}\n\n\ngraph = StateGraph(State).add_node(say)'
        '.add_edge(START, "say").add_edge("say", END).compile()\n')
    (root / ".env.example").write_text("SEARCH_API_KEY=...\nLANGSMITH_PROJECT=x\n")
    (root / "langgraph.json").write_text(json.dumps({"dependencies": ["."], "graphs": {
        key: {"path": "./agent/graph.py:graph", "description": f"The {who} graph."}}}))
    return str(root / "langgraph.json")


def test_two_projects_of_one_template_and_a_flat_tools_module_each_import_their_own(project_runner, tmp_path,
                                                                                      monkeypatch):
    """Two projects whose package is `agent`, one with a `tools.py` (the playground's own package is `tools`):
    each graph gets its own modules, and the playground keeps its own. A credential its .env.example names that
    no one set gets a placeholder (the module that checks for it at import opens; no model sees it as a key)."""
    import sys

    import tools as playground_tools
    from app.llm import gateway

    monkeypatch.delenv("SEARCH_API_KEY", raising=False)
    first = _template_project(tmp_path / "first", "one", "A")
    second = _template_project(tmp_path / "second", "two", "B", flat_tools=True)
    runner = project_runner(first, second)
    assert sys.modules["tools"] is playground_tools and hasattr(sys.modules["tools"], "__path__")
    one, two = runner_agent(runner, first, "one"), runner_agent(runner, second, "two")
    assert one["description"] == "The A graph." and "SEARCH_API_KEY" in one["paper"]
    assert gateway.env("SEARCH_API_KEY") is None  # a placeholder is no key
    for spec, expected in ((one, "A: hi"), (two, "B: HI")):
        session = runner.new_session(spec["name"], "demo/offline")
        assert json.loads(runner.turn(session.id, message="hi").final_answer) == {"text": expected}
    again = make_runner(runner.db.url, configs=(first, second))  # loaded again (another runner): the same graphs
    try:
        session = again.new_session(two["name"], "demo/offline")
        assert json.loads(again.turn(session.id, message="hi").final_answer) == {"text": "B: HI"}
    finally:
        again.close()


def test_a_javascript_graph_is_refused_in_one_line(tmp_path):
    from app.agents.project import ProjectError, read

    (tmp_path / "langgraph.json").write_text(json.dumps({"graphs": {"agent": "./src/agent.ts:graph"}}))
    with pytest.raises(ProjectError, match="graph 'agent' \\(./src/agent.ts:graph\\) is a JavaScript graph"):
        read(tmp_path / "langgraph.json")
