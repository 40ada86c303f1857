"""The clarification agents through the real CLI: ask, answer, resume; and what the trace records."""

from __future__ import annotations

from conftest import make_runner


def test_awn_asks_for_a_missing_city_then_answers_with_it(cli):
    asked = cli.json("run", "--agent", "awn", "--model", "demo/offline", "--tools", "weather", "What's the weather like?")
    assert asked["status"] == "needs_clarification"
    q = asked["clarification"]
    assert q["kind"] == "missing_argument" and q["field"] == "city" and q["question"]
    assert not [s for s in asked["steps"] if s["kind"] == "tool"]  # nothing ran on a guess

    resumed = cli.json("run", "--session", asked["session_id"], "--answer", "Paris")
    assert resumed["status"] == "done" and "Paris" in resumed["final_answer"]
    tool = [s for s in resumed["steps"] if s["kind"] == "tool"][0]
    assert tool["input"] == {"city": "Paris"}
    assert tool["meta"]["provenance"]["city"]["source"] == "clarification"
    assert any(s["kind"] == "clarification" and s["output"] == "Paris" for s in resumed["steps"])


def test_awn_with_answer_in_one_command(cli):
    out = cli.json("run", "--agent", "awn", "--tools", "weather", "--answer", "Paris", "What's the weather like?")
    assert out["status"] == "done" and "Paris" in out["final_answer"]
    assert [c["answer"] for c in out["clarifications"]] == ["Paris"]


def test_awn_asks_nothing_on_a_clear_request(cli):
    out = cli.json("run", "--agent", "awn", "--tools", "weather", "What's the weather in Rome?")
    assert out["status"] == "done" and "Rome" in out["final_answer"]
    assert out["clarifications"] == []


def test_awn_questions_an_impossible_date_and_rebooks(cli):
    out = cli.json("run", "--agent", "awn", "--toolset", "travel", "Book a flight from Paris to Rome on 31 February")
    assert out["clarification"]["kind"] == "invalid_value" and out["clarification"]["field"] == "date"
    done = cli.json("run", "--session", out["session_id"], "--answer", "2099-03-01")
    assert "Booked" in done["final_answer"] and "2099-03-01" in done["final_answer"]


def test_awn_says_plainly_when_no_tool_can_serve(cli):
    out = cli.json("run", "--agent", "awn", "--tools", "weather", "Order me a pizza")
    assert out["status"] == "done" and "can't" in out["final_answer"]
    assert not [s for s in out["steps"] if s["kind"] == "tool"]


def test_interact_asks_with_options_and_summarises_before_any_tool(cli):
    out = cli.json("run", "--agent", "interact", "--toolset", "travel", "Plan a trip for me")
    assert out["status"] == "needs_clarification"
    assert out["clarification"]["kind"] == "vague_intent" and out["clarification"]["options"]
    done = cli.json("run", "--agent", "interact", "--toolset", "travel", "--answer", "Rome", "--answer", "next Friday",
                    "--answer", "just do it", "Plan a trip for me")
    kinds = [s["kind"] for s in done["steps"]]
    assert "summary" in kinds and "tool" in kinds
    assert kinds.index("summary") < kinds.index("tool")
    summary = next(s for s in done["steps"] if s["kind"] == "summary")
    assert "Rome" in summary["output"]
    assert "Rome" in done["final_answer"]
    assert len(done["clarifications"]) == 3


def test_interact_clear_task_goes_straight_to_work(cli):
    out = cli.json("run", "--agent", "interact", "--tools", "weather", "What's the weather in Tokyo?")
    assert out["status"] == "done" and out["clarifications"] == [] and "Tokyo" in out["final_answer"]


def test_trace_has_clarification_metrics(cli):
    out = cli.json("run", "--agent", "awn", "--tools", "weather", "--answer", "Paris", "What's the weather like?")
    trace = cli.json("trace", out["session_id"])
    metrics = trace["metrics"]["clarification"]
    assert metrics["questions"] == 1 and metrics["answered"] == 1 and metrics["redundant"] == 0
    assert metrics["by_kind"] == {"missing_argument": 1} and metrics["turns_to_resolution"] == 1


def test_a_redundant_question_is_counted(db_url):
    from app.tracing.document import trace_document

    runner = make_runner(db_url)
    session = runner.new_session("interact", "demo/offline", toolset="travel")
    first = runner.turn(session.id, message="Plan a trip for me, I'm going alone")
    assert first.status == "needs_clarification"
    runner.turn(session.id, answer="alone")  # the user already said so
    metrics = trace_document(runner.db, session.id)["metrics"]["clarification"]
    assert metrics["redundant"] == 1


def test_awn_asks_which_of_the_users_alternatives_and_uses_the_answer(runner):
    """#23: "to Lyon or Nice" left open; the model picked Lyon. AwN asks with both as options, then flies to
    the one the person chose (in process: the runner, the real graph, the demo model)."""
    session = runner.new_session("awn", "demo/offline", tools=["search_flights"])
    asked = runner.play(session.id, "Find flights from Paris to Lyon or Nice on 2027-03-03", [])
    pending = runner.pending_question(session.id)
    assert asked.status == "needs_clarification" and pending.kind == "ambiguous_argument"
    assert pending.options == ["Lyon", "Nice"] and pending.field == "destination"
    done = runner.play(session.id, None, ["Nice"])
    calls = [s["input"] for s in runner.trace(session.id)["steps"] if s["kind"] == "tool"]
    assert done.status == "done" and calls == [{"origin": "Paris", "destination": "Nice", "date": "2027-03-03"}]


def test_interact_never_asks_again_for_what_an_answer_gave_and_acts_on_every_detail(db_url):
    """#39: a typed answer giving several details was followed by a question about one of them, and the trip plan
    ignored the answers ("Tell me where you leave from and when"). Now what an answer gave is not asked about,
    the summary holds each detail, and the plan uses them (flights from the departure city on that date)."""
    runner = make_runner(db_url)
    session = runner.new_session("interact", "demo/offline", toolset="travel")
    done = runner.play(session.id, "Plan a trip for me", ["Lisbon, in May, from Berlin", "Just me", "Economy"])
    trace = runner.trace(session.id)
    asked = [c["question"] for c in trace["clarifications"]]
    assert "When do you want to travel?" not in asked and "Where will you travel from?" not in asked
    summary = next(s["output"] for s in trace["steps"] if s["kind"] == "summary")
    assert "Destination: Lisbon;" in summary and "Departure city: Berlin" in summary and "in May" in summary
    assert done.status == "done" and "Flights from Berlin to Lisbon" in done.final_answer

    clicked = runner.new_session("interact", "demo/offline", toolset="travel")
    done = runner.play(clicked.id, "Plan a trip for me", ["London", "This weekend", "Paris", "Just me", "Economy"])
    assert "Flights from Paris to London" in done.final_answer and "leave from" not in done.final_answer
