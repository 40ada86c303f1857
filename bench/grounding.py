"""Precision and recall of `check_tool_call` on NoisyToolBench-style cases (bench/data/grounding_cases.json, or
the file named: bench/data/grounding_patterns.json has cases written for each gap of #23;
bench/data/grounding_heldout.json a second set in other domains, run once before any rule was changed for it).

A flawed call should get at least one request (a positive); the repaired call, with the clarification in the
conversation, should get none (a negative). Dates are judged as of 2026-11-22, when the cases were written.
In the category `inferred` (a value only world knowledge gives: a country's currency code, a company's
ticker) a model-free check cannot tell a guess from knowledge: there the right outcome on both calls is no
request and the argument marked `inferred` in provenance, for the reflection step to judge; `inferred_marked`
counts them. Prints JSON, overall and per category.

    python bench/grounding.py [bench/data/grounding_patterns.json]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.clarify import check_tool_call  # noqa: E402

TODAY = date(2026, 11, 22)


def inferred(case: dict, side: str) -> bool:
    from app.clarify.provenance import provenance

    marks = provenance(case[side]["arguments"], case["tool"], case[side]["conversation"])
    return any(m.get("source") == "inferred" for m in marks.values())


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data" / "grounding_cases.json"
    cases = json.loads(path.read_text())
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    misses = []
    for case in cases:
        flagged = check_tool_call(case["tool"], case["flawed"]["arguments"], case["flawed"]["conversation"], today=TODAY)
        clean = check_tool_call(case["tool"], case["repaired"]["arguments"], case["repaired"]["conversation"], today=TODAY)
        if case["category"] == "inferred":
            marked = [inferred(case, side) for side in ("flawed", "repaired")]
            counts["inferred"]["inferred_marked"] = counts["inferred"].get("inferred_marked", 0) + sum(marked)
            flagged = flagged or marked[0]
        for bucket in (counts[case["category"]], counts["all"]):
            bucket["tp" if flagged else "fn"] += 1
            bucket["fp" if clean else "tn"] += 1
        if not flagged:
            misses.append({"query": case["query"], "missed": "flawed call not flagged", "note": case.get("note")})
        if clean:
            misses.append({"query": case["query"], "false_alarm": [c["reason"] for c in clean], "note": case.get("note")})

    def rates(c: dict[str, int]) -> dict[str, float | int]:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        return {**c, "precision": round(precision, 3), "recall": round(recall, 3)}

    print(json.dumps({"cases": len(cases), **{k: rates(v) for k, v in sorted(counts.items())}, "errors": misses},
                     indent=2))


if __name__ == "__main__":
    main()
