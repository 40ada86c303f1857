"""The agents LangChain and LangGraph build for you: LangChain 1.x's create_agent (each tool call sent to its
ToolNode alone) and LangGraph's prebuilt create_react_agent, with a tool that needs a city."""

from langchain.agents import create_agent
from langgraph.prebuilt import create_react_agent


def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"It is always sunny in {city}!"


helper = create_agent("openai:gpt-4o-mini", tools=[get_weather], system_prompt="You are helpful.")
prebuilt = create_react_agent("anthropic:claude-3-7-sonnet-latest", tools=[get_weather], prompt="Be brief.")
