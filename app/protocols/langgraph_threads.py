"""The LangGraph API's threads and runs over playground sessions (see app.protocols.langgraph_api): a thread is a
session of the caller; its state is the graph's checkpoint; a run is one turn (a message, or the answer to the
question the thread waits on), streamed as the modes asked for (app.protocols.langgraph_stream)."""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any, Iterator

from fastapi import HTTPException

from app import agents
from app.protocols import reach
from app.protocols.langgraph_stream import MODES, RunStream, interrupt_of, lc, now_iso, state_json
from app.runner import Runner, TurnError
from storage import NotFound, repo

VIA = "langgraph"
THREAD_STATUS = {"idle": "idle", "running": "busy", "needs_clarification": "interrupted", "done": "idle",
                 "error": "error"}
MAX_RUNS = 2000  # run records kept in memory per process, oldest dropped first


class RunRecord:
    def __init__(self, thread_id: str, assistant_id: str, metadata: dict[str, Any]):
        self.run_id, self.thread_id, self.assistant_id = str(uuid.uuid4()), thread_id, assistant_id
        self.metadata = metadata
        self.status = "pending"
        self.created_at = self.updated_at = now_iso()
        self.done = threading.Event()
        self.values: Any = None
        self.modes: list[str] = ["values"]
        self.cancelled = False

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "thread_id": self.thread_id, "assistant_id": self.assistant_id,
                "created_at": self.created_at, "updated_at": self.updated_at, "status": self.status,
                "metadata": self.metadata, "multitask_strategy": "reject", "kwargs": {}}


def fail(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def assistant(name: str) -> dict[str, Any]:
    spec = agents.AGENTS.get(name)
    if spec is None or spec.harness:
        raise fail(404, f"no assistant {name!r}; assistants: {', '.join(reach.public_agents())}")
    return {"assistant_id": name, "graph_id": name, "name": name, "description": spec.description,
            "config": {}, "context": {}, "metadata": {"source": spec.source, "paper": spec.paper}, "version": 1,
            "created_at": now_iso(0), "updated_at": now_iso(0)}



class Threads:
    """What the routes share: the runner, and this process's run records."""

    def __init__(self, runner: Runner):
        self.runner = runner
        self.runs: dict[str, RunRecord] = {}

    def session_of(self, thread_id: str, owner: str):
        try:
            return repo.get_session(self.runner.db, thread_id, owner)
        except NotFound:
            raise fail(404, f"no thread {thread_id!r}") from None


    def config(self, thread_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
        configurable = {"thread_id": thread_id, "checkpoint_ns": ""}
        if checkpoint_id:
            configurable["checkpoint_id"] = checkpoint_id
        return {"configurable": configurable}


    def point(self, cfg: dict[str, Any] | None) -> dict[str, Any] | None:
        if not cfg:
            return None
        c = cfg["configurable"]
        return {"thread_id": c["thread_id"], "checkpoint_ns": c.get("checkpoint_ns", ""),
                "checkpoint_id": c.get("checkpoint_id"), "checkpoint_map": {}}


    def state_dict(self, session, snapshot) -> dict[str, Any]:
        tasks = [{"id": t.id, "name": t.name, "error": None if t.error is None else str(t.error),
                  "interrupts": [{"value": lc(i.value), "id": i.id} for i in t.interrupts or ()],
                  "checkpoint": None, "state": None, "result": lc(getattr(t, "result", None))}
                 for t in snapshot.tasks or ()]
        return {"values": state_json(snapshot.values or {}), "next": list(snapshot.next or ()),
                "checkpoint": self.point(snapshot.config) or self.point(self.config(session.id)),
                "metadata": lc(dict(snapshot.metadata or {})), "created_at": snapshot.created_at,
                "parent_checkpoint": self.point(snapshot.parent_config), "tasks": tasks,
                "interrupts": [i for t in tasks for i in t["interrupts"]]}


    def values_of(self, session) -> Any:
        if (session.settings or {}).get("read_only"):
            return {}
        return state_json(self.runner.graph_for(session).get_state(self.config(session.id)).values or {})


    def thread(self, session, with_values: bool = False) -> dict[str, Any]:
        meta = {**((session.settings or {}).get("thread_metadata") or {}), "graph_id": session.agent,
                "assistant_id": session.agent}
        pending = self.runner.pending_question(session.id) if session.status == "needs_clarification" else None
        return {"thread_id": session.id, "created_at": now_iso(session.created_at),
                "updated_at": now_iso(session.updated_at), "metadata": meta,
                "status": THREAD_STATUS.get(session.status, "idle"),
                "values": self.values_of(session) if with_values else {},
                "interrupts": {} if pending is None else {pending.id: [interrupt_of(pending)]}}


    def new_thread(self, owner: str, agent: str, thread_id: str | None, slot: Any = None,
                   metadata: dict[str, Any] | None = None):
        try:
            session = reach.open_session(self.runner, agent, owner, VIA, slot, session_id=thread_id)
        except reach.CallError as exc:
            raise fail(409 if "already exists" in str(exc) else 422, reach.said(exc)) from None
        if metadata:
            settings = {**session.settings, "thread_metadata": lc(metadata)}
            session = repo.update_session(self.runner.db, session.id, settings=settings)
        return session


    def prepare(self, thread_id: str | None, body: dict, owner: str) -> tuple[Any, str | None, str | None, RunRecord]:
        """The run's session (its thread, made when asked), its message or answer, and its record."""
        name = body.get("assistant_id")
        if not isinstance(name, str) or not name:
            raise fail(422, "assistant_id is required: an agent's name (GET /langgraph/assistants/search)")
        assistant(name)
        modes = body.get("stream_mode") or ["values"]
        modes = [modes] if isinstance(modes, str) else list(modes)
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise fail(422, f"stream_mode {unknown[0]!r} is not served here; served: {', '.join(MODES)}")
        slot = {**((body.get("config") or {}).get("configurable") or {}), **(body.get("context") or {})}
        slot = {k: v for k, v in slot.items() if k in reach.SLOT_KEYS or not k.startswith(("thread_", "checkpoint_"))}
        session = None
        if thread_id is not None:
            try:
                session = repo.get_session(self.runner.db, thread_id, owner)
            except NotFound:
                if body.get("if_not_exists") != "create":
                    raise fail(404, f"no thread {thread_id!r} (create it, or send if_not_exists: create)") from None
        if session is not None and session.agent != name:
            if repo.latest_run(self.runner.db, session.id) is not None:
                raise fail(409, f"thread {thread_id} is {session.agent}'s; start a new thread for {name}")
            metadata = (session.settings or {}).get("thread_metadata")
            repo.delete_session(self.runner.db, session.id)  # made empty by threads.create: made again for this agent
            session = self.new_thread(owner, name, thread_id, slot, metadata)
        elif session is None:
            session = self.new_thread(owner, name, thread_id, slot, body.get("metadata"))
        message, answer = self.turn_input(session, body)
        record = RunRecord(session.id, name, lc(body.get("metadata") or {}))
        record.modes = modes
        self.runs[record.run_id] = record
        while len(self.runs) > MAX_RUNS:
            self.runs.pop(next(iter(self.runs)))
        return session, message, answer, record


    def turn_input(self, session, body: dict) -> tuple[str | None, str | None]:
        command, given = body.get("command"), body.get("input")
        if command:
            extra = [k for k, v in command.items() if k != "resume" and v not in (None, [], {}, "")]
            if extra or "resume" not in command:
                raise fail(422, f"command {extra[0] if extra else '{}'!r} is not served here: send "
                                 "command={'resume': answer}")
            resume = command["resume"]
            pending = self.runner.pending_question(session.id)
            if isinstance(resume, dict) and pending is not None and pending.id in resume:
                resume = resume[pending.id]  # a resume map: interrupt id -> answer
            return None, reach.answer_text(resume)
        if given is None:
            raise fail(422, "send input (for a chat agent, {'messages': [{'role': 'user', 'content': ...}]}) "
                             "or command={'resume': answer}")
        io = agents.get_agent(session.agent).io
        if io is not None and not io.messages:
            import json

            return (json.dumps(given) if isinstance(given, dict) else str(given)), None
        text = given if isinstance(given, str) else reach.last_user_text((given or {}).get("messages"))
        if text is None:
            raise fail(422, "input.messages has no user message to send")
        return text, None


    def execute(self, session, message, answer, record: RunRecord, owner: str) -> Iterator[tuple[str, Any]]:
        """The run, as (event, data) parts; the record follows its status."""
        stream = RunStream(record.run_id, session.id, record.modes)
        events = reach.run(self.runner, session.id, owner, message=message, answer=answer,
                            deltas=bool({"messages", "messages-tuple", "events"} & set(record.modes)))
        try:
            first = next(events)
        except TurnError as exc:
            record.status, record.updated_at = "error", now_iso()
            record.done.set()
            raise fail(409 if "already running" in str(exc) else 422, reach.said(exc)) from None
        record.status = "running"

        def parts() -> Iterator[tuple[str, Any]]:
            result = None
            try:
                for event in itertools.chain([first], events):
                    if event.type == "done":
                        result = event.result
                    yield from stream.parts(event)
                if result is not None and result.error:
                    yield "error", {"error": "RunError", "message": reach.said(result.error)}
                ended = repo.get_session(self.runner.db, session.id)
                record.values = self.values_of(ended)
                yield from stream.ended(record.values, result.clarification if result else None)
                record.status = ("error" if result is None or result.status == "error" else
                                 "interrupted" if result.status == "needs_clarification" else "success")
                if record.cancelled:
                    record.status = "interrupted"
            except Exception as exc:  # noqa: BLE001  (a failure the turn did not catch: the run's error event)
                record.status = "error"
                yield "error", {"error": type(exc).__name__, "message": reach.said(exc)}
            finally:
                record.updated_at = now_iso()
                record.done.set()

        return parts()


    def final(self, record: RunRecord) -> Any:
        values = record.values if isinstance(record.values, dict) else {}
        pending = self.runner.pending_question(record.thread_id) if record.status == "interrupted" else None
        return {**values, "__interrupt__": [interrupt_of(pending)]} if pending is not None else values

