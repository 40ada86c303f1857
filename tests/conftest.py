"""Shared fixtures: a real SQLite file per test, the real `playground` CLI as a process, a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = [sys.executable, "-m", "app.cli"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'playground.db'}"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "PLAYGROUND_DATABASE_URL"}
    env.update(extra)
    return env


class Cli:
    def __init__(self, db_url: str):
        self.db_url = db_url

    def __call__(self, *args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run([*PLAYGROUND, *args, "--db", self.db_url], capture_output=True, text=True,
                              cwd=ROOT, env=env or clean_env(), timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"playground {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    def json(self, *args: str, **kw) -> dict:
        proc = self(*args, "--json", check=True, **kw)
        return json.loads(proc.stdout)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_url: str, *extra: str, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*PLAYGROUND, "serve", "--port", str(self.port), "--db", db_url, *extra],
            cwd=ROOT, env=env or clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stdout.read()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not answer /api/health")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('srv') / 'server.db'}"
    s = Server(db)
    s.db_url = db
    yield s
    s.stop()
