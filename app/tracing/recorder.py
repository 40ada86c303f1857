"""The recorder: turns a run's stream into stored steps, each written the moment it finishes.

It follows the `checkpoints` stream to stamp every step with the checkpoint its node started from (the
point to fork from in time travel), numbers steps within the session, redacts secrets, and inserts.
"""

from __future__ import annotations

from typing import Any

from app.config import secret_values
from app.tracing.redact import redact
from app.tracing.steps import Step
from storage import repo
from storage.engine import Database


class Recorder:
    def __init__(self, db: Database, session_id: str, run_id: str):
        self.db = db
        self.session_id = session_id
        self.run_id = run_id
        self.seq = repo.next_step_seq(db, session_id)
        self.checkpoint_id: str | None = None
        self.steps: list[Step] = []
        self._secrets = secret_values()

    def on_checkpoint(self, chunk: dict[str, Any]) -> None:
        self.checkpoint_id = chunk["config"]["configurable"].get("checkpoint_id")

    def record(self, s: Step) -> Step:
        s.checkpoint_id = s.checkpoint_id or self.checkpoint_id
        # Patterns (bearer tokens, sk-...) apply even when no secret is set in this environment.
        s.input = redact(s.input, self._secrets)
        s.output = redact(s.output, self._secrets)
        s.error = redact(s.error, self._secrets)
        repo.add_step(self.db, {
            "id": s.id, "session_id": self.session_id, "run_id": self.run_id, "seq": self.seq,
            "parent_id": s.parent_id, "node": s.node, "kind": s.kind, "name": s.name, "status": s.status,
            "started_at": s.started_at, "ended_at": s.ended_at, "input": s.input, "output": s.output,
            "error": s.error, "prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens,
            "cost": s.cost, "checkpoint_id": s.checkpoint_id, "meta": s.meta,
        })
        self.seq += 1
        self.steps.append(s)
        return s
