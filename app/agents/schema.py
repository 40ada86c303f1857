"""What an opened graph takes and gives (app.agents.project): its input schema (a chat of messages, or a form of
its own fields), its context schema (the session's settings), and the answer its output state makes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class InputError(ValueError):
    """An input that does not fit the graph's input schema: one line naming the field."""


@dataclass(frozen=True)
class ContextField:
    name: str
    type: str
    default: Any = None
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class GraphIO:
    messages: bool  # its input has a `messages` channel: a chat message goes there
    input_schema: dict[str, Any] = field(default_factory=dict)
    context: tuple[ContextField, ...] = ()
    nodes: tuple[str, ...] = ()  # its nodes (a breakpoint may be set before any)
    asynchronous: bool = True  # some node, edge or tool of it has only an async form: it runs with astream

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.input_schema.get("properties") or {})

    def to_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "input_schema": self.input_schema,
                "context": [f.__dict__ for f in self.context], "nodes": list(self.nodes),
                "asynchronous": self.asynchronous}

    def graph_input(self, message: str) -> dict[str, Any]:
        """The graph's input for what a person sent: a chat message, or for a graph of other inputs a JSON
        object of its fields (a graph of one text field takes plain text too). InputError names a bad field."""
        if self.messages:
            return {"messages": [{"role": "user", "content": message}]}
        text = message.strip()
        value: Any = None
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"the input is not valid JSON: {exc.msg} at column {exc.colno}") from None
        else:
            texts = [k for k, v in self.fields.items() if v.get("type") == "string"]
            if len(self.fields) == 1 and texts:
                value = {texts[0]: message}
            else:
                raise InputError(f"this graph takes {', '.join(self.fields) or 'no fields'} as input: send a JSON "
                                 f"object, e.g. {json.dumps(self.example())}")
        return self.check(value)

    def example(self) -> dict[str, Any]:
        return {k: v.get("default", _EXAMPLES.get(v.get("type"), "")) for k, v in self.fields.items()}

    def check(self, value: Any) -> dict[str, Any]:
        """`value` if it fits the input schema, else InputError naming the first field that does not."""
        if not isinstance(value, dict):
            raise InputError(f"the input must be a JSON object of {', '.join(self.fields)}")
        unknown = [k for k in value if self.fields and k not in self.fields]
        if unknown:
            raise InputError(f"input field {unknown[0]!r} is not one this graph takes ({', '.join(self.fields)})")
        import jsonschema

        validator = jsonschema.Draft202012Validator(self.input_schema)
        for problem in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in problem.absolute_path)
            if not where and problem.validator == "required":
                missing = [r for r in problem.validator_value if r not in value]
                raise InputError(f"input field {missing[0]!r} is required")
            raise InputError(f"input field {where!r}: {problem.message[:200]}")
        return value

    def context_value(self, settings: dict[str, Any]) -> dict[str, Any] | None:
        """The run's context (LangGraph makes a dataclass or model of it): the session's settings it names."""
        if not self.context:
            return None
        return {f.name: settings[f.name] for f in self.context if f.name in settings}


_EXAMPLES = {"string": "...", "integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}


def json_schema(compiled, which: str = "input") -> dict[str, Any]:
    """The graph's input, output or state schema as JSON schema: pydantic's, or, for one pydantic cannot draw
    (typing.TypedDict before Python 3.12), from its annotations."""
    method = {"input": "get_input_jsonschema", "output": "get_output_jsonschema"}.get(which)
    try:
        if method is None:
            raise TypeError("no method: read from the annotations")
        return getattr(compiled, method)()
    except Exception:  # noqa: BLE001  (a schema pydantic refuses: read from the class)
        return _from_annotations(getattr(getattr(compiled, "builder", None), f"{which}_schema", None))


def describe(compiled) -> GraphIO:
    schema = json_schema(compiled, "input")
    builder = getattr(compiled, "builder", None)
    given = getattr(builder, "input_schema", None)
    if _is_typed_dict(given) and given is getattr(builder, "state_schema", None):
        # A graph whose input is its whole TypedDict state takes any of its keys (its nodes write the others, as
        # LangChain Academy's graphs are run): none is required. An input schema of its own says what it needs.
        schema = {k: v for k, v in schema.items() if k != "required"}
    nodes = tuple(n for n in getattr(compiled, "nodes", {}) if not n.startswith("__"))
    return GraphIO(messages="messages" in (schema.get("properties") or {}), input_schema=schema,
                   context=context_fields(compiled), nodes=nodes, asynchronous=async_only(compiled))


def async_only(graph, _seen: set[int] | None = None) -> bool:
    """Whether running `graph` needs LangGraph's async API: some node, conditional edge, subgraph node or tool
    of it exists only as a coroutine. A graph of sync code runs with `stream` in the turn's thread instead,
    without a thread hop per node and per checkpoint write (bench/projects.py)."""
    seen = set() if _seen is None else _seen
    if graph is None or id(graph) in seen or isinstance(graph, (str, bytes, int, float, bool)):
        return False
    seen.add(id(graph))
    if hasattr(graph, "afunc") and getattr(graph, "func", None) is None:  # RunnableCallable / RunnableLambda
        return True
    if getattr(graph, "coroutine", None) is not None and getattr(graph, "func", None) is None:  # a tool
        return True
    parts: list = []
    nodes = getattr(graph, "nodes", None)
    if isinstance(nodes, dict):  # a compiled graph: its nodes' runnables
        parts += [getattr(n, "bound", n) for n in nodes.values()]
        branches = getattr(getattr(graph, "builder", None), "branches", None) or {}
        parts += [getattr(b, "path", None) for by_name in branches.values() for b in by_name.values()]
    parts += list(getattr(graph, "steps", None) or ())  # a sequence
    parts += list((getattr(graph, "tools_by_name", None) or {}).values())  # a ToolNode
    for name in ("bound", "first", "last", "middle"):  # a binding, a RunnableSequence
        part = getattr(graph, name, None)
        parts += part if isinstance(part, list) else [part]
    func = getattr(graph, "func", None)
    parts += [getattr(func, "__self__", None)]  # a bound method of a runnable (a subgraph's invoke)
    return any(async_only(p, seen) for p in parts if p is not None)


def _is_typed_dict(cls) -> bool:
    import typing_extensions  # (its check knows typing's TypedDicts too)

    return cls is not None and typing_extensions.is_typeddict(cls)


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def _from_annotations(cls) -> dict[str, Any]:
    """A JSON schema of a class's annotated fields (plain types, lists and dicts of them, a Literal as an enum,
    an Optional; anything else: any value)."""
    import typing

    try:
        hints = typing.get_type_hints(cls) if cls is not None else {}
    except Exception:
        hints = dict(getattr(cls, "__annotations__", {}) or {})
    properties = {name: _hint_schema(hint) for name, hint in hints.items()}
    required = sorted(getattr(cls, "__required_keys__", ()) or ())
    return {"type": "object", "properties": properties, **({"required": required} if required else {})}


def _hint_schema(hint: Any) -> dict[str, Any]:
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        return _hint_schema(args[0])
    if origin in (typing.Required, typing.NotRequired):
        return _hint_schema(args[0])
    if origin is typing.Literal:
        kinds = {_JSON_TYPES.get(type(a)) for a in args}
        return {"enum": list(args), **({"type": kinds.pop()} if len(kinds) == 1 and None not in kinds else {})}
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return _hint_schema(options[0]) if len(options) == 1 else {}
    kind = _JSON_TYPES.get(origin or hint)
    if kind == "array" and args:
        return {"type": "array", "items": _hint_schema(args[0])}
    return {"type": kind} if kind else {}


def context_fields(compiled) -> tuple[ContextField, ...]:
    try:
        schema = compiled.get_context_jsonschema() or {}
    except Exception:
        schema = _from_annotations(getattr(compiled, "context_schema", None)) if getattr(
            compiled, "context_schema", None) else {}
    required = set(schema.get("required") or ())
    return tuple(ContextField(name=name, type=str(spec.get("type") or "any"), default=spec.get("default"),
                              description=str(spec.get("description") or ""), required=name in required)
                 for name, spec in (schema.get("properties") or {}).items())


def last_word(output: dict[str, Any], io: GraphIO | None) -> str | None:
    """The answer of a chat graph that ends on no reply of its own: its tool's result (a router that ends on
    its ToolNode), else what else its output state holds (a triage's decision)."""
    from app.tracing.messages import message_dicts

    said = message_dicts(output.get("messages") or [])
    if said and said[-1].get("role") == "tool":
        return str(said[-1].get("content") or "")
    return answer_of({k: v for k, v in output.items() if k != "messages"}, io)


def answer_of(output: dict[str, Any], io: GraphIO | None) -> str | None:
    """The answer of a graph whose output has no messages: its output state, as JSON."""
    if not output:
        return None
    shown = {k: v for k, v in output.items() if not k.startswith("__")}
    return json.dumps(shown, ensure_ascii=False, default=str, indent=1) if shown else None
