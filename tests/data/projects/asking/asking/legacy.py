"""Written for LangGraph 0.x: its settings read from config["configurable"] (a `config_schema`), and a node that
stops with a `NodeInterrupt` until the state it objects to is changed."""

from dataclasses import dataclass, field
from typing import TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.errors import NodeInterrupt
from langgraph.graph import END, START, StateGraph


@dataclass
class Configuration:
    """How long a title may be."""

    max_length: int = field(default=12, metadata={"description": "the longest title allowed"})


class State(TypedDict):
    title: str


def check(state: State, config: RunnableConfig) -> State:
    limit = int(config["configurable"].get("max_length", 12))
    if len(state["title"]) > limit:
        raise NodeInterrupt(f"The title {state['title']!r} is longer than {limit} characters: shorten it")
    return {}


def publish(state: State) -> State:
    return {"title": state["title"].upper()}


graph = (StateGraph(State, config_schema=Configuration).add_node(check).add_node(publish)
         .add_edge(START, "check").add_edge("check", "publish").add_edge("publish", END).compile())
