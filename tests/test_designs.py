"""The agent designs from the literature (ReWOO, Plan-and-Execute, DFSDT), the tool-use gate and call refinement,
run on the demo model through the real runner and a real SQLite file."""

from __future__ import annotations

import pytest


CHAIN = "Compute 12*7, then add 5, then divide it by 3"


def run(runner, agent, tools, message, **settings):
    session = runner.new_session(agent, "demo/offline", tools=tools, settings=settings)
    return runner.turn(session.id, message=message)


def kinds(result, kind):
    return [s for s in result.steps if s["kind"] == kind]


def test_agents_list_names_every_design_with_a_description(cli):
    listed = {a["name"]: a for a in cli.json("agents", "list")["agents"]}
    for name in ("react", "awn", "interact", "rewoo", "plan_execute", "dfsdt"):
        assert listed[name]["description"] and listed[name]["paper"]
    assert "width" in listed["dfsdt"]["settings"] and "tool_gate" in listed["rewoo"]["settings"]


def test_rewoo_plans_once_runs_workers_without_the_model_and_solves(runner):
    result = run(runner, "rewoo", ["calculator"], CHAIN)
    assert result.status == "done" and "29.66" in result.final_answer
    plan = kinds(result, "plan")[0]
    assert [p["variable"] for p in plan["output"]] == ["#E1", "#E2", "#E3"]
    assert "#E1" in plan["output"][1]["arguments"]["expression"]  # the second step uses the first's evidence
    assert [s["input"]["expression"] for s in kinds(result, "tool")] == ["12*7", "84 + 5", "89 / 3"]
    assert [s["node"] for s in kinds(result, "model")] == ["planner", "solver"]
    by_node = result.usage["by_node"]
    assert set(by_node) == {"planner", "solver"} and by_node["planner"]["model_calls"] == 1

    react = run(runner, "react", ["calculator"], CHAIN)
    assert react.final_answer == result.final_answer
    assert result.usage["prompt_tokens"] < react.usage["prompt_tokens"]


def test_rewoo_reports_a_failed_step_instead_of_inventing(runner):
    result = run(runner, "rewoo", ["weather"], "call weather with city=Atlantis")
    assert result.status == "done" and "could not finish" in result.final_answer
    assert kinds(result, "tool")[0]["status"] == "error"


def test_plan_execute_replans_after_a_failed_step(runner):
    result = run(runner, "plan_execute", ["weather"], "call weather with city=Pariss")
    assert result.status == "done" and "In Paris it is" in result.final_answer
    tools = kinds(result, "tool")
    assert [t["input"]["city"] for t in tools] == ["Pariss", "Paris"] and tools[0]["status"] == "error"
    revised = [p for p in kinds(result, "plan") if p["name"] == "revised plan"]
    assert revised and "Paris\"" in revised[0]["output"][0]


def test_plan_execute_carries_results_between_steps(runner):
    result = run(runner, "plan_execute", ["calculator"], CHAIN)
    assert result.status == "done" and "29.66" in result.final_answer
    assert kinds(result, "plan")[0]["output"][1].endswith('"<result of step 1> + 5"}')
    assert [s["input"]["expression"] for s in kinds(result, "tool")] == ["12*7", "84 + 5", "89 / 3"]
    assert {s["node"] for s in kinds(result, "model")} == {"planner", "execute", "replan"}


def test_dfsdt_backtracks_from_a_failed_branch_to_a_sibling(runner):
    result = run(runner, "dfsdt", ["weather"], "call weather with city=Pariss")
    assert result.status == "done" and "In Paris it is" in result.final_answer
    tree = kinds(result, "search")[0]
    nodes = {n["id"]: n for n in tree["output"]}
    failed = [n for n in nodes.values() if n["status"] == "failed"]
    ok = [n for n in nodes.values() if n["status"] == "ok"]
    assert len(failed) == 1 and len(ok) == 1
    assert failed[0]["parent"] == ok[0]["parent"] == 0  # siblings under the root: a backtrack happened
    assert "Pariss" in failed[0]["action"] and '"Paris"' in ok[0]["action"]
    assert any(n["status"] == "answer" and n["parent"] == ok[0]["id"] for n in nodes.values())
    assert tree["meta"]["outcome"] == "answer"


def test_dfsdt_gives_up_when_every_branch_fails_within_its_bounds(runner):
    result = run(runner, "dfsdt", ["weather"], "call weather with city=Atlantis", width=2)
    assert result.status == "done" and "could not find a way" in result.final_answer
    tree = kinds(result, "search")[0]
    assert tree["meta"]["outcome"] == "exhausted"
    assert len([n for n in tree["output"] if n["parent"] == 0]) == 2  # width 2 at the root
    budget = run(runner, "dfsdt", ["weather"], "call weather with city=Atlantis", width=5, budget=1)
    assert kinds(budget, "search")[0]["meta"]["outcome"] == "budget"
    assert len(kinds(budget, "model")) == 1


@pytest.mark.parametrize("agent", ["react", "awn", "rewoo", "plan_execute", "dfsdt", "interact"])
def test_the_gate_answers_small_talk_and_simple_sums_without_tools_in_front_of_any_design(runner, agent):
    for message, expected in [("hi", "Hello"), ("what is 2+2", "2 + 2 = 4")]:
        result = run(runner, agent, ["calculator", "weather"], message, tool_gate=True)
        assert result.status == "done" and expected in result.final_answer
        assert not kinds(result, "tool") and [s["node"] for s in kinds(result, "model")] == ["gate"]
    needs_tools = run(runner, agent, ["calculator"], CHAIN, tool_gate=True)
    assert needs_tools.status == "done" and "29.66" in needs_tools.final_answer
    assert kinds(needs_tools, "decision")[0]["name"] == "use tools" and kinds(needs_tools, "tool")


def test_without_the_gate_react_sends_a_greeting_through_the_tool_loop(runner):
    result = run(runner, "react", ["calculator"], "what is 2+2")
    assert kinds(result, "tool")  # the needless tool call the gate saves


@pytest.mark.parametrize("agent", ["react", "awn"])
def test_refinement_fixes_a_call_before_it_runs(runner, agent):
    message = "call weather with town=Paris, units=Metric"
    plain = run(runner, agent, ["weather"], message)
    assert not any(t["status"] == "ok" for t in kinds(plain, "tool"))  # without refinement the call is wrong

    result = run(runner, agent, ["weather"], message, refine=2)
    refine = kinds(result, "refine")
    assert refine[0]["meta"]["changed"] and refine[0]["output"]["arguments"] == {"city": "Paris", "units": "metric"}
    assert refine[-1]["meta"]["changed"] is False  # the second round keeps the refined call
    assert result.status == "done" and "In Paris it is" in result.final_answer
    assert kinds(result, "tool")[0]["input"] == {"city": "Paris", "units": "metric"}


def test_refinement_is_bounded(runner):
    result = run(runner, "react", ["weather"], "call weather with town=Paris, units=Metric", refine=1)
    assert len(kinds(result, "refine")) == 1


@pytest.mark.parametrize("agent", ["react", "awn", "rewoo"])
def test_a_value_computed_from_an_earlier_result_is_traced_to_its_pieces_not_called_a_guess(runner, agent):
    """#22: `84 + 5` (84 from the calculator's last result, 5 from the user) was labelled a guess."""
    result = run(runner, agent, ["calculator"], CHAIN)
    tools = kinds(result, "tool")
    assert tools[0]["meta"]["provenance"]["expression"]["source"] == "user"
    second = tools[1]["meta"]["provenance"]["expression"]
    assert second["source"] == "derived"
    assert [(p["value"], p["source"]) for p in second["parts"]] == [("84", "tool"), ("5", "user")]


def test_a_computed_value_with_a_piece_from_nowhere_is_still_a_guess():
    from app.clarify.provenance import provenance

    conversation = [{"role": "user", "content": "Compute 12*7, then add 5"}, {"role": "tool", "content": "84"}]
    schema = {"parameters": {"properties": {"expression": {"type": "string"}}}}
    assert provenance({"expression": "84 + 6"}, schema, conversation)["expression"] == {"source": "guess"}
    assert provenance({"expression": "84 + 5"}, schema, conversation)["expression"]["source"] == "derived"
