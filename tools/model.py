"""The tool model: one `Tool` record, built from a typed, documented Python function by `@tool`.

The JSON schema of a tool's parameters comes from the function's type hints; descriptions come from the
docstring (first paragraph for the tool, a Google-style `Args:` section for the parameters). A parameter
annotated `ToolContext` is not part of the schema: the executor passes the session's tool state there.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, get_args, get_origin

NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")


_SECRET_ENV: set[str] = set()


def register_secret_env(name: str) -> None:
    """Name an environment variable that holds a tool's credential, whatever it is called (an imported API's
    key): its value is then redacted wherever secrets are (see app.config.secret_values)."""
    _SECRET_ENV.add(name)


def secret_env_names() -> set[str]:
    return set(_SECRET_ENV)


# Which environment variables an imported tool may use as a credential (OpenAPI auth, MCP headers and stdio
# env): only those the operator listed (PLAYGROUND_TOOL_SECRETS), never a model key. Set by the app at start.
_ALLOWED_CREDENTIALS: frozenset[str] = frozenset()
_FORBIDDEN_CREDENTIALS: frozenset[str] = frozenset()
CREDENTIALS_SETTING = "PLAYGROUND_TOOL_SECRETS"


def allow_credentials(names: Iterable[str], forbidden: Iterable[str] = ()) -> None:
    """The operator's allowlist of credential variables for tools; `forbidden` (the model keys) win over it."""
    global _ALLOWED_CREDENTIALS, _FORBIDDEN_CREDENTIALS
    _ALLOWED_CREDENTIALS, _FORBIDDEN_CREDENTIALS = frozenset(names), frozenset(forbidden)


def credential_pairs(items: Iterable[str], what: str) -> dict[str, str]:
    """`NAME=ENV_VAR` items (a bare `ENV_VAR` is keyed "*": the only scheme) as a dict; ToolImportError naming
    the item that is neither. One parser for the CLI's repeated options and the UI's comma-separated box."""
    out: dict[str, str] = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if (sep and (not key.strip() or not value.strip())) or not (value if sep else key).strip().isidentifier():
            raise ToolImportError(f"{what} {item!r}: expected NAME=ENV_VAR (an environment variable's name)")
        out[key.strip() if sep else "*"] = (value if sep else key).strip()
    return out


def check_credential(name: str, where: str) -> str:
    """`name` if a tool may read that environment variable, else ToolImportError naming the setting. Checked
    when a tool is imported and again at every call (an import stored before the list changed)."""
    if name in _FORBIDDEN_CREDENTIALS:
        raise ToolImportError(f"{where}: {name} is a model key of this server; tools may never use it")
    if name not in _ALLOWED_CREDENTIALS:
        listed = ", ".join(sorted(_ALLOWED_CREDENTIALS)) or "none"
        raise ToolImportError(f"{where}: the environment variable {name} is not one the operator allows tools to "
                              f"use ({CREDENTIALS_SETTING} lists: {listed})")
    return name


class ToolDefinitionError(ValueError):
    """A tool cannot be built from what was given; the message names the tool and the problem."""


class ToolImportError(ValueError):
    """Tools cannot be added from a source (a file, a spec, a server); the message names the source, where in
    it, and the problem. Nothing is registered."""


# A tool whose `state_key` is ASKING may ask the person during a call (an MCP server's elicitation): its
# ToolContext.state holds {"answers": [...]}, the answers to its questions in this call, and is never kept.
ASKING = "asking"


@dataclass
class ToolContext:
    """What a stateful tool may see: the session id and its own namespace of the session's tool state."""

    session_id: str
    state: dict[str, Any]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    handler: Callable[..., Any]
    side_effects: bool = False
    timeout: float | None = None  # seconds; None means the playground's default
    secret_params: tuple[str, ...] = ()
    state_key: str | None = None  # namespace in the session's tool state, for tools taking a ToolContext
    source: str = "builtin"
    tags: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ToolDefinitionError(
                f"tool name {self.name!r} is invalid: use letters, digits, '_' or '-', at most 64"
            )
        if self.parameters.get("type") != "object":
            raise ToolDefinitionError(f"tool {self.name!r}: parameters must be a JSON schema of type object")

    @property
    def function(self) -> dict[str, Any]:
        """The OpenAI function schema: {"name", "description", "parameters"}."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    @property
    def openai(self) -> dict[str, Any]:
        return {"type": "function", "function": self.function}

    @property
    def required(self) -> list[str]:
        return list(self.parameters.get("required", []))


_PRIMITIVES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dict: {"type": "object"},
    list: {"type": "array"},
    Any: {},
}


def json_schema_for(hint: Any) -> tuple[dict[str, Any], bool]:
    """(schema, optional) for a type hint. `optional` is True for `X | None`."""
    origin = get_origin(hint)
    if origin is typing.Annotated:
        base, *extras = get_args(hint)
        schema, optional = json_schema_for(base)
        texts = [e for e in extras if isinstance(e, str)]
        if texts:
            schema = {**schema, "description": texts[0]}
        return schema, optional
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        optional = len(members) < len(get_args(hint))
        if len(members) == 1:
            return json_schema_for(members[0])[0], optional
        return {"anyOf": [json_schema_for(m)[0] for m in members]}, optional
    if origin is Literal:
        values = list(get_args(hint))
        kinds = {type(v) for v in values}
        schema = _PRIMITIVES.get(kinds.pop(), {}) if len(kinds) == 1 else {}
        return {**schema, "enum": values}, False
    if origin in (list, tuple, set):
        args = get_args(hint)
        items = json_schema_for(args[0])[0] if args else {}
        return {"type": "array", "items": items}, False
    if origin is dict:
        return {"type": "object"}, False
    if hint in _PRIMITIVES:
        return dict(_PRIMITIVES[hint]), False
    raise TypeError(f"unsupported type {hint!r}")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(description, {param: description}) from a Google-style docstring."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    description: list[str] = []
    params: dict[str, str] = {}
    section = "description"
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if re.match(r"^(Args|Arguments|Parameters):\s*$", stripped):
            section, current = "args", None
            continue
        if re.match(r"^(Returns|Raises|Examples?|Notes?):\s*$", stripped):
            section = "other"
            continue
        if section == "description":
            if not stripped and description:
                section = "after"
            elif stripped:
                description.append(stripped)
        elif section == "args":
            match = re.match(r"^(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$", stripped)
            if match:
                current = match.group(1)
                params[current] = match.group(3).strip()
            elif current and stripped:
                params[current] = (params[current] + " " + stripped).strip()
    return " ".join(description), params


def tool_from_function(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    side_effects: bool = False,
    timeout: float | None = None,
    secret_params: tuple[str, ...] = (),
    state_key: str | None = None,
    source: str = "builtin",
    tags: tuple[str, ...] = (),
) -> Tool:
    tool_name = name or fn.__name__
    doc_description, doc_params = parse_docstring(fn.__doc__)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        raise ToolDefinitionError(f"tool {tool_name!r}: cannot read type hints: {exc}") from None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        hint = hints.get(param.name)
        if hint is ToolContext:
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(f"tool {tool_name!r}: *args and **kwargs cannot be described to a model")
        if hint is None:
            raise ToolDefinitionError(f"tool {tool_name!r}: parameter {param.name!r} needs a type hint")
        try:
            schema, optional = json_schema_for(hint)
        except TypeError as exc:
            raise ToolDefinitionError(f"tool {tool_name!r}: parameter {param.name!r}: {exc}") from None
        if param.name in doc_params and "description" not in schema:
            schema["description"] = doc_params[param.name]
        if param.default is not inspect.Parameter.empty:
            if param.default is not None:
                schema["default"] = param.default
        elif not optional:
            required.append(param.name)
        properties[param.name] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return Tool(
        name=tool_name,
        description=description or doc_description or tool_name,
        parameters=parameters,
        handler=fn,
        side_effects=side_effects,
        timeout=timeout,
        secret_params=tuple(secret_params),
        state_key=state_key,
        source=source,
        tags=tuple(tags),
    )


def tool(fn: Callable[..., Any] | None = None, **options: Any):
    """Decorator: `@tool` or `@tool(side_effects=True, ...)` turns a function into a `Tool`."""
    if fn is not None:
        return tool_from_function(fn, **options)
    return lambda f: tool_from_function(f, **options)
