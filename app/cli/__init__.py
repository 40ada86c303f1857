"""`playground ...`: serve the UI, run a session headless, read traces, list tools and agents.

Every subcommand takes `--db URL`; those that print data take `--json` and then print one JSON document on
stdout. Problems with the input (unknown model, tool, agent or session) print one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from app.cli.common import CliError
from app.cli.data import (cmd_agents_list, cmd_export, cmd_import, cmd_keys, cmd_logins, cmd_open, cmd_models_list, cmd_share, cmd_tools_add,
                          cmd_tools_import_mcp, cmd_tools_import_openapi, cmd_tools_lint, cmd_tools_list, cmd_tools_remove,
                          cmd_trace)
from app.cli.datasets import (cmd_datasets_add, cmd_datasets_create, cmd_datasets_export, cmd_datasets_list,
                              cmd_datasets_remove, cmd_datasets_show, cmd_mark)
from app.cli.runs import (cmd_branches, cmd_compare, cmd_eval, cmd_fork, cmd_replay, cmd_run, cmd_state, cmd_scenarios_list,
                          cmd_scenarios_run, cmd_sweep)
from app.cli.serve import cmd_hash_password, cmd_mcp, cmd_serve
from app.config import DEMO_MODEL, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playground", description="Agent Playground: tool-using agents that ask.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler, help: str, json_flag: bool = True, under=sub) -> argparse.ArgumentParser:
        """A command, with the options every command has: `--db`, and `--json` where it prints data."""
        p = under.add_parser(name, help=help, description=help)
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
    p.add_argument("--config", action="append", help="open a LangGraph project unchanged: the path of its "
                   "langgraph.json (repeatable); each graph is an agent")
    p.add_argument("--tool-module", action="append", help="LangChain tools: [PREFIX=]package.module:attribute (a tool, a "
                   "list, a toolkit or a function returning one; repeatable)")

    p = add("mcp", cmd_mcp, "serve the agents as MCP tools over stdio (for a desktop assistant or an IDE); a "
            "question is an elicitation", json_flag=False)
    p.add_argument("--as", dest="login", metavar="NAME", help="the sessions are this login's (default: the shared "
                   "owner of clients without a login, anon:clients)")
    p.add_argument("--graph", action="append", help="add your own agent design: package.module:factory (repeatable)")
    p.add_argument("--config", action="append", help="open a LangGraph project: the path of its langgraph.json")

    p = add("hash-password", cmd_hash_password, "print a name:hash line for --auth-file (password on stdin)",
            json_flag=False)
    p.add_argument("name", help="the login name")

    p = add("run", cmd_run, "run one session headless")
    p.add_argument("message", nargs="?")
    p.add_argument("--agent", help="agent design (default: react, or the --graph design)")
    p.add_argument("--graph", action="append", help="your own agent design: package.module:factory")
    p.add_argument("--config", action="append", help="open a LangGraph project unchanged: the path of its "
                   "langgraph.json (repeatable); each graph is an agent")
    p.add_argument("--input", help="the input of a graph that takes other fields than messages, as a JSON object "
                   "(instead of a message)")
    p.add_argument("--interrupt-before", action="append", metavar="NODE",
                   help="pause before this node of an opened graph (repeatable); answer Continue to go on")
    p.add_argument("--tool-module", action="append", help="LangChain tools: [PREFIX=]package.module:attribute (a tool, a "
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

    def graph_options(p) -> None:  # a session of a --graph design or an opened project needs it loaded again
        p.add_argument("--graph", action="append", help="also load package.module:factory")
        p.add_argument("--config", action="append", help="also open a LangGraph project: its langgraph.json")

    p = add("fork", cmd_fork, "time travel: re-run a session from one of its steps (or checkpoints) after one edit "
            "(a new branch; the session itself is not changed)")
    p.add_argument("session_id")
    p.add_argument("--step", help="the step's number (# in the trace) or id")
    p.add_argument("--checkpoint", help="with --state: the checkpoint's id (see `playground state`)")
    p.add_argument("--as-node", help="with --state: the node the edit is written as (default: LangGraph decides)")
    graph_options(p)
    edit = p.add_mutually_exclusive_group(required=True)
    edit.add_argument("--message", help="replace the user message of the step's run")
    edit.add_argument("--args", help="replace a tool step's arguments (a JSON object)")
    edit.add_argument("--answer", help="replace a clarification step's answer")
    edit.add_argument("--state", help="write these channels of the graph's state at --checkpoint (a JSON object)")

    p = add("state", cmd_state, "a session's checkpoints, newest first: each one's step, next nodes, waiting "
            "interrupts and the graph's own channels")
    p.add_argument("session_id")
    p.add_argument("--limit", type=int, default=20, help="how many checkpoints (default 20)")
    graph_options(p)

    p = add("branches", cmd_branches, "list a session's family of time-travel branches")
    p.add_argument("session_id")

    p = add("sweep", cmd_sweep, "answer sweep: try several answers to one question, each in its own branch")
    p.add_argument("session_id")
    p.add_argument("--step", help="a clarification step (default: the session's pending question)")
    p.add_argument("--answer", action="append", required=True, help="an answer to try (repeatable)")

    p = add("replay", cmd_replay, "replay a recorded session offline: its model turns played back, its tools run "
            "again (prints the new session)")
    p.add_argument("session_id")

    p = add("keys", cmd_keys, "API keys for the protocols' clients (LangGraph SDK, A2A, MCP over HTTP): create, list "
            "or revoke")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("name", nargs="?", help="create: the login the key acts as; revoke: the key's id")

    p = add("logins", cmd_logins, "failed logins: list the names and addresses being held back, or lift a lock")
    p.add_argument("action", choices=["list", "unlock"])
    p.add_argument("--name", help="unlock: this login, from every address")
    p.add_argument("--address", help="unlock: this client address")

    p = add("open", cmd_open, "print a link that opens a session (one made here, with the command line) in a "
            "browser, as that browser's own (one use, for an hour)")
    p.add_argument("session_id")
    p.add_argument("--base-url", default=None, metavar="URL", help="where the playground is served (default: "
                   "PLAYGROUND_BASE_URL, else where the last serve on this database listens)")

    p = add("share", cmd_share, "make a read-only share link to a session's trace (prints its URL)")
    p.add_argument("session_id", nargs="?")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="where the playground is served, e.g. https://class.example.org (default: "
                        "PLAYGROUND_BASE_URL, else http://127.0.0.1:7860)")
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
    p = add("list", cmd_tools_list, "list tools and tool sets", under=tools)
    p.add_argument("--tool-module", action="append", help="also load LangChain tools: [PREFIX=]package.module:attribute")
    p = add("lint", cmd_tools_lint, "where agents will have to guess: undocumented required parameters, free "
            "text that should be an enum or a date, short or overlapping descriptions", under=tools)
    p.add_argument("--tools", action="append", help="comma-separated tool names (default: every tool)")
    p.add_argument("--toolset", help="a named tool set")
    p = add("add", cmd_tools_add, "add the typed, documented functions of a Python file as tools (they run in a "
            "sandboxed process)", under=tools)
    p.add_argument("file")
    p.add_argument("--allow-network", action="store_true", help="let these tools use the network")
    p.add_argument("--cpu", type=int, help="CPU-time limit per call, seconds (default 5)")
    p.add_argument("--memory", type=int, help="memory limit per call, MB (default 512)")
    p.add_argument("--timeout", type=float, help="wall-clock limit per call, seconds (default 10)")
    p = add("remove", cmd_tools_remove, "remove a tool added by `tools add`, an import or a browser (built-in and "
            "--tool-module tools stay)", under=tools)
    p.add_argument("name")
    p.add_argument("--owner", help="whose tool: a login as user:NAME (default: one added from this command line)")
    p = add("import-openapi", cmd_tools_import_openapi, "each operation of an OpenAPI 3 spec (file or URL, JSON or "
            "YAML) becomes a tool calling that API", under=tools)
    p.add_argument("spec", help="a file path or an http(s) URL")
    p.add_argument("--base-url", help="where the API is (default: the spec's first server)")
    p.add_argument("--auth", action="append", help="SCHEME=ENV_VAR: send the variable's value as that security "
                   "scheme says; a bare ENV_VAR when the spec has one scheme. Only the name is stored")
    p.add_argument("--timeout", type=float, help="seconds per request (default 10)")
    p.add_argument("--prefix", help="put this before every tool name (to keep two APIs apart)")
    p = add("import-mcp", cmd_tools_import_mcp, "the tools of an MCP server, by stdio command or streamable HTTP URL",
            under=tools)
    p.add_argument("target", help="a command line (quoted: 'python server.py') or an http(s) URL")
    p.add_argument("--env", action="append", help="comma-separated names of environment variables the stdio "
                   "server gets (it gets no others but PATH, HOME and the like)")
    p.add_argument("--header", action="append", help="HEADER=ENV_VAR sent to an HTTP server")
    p.add_argument("--timeout", type=float, help="seconds per call (default 30)")
    p.add_argument("--prefix", help="put this before every tool name")

    agents = sub.add_parser("agents", help="agent designs").add_subparsers(dest="agents_command", required=True)
    p = add("list", cmd_agents_list, "list agent designs", under=agents)
    p.add_argument("--graph", action="append", help="also load package.module:factory")
    p.add_argument("--config", action="append", help="open a LangGraph project unchanged: the path of its "
                   "langgraph.json (repeatable); each graph is an agent")

    scenarios = sub.add_parser("scenarios", help="teaching scenarios").add_subparsers(dest="scenarios_command",
                                                                                      required=True)
    p = add("list", cmd_scenarios_list, "list the built-in teaching scenarios", under=scenarios)
    p = add("run", cmd_scenarios_run, "run a scenario (offline on the demo model unless --model; prints the session)",
            under=scenarios)
    p.add_argument("scenario_id")
    p.add_argument("--model", default=None, help="e.g. local/qwen2.5-coder-0.5b (see `scenarios list` for which fit)")

    p = add("eval", cmd_eval, "run an agent on clarification benchmarks (NoisyToolBench-style tool-call suites, IN3 "
            "intention suites) with simulated users; prints metrics per category")
    p.add_argument("suites", nargs="*", help="built-in suite (ntb-dev, in3-dev), a suite file, a folder, or "
                   "dataset:NAME (a dataset made from sessions)")
    p.add_argument("--agent", default="awn")
    p.add_argument("--model", default=DEMO_MODEL)
    p.add_argument("--judge", help="model judging A3 (default: a deterministic rule); with --rescore: the model "
                   "making the paper's GPT-4 steps with its prompts (splitting inquiries, matching details)")
    p.add_argument("--matcher", help="how a question is matched to the needed one: lexical (default), minilm, "
                   "llm:<model>")
    p.add_argument("--limit", type=int, help="at most N items per suite, spread over its categories")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--item-timeout", type=float, default=300.0, help="seconds per item before it is recorded as "
                   "a timeout")
    p.add_argument("--settings", help="agent settings as JSON")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day the items' dates are relative to (default: a "
                   "built-in suite's own, else today): a 2024 benchmark's bookings are not in the past as of 2024")
    p.add_argument("--out", help="write the full report (every item) as JSON here")
    p.add_argument("--graph", action="append", help="also load package.module:factory")
    p.add_argument("--rescore", metavar="RECORDS.jsonl", help="score recorded IN3 interactions (the paper's "
                   "user_interaction_record format) as the paper's code does; prints its metric file's keys")
    p.add_argument("--labels", metavar="LABELS.jsonl", help="with --rescore: the paper's human labels of the same "
                   "tasks (data_labeling format), for vagueness accuracy and recovery")

    owner_help = "whose: a login as user:NAME, a browser's id (default: made from this command line)"
    p = add("mark", cmd_mark, "mark a session or one of its steps: thumbs, a score, a note (without them: list the "
            "session's marks)")
    p.add_argument("session_id")
    p.add_argument("--step", help="the step's number (# in the trace) or id (default: the session)")
    thumbs = p.add_mutually_exclusive_group()
    thumbs.add_argument("--up", action="store_true", help="👍")
    thumbs.add_argument("--down", action="store_true", help="👎")
    thumbs.add_argument("--clear", action="store_true", help="remove the mark")
    p.add_argument("--score", type=int, help="1 to 5")
    p.add_argument("--note", help="a note")
    p.add_argument("--owner", help=owner_help)

    datasets = sub.add_parser("datasets", help="datasets grown from sessions").add_subparsers(
        dest="datasets_command", required=True)
    p = add("list", cmd_datasets_list, "list datasets", under=datasets)
    p.add_argument("--owner", help=owner_help)
    p = add("create", cmd_datasets_create, "create a dataset of tool-call items (NoisyToolBench format) or intention "
            "items (IN3 format)", under=datasets)
    p.add_argument("name")
    p.add_argument("--kind", choices=["tool", "intent"], required=True)
    p.add_argument("--owner", help=owner_help)
    p = add("add", cmd_datasets_add, "add a session (its first turn: request, questions and answers, the calls it "
            "made) or every failed item of an eval run to a dataset", under=datasets)
    p.add_argument("name")
    p.add_argument("session_id", nargs="?")
    p.add_argument("--item", metavar="FILE", help="the item as edited (JSON; - for stdin), e.g. from `datasets show "
                   "--session ID` with the expected calls changed")
    p.add_argument("--category", help="IMKI, IMR, IwE or IBTC (tool items; default from the first question), or "
                   "IN3's task category")
    p.add_argument("--failures-of", metavar="EVAL_ID", help="add the failed items of this eval run instead")
    p.add_argument("--marked", choices=["up", "down", "any"], help="add every session marked so (not already in "
                   "the dataset) instead")
    p.add_argument("--owner", help=owner_help)
    p = add("show", cmd_datasets_show, "list a dataset's items, or print the item a session would make", under=datasets)
    p.add_argument("name", nargs="?")
    p.add_argument("--session", dest="session_id", help="print the item this session makes (to edit for `add --item`)")
    p.add_argument("--kind", choices=["tool", "intent"], help="with --session (default tool)")
    p.add_argument("--category", help="with --session")
    p.add_argument("--owner", help=owner_help)
    p = add("export", cmd_datasets_export, "write a dataset as a file `playground eval` reads (JSON list for tool "
            "calls, JSON lines for IN3)", under=datasets, json_flag=False)
    p.add_argument("name")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--owner", help=owner_help)
    p = add("remove", cmd_datasets_remove, "delete a dataset, or one of its items", under=datasets, json_flag=False)
    p.add_argument("name")
    p.add_argument("--item", help="remove only this item (its id, from `datasets show`)")
    p.add_argument("--owner", help=owner_help)

    models = sub.add_parser("models", help="models").add_subparsers(dest="models_command", required=True)
    p = add("list", cmd_models_list, "list models and what each needs", under=models)
    return parser


# The errors that mean "your input is wrong" (one line, exit 2), by the module that defines each. A command
# imports only what it needs, and an error of a module it never imported cannot have been raised: looking the
# classes up among the loaded modules keeps `trace` or `share` from importing LangGraph just to catch them.
PROBLEMS = (("app.agents", "UnknownAgentError"), ("app.agents.settings", "SettingsError"), ("app.agents.byo", "GraphSpecError"),
            ("app.agents.project", "ProjectError"), ("app.agents.schema", "InputError"),
            ("app.datasets", "DatasetError"),
            ("app.llm.gateway", "ModelConfigError"), ("app.errors", "TurnError"), ("app.auth", "AuthConfigError"),
            ("storage.repo", "NotFound"), ("storage.engine", "StorageError"), ("tools.registry", "UnknownToolError"),
            ("tools.model", "ToolImportError"))


def _problems() -> tuple[type[BaseException], ...]:
    return (CliError, *(getattr(sys.modules[m], name) for m, name in PROBLEMS if m in sys.modules))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.agents.imports import GraphPrints

    stdout = sys.stdout
    sys.stdout = GraphPrints(stdout, sys.stderr)  # an opened graph's prints go to stderr, not into our output
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`run --json | head`): stop quietly, as `cat` does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush raises nothing
        return 141
    except Exception as exc:
        if isinstance(exc, _problems()):
            print(f"playground: {exc}", file=sys.stderr)
            return 2
        dbapi = sys.modules.get("sqlalchemy.exc")
        if dbapi is not None and isinstance(exc, dbapi.DBAPIError):  # the database refused mid-command
            from storage.engine import describe_error, url_label

            where = url_label(Settings.from_env(getattr(args, "db", None)).database_url)
            print(f"playground: {describe_error(where, exc)}", file=sys.stderr)
            return 2
        raise
    finally:
        sys.stdout = stdout
