"""What the bubblewrap jail costs a custom tool call, against the plain child process it replaced.

Times reading a file's tools (describe) and calling a trivial tool, `--calls` times each, in three ways, run
alternately so the machine's noise falls on all of them alike:
- `child`: the plain `python -I` child process of before (PLAYGROUND_UNSAFE_SANDBOX=1 today);
- `jail`: the same child inside bubblewrap (namespaces, binds, seccomp), no network;
- `jail_network`: with network allowed (slirp4netns started for the call), when slirp4netns is installed.
Prints JSON: per way, mean, p50, p95 in ms, and the jail's overhead over the child.

    python bench/sandbox.py --calls 30
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import jail  # noqa: E402
from tools.sandbox import Limits, describe, tools_from_source  # noqa: E402

SOURCE = '''
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: the first
        b: the second
    """
    return a + b
'''


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"mean_ms": round(statistics.fmean(ordered), 2), "p50_ms": round(ordered[len(ordered) // 2], 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    if jail.unavailable():
        print(json.dumps({"error": jail.unavailable()}))
        return
    ways = {"child": (True, False), "jail": (False, False)}
    if shutil.which("slirp4netns"):
        ways["jail_network"] = (False, True)
    calls = {name: tools_from_source(SOURCE, "bench.py", Limits(network=net), schemas=describe(SOURCE))[0]
             for name, (_, net) in ways.items()}
    samples: dict[str, dict[str, list[float]]] = {name: {"describe": [], "call": []} for name in ways}
    for _ in range(args.calls):
        for name, (unsafe, net) in ways.items():
            jail.configure(unsafe=unsafe)
            samples[name]["describe"].append(timed(lambda: describe(SOURCE, Limits(network=net))))
            samples[name]["call"].append(timed(lambda: calls[name].handler(a=2, b=3)))
    jail.configure(unsafe=False)
    report: dict = {"calls": args.calls, "ways": {name: {what: figures(s) for what, s in got.items()}
                                                  for name, got in samples.items()}}
    child = report["ways"]["child"]["call"]["p50_ms"]
    report["jail_overhead_p50_ms"] = {name: round(report["ways"][name]["call"]["p50_ms"] - child, 2)
                                      for name in ways if name != "child"}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
