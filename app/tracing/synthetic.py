"""A synthetic session of any size, as an export document (`app.tracing.export`): what the scale benchmark and
the tests of big traces import. Each turn asks for a city's weather, the model calls the tool, reads the
result and answers; every tenth turn first asks the person which city (a clarification)."""

from __future__ import annotations

import uuid
from typing import Any

from app.tracing.export import FORMAT, VERSION

CITIES = ("Paris", "Rome", "Oslo", "Lima", "Kyoto", "Quito", "Accra", "Perth")


def session_document(steps: int, per_turn: int = 10, marker: str | None = None) -> dict[str, Any]:
    """An export document with `steps` steps in turns of about `per_turn`; with `marker`, the middle tool call's
    argument is that text (a needle to search for)."""
    runs, rows, questions = [], [], []
    t = 1_700_000_000.0
    seq = 0
    turn = 0
    while seq < steps:
        turn += 1
        run_id = uuid.uuid4().hex
        city = CITIES[turn % len(CITIES)]
        started = t
        if turn % 10 == 0:
            questions.append({"id": uuid.uuid4().hex, "run_id": run_id, "kind": "missing_argument",
                              "question": "Which city?", "options": list(CITIES[:3]), "tool": "weather",
                              "field": "city", "reason": "no city in the request", "detected_by": "schema",
                              "answer": city, "asked_at": t, "answered_at": t + 4.0})
        for i in range(min(per_turn, steps - seq)):
            seq += 1
            kind = ("model", "tool")[i % 2]
            name = "weather" if kind == "tool" else "agent"
            argument = marker if marker and seq == steps // 2 else city
            rows.append({"id": uuid.uuid4().hex, "run_id": run_id, "seq": seq, "node": "tools" if kind == "tool"
                         else "agent", "kind": kind, "name": name, "status": "ok", "started_at": t,
                         "ended_at": t + 0.05, "input": {"city": argument} if kind == "tool" else
                         {"messages": [{"role": "user", "content": f"Weather in {city}?"}]},
                         "output": {"city": argument, "temp_c": 18} if kind == "tool" else
                         {"content": f"In {city} it is 18 °C.", "tool_calls": []},
                         "prompt_tokens": 40 if kind == "model" else 0,
                         "completion_tokens": 12 if kind == "model" else 0, "cost": 0.0, "meta": {}})
            t += 0.06
        runs.append({"id": run_id, "seq": turn, "user_message": f"Weather in {city}?", "status": "done",
                     "final_answer": f"In {city} it is 18 °C.", "started_at": started, "ended_at": t})
        t += 1.0
    return {"format": FORMAT, "version": VERSION, "exported_at": t,
            "session": {"agent": "react", "model": "demo/offline", "tools": ["weather"], "settings": {},
                        "title": f"{steps} steps", "status": "done"},
            "runs": runs, "steps": rows, "clarifications": questions}
