"""The agents reached by the field's own clients, against a real `playground serve`: the LangGraph API through the
official `langgraph-sdk` client and `RemoteGraph` used as a node of another graph; API keys; owners kept apart."""

from __future__ import annotations

import json
import subprocess
import time

import httpx
import pytest
from langgraph_sdk import get_sync_client

from tests.conftest import PLAYGROUND, ROOT, Server, clean_env, new_db_url

VAGUE = "What's the weather like?"


def sdk(server, owner: str | None = None, key: str | None = None):
    headers = {"X-Owner-Token": owner} if owner else None
    return get_sync_client(url=server.url + "/langgraph", api_key=key, headers=headers, timeout=120)


def test_the_langgraph_sdk_drives_a_clarification_to_its_end(server):
    client = sdk(server, owner="alice-token")
    names = [a["assistant_id"] for a in client.assistants.search(limit=50)]
    assert {"awn", "react", "interact"} <= set(names)
    assert client.assistants.get("awn")["graph_id"] == "awn"
    graph = client.assistants.get_graph("awn")
    assert {"agent", "tools"} <= {n["id"] for n in graph["nodes"]}
    assert client.assistants.get_schemas("awn")["graph_id"] == "awn"

    thread = client.threads.create(metadata={"course": "week 3"})
    tid = thread["thread_id"]
    parts = list(client.runs.stream(tid, "awn", input={"messages": [{"role": "user", "content": VAGUE}]},
                                    stream_mode=["updates", "values", "messages-tuple", "events"]))
    events = [p.event for p in parts]
    assert events[0] == "metadata" and events[-1] == "end" and parts[-1].data["status"] == "interrupted"
    asked = [p.data["__interrupt__"][0] for p in parts if p.event == "updates" and "__interrupt__" in p.data]
    assert len(asked) == 1
    question = asked[0]["value"]  # the typed clarification, kept whole
    assert question["kind"] == "missing_argument" and question["field"] == "city" and question["tool"] == "weather"
    assert question["options"] and question["question"].startswith("Which city")
    final_values = [p.data for p in parts if p.event == "values"][-1]
    assert final_values["messages"][0]["type"] == "human" and final_values["messages"][0]["content"] == VAGUE
    assert final_values["__interrupt__"][0]["value"]["field"] == "city"
    assert any(p.event == "messages" and p.data[0]["type"] == "ai" and p.data[0]["tool_calls"] for p in parts)
    assert any(p.event == "events" and p.data["event"] == "on_chat_model_end" for p in parts)

    state = client.threads.get_state(tid)
    assert state["next"] and state["interrupts"][0]["value"]["field"] == "city"
    assert client.threads.get(tid)["status"] == "interrupted"

    parts = list(client.runs.stream(tid, "awn", command={"resume": {"answer": "Paris"}}, stream_mode="updates"))
    tools = [p.data["tools"]["messages"][0] for p in parts if p.event == "updates" and "tools" in p.data]
    assert tools and tools[0]["type"] == "tool" and "Paris" in tools[0]["content"]
    assert parts[-1].data["status"] == "success"
    done = client.threads.get(tid)
    assert done["status"] == "idle" and "Paris" in done["values"]["messages"][-1]["content"]
    assert done["metadata"]["course"] == "week 3" and done["metadata"]["graph_id"] == "awn"
    assert len(client.threads.get_history(tid, limit=50)) >= 4
    assert tid in [t["thread_id"] for t in client.threads.search(metadata={"course": "week 3"})]

    # A normal playground session of the caller: listed, traced with the question and its answer
    api = httpx.Client(base_url=server.url, headers={"X-Owner-Token": "alice-token"}, timeout=60)
    assert tid in [s["id"] for s in api.get("/api/sessions").json()["sessions"]]
    trace = api.get(f"/api/sessions/{tid}/trace").json()
    assert [c["answer"] for c in trace["clarifications"]] == ["Paris"]

    # Another owner sees none of it
    mallory = sdk(server, owner="mallory-token")
    for call in (lambda: mallory.threads.get(tid), lambda: mallory.threads.get_state(tid),
                 lambda: list(mallory.runs.stream(tid, "awn", input={"messages": [{"role": "user", "content": "hi"}]}))):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            call()
        assert refused.value.response.status_code == 404
    assert tid not in [t["thread_id"] for t in mallory.threads.search(limit=100)]


def test_runs_wait_join_and_a_state_update(server):
    client = sdk(server, owner="bob-token")
    waited = client.runs.wait(None, "awn", input={"messages": [{"role": "user", "content": VAGUE}]},
                              config={"configurable": {"model": "demo/offline", "tools": ["weather"]}})
    assert waited["__interrupt__"][0]["value"]["field"] == "city"
    tid = client.threads.search(limit=1)[0]["thread_id"]
    run = client.runs.create(tid, "awn", command={"resume": "Rome"})
    joined = client.runs.join(tid, run["run_id"])
    assert "Rome" in joined["messages"][-1]["content"]
    assert client.runs.get(tid, run["run_id"])["status"] == "success"
    assert run["run_id"] in [r["run_id"] for r in client.runs.list(tid)]

    before = client.threads.get_state(tid)
    written = client.threads.update_state(tid, {"messages": [{"role": "user", "content": "a note"}]}, as_node="agent")
    after = client.threads.get_state(tid)
    assert written["checkpoint"]["checkpoint_id"] == after["checkpoint"]["checkpoint_id"]
    assert after["checkpoint"]["checkpoint_id"] != before["checkpoint"]["checkpoint_id"]
    assert after["values"]["messages"][-1]["content"] == "a note"


def test_wrong_requests_are_named(server):
    client = sdk(server, owner="carol-token")
    tid = client.threads.create()["thread_id"]
    cases = [
        (lambda: client.assistants.get("nosuch"), 404, "no assistant 'nosuch'"),
        (lambda: list(client.runs.stream(tid, "awn", input={"messages": [{"role": "user", "content": "x"}]},
                                         stream_mode="debug")), 422, "stream_mode 'debug'"),
        (lambda: client.runs.wait(tid, "awn", command={"goto": "agent"}), 422, "command 'goto'"),
        (lambda: client.runs.wait(tid, "awn", command={"resume": "x"}), 422, "no pending question"),
        (lambda: client.runs.wait(tid, "awn", input={"messages": []}), 422, "no user message"),
        (lambda: client.runs.wait(None, "awn", input={"messages": [{"role": "user", "content": "x"}]},
                                  config={"configurable": {"model": "nosuch/model"}}), 422, "nosuch/model"),
        (lambda: client.runs.wait(None, "awn", input={"messages": [{"role": "user", "content": "x"}]},
                                  context={"settings": {"read_only": True}}), 422, "'read_only'"),
        (lambda: client.runs.wait("no-such-thread", "awn", input={"messages": []}), 404, "no thread"),
    ]
    for call, status, said in cases:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            call()
        assert refused.value.response.status_code == status, said
        assert said in refused.value.response.text

    # A key pasted where a model name goes is not echoed back in the error
    pasted = "sk-proj-" + "Zq9" * 16
    with pytest.raises(httpx.HTTPStatusError) as refused:
        client.runs.wait(None, "awn", input={"messages": [{"role": "user", "content": "x"}]},
                         config={"configurable": {"model": pasted}})
    assert refused.value.response.status_code == 422 and pasted not in refused.value.response.text


def test_a_remote_graph_is_a_node_of_another_graph(server):
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.pregel.remote import RemoteGraph
    from langgraph.types import Command

    remote = RemoteGraph("awn", sync_client=sdk(server, owner="dana-token"))
    parent = (StateGraph(MessagesState).add_node("weather_desk", remote).add_edge(START, "weather_desk")
              .compile(checkpointer=InMemorySaver()))

    done = parent.invoke({"messages": [{"role": "user", "content": "What's the weather like in Oslo?"}]},
                         {"configurable": {"thread_id": "desk-1"}})
    assert "Oslo" in done["messages"][-1].content

    # A question inside the remote agent stops the parent graph with the agent's own typed question
    asked = parent.invoke({"messages": [{"role": "user", "content": VAGUE}]}, {"configurable": {"thread_id": "desk-2"}})
    question = asked["__interrupt__"][0].value
    assert question["field"] == "city" and question["kind"] == "missing_argument"
    answered = remote.invoke(Command(resume="Lima"), {"configurable": {"thread_id": "desk-2"}})
    assert "Lima" in answered["messages"][-1]["content"]


@pytest.fixture(scope="module")
def login_server(tmp_path_factory):
    db = new_db_url(tmp_path_factory.mktemp("keys"), "keys", own=True)
    made = subprocess.run([*PLAYGROUND, "keys", "create", "alice", "--db", db, "--json"], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, check=True)
    key = json.loads(made.stdout)
    s = Server(db, "--auth", "alice:wonderland")
    s.key, s.db_url = key, db
    yield s
    s.stop()


def test_with_logins_on_a_client_needs_a_key_and_a_revoked_key_is_refused(login_server):
    key = login_server.key
    assert key["key"].startswith("pgk_") and key["login"] == "alice"
    with pytest.raises(httpx.HTTPStatusError) as refused:
        sdk(login_server).assistants.search()
    assert refused.value.response.status_code == 401
    with pytest.raises(httpx.HTTPStatusError) as wrong:
        sdk(login_server, key="pgk_" + "x" * 43).assistants.search()
    assert wrong.value.response.status_code == 401

    client = sdk(login_server, key=key["key"])
    waited = client.runs.wait(None, "awn", input={"messages": [{"role": "user", "content": VAGUE}]})
    assert waited["__interrupt__"][0]["value"]["field"] == "city"
    # The key acts as its login: the thread is alice's, seen with her password too
    listed = httpx.get(login_server.url + "/api/sessions", auth=("alice", "wonderland")).json()["sessions"]
    assert [s["settings"].get("via") for s in listed] == ["langgraph"]

    # MCP over HTTP: refused without the key, the key's login with it
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
             "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    assert httpx.post(login_server.url + "/mcp", json=hello, headers={"Accept": "application/json, text/event-stream"}
                      ).status_code == 401
    results, _ = mcp_http(login_server, [("awn", {"message": VAGUE})], answer="Paris",
                          headers={"Authorization": f"Bearer {key['key']}"})
    assert results[1].structuredContent["status"] == "done"

    # A2A and AG-UI: behind the login too (the card, the methods, a run)
    assert httpx.get(login_server.url + "/a2a/awn/.well-known/agent-card.json").status_code == 401
    assert httpx.post(login_server.url + "/a2a/awn/", json={"jsonrpc": "2.0", "id": 1, "method": "GetTask",
                                                           "params": {"id": "x"}}).status_code == 401
    assert httpx.post(login_server.url + "/ag-ui/awn", json={"threadId": "t", "runId": "r", "messages": []}
                      ).status_code == 401
    (asked,), _, _ = a2a_turns(login_server, "awn", [VAGUE], owner="")  # as below, with the key:
    assert asked[-1].task.status.message.parts[0].text.startswith("Which city")

    listing = subprocess.run([*PLAYGROUND, "keys", "list", "--db", login_server.db_url, "--json"], cwd=ROOT,
                             env=clean_env(), capture_output=True, text=True, check=True)
    shown = json.loads(listing.stdout)["keys"]
    assert [k["id"] for k in shown] == [key["id"]] and key["key"] not in listing.stdout
    subprocess.run([*PLAYGROUND, "keys", "revoke", key["id"], "--db", login_server.db_url], cwd=ROOT,
                   env=clean_env(), check=True, capture_output=True)
    with pytest.raises(httpx.HTTPStatusError) as revoked:
        client.assistants.search()
    assert revoked.value.response.status_code == 401


# -- MCP: the official client, over streamable HTTP and stdio, with and without an elicitation callback ----------


async def _mcp_call(read, write, calls, answer: str | None, seen: list):
    from mcp import ClientSession, types

    async def on_elicit(_ctx, params):
        seen.append(params)
        return types.ElicitResult(action="accept", content={"answer": answer})

    async with ClientSession(read, write, elicitation_callback=on_elicit if answer else None) as session:
        await session.initialize()
        listed = await session.list_tools()
        results = [{t.name: t.inputSchema for t in listed.tools}]
        for name, arguments in calls:
            if callable(arguments):
                arguments = arguments(results[-1])
            results.append(await session.call_tool(name, arguments))
        return results


def mcp_http(server, calls, answer: str | None = None, owner: str = "erin-token", headers: dict | None = None):
    import anyio
    from mcp.client.streamable_http import streamable_http_client

    seen: list = []

    async def main():
        async with httpx.AsyncClient(headers=headers or {"X-Owner-Token": owner}, timeout=120) as http:
            async with streamable_http_client(server.url + "/mcp", http_client=http) as (read, write, _):
                return await _mcp_call(read, write, calls, answer, seen)

    return anyio.run(main), seen


def test_an_mcp_client_answers_the_question_as_an_elicitation_in_the_same_call(server):
    results, seen = mcp_http(server, [("awn", {"message": VAGUE})], answer="Paris")
    tools, result = results
    assert {"awn", "react", "interact"} <= set(tools) and tools["awn"]["required"] == ["message"]
    assert len(seen) == 1
    asked = seen[0]
    assert asked.message.startswith("Which city")
    field = asked.requestedSchema["properties"]["answer"]
    assert field["title"] == "city" and field["enum"] and "other" in asked.requestedSchema["properties"]
    assert not result.isError
    done = result.structuredContent
    assert done["status"] == "done" and "Paris" in done["answer"]
    api = httpx.Client(base_url=server.url, headers={"X-Owner-Token": "erin-token"}, timeout=60)
    trace = api.get(f"/api/sessions/{done['session_id']}/trace").json()
    assert [c["answer"] for c in trace["clarifications"]] == ["Paris"]
    assert trace["session"]["settings"]["via"] == "mcp"


def test_an_mcp_client_without_elicitation_gets_the_question_and_answers_with_the_session(server):
    state: dict = {}

    def answer_it(_listed):
        return {"message": "Rome", "session_id": state["sid"]}

    results, seen = mcp_http(server, [("awn", {"message": VAGUE})])
    asked = results[1].structuredContent
    assert not seen and asked["status"] == "needs_clarification"
    assert asked["question"]["field"] == "city" and asked["question"]["kind"] == "missing_argument"
    state["sid"] = asked["session_id"]
    results, _ = mcp_http(server, [("awn", answer_it), ("react", answer_it),
                                   ("awn", {"message": "hi", "model": "nosuch/model"})])
    done, wrong_agent, wrong_model = results[1:]
    assert done.structuredContent["status"] == "done" and "Rome" in done.structuredContent["answer"]
    assert wrong_agent.isError and "call the awn tool" in wrong_agent.content[0].text
    assert wrong_model.isError and "nosuch/model" in wrong_model.content[0].text
    # another owner cannot go on with it
    results, _ = mcp_http(server, [("awn", answer_it)], owner="mallory-token")
    assert results[1].isError and "no session" in results[1].content[0].text


def test_playground_mcp_over_stdio(server):
    import anyio
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    seen: list = []
    params = StdioServerParameters(command=PLAYGROUND[0], args=[*PLAYGROUND[1:], "mcp", "--db", server.db_url,
                                                                "--as", "frank"], cwd=str(ROOT), env=clean_env())

    async def main():
        async with stdio_client(params) as (read, write):
            return await _mcp_call(read, write, [("awn", {"message": VAGUE})], "Lisbon", seen)

    results = anyio.run(main)
    done = results[1].structuredContent
    assert seen and done["status"] == "done" and "Lisbon" in done["answer"]
    from storage import open_database, repo

    db = open_database(server.db_url)
    assert repo.get_session(db, done["session_id"]).owner == "user:frank"
    # the Sessions tab's "client" kind: the sessions a protocol's client made
    assert [r.id for r in repo.list_sessions(db, owner="user:frank", kind="client")] == [done["session_id"]]
    assert repo.list_sessions(db, owner="user:frank", kind="chat") == []


# -- A2A: the official a2a-sdk client, blocking and streaming ------------------------------------------------------


def a2a_turns(server, agent: str, texts: list, owner: str = "gina-token", streaming: bool = False,
              metadata: dict | None = None):
    headers = {"X-Owner-Token": owner} if owner else {"Authorization": f"Bearer {server.key['key']}"}
    """Send each text in turn on one task (the next goes to the task the last left waiting); every event."""
    import uuid

    import anyio
    from a2a.client import ClientConfig, create_client
    from a2a.types import Message, Part, Role, SendMessageRequest

    async def main():
        seen: list[list] = []
        task_id = context_id = None
        async with httpx.AsyncClient(headers=headers, timeout=120) as http:
            client = await create_client(f"{server.url}/a2a/{agent}/", ClientConfig(httpx_client=http,
                                                                                    streaming=streaming))
            for text in texts:
                message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)],
                                  task_id=task_id or "", context_id=context_id or "")
                if metadata and task_id is None:
                    message.metadata.update(metadata)
                events = [e async for e in client.send_message(SendMessageRequest(message=message))]
                seen.append(events)
                last = events[-1]
                task = last.task if last.HasField("task") else last.status_update
                task_id = task.id if last.HasField("task") else task.task_id
                context_id = task.context_id
            return seen, client, task_id

    return anyio.run(main)


def test_an_a2a_client_gets_input_required_with_the_question_and_answers_on_the_task(server):
    from a2a.helpers.proto_helpers import get_data_parts, get_message_text
    from a2a.types import TaskState

    card = httpx.get(server.url + "/a2a/awn/.well-known/agent-card.json").json()
    assert card["name"] == "awn" and card["supportedInterfaces"][0]["url"] == server.url + "/a2a/awn/"
    (asked, answered), _, task_id = a2a_turns(server, "awn", [VAGUE, "Paris"])
    waiting = asked[-1].task
    assert waiting.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert get_message_text(waiting.status.message).startswith("Which city")
    data = get_data_parts(waiting.status.message.parts)[0]
    assert data["clarification"]["field"] == "city" and data["clarification"]["options"]
    assert data["answer_schema"]["properties"]["answer"]["enum"] == data["clarification"]["options"]
    done = answered[-1].task
    assert done.id == task_id and done.status.state == TaskState.TASK_STATE_COMPLETED
    assert "Paris" in done.artifacts[0].parts[0].text
    api = httpx.Client(base_url=server.url, headers={"X-Owner-Token": "gina-token"}, timeout=60)
    trace = api.get(f"/api/sessions/{done.context_id}/trace").json()
    assert [c["answer"] for c in trace["clarifications"]] == ["Paris"] and trace["session"]["settings"]["via"] == "a2a"


def test_a2a_streams_the_task_and_keeps_owners_apart(server):
    import anyio
    from a2a.client import ClientConfig, create_client
    from a2a.types import GetTaskRequest, TaskState
    from a2a.utils.errors import TaskNotFoundError

    (asked, answered), _, task_id = a2a_turns(server, "awn", [VAGUE, "Rome"], owner="hal-token", streaming=True)
    kinds = [e.WhichOneof("payload") for e in asked]
    assert kinds[0] == "task" and asked[-1].status_update.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert any(e.WhichOneof("payload") == "artifact_update" and "Rome" in e.artifact_update.artifact.parts[0].text
               for e in answered)
    assert answered[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED

    async def get_as(owner: str):
        async with httpx.AsyncClient(headers={"X-Owner-Token": owner}, timeout=60) as http:
            client = await create_client(f"{server.url}/a2a/awn/", ClientConfig(httpx_client=http))
            return await client.get_task(GetTaskRequest(id=task_id))

    assert anyio.run(get_as, "hal-token").status.state == TaskState.TASK_STATE_COMPLETED
    with pytest.raises(TaskNotFoundError):  # the JSON-RPC error, as for a task that never was
        anyio.run(get_as, "mallory-token")

    (failed,), _, _ = a2a_turns(server, "awn", [VAGUE], owner="hal-token", metadata={"model": "nosuch/model"})
    state = failed[-1].task.status
    assert state.state == TaskState.TASK_STATE_FAILED and "nosuch/model" in state.message.parts[0].text


# -- AG-UI: every event validated against the official ag-ui-protocol types; the official @ag-ui/client in Node --


def ag_ui_run(server, agent: str, body: dict, owner: str = "ivy-token") -> list:
    """POST a RunAgentInput; every SSE event, each validated as an AG-UI event."""
    from ag_ui.core import Event
    from pydantic import TypeAdapter

    events = TypeAdapter(Event)
    seen = []
    with httpx.stream("POST", f"{server.url}/ag-ui/{agent}", json=body, timeout=120,
                      headers={"X-Owner-Token": owner, "Accept": "text/event-stream"}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(events.validate_python(json.loads(line[6:])))
    return seen


def test_ag_ui_events_validate_and_a_question_is_the_runs_interrupt(server):
    thread = "agui-thread-1"
    first = ag_ui_run(server, "awn", {"threadId": thread, "runId": "r1", "messages": [
        {"id": "m1", "role": "user", "content": VAGUE}], "forwardedProps": {"tools": ["weather"]}})
    kinds = [e.type.value for e in first]
    assert kinds[0] == "RUN_STARTED" and kinds[1] == "STATE_SNAPSHOT" and kinds[-1] == "RUN_FINISHED"
    assert {"STEP_STARTED", "STEP_FINISHED", "TOOL_CALL_START", "TOOL_CALL_ARGS", "TOOL_CALL_END",
            "STATE_DELTA"} <= set(kinds)
    outcome = first[-1].outcome
    assert outcome.type == "interrupt"
    interrupt = outcome.interrupts[0]
    assert interrupt.reason == "missing_argument" and interrupt.message.startswith("Which city")
    assert interrupt.metadata["clarification"]["field"] == "city"
    assert interrupt.response_schema["properties"]["answer"]["enum"] == interrupt.metadata["clarification"]["options"]

    second = ag_ui_run(server, "awn", {"threadId": thread, "runId": "r2", "messages": [], "resume": [
        {"interruptId": interrupt.id, "status": "resolved", "payload": {"answer": "Paris"}}]})
    kinds = [e.type.value for e in second]
    assert "TOOL_CALL_RESULT" in kinds and "TEXT_MESSAGE_CONTENT" in kinds
    text = "".join(e.delta for e in second if e.type.value == "TEXT_MESSAGE_CONTENT")
    assert "Paris" in text and second[-1].outcome.type == "success" and "Paris" in second[-1].result["answer"]
    api = httpx.Client(base_url=server.url, headers={"X-Owner-Token": "ivy-token"}, timeout=60)
    assert api.get(f"/api/sessions/{thread}/trace").json()["session"]["settings"]["via"] == "ag-ui"

    def error_of(agent: str, body: dict, owner: str = "ivy-token") -> str:
        events = ag_ui_run(server, agent, body, owner)
        assert events[-1].type.value == "RUN_ERROR"
        return events[-1].message

    assert "threadId" in error_of("awn", {"runId": "x", "messages": []})
    assert "no agent 'nosuch'" in error_of("nosuch", {"threadId": "t", "runId": "x", "messages": []})
    assert "no question waiting" in error_of("awn", {"threadId": thread, "runId": "r3", "messages": [], "resume": [
        {"interruptId": interrupt.id, "status": "resolved", "payload": "Rome"}]})
    assert "already exists" in error_of("awn", {"threadId": thread, "runId": "r4", "messages": [
        {"id": "m", "role": "user", "content": "hi"}]}, owner="mallory-token")  # another owner's thread
    assert "nosuch/model" in error_of("awn", {"threadId": "agui-2", "runId": "r", "messages": [
        {"id": "m", "role": "user", "content": "hi"}], "forwardedProps": {"model": "nosuch/model"}})


NODE_CLIENTS = ROOT / "tests" / "node"


@pytest.fixture(scope="module")
def node_clients():
    """The official JavaScript clients, installed from the lock file (npm, once per checkout)."""
    if not (NODE_CLIENTS / "node_modules" / "@ag-ui" / "client").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_CLIENTS, check=True, capture_output=True)
    return NODE_CLIENTS


def test_the_official_ag_ui_client_answers_the_question_by_resuming(server, node_clients):
    ran = subprocess.run(["node", "ag_ui_turn.mjs", server.url, "awn", VAGUE, "Paris", "jo-token"],
                         cwd=node_clients, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    assert seen["interrupts"][0]["reason"] == "missing_argument"
    assert seen["interrupts"][0]["responseSchema"]["properties"]["answer"]["title"] == "city"
    assert "Paris" in seen["secondResult"]["answer"] and seen["state"]["status"] == "done"
    assert seen["events"].count("RUN_FINISHED") == 2 and "TOOL_CALL_RESULT" in seen["events"]
    said = [m["content"] for m in seen["messages"] if m["role"] == "assistant" and m["content"]]
    assert said and "Paris" in said[-1]


def test_an_opened_langgraph_projects_graph_is_reached_and_asks_through_the_sdk(tmp_path):
    """`serve --config`: the project's own graph is an assistant; its input is its own schema; each interrupt it
    raises (a plain string, a dict of options) arrives typed, and each answer goes back in its shape."""
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "slow.py").write_text(
        "import time\nfrom typing import TypedDict\nfrom langgraph.graph import END, START, StateGraph\n\n"
        "class State(TypedDict):\n    n: int\n\n"
        "def tick(state: State) -> State:\n    time.sleep(0.5)\n    return {'n': state['n'] + 1}\n\n"
        "graph = (StateGraph(State).add_node(tick).add_edge(START, 'tick')\n"
        "         .add_conditional_edges('tick', lambda s: END if s['n'] >= 40 else 'tick').compile())\n")
    (tmp_path / "slow" / "langgraph.json").write_text('{"graphs": {"ticking": "./slow.py:graph"}}')
    server = Server(new_db_url(tmp_path, "project"), "--config",
                    str(ROOT / "tests" / "data" / "projects" / "asking" / "langgraph.json"),
                    "--config", str(tmp_path / "slow" / "langgraph.json"))
    try:
        client = sdk(server, owner="kim-token")
        assert "asking" in [a["assistant_id"] for a in client.assistants.search(limit=100)]
        assert "topic" in client.assistants.get_schemas("asking")["input_schema"]["properties"]
        asked = client.runs.wait(None, "asking", input={"topic": "shirt"})
        assert asked["__interrupt__"][0]["value"]["question"] == "Hello! What is your name?"
        tid = client.threads.search(limit=1)[0]["thread_id"]
        asked = client.runs.wait(tid, "asking", command={"resume": "Ann"})
        question = asked["__interrupt__"][0]["value"]
        assert question["question"] == "Which size?" and question["options"] == ["S", "M", "L"]
        assert asked["name"] == "Ann" and asked["topic"] == "shirt"
        with pytest.raises(httpx.HTTPStatusError) as wrong:  # its input is its own schema, checked
            client.runs.wait(None, "asking", input={"colour": "red"})
        assert wrong.value.response.status_code == 422 and "colour" in wrong.value.response.text

        # A run in the background, cancelled: it stops after the step it is in, its steps kept
        tid = client.threads.create(metadata={"graph_id": "ticking"})["thread_id"]
        run = client.runs.create(tid, "ticking", input={"n": 0})
        while client.runs.get(tid, run["run_id"])["status"] == "pending":
            time.sleep(0.1)
        assert client.runs.get(tid, run["run_id"])["status"] == "running"
        time.sleep(1.2)
        client.runs.cancel(tid, run["run_id"], wait=True)
        assert client.runs.get(tid, run["run_id"])["status"] == "interrupted"
        ticks = client.threads.get_state(tid)["values"]["n"]
        assert 1 <= ticks < 40
    finally:
        server.stop()
