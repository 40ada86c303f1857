"""A ReAct loop of LangGraph's prebuilt parts: ChatOpenAI with a tool bound, a ToolNode, tools_condition."""

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition


@tool
def weather(city: str, unit: str = "celsius") -> str:
    """The current weather in a city."""
    return f"{city}: 21 degrees {unit}, sunny"


model = ChatOpenAI(model="gpt-4o-mini").bind_tools([weather])


def agent(state: MessagesState):
    return {"messages": [model.invoke(state["messages"])]}


graph = (StateGraph(MessagesState).add_node(agent).add_node("tools", ToolNode([weather]))
         .add_edge(START, "agent").add_conditional_edges("agent", tools_condition).add_edge("tools", "agent")
         .compile())
