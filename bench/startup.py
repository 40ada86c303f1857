"""How long commands take to answer, and `serve` to be healthy and to serve its page. Prints JSON.

    python bench/startup.py [--repeat 3]

Each CLI command runs as a person runs it (a new process, on a SQLite database holding one session); the figure
is the median wall time. `serve` is timed from launch to its first 200 on /api/health, then to the UI page and
its Gradio config. The machine's load changes these: compare runs made one after another.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = [sys.executable, "-m", "app.cli"]


def timed(args: list[str], db: str) -> float:
    started = time.perf_counter()
    subprocess.run([*PLAYGROUND, *args, "--db", db], cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str) -> dict[str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([*PLAYGROUND, "serve", "--port", str(port), "--db", db], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read())
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        healthy = time.perf_counter() - started
        page = httpx.get(url + "/", timeout=30)
        config = httpx.get(url + "/config", timeout=30)
        assert page.status_code == 200 and config.status_code == 200
        return {"serve_healthy_s": round(healthy, 2), "serve_page_and_config_s": round(time.perf_counter() - started, 2)}
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='startup-')) / 'bench.db'}"
    made = subprocess.run([*PLAYGROUND, "run", "What is 2+2?", "--json", "--db", db], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    session = json.loads(made.stdout)["session_id"]
    commands = {"--help": ["--help"], "models list": ["models", "list"], "tools list": ["tools", "list"],
                "agents list": ["agents", "list"], "trace": ["trace", session], "trace --json": ["trace", session, "--json"],
                "share --preview": ["share", session, "--preview"], "export": ["export", session],
                "run (demo model)": ["run", "What is 2+2?"]}
    figures: dict[str, float] = {}
    for name, command in commands.items():
        figures[name] = round(statistics.median(timed(command, db) for _ in range(args.repeat)), 3)
    print(json.dumps({"cli_median_s": figures, **serve(db)}, indent=2))


if __name__ == "__main__":
    main()
