"""What a time-travel fork costs as a conversation grows.

Builds a ReAct session of N turns (each a weather lookup: model, tool, model) on the demo model, then forks
the last turn's tool step with new arguments and the first turn's message, and times the fork itself (copy
the checkpoints and the rows, apply the edit; the re-run after it is an ordinary turn and is timed apart).
Prints JSON.

    python bench/fork.py --turns 5,20,50
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import timetravel  # noqa: E402
from app.config import Settings  # noqa: E402
from app.runner import Runner  # noqa: E402
from storage import open_database  # noqa: E402

CITIES = ["Paris", "Rome", "Tokyo", "Oslo", "Lisbon", "Cairo", "Seoul", "Berlin", "Madrid", "Vienna"]


def timed_fork(runner: Runner, session_id: str, step: int, **edit) -> tuple[float, float]:
    """(ms until the branch is made and its run starts, ms for the whole fork including the re-run)."""
    started = time.perf_counter()
    events = timetravel.fork(runner, session_id, step, **edit)
    next(events)  # the branch exists and its run has produced its first step
    made = (time.perf_counter() - started) * 1000
    for _ in events:
        pass
    return made, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", default="5,20,50")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        runner = Runner(open_database(url), Settings(database_url=url))
        for turns in [int(t) for t in args.turns.split(",")]:
            session = runner.new_session("react", "demo/offline", tools=["weather"])
            for i in range(turns):
                result = runner.turn(session.id, message=f"What's the weather in {CITIES[i % len(CITIES)]}?")
            tool = next(s for s in result.steps if s["kind"] == "tool")["seq"]
            args_fork = [timed_fork(runner, session.id, tool, arguments={"city": "Tokyo"}) for _ in range(args.repeat)]
            msg_fork = [timed_fork(runner, session.id, 1, message="What's the weather in Lima?")
                        for _ in range(args.repeat)]
            checkpoints = len(list(runner.checkpointer.list({"configurable": {"thread_id": session.id}})))
            out.append({
                "turns": turns, "steps": len(runner.trace(session.id)["steps"]), "checkpoints": checkpoints,
                "fork_last_tool_ms": round(statistics.median(m for m, _ in args_fork), 1),
                "fork_last_tool_with_rerun_ms": round(statistics.median(t for _, t in args_fork), 1),
                "fork_first_message_ms": round(statistics.median(m for m, _ in msg_fork), 1),
            })
    print(json.dumps({"bench": "fork", "results": out}, indent=2))


if __name__ == "__main__":
    main()
