"""Remembers what each person tells it, across sessions (a LangGraph store)."""

from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime


def remember(state: MessagesState, runtime: Runtime):
    text = state["messages"][-1].content
    notes = ("notes",)
    if text.startswith("remember "):
        runtime.store.put(notes, str(len(runtime.store.search(notes)) + 1), {"text": text.removeprefix("remember ")})
        return {"messages": [{"role": "assistant", "content": "noted"}]}
    kept = [item.value["text"] for item in runtime.store.search(notes)]
    return {"messages": [{"role": "assistant", "content": "; ".join(kept) or "nothing yet"}]}


graph = StateGraph(MessagesState).add_node(remember).add_edge(START, "remember").add_edge("remember", END).compile()
