"""DFSDT, the depth-first search-based decision tree of ToolLLM (Qin et al., 2023, "ToolLLM: Facilitating Large
Language Models to Master 16000+ Real-world APIs"). Each tree node is a point in the conversation; expanding it
asks the model for one action: a tool call (a child node), or `Finish` with `give_answer` or
`give_up_and_restart`. A failed tool call, a give-up or the depth limit ends a branch; the search backtracks to
the nearest node with room for another child and asks again, telling the model what was already tried there so
it chooses differently. Bounded by `width` (children per node), `depth` and `budget` (model calls).

    START -> expand --tool call--> act --ok-------> expand
                                       --failed---> backtrack --room--> expand
                    --give up---------------------> backtrack --none--> give_up -> END
                    --answer--> finish -> END

Settings: `width` (default 2), `depth` (default 6), `budget` (default 12). The inspector draws the tree
(the `search tree` step).
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.graph import END, START, StateGraph

from app.agents.base import AgentContext, AgentState, call_model, dumps, run_tool_calls, today
from app.llm.gateway import parse_arguments
from app.tracing.steps import step

SYSTEM = """[task:dfsdt]
You are a helpful assistant with tools, searching for a way to complete the user's task. Take one action at
a time: call one tool, or call Finish. Call Finish with return_type "give_answer" and the final answer when you
can answer; with "give_up_and_restart" when this path cannot succeed. Never invent argument values the user did
not give. Today is {today}."""

DIVERSITY = """This is not your first try from this point. Earlier attempts here failed; do something different
from all of them (another tool, or other argument values the results suggest), or give up and restart.
Tried here before: {tried}"""

FINISH = {
    "type": "function",
    "function": {
        "name": "Finish",
        "description": "End the search: give the final answer, or give up on this path and restart from an "
                       "earlier point.",
        "parameters": {
            "type": "object",
            "properties": {
                "return_type": {"type": "string", "enum": ["give_answer", "give_up_and_restart"]},
                "final_answer": {"type": "string", "description": "The answer to the user (give_answer only)."},
            },
            "required": ["return_type"],
        },
    },
}


def _tree(state: AgentState) -> dict[str, Any]:
    tree = (state.get("scratch") or {}).get("dfsdt") or {}
    return {"nodes": [dict(n) for n in tree.get("nodes", [])], "cursor": tree.get("cursor", 0),
            "calls": tree.get("calls", 0), "outcome": tree.get("outcome")}


def _path(nodes: list[dict], node_id: int) -> list[dict]:
    chain = []
    while node_id is not None:
        chain.append(nodes[node_id])
        node_id = nodes[node_id]["parent"]
    return list(reversed(chain))


def _children(nodes: list[dict], node_id: int) -> list[dict]:
    return [n for n in nodes if n["parent"] == node_id]


def build(ctx: AgentContext) -> StateGraph:
    width = max(1, int(ctx.settings.get("width", 2)))
    depth = max(1, int(ctx.settings.get("depth", 6)))
    budget = max(1, int(ctx.settings.get("budget", 12)))
    tools = [*ctx.tool_schemas, FINISH]

    def start(state: AgentState) -> dict:
        root = {"id": 0, "parent": None, "depth": 0, "action": None, "status": "root", "messages": []}
        return {"scratch": {"dfsdt": {"nodes": [root], "cursor": 0, "calls": 0, "outcome": None}}}

    def expand(state: AgentState) -> dict:
        tree = _tree(state)
        nodes, cursor = tree["nodes"], tree["cursor"]
        path_messages = [m for n in _path(nodes, cursor) for m in n["messages"]]
        tried = [{"name": c["action"]["name"], "arguments": c["action"]["arguments"], "result": c.get("result", "")}
                 for c in _children(nodes, cursor) if c["action"]]
        system = SYSTEM.format(today=today())
        if tried:
            system += "\n\n" + DIVERSITY.format(tried=json.dumps(tried, ensure_ascii=False))
        reply = call_model(ctx, [{"role": "system", "content": system}, *state["messages"], *path_messages],
                           node="expand", tools=tools, tree_node=cursor)
        tree["calls"] += 1
        child = {"id": len(nodes), "parent": cursor, "depth": nodes[cursor]["depth"] + 1, "action": None,
                 "status": "pending", "messages": []}
        calls = reply.tool_calls and reply.message.get("tool_calls") or []
        if not calls:  # a plain answer is a give_answer
            child.update(status="answer", result=reply.content)
        else:
            raw = calls[0]  # one action per node
            name = raw["function"]["name"]
            arguments, _ = parse_arguments(raw["function"].get("arguments") or "")
            if name == "Finish":
                give_up = arguments.get("return_type") == "give_up_and_restart"
                child.update(status="gave_up" if give_up else "answer",
                             result="" if give_up else str(arguments.get("final_answer") or reply.content or ""))
            else:
                message = {**reply.message, "tool_calls": [raw]}
                child.update(action={"name": name, "arguments": arguments, "call": raw}, messages=[message])
        nodes.append(child)
        tree["cursor"] = child["id"]
        return {"scratch": {"dfsdt": tree}}

    def after_expand(state: AgentState) -> str:
        tree = _tree(state)
        node = tree["nodes"][tree["cursor"]]
        if node["status"] == "answer":
            return "finish"
        if node["status"] == "gave_up":
            return "backtrack"
        return "act"

    def act(state: AgentState) -> dict:
        tree = _tree(state)
        nodes = tree["nodes"]
        node = nodes[tree["cursor"]]
        history = [*state["messages"], *[m for n in _path(nodes, node["id"]) for m in n["messages"]]]
        update = run_tool_calls(ctx, {**state, "messages": history}, [node["action"]["call"]], node="act")
        result = update["messages"][-1]
        failed = str(result.get("content") or "").startswith("Error")
        node.update(messages=[*node["messages"], result], result=result["content"],
                    status="failed" if failed else ("depth_limit" if node["depth"] >= depth else "ok"))
        out: dict[str, Any] = {"scratch": {"dfsdt": tree}}
        if "tool_state" in update:
            out["tool_state"] = update["tool_state"]
        return out

    def after_act(state: AgentState) -> str:
        tree = _tree(state)
        node = tree["nodes"][tree["cursor"]]
        return "expand" if node["status"] == "ok" and tree["calls"] < budget else "backtrack"

    def backtrack(state: AgentState) -> dict:
        """Up from the failed leaf to the nearest node that may take another child."""
        tree = _tree(state)
        nodes = tree["nodes"]
        current = nodes[tree["cursor"]]["parent"]
        while current is not None and len(_children(nodes, current)) >= width:
            if nodes[current]["status"] == "ok":
                nodes[current]["status"] = "exhausted"
            current = nodes[current]["parent"]
        if current is None or tree["calls"] >= budget:
            tree["outcome"] = "budget" if tree["calls"] >= budget else "exhausted"
        else:
            tree["cursor"] = current
        return {"scratch": {"dfsdt": tree}}

    def _record_tree(tree: dict[str, Any]) -> None:
        with step("search", "search", "search tree", input={"width": width, "depth": depth, "budget": budget}) as s:
            s.output = [{k: n.get(k) for k in ("id", "parent", "depth", "status", "result")} |
                        {"action": (f"{n['action']['name']}({dumps(n['action']['arguments'])})" if n["action"]
                                    else ("Finish" if n["status"] in ("answer", "gave_up") else "start"))}
                        for n in tree["nodes"]]
            s.meta.update(model_calls=tree["calls"], outcome=tree["outcome"] or "answer")

    def finish(state: AgentState) -> dict:
        tree = _tree(state)
        tree["outcome"] = "answer"
        _record_tree(tree)
        answer = str(tree["nodes"][tree["cursor"]].get("result") or "")
        return {"messages": [{"role": "assistant", "content": answer}], "scratch": {"dfsdt": tree}}

    def give_up(state: AgentState) -> dict:
        tree = _tree(state)
        _record_tree(tree)
        failures = [n for n in tree["nodes"] if n["status"] == "failed"]
        why = f" The last failure: {failures[-1]['result'].removeprefix('Error:').strip()}" if failures else ""
        text = (f"I could not find a way to do this: I explored {len(tree['nodes']) - 1} step(s) in "
                f"{tree['calls']} model call(s) and every branch failed"
                f"{' (the call budget ran out)' if tree['outcome'] == 'budget' else ''}.{why}")
        return {"messages": [{"role": "assistant", "content": text}], "scratch": {"dfsdt": tree}}

    graph = StateGraph(AgentState)
    for name, fn in [("start", start), ("expand", expand), ("act", act), ("backtrack", backtrack),
                     ("finish", finish), ("give_up", give_up)]:
        graph.add_node(name, fn)
    graph.add_edge(START, "start")
    graph.add_edge("start", "expand")
    graph.add_conditional_edges("expand", after_expand, ["act", "finish", "backtrack"])
    graph.add_conditional_edges("act", after_act, ["expand", "backtrack"])
    graph.add_conditional_edges("backtrack", lambda s: "give_up" if _tree(s)["outcome"] else "expand",
                                ["expand", "give_up"])
    graph.add_edge("finish", END)
    graph.add_edge("give_up", END)
    return graph
