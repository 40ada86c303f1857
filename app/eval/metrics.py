"""Metrics as the papers define them, per item and per category.

Tool-call suites (Ask-when-Needed, NoisyToolBench):
- A1: the agent asked the question that was needed (matched by the simulated user's matcher); on IBTC items,
  it told the user the request is beyond its tools (an `unsupported_request`, or a final answer that declines).
  Not applicable (None) to an item that needs no question and is not IBTC.
- A2: every expected call was made, successfully, with the expected arguments (values compared as a person
  would: case, spaces, punctuation, number formats, a date written another way, an abbreviation; with an LLM
  `--judge`, a call the rules reject is also put to it, as the paper's ToolEvaluator; argument names compared across conventions, as ToolBench
  normalises them: `is_from` is `from`, `departure_date` is `departureDate`; extra optional arguments are
  allowed). On IBTC items, where no call is expected, A2 holds when no tool was called and the agent said the
  request is beyond its tools (A1): doing nothing is not a success.
- A3: the final answer fulfils the request, by the judge. The deterministic judge (the default, and what the
  demo model gets): the run finished with an answer and A2 holds (for IBTC: A1 holds). An LLM judge reads the
  request, the clarification and the answer and says yes or no.
- redundant: questions the user could not answer (or asked again); steps: recorded steps in the session (they
  differ by design: a check or a reflection is a step); turns: the interaction turns the papers count (the
  request and each answer to a question).

Intention suites (IN3, "Tell Me More!"):
- vagueness accuracy: the agent's vague/clear judgement (the Interact judge's JSON; for other designs, whether
  it asked) against the human label (`user_vague`) where the file has one, else the generated `vague`;
- recovery: share of the item's missing details the agent asked about, overall and by importance 1-3, on items
  both call vague; the details are the human annotator's (approved, re-rated, added) where the file has them;
- options rate: share of the missing details asked about whose question offered options (per detail, as the
  paper counts it, not per question);
- summary coverage: share of the details the user gave that the agent's summary contains;
- rounds: questions asked; inquired: distinct details asked about.
Plus, for every item: tokens, cost, latency.
"""

from __future__ import annotations

import json
import re
from statistics import mean
from typing import Any

from app.eval.mock import normalise
from app.eval.suites import Item
from app.tracing.steps import usage_of

DECLINE = re.compile(r"\b(can(?:no|')t|cannot|unable|not able|no tool|don'?t have (?:a|any) tool|beyond|not "
                     r"supported|unsupported|outside)\b", re.I)


def _norm_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = " ".join(value.strip().lower().split())
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return text.strip(".")
    if isinstance(value, list):
        return [_norm_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm_value(v) for k, v in value.items()}
    return value


def values_equivalent(expected: Any, actual: Any) -> bool:
    """Whether a person would accept `actual` for `expected`: the same after case, spaces, punctuation and
    number formats; the same date written another way (2027-03-05, March 5, 2027, 03/05/2027); an abbreviation
    for its words (NYC, New York City); a list with the same items in another order."""
    if _norm_value(expected) == _norm_value(actual):
        return True
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(any(values_equivalent(e, a) for a in actual) for e in expected)
    if isinstance(expected, str) and isinstance(actual, str):
        from app.clarify import grounding

        left, right = grounding.normalise(expected).strip(". "), grounding.normalise(actual).strip(". ")
        if left == right or re.sub(r"\W", "", left) == re.sub(r"\W", "", right):
            return True
        if re.search(r"\d", expected + actual) and _absolute_date(expected) and \
                _absolute_date(expected) == _absolute_date(actual):
            return True
        return _initials(expected) == right.replace(" ", "") or _initials(actual) == left.replace(" ", "")
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    return False


def _absolute_date(text: str) -> str | None:
    """A date written with its year (relative or yearless dates are not the same date on another day)."""
    from app.clarify.grounding import as_iso_date

    return as_iso_date(text) if re.search(r"\b\d{4}\b", text) else None


def _initials(text: str) -> str:
    words = re.findall(r"[A-Za-z]+", text)
    return "".join(w[0] for w in words).lower() if len(words) > 1 else "\0"


def call_matches(expected: dict[str, Any], actual: dict[str, Any], aliases: dict[str, str]) -> bool:
    if not same_function(expected, actual, aliases) or actual.get("status") != "ok":
        return False
    from tools.execute import schema_key

    got = actual.get("arguments") or {}
    return all(values_equivalent(v, got.get(schema_key(k, got) or k))
               for k, v in (expected.get("arguments") or {}).items())


def same_function(expected: dict[str, Any], actual: dict[str, Any], aliases: dict[str, str]) -> bool:
    return actual["name"] == aliases.get(normalise(expected["name"]), expected["name"])


def tool_calls(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": s["name"], "arguments": s.get("input") or {}, "status": s["status"]}
            for s in steps if s["kind"] == "tool"]


def usage(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """An item's tokens and cost, summed as every trace sums them (`app.tracing.steps.usage_of`)."""
    summed = usage_of(steps)
    return {"tokens": summed["total_tokens"], "cost": round(summed["cost"], 6)}


def declined(steps: list[dict[str, Any]], exchanges: list, final_answer: str | None) -> bool:
    if any(e.kind == "unsupported_request" for e in exchanges):
        return True
    if any(s["kind"] == "answer" and s["name"] == "unsupported_request" for s in steps):
        return True
    return bool(final_answer) and bool(DECLINE.search(final_answer))


def tool_item(item: Item, steps: list[dict], exchanges: list, final_answer: str | None, status: str,
              aliases: dict[str, str], judge=None) -> dict[str, Any]:
    calls = tool_calls(steps)
    expected = item.expected_calls
    ibtc = item.category == "IBTC"
    if ibtc:
        a1: bool | None = declined(steps, exchanges, final_answer)
    elif item.needed_question:
        a1 = any(e.relevant and e.kind != "unsupported_request" for e in exchanges)
    else:
        a1 = None
    # an LLM evaluator (the paper's ToolEvaluator) may accept a call the rules do not: a paraphrase
    evaluator = getattr(judge, "calls_equivalent", None)
    if expected:
        a2 = all(any(call_matches(e, c, aliases) or (
            evaluator is not None and c.get("status") == "ok" and same_function(e, c, aliases) and evaluator(item, e, c))
            for c in calls) for e in expected)
    else:
        a2 = not calls and (a1 is True if ibtc else True)
    finished = status == "done" and bool((final_answer or "").strip())
    if judge is not None and finished:
        a3 = judge(item, final_answer or "", exchanges)
    else:
        a3 = finished and a2 and (a1 is not False if ibtc else True)
    return {"A1": a1, "A2": a2, "A3": a3, "redundant": sum(1 for e in exchanges if not e.relevant),
            "questions": len(exchanges), "calls": calls, "expected_calls": expected}


def _judged_vague(steps: list[dict], exchanges: list) -> bool:
    for s in steps:
        if s["kind"] in ("model", "decision") and s["node"] == "judge":  # Interact's judge, or the oracle's
            if isinstance(s.get("output"), dict) and "vague" in s["output"]:
                return bool(s["output"]["vague"])
            content = (s.get("output") or {}).get("content") if isinstance(s.get("output"), dict) else s.get("output")
            match = re.search(r"\{.*\}", str(content or ""), re.S)
            if match:
                try:
                    return bool(json.loads(match[0]).get("vague"))
                except ValueError:  # an unreadable judgement: fall back to whether the agent asked
                    pass
    return bool(exchanges)


def intent_item(item: Item, steps: list[dict], exchanges: list, matcher) -> dict[str, Any]:
    details = item.missing_details  # the human labels' where the row has them
    vague = item.truly_vague
    judged = _judged_vague(steps, exchanges)
    asked = {e.detail for e in exchanges if e.detail is not None}
    by_importance: dict[str, list[int]] = {}
    for index, detail in enumerate(details):
        level = str(detail.get("importance", "?"))
        by_importance.setdefault(level, [0, 0])
        by_importance[level][1] += 1
        by_importance[level][0] += index in asked
    summary = next((str(s.get("output") or "") for s in steps if s["kind"] == "summary"), None)
    given = [e.answer for e in exchanges if e.relevant]
    coverage = None
    if summary is not None and given:
        coverage = sum(1 for a in given if a.lower() in summary.lower() or matcher.matches(a, summary)) / len(given)
    both_vague = vague and judged
    return {
        "vague": vague, "judged_vague": judged, "vagueness_correct": judged == vague,
        "recovery": (len(asked) / len(details)) if both_vague and details else None,
        "recovery_by_importance": {k: v for k, v in sorted(by_importance.items())} if both_vague else {},
        # per missing detail asked about, as the paper counts it: the share of those asked with options
        "options_rate": (len({e.detail for e in exchanges if e.detail is not None and e.options}) / len(asked))
        if asked else None,
        "summary_coverage": coverage, "rounds": len(exchanges), "inquired": len(asked),
    }


TOOL_METRICS = ("A1", "A2", "A3", "redundant", "steps", "turns", "tokens", "cost", "latency_s")
INTENT_METRICS = ("vagueness_accuracy", "recovery", "recovery_importance_1", "recovery_importance_2",
                  "recovery_importance_3", "options_rate", "summary_coverage", "rounds", "inquired", "steps",
                  "turns", "tokens", "cost", "latency_s")


def _avg(values: list) -> float | None:
    values = [float(v) for v in values if v is not None]
    return round(mean(values), 4) if values else None


def tool_summary(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """A group of tool-call items: NoisyToolBench's A1-A3 and redundant questions."""
    summary: dict[str, Any] = {name: _avg([m[name] for m in metrics]) for name in ("A1", "A2", "A3")}
    summary["redundant"] = _avg([m["redundant"] for m in metrics])
    return summary


def intent_summary(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """A group of IN3 items: vagueness judged right, missing details recovered (by importance), options, summary."""
    summary: dict[str, Any] = {"vagueness_accuracy": _avg([m["vagueness_correct"] for m in metrics]),
                               "recovery": _avg([m["recovery"] for m in metrics])}
    for level in ("1", "2", "3"):
        asked = sum(m["recovery_by_importance"].get(level, [0, 0])[0] for m in metrics)
        total = sum(m["recovery_by_importance"].get(level, [0, 0])[1] for m in metrics)
        summary[f"recovery_importance_{level}"] = round(asked / total, 4) if total else None
    for name in ("options_rate", "summary_coverage", "rounds", "inquired"):
        summary[name] = _avg([m[name] for m in metrics])
    return summary


def run_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What every kind reports: items, errors, and the cost of the items that ran."""
    ok = [r for r in rows if r["status"] not in ("error", "timeout")]
    return {name: _avg([r.get(name) for r in ok]) for name in ("steps", "turns", "tokens", "cost", "latency_s")}