"""Commands that read and write what is stored: traces, share links, export and import, tools, agents, models."""

from __future__ import annotations

import json
import os
import sys

from app.cli.common import CliError, _catalog, _open, _print_json, _show_step, _split
from app.config import Settings


def cmd_keys(args) -> int:
    """`keys create NAME` prints a new key once (only its digest is kept); `list`; `revoke ID`."""
    from storage import keys

    _, db = _open(args)
    if args.action == "create":
        if not args.name:
            raise CliError("give the login the key acts as: playground keys create NAME")
        row, key = keys.create(db, args.name)
        if args.json:
            _print_json({"id": row.id, "login": row.login, "key": key})
        else:
            print(key)
            print(f"(key {row.id} for {row.login}: shown once, keep it; send it as 'Authorization: Bearer KEY' or "
                  f"'X-Api-Key: KEY')", file=sys.stderr)
        return 0
    if args.action == "revoke":
        if not args.name:
            raise CliError("give the id of the key to revoke (playground keys list)")
        try:
            row = keys.revoke(db, args.name)
        except keys.NotFound as exc:
            raise CliError(str(exc)) from None
        print(f"revoked {row.id} ({row.login})")
        return 0
    rows = [{"id": r.id, "login": r.login, "ends_with": r.hint, "created_at": r.created_at,
             "revoked": r.revoked_at is not None} for r in keys.listing(db)]
    return _listed(args, "keys", rows, lambda r: f"{r['id']}  {r['login']:<20} …{r['ends_with']}"
                                                f"{'  (revoked)' if r['revoked'] else ''}")


def cmd_logins(args) -> int:
    """Failed logins (storage.throttle): `list`, or `unlock --name N / --address A`."""
    from storage import throttle

    _, db = _open(args)
    if args.action == "unlock":
        if not args.name and not args.address:
            raise CliError("give --name LOGIN or --address ADDRESS (or both) to unlock")
        print(f"lifted {throttle.unlock(db, args.name, args.address)} count(s)")
        return 0
    rows = [{"key": r.key, "failures": r.failures, "last_at": r.last_at, "locked": r.locked}
            for r in throttle.listing(db)]
    return _listed(args, "failed_logins", rows,
                   lambda r: f"{r['key']:<50} {r['failures']:>4} failed{'  LOCKED' if r['locked'] else ''}")


def _listed(args, name: str, rows: list[dict], line) -> int:
    """`rows` as one JSON document ({name: rows}) with --json, else a line each."""
    if args.json:
        _print_json({name: rows})
    else:
        for row in rows:
            print(line(row))
    return 0


def _base_url(args, db) -> str:
    """Where the class reaches the server: said (--base-url, PLAYGROUND_BASE_URL), or where the last `serve` on
    this database listens."""
    from storage import repo

    return (args.base_url or os.environ.get("PLAYGROUND_BASE_URL") or repo.get_fact(db, "served_at") or
            "http://127.0.0.1:7860").rstrip("/")


def cmd_open(args) -> int:
    """A one-time link that gives the session to the browser that opens it (it opens in the chat)."""
    from storage import keys, repo

    _, db = _open(args)
    try:
        session = repo.get_session(db, args.session_id)
    except repo.NotFound:
        raise CliError(f"no session {args.session_id!r}") from None
    url = f"{_base_url(args, db)}/?claim={keys.create_claim(db, session.id)}"
    if args.json:
        _print_json({"session_id": session.id, "url": url, "expires_in_s": keys.CLAIM_TTL_S})
    else:
        print(url)
    return 0


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
            for item in found["redactions"]:
                print(f"{item['where']}: {item['what']}")
            if not found["redactions"]:
                print("nothing to redact: a link would show the trace as stored")
        return 0
    if args.expires is not None and args.expires <= 0:
        raise CliError("--expires must be a positive number of days")
    base = _base_url(args, db)
    share = sharing.create(db, args.session_id, expires_days=args.expires, base_url=base)
    if args.json:
        _print_json(share)
    else:
        for item in share["redactions"]:
            print(f"redacted: {item['where']}: {item['what']}", file=sys.stderr)
        print(share["url"])
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
        what = "OpenInference spans" if args.format == "openinference" else f"{len(doc.get('steps', []))} steps"
        print(f"wrote {args.output} ({what}, {len(text.encode()) + 1:,} bytes)", file=sys.stderr)
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
    names = _catalog(args).add_custom_tools(source, path.name, network=args.allow_network, cpu_seconds=args.cpu,
                                           memory_mb=args.memory, wall_seconds=args.timeout)
    if args.json:
        _print_json({"file": path.name, "tools": names})
    else:
        print(f"added from {path.name}: {', '.join(names)}")
    return 0


def cmd_tools_remove(args) -> int:
    from tools.registry import UnknownToolError

    try:
        _catalog(args).remove_tool(args.name, args.owner)
    except (UnknownToolError, ValueError) as exc:
        raise CliError(str(exc)) from None
    whose = f" of {args.owner}" if args.owner else ""
    if args.json:
        _print_json({"removed": args.name, "owner": args.owner})
    else:
        print(f"removed {args.name}{whose}: every playground on this database drops it (sessions that used it "
              "say so on their next turn)")
    return 0


def _print_imported(args, source: str, names: list[str]) -> None:
    if args.json:
        _print_json({"source": source, "tools": names})
    else:
        print(f"imported from {source}: {', '.join(names)}")


def cmd_tools_import_openapi(args) -> int:
    from tools.model import credential_pairs

    auth = credential_pairs(args.auth or [], "--auth")
    names = _catalog(args).import_openapi(args.spec, base_url=args.base_url, auth=auth, timeout=args.timeout,
                                         prefix=args.prefix or "")
    _print_imported(args, args.spec, names)
    return 0


def cmd_tools_import_mcp(args) -> int:
    from tools.model import credential_pairs

    headers = credential_pairs(args.header or [], "--header")
    if "*" in headers:
        raise CliError("--header takes HEADER=ENV_VAR")
    names = _catalog(args).import_mcp(args.target, env=_split(args.env), headers=headers, timeout=args.timeout,
                                     prefix=args.prefix or "")
    _print_imported(args, args.target, names)
    return 0


def cmd_tools_lint(args) -> int:
    from tools.lint import report

    catalog = _catalog(args)
    names = catalog.resolve_tools(_split(args.tools), args.toolset) if (args.tools or args.toolset) else \
        catalog.tools.names()
    found = report(catalog.tools.resolve(names))
    if args.json:
        _print_json(found)
        return 0
    for w in found["warnings"]:
        print(f"{w['tool']}.{w['field']}: [{w['code']}] {w['message']}")
    print(f"{found['count']} warning(s) in {len(names)} tool(s)")
    return 0


def cmd_tools_list(args) -> int:
    listing = _catalog(args).listing()
    tools, toolsets = listing["tools"], listing["toolsets"]
    if args.json:
        _print_json(listing)
        return 0
    for t in tools:
        params = ", ".join(
            f"{name}{'' if name in t['parameters'].get('required', []) else '?'}"
            for name in t["parameters"].get("properties", {})
        )
        print(f"{t['name']}({params}){'  [side effects]' if t['side_effects'] else ''}\n    {t['description']}")
    print("\ntool sets: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in toolsets.items()))
    return 0


def cmd_agents_list(args) -> int:
    from app import agents

    from app.agents.byo import register_graphs

    settings = Settings.from_env(args.db).with_graphs(args.graph, configs=args.config)
    register_graphs(settings.graphs)
    if settings.configs:
        from app.agents.project import register_configs

        register_configs(settings.configs)
    listed = [a.to_dict() for a in agents.AGENTS.values()]
    if args.json:
        _print_json({"agents": listed})
        return 0
    for a in listed:
        print(f"{a['name']:<14} {a['title']}\n{'':<14} {a['description']}\n{'':<14} {a['paper']}")
    return 0


def cmd_models_list(args) -> int:
    from app.llm import gateway

    models = [m.__dict__ for m in gateway.available_models()]
    if args.json:
        _print_json({"models": models, "default": gateway.default_model()})
        return 0
    for m in models:
        state = "ready" if m["ready"] else m["hint"]
        print(f"{m['name']:<40} {state}")
    return 0
