"""Time per agent step spent in our runner, tracing and storage, against the same graph run bare.

Three loops run the ReAct graph on the demo model over the same multi-step calculator task (9 steps),
interleaved turn by turn so that they share the machine's noise:
- ours: `Runner.turn` (SQLite checkpointer, streamed, every step recorded and redacted, run bookkeeping);
- bare: the same graph compiled without a checkpointer and invoked, recording nothing;
- bare+checkpointer: the same graph with the same SQLite checkpointer, invoked (LangGraph's own persistence).
Our overhead per step = ours - bare+checkpointer. Prints JSON.

    python bench/step_overhead.py [--turns 40]
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

from app.agents import react  # noqa: E402
from app.config import Settings  # noqa: E402
from app.runner import Runner  # noqa: E402
from storage import open_database  # noqa: E402

TASK = "Compute 12*7, then add 5, then divide it by 3, then multiply by 2"


def per_step(fn) -> float:
    start = time.perf_counter()
    steps = fn()
    return (time.perf_counter() - start) * 1000 / steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    runner = Runner(open_database(url), Settings(database_url=url))
    template = runner.new_session("react", "demo/offline", tools=["calculator"])
    ctx = runner.graphs.context_for(template)
    bare = react.build(ctx).compile()
    saved = react.build(ctx).compile(checkpointer=runner.checkpointer)
    message = {"messages": [{"role": "user", "content": TASK}]}

    sessions = iter([runner.new_session("react", "demo/offline", tools=["calculator"]).id
                     for _ in range(args.turns + 2)])  # created outside the timed loop, as a UI would

    def ours() -> int:
        result = runner.turn(next(sessions), message=TASK)
        assert result.status == "done", result.error
        return len(result.steps)

    def count(state) -> int:
        return sum(1 for m in state["messages"] if m["role"] in ("assistant", "tool"))

    def plain() -> int:
        return count(bare.invoke(message))

    counter = iter(range(10**9))

    def with_checkpointer() -> int:
        config = {"configurable": {"thread_id": f"bench-{next(counter)}"}}
        return count(saved.invoke(message, config, durability="sync"))

    for fn in (ours, plain, with_checkpointer):  # warm up: imports, first LiteLLM call, compilation
        fn()
    samples: dict[str, list[float]] = {"ours": [], "bare": [], "bare_checkpointer": []}
    for _ in range(args.turns):
        samples["ours"].append(per_step(ours))
        samples["bare"].append(per_step(plain))
        samples["bare_checkpointer"].append(per_step(with_checkpointer))
    median = {k: statistics.median(v) for k, v in samples.items()}
    print(json.dumps({
        "task": TASK,
        "turns": args.turns,
        "steps_per_turn": ours(),
        "ours_ms_per_step_median": round(median["ours"], 3),
        "bare_graph_ms_per_step_median": round(median["bare"], 3),
        "bare_graph_with_checkpointer_ms_per_step_median": round(median["bare_checkpointer"], 3),
        "our_overhead_ms_per_step": round(median["ours"] - median["bare_checkpointer"], 3),
        "ratio_ours_to_bare_with_checkpointer": round(median["ours"] / median["bare_checkpointer"], 3),
        "ratio_ours_to_bare_without_checkpointer": round(median["ours"] / median["bare"], 3),
        "targets": {"our_overhead_ms_per_step": 2.0, "ratio": 1.5},
    }, indent=2))


if __name__ == "__main__":
    main()
