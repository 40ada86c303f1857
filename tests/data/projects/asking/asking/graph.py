"""Asks in every way LangGraph users write it: free text, options, the agent inbox, two questions at once.

The playground's own test project (tests/test_projects.py): a string interrupt, a dict with options, a
HumanInterrupt list, two parallel branches (Send) that each interrupt, a breakpoint before a subgraph that
writes a structured summary with ChatOpenAI.
"""

import operator
import os
from typing import Annotated, TypedDict

from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send, interrupt
from pydantic import BaseModel, Field


class Input(TypedDict):
    topic: str


class State(TypedDict, total=False):
    topic: str
    name: str
    size: str
    decision: dict
    checks: Annotated[list[str], operator.add]
    summary: dict


class Summary(BaseModel):
    """What was ordered."""

    title: str = Field(description="a short title")
    items: int = Field(description="how many items")


def ask_name(state: State) -> State:
    return {"name": interrupt(f"{os.environ.get('ASKING_GREETING', 'Hi')}! What is your name?")}


def ask_size(state: State) -> State:
    return {"size": interrupt({"question": "Which size?", "options": ["S", "M", "L"]})}


def approve(state: State) -> State:
    response = interrupt([{
        "action_request": {"action": "order", "args": {"size": state["size"]}},
        "config": {"allow_accept": True, "allow_edit": True, "allow_respond": True, "allow_ignore": True},
        "description": f"Place the order of a {state['size']} {state['topic']}?",
    }])[0]
    return {"decision": response}


def fan_out(state: State):
    return [Send("check", {"item": item}) for item in ("stock", "price")]


def check(state: dict) -> State:
    answer = interrupt(f"Is the {state['item']} right?")
    return {"checks": [f"{state['item']}: {answer}"]}


class SubState(TypedDict, total=False):
    topic: str
    size: str
    summary: dict


def write(state: SubState) -> SubState:
    model = ChatOpenAI(model="gpt-4o-mini").with_structured_output(Summary)
    summary = model.invoke(f"Summarise the order of a {state.get('size')} {state.get('topic')}.")
    return {"summary": summary.model_dump()}


summarize = StateGraph(SubState).add_node(write).add_edge(START, "write").add_edge("write", END).compile()

graph = (
    StateGraph(State, input_schema=Input)
    .add_node(ask_name).add_node(ask_size).add_node(approve).add_node(check).add_node("summarize", summarize)
    .add_edge(START, "ask_name").add_edge("ask_name", "ask_size").add_edge("ask_size", "approve")
    .add_conditional_edges("approve", fan_out, ["check"]).add_edge("check", "summarize").add_edge("summarize", END)
    .compile(interrupt_before=["summarize"])
)
