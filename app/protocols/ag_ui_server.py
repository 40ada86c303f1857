"""Each agent behind AG-UI 1.0, for CopilotKit and any AG-UI front end: `POST /ag-ui/<agent>` takes a
`RunAgentInput` and streams AG-UI events over SSE (every event built from the official `ag-ui-protocol` types).

A thread is a playground session of the caller (its id the thread's); a run is one turn: the newest user message,
or the answers in `resume`. What streams: RUN_STARTED; a STATE_SNAPSHOT of the session (agent, model, status,
the question waiting) and STATE_DELTA patches as it changes; STEP_STARTED / STEP_FINISHED per node; the model's
tool calls as TOOL_CALL_START / ARGS / END and each result as TOOL_CALL_RESULT; the answer as TEXT_MESSAGE_START /
CONTENT (as it streams) / END; then RUN_FINISHED. A clarification ends the run with the interrupt outcome: one
interrupt per question (its id, its kind as the reason, the question as the message, a response schema of its
options, the typed request in its metadata), answered by the next run's `resume` entry. A failure is RUN_ERROR
naming it. `forwardedProps` may name `model`, `tools`, `toolset` and `settings` for the thread's first run.
"""
# (no `from __future__ import annotations`: FastAPI reads the route's annotations)

import json
import uuid
from typing import Any, Callable, Iterator

from ag_ui.core import (
    Interrupt, RunAgentInput, RunErrorEvent, RunFinishedEvent, RunFinishedInterruptOutcome,
    RunFinishedSuccessOutcome, RunStartedEvent, StateDeltaEvent, StateSnapshotEvent, StepFinishedEvent,
    StepStartedEvent, TextMessageContentEvent, TextMessageEndEvent, TextMessageStartEvent, ToolCallArgsEvent,
    ToolCallEndEvent, ToolCallResultEvent, ToolCallStartEvent,
)
from ag_ui.encoder import EventEncoder
from fastapi import APIRouter, Body, Depends
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from app.protocols import reach
from app.runner import Runner, TurnError
from app.tracing.steps import TOOL_CALL_ID, Step, StepKind
from storage import NotFound, repo

VIA = "ag-ui"


class _Refused(Exception):
    """The run cannot start: RUN_ERROR with this message."""


def _question_interrupt(question, session_id: str) -> Interrupt:
    return Interrupt(id=question.id, reason=question.kind, message=question.question,
                     response_schema=reach.question_schema(question),
                     metadata={"clarification": reach.question_payload(question, session_id)})


class RunEvents:
    """One run's playground events as AG-UI events."""

    def __init__(self, thread_id: str, run_id: str):
        self.thread_id, self.run_id = thread_id, run_id
        self.node: str | None = None
        self.text_id: str | None = None  # the answer streaming now
        self.state: dict[str, Any] = {}
        self.streamed = False  # the answer's text went out as it streamed

    def snapshot(self, state: dict[str, Any]) -> StateSnapshotEvent:
        self.state = dict(state)
        return StateSnapshotEvent(snapshot=self.state)

    def delta(self, **changes: Any) -> Iterator[StateDeltaEvent]:
        ops = [{"op": "replace" if key in self.state else "add", "path": f"/{key}", "value": value}
               for key, value in changes.items() if self.state.get(key, object()) != value]
        if ops:
            self.state.update(changes)
            yield StateDeltaEvent(delta=ops)

    def _enter(self, node: str) -> Iterator[Any]:
        if node != self.node:
            yield from self.leave()
            self.node = node
            yield StepStartedEvent(step_name=node)

    def leave(self) -> Iterator[Any]:
        yield from self._close_text()
        if self.node is not None:
            yield StepFinishedEvent(step_name=self.node)
            self.node = None

    def _close_text(self) -> Iterator[Any]:
        if self.text_id is not None:
            yield TextMessageEndEvent(message_id=self.text_id)
            self.text_id = None

    def delta_text(self, text: str) -> Iterator[Any]:
        self.streamed = True
        if self.text_id is None:
            self.text_id = "msg-" + uuid.uuid4().hex
            yield TextMessageStartEvent(message_id=self.text_id, role="assistant")
        yield TextMessageContentEvent(message_id=self.text_id, delta=text)

    def step(self, step: Step) -> Iterator[Any]:
        yield from self._enter(step.node)
        out = step.output if isinstance(step.output, dict) else {}
        if step.kind == StepKind.MODEL:  # its tool calls (its text is the answer's, sent as it streams or at the end)
            yield from self._close_text()
            for call in out.get("tool_calls") or []:
                function = call.get("function") or {}
                call_id = call.get("id") or "call-" + uuid.uuid4().hex
                yield ToolCallStartEvent(tool_call_id=call_id, tool_call_name=function.get("name") or "",
                                         parent_message_id=step.id)
                yield ToolCallArgsEvent(tool_call_id=call_id, delta=function.get("arguments") or "{}")
                yield ToolCallEndEvent(tool_call_id=call_id)
        elif step.kind == StepKind.TOOL and step.meta.get(TOOL_CALL_ID):
            content = step.output if isinstance(step.output, str) else json.dumps(step.output, default=str)
            yield ToolCallResultEvent(message_id=step.id, tool_call_id=step.meta[TOOL_CALL_ID],
                                      content=step.error or content, role="tool")
        yield from self.delta(steps=self.state.get("steps", 0) + 1)

    def finished(self, result) -> Iterator[Any]:
        yield from self.leave()
        if result.status == "needs_clarification":
            question = result.clarification
            yield from self.delta(status="needs_clarification", question=reach.question_payload(question,
                                                                                              self.thread_id))
            yield RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id, outcome=RunFinishedInterruptOutcome(
                interrupts=[_question_interrupt(question, self.thread_id)]))
        elif result.status == "error":
            yield from self.delta(status="error")
            yield RunErrorEvent(message=reach.said(result.error or "the run failed"), code="run_failed")
        else:
            if result.final_answer and not self.streamed:
                message_id = "msg-" + uuid.uuid4().hex
                yield TextMessageStartEvent(message_id=message_id, role="assistant")
                yield TextMessageContentEvent(message_id=message_id, delta=result.final_answer)
                yield TextMessageEndEvent(message_id=message_id)
            yield from self.delta(status="done", question=None)
            yield RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id,
                                   result={"answer": result.final_answer, "session_id": self.thread_id},
                                   outcome=RunFinishedSuccessOutcome())


def router(runner: Runner, owner_of: Callable[..., str]) -> APIRouter:
    api = APIRouter(tags=["AG-UI"])
    encoder = EventEncoder()

    def session_for(agent: str, given: RunAgentInput, owner: str):
        try:
            session = repo.get_session(runner.db, given.thread_id, owner)
        except NotFound:
            slot = given.forwarded_props if isinstance(given.forwarded_props, dict) else None
            return reach.open_session(runner, agent, owner, VIA, slot, session_id=given.thread_id)
        if session.agent != agent:
            raise reach.CallError(f"thread {given.thread_id} is {session.agent}'s; run it at /ag-ui/{session.agent}")
        return session

    def turn_of(session, given: RunAgentInput) -> tuple[str | None, str | None]:
        if given.resume:
            pending = runner.pending_question(session.id)
            if pending is None:
                raise _Refused("this thread has no question waiting for the resume to answer")
            entry = next((e for e in given.resume if e.interrupt_id == pending.id), None)
            if entry is None:
                raise _Refused(f"the resume does not answer the waiting interrupt {pending.id}")
            if entry.status == "cancelled":
                raise _Refused("an interrupt of this agent cannot be cancelled: answer it, or start a new thread")
            return None, reach.answer_text(entry.payload)
        text = reach.last_user_text([m.model_dump() for m in given.messages])
        if text is None:
            raise _Refused("the input has no user message to send")
        return text, None

    def events(agent: str, given: RunAgentInput, owner: str) -> Iterator[Any]:
        run = RunEvents(given.thread_id, given.run_id)
        yield RunStartedEvent(thread_id=given.thread_id, run_id=given.run_id)
        try:
            session = session_for(agent, given, owner)
            message, answer = turn_of(session, given)
            yield run.snapshot({"session_id": session.id, "agent": session.agent, "model": session.model,
                                "status": "running", "question": None, "steps": 0})
            result = None
            for event in reach.run(runner, session.id, owner, message=message, answer=answer):
                if event.type == "delta" and event.text:
                    yield from run.delta_text(event.text)
                elif event.type == "step" and event.step is not None:
                    yield from run.step(event.step)
                elif event.type == "done":
                    result = event.result
            yield from run.finished(result)
        except (reach.CallError, TurnError, _Refused) as exc:
            yield RunErrorEvent(message=reach.said(exc), code="refused")
        except Exception as exc:  # noqa: BLE001  (a failure the turn did not catch: the protocol's error event)
            yield RunErrorEvent(message=f"{type(exc).__name__}: {reach.said(exc, 300)}", code="internal")

    @api.post("/ag-ui/{agent}")
    def run_agent(agent: str, body: dict = Body(...), owner: str = Depends(owner_of)) -> StreamingResponse:
        def stream() -> Iterator[str]:
            try:
                given = RunAgentInput.model_validate(body)
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
                yield encoder.encode(RunErrorEvent(message=f"not a RunAgentInput: {problems}", code="bad_input"))
                return
            if agent not in reach.public_agents():
                yield encoder.encode(RunErrorEvent(message=f"no agent {agent!r}; agents: "
                                                           f"{', '.join(reach.public_agents())}", code="not_found"))
                return
            for event in events(agent, given, owner):
                yield encoder.encode(event)

        return StreamingResponse(stream(), media_type=encoder.get_content_type(),
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return api
