"""Sessions become datasets (#25 part 3), on a real database with the offline demo model: marks, items made from
sessions and from an eval run's failures, owners kept apart, edited items checked, exports the harness reads back,
and the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from app import datasets
from app.datasets import DatasetError
from app.eval import run as evaluation
from app.eval.suites import SuiteError, load
from storage import NotFound, repo


def _weather_session(runner, owner=None, text="What's the weather?"):
    session = runner.new_session("awn", "demo/offline", tools=["weather", "calculator"], owner=owner)
    runner.play(session.id, text, ["Paris"], owner=owner)
    return session


def _scores(runner, suite, agent="oracle"):
    report = evaluation.run(runner, [suite], evaluation.EvalConfig(agent=agent, model="demo/offline"))
    return report["summary"][suite.name]["all"], report


def test_a_session_with_a_question_becomes_a_tool_item_that_the_harness_runs_and_exports(runner, tmp_path):
    session = _weather_session(runner)
    item = datasets.item_from_session(runner, session.id, "tool", None)
    assert item["query"] == "What's the weather?" and item["category"] == "IMKI"
    assert item["question need to be asked"].startswith("Which city") and item["clarification"] == "Paris"
    assert item["expected API calling"] == [{"name": "weather", "arguments": {"city": "Paris"}}]
    weather = next(a for a in item["api_list"] if a["api_name"] == "weather")
    assert [p["name"] for p in weather["required_parameters"]] == ["city"]
    assert [p["name"] for p in weather["optional_parameters"]] == ["units"]

    datasets.create(runner.db, "weather", "tool", None)
    first = datasets.add_session(runner, "weather", session.id, None)
    second = datasets.add_session(runner, "weather", _weather_session(runner, text="Weather, please").id, None)
    assert (first["item"]["query_id"], second["item"]["query_id"]) == (1, 2)
    ran = datetime.fromtimestamp(session.created_at, timezone.utc).date()
    assert first["source"] == {"session_id": session.id, "as_of": ran.isoformat()}

    suite = datasets.load_suite(runner.db, "dataset:weather", None, None)
    assert [i.id for i in suite.items] == ["IMKI-1", "IMKI-2"]
    assert suite.items[0].as_of == ran  # its "tomorrow" is the day after the session ran, whenever it is re-run
    figures, _ = _scores(runner, suite)
    assert (figures["A1"], figures["A2"], figures["A3"]) == (1.0, 1.0, 1.0)  # the items are well formed
    figures, _ = _scores(runner, suite, agent="awn")  # the agent that made them asks and calls the same again
    assert (figures["A1"], figures["A2"]) == (1.0, 1.0)

    filename, text = datasets.export(runner.db, "weather", None)
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    again = load(str(path))
    assert filename == "weather.json" and again.kind == "tool"
    assert [(i.id, i.query, i.expected_calls) for i in again.items] == [(i.id, i.query, i.expected_calls)
                                                                         for i in suite.items]


def test_an_intention_session_becomes_an_in3_item_whose_simulated_user_gives_the_persons_answers(runner, tmp_path):
    session = runner.new_session("interact", "demo/offline")
    runner.play(session.id, "Plan a trip", ["Lisbon", "next month", "London", "Just me"])
    datasets.create(runner.db, "trips", "intent", None)
    made = datasets.add_session(runner, "trips", session.id, None, category="Travel")["item"]
    assert made["task"] == "Plan a trip" and made["vague"] is True and made["category"] == "Travel"
    assert [d["options"][0] for d in made["missing_details"]] == ["Lisbon", "next month", "London", "Just me"]

    suite = datasets.load_suite(runner.db, "dataset:trips", None, None)
    figures, report = _scores(runner, suite)
    assert figures["vagueness_accuracy"] == 1.0 and figures["recovery"] == 1.0
    assert [e["answer"] for e in report["items"][0]["exchanges"]] == ["Lisbon", "next month", "London", "Just me"]
    assert "task: Travel" in report["summary"][suite.name]

    filename, text = datasets.export(runner.db, "trips", None)
    (tmp_path / filename).write_text(text, encoding="utf-8")
    assert filename == "trips.jsonl" and load(str(tmp_path / filename)).items[0].missing_details == \
        made["missing_details"]


def test_the_failures_of_an_eval_run_are_saved_as_the_suite_had_them(runner):
    suite = load("ntb-dev", 8)
    _, report = _scores(runner, suite, agent="react")
    failed = [r for r in report["items"] if not (r["metrics"].get("A1") and r["metrics"].get("A2")
                                                  and r["metrics"].get("A3"))]
    assert failed and len(failed) < len(report["items"])  # a mixed run, so the filter is tested both ways
    datasets.create(runner.db, "hard", "tool", None)
    added, skipped = datasets.add_failures(runner, "hard", report["eval_id"], None)
    assert (added, skipped) == (len(failed), [])
    kept = datasets.items(runner.db, "hard", None)
    originals = {i.id: i.data for i in suite.items}
    assert [e["item"]["query"] for e in kept] == [originals[r["item_id"]]["query"] for r in failed]
    assert all(e["source"]["eval_id"] == report["eval_id"] for e in kept)
    assert all(e["source"]["as_of"] == "2026-11-22" for e in kept)  # as ntb-dev was written
    assert {i.as_of for i in datasets.load_suite(runner.db, "dataset:hard", None, None).items} == {date(2026, 11, 22)}
    assert "item" not in report["items"][0]  # the report itself does not repeat the items

    datasets.create(runner.db, "intents", "intent", None)
    added, skipped = datasets.add_failures(runner, "intents", report["eval_id"], None)
    assert added == 0 and len(skipped) == len(failed) and "not intentions" in skipped[0]


def test_another_persons_sessions_datasets_and_marks_are_out_of_reach(runner):
    alice = _weather_session(runner, owner="alice")
    datasets.create(runner.db, "mine", "tool", "alice")
    datasets.add_session(runner, "mine", alice.id, "alice")
    datasets.mark(runner.db, alice.id, "alice", rating="up")

    assert datasets.listing(runner.db, "bob") == []
    with pytest.raises(NotFound):
        datasets.items(runner.db, "mine", "bob")
    with pytest.raises(SuiteError, match="no dataset 'mine'"):
        datasets.load_suite(runner.db, "dataset:mine", None, "bob")
    datasets.create(runner.db, "mine", "tool", "bob")  # names are per person
    with pytest.raises(NotFound):
        datasets.add_session(runner, "mine", alice.id, "bob")  # alice's session into bob's dataset
    with pytest.raises(NotFound):
        datasets.add_session(runner, "mine", alice.id, "bob", item={"query": "x", "api_list": []})
    with pytest.raises(NotFound):
        datasets.mark(runner.db, alice.id, "bob", rating="down")
    with pytest.raises(NotFound):
        datasets.marks(runner.db, alice.id, "bob")
    with pytest.raises(NotFound):
        datasets.add_failures(runner, "mine", "no-such-run", "bob")
    assert datasets.listing(runner.db, "bob") == [{"name": "mine", "kind": "tool", "items": 0}]
    assert [m["rating"] for m in datasets.marks(runner.db, alice.id, "alice")] == ["up"]


def test_marks_are_one_per_person_and_target_checked_and_go_with_their_session(runner):
    session = _weather_session(runner)
    step = repo.steps_for_session(runner.db, session.id)[-1]
    datasets.mark(runner.db, session.id, None, rating="up", score=4, note="good")
    datasets.mark(runner.db, session.id, None, rating="down")  # replaces: one mark per person and target
    datasets.mark(runner.db, session.id, None, step.id, score=2, note="slow")
    assert [(m["step_id"], m["rating"], m["score"], m["note"]) for m in datasets.marks(runner.db, session.id, None)] \
        == [(None, "down", None, ""), (step.id, None, 2, "slow")]
    for bad in ({"rating": "meh"}, {"score": 6}, {"score": 0}, {"note": "x" * 2001}):
        with pytest.raises(DatasetError):
            datasets.mark(runner.db, session.id, None, **bad)
    other = _weather_session(runner)
    with pytest.raises(NotFound):  # a step of another session
        datasets.mark(runner.db, other.id, None, step.id, rating="up")
    assert datasets.mark(runner.db, session.id, None, step.id) is None  # an empty mark removes it
    assert len(datasets.marks(runner.db, session.id, None)) == 1

    datasets.create(runner.db, "kept", "tool", None)
    datasets.add_session(runner, "kept", session.id, None)
    repo.delete_session(runner.db, session.id)
    assert repo.marks_for_session(runner.db, session.id) == []
    assert len(datasets.items(runner.db, "kept", None)) == 1  # an item is a copy: it outlives its session


def test_the_sessions_a_person_marked_are_added_once_each(runner):
    good, bad, worse = (_weather_session(runner, owner="ann", text=t) for t in ("Weather?", "Weather now?", "And?"))
    theirs = _weather_session(runner, owner="ben")
    datasets.mark(runner.db, good.id, "ann", rating="up")
    datasets.mark(runner.db, bad.id, "ann", rating="down")
    step = repo.steps_for_session(runner.db, worse.id)[0]
    datasets.mark(runner.db, worse.id, "ann", step.id, rating="down")  # a step's 👎 counts for its session
    datasets.mark(runner.db, theirs.id, "ben", rating="down")
    datasets.create(runner.db, "to fix", "tool", "ann")
    assert datasets.add_marked(runner, "to fix", "ann", "down") == (2, [])
    assert datasets.add_marked(runner, "to fix", "ann", None) == (1, [])  # the 👍 one; the others are in
    queries = sorted(e["item"]["query"] for e in datasets.items(runner.db, "to fix", "ann"))
    assert queries == ["And?", "Weather now?", "Weather?"]  # never ben's
    with pytest.raises(DatasetError):
        datasets.add_marked(runner, "to fix", "ann", "meh")


def test_an_edited_item_is_checked_and_a_bad_one_stores_nothing(runner, monkeypatch):
    session = _weather_session(runner)
    datasets.create(runner.db, "edits", "tool", None)
    item = datasets.item_from_session(runner, session.id, "tool", None)
    cases = {
        "names no API": {**item, "expected API calling": [{"name": "send_email", "arguments": {}}]},
        "has no 'query'": {k: v for k, v in item.items() if k != "query"},
        "of the other kind": {"task": "Plan a trip", "vague": True, "missing_details": []},
        "a JSON object": ["not", "an", "object"],
    }
    for reason, bad in cases.items():
        with pytest.raises(DatasetError, match=reason):
            datasets.add_session(runner, "edits", session.id, None, item=bad)
    assert datasets.items(runner.db, "edits", None) == []
    for name, kind, reason in (("", "tool", "name"), ("a/b", "tool", "name"), ("ok", "table", "kind")):
        with pytest.raises(DatasetError, match=reason):
            datasets.create(runner.db, name, kind, None)
    with pytest.raises(DatasetError, match="already"):
        datasets.create(runner.db, "edits", "intent", None)

    # The person's edit is kept as edited (the expected call's value changed), and a secret pasted in is not.
    monkeypatch.setenv("WEATHER_API_TOKEN", "hunter2-weather-secret")
    edited = {**item, "expected API calling": [{"name": "weather", "arguments": {"city": "Paris", "units": "metric"}}],
              "clarification": "Paris, my key is hunter2-weather-secret"}
    saved = datasets.add_session(runner, "edits", session.id, None, item=edited)["item"]
    assert saved["expected API calling"][0]["arguments"] == {"city": "Paris", "units": "metric"}
    assert "hunter2" not in json.dumps(datasets.items(runner.db, "edits", None))


def test_the_cli_marks_grows_exports_and_runs_a_dataset(cli, tmp_path):
    run = cli.json("run", "--agent", "awn", "--tools", "weather,calculator", "--answer", "Paris", "What's the weather?")
    sid = run["session_id"]
    assert cli.json("mark", sid, "--up", "--score", "5", "--note", "asked well")["rating"] == "up"
    cli("mark", sid, "--step", "1", "--down", check=True)
    assert [m["rating"] for m in cli.json("mark", sid)] == ["up", "down"]
    cli("datasets", "create", "cli set", "--kind", "tool", check=True)
    item = cli.json("datasets", "show", "--session", sid)
    item["expected API calling"][0]["arguments"]["units"] = "metric"
    (tmp_path / "item.json").write_text(json.dumps(item))
    cli("datasets", "add", "cli set", sid, "--item", str(tmp_path / "item.json"), check=True)
    assert cli.json("datasets", "list") == [{"name": "cli set", "kind": "tool", "items": 1}]
    out = tmp_path / "cli.json"
    cli("datasets", "export", "cli set", "-o", str(out), check=True)
    assert json.loads(out.read_text())[0]["expected API calling"][0]["arguments"] == {"city": "Paris",
                                                                                       "units": "metric"}
    assert cli.json("datasets", "add", "cli set", "--marked", "down") == {"added": 0, "skipped": []}  # in it
    report = cli.json("eval", "dataset:cli set", "--agent", "oracle")
    assert report["summary"]["dataset:cli set"]["all"]["A2"] == 1.0

    for args, message in ((("datasets", "add", "cli set", "nope"), "no session 'nope'"),
                          (("datasets", "add", "nowhere", sid), "no dataset 'nowhere'"),
                          (("eval", "dataset:nowhere"), "no dataset 'nowhere'"),
                          (("mark", sid, "--score", "9"), "1 to 5"),
                          (("mark", sid, "--step", "999", "--up"), "no step '999'")):
        done = cli(*args)
        assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr
