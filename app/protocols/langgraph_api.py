"""The LangGraph Server API under `/langgraph`: the part of the Agent Protocol that the official `langgraph-sdk`
client and `RemoteGraph` use, over the playground's own agents, so a script written for `langgraph dev` runs here:
`get_client(url=BASE + "/langgraph")`.

- assistants: every agent (built-in designs, `--graph`, opened projects' graphs), its id its name; its graph and
  schemas;
- threads: a thread is a playground session of the caller (in their Sessions list, inspectable, shareable); its
  state and history are the graph's checkpoints, and a state update is LangGraph's `update_state`;
- runs: create (in the background), stream, wait, join, cancel, list, get; a clarification is the stream's
  `__interrupt__` (its value the typed request: kind, question, options, tool, field), answered with
  `command={"resume": ...}` (a text, or an object with `answer`). A message sent while a question waits answers
  it, as in the chat.

The configuration slot of a run (`config.configurable`, or `context`) may name `model`, `tools`, `toolset` and
settings for the thread its run starts; a thread that has run keeps its own. Runs are kept per server process
(the turns they ran are in the database: the thread's state and the session's trace).
"""
# (no `from __future__ import annotations`: FastAPI reads the routes' annotations)

import collections
import threading
from typing import Any, Callable, Iterator

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import StreamingResponse

from app.protocols import reach
from app.protocols.langgraph_stream import lc, sse
from app.protocols.langgraph_threads import RunRecord, Threads, fail, assistant
from app.runner import Runner
from storage import repo


def router(runner: Runner, owner_of: Callable[..., str]) -> APIRouter:
    api = APIRouter(prefix="/langgraph", tags=["LangGraph API"])
    threads = Threads(runner)
    runs = threads.runs

    # -- assistants ---------------------------------------------------------------------------------------

    @api.get("/info")
    def info() -> dict[str, Any]:
        return {"version": "agent-playground", "flags": {"assistants": True, "crons": False, "store": False}}

    @api.post("/assistants/search")
    def search_assistants(body: dict = Body(default={})) -> list[dict[str, Any]]:
        graph_id, limit, offset = body.get("graph_id"), int(body.get("limit") or 10), int(body.get("offset") or 0)
        found = [assistant(n) for n in reach.public_agents() if graph_id in (None, n)]
        return found[offset:offset + limit]

    @api.post("/assistants/count")
    def count_assistants(body: dict = Body(default={})) -> int:
        return len([n for n in reach.public_agents() if body.get("graph_id") in (None, n)])

    @api.get("/assistants/{assistant_id}")
    def get_assistant(assistant_id: str) -> dict[str, Any]:
        return assistant(assistant_id)

    @api.get("/assistants/{assistant_id}/graph")
    def assistant_graph(assistant_id: str, xray: bool | int = Query(False)) -> dict[str, Any]:
        assistant(assistant_id)
        return lc(runner.design_graph(assistant_id).get_graph(xray=xray).to_json())

    @api.get("/assistants/{assistant_id}/schemas")
    def assistant_schemas(assistant_id: str) -> dict[str, Any]:
        assistant(assistant_id)
        from app.agents.schema import json_schema

        graph = runner.design_graph(assistant_id)
        try:
            context = graph.get_context_jsonschema()
        except Exception:  # noqa: BLE001  (a context pydantic cannot draw: said as none)
            context = None
        return {"graph_id": assistant_id, "input_schema": lc(json_schema(graph, "input")),
                "output_schema": lc(json_schema(graph, "output")), "state_schema": lc(json_schema(graph, "state")),
                "config_schema": None, "context_schema": lc(context)}

    @api.get("/assistants/{assistant_id}/subgraphs")
    def assistant_subgraphs(assistant_id: str) -> dict[str, Any]:
        assistant(assistant_id)
        return {}

    # -- threads ------------------------------------------------------------------------------------------

    @api.post("/threads")
    def create_thread(body: dict = Body(default={}), owner: str = Depends(owner_of)) -> dict[str, Any]:
        metadata = dict(body.get("metadata") or {})
        thread_id = body.get("thread_id")
        if thread_id and body.get("if_exists") == "do_nothing":
            mine = repo.list_sessions(runner.db, owner=owner, limit=1, ids=[thread_id])
            if mine:
                return threads.thread(mine[0])
        agent = metadata.pop("graph_id", None) or metadata.pop("assistant_id", None) or "awn"
        return threads.thread(threads.new_thread(owner, agent, thread_id, None, metadata))

    @api.get("/threads/{thread_id}")
    def get_thread(thread_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return threads.thread(threads.session_of(thread_id, owner), with_values=True)

    @api.patch("/threads/{thread_id}")
    def update_thread(thread_id: str, body: dict = Body(default={}), owner: str = Depends(owner_of)) -> dict[str, Any]:
        session = threads.session_of(thread_id, owner)
        metadata = {**((session.settings or {}).get("thread_metadata") or {}), **lc(body.get("metadata") or {})}
        return threads.thread(repo.update_session(runner.db, thread_id, settings={**session.settings,
                                                                          "thread_metadata": metadata}))

    @api.delete("/threads/{thread_id}", status_code=204)
    def delete_thread(thread_id: str, owner: str = Depends(owner_of)) -> Response:
        threads.session_of(thread_id, owner)
        repo.delete_session(runner.db, thread_id)
        return Response(status_code=204)

    @api.post("/threads/search")
    def search_threads(body: dict = Body(default={}), owner: str = Depends(owner_of)) -> list[dict[str, Any]]:
        limit, offset = int(body.get("limit") or 10), int(body.get("offset") or 0)
        wanted_meta, status = dict(body.get("metadata") or {}), body.get("status")
        found = []
        for session in repo.list_sessions(runner.db, owner=owner, limit=offset + limit + 500):
            t = threads.thread(session)
            if status and t["status"] != status:
                continue
            if any(t["metadata"].get(k) != v for k, v in wanted_meta.items()):
                continue
            found.append(t)
        return found[offset:offset + limit]

    @api.get("/threads/{thread_id}/state")
    def get_state(thread_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        session = threads.session_of(thread_id, owner)
        return threads.state_dict(session, runner.graph_for(session).get_state(threads.config(thread_id)))

    @api.get("/threads/{thread_id}/state/{checkpoint_id}")
    def get_state_at(thread_id: str, checkpoint_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        session = threads.session_of(thread_id, owner)
        snapshot = runner.graph_for(session).get_state(threads.config(thread_id, checkpoint_id))
        if snapshot.created_at is None:
            raise fail(404, f"thread {thread_id!r} has no checkpoint {checkpoint_id!r}")
        return threads.state_dict(session, snapshot)

    @api.post("/threads/{thread_id}/state/checkpoint")
    def get_state_checkpoint(thread_id: str, body: dict = Body(default={}),
                             owner: str = Depends(owner_of)) -> dict[str, Any]:
        checkpoint_id = (body.get("checkpoint") or {}).get("checkpoint_id")
        if not checkpoint_id:
            return get_state(thread_id, owner)
        return get_state_at(thread_id, checkpoint_id, owner)

    @api.post("/threads/{thread_id}/state")
    def update_state(thread_id: str, body: dict = Body(default={}), owner: str = Depends(owner_of)) -> dict[str, Any]:
        session = threads.session_of(thread_id, owner)
        if not runner.turns.locks.acquire(thread_id):
            raise fail(409, f"thread {thread_id} is running a turn; wait for it to finish")
        try:
            graph = runner.graph_for(session)
            checkpoint_id = (body.get("checkpoint") or {}).get("checkpoint_id") or body.get("checkpoint_id")
            try:
                written = graph.update_state(threads.config(thread_id, checkpoint_id), body.get("values"),
                                             as_node=body.get("as_node"))
            except (ValueError, KeyError, TypeError) as exc:  # an unknown node or channel, a value it refuses
                raise fail(422, f"the state update was refused: {exc}") from None
        finally:
            runner.turns.locks.release(thread_id)
        return {"checkpoint": threads.point(written)}

    @api.post("/threads/{thread_id}/history")
    def history(thread_id: str, body: dict = Body(default={}), owner: str = Depends(owner_of)) -> list[dict[str, Any]]:
        session = threads.session_of(thread_id, owner)
        limit = max(1, min(int(body.get("limit") or 10), 1000))
        before = (body.get("before") or {}).get("checkpoint_id")
        graph = runner.graph_for(session)
        snapshots = graph.get_state_history(threads.config(thread_id), limit=limit,
                                            before=threads.config(thread_id, before) if before else None)
        return [threads.state_dict(session, s) for s in snapshots]

    # -- runs ---------------------------------------------------------------------------------------------

    def streamed(parts: Iterator[tuple[str, Any]], record: RunRecord) -> Iterator[bytes]:
        yield sse("metadata", {"run_id": record.run_id, "attempt": 1})
        for event, data in parts:
            yield sse(event, data)
        yield sse("end", {"run_id": record.run_id, "status": record.status})

    def stream_run(thread_id: str | None, body: dict, owner: str) -> StreamingResponse:
        session, message, answer, record = threads.prepare(thread_id, body, owner)
        parts = threads.execute(session, message, answer, record, owner)
        headers = {"Content-Location": f"/langgraph/threads/{session.id}/runs/{record.run_id}",
                   "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(streamed(parts, record), media_type="text/event-stream", headers=headers)

    def wait_run(thread_id: str | None, body: dict, owner: str) -> Any:
        session, message, answer, record = threads.prepare(thread_id, body, owner)
        collections.deque(threads.execute(session, message, answer, record, owner), maxlen=0)  # run it through
        return threads.final(record)

    def background(thread_id: str | None, body: dict, owner: str) -> dict[str, Any]:
        session, message, answer, record = threads.prepare(thread_id, body, owner)
        parts = threads.execute(session, message, answer, record, owner)
        threading.Thread(target=lambda: [None for _ in parts], name=f"run-{record.run_id[:8]}", daemon=True).start()
        return record.to_dict()

    def routes_for(handle: Callable[[str | None, dict, str], Any]) -> tuple[Callable, Callable]:
        def on_thread(thread_id: str, body: dict = Body(...), owner: str = Depends(owner_of)) -> Any:
            return handle(thread_id, body, owner)

        def stateless(body: dict = Body(...), owner: str = Depends(owner_of)) -> Any:  # a thread made for it
            return handle(None, body, owner)

        return on_thread, stateless

    # POST /threads/{id}/runs/stream and /runs/stream; .../wait; .../runs (in the background)
    for suffix, handle in (("/stream", stream_run), ("/wait", wait_run), ("", background)):
        on_thread, stateless = routes_for(handle)
        name = suffix.replace("/", "_")
        api.add_api_route(f"/threads/{{thread_id}}/runs{suffix}", on_thread, methods=["POST"], name=f"thread_run{name}")
        api.add_api_route(f"/runs{suffix}", stateless, methods=["POST"], name=f"stateless_run{name}")

    def record_of(thread_id: str, run_id: str, owner: str) -> RunRecord:
        threads.session_of(thread_id, owner)
        record = runs.get(run_id)
        if record is None or record.thread_id != thread_id:
            raise fail(404, f"no run {run_id!r} on thread {thread_id!r} (runs are kept by the server process "
                             "that ran them)")
        return record

    @api.get("/threads/{thread_id}/runs")
    def list_runs(thread_id: str, limit: int = Query(10, ge=1, le=1000), offset: int = Query(0, ge=0),
                  owner: str = Depends(owner_of)) -> list[dict[str, Any]]:
        threads.session_of(thread_id, owner)
        mine = [r.to_dict() for r in reversed(runs.values()) if r.thread_id == thread_id]
        return mine[offset:offset + limit]

    @api.get("/threads/{thread_id}/runs/{run_id}")
    def get_run(thread_id: str, run_id: str, owner: str = Depends(owner_of)) -> dict[str, Any]:
        return record_of(thread_id, run_id, owner).to_dict()

    @api.get("/threads/{thread_id}/runs/{run_id}/join")
    def join_run(thread_id: str, run_id: str, owner: str = Depends(owner_of)) -> Any:
        record = record_of(thread_id, run_id, owner)
        record.done.wait(timeout=3600)
        return threads.final(record)

    @api.post("/threads/{thread_id}/runs/{run_id}/cancel")
    def cancel_run(thread_id: str, run_id: str, wait: bool = Query(False), action: str = Query("interrupt"),
                   owner: str = Depends(owner_of)) -> Response:
        record = record_of(thread_id, run_id, owner)
        if not record.done.is_set():
            record.cancelled = True
            runner.stop(thread_id, owner)
            if wait:
                record.done.wait(timeout=600)
        return Response(status_code=202 if not wait else 200, content=b"", media_type="application/json")

    return api

