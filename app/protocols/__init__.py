"""The protocols the playground speaks to the field, each a module of its own:

- `models`: an OpenAI- and Anthropic-compatible model endpoint, for the graphs of opened LangGraph projects;
- the agents for the field's clients, each turning a typed clarification into the protocol's own question
  (`reach` is what they share): `langgraph_api` (the LangGraph Server API, for `langgraph-sdk` and
  `RemoteGraph`), `mcp_server` (the agents as MCP tools, a question as an elicitation), `a2a_server` (each agent
  an A2A agent, a question an input-required task), `ag_ui_server` (AG-UI 1.0 over SSE, a question the run's
  interrupt outcome).
"""

# (no `from __future__ import annotations`: FastAPI reads the owner dependency's `Request` annotation)
from typing import Any, Callable

from fastapi import Request

# Where each protocol the agents speak is served (GET /api/health lists them).
PROTOCOLS = {"langgraph": "/langgraph", "mcp": "/mcp", "a2a": "/a2a/<agent>/", "ag-ui": "/ag-ui/<agent>", "openai": "/v1/chat/completions",
             "anthropic": "/v1/messages"}


def mount_protocols(app, runner, logins_on: bool, login_name: Callable[[Any], str | None]) -> list[Any]:
    """Mount the agents' protocols on `app`; the async context managers the app must run while it serves."""
    from app.guards import client_owner
    from app.protocols import a2a_server, ag_ui_server, langgraph_api, mcp_server

    def caller(request: Request) -> str:
        return client_owner(request, logins_on, login_name)

    app.include_router(langgraph_api.router(runner, caller))
    app.include_router(ag_ui_server.router(runner, caller))
    app.router.routes.extend(a2a_server.routes(runner, caller))
    mcp = mcp_server.build(runner, mcp_server.http_owner(logins_on, login_name))
    app.router.routes.extend(mcp.streamable_http_app().routes)  # POST/GET/DELETE /mcp
    return [mcp.session_manager.run()]
