"""Load: N concurrent sessions through the JSON API of a real `playground serve`, on the demo model with a
simulated latency. Prints JSON: throughput, the latency each turn added above its model calls (p50/p95/p99),
and errors.

All sessions are open at once: they are created spread over the first second, then each runs `--turns` turns
one after another, each message after a person's pause (`--think-ms`, drawn 0.5x-1.5x: reading the last
answer, typing). `--burst` sends every session's first message the moment it is created instead: fifty
messages within one second, the worst case of a class told "go". The model's
latency per call is drawn from `--latency-ms LOW-HIGH` (or fixed). A turn's added latency is its time as the
client saw it minus the model's simulated latency (each model step records the wait it was given): what the
playground itself costs, LiteLLM, HTTP, threads, queueing for the CPU, database, tracing and tools included.

    python bench/load.py [--sessions 50] [--turns 3] [--latency-ms 1000-3000] [--think-ms 3000]
                         [--db URL] [--servers 1] [--url http://host:port]

Without --url it starts `--servers` server processes on free ports, on one database (a new SQLite file unless
--db says otherwise), sends each session to one of them in turn as a load balancer would, and stops them
afterwards. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ["What is (17*23)+4?", "What's the weather in Lisbon?", "Convert 12 km to miles",
            "What is 2**10 - 24?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, latency_ms: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DEMO_LATENCY_MS": latency_ms}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--db", db], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read()}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not answer /api/health")


async def one_session(client: httpx.AsyncClient, index: int, turns: int, think_ms: float, results: list,
                      errors: list, burst: bool = False) -> None:
    await asyncio.sleep(random.uniform(0, 1))  # people do not all open the page in the same millisecond
    try:
        created = await client.post("/api/sessions", json={"agent": "react",
                                                           "tools": ["calculator", "weather", "convert_units"]})
        created.raise_for_status()
    except httpx.HTTPError as exc:
        errors.append(f"session {index}: {type(exc).__name__}: {exc}")
        return
    headers = {"X-Owner-Token": created.headers["X-Owner-Token"]}
    sid = created.json()["session_id"]
    for turn in range(turns):
        if turn or not burst:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_ms / 1000)
        message = MESSAGES[(index + turn) % len(MESSAGES)]
        started = time.perf_counter()
        try:
            response = await client.post(f"/api/sessions/{sid}/turns", json={"message": message}, headers=headers)
        except httpx.HTTPError as exc:
            errors.append(f"session {index} turn {turn}: {type(exc).__name__}: {exc}")
            continue
        took = (time.perf_counter() - started) * 1000
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or body.get("status") != "done":
            errors.append(f"session {index} turn {turn}: HTTP {response.status_code} "
                          f"{body.get('status')} {body.get('error') or body.get('detail') or response.text[:200]}")
            continue
        model_ms = sum(s["meta"].get("simulated_latency_ms", 0) for s in body["steps"] if s["kind"] == "model")
        results.append({"turn": turn + 1, "turn_ms": took, "model_ms": model_ms, "added_ms": took - model_ms,
                        "model_calls": body["usage"]["model_calls"]})


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a local process (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def steal_seconds() -> float | None:
    """CPU time the hypervisor gave to other machines (Linux): a noisy neighbour shows here."""
    try:
        return int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2)}


async def drive(urls: list[str], sessions: int, turns: int, think_ms: float, burst: bool = False) -> dict:
    results: list[dict] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions + 10, max_keepalive_connections=sessions + 10)
    clients = [httpx.AsyncClient(base_url=url, timeout=300, limits=limits) for url in urls]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(one_session(clients[i % len(clients)], i, turns, think_ms, results, errors, burst)
                               for i in range(sessions)))
        wall = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    return {"wall_s": round(wall, 2), "turns_done": len(results),
            "throughput_turns_per_s": round(len(results) / wall, 2),
            "model_calls_per_turn": round(statistics.fmean(r["model_calls"] for r in results), 2) if results else 0,
            "added_ms": percentiles([r["added_ms"] for r in results]),
            # per turn of a session: with --burst the first turns all come within a second
            "added_ms_by_turn": {str(n): percentiles([r["added_ms"] for r in results if r["turn"] == n])
                                 for n in sorted({r["turn"] for r in results})},
            "turn_ms": percentiles([r["turn_ms"] for r in results]),
            "model_ms_per_turn": percentiles([r["model_ms"] for r in results]),
            "errors": len(errors), "error_samples": errors[:5]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=3, help="turns per session, one after another")
    parser.add_argument("--latency-ms", default="1000-3000",
                        help="the demo model's simulated latency per call: N, or LOW-HIGH drawn uniformly")
    parser.add_argument("--think-ms", type=float, default=3000, help="a person's pause before each message (mean)")
    parser.add_argument("--burst", action="store_true",
                        help="send each session's first message as soon as it is created (no pause before it)")
    parser.add_argument("--db", help="database URL for the servers this starts (default: a new SQLite file)")
    parser.add_argument("--servers", type=int, default=1, help="server processes on the database, round robin")
    parser.add_argument("--url", action="append", help="drive running servers instead of starting them")
    args = parser.parse_args()

    procs: list[subprocess.Popen] = []
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='load-')}/load.db"
    urls = args.url or []
    try:
        for _ in range(0 if urls else args.servers):
            proc, url = start_server(db, args.latency_ms)
            procs.append(proc)
            urls.append(url)
        health = httpx.get(urls[0] + "/api/health", timeout=10).json()
        cpu_before, steal_before = [cpu_seconds(p.pid) for p in procs], steal_seconds()
        report = asyncio.run(drive(urls, args.sessions, args.turns, args.think_ms, args.burst))
        cpu_after, steal_after = [cpu_seconds(p.pid) for p in procs], steal_seconds()
        if procs and None not in cpu_before + cpu_after and report["turns_done"]:
            used = sum(cpu_after) - sum(cpu_before)  # session creation included
            report["server_cpu_ms_per_turn"] = round(used * 1000 / report["turns_done"], 2)
        if steal_before is not None and steal_after is not None:
            report["machine_steal_s"] = round(steal_after - steal_before, 2)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    report = {"sessions": args.sessions, "turns_per_session": args.turns, "model_latency_ms": args.latency_ms,
              "think_ms": args.think_ms, "burst": args.burst, "servers": len(urls), "database": health.get("database"), **report}
    print(json.dumps(report, indent=2))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
