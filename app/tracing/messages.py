"""Messages as the playground stores them (OpenAI-format dicts), from whatever a graph holds."""

from __future__ import annotations

from typing import Any

from app.tracing.steps import Step, StepKind


def message_dicts(messages: list[Any]) -> list[dict[str, Any]]:
    """OpenAI-format dicts, also from LangChain message objects (bring-your-own graphs using MessagesState)."""
    if all(isinstance(m, dict) for m in messages):
        return messages
    from langchain_core.messages import convert_to_openai_messages

    return [m if isinstance(m, dict) else convert_to_openai_messages(m) for m in messages]


def node_step(node: str, update: Any, started: float) -> Step:
    if isinstance(update, dict) and "messages" in update:
        update = {**update, "messages": message_dicts(list(update["messages"] or []))}
    return Step(kind=StepKind.NODE, node=node, name=node, output=update, started_at=started).end()
