"""What opening a LangGraph project costs (#33). Prints JSON.

- tracing: a 50-step graph of a project (a loop of one node, each step a LangChain tool call inside the node),
  run as an opened project through `Runner.turn` (LangChain callbacks make a step of every node and tool call,
  each stored and redacted) against the same graph compiled with the same SQLite checkpointer and invoked bare;
  per step, interleaved turn by turn. Goal: within 1.5x.
- endpoint: a chat completion of the demo model through the playground's model endpoint with the official OpenAI
  client, against the same call through the gateway directly; the median added per call. Goal: under 5 ms.

    python bench/projects.py [--turns 10] [--calls 200]
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

GRAPH = '''"""Fifty steps: a node that calls a tool, looped."""
from typing import TypedDict

from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph


@tool
def add_one(n: int) -> int:
    """Add one to n."""
    return n + 1


class State(TypedDict):
    n: int


def step(state: State) -> State:
    return {"n": add_one.invoke({"n": state["n"]})}


graph = (StateGraph(State).add_node(step).add_edge(START, "step")
         .add_conditional_edges("step", lambda s: END if s["n"] >= 50 else "step").compile())
'''


def tracing(turns: int) -> dict:
    from app.config import Settings
    from app.runner import Runner
    from storage import open_database

    folder = Path(tempfile.mkdtemp())
    (folder / "fifty.py").write_text(GRAPH)
    (folder / "langgraph.json").write_text(json.dumps({"graphs": {"fifty": "./fifty.py:graph"}}))
    url = f"sqlite:///{folder / 'bench.db'}"
    runner = Runner(open_database(url), Settings(database_url=url, configs=(str(folder / "langgraph.json"),)))
    sys.path.insert(0, str(folder))
    import fifty

    saved = fifty.graph.builder.compile(checkpointer=runner.checkpointer)
    sessions = iter([runner.new_session("fifty", "demo/offline").id for _ in range(turns + 1)])
    ours, bare = [], []
    for i in range(turns + 1):
        start = time.perf_counter()
        result = runner.turn(next(sessions), message='{"n": 0}')
        took = time.perf_counter() - start
        assert result.status == "done", result.error
        steps = len(result.steps)
        start = time.perf_counter()
        out = saved.invoke({"n": 0}, {"configurable": {"thread_id": f"bare-{i}"}, "recursion_limit": 200})
        bare_took = time.perf_counter() - start
        assert out["n"] == 50
        if i:  # the first of each warms up
            ours.append(took * 1000 / 50)
            bare.append(bare_took * 1000 / 50)
    return {"graph_steps": 50, "steps_recorded_per_turn": steps, "ours_ms_per_step": round(statistics.median(ours), 3),
            "bare_with_checkpointer_ms_per_step": round(statistics.median(bare), 3),
            "ratio": round(statistics.median(ours) / statistics.median(bare), 2)}


def endpoint(calls: int) -> dict:
    import openai

    from app.llm import gateway
    from app.protocols import clients, models

    base = clients.point_clients()
    client = openai.OpenAI(base_url=base + "/v1", api_key=models.KEY, max_retries=0)
    messages = [{"role": "user", "content": "What is 12 * 7?"}]
    tools = [{"type": "function", "function": {"name": "calculator", "description": "Evaluate arithmetic.",
                                               "parameters": {"type": "object", "properties": {
                                                   "expression": {"type": "string"}}, "required": ["expression"]}}}]
    through, direct = [], []
    for i in range(calls + 5):
        start = time.perf_counter()
        client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        a = time.perf_counter() - start
        start = time.perf_counter()
        gateway.complete("demo/offline", messages, tools)
        b = time.perf_counter() - start
        if i >= 5:
            through.append(a * 1000)
            direct.append(b * 1000)
    return {"calls": calls, "through_endpoint_ms_p50": round(statistics.median(through), 3),
            "gateway_direct_ms_p50": round(statistics.median(direct), 3),
            "added_ms_p50": round(statistics.median(through) - statistics.median(direct), 3),
            "added_ms_p90": round(sorted(through)[int(calls * 0.9)] - sorted(direct)[int(calls * 0.9)], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps({"tracing": tracing(args.turns), "endpoint": endpoint(args.calls)}, indent=2))


if __name__ == "__main__":
    main()
