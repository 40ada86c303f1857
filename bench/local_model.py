"""The local model's cost per call, through the gateway as the agents call it. Prints JSON.

    python bench/local_model.py [--model local/qwen2.5-coder-0.5b]

Ten small tool prompts (the built-in tools' schemas), each a fresh conversation: the first call includes loading
the model (and, on a new machine, assembling and checking its weights); the others are warm. Reports the load,
the cold call, the warm calls' median and p90 latency, generation speed (completion tokens over latency, so
prompt processing counts against it), how many picked the right tool with the right arguments, and the
process's peak RSS. Run it on a quiet machine: it uses every core.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.llm import gateway, local  # noqa: E402
from tools.registry import default_registry  # noqa: E402

# (prompt, tools offered, the expected tool, arguments that must be there, lowercased)
PROMPTS = [
    ("What's the weather in Paris?", ["weather", "calculator"], "weather", {"city": "paris"}),
    ("What is 17 times 23?", ["calculator", "weather"], "calculator", {}),
    ("Weather in Tokyo please", ["weather"], "weather", {"city": "tokyo"}),
    ("Compute 2**10", ["calculator"], "calculator", {}),
    ("Save a note saying: buy milk", ["save_note", "weather"], "save_note", {}),
    ("Convert 5 km to miles", ["convert_units", "calculator"], "convert_units", {}),
    ("Is it raining in Oslo?", ["weather", "save_note"], "weather", {"city": "oslo"}),
    ("What is 144 divided by 12?", ["calculator"], "calculator", {}),
    ("How cold is it in Moscow right now?", ["weather", "calculator"], "weather", {"city": "moscow"}),
    ("Remember that the meeting is at 3pm", ["save_note"], "save_note", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    args = parser.parse_args()
    gateway.check_model(args.model)
    tools = default_registry().visible()
    started = time.perf_counter()
    calls, right_tool, right_args = [], 0, 0
    for prompt, offered, expected, needed in PROMPTS:
        schemas = [tools[name].openai for name in offered]
        reply = gateway.complete(args.model, [{"role": "user", "content": prompt}], schemas, timeout=300)
        called = reply.tool_calls[0] if reply.tool_calls else None
        ok_tool = called is not None and called.name == expected
        ok_args = ok_tool and all(str(called.arguments.get(k, "")).lower().startswith(v) for k, v in needed.items())
        right_tool += ok_tool
        right_args += ok_args
        calls.append({"prompt": prompt, "ms": round(reply.latency_ms), "completion_tokens": reply.usage.completion_tokens,
                      "called": called.name if called else None, "arguments": called.arguments if called else None,
                      "text": reply.content[:80] if not called else None})
    total_s = time.perf_counter() - started
    engine = next(iter(local._engines.values()))
    warm = [c["ms"] for c in calls[1:]]
    speed = [c["completion_tokens"] / (c["ms"] / 1000) for c in calls[1:] if c["ms"]]
    print(json.dumps({
        "model": args.model, "threads": engine.threads, "context": local.CONTEXT,
        "load_s": round(engine.load_s, 2), "cold_call_ms": calls[0]["ms"],
        "warm_call_ms": {"median": round(statistics.median(warm)), "p90": round(sorted(warm)[int(len(warm) * 0.9)]),
                         "max": max(warm)},
        "completion_tokens_per_s": round(statistics.median(speed), 1),
        "right_tool": f"{right_tool}/{len(PROMPTS)}", "right_arguments": f"{right_args}/{len(PROMPTS)}",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "wall_s": round(total_s, 1), "calls": calls,
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
