"""Tools: the Tool record, the registry, the built-ins and safe execution. Never imports `app`."""

from tools.execute import ToolResult, run_tool, validate_arguments
from tools.model import Tool, ToolContext, ToolDefinitionError, tool
from tools.registry import ToolRegistry, UnknownToolError, default_registry

__all__ = [
    "Tool", "ToolContext", "ToolDefinitionError", "ToolRegistry", "ToolResult", "UnknownToolError",
    "default_registry", "run_tool", "tool", "validate_arguments",
]
