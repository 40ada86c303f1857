"""The recorder: turns a run's stream into stored steps, each written the moment it finishes, or deferred: the
many small steps callbacks make of an opened graph are written together, at most FLUSH_S after they end (one
insert instead of one per step; bench/projects.py), and all of them before the turn ends.

It numbers steps within the session, redacts secrets, and inserts. Steps arrive stamped with the checkpoint
their node started from (the point to fork from in time travel).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from app.config import secret_values
from app.tracing.redact import REDACTED, redact, redact_json
from app.tracing.steps import Step
from storage import repo
from storage.engine import Database

FLUSH_S = 0.25  # the longest a deferred step waits to be written (a crash may lose that much of a run)


class Recorder:
    def __init__(self, db: Database, session_id: str, run_id: str, seq: int, resumed: bool = False):
        """`seq`: the number of the run's first step (the session's next, from repo.begin_turn)."""
        self.db = db
        self.resumed = resumed
        self._writer = repo.StepWriter(db)
        self.session_id = session_id
        self.run_id = run_id
        self.seq = seq
        self.steps: list[Step] = []
        self._secrets = secret_values()
        self._lock = threading.Lock()  # a run's parallel nodes may store steps at once
        self._deferred: list[dict[str, Any]] = []  # rows numbered and redacted, written by a flush()
        self._flushed = time.monotonic()
        self._timer: threading.Timer | None = None
        self.listener = None  # called with each stored (redacted) step: the live OpenTelemetry export

    def record(self, s: Step, defer: bool = False) -> Step:
        """Store `s` (redacted, numbered) now, or with `defer` by a later `flush()`."""
        # Patterns (bearer tokens, sk-...) apply even when no secret is set in this environment.
        # Inputs and outputs are serialised once here; the database stores that text as is.
        stored_input = redact_json(s.input, self._secrets)
        stored_output = redact_json(s.output, self._secrets)
        if stored_input.find(REDACTED) >= 0:
            s.input = json.loads(stored_input)
        if stored_output.find(REDACTED) >= 0:
            s.output = json.loads(stored_output)
        s.error = redact(s.error, self._secrets)
        s.meta = redact(s.meta, self._secrets)  # provenance excerpts quote the conversation
        s.session_id, s.run_id = self.session_id, self.run_id
        row = {**s.row(), "input": stored_input, "output": stored_output}
        with self._lock:
            row["seq"] = s.seq = self.seq
            if defer:
                self._deferred.append(row)
                if self._timer is None:  # written within FLUSH_S even if nothing else comes (a long tool call)
                    self._timer = threading.Timer(FLUSH_S, self.flush)
                    self._timer.daemon = True
                    self._timer.start()
            else:
                self._writer.add([row])
            self.seq += 1
            self.steps.append(s)
        if self.listener is not None:
            self.listener(s)
        return s

    def flush(self, force: bool = True) -> None:
        """Write the deferred steps in one insert; unless `force`, only if FLUSH_S has passed since the last."""
        with self._lock:
            if not self._deferred or (not force and time.monotonic() - self._flushed < FLUSH_S):
                return
            rows, self._deferred = self._deferred, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._writer.add(rows)
            self._flushed = time.monotonic()

    def stored(self, s: Step) -> dict[str, Any]:
        """The step as the database holds it (the same dict `playground trace` returns)."""
        return s.to_dict()
