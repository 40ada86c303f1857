"""The turn engine: runs one turn of a session, streaming steps as they happen.

A turn is a user message (a new run) or the answer to the pending clarification (the same run resumed with
`Command(resume=answer)`). The graph is compiled with a checkpointer on the same database, keyed by the
session id, so a pending question survives a restart. Every step is stored the moment it ends; a model or
tool failure becomes an error step and an `error` status, never a lost session. One turn per session at a
time, across processes (`storage.locks`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from langgraph.types import Command

from app import agents
from app.agents.base import final_answer
from app.agents.schema import InputError, answer_of, last_word
from app.clarify import interrupts as asked
from app.clarify.request import ClarificationRequest
from app.config import Settings
from app.errors import TurnError
from app.llm import gateway
from app.opened_runs import OpenedRun
from app.retries import retry_point
from app.tracing import otel
from app.tracing.recorder import Recorder
from app.tracing.messages import message_dicts, node_step as _node_step
from app.tracing.redact import redact_text
from app.tracing.steps import CLARIFICATION_ID, STEP_SINK, STOP_CHECK, Step, StepKind, StepStatus, step_dict, usage_of
from storage import repo
from storage.engine import Database
from storage.locks import SessionLocks
from storage.models import SessionRow

if TYPE_CHECKING:
    from app.catalog import ToolCatalog
    from app.graphs import Graphs
    from app.retrieval import ToolRetrieval


STOPPED = "stopped on request after its last finished step, which is kept; Retry goes on from there"
STOP_POLL_S = 1.0  # how often a running turn looks for a stop asked through another process
INTERRUPTED = ("the server stopped during this run; the steps it finished are kept. Retry to go on from the "
               "last of them, or send a new message")


class RunStopped(Exception):
    """A person asked the running turn to stop (Turns.stop)."""


@dataclass
class Event:
    type: str  # step | delta | status | done
    step: Step | None = None
    text: str = ""
    result: "TurnResult | None" = None


@dataclass
class TurnResult:
    session_id: str
    run_id: str
    status: str  # done | needs_clarification | error
    final_answer: str | None = None
    clarification: ClarificationRequest | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id, "run_id": self.run_id, "status": self.status,
            "final_answer": self.final_answer,
            "clarification": None if self.clarification is None else self.clarification.to_dict(), "steps": self.steps,
            "usage": self.usage, "error": self.error,
        }


def _in_order(answers: Iterable[str]) -> Callable[[Any], str | None]:
    queue = iter(list(answers))
    return lambda _question: next(queue, None)


def _drain(events: list[Event], recorder: Recorder) -> Iterator[Event]:
    recorder.flush(force=False)  # the deferred steps (written every FLUSH_S, and all before the turn ends)
    while events:
        yield events.pop(0)


class Turns:
    def __init__(self, db: Database, settings: Settings, catalog: "ToolCatalog", graphs: "Graphs",
                 retrieval: "ToolRetrieval", locks: SessionLocks | None = None):
        self.db = db
        self.settings = settings
        self.catalog = catalog
        self.graphs = graphs
        self.retrieval = retrieval
        self.locks = locks or SessionLocks(db)  # one turn per session, across processes
        self._stops: dict[str, threading.Event] = {}  # the running turns of this process, by session
        # each running turn: when it started and when it last looked for a stop asked through another process
        self._stop_checked: dict[str, tuple[float, float]] = {}

    def running(self) -> int:
        """How many turns this process is running now."""
        return len(self._stops)

    def stop(self, session_id: str) -> bool:
        """Ask the session's running turn to stop after the step it is in; False if none is running. A turn of
        this process is told at once; one running in another process on the database (behind a load balancer)
        reads the request between its steps. The run ends as an error that can be retried, its steps kept."""
        event = self._stops.get(session_id)
        if event is not None:
            event.set()
            return True
        last = repo.latest_run(self.db, session_id)
        if last is None or last.status != "running":  # (no lock is taken to look: see storage.locks)
            return False
        repo.request_stop(self.db, session_id)  # its turn runs in another process
        return True

    def turn(self, session_id: str, message: str | None = None, answer: str | None = None,
             owner: str | None = None, on_event: Callable[[Event], None] | None = None,
             retry: bool = False) -> TurnResult:
        result: TurnResult | None = None
        deltas = on_event is not None
        for event in self.stream(session_id, message=message, answer=answer, owner=owner, deltas=deltas,
                                 retry=retry):
            if on_event:
                on_event(event)
            if event.type == "done":
                result = event.result
        assert result is not None
        return result

    def play(self, session_id: str, message: str | None = None,
             answers: Iterable[str] | Callable[[ClarificationRequest], str | None] = (), owner: str | None = None,
             max_rounds: int | None = None) -> TurnResult:
        """A scripted conversation: `message` (or, without one, the first answer to the pending question), then
        each question the agent asks answered in order, until it stops asking, the answers run out (a function
        of the question returns None) or `max_rounds` questions were answered. The last turn's result: a question
        no answer was left for is still pending. The CLI's `--answer`s, teaching scenarios and benchmark items'
        simulated users all play through here."""
        reply = answers if callable(answers) else _in_order(answers)
        if message is None:
            first = reply(self.pending_question(session_id))
            if first is None:
                raise TurnError("nothing to send: give a message or an answer")
            result = self.turn(session_id, answer=first, owner=owner)
        else:
            result = self.turn(session_id, message=message, owner=owner)
        rounds = 0
        while result.status == "needs_clarification" and (max_rounds is None or rounds < max_rounds):
            text = reply(result.clarification)
            if text is None:
                break
            rounds += 1
            result = self.turn(session_id, answer=text, owner=owner)
        return result

    def stream(self, session_id: str, message: str | None = None, answer: str | None = None,
               owner: str | None = None, deltas: bool = True, proceed: str | None = None,
               retry: bool = False) -> Iterator[Event]:
        """Run one turn, yielding each step as it is stored (and answer text as it streams, with `deltas`).
        `proceed` (a run id) goes on with that run from the thread's current checkpoint (a time-travel branch
        after its edit); `retry` does that for the session's last run if it failed (a model that gave up, a
        server killed mid-run)."""
        if not self.locks.acquire(session_id):
            repo.get_session(self.db, session_id, owner)  # another owner's session is not found, busy or not
            raise TurnError(f"session {session_id} is already running a turn (here or on another server "
                            "process); wait for it to finish")
        stop = self._stops[session_id] = threading.Event()
        self._stop_checked[session_id] = (time.time(), 0.0)  # (turn started, last looked)
        try:
            # One read for the session, its runs left running and its pending question (bench/load.py).
            start = repo.session_for_turn(self.db, session_id, owner)
            self.catalog.load_version(start.tools_version)  # tools added by another process on this database
            if start.running:  # while we hold its lock: cut off by a process that died (kill -9, a crash, a lost
                # machine); they end as errors that can be retried, and their steps stay
                repo.end_orphaned_runs(self.db, session_id, INTERRUPTED)
            if retry:
                proceed = retry_point(self.db, self.graphs, self.retrieval, start.session)
            for event in self._stream(start, message, answer, deltas, proceed, stop):
                if event.type == "done":
                    done = event
                    break
                yield event
        finally:
            self._stops.pop(session_id, None)
            self._stop_checked.pop(session_id, None)
            self.locks.release(session_id)
        yield done  # once the session is free: an answer the moment the question shows is not refused as busy

    def _stream(self, start: repo.TurnStart, message: str | None, answer: str | None, deltas: bool,
                proceed: str | None = None, stop: threading.Event | None = None) -> Iterator[Event]:
        session, pending = start.session, start.pending
        spec = agents.get_agent(session.agent)
        if (session.settings or {}).get("read_only"):
            raise TurnError("this session is an imported trace and is read-only; start a new session to chat")
        if answer is None and pending is not None and message is not None:
            answer, message = message, None  # a message while a question is pending answers it
        if proceed is not None:
            run_id, graph_input = proceed, None
        elif answer is not None:
            if pending is None:
                raise TurnError("this session has no pending question to answer; send a message instead")
            if not answer.strip():
                raise TurnError("the answer is empty")
            pending = repo.answer_clarification(self.db, pending.id, redact_text(answer))
            run_id = pending.run_id
            graph_input: Any = Command(resume=answer)
        else:
            if message is None or not message.strip():
                raise TurnError("the message is empty")
            run_id, graph_input = None, {"messages": [{"role": "user", "content": message}]}
            if spec.io is not None:  # an opened project's graph: its own input schema
                try:
                    graph_input = spec.io.graph_input(message)
                except InputError as exc:
                    raise TurnError(f"{spec.name}: {exc}") from None
        # What a person typed is stored redacted (a pasted key, the server's own key): a title, a run's message.
        # The checkpoint keeps it as typed, since the model must see it.
        title = None if session.title or message is None else redact_text(" ".join(message.split()))[:80]
        run_id, seq = repo.begin_turn(self.db, session.id, message=None if message is None else redact_text(message),
                                      run_id=run_id, title=title, start=start)
        recorder = Recorder(self.db, session.id, run_id, seq, resumed=answer is not None or proceed is not None)
        exported = otel.live()  # with OTEL_EXPORTER_OTLP_ENDPOINT set: this turn's spans, sent as they end
        span = exported.turn(session, run_id, None if message is None else redact_text(message),
                             resumed=recorder.resumed) if exported else None
        if span is not None:
            recorder.listener = span.step
        if answer is not None:
            yield Event("step", step=recorder.record(self._answered_step(session, pending)))
        config = {"configurable": {"thread_id": session.id, "stream_deltas": deltas}, "recursion_limit": 200}
        if stop is not None:  # a model that writes token by token (the local one) stops at Stop, not after
            config["configurable"][STOP_CHECK] = lambda: self._stopping(session.id, stop)
        error: str | None = None
        graph = None
        stored: list[Event] = []  # steps stored outside the stream (a node's own, the callbacks'), to pass on
        opened = OpenedRun(spec, session, config, recorder, lambda s: stored.append(Event("step", step=s)),
                           self.settings)
        final: dict[str, Any] | None = None  # the state after the last step (and a question, if one is asked)
        try:
            if message is not None and proceed is None:
                offered, retrieval = self.retrieval.offer(session, message)
                if retrieval is not None:
                    yield Event("step", step=recorder.record(retrieval))
            else:  # a resumed run keeps the tools its turn was offered
                offered = self.retrieval.offered_in_run(session.id, run_id)
            graph = self.graphs.graph_for(session, offered)
            # A bring-your-own graph may not record its own steps: its node updates become `node` steps.
            node_steps = spec.source != "built-in" and not opened.traced
            if spec.source != "built-in" and answer is not None and pending is not None:
                graph_input = asked.resume_input(graph, session.id, pending, answer)
            stepped: set[str] = set()
            if deltas:  # steps and answer deltas on the custom stream, read while a node runs
                modes = ["custom", "updates"] if node_steps else ["custom"]
            else:
                # No deltas to pass on while a node runs: each step is stored by the node as it ends, and
                # LangGraph runs a lone node in this thread instead of handing it and a stream waiter to its
                # pool (bench/load.py: thread handoffs were a tenth of a turn's CPU under load).
                def store(s: Step) -> None:
                    stepped.add(s.node)
                    stored.append(Event("step", step=recorder.record(s)))

                config["configurable"][STEP_SINK] = store
                modes = [] if opened.traced else ["updates"]  # an opened graph's callbacks make its steps
            modes.append("values")  # the end state, so that _finish need not read the checkpoint back
            last = time.time()
            # SQLite: durability="sync", each checkpoint written before the next step starts. The default
            # ("async") writes it from a background thread on the saver's own connection, and our step inserts
            # then wait in SQLite's busy handler (measured: 2.7 ms an insert instead of 0.2). PostgreSQL locks
            # rows, not the file: "async" takes a round trip per step off the turn's path (the write overlaps
            # the next model call; bench/load.py p95 42-43 ms instead of 49-50). An opened graph's steps are
            # written deferred (a few inserts a turn), so "async" there too (bench/projects.py). Every write is
            # done before the stream ends either way; a process killed mid-run may lose its last checkpoint,
            # and a retry then goes on from the one before.
            durability = "async" if self.db.is_postgres or opened.traced else "sync"
            chunks = opened.stream(graph, graph_input, config, stream_mode=modes, durability=durability)
            for mode, chunk in chunks:
                yield from _drain(stored, recorder)
                if mode == "values":
                    final = chunk
                    if stop is not None and self._stopping(session.id, stop):
                        chunks.close()  # a superstep ended and is checkpointed: stop here, unless it was the last
                        if graph.get_state(config).next:  # (a Stop during the last step: the run is done)
                            raise RunStopped(STOPPED)
                        break
                elif mode == "updates":
                    if node_steps:
                        for node, update in (chunk or {}).items():
                            if node not in stepped and not node.startswith("__"):
                                yield Event("step", step=recorder.record(_node_step(node, update, last)))
                    stepped.clear()
                    last = time.time()
                elif chunk.get("type") == "step":
                    stepped.add(chunk["step"].node)
                    yield Event("step", step=recorder.record(chunk["step"]))
                elif chunk.get("type") == "delta":
                    yield Event("delta", text=chunk["text"])
                elif chunk.get("type") == "status":  # what a step is waiting on (the local model loading)
                    yield Event("status", text=chunk["text"])
            yield from _drain(stored, recorder)
        except Exception as exc:  # the run ends; the session and its finished steps stay
            yield from _drain(stored, recorder)
            if stop is not None and stop.is_set() and not isinstance(exc, RunStopped):
                exc = RunStopped(STOPPED)  # the model call was cut off at Stop: its step says so
            error = str(exc) if isinstance(exc, (gateway.ModelError, RunStopped)) else f"{type(exc).__name__}: {exc}"
            if not recorder.steps or recorder.steps[-1].status != "error" or isinstance(exc, RunStopped):
                failed = Step(kind=StepKind.ERROR, node="runner", status=StepStatus.ERROR, error=error,
                              name="run stopped" if isinstance(exc, RunStopped) else "run failed")
                yield Event("step", step=recorder.record(failed.end(failed.started_at)))
        finally:
            opened.close()
        try:
            result = self._finish(session, run_id, recorder, graph, config, error, final)
        except Exception as exc:
            if span is not None:
                span.end("error", redact_text(f"{type(exc).__name__}: {exc}"))
            raise
        if span is not None:
            span.end(result.status, None if result.error is None else redact_text(result.error),
                     None if result.final_answer is None else redact_text(result.final_answer), result.clarification)
        yield Event("done", result=result)

    def _stopping(self, session_id: str, stop: threading.Event) -> bool:
        """Whether the turn was asked to stop, here or through another process (then remembered in `stop`)."""
        if not stop.is_set() and self._asked_elsewhere(session_id):
            stop.set()
        return stop.is_set()

    def _asked_elsewhere(self, session_id: str) -> bool:
        """A stop asked through another process (read at most once a second: a superstep costs no query)."""
        started, looked = self._stop_checked.get(session_id, (time.time(), 0.0))
        now = time.monotonic()
        if now - looked < STOP_POLL_S:
            return False
        self._stop_checked[session_id] = (started, now)
        return repo.take_stop_request(self.db, session_id, since=started)  # not one asked of an earlier turn

    def _finish(self, session: SessionRow, run_id: str, recorder: Recorder, graph, config: dict,
                error: str | None, final: dict[str, Any] | None = None) -> TurnResult:
        clarification = None
        answer = None
        if error is not None:
            status = "error"
        else:
            if final is None:  # the run streamed no state: read it from the checkpoint
                snapshot = graph.get_state(config)
                final = {**snapshot.values, "__interrupt__": snapshot.interrupts}
            spec = agents.get_agent(session.agent)
            waiting = asked.waiting(graph, config, final.get("__interrupt__") or (), spec.source != "built-in")
            if waiting is not None:
                status = "needs_clarification"
                clarification = self._store_question(session, run_id, waiting)
            else:
                status = "done"
                chat = "messages" in final or spec.io is None  # else its output state is the answer
                answer = final_answer(message_dicts(final.get("messages", []))) if chat else answer_of(final, spec.io)
                if answer is None and spec.io is not None:  # an opened graph whose last message is no reply
                    answer = last_word(final, spec.io)
        repo.end_turn(self.db, session.id, run_id, status, final_answer=None if answer is None else redact_text(answer),
                      error=None if error is None else redact_text(error))
        if recorder.resumed:  # a resumed run: its steps from before the question are in the database
            steps = [step_dict(r) for r in repo.steps_for_session(self.db, session.id, run_id=run_id)]
        else:
            steps = [recorder.stored(s) for s in recorder.steps]
        return TurnResult(session_id=session.id, run_id=run_id, status=status, final_answer=answer,
                          clarification=clarification, steps=steps, usage=usage_of(steps), error=error)

    def _answered_step(self, session: SessionRow, row) -> Step:
        """The question and its answer as one step, timed from asking to answering."""
        request = ClarificationRequest.from_row(row).to_dict()
        del request["answer"]
        state = self.graphs.graph_for(session).get_state({"configurable": {"thread_id": session.id}})
        node = state.tasks[0].name if state and state.tasks else "ask"
        return Step(kind=StepKind.CLARIFICATION, node=node, name=row.kind, input=request, output=row.answer,
                    started_at=row.asked_at, checkpoint_id=state.config["configurable"].get("checkpoint_id"),
                    meta={CLARIFICATION_ID: row.id}).end(row.answered_at)

    def _store_question(self, session: SessionRow, run_id: str, request: ClarificationRequest) -> ClarificationRequest:
        request = request.redacted(redact_text)
        row = repo.add_clarification(self.db, session_id=session.id, run_id=run_id, **request.to_dict())
        return ClarificationRequest.from_row(row)

    def pending_question(self, session_id: str) -> ClarificationRequest | None:
        row = repo.pending_clarification(self.db, session_id)
        return None if row is None else ClarificationRequest.from_row(row)
