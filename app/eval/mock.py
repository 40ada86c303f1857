"""ToolBench API specs as deterministic mocked tools (for the tool-call suites).

Each API in an item's `api_list` becomes a tool named after its `api_name` (snake case), or
`<api>_for_<tool>` when two APIs of the item share a name, which is ToolBench's own naming. Its schema comes
from `required_parameters` and `optional_parameters` (ToolBench types STRING, NUMBER, BOOLEAN, ARRAY, ...).
A call returns a JSON object that depends only on the API and the arguments: the same call always gets the
same answer, so runs compare.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from tools.model import Tool

TYPES = {"string": "string", "str": "string", "number": "number", "float": "number", "integer": "integer",
         "int": "integer", "boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
         "object": "object", "dict": "object", "enum": "string", "date": "string", "time_zone": "string",
         "geopoint": "string", "credentials": "string", "file": "string"}


def snake(text: str) -> str:
    name = re.sub(r"[^a-zA-Z0-9]+", "_", str(text or "")).strip("_").lower()
    return name or "api"


def _schema(param: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": TYPES.get(str(param.get("type", "string")).lower(), "string")}
    if param.get("description"):
        schema["description"] = str(param["description"])
    if param.get("default") not in (None, ""):
        schema["description"] = (schema.get("description", "") + f" (e.g. {param['default']})").strip()
    if schema["type"] == "array":
        schema["items"] = {}
    return schema


def mock_tools(api_list: list[dict[str, Any]]) -> tuple[list[Tool], dict[str, str]]:
    """(tools, aliases): `aliases` maps every name an expected call may use for an API (its api_name, ToolBench's
    `<api>_for_<tool>`, both normalised) to the tool's name."""
    counts: dict[str, int] = {}
    for api in api_list:
        counts[snake(api.get("api_name"))] = counts.get(snake(api.get("api_name")), 0) + 1
    tools: list[Tool] = []
    aliases: dict[str, str] = {}
    for api in api_list:
        base = snake(api.get("api_name"))
        long = f"{base}_for_{snake(api.get('tool_name'))}"
        name = (base if counts[base] == 1 else long)[:64]
        if not re.match(r"^[a-zA-Z_]", name):
            name = f"api_{name}"[:64]
        properties: dict[str, Any] = {}
        required: list[str] = []
        for group, is_required in (("required_parameters", True), ("optional_parameters", False)):
            for param in api.get(group) or []:
                if isinstance(param, dict) and param.get("name"):
                    properties[str(param["name"])] = _schema(param)
                    if is_required:
                        required.append(str(param["name"]))
        parameters: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            parameters["required"] = required
        description = str(api.get("api_description") or api.get("description") or "").strip()
        if api.get("tool_name"):
            description = f"{description} (API {api.get('tool_name')}, {api.get('category_name', 'general')})".strip()
        tools.append(Tool(name=name, description=description or name, parameters=parameters,
                          handler=_mock(name), source="eval-mock", tags=("mock",)))
        standard = toolbench_function(api.get("api_name"), api.get("tool_name"))
        for alias in (name, base, long, snake(api.get("tool_name")) + "_" + base, standard,
                      standard.split("_for_")[0]):
            aliases.setdefault(normalise(alias), name)
    return tools, aliases


_RESERVED = ("from", "class", "return", "false", "true", "id", "and")


def toolbench_name(text: str) -> str:
    """ToolBench's `standardize`: non-word runs to one '_', lower case, no '_' at the ends, "get_" before a
    leading digit (so `5-Day Forecast` is `get_5_day_forecast`)."""
    name = re.sub(r"_+", "_", re.sub(r"[^\u4e00-\u9fa5a-zA-Z0-9_]", "_", str(text or ""))).lower().strip("_")
    return f"get_{name}" if name[:1].isdigit() else name


def toolbench_function(api_name: str, tool_name: str) -> str:
    """The function name ToolBench (and so NoisyToolBench's expected calls) gives an API: `<api>_for_<tool>`, a
    reserved word prefixed `is_`, cut to its last 64 characters."""
    api = toolbench_name(api_name)
    api = f"is_{api}" if api in _RESERVED else api
    return f"{api}_for_{toolbench_name(tool_name)}"[-64:]


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _mock(name: str):
    def call(**arguments: Any) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps([name, arguments], sort_keys=True, default=str).encode()).hexdigest()
        return {"api": name, "status": "success", "request": arguments, "result_id": digest[:10],
                "result": f"{name.replace('_', ' ')} result for " +
                          (", ".join(f"{k}={v}" for k, v in arguments.items()) or "no arguments")}

    return call
