"""Each agent as an A2A agent (the official `a2a-sdk` server, JSON-RPC binding): its card at
`/a2a/<agent>/.well-known/agent-card.json`, its methods (send, stream, get, cancel) at `POST /a2a/<agent>/`.

An A2A context is a playground session of the caller (the session's id is the context's); a task is one turn,
until it is done. When the agent asks, the task goes to `input-required`, its status message carrying the question
as text and, as a data part, the typed clarification (kind, options, tool, field) with its answer form; the next
message on that task answers it. The message's metadata may name `model`, `tools`, `toolset` and `settings` for
the context's first task (checked as the chat checks them). Tasks are owner-scoped: another owner's task or
context is not found.
"""

from __future__ import annotations

from typing import Any, Callable

import anyio
from a2a.auth.user import User
from a2a.helpers.proto_helpers import new_data_part, new_message, new_task_from_user_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.request_handlers.response_helpers import agent_card_to_dict
from a2a.server.routes import DefaultServerCallContextBuilder, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill, Role
from google.protobuf.json_format import MessageToDict
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import agents
from app.protocols import reach
from app.runner import Runner, TurnError
from storage import NotFound, repo

VIA = "a2a"
OWNER = "playground_owner"  # the call context's state key


class _Caller(User):
    def __init__(self, owner: str):
        self._owner = owner

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def user_name(self) -> str:
        return self._owner


class _Calls(DefaultServerCallContextBuilder):
    """The call context of a request: its owner (login, API key or owner token), which scopes the task store."""

    def __init__(self, owner_of: Callable[[Request], str]):
        self.owner_of = owner_of

    def build_user(self, request: Request) -> User:
        return _Caller(self.owner_of(request))


def card(agent: str, url: str) -> AgentCard:
    spec = agents.get_agent(agent)
    first = (spec.description or agent).strip().split("\n")[0]
    return AgentCard(
        name=agent, description=f"{first} It asks when a request is vague or a tool argument is missing "
                                "(the task waits in input-required).",
        version="1.0.0", default_input_modes=["text/plain"], default_output_modes=["text/plain", "application/json"],
        capabilities=AgentCapabilities(streaming=True),
        supported_interfaces=[AgentInterface(protocol_binding="JSONRPC", url=url,
                                             protocol_version=PROTOCOL_VERSION_CURRENT)],
        skills=[AgentSkill(id=agent, name=agent, description=first, tags=["clarification", spec.source],
                           examples=[])])


class PlaygroundExecutor(AgentExecutor):
    def __init__(self, runner: Runner, agent: str):
        self.runner, self.agent = runner, agent

    async def execute(self, context: RequestContext, event_queue) -> None:
        owner = context.call_context.user.user_name
        task = context.current_task
        if task is None:
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        text = context.get_user_input()
        try:
            session = await anyio.to_thread.run_sync(lambda: self._session(task.context_id, owner, context))
            await updater.start_work()
            result = await anyio.to_thread.run_sync(lambda: self._turn(session.id, owner, text))
        except (reach.CallError, TurnError, NotFound) as exc:
            await updater.failed(self._say(task, reach.said(exc)))
            return
        if result.status == "needs_clarification":
            question = result.clarification
            parts = [new_text_part(question.question),
                     new_data_part({"clarification": reach.question_payload(question, session.id),
                                    "answer_schema": reach.question_schema(question)})]
            await updater.requires_input(new_message(parts, task.context_id, task.id, Role.ROLE_AGENT))
        elif result.status == "error":
            await updater.failed(self._say(task, reach.said(result.error or "the run failed")))
        else:
            await updater.add_artifact([new_text_part(result.final_answer or "")], name="answer")
            await updater.complete(self._say(task, result.final_answer or ""))

    def _say(self, task, text: str):
        return new_message([new_text_part(text)], task.context_id, task.id, Role.ROLE_AGENT)

    def _session(self, context_id: str, owner: str, context: RequestContext):
        """The context's session: the caller's, or made for this context's first message."""
        try:
            session = repo.get_session(self.runner.db, context_id, owner)
        except NotFound:
            slot = _metadata(context)
            return reach.open_session(self.runner, self.agent, owner, VIA, slot, session_id=context_id)
        if session.agent != self.agent:
            raise reach.CallError(f"context {context_id} is {session.agent}'s; send it to /a2a/{session.agent}/")
        return session

    def _turn(self, session_id: str, owner: str, text: str):
        pending = self.runner.pending_question(session_id)
        answer, message = (text, None) if pending is not None else (None, text)
        for event in reach.run(self.runner, session_id, owner, message=message, answer=answer, deltas=False):
            if event.type == "done":
                return event.result
        raise TurnError("the turn ended without a result")

    async def cancel(self, context: RequestContext, event_queue) -> None:
        task = context.current_task
        if task is None:
            return
        owner = context.call_context.user.user_name
        await anyio.to_thread.run_sync(lambda: self.runner.stop(task.context_id, owner))
        await TaskUpdater(event_queue, task.id, task.context_id).cancel()


def _metadata(context: RequestContext) -> dict[str, Any] | None:
    message = context.message
    if message is None or not message.HasField("metadata"):
        return None
    return MessageToDict(message.metadata) or None


def routes(runner: Runner, owner_of: Callable[[Request], str]) -> list[Route]:
    """Each agent's card and JSON-RPC endpoint."""
    made: list[Route] = []
    calls = _Calls(owner_of)
    for agent in reach.public_agents():
        prefix = f"/a2a/{agent}"
        handler = DefaultRequestHandler(agent_executor=PlaygroundExecutor(runner, agent),
                                        task_store=InMemoryTaskStore(), agent_card=card(agent, "http://local/"))

        def serve_card(request: Request, agent: str = agent) -> JSONResponse:
            url = str(request.base_url).rstrip("/") + f"/a2a/{agent}/"
            return JSONResponse(agent_card_to_dict(card(agent, url)))

        made.append(Route(f"{prefix}/.well-known/agent-card.json", serve_card, methods=["GET"]))
        made.extend(create_jsonrpc_routes(handler, rpc_url=f"{prefix}/", context_builder=calls))
    return made
