"""The agents as MCP tools, for any MCP client (a desktop assistant, an IDE, another agent): streamable HTTP at
`/mcp` on `playground serve`, and `playground mcp` over stdio.

One tool per agent, named by the agent, taking the `message` and, optionally, the `session_id` to go on with and
`model`, `tools`, `toolset` and `settings` for a new session (checked as the chat checks them). When the agent
asks, the question goes to the calling client as an MCP elicitation (form mode: one `answer` field, its options as
an enum, the question as the message) and the client's answer resumes the run within the same tool call. A client
without the elicitation capability (or one that declines) gets the question as the tool's result, with the
session id: calling the tool again with that `session_id` and the answer as `message` goes on.

The result is structured: `{"status", "answer" | "question", "session_id", "trace"}`. A wrong argument (an unknown
model, tool, setting or session) is the tool's error result naming it.
"""

# (no `from __future__ import annotations`: FastMCP reads each tool's annotations to make its input schema)

from typing import Any, Callable

import anyio
from mcp import types
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from app import agents
from app.protocols import reach
from app.runner import Runner, TurnError
from storage import NotFound, repo

VIA = "mcp"
MAX_QUESTIONS = 20  # questions one tool call will elicit before it hands the rest back as its result


def build(runner: Runner, owner_of: Callable[[Context], str]) -> FastMCP:
    """The MCP server over `runner`'s agents; `owner_of` says whose sessions a call makes and may continue."""
    import logging

    root = logging.getLogger()
    kept = list(root.handlers), root.level  # FastMCP configures the root logger of the process that builds it
    server = FastMCP(
        "Agent Playground", stateless_http=False, streamable_http_path="/mcp",
        instructions="Each tool is an agent that asks when a request is vague or a tool argument is missing. "
                     "Answer its questions (an elicitation), or call the tool again with the session_id it gave.",
        # The playground's own login gate guards /mcp; Host checks would refuse every name but localhost.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False), log_level="WARNING")
    root.handlers[:], root.level = kept  # (a rich handler at INFO: a line per request on the server's output)
    for name in reach.public_agents():
        spec = agents.get_agent(name)
        server.add_tool(_tool_for(runner, owner_of, name), name=_tool_name(name),
                        title=f"Agent {name}", description=_describe(spec), structured_output=True)
    return server


def _tool_for(runner: Runner, owner_of: Callable[[Context], str], agent: str):
    async def call(message: str, ctx: Context, session_id: str | None = None, model: str | None = None,
                   tools: list[str] | None = None, toolset: str | None = None,
                   settings: dict[str, Any] | None = None) -> dict[str, Any]:
        return await _call(runner, owner_of, agent, message, ctx, session_id, model, tools, toolset, settings)

    return call


def _tool_name(agent: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in agent)[:64]


def _describe(spec) -> str:
    first = (spec.description or spec.name).strip().split("\n")[0]
    return (f"{first} It asks when it needs to (as an elicitation, or as its result with a session_id to answer "
            "with). Arguments: message; session_id to go on with a session; for a new session optionally model, "
            "tools (names), toolset and settings.")


async def _call(runner: Runner, owner_of: Callable[[Context], str], agent: str, message: str, ctx: Context,
                session_id: str | None = None, model: str | None = None, tools: list[str] | None = None,
                toolset: str | None = None, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    owner = owner_of(ctx)
    slot = {k: v for k, v in (("model", model), ("tools", tools), ("toolset", toolset), ("settings", settings))
            if v is not None}
    try:
        if session_id:
            session = await anyio.to_thread.run_sync(lambda: _session(runner, session_id, owner, agent))
        else:
            session = await anyio.to_thread.run_sync(
                lambda: reach.open_session(runner, agent, owner, VIA, slot, title=message[:80]))
        result = await _turn(runner, session.id, owner, message=message)
        asked = 0
        while result.status == "needs_clarification" and asked < MAX_QUESTIONS and _can_elicit(ctx):
            question = result.clarification
            reply = await ctx.request_context.session.elicit_form(
                message=question.question, requestedSchema=reach.question_schema(question),
                related_request_id=ctx.request_id)
            text = reach.answer_text(reply.content) if reply.action == "accept" and reply.content else ""
            if not text.strip():
                break  # declined, cancelled or left empty: the question is the result, to answer later
            asked += 1
            result = await _turn(runner, session.id, owner, answer=text)
    except (reach.CallError, TurnError, NotFound) as exc:
        raise ToolError(reach.said(exc)) from None
    return _result(result)


def _session(runner: Runner, session_id: str, owner: str, agent: str):
    session = repo.get_session(runner.db, session_id, owner)
    if session.agent != agent:
        raise reach.CallError(f"session {session_id} is {session.agent}'s; call the {session.agent} tool with it")
    return session


async def _turn(runner: Runner, session_id: str, owner: str, message: str | None = None, answer: str | None = None):
    """One turn, in a worker thread (the runner blocks on its model calls)."""
    def run():
        for event in reach.run(runner, session_id, owner, message=message, answer=answer, deltas=False):
            if event.type == "done":
                return event.result
        raise TurnError("the turn ended without a result")

    return await anyio.to_thread.run_sync(run)


def _can_elicit(ctx: Context) -> bool:
    return ctx.request_context.session.check_client_capability(
        types.ClientCapabilities(elicitation=types.ElicitationCapability()))


def _result(result) -> dict[str, Any]:
    out: dict[str, Any] = {"status": result.status, "session_id": result.session_id,
                           "trace": f"/?session={result.session_id}&tab=inspector"}
    if result.status == "needs_clarification":
        out["question"] = reach.question_payload(result.clarification, result.session_id)
        out["how_to_answer"] = "call this tool again with this session_id and your answer as the message"
    elif result.status == "error":
        out["error"] = reach.said(result.error or "the run failed")
    else:
        out["answer"] = result.final_answer
    return out


def http_owner(logins_on: bool, login_name: Callable[[Any], str | None]) -> Callable[[Context], str]:
    """The owner of a call over HTTP: the request's login, API key or owner token (app.guards.client_owner)."""
    from fastapi import HTTPException

    from app.guards import client_owner

    def owner_of(ctx: Context) -> str:
        request = ctx.request_context.request
        if request is None:
            raise ToolError("no HTTP request to tell the caller by")
        try:
            return client_owner(request, logins_on, login_name)
        except HTTPException as exc:
            raise ToolError(str(exc.detail)) from None

    return owner_of
