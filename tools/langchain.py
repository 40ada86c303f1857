"""LangChain tools: any `langchain_core` tool joins the registry (`playground serve --tool-module
package.module:attribute`, or `PLAYGROUND_TOOL_MODULES`, comma-separated; `PREFIX=package.module:attribute`
names each of its tools PREFIX + its name, so two modules' `search` tools can both be loaded).

The attribute may be a tool (`@tool` functions, `StructuredTool`, a `BaseTool` subclass instance), a list of
them, a toolkit (anything with `get_tools()`), or a function taking no arguments that returns one of those.
The tool's own JSON schema (from its args schema) is what the model sees; a call is `tool.invoke(arguments)`,
with our validation and time limit around it, so a `ToolException` or any error is an error result.

These are modules the person running the server installs and names, like `--graph` agents, so they run in the
server process; code typed into the browser goes to the sandbox instead (tools.sandbox).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import re
import sys
from typing import Any

from tools.model import Tool, ToolDefinitionError, ToolImportError


class ToolModuleError(ToolImportError):
    """A --tool-module spec that cannot be loaded; the message names the spec and the problem."""


def from_langchain(lc_tool: Any, source: str = "langchain") -> Tool:
    """One of our `Tool`s that invokes the LangChain tool."""
    from langchain_core.tools import BaseTool
    from langchain_core.utils.function_calling import convert_to_openai_tool

    if not isinstance(lc_tool, BaseTool):
        raise ToolDefinitionError(f"{getattr(lc_tool, '__name__', repr(lc_tool))} is a {type(lc_tool).__name__}, "
                                  "not a LangChain tool")
    function = convert_to_openai_tool(lc_tool)["function"]
    parameters = dict(function.get("parameters") or {})
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})

    def invoke(**arguments: Any) -> Any:
        value = lc_tool.invoke(arguments)
        content = getattr(value, "content", value)  # a ToolMessage, from tools with response_format
        try:
            json.dumps(content)
            return content
        except (TypeError, ValueError):
            return str(content)

    return Tool(name=function["name"], description=function.get("description") or lc_tool.name,
                parameters=parameters, handler=invoke, source=source, tags=("langchain",))


def load_module(spec: str) -> list[Tool]:
    """The LangChain tools named by `package.module:attribute`; `PREFIX=package.module:attribute` puts PREFIX
    before each tool's name (two modules, or a module and a built-in, with a tool of the same name)."""
    prefix, equals, target = spec.strip().rpartition("=")
    if equals and not re.fullmatch(r"[A-Za-z0-9_-]+", prefix):
        raise ToolModuleError(f"--tool-module {spec!r}: a prefix is letters, digits, '_' or '-' (PREFIX=module:attr)")
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ToolModuleError(f"--tool-module {spec!r}: expected package.module:attribute (or PREFIX=package.module:"
                              "attribute)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module: report it, do not crash the server
        raise ToolModuleError(f"--tool-module {spec!r}: cannot import {module_name!r}: {type(exc).__name__}: "
                              f"{exc}") from None
    if not hasattr(module, attr):
        raise ToolModuleError(f"--tool-module {spec!r}: module {module_name!r} has no attribute {attr!r}")
    found = getattr(module, attr)
    from langchain_core.tools import BaseTool

    if inspect.isfunction(found) and not isinstance(found, BaseTool):
        try:
            found = found()
        except Exception as exc:  # noqa: BLE001
            raise ToolModuleError(f"--tool-module {spec!r}: {attr}() raised {type(exc).__name__}: {exc}") from None
    if hasattr(found, "get_tools"):
        found = found.get_tools()
    items = list(found) if isinstance(found, (list, tuple)) else [found]
    tools = []
    for item in items:
        try:
            tool = from_langchain(item, source=f"langchain:{spec}")
            tools.append(dataclasses.replace(tool, name=prefix + tool.name) if prefix else tool)
        except ToolDefinitionError as exc:
            raise ToolModuleError(f"--tool-module {spec!r}: {exc}") from None
    if not tools:
        raise ToolModuleError(f"--tool-module {spec!r}: no tools there")
    return tools
