"""Running a tool call: validate the arguments against the schema, run with a time limit, serialise.

Whatever goes wrong (bad arguments, the tool raising, hanging past its limit, returning something that is
not JSON) becomes a `ToolResult` with `ok=False` and an error that names the tool and the problem. The
agent sees it as the tool's output and the run goes on.
"""

from __future__ import annotations

import copy
import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from tools.model import Tool, ToolContext

MAX_OUTPUT_CHARS = 20_000
DEFAULT_TIMEOUT = 10.0

_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass
class ToolResult:
    ok: bool
    content: str  # what the model sees
    value: Any = None  # the JSON value the tool returned, when ok
    error: str | None = None
    started_at: float = 0.0
    ended_at: float = 0.0
    state: dict[str, Any] | None = None  # the tool's state namespace after the call, if it has one
    truncated: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Forgive the usual model slips: numbers sent as strings, "true"/"false" as strings."""
    kind = schema.get("type")
    if isinstance(value, str):
        text = value.strip()
        if kind == "integer" and text.lstrip("-").isdigit():
            return int(text)
        if kind == "number":
            try:
                return float(text) if any(c in text for c in ".eE") else int(text)
            except ValueError:
                return value
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
    if kind == "number" and isinstance(value, bool):
        return value
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def type_matches(value: Any, schema: dict[str, Any]) -> bool:
    """Whether `value` has the JSON type `schema` asks for (booleans are not numbers)."""
    kind = schema.get("type")
    if kind is None:
        if "anyOf" in schema:
            return any(type_matches(value, s) for s in schema["anyOf"])
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    for k in kinds:
        if k == "null" and value is None:
            return True
        expected = _JSON_TYPES.get(k)
        if expected and isinstance(value, expected) and not (k in ("integer", "number") and isinstance(value, bool)):
            return True
    return False


def _key_form(name: str) -> str:
    """A key as conventions differ only in: case, '_' and '-' ("departure_date", "departureDate", "Departure-Date")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def schema_key(name: str, properties: dict[str, Any]) -> str | None:
    """The schema's key that `name` means, written in another convention: another case, snake or camel, or with
    or without the `is_` that ToolBench specs put before reserved words (`is_from` for `from`). None if none."""
    if name in properties:
        return name
    wanted = _key_form(name)
    forms = {_key_form(k): k for k in properties}
    for form in (wanted, f"is{wanted}", wanted[2:] if wanted.startswith("is") else None):
        if form and form in forms:
            return forms[form]
    return None


def match_keys(arguments: dict[str, Any], properties: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(the arguments under the schema's own keys, the keys that match none). A key the call also gives in the
    schema's own spelling is not renamed over it."""
    matched: dict[str, Any] = {}
    unknown: list[str] = []
    for name, value in arguments.items():
        key = schema_key(name, properties)
        if key is None or (key != name and key in arguments):
            unknown.append(name)
        else:
            matched[key] = value
    return matched, unknown


def validate_arguments(tool: Tool, arguments: Any) -> tuple[dict[str, Any], list[str]]:
    """(coerced arguments, problems). An empty problem list means the call can run. A key written in another
    convention than the schema's (`departure_date` for `departureDate`, `from` for `is_from`) is the schema's."""
    if not isinstance(arguments, dict):
        return {}, [f"arguments must be a JSON object, got {type(arguments).__name__}"]
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    if properties:
        renamed, unknown = match_keys(arguments, properties)
        arguments = {**renamed, **{k: arguments[k] for k in unknown}}
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for name, value in arguments.items():
        if name not in properties:
            if tool.parameters.get("additionalProperties", True) is False or properties:
                problems.append(f"unexpected argument {name!r} (expected: {', '.join(properties) or 'none'})")
                continue
            clean[name] = value
            continue
        schema = properties[name]
        value = _coerce(value, schema)
        if value is None and name not in tool.required:
            continue
        if not type_matches(value, schema):
            problems.append(f"argument {name!r} must be {schema.get('type', 'valid')}, got {json.dumps(value)}")
            continue
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"argument {name!r} must be one of {schema['enum']}, got {json.dumps(value)}")
            continue
        clean[name] = value
    for name in tool.required:
        if name not in arguments or arguments[name] in (None, ""):
            problems.append(f"missing required argument {name!r}")
    return clean, problems


class _ToolThreads:
    """Daemon threads that run tool handlers, kept between calls (starting a thread per call cost ~1 ms a
    turn). A call that outlives its limit keeps its thread, since Python cannot stop one; the next call gets
    another, and the thread rejoins the idle ones if the call ever ends. Daemon, so a hung tool never holds
    up the process's exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue] = []

    def run(self, fn: Callable[[], None], limit: float) -> bool:
        """Run `fn` (which must not raise) on an idle thread; False if it did not finish within `limit` s."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name="tool", daemon=True).start()
        finished: queue.SimpleQueue = queue.SimpleQueue()
        inbox.put((fn, finished))
        try:
            finished.get(timeout=limit)
        except queue.Empty:
            return False
        return True

    def _serve(self, inbox: queue.SimpleQueue) -> None:
        while True:
            fn, finished = inbox.get()
            fn()
            with self._lock:  # idle before the caller hears: its next call can take this thread
                self._idle.append(inbox)
            finished.put(True)


_THREADS = _ToolThreads()


def _serialise(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def run_tool(
    tool: Tool,
    arguments: Any,
    *,
    session_id: str = "",
    tool_state: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> ToolResult:
    """Validate and run one call. Never raises for anything the tool or its arguments do."""
    started = time.time()

    def fail(message: str, **meta: Any) -> ToolResult:
        return ToolResult(
            ok=False, content=f"Error: {message}", error=message, started_at=started, ended_at=time.time(), meta=meta
        )

    clean, problems = validate_arguments(tool, arguments)
    if problems:
        return fail(f"{tool.name}: " + "; ".join(problems), kind="invalid_arguments")

    state: dict[str, Any] | None = None
    if tool.state_key is not None:
        state = copy.deepcopy((tool_state or {}).get(tool.state_key, {}))
        for param, hint in tool.handler.__annotations__.items():
            if hint in (ToolContext, "ToolContext"):
                clean[param] = ToolContext(session_id=session_id, state=state)

    limit = timeout or tool.timeout or DEFAULT_TIMEOUT
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = tool.handler(**clean)
        except BaseException as exc:  # noqa: BLE001 - a tool's failure is data for the agent
            outcome["error"] = exc

    if not _THREADS.run(target, limit):
        return fail(f"{tool.name} did not finish within {limit:g} s and was abandoned", kind="timeout")
    if "error" in outcome:
        exc = outcome["error"]
        from tools.sandbox import SandboxError  # here: `python -m tools.sandbox` imports this package first

        if isinstance(exc, SandboxError):  # already says what happened in the tool's process
            return fail(f"{tool.name}: {exc}", kind="sandbox")
        if isinstance(getattr(exc, "clarification", None), dict):  # the tool asks the person (an MCP server's
            return fail(str(exc), kind="elicitation", request=exc.clarification)  # elicitation): not a failure
        return fail(f"{tool.name} raised {type(exc).__name__}: {exc}", kind="exception")
    value = outcome.get("value")
    try:
        content = _serialise(value)
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        return fail(f"{tool.name} returned a value that is not JSON ({type(value).__name__}): {exc}", kind="unserialisable")
    truncated = len(content) > MAX_OUTPUT_CHARS
    if truncated:
        content = content[:MAX_OUTPUT_CHARS] + f"\n[... truncated: {len(content) - MAX_OUTPUT_CHARS} more characters]"
    return ToolResult(
        ok=True, content=content, value=value, started_at=started, ended_at=time.time(), state=state, truncated=truncated
    )
