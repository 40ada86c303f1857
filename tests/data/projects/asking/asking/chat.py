"""A chat agent made by a factory, calling the OpenAI SDK itself with a tool of its own."""

import json

from langgraph.graph import END, START, MessagesState, StateGraph
from openai import OpenAI


def lookup(city: str) -> str:
    return f"{city}: 21 C and sunny"


TOOLS = [{"type": "function", "function": {"name": "weather", "description": "The weather in a city.", "parameters": {
    "type": "object", "properties": {"city": {"type": "string", "description": "a city, e.g. Paris"}},
    "required": ["city"]}}}]


def make_graph():
    client = OpenAI()

    def agent(state: MessagesState):
        messages = [m if isinstance(m, dict) else {"role": {"human": "user", "ai": "assistant"}.get(m.type, m.type),
                                                   "content": m.content} for m in state["messages"]]
        reply = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS).choices[0].message
        if reply.tool_calls:
            call = reply.tool_calls[0]
            result = lookup(**json.loads(call.function.arguments))
            follow = client.chat.completions.create(model="gpt-4o", messages=[
                *messages, reply.model_dump(exclude_none=True),
                {"role": "tool", "tool_call_id": call.id, "content": result}], tools=TOOLS).choices[0].message
            return {"messages": [{"role": "assistant", "content": follow.content}]}
        return {"messages": [{"role": "assistant", "content": reply.content}]}

    return StateGraph(MessagesState).add_node(agent).add_edge(START, "agent").add_edge("agent", END)
