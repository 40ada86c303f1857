"""Recorded IN3 interactions scored as the paper's own code scores them (OpenBMB/Tell_Me_More, src/stats.py):
`playground eval --rescore RECORDS.jsonl [--labels LABELS.jsonl] --json` prints one object with exactly the keys
of the paper's metric files, nested the same way.

What each figure needs, and where it comes from:
- from the records alone, exactly as the paper: summary_intention_coverage_rate (the human `user_record` counts),
  options_reasonable_rate (each inquiry's annotated `option_num` / `inappropriate_option_num`),
  average_conversation_rounds (the actions);
- the paper splits each inquiry into its separate questions and options with GPT-4 first
  (src/split_query_options.py, written to `*_split.jsonl` as `query_options_list`). With that list in the
  records: options_presenting_rate, average_provided_options, average_inquired_missing_details(_per_round)
  exactly as the paper. Without it, each inquiry is split by rules (app.eval.inquiry_split): near the paper's
  count, not the same (4-25% apart on the paper's four agents);
- vagueness_judgement_accuracy and missing_details_recover_rate compare against the human labels of each task
  (`user_vague`; the details the annotator approved, re-rated and added, with their importance), which the
  paper keeps in its labelling file (data/data_labeling/test_data_report_mix.jsonl). Give it with `--labels`
  (rows in the records' order); without it these are null. Recovery matches each question to a detail with
  our matcher (`--matcher`; the paper asked GPT-4 which detail, if any, a question asks about);
- with `--judge MODEL` both of the paper's GPT-4 steps are made with that model and the paper's own prompts
  (app.eval.paper_judge): the split of records that lack it, and which detail a question asks about. With
  GPT-4 that is the paper's procedure; its figures were sampled at temperature 0.7, so no re-run gives them
  to three decimals (they are one draw), which is why the split records and labels are what reproduce them.

Where a figure is not computed as the paper does, a line on stderr says so; the JSON keeps the paper's keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KEYS = ("vagueness_judgement_accuracy", "missing_details_recover_rate", "summary_intention_coverage_rate",
        "options_presenting_rate", "options_reasonable_rate", "average_provided_options",
        "average_inquired_missing_details_per_round", "average_conversation_rounds",
        "average_inquired_missing_details")


class RescoreError(ValueError):
    """A records or labels file that cannot be scored, with the line and what is wrong."""


def read_jsonl(path: str | Path, what: str) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RescoreError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise RescoreError(f"{path}, line {number}: not JSON ({exc.msg})") from None
    return rows


def _check(records: list[dict], labels: list[dict] | None) -> None:
    for number, record in enumerate(records, start=1):
        for key in ("vague", "actions", "user_record"):
            if key not in record:
                raise RescoreError(f"record {number} has no {key!r}: not an IN3 interaction record")
        if len(record["actions"]) % 2:
            raise RescoreError(f"record {number}: {len(record['actions'])} actions; the paper's records pair each "
                               "user turn with an assistant turn")
    if labels is not None and len(labels) != len(records):
        raise RescoreError(f"{len(labels)} labels for {len(records)} records: they must be the same tasks, in order")


def _inquiries(record: dict) -> list[list[dict]]:
    """Each inquiry round's questions with their options: the paper's split when the record has it, else ours."""
    from app.eval.inquiry_split import split

    if record.get("query_options_list") and all(record["query_options_list"]):
        return record["query_options_list"]
    actions = record["actions"]
    return [split(actions[2 * j + 1].get("content") or "") for j in range(len(actions) // 2 - 1)]


def _per_task_split(vague: list[dict]) -> dict[str, float]:
    """The four figures the paper computes from its split of each inquiry (vague tasks only)."""
    presenting = provided = per_round = inquired = 0.0
    for record in vague:
        rounds = _inquiries(record) or [[]]
        questions = [q for turn in rounds for q in turn]
        count = max(len(questions), 1)
        presenting += sum(1 for q in questions if q.get("options")) / count
        provided += sum(len(q.get("options") or []) for q in questions) / count
        per_round += count / len(rounds)
        inquired += count
    n = len(vague)
    return {"options_presenting_rate": presenting / n, "average_provided_options": provided / n,
            "average_inquired_missing_details_per_round": per_round / n, "average_inquired_missing_details": inquired / n}


def _by_matcher(matcher):
    """The detail a question asks about by our matcher: the most similar, if similar enough."""
    def pick(question: str, descriptions: list[str]) -> str | None:
        best = max(((matcher.similarity(question, d), d.lower()) for d in descriptions), default=(0.0, ""))
        return best[1] if best[0] >= matcher.threshold else None
    return pick


def _recovery(records: list[dict], labels: list[dict], pick) -> dict[str, float]:
    totals = {k: {"rate": 0.0, "cnt": 0} for k in ("1", "2", "3", "total_recover_rate")}
    for record, label in zip(records, labels):
        if not (record["vague"] and label.get("user_vague")):
            continue
        details = [*label.get("user_approve", []), *label.get("user_rectify", []), *label.get("user_add", [])]
        if not details:
            continue
        hit = {d["description"].lower(): False for d in details}
        importance = {d["description"].lower(): str(d.get("importance")) for d in details}
        for turn in _inquiries(record):
            for question in turn:
                found = pick(question["query"], [d["description"] for d in details])
                if found is not None:
                    hit[found] = True
        by_level: dict[str, list[bool]] = {}
        for description, found in hit.items():
            by_level.setdefault(importance[description], []).append(found)
        for level, found in by_level.items():
            if level in totals:
                totals[level]["rate"] += sum(found) / len(found)
                totals[level]["cnt"] += 1
        totals["total_recover_rate"]["rate"] += sum(hit.values()) / len(hit)
        totals["total_recover_rate"]["cnt"] += 1
    return {k: v["rate"] / max(v["cnt"], 1) for k, v in totals.items()}


def rescore(records: list[dict], labels: list[dict] | None = None, matcher=None,
            judge: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """(the paper's metrics, notes on what was not computed as the paper does). With `judge` (a model), the
    paper's two GPT-4 steps are made with that model and the paper's prompts (app.eval.paper_judge): records
    without the split are split, and recovery asks it which detail each question is about."""
    from app.eval import paper_judge
    from app.eval.users import Matcher

    _check(records, labels)
    if not records:
        raise RescoreError("no records to score")
    matcher = matcher or Matcher()
    notes: list[str] = []
    if judge:
        records = [r if "query_options_list" in r else
                   {**r, "query_options_list": [paper_judge.split(judge, r["actions"][2 * j + 1].get("content") or "")
                                                for j in range(len(r["actions"]) // 2 - 1)]} for r in records]
        pick = lambda question, descriptions: paper_judge.match(judge, question, descriptions)  # noqa: E731
        how = f"the paper's prompt to {judge} (the paper: gpt-4-1106 at temperature 0.7; here temperature 0)"
    else:
        pick, how = _by_matcher(matcher), f"the {matcher.name} matcher (the paper asked GPT-4; --judge MODEL asks " \
                                          "a model with its prompt)"
    vague = [r for r in records if r["vague"]]
    if not vague:
        raise RescoreError("no record judges its task vague: the paper's rates are over vague tasks")
    result: dict[str, Any] = {}
    if labels is None:
        notes.append("vagueness_judgement_accuracy and missing_details_recover_rate need the human labels "
                     "(--labels, the paper's data_labeling file): null")
        result["vagueness_judgement_accuracy"] = None
        result["missing_details_recover_rate"] = {"1": None, "2": None, "3": None, "total_recover_rate": None}
    else:
        result["vagueness_judgement_accuracy"] = sum(
            1 for r, l in zip(records, labels) if r["vague"] == l.get("user_vague")) / len(records)
        result["missing_details_recover_rate"] = _recovery(records, labels, pick)
        notes.append(f"missing_details_recover_rate: questions matched to details by {how}")
    result["summary_intention_coverage_rate"] = sum(
        r["user_record"]["user_details_in_summary"] / max(r["user_record"]["total_user_details"], 1)
        for r in vague) / len(vague)
    four = _per_task_split(vague)
    if not all(r.get("query_options_list") and all(r["query_options_list"]) for r in vague):
        notes.append("the records have no query_options_list (the paper's GPT-4 split of each inquiry): "
                     "options_presenting_rate, average_provided_options and average_inquired_missing_details"
                     "(_per_round) count the questions and options our rules find (app.eval.inquiry_split; 4-25% "
                     "from GPT-4's counts on the paper's agents); --judge MODEL splits with the paper's prompt")
    result["options_presenting_rate"] = four["options_presenting_rate"]
    reasonable = 0.0
    for record in vague:
        asked = record["actions"][1:-1:2]  # each inquiry (the last assistant turn is the summary)
        total = max(sum(int(a.get("option_num") or 0) for a in asked), 1)
        wrong = sum(int(a.get("inappropriate_option_num") or 0) for a in asked)
        reasonable += 1 - wrong / total
    result["options_reasonable_rate"] = reasonable / len(vague)
    result["average_provided_options"] = four["average_provided_options"]
    result["average_inquired_missing_details_per_round"] = four["average_inquired_missing_details_per_round"]
    result["average_conversation_rounds"] = sum(len(r["actions"]) // 2 for r in records) / len(records)
    result["average_inquired_missing_details"] = four["average_inquired_missing_details"]
    return {k: result[k] for k in KEYS}, notes
