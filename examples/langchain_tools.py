"""LangChain tools for the playground: `playground serve --tool-module examples.langchain_tools:TOOLS`."""

from __future__ import annotations

from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from pydantic import BaseModel, Field


@tool
def word_count(text: str) -> int:
    """Count the words in a text.

    Args:
        text: the text to count
    """
    return len(text.split())


class Shout(BaseModel):
    text: str = Field(description="what to shout")
    times: int = Field(default=1, ge=1, le=5, description="how many times")


def _shout(text: str, times: int = 1) -> str:
    return " ".join([text.upper() + "!"] * times)


shout = StructuredTool.from_function(_shout, name="shout", description="Shout a text, in capitals.",
                                     args_schema=Shout)


class Refuse(BaseTool):
    name: str = "always_refuses"
    description: str = "A tool that always fails with a ToolException (to see an error step)."

    def _run(self, reason: str) -> str:
        raise ToolException(f"refused: {reason}")


TOOLS = [word_count, shout, Refuse()]
