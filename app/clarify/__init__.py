"""Clarification: typed requests, the model-free tool-call checker, grounding and argument provenance.

`check_tool_call` is importable without starting anything:

    from app.clarify import check_tool_call
    check_tool_call(tool_schema, arguments, conversation) -> list[dict]
"""

from app.clarify.checker import check_tool_call
from app.clarify.request import KINDS, ClarificationRequest

__all__ = ["KINDS", "ClarificationRequest", "check_tool_call"]
