"""Prompt and completion tokens of react vs rewoo vs plan_execute (and dfsdt) on multi-step tasks.

Each task needs at least three tool calls. Every agent runs every task on the demo model through the real
runner (SQLite, traces), with two tool sets: the task's own tool only, and all built-in tools (the usual
case, where ReAct re-sends every tool schema on every call). The demo model counts tokens as characters / 4
for everything it is sent, so the figures compare what each design sends, not a tokenizer. Prints JSON.

    python bench/tokens.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings  # noqa: E402
from app.runner import Runner  # noqa: E402
from storage import open_database  # noqa: E402

TASKS = [
    ("calculator", "Compute 12*7, then add 5, then divide it by 3", "29.66"),
    ("calculator", "Compute 2^10, then subtract 24, then multiply it by 3, then add 7", "3007"),
    ("weather", "What's the weather in Paris, Rome and Tokyo?", "In Tokyo it is"),
    ("weather", "Weather in Oslo, Lisbon, Cairo and Seoul", "In Seoul it is"),
    ("calculator", "Compute 100-37, then multiply it by 4, then subtract 52", "200"),
]
AGENTS = ["react", "rewoo", "plan_execute", "dfsdt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default=",".join(AGENTS))
    args = parser.parse_args()
    agents = args.agents.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        runner = Runner(open_database(url), Settings(database_url=url))
        everything = runner.tools.toolsets["everything"]
        results: dict[str, dict] = {}
        for toolset_name, tools_for in [("task tool only", lambda t: [t]), ("all built-in tools", lambda t: everything)]:
            per_agent: dict[str, dict] = {a: {"prompt_tokens": 0, "completion_tokens": 0, "model_calls": 0,
                                              "tool_calls": 0, "correct": 0, "tasks": []} for a in agents}
            for tool, task, expected in TASKS:
                for agent in agents:
                    session = runner.new_session(agent, "demo/offline", tools=tools_for(tool))
                    result = runner.turn(session.id, message=task)
                    u = result.usage
                    entry = per_agent[agent]
                    entry["prompt_tokens"] += u["prompt_tokens"]
                    entry["completion_tokens"] += u["completion_tokens"]
                    entry["model_calls"] += u["model_calls"]
                    entry["tool_calls"] += u["tool_calls"]
                    entry["correct"] += int(expected in (result.final_answer or ""))
                    entry["tasks"].append({"task": task, "prompt_tokens": u["prompt_tokens"],
                                           "completion_tokens": u["completion_tokens"], "model_calls": u["model_calls"],
                                           "tool_calls": u["tool_calls"], "answer_ok": expected in (result.final_answer or "")})
            base = per_agent["react"]["prompt_tokens"] if "react" in per_agent else None
            for agent, entry in per_agent.items():
                entry["prompt_vs_react"] = round(entry["prompt_tokens"] / base, 3) if base else None
            results[toolset_name] = per_agent
    fewest = min(t["tool_calls"] for r in results.values() for e in r.values() for t in e["tasks"])
    print(json.dumps({"benchmark": "tokens", "model": "demo/offline", "tasks": len(TASKS),
                      "fewest_tool_calls_in_a_run": fewest, "results": results}, indent=2))


if __name__ == "__main__":
    main()
