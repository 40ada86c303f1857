"""`playground mark` and `playground datasets ...`: marks on sessions and steps, datasets grown from sessions and
from an eval run's failures, exported in the formats `playground eval` reads (app.datasets)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.cli.common import CliError, _open, _print_json, _runner


def _checked(call):
    """Run `call`, its DatasetError as a one-line CLI error."""
    from app.datasets import DatasetError

    try:
        return call()
    except DatasetError as exc:
        raise CliError(str(exc)) from None


def _step_id(db, session_id: str, step: str | None) -> str | None:
    """--step as a step's number in the trace (#) or its id."""
    from storage import repo

    if not step:
        return None
    for row in repo.steps_for_session(db, session_id):
        if step in (row.id, str(row.seq)):
            return row.id
    raise CliError(f"no step {step!r} in session {session_id!r} (give its # in the trace or its id)")


def cmd_mark(args) -> int:
    from app import datasets

    _, db = _open(args)
    rating = "up" if args.up else "down" if args.down else None
    if args.clear:
        rating, score, note = None, None, None
    elif rating is None and args.score is None and not args.note:
        _print_marks(datasets.marks(db, args.session_id, args.owner), args.json)
        return 0
    else:
        score, note = args.score, args.note
    step = _step_id(db, args.session_id, args.step)
    made = _checked(lambda: datasets.mark(db, args.session_id, args.owner, step, rating, score, note))
    if args.json:
        _print_json(made)
    else:
        what = f"step {args.step}" if args.step else "the session"
        print(f"marked {what}: {datasets.mark_summary(made)}" if made else "mark removed")
    return 0


def _print_marks(marks: list[dict], as_json: bool) -> None:
    from app.datasets import mark_summary

    if as_json:
        _print_json(marks)
        return
    if not marks:
        print("no marks on this session")
    for mark in marks:
        print(f"{'step ' + mark['step_id'] if mark['step_id'] else 'session':<40} {mark_summary(mark)}")


def cmd_datasets_list(args) -> int:
    from app import datasets

    _, db = _open(args)
    found = datasets.listing(db, args.owner)
    if args.json:
        _print_json(found)
        return 0
    if not found:
        print("no datasets yet: `playground datasets create NAME --kind tool|intent`")
    for d in found:
        print(f"{d['name']:<30} {datasets.KINDS[d['kind']]:<40} {d['items']} item(s)")
    return 0


def cmd_datasets_create(args) -> int:
    from app import datasets

    _, db = _open(args)
    made = _checked(lambda: datasets.create(db, args.name, args.kind, args.owner))
    if args.json:
        _print_json(made)
    else:
        print(f"created dataset {made['name']} ({datasets.KINDS[made['kind']]})")
    return 0


def cmd_datasets_add(args) -> int:
    from app import datasets

    if sum(map(bool, (args.session_id, args.failures_of, args.marked))) != 1:
        raise CliError("give a SESSION_ID to add, or --failures-of EVAL_ID, or --marked up|down|any")
    runner = _runner(args)
    if args.marked:
        rating = None if args.marked == "any" else args.marked
        return _print_added(args, "marked session(s)",
                            _checked(lambda: datasets.add_marked(runner, args.name, args.owner, rating)))
    if args.failures_of:
        return _print_added(args, f"failed item(s) of run {args.failures_of}", _checked(
            lambda: datasets.add_failures(runner, args.name, args.failures_of, args.owner)))
    item = None
    if args.item:
        try:
            item = json.loads(Path(args.item).read_text(encoding="utf-8") if args.item != "-" else sys.stdin.read())
        except OSError as exc:
            raise CliError(f"cannot read --item {args.item}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise CliError(f"--item is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    made = _checked(lambda: datasets.add_session(runner, args.name, args.session_id, args.owner, item,
                                                 args.category))
    if args.json:
        _print_json(made)
    else:
        print(f"added session {args.session_id} to {args.name} as item {made['id']}")
    return 0


def _print_added(args, what: str, outcome: tuple[int, list[str]]) -> int:
    added, skipped = outcome
    if args.json:
        _print_json({"added": added, "skipped": skipped})
    else:
        print(f"added {added} {what} to {args.name}")
        for line in skipped:
            print(f"skipped {line}", file=sys.stderr)
    return 0


def cmd_datasets_show(args) -> int:
    from app import datasets

    runner = _runner(args) if args.session_id else None
    if runner is not None:  # the item a session would make, to edit and give back with `add --item`
        kind = args.kind or "tool"
        _print_json(_checked(lambda: datasets.item_from_session(runner, args.session_id, kind, args.owner,
                                                                args.category)))
        return 0
    if not args.name:
        raise CliError("give a dataset NAME, or --session ID to see the item a session makes")
    _, db = _open(args)
    found = datasets.items(db, args.name, args.owner)
    if args.json:
        _print_json(found)
        return 0
    for entry in found:
        item = entry["item"]
        print(f"{entry['id']}  {item.get('category', ''):<12} {(item.get('query') or item.get('task') or '')[:70]}")
    return 0


def cmd_datasets_export(args) -> int:
    from app import datasets

    _, db = _open(args)
    filename, text = datasets.export(db, args.name, args.owner)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(datasets.items(db, args.name, args.owner))} item(s))", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_datasets_remove(args) -> int:
    from app import datasets

    _, db = _open(args)
    if args.item:
        datasets.remove_item(db, args.name, args.item, args.owner)
        print(f"removed item {args.item} from {args.name}")
    else:
        datasets.delete(db, args.name, args.owner)
        print(f"deleted dataset {args.name}")
    return 0
