"""What each outward protocol adds to a turn (#34). Prints JSON.

One real `playground serve` (a fresh SQLite file, the demo model); the same turn ("What's the weather like in
Paris?" to the awn agent, which calls the weather tool and answers) through the JSON API (a session made, a
turn posted) and through each protocol's official client: the LangGraph SDK (a stateless streamed run, modes
updates + values + messages-tuple), MCP (one tool call over streamable HTTP, one session kept), A2A (a streamed
send) and AG-UI (one run, SSE). Rounds interleave the five, so a slow moment of the machine hits them alike.
Per protocol: the median and p95 of the turn's time, the median added over the JSON API's turn of the same
round, the events a turn streams, and that added time per event. Goal: within 2 ms p50 per event.

    python bench/protocols.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGE = "What's the weather like in Paris?"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def bench(url: str, rounds: int) -> dict:
    import httpx
    from a2a.client import ClientConfig, create_client
    from a2a.types import Message, Part, Role, SendMessageRequest
    from langgraph_sdk import get_client
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"X-Owner-Token": "bench"}
    http = httpx.AsyncClient(base_url=url, headers=headers, timeout=120)
    graph = get_client(url=url + "/langgraph", api_key=None, headers=headers)
    a2a = await create_client(url + "/a2a/awn/", ClientConfig(httpx_client=http, streaming=True))

    async def api() -> int:
        made = await http.post("/api/sessions", json={"agent": "awn", "toolset": "travel"})
        done = (await http.post(f"/api/sessions/{made.json()['session_id']}/turns", json={"message": MESSAGE})).json()
        assert done["status"] == "done", done
        return 1

    async def langgraph() -> int:
        parts = [p async for p in graph.runs.stream(None, "awn", input={"messages": [
            {"role": "user", "content": MESSAGE}]}, stream_mode=["updates", "values", "messages-tuple"])]
        assert parts[-1].data["status"] == "success", parts[-1]
        return len(parts)

    async def a2a_send() -> int:
        message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=MESSAGE)])
        events = [e async for e in a2a.send_message(SendMessageRequest(message=message))]
        return len(events)

    async def ag_ui() -> int:
        body = {"threadId": "t-" + uuid.uuid4().hex, "runId": "r", "messages": [
            {"id": "m", "role": "user", "content": MESSAGE}]}
        count = 0
        async with http.stream("POST", "/ag-ui/awn", json=body) as response:
            async for line in response.aiter_lines():
                count += line.startswith("data: ")
        return count

    async with httpx.AsyncClient(headers=headers, timeout=120) as mcp_http:
        async with streamable_http_client(url + "/mcp", http_client=mcp_http) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()

                async def mcp() -> int:
                    result = await session.call_tool("awn", {"message": MESSAGE})
                    assert result.structuredContent["status"] == "done", result
                    return 1

                clients = {"json_api": api, "langgraph": langgraph, "mcp": mcp, "a2a": a2a_send, "ag_ui": ag_ui}
                times: dict[str, list[float]] = {name: [] for name in clients}
                events: dict[str, int] = {}
                for i in range(rounds + 1):
                    for name, run in clients.items():
                        start = time.perf_counter()
                        events[name] = await run()
                        took = (time.perf_counter() - start) * 1000
                        if i:  # the first round warms each path up
                            times[name].append(took)
    await http.aclose()
    out: dict = {}
    base = times["json_api"]
    for name, values in times.items():
        added = [v - b for v, b in zip(values, base)]
        row = {"turn_ms_p50": round(statistics.median(values), 2), "turn_ms_p95": round(p95(values), 2),
               "events_per_turn": events[name]}
        if name != "json_api":
            row["added_ms_p50"] = round(statistics.median(added), 2)
            row["added_ms_p95"] = round(p95(added), 2)
            row["added_ms_per_event_p50"] = round(statistics.median(added) / max(events[name], 1), 3)
            row["added_ms_per_event_p95"] = round(p95(added) / max(events[name], 1), 3)
        out[name] = row
    return out


def main() -> None:
    import anyio

    from tests.conftest import Server

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    server = Server(f"sqlite:///{folder / 'bench.db'}")
    try:
        figures = anyio.run(bench, server.url, args.rounds)
    finally:
        server.stop()
    print(json.dumps({"rounds": args.rounds, "turn": MESSAGE, "protocols": figures,
                      "goal_ms_per_event_p50": 2.0}, indent=2))


if __name__ == "__main__":
    main()
