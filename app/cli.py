"""`playground ...`: serve the UI, run a session headless, read traces, list tools and agents.

Every subcommand takes `--db URL`; those that print data take `--json` and then print one JSON document on
stdout. Problems with the input (unknown model, tool, agent or session) print one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from app.config import DEMO_MODEL, Settings


class CliError(Exception):
    pass


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _open(args):
    from storage import open_database

    settings = Settings.from_env(getattr(args, "db", None)).with_graphs(getattr(args, "graph", None),
                                                                        getattr(args, "tool_module", None))
    return settings, open_database(settings.database_url)


def _runner(args):
    from app.runner import Runner

    settings, db = _open(args)
    return Runner(db, settings)


def _split(values: list[str] | None) -> list[str]:
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def _show_step(step: dict[str, Any]) -> str:
    duration = f"{step['duration_ms']:.1f} ms" if step.get("duration_ms") is not None else "-"
    status = "" if step["status"] == "ok" else f"  [{step['status']}: {step.get('error')}]"
    detail = ""
    if step["kind"] == "tool":
        detail = f" {json.dumps(step['input'], ensure_ascii=False)} -> {json.dumps(step['output'], ensure_ascii=False)[:120]}"
    elif step["kind"] == "model":
        out = step.get("output") or {}
        calls = [c["function"]["name"] for c in out.get("tool_calls") or []]
        detail = f" calls {', '.join(calls)}" if calls else f" says {str(out.get('content') or '')[:100]!r}"
    return f"  {step['seq']:>3} {step['kind']:<13} {step['name']:<16} {duration:>10}{detail}{status}"


def _question(result) -> dict[str, Any] | None:
    return None if result.clarification is None else result.clarification.to_dict()


def cmd_run(args) -> int:
    runner = _runner(args)
    answers = list(args.answer or [])
    if args.session:
        if not args.message and not answers:
            raise CliError("--session needs a message or --answer TEXT")
        result = runner.play(args.session, args.message or None, answers)
    else:
        if not args.message:
            raise CliError("a message is required, e.g. playground run \"What is 2+2?\"")
        agent = args.agent
        if agent is None:
            from app.agents.byo import load

            agent = load(args.graph[-1]).name if args.graph else "react"
        session = runner.new_session(
            agent=agent, model=args.model, tools=_split(args.tools), toolset=args.toolset,
            settings=_settings(args.settings),
        )
        result = runner.play(session.id, args.message, answers)
    from app.tracing.document import trace_document

    trace = trace_document(runner.db, result.session_id)
    if args.json:
        asked = [{k: v for k, v in c.items() if k not in ("session_id", "run_id")} for c in trace["clarifications"]]
        _print_json({
            "session_id": result.session_id, "status": result.status, "final_answer": result.final_answer,
            "clarification": _question(result), "clarifications": asked, "steps": trace["steps"],
            "usage": trace["usage"], "error": result.error,
        })
    else:
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
    from app.tracing.document import trace_document

    trace = trace_document(runner.db, result.session_id)
    if as_json:
        _print_json({"session_id": result.session_id, "status": result.status, "final_answer": result.final_answer,
                     "clarification": _question(result), "fork": trace["fork"], "steps": trace["steps"],
                     "usage": trace["usage"], "error": result.error})
        return 1 if result.status == "error" else 0
    print(f"session {result.session_id}")
    for step in trace["steps"]:
        print(_show_step(step))
    if result.status == "needs_clarification":
        print(f"\nQuestion: {result.clarification.question}")
    elif result.status == "error":
        print(f"\nError: {result.error}", file=sys.stderr)
    else:
        print(f"\n{result.final_answer}")
    return 1 if result.status == "error" else 0


def cmd_fork(args) -> int:
    from app import timetravel

    runner = _runner(args)
    result = timetravel.run_fork(runner, args.session_id, args.step, message=args.message, arguments=args.args,
                                 answer=args.answer)
    return _print_turn(runner, result, args.json)


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
        print(f"{s.id:<22} {s.design:<13} {s.title}\n{'':<22} goal: {s.goal}")
    return 0


def cmd_scenarios_run(args) -> int:
    from app.demos import teaching

    runner = _runner(args)
    return _print_turn(runner, teaching.run(runner, args.scenario_id), args.json)


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


def cmd_share(args) -> int:
    from app import sharing

    _, db = _open(args)
    if args.revoke:
        if not sharing.revoke_token(db, args.revoke):
            raise CliError("no live share link with that token")
        print("revoked")
        return 0
    if not args.session_id:
        raise CliError("give a SESSION_ID to share, or --revoke TOKEN")
    if args.preview:
        found = sharing.preview(db, args.session_id)
        if args.json:
            _print_json(found)
        else:
            for item in found["redactions"] or [{"where": "-", "what": "nothing to redact"}]:
                print(f"{item['where']}: {item['what']}")
        return 0
    if args.expires is not None and args.expires <= 0:
        raise CliError("--expires must be a positive number of days")
    share = sharing.create(db, args.session_id, expires_days=args.expires)
    if args.json:
        _print_json(share)
    else:
        for item in share["redactions"]:
            print(f"redacted: {item['where']}: {item['what']}", file=sys.stderr)
        print(share["path"])
    return 0


def cmd_export(args) -> int:
    from app.tracing import export

    _, db = _open(args)
    doc = export.export_session(db, args.session_id)
    if args.format == "openinference":
        doc = export.openinference(doc)
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


def cmd_import(args) -> int:
    from app.tracing import export

    _, db = _open(args)
    try:
        with open(args.file, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{args.file} is not JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        session_id = export.import_session(db, data)
    except export.ImportProblem as exc:
        raise CliError(f"cannot import {args.file}: {exc}") from None
    if args.json:
        _print_json({"session_id": session_id})
    else:
        print(session_id)
    return 0


def cmd_trace(args) -> int:
    from app.tracing.document import trace_document

    _, db = _open(args)
    trace = trace_document(db, args.session_id)
    if args.json:
        _print_json(trace)
        return 0
    s = trace["session"]
    print(f"session {s['id']}  agent={s['agent']} model={s['model']} tools={','.join(s['tools'])} status={s['status']}")
    for run in trace["runs"]:
        print(f"\nturn {run['seq']}: {run['user_message']}")
        for step in (st for st in trace["steps"] if st["run_id"] == run["id"]):
            print(_show_step(step))
        if run["final_answer"]:
            print(f"  => {run['final_answer']}")
    return 0


def cmd_tools_add(args) -> int:
    from pathlib import Path

    path = Path(args.file)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from None
    names = _runner(args).add_custom_tools(source, path.name, network=args.allow_network, cpu_seconds=args.cpu,
                                           memory_mb=args.memory, wall_seconds=args.timeout)
    if args.json:
        _print_json({"file": path.name, "tools": names})
    else:
        print(f"added from {path.name}: {', '.join(names)}")
    return 0


def _print_imported(args, source: str, names: list[str]) -> None:
    if args.json:
        _print_json({"source": source, "tools": names})
    else:
        print(f"imported from {source}: {', '.join(names)}")


def cmd_tools_import_openapi(args) -> int:
    from tools.model import credential_pairs

    auth = credential_pairs(args.auth or [], "--auth")
    names = _runner(args).import_openapi(args.spec, base_url=args.base_url, auth=auth, timeout=args.timeout,
                                         prefix=args.prefix or "")
    _print_imported(args, args.spec, names)
    return 0


def cmd_tools_import_mcp(args) -> int:
    from tools.model import credential_pairs

    headers = credential_pairs(args.header or [], "--header")
    if "*" in headers:
        raise CliError("--header takes HEADER=ENV_VAR")
    names = _runner(args).import_mcp(args.target, env=_split(args.env), headers=headers, timeout=args.timeout,
                                     prefix=args.prefix or "")
    _print_imported(args, args.target, names)
    return 0


def cmd_tools_lint(args) -> int:
    from tools.lint import report

    runner = _runner(args)
    names = runner.resolve_tools(_split(args.tools), args.toolset) if (args.tools or args.toolset) else \
        runner.tools.names()
    found = report(runner.tools.resolve(names))
    if args.json:
        _print_json(found)
        return 0
    for w in found["warnings"]:
        print(f"{w['tool']}.{w['field']}: [{w['code']}] {w['message']}")
    print(f"{found['count']} warning(s) in {len(names)} tool(s)")
    return 0


def cmd_tools_list(args) -> int:
    registry = _runner(args).tools
    tools = [{**t.function, "side_effects": t.side_effects, "source": t.source} for t in registry.tools.values()]
    if args.json:
        _print_json({"tools": tools, "toolsets": registry.toolsets})
        return 0
    for t in tools:
        params = ", ".join(
            f"{name}{'' if name in t['parameters'].get('required', []) else '?'}"
            for name in t["parameters"].get("properties", {})
        )
        print(f"{t['name']}({params}){'  [side effects]' if t['side_effects'] else ''}\n    {t['description']}")
    print("\ntool sets: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in registry.toolsets.items()))
    return 0


def cmd_agents_list(args) -> int:
    from app import agents

    from app.agents.byo import register_graphs

    register_graphs(Settings.from_env(args.db).with_graphs(args.graph).graphs)
    listed = [a.to_dict() for a in agents.AGENTS.values()]
    if args.json:
        _print_json({"agents": listed})
        return 0
    for a in listed:
        print(f"{a['name']:<14} {a['title']}\n{'':<14} {a['description']}\n{'':<14} {a['paper']}")
    return 0


def cmd_eval(args) -> int:
    from pathlib import Path

    from app.eval import run as evaluation
    from app.eval.suites import SuiteError, load

    try:
        suites = [load(spec, args.limit) for spec in args.suites]
    except SuiteError as exc:
        raise CliError(str(exc)) from None
    runner = _runner(args)
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
                                   settings=_settings(args.settings))
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


def cmd_models_list(args) -> int:
    from app.llm import gateway

    models = [m.__dict__ for m in gateway.available_models()]
    if args.json:
        _print_json({"models": models, "default": gateway.default_model()})
        return 0
    for m in models:
        state = "ready" if m["ready"] else f"set {m['needs']}"
        print(f"{m['name']:<40} {state}")
    return 0


def _settle_heap() -> None:
    """Move everything alive at start into the collector's permanent generation: a full collection otherwise
    walks the ~400k objects of the libraries loaded at start, a 200-300 ms pause for every turn running at
    that moment (bench/load.py). A first turn adds only ~1k more objects, so there is nothing to warm up."""
    import gc

    gc.collect()
    gc.freeze()


def _settings(text: str | None) -> dict | None:
    """--settings as a JSON object, or CliError saying where it is not one."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--settings is not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise CliError(f"--settings must be a JSON object, like '{{\"strictness\": \"missing_only\"}}', not "
                       f"{type(value).__name__}")
    return value


def cmd_hash_password(args) -> int:
    """A line for --auth-file: the password from stdin (never on the command line, where `ps` shows it)."""
    import getpass

    from app.auth import hash_password

    if not args.name or ":" in args.name:
        raise CliError("give a login name without ':'")
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise CliError("the password is empty")
    print(f"{args.name}:{hash_password(password)}")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from app.api import create_app

    settings = Settings.from_env(args.db).with_graphs(args.graph, args.tool_module)
    if args.auth or args.auth_file:
        settings = Settings(**{**settings.__dict__, "auth": settings.auth + tuple(args.auth or ()),
                               "auth_file": args.auth_file or settings.auth_file})
    if settings.mcp_commands is None:  # the browser may start MCP commands only on this machine's own address
        settings = Settings(**{**settings.__dict__, "mcp_commands": args.host in ("127.0.0.1", "localhost", "::1")})
    app = create_app(settings)
    _settle_heap()
    label = app.state.runner.db.label  # without a password
    print(f"Agent Playground on http://{args.host}:{args.port}  (database: {label})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playground", description="Agent Playground: tool-using agents that ask.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler, help: str, json_flag: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--db", help="database URL (default: a SQLite file in your data directory)")
        if json_flag:
            p.add_argument("--json", action="store_true", help="print one JSON document")
        p.set_defaults(handler=handler)
        return p

    p = add("serve", cmd_serve, "serve the playground UI, the JSON API and share pages", json_flag=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", action="append", help="require a login on every route; name:password (repeatable: "
                   "each login is an owner of its own)")
    p.add_argument("--auth-file", help="logins from a file of name:hash lines (see hash-password)")
    p.add_argument("--graph", action="append", help="add your own agent design: package.module:factory (repeatable)")
    p.add_argument("--tool-module", action="append", help="LangChain tools: package.module:attribute (a tool, a "
                   "list, a toolkit or a function returning one; repeatable)")

    p = add("hash-password", cmd_hash_password, "print a name:hash line for --auth-file (password on stdin)",
            json_flag=False)
    p.add_argument("name", help="the login name")

    p = add("run", cmd_run, "run one session headless")
    p.add_argument("message", nargs="?")
    p.add_argument("--agent", help="agent design (default: react, or the --graph design)")
    p.add_argument("--graph", action="append", help="your own agent design: package.module:factory")
    p.add_argument("--tool-module", action="append", help="LangChain tools: package.module:attribute (a tool, a "
                   "list, a toolkit or a function returning one; repeatable)")
    p.add_argument("--model", default=DEMO_MODEL)
    p.add_argument("--tools", action="append", help="comma-separated tool names")
    p.add_argument("--toolset", help="a named tool set")
    p.add_argument("--answer", action="append", help="answer to the next clarification (repeatable)")
    p.add_argument("--session", help="continue this session (with --answer or a message)")
    p.add_argument("--settings", help="agent settings as JSON, e.g. '{\"strictness\": \"missing_only\"}'")

    p = add("compare", cmd_compare, "send one prompt to 2-4 (agent, model) pairs and compare them")
    p.add_argument("prompt")
    p.add_argument("--pair", nargs=2, action="append", metavar=("AGENT", "MODEL"), required=True,
                   help="an agent and a model (repeat 2-4 times)")
    p.add_argument("--tools", action="append", help="comma-separated tool names")
    p.add_argument("--toolset", help="a named tool set")
    p.add_argument("--settings", help="agent settings for every column, as JSON")
    p.add_argument("--graph", action="append", help="also load package.module:factory")

    p = add("fork", cmd_fork, "time travel: re-run a session from one of its steps after one edit (a new branch; "
            "the session itself is not changed)")
    p.add_argument("session_id")
    p.add_argument("--step", required=True, help="the step's number (# in the trace) or id")
    edit = p.add_mutually_exclusive_group(required=True)
    edit.add_argument("--message", help="replace the user message of the step's run")
    edit.add_argument("--args", help="replace a tool step's arguments (a JSON object)")
    edit.add_argument("--answer", help="replace a clarification step's answer")

    p = add("branches", cmd_branches, "list a session's family of time-travel branches")
    p.add_argument("session_id")

    p = add("sweep", cmd_sweep, "answer sweep: try several answers to one question, each in its own branch")
    p.add_argument("session_id")
    p.add_argument("--step", help="a clarification step (default: the session's pending question)")
    p.add_argument("--answer", action="append", required=True, help="an answer to try (repeatable)")

    p = add("replay", cmd_replay, "replay a recorded session offline: its model turns played back, its tools run "
            "again (prints the new session)")
    p.add_argument("session_id")

    p = add("share", cmd_share, "make a read-only share link to a session's trace (prints /share/<token>)")
    p.add_argument("session_id", nargs="?")
    p.add_argument("--expires", type=float, metavar="DAYS", help="the link stops working after DAYS days")
    p.add_argument("--revoke", metavar="TOKEN", help="revoke the link with this token")
    p.add_argument("--preview", action="store_true", help="list what would be redacted, share nothing")

    p = add("export", cmd_export, "write a session as JSON (redacted) or OpenInference spans", json_flag=False)
    p.add_argument("session_id")
    p.add_argument("--format", choices=["json", "openinference"], default="json")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")

    p = add("import", cmd_import, "import an exported session (read-only); prints the new session id")
    p.add_argument("file")

    p = add("trace", cmd_trace, "show a session's trace")
    p.add_argument("session_id")

    tools = sub.add_parser("tools", help="tools").add_subparsers(dest="tools_command", required=True)
    p = tools.add_parser("list", help="list tools and tool sets")
    p.add_argument("--db")
    p.add_argument("--tool-module", action="append", help="also load LangChain tools: package.module:attribute")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tools_list)
    p = tools.add_parser("lint", help="where agents will have to guess: undocumented required parameters, free "
                         "text that should be an enum or a date, short or overlapping descriptions")
    p.add_argument("--tools", action="append", help="comma-separated tool names (default: every tool)")
    p.add_argument("--toolset", help="a named tool set")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tools_lint)
    p = tools.add_parser("add", help="add the typed, documented functions of a Python file as tools (they run in a "
                         "sandboxed process)")
    p.add_argument("file")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.add_argument("--allow-network", action="store_true", help="let these tools use the network")
    p.add_argument("--cpu", type=int, help="CPU-time limit per call, seconds (default 5)")
    p.add_argument("--memory", type=int, help="memory limit per call, MB (default 512)")
    p.add_argument("--timeout", type=float, help="wall-clock limit per call, seconds (default 10)")
    p.set_defaults(handler=cmd_tools_add)
    p = tools.add_parser("import-openapi", help="each operation of an OpenAPI 3 spec (file or URL, JSON or YAML) "
                         "becomes a tool calling that API")
    p.add_argument("spec", help="a file path or an http(s) URL")
    p.add_argument("--base-url", help="where the API is (default: the spec's first server)")
    p.add_argument("--auth", action="append", help="SCHEME=ENV_VAR: send the variable's value as that security "
                   "scheme says; a bare ENV_VAR when the spec has one scheme. Only the name is stored")
    p.add_argument("--timeout", type=float, help="seconds per request (default 10)")
    p.add_argument("--prefix", help="put this before every tool name (to keep two APIs apart)")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tools_import_openapi)
    p = tools.add_parser("import-mcp", help="the tools of an MCP server, by stdio command or streamable HTTP URL")
    p.add_argument("target", help="a command line (quoted: 'python server.py') or an http(s) URL")
    p.add_argument("--env", action="append", help="comma-separated names of environment variables the stdio "
                   "server gets (it gets no others but PATH, HOME and the like)")
    p.add_argument("--header", action="append", help="HEADER=ENV_VAR sent to an HTTP server")
    p.add_argument("--timeout", type=float, help="seconds per call (default 30)")
    p.add_argument("--prefix", help="put this before every tool name")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tools_import_mcp)

    agents = sub.add_parser("agents", help="agent designs").add_subparsers(dest="agents_command", required=True)
    p = agents.add_parser("list", help="list agent designs")
    p.add_argument("--db")
    p.add_argument("--graph", action="append", help="also load package.module:factory")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_agents_list)

    scenarios = sub.add_parser("scenarios", help="teaching scenarios").add_subparsers(dest="scenarios_command",
                                                                                      required=True)
    p = scenarios.add_parser("list", help="list the built-in teaching scenarios")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_scenarios_list)
    p = scenarios.add_parser("run", help="run a scenario offline on the demo model (prints the session)")
    p.add_argument("scenario_id")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_scenarios_run)

    p = add("eval", cmd_eval, "run an agent on clarification benchmarks (NoisyToolBench-style tool-call suites, IN3 "
            "intention suites) with simulated users; prints metrics per category")
    p.add_argument("suites", nargs="+", help="built-in suite (ntb-dev, in3-dev), a suite file, or a folder")
    p.add_argument("--agent", default="awn")
    p.add_argument("--model", default=DEMO_MODEL)
    p.add_argument("--judge", help="model judging A3 (default: a deterministic rule)")
    p.add_argument("--matcher", help="how a question is matched to the needed one: lexical (default), minilm, "
                   "llm:<model>")
    p.add_argument("--limit", type=int, help="at most N items per suite, spread over its categories")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--item-timeout", type=float, default=300.0, help="seconds per item before it is recorded as "
                   "a timeout")
    p.add_argument("--settings", help="agent settings as JSON")
    p.add_argument("--out", help="write the full report (every item) as JSON here")
    p.add_argument("--graph", action="append", help="also load package.module:factory")

    models = sub.add_parser("models", help="models").add_subparsers(dest="models_command", required=True)
    p = models.add_parser("list", help="list models and what each needs")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_models_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.agents import UnknownAgentError
    from app.agents.byo import GraphSpecError
    from app.llm.gateway import ModelConfigError
    from app.runner import TurnError
    from sqlalchemy.exc import DBAPIError

    from app.auth import AuthConfigError
    from storage import NotFound, StorageError
    from tools.registry import UnknownToolError
    from tools.model import ToolImportError

    try:
        return args.handler(args)
    except (CliError, GraphSpecError, ModelConfigError, UnknownToolError, UnknownAgentError, TurnError, NotFound,
            StorageError, ToolImportError, AuthConfigError) as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # the database refused mid-command (locked, read-only, gone)
        from storage.engine import describe_error, url_label

        where = url_label(Settings.from_env(getattr(args, "db", None)).database_url)
        print(f"playground: {describe_error(where, exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
