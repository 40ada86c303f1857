"""Running a benchmark: each item is a session of its own (its trace is linked from the report), driven by a
simulated user until the agent answers or gives up; items run `concurrency` at a time; a failed item (model
error, timeout) is recorded and the run goes on. Results go to the database as they finish."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from app.dates import as_of
from app.eval import kinds, metrics
from app.eval.suites import Item, Suite
from app.eval.users import LLMMatcher, Matcher, MiniLMMatcher, make_matcher
from app.runner import Runner
from storage import repo
from tools.registry import ToolRegistry

MAX_ROUNDS = 8


@dataclass
class EvalConfig:
    agent: str
    model: str
    judge: str | None = None
    matcher: str | None = None
    concurrency: int = 2
    item_timeout: float = 300.0
    settings: dict[str, Any] | None = None
    owner: str | None = None
    as_of: date | None = None  # every item's dates relative to this day (default: each suite's own, else today)


def _judge(model: str | None) -> tuple[str, Callable | None]:
    """(how A3 is judged, a judge function or None for the deterministic rule)."""
    if not model or model.startswith("demo/"):
        return "deterministic", None
    from app.llm import gateway

    gateway.check_model(model)

    def judge(item: Item, answer: str, exchanges: list) -> bool:
        given = "; ".join(e.answer for e in exchanges if e.relevant)
        reply = gateway.complete(model, [
            {"role": "system", "content": "You grade an assistant. Answer yes or no only."},
            {"role": "user", "content": f"Request: {item.query}\nInformation the user gave later: {given or 'none'}"
                                        f"\nAssistant's final answer: {answer}\n\nDoes the final answer fulfil the "
                                        "request (or rightly say it cannot be done)?"}], timeout=60, retries=1)
        return reply.content.strip().lower().startswith("yes")

    def calls_equivalent(item: Item, expected: dict, actual: dict) -> bool:
        """The paper's ToolEvaluator: would the expected call's arguments be accepted as the actual's?"""
        reply = gateway.complete(model, [
            {"role": "system", "content": "You compare two tool calls for the same request. Answer yes or no only."},
            {"role": "user", "content": f"Request: {item.query}\nDo these two calls ask the tool for the same "
                                        "thing (paraphrases and other spellings of a value count as the same)?"
                                        f"\n1. {json.dumps(expected, ensure_ascii=False)}"
                                        f"\n2. {json.dumps({k: actual[k] for k in ('name', 'arguments')}, ensure_ascii=False)}"
                                        "\n"}], timeout=60, retries=1)
        return reply.content.strip().lower().startswith("yes")

    judge.calls_equivalent = calls_equivalent  # type: ignore[attr-defined]
    return model, judge


def run_item(runner: Runner, item: Item, config: EvalConfig, matcher: Matcher, judge) -> dict[str, Any]:
    """One item: a session, the conversation with the simulated user, the item's metrics; as of the day its
    dates are relative to."""
    day = config.as_of or item.as_of
    with as_of(day):
        result = _run_item(runner, item, config, matcher, judge)
    result["as_of"] = day.isoformat() if day else None
    return result


def _run_item(runner: Runner, item: Item, config: EvalConfig, matcher: Matcher, judge) -> dict[str, Any]:
    started = time.time()
    aliases: dict[str, str] = {}
    result: dict[str, Any] = {"suite": item.suite, "kind": item.kind, "category": item.category,
                              "item_id": item.id, "query": item.query, "session_id": None, "status": "error",
                              "error": None, "final_answer": None, "metrics": {}, "exchanges": [],
                              "item": item.data}  # kept for a dataset of failures (app.datasets); not reported
    kind = kinds.get(item.kind)
    user = kind.user(item, matcher)
    try:
        tools, aliases = kind.tools(item)
        if tools:
            registry = ToolRegistry()
            for t in tools:
                registry.register(t, replace=True)
            item_runner = runner.with_tools(registry)  # one checkpointer and pool for every item
        else:
            item_runner = runner
        settings = {**(config.settings or {}), "eval_item": item.id}
        if config.agent == "oracle":  # the harness's own check knows the answer key
            settings["oracle_script"] = kind.script(item, aliases)
        session = item_runner.new_session(config.agent, config.model, tools=[t.name for t in tools],
                                          owner=config.owner, settings=settings,
                                          title=f"eval {item.suite} {item.id}")
        result["session_id"] = session.id
        turn = item_runner.play(session.id, item.query, user.answer, owner=config.owner, max_rounds=MAX_ROUNDS)
        result["status"], result["error"], result["final_answer"] = turn.status, turn.error, turn.final_answer
        steps = item_runner.trace(session.id, config.owner)["steps"]
    except Exception as exc:  # noqa: BLE001 - a failed item is a result, the run goes on
        result["error"] = f"{type(exc).__name__}: {exc}"
        steps = []
    result["exchanges"] = [e.__dict__ for e in user.exchanges]
    result["turns"] = 1 + sum(1 for e in user.exchanges)  # the request, then each answer: the papers' turns
    if item.kind == "intent" and item.data.get("category"):
        result["task_category"] = str(item.data["category"])  # IN3's own categories, reported as groups too
    if result["status"] != "error":
        result["metrics"] = kind.score(kinds.Played(item, steps, user.exchanges, result["final_answer"],
                                                    result["status"], aliases, judge, matcher))
    result.update(steps=len(steps), latency_s=round(time.time() - started, 3), **metrics.usage(steps))
    return result


def run(runner: Runner, suites: list[Suite], config: EvalConfig,
        on_result: Callable[[int, int, dict], None] | None = None) -> dict[str, Any]:
    """Run every item of every suite; returns the report (also stored: `eval_id`)."""
    matcher = make_matcher(config.matcher)
    judge_name, judge = _judge(config.judge)
    items = [item for suite in suites for item in suite.items]
    row = repo.create_eval(runner.db, suites=[s.name for s in suites], agent=config.agent, model=config.model,
                           judge=judge_name, matcher=matcher.name, settings=config.settings or {},
                           total=len(items), owner=config.owner)
    results: list[dict | None] = [None] * len(items)
    lock = threading.Lock()
    finished = 0

    def record(index: int, result: dict[str, Any]) -> None:
        nonlocal finished
        with lock:
            if results[index] is not None:
                return  # a timed-out item that finished after all: its timeout stands
            results[index] = result
            finished += 1
            done = finished
        repo.add_eval_item(runner.db, eval_id=row.id, seq=index, suite=result["suite"], category=result["category"],
                           item_id=result["item_id"], session_id=result["session_id"], status=result["status"],
                           error=result["error"], result=result)
        if on_result:
            on_result(done, len(items), result)

    running: dict[int, tuple[threading.Thread, float]] = {}
    queue = list(range(len(items)))
    while queue or running:
        while queue and len(running) < max(1, config.concurrency):
            index = queue.pop(0)
            worker = threading.Thread(target=lambda i=index: record(i, run_item(runner, items[i], config, matcher,
                                                                                 judge)),
                                      name=f"eval-{index}", daemon=True)
            running[index] = (worker, time.time())
            worker.start()
        time.sleep(0.05)
        for index, (worker, started) in list(running.items()):
            if not worker.is_alive():
                running.pop(index)
            elif time.time() - started > config.item_timeout:
                running.pop(index)  # abandoned: the thread is a daemon; its late result is ignored
                item = items[index]
                record(index, {"suite": item.suite, "kind": item.kind, "category": item.category, "item_id": item.id,
                               "query": item.query, "item": item.data, "session_id": None, "status": "timeout",
                               "error": f"the item did not finish within {config.item_timeout:g} s",
                               "final_answer": None, "metrics": {}, "exchanges": [], "steps": 0,
                               "latency_s": round(time.time() - started, 3), "tokens": 0, "cost": 0.0})
    done = [r for r in results if r is not None]
    summary = kinds.aggregate(done)
    repo.finish_eval(runner.db, row.id, summary)
    return report(row.id, [s.name for s in suites], config, judge_name, {"name": matcher.name,
                                                                          "threshold": round(matcher.threshold, 3)},
                  summary, done)


def report(eval_id: str, suites: list[str], config: EvalConfig, judge: str, matcher: dict[str, Any],
           summary: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "eval_id": eval_id, "suites": suites, "agent": config.agent, "model": config.model,
        "judge": {"name": judge, "deterministic": judge == "deterministic",
                  "note": "A3 by rule: finished with an answer and A2 holds (IBTC: A1)" if judge == "deterministic"
                  else f"A3, and the calls A2's rules reject, judged by {judge}"},
        "matcher": matcher,
        "summary": summary, "items": [{k: v for k, v in r.items() if k != "item"} for r in items],
    }


def stored_report(runner: Runner, eval_id: str, owner: str | None = None) -> dict[str, Any]:
    row = repo.get_eval(runner.db, eval_id, owner)
    items = [r.result for r in repo.eval_items(runner.db, eval_id)]
    config = EvalConfig(agent=row.agent, model=row.model, judge=row.judge, matcher=row.matcher)
    threshold = {"lexical": Matcher.threshold, "minilm": MiniLMMatcher.threshold}.get(row.matcher,
                                                                                      LLMMatcher.threshold)
    return report(row.id, row.suites, config, row.judge, {"name": row.matcher, "threshold": round(threshold, 3)},
                  row.summary or kinds.aggregate(items), items)
