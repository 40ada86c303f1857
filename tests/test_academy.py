"""LangChain Academy, the LangGraph course, opened unchanged (#33): its `studio/` projects of modules 1 to 5
(tests/data/projects/academy, MIT), each graph run offline on demo/offline through the playground's model
endpoint: a node that prints, tools called by a ChatOpenAI agent, a NodeInterrupt continued after a state
edit, parallel web searches that fail in their own steps without a network, subgraphs, Send map-reduce with
structured output, a breakpoint of the graph's own, and memory stores written through trustcall. In Chromium:
test_browser.py::test_the_langchain_academy_course_in_the_browser."""

from __future__ import annotations

import json
from pathlib import Path


import test_projects
from test_projects import runner_agent, steps_of

opened, project_runner = test_projects.opened, test_projects.project_runner  # its fixtures

ACADEMY = Path(__file__).parent / "data" / "projects" / "academy"
MODULES = {m: str(ACADEMY / m / "studio" / "langgraph.json") for m in ("module-1", "module-2", "module-3",
                                                                          "module-4", "module-5")}


def test_every_graph_of_the_course_opens_named_by_its_key(project_runner):
    from app import agents

    runner = project_runner(*MODULES.values())
    opened_names = {a.name for a in agents.AGENTS.values() if a.source != "built-in"}
    for key in ("simple_graph", "router", "chatbot", "dynamic_breakpoints", "parallelization", "sub_graphs",
                "map_reduce", "research_assistant", "chatbot_memory", "chatbot_memory_profile",
                "chatbot_memory_collection", "memory_agent"):
        assert key in opened_names, (key, opened_names)
    assert {"agent", "module-3/agent"} <= opened_names  # one key in two projects: the second by its own folder
    # A TypedDict state's keys are all optional as input (LangGraph takes any of them; nodes write the rest)
    io = runner_agent(runner, MODULES["module-4"], "parallelization")["io"]
    assert "required" not in io["input_schema"] and set(io["input_schema"]["properties"]) >= {"question"}


def test_module_1_tools_are_called_with_the_requests_numbers_and_a_graph_that_prints_keeps_the_json(
        project_runner, cli):
    runner = project_runner(MODULES["module-1"])
    agent = runner_agent(runner, MODULES["module-1"], "agent")["name"]
    session = runner.new_session(agent, "demo/offline")
    done = runner.turn(session.id, message="Multiply 2 and 3")
    assert done.status == "done" and "6" in done.final_answer, done.error
    [tool] = [s for s in steps_of(runner, session.id) if s["kind"] == "tool"]
    assert tool["name"] == "multiply" and tool["input"] == {"a": 2, "b": 3} and tool["status"] == "ok"

    router = runner.new_session(runner_agent(runner, MODULES["module-1"], "router")["name"], "demo/offline")
    assert runner.turn(router.id, message="Multiply 2 and 3").final_answer == "6"  # it ends on the tool's result

    # simple.py prints "---Node 1---" as it runs: the CLI's JSON stays JSON (the prints go to stderr)
    proc = cli("run", "--config", MODULES["module-1"], "--agent", "simple_graph", "--input",
               '{"graph_state": "Hi, this is Lance."}', "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "done" and "Hi, this is Lance. I am" in out["final_answer"]
    assert "---Node 1---" in proc.stderr


def test_module_3_a_node_interrupt_is_a_question_and_an_edit_of_its_state_runs_on(project_runner):
    from app import graph_state

    runner = project_runner(MODULES["module-3"])
    name = runner_agent(runner, MODULES["module-3"], "dynamic_breakpoints")["name"]
    session = runner.new_session(name, "demo/offline")
    asked = runner.turn(session.id, message='{"input": "hello world"}')
    assert asked.status == "needs_clarification", asked.error
    assert asked.clarification.question == "Received input that is longer than 5 characters: hello world"
    assert asked.clarification.detected_by == "graph"
    [latest, *_] = graph_state.checkpoints(runner, session.id)
    assert latest["next"] == ["step_2"] and latest["values"] == {"input": "hello world"}
    done = graph_state.run_edit(runner, session.id, latest["checkpoint_id"], {"input": "hi"})
    assert done.status == "done" and json.loads(done.final_answer) == {"input": "hi"}
    assert [s["name"] for s in steps_of(runner, done.session_id) if s["kind"] == "node"][-2:] == ["step_2", "step_3"]


def test_module_4_parallel_searches_fail_in_their_own_steps_and_the_next_graphs_run_on(project_runner):
    runner = project_runner(MODULES["module-4"])
    graph = {key: runner_agent(runner, MODULES["module-4"], key)["name"]
             for key in ("parallelization", "sub_graphs", "map_reduce", "research_assistant")}

    # Two branches at once, each a web search: no network here, so each fails in its own step with its error
    searched = runner.new_session(graph["parallelization"], "demo/offline")
    failed = runner.turn(searched.id, message='{"question": "How were Nvidia Q2 2024 earnings?"}')
    assert failed.status == "error"
    steps = steps_of(runner, searched.id)
    [tavily] = [s for s in steps if s["kind"] == "tool"]
    assert tavily["name"] == "tavily_search" and tavily["status"] == "error" and "api.tavily.com" in tavily["error"]
    wikipedia = next(s for s in steps if s["name"] == "search_wikipedia")
    assert wikipedia["status"] == "error" and "wikipedia.org" in wikipedia["error"]

    # Subgraphs: their nodes are steps under the subgraph's node
    logs = [{"id": "1", "question": "How can I import ChatOllama?", "answer": "from langchain_community...",
             "docs": None, "grade": None, "grader": None, "feedback": None}]
    sub = runner.new_session(graph["sub_graphs"], "demo/offline")
    done = runner.turn(sub.id, message=json.dumps({"raw_logs": logs}))
    assert done.status == "done", done.error
    steps = {s["id"]: s for s in steps_of(runner, sub.id)}
    nested = [s for s in steps.values() if s["parent_id"] and steps[s["parent_id"]]["name"] in (
        "question_summarization", "failure_analysis")]
    assert {s["name"] for s in nested} >= {"generate_summary", "send_to_slack", "get_failures"}

    # Send map-reduce with structured output (ChatOpenAI's with_structured_output, shaped by the demo model)
    jokes = runner.new_session(graph["map_reduce"], "demo/offline")
    done = runner.turn(jokes.id, message='{"topic": "animals"}')
    assert done.status == "done", done.error
    out = json.loads(done.final_answer)
    assert out["subjects"] and len(out["jokes"]) == len(out["subjects"]) and out["best_selected_joke"]
    assert [s["name"] for s in steps_of(runner, jokes.id) if s["kind"] == "node"].count("generate_joke") == \
        len(out["subjects"])  # one branch per subject (Send)

    # The research assistant's own breakpoint (interrupt_before=['human_feedback'])
    research = runner.new_session(graph["research_assistant"], "demo/offline")
    paused = runner.turn(research.id, message='{"topic": "LangGraph", "max_analysts": 2}')
    assert paused.status == "needs_clarification", paused.error
    assert paused.clarification.question == "Paused before human_feedback"


def test_module_5_memories_are_written_to_the_store_through_trustcall(project_runner):
    runner = project_runner(MODULES["module-5"])
    for key in ("chatbot_memory_profile", "chatbot_memory_collection"):
        name = runner_agent(runner, MODULES["module-5"], key)["name"]
        owner = f"user:{key}"
        session = runner.new_session(name, "demo/offline", owner=owner)
        done = runner.turn(session.id, message="Hi, my name is Lance and I like to bike around San Francisco",
                           owner=owner)
        assert done.status == "done", done.error
        calls = [s for s in steps_of(runner, session.id) if s["kind"] == "model" and s["output"].get("tool_calls")]
        assert calls, "trustcall's extraction is a forced tool call the demo model makes"
        [memory] = runner.memories(owner)  # its configuration's default user, in this owner's own store
        assert memory["namespace"][0] in ("memory", "memories") and "Lance" in json.dumps(memory["value"]), memory



def test_a_chat_graph_that_ends_on_no_reply_answers_with_its_tool_result_or_its_state():
    from app.agents.schema import last_word
    from app.llm import demo

    called = {"messages": [{"role": "user", "content": "Multiply 2 and 3"},
                           {"role": "assistant", "content": "", "tool_calls": [
                               {"id": "c1", "type": "function", "function": {"name": "multiply", "arguments": "{}"}}]},
                           {"role": "tool", "tool_call_id": "c1", "content": "6"}]}
    assert last_word(called, None) == "6"
    triaged = {"messages": [], "classification_decision": "respond"}
    assert json.loads(last_word(triaged, None)) == {"classification_decision": "respond"}
    # structured output's enum: the value the request names (a triage router), else the first
    schema = {"type": "object", "properties": {"classification": {"enum": ["ignore", "respond", "notify"]}}}
    assert json.loads(demo.shaped(schema, "Please respond to Alice")) == {"classification": "respond"}
    assert json.loads(demo.shaped(schema, "Hi")) == {"classification": "ignore"}
