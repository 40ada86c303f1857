"""Precision and recall of `check_tool_call` on NoisyToolBench-style cases (bench/data/grounding_cases.json).

A flawed call should get at least one request (a positive); the repaired call, with the clarification in the
conversation, should get none (a negative). Dates are judged as of 2026-11-22, when the cases were written.
Prints JSON, overall and per category.

    python bench/grounding.py
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


def main() -> None:
    cases = json.loads((Path(__file__).parent / "data" / "grounding_cases.json").read_text())
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    misses = []
    for case in cases:
        flagged = check_tool_call(case["tool"], case["flawed"]["arguments"], case["flawed"]["conversation"], today=TODAY)
        clean = check_tool_call(case["tool"], case["repaired"]["arguments"], case["repaired"]["conversation"], today=TODAY)
        for bucket in (counts[case["category"]], counts["all"]):
            bucket["tp" if flagged else "fn"] += 1
            bucket["fp" if clean else "tn"] += 1
        if not flagged:
            misses.append({"query": case["query"], "missed": "flawed call not flagged"})
        if clean:
            misses.append({"query": case["query"], "false_alarm": [c["reason"] for c in clean]})

    def rates(c: dict[str, int]) -> dict[str, float | int]:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        return {**c, "precision": round(precision, 3), "recall": round(recall, 3)}

    print(json.dumps({"cases": len(cases), **{k: rates(v) for k, v in sorted(counts.items())}, "errors": misses},
                     indent=2))


if __name__ == "__main__":
    main()
