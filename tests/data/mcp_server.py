"""A small MCP server for the tests: stdio by default, streamable HTTP with `--http PORT`."""

import os
import sys
import time

from mcp.server.fastmcp import Context, FastMCP
from pydantic import BaseModel, Field

mcp = FastMCP("test-inventory", port=int(sys.argv[2]) if "--http" in sys.argv else 8000)
_stock = {"apple": 3, "pear": 0}


@mcp.tool()
def stock_level(item: str) -> int:
    """How many of an item are in stock.

    Args:
        item: the item's name, e.g. apple
    """
    if item not in _stock:
        raise ValueError(f"unknown item {item!r}")
    return _stock[item]


@mcp.tool()
def restock(item: str, count: int) -> dict:
    """Add items to the stock; returns the new level."""
    _stock[item] = _stock.get(item, 0) + count
    return {"item": item, "level": _stock[item]}


@mcp.tool()
def server_env(name: str) -> str:
    """The value of an environment variable as the server sees it ('' when unset)."""
    return os.environ.get(name, "")


@mcp.tool()
def slow(seconds: float) -> str:
    """Sleep, then answer."""
    time.sleep(seconds)
    return "done"


class Size(BaseModel):
    size: str = Field(description="the shirt size", json_schema_extra={"enum": ["small", "medium", "large"]})


@mcp.tool()
async def order_shirt(color: str, ctx: Context) -> str:
    """Order a shirt of a colour; the server asks which size (MCP elicitation)."""
    answer = await ctx.elicit(f"Which size should the {color} shirt be?", schema=Size)
    if answer.action == "accept":
        return f"ordered a {answer.data.size} {color} shirt"
    return f"no shirt ordered: {answer.action}"


if __name__ == "__main__":
    mcp.run(transport="streamable-http" if "--http" in sys.argv else "stdio")
