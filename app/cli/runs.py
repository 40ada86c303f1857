"""Commands that run agents: `run`, `compare`, `fork`, `branches`, `sweep`, `scenarios`, `replay`, `eval`."""

from __future__ import annotations

import json
import sys
from typing import Any

from app.cli.common import CliError, _day, _print_json, _runner, _settings, _show_step, _split


def _question(result) -> dict[str, Any] | None:
    return None if result.clarification is None else result.clarification.to_dict()


def cmd_run(args) -> int:
    if args.input is not None:
        if args.message:
            raise CliError("give a message or --input JSON, not both")
        try:
            json.loads(args.input)
        except json.JSONDecodeError as exc:
            raise CliError(f"--input is not valid JSON: {exc.msg} at column {exc.colno}") from None
        args.message = args.input
    runner = _runner(args)
    from app.llm import gateway

    gateway.warm()  # LiteLLM's first-call set-up paid here, not in the first model step's latency
    answers = list(args.answer or [])
    if args.session:
        if not args.message and not answers:
            raise CliError("--session needs a message or --answer TEXT")
        result = runner.play(args.session, args.message or None, answers)
    else:
        if not args.message:
            raise CliError("a message is required, e.g. playground run \"What is 2+2?\"")
        agent = args.agent
        if agent is None and args.config:
            from app.agents.project import read

            agent = next(iter(read(args.config[-1]).graphs))
        elif agent is None:
            from app.agents.byo import load

            agent = load(args.graph[-1]).name if args.graph else "react"
        settings = _settings(args.settings)
        if args.interrupt_before:
            settings = {**(settings or {}), "interrupt_before": _split(args.interrupt_before)}
        session = runner.new_session(
            agent=agent, model=args.model, tools=_split(args.tools), toolset=args.toolset, settings=settings,
        )
        result = runner.play(session.id, args.message, answers)
    return _print_turn(runner, result, args.json)


def cmd_compare(args) -> int:
    from app import compare

    runner = _runner(args)
    settings = _settings(args.settings) or {}
    columns = [{"agent": agent, "model": model, "settings": settings} for agent, model in args.pair]
    result: dict[str, Any] = {}
    for result in compare.run(runner, args.prompt, columns, tools=_split(args.tools), toolset=args.toolset):
        if not args.json:
            done = [c for c in result["columns"] if c["status"] != "waiting"]
            print(f"  {done[-1]['agent']} / {done[-1]['model']}: {done[-1]['status']}", file=sys.stderr)
    if args.json:
        _print_json(result)
        return 0
    print(f"comparison {result['id']}: {result['prompt']}")
    for c in result["columns"]:
        print(f"\n{c['agent']} / {c['model']}  (session {c['session_id']})  {c['status']}")
        print(f"  {c['steps']} steps, {c['model_calls']} model calls, {c['tool_calls']} tool calls, "
              f"{c['questions']} questions, {c['prompt_tokens']}+{c['completion_tokens']} tokens, "
              f"${c['cost']:.6f}, {c['latency_ms']} ms")
        print(f"  {c['answer']}")
    return 0


def _print_turn(runner, result, as_json: bool) -> int:
    """A turn's outcome, the same for `run`, `fork`, `scenarios run` and `replay`: the session's steps, the
    question left pending (and how to answer it), the answer or the error, and what it cost."""
    from app.tracing.document import trace_document

    trace = trace_document(runner.db, result.session_id)
    if as_json:
        asked = [{k: v for k, v in c.items() if k not in ("session_id", "run_id")} for c in trace["clarifications"]]
        _print_json({"session_id": result.session_id, "status": result.status, "final_answer": result.final_answer,
                     "clarification": _question(result), "clarifications": asked, "fork": trace["fork"],
                     "steps": trace["steps"], "usage": trace["usage"], "error": result.error})
        return 1 if result.status == "error" else 0
    print(f"session {result.session_id}")
    for step in trace["steps"]:
        print(_show_step(step))
    if result.status == "needs_clarification":
        q = result.clarification
        options = f"  options: {', '.join(q.options)}" if q.options else ""
        print(f"\nQuestion ({q.kind}): {q.question}{options}")
        print(f"Answer with: playground run --session {result.session_id} --answer \"...\"")
    elif result.status == "error":
        print(f"\nError: {result.error}", file=sys.stderr)
    else:
        print(f"\n{result.final_answer}")
    u = trace["usage"]
    print(f"\n{u['model_calls']} model calls, {u['tool_calls']} tool calls, {u['total_tokens']} tokens, ${u['cost']:.6f}")
    return 1 if result.status == "error" else 0


def cmd_fork(args) -> int:
    from app import graph_state, timetravel

    runner = _runner(args)
    if args.state is not None:
        if not args.checkpoint:
            raise CliError("--state needs --checkpoint (the ids are listed by `playground state SESSION`)")
        result = graph_state.run_edit(runner, args.session_id, args.checkpoint, args.state, args.as_node)
    elif not args.step:
        raise CliError("name the step to fork from with --step")
    else:
        result = timetravel.run_fork(runner, args.session_id, args.step, message=args.message, arguments=args.args,
                                     answer=args.answer)
    return _print_turn(runner, result, args.json)


def cmd_state(args) -> int:
    from app import graph_state

    points = graph_state.checkpoints(_runner(args), args.session_id, limit=args.limit)
    if args.json:
        _print_json(points)
        return 0
    for point in points:
        print(graph_state.label(point))
        print("  " + json.dumps(point["values"], ensure_ascii=False, default=str)[:300])
    return 0


def cmd_branches(args) -> int:
    from app import timetravel

    rows = timetravel.branches(_runner(args), args.session_id)
    if args.json:
        _print_json(rows)
        return 0
    for b in rows:
        at = f"step {b['step_seq']}" if b["step_seq"] else "its open question"
        what = "original" if b["kind"] is None else (f"from {b['parent_id'][:8]} at {at}: {b['kind']} "
                                                     f"{json.dumps(b['edit'], ensure_ascii=False)}")
        mark = "*" if b["current"] else " "
        print(f"{mark} {b['session_id']}  {b['status']:<20} {what}\n    {b['final_answer'] or ''}")
    return 0


def cmd_sweep(args) -> int:
    from app import timetravel

    runner = _runner(args)
    result: dict[str, Any] = {}
    for result in timetravel.sweep(runner, args.session_id, args.step, args.answer or []):
        if not args.json:
            row = result["rows"][-1]
            print(f"  {row['answer']!r}: {row['status']}", file=sys.stderr)
    if args.json:
        _print_json(result)
        return 0
    for row in result["rows"]:
        print(f"\n{row['answer']!r} -> {row['status']}  (session {row.get('session_id', '-')})")
        print(f"  calls: {', '.join(row.get('tool_calls') or []) or 'none'}")
        print(f"  {row.get('final_answer') or row.get('error')}")
    return 0


def cmd_scenarios_list(args) -> int:
    from app.demos import teaching

    if args.json:
        _print_json([s.to_dict() for s in teaching.SCENARIOS])
        return 0
    for s in teaching.SCENARIOS:
        print(f"{s.id:<22} {s.design:<13} {s.title}\n{'':<22} goal: {s.goal}\n"
              f"{'':<22} on {teaching.LOCAL_MODEL}: {s.on_local_model}")
    return 0


def cmd_scenarios_run(args) -> int:
    from app.demos import teaching

    runner = _runner(args)
    model = args.model or teaching.DEMO_MODEL
    return _print_turn(runner, teaching.run(runner, args.scenario_id, model=model), args.json)


def cmd_replay(args) -> int:
    from app.demos import teaching

    runner = _runner(args)
    result = teaching.replay(runner, args.session_id)
    if args.json:
        return _print_turn(runner, result, True)
    code = _print_turn(runner, result, False)
    same = teaching.compare_with_recording(runner, args.session_id, result.session_id)["same"]
    print("replay matches the recording: same tool calls and answers" if same else
          "the replay differs from the recording (a tool answered differently)")
    return code


def _rescore(args) -> int:
    """`eval --rescore RECORDS.jsonl`: recorded IN3 interactions scored as the paper's code does."""
    from app.eval.rescore import RescoreError, read_jsonl, rescore
    from app.eval.users import make_matcher

    try:
        records = read_jsonl(args.rescore, "records")
        labels = read_jsonl(args.labels, "labels") if args.labels else None
        if args.judge:
            from app.llm import gateway

            gateway.check_model(args.judge)
        metrics, notes = rescore(records, labels, make_matcher(args.matcher), judge=args.judge)
    except (RescoreError, ValueError) as exc:
        raise CliError(str(exc)) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        _print_json(metrics)
    else:
        for key, value in metrics.items():
            shown = ", ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in value.items()) \
                if isinstance(value, dict) else ("-" if value is None else f"{value:.3f}")
            print(f"{key}: {shown}")
    return 0


def cmd_eval(args) -> int:
    from pathlib import Path

    from app.eval import run as evaluation
    from app.datasets import load_suite
    from app.eval.suites import SuiteError

    if args.rescore:
        return _rescore(args)
    if not args.suites:
        raise CliError("name a suite (ntb-dev, in3-dev, a file, a folder or dataset:NAME), or --rescore RECORDS.jsonl")
    runner = _runner(args)
    try:
        suites = [load_suite(runner.db, spec, args.limit, None) for spec in args.suites]
    except SuiteError as exc:
        raise CliError(str(exc)) from None
    from app.agents import get_agent

    get_agent(args.agent)
    total = sum(len(s.items) for s in suites)
    errors = 0

    def progress(done: int, count: int, result: dict) -> None:
        nonlocal errors
        errors += result["status"] in ("error", "timeout")
        width = 30
        bar = "#" * round(width * done / count) + "-" * (width - round(width * done / count))
        print(f"\r[{bar}] {done}/{count} items, {errors} failed", end="" if done < count else "\n",
              file=sys.stderr, flush=True)

    config = evaluation.EvalConfig(agent=args.agent, model=args.model, judge=args.judge, matcher=args.matcher,
                                   concurrency=args.concurrency, item_timeout=args.item_timeout,
                                   settings=_settings(args.settings), as_of=_day(args.as_of))
    try:
        result = evaluation.run(runner, suites, config, on_result=progress if total else None)
    except ValueError as exc:  # an unknown matcher
        raise CliError(str(exc)) from None
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    if args.json:
        _print_json(result)
        return 0
    print(f"eval {result['eval_id']}: {args.agent} on {args.model}; judge {result['judge']['name']}, matcher "
          f"{result['matcher']['name']}")
    for suite, categories in result["summary"].items():
        for category, figures in categories.items():
            shown = ", ".join(f"{k}={v}" for k, v in figures.items() if v is not None and k not in ("cost",))
            print(f"  {suite:10} {category:6} {shown}")
    if args.out:
        print(f"written to {args.out}")
    return 0
