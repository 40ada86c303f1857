"""Every call an opened graph makes, traced whatever made it: LangChain's callbacks on the run record its nodes
(and a subgraph's nodes inside the node that runs it), chat model calls, tool calls (a `ToolNode`'s, or a tool
called inside a node) and retriever calls as steps, each with its parent: the tree the chat, the inspector,
the share page and the export show.

A chat model call that goes to the playground's model endpoint (app.protocols.models) is one step, not two: the
callback gives the call a step id before the request is sent (a context variable the request tagging reads),
the endpoint records the step with that id and this parent, and the callback then records nothing of its own. A
model the endpoint does not answer (a fake model, a provider of the graph's own) is recorded from the callback.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any, Callable
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from app.tracing.messages import message_dicts
from app.tracing.steps import PROVENANCE, Step, StepKind, StepStatus

# (step id, parent step id) of the chat model call this context is making: read by the endpoint's request tagging
MODEL_CALL: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar("model_call", default=None)


def _interrupted(error: BaseException) -> bool:
    return type(error).__name__ in ("GraphInterrupt", "NodeInterrupt", "GraphBubbleUp", "ParentCommand",
                                    "CancelledError")


class StepCallbacks(BaseCallbackHandler):
    """Steps from one run's callbacks, handed to `record` as each ends. `served(step_id)` says whether the model
    endpoint recorded that model call itself."""

    run_inline = True  # in the caller's thread and context: MODEL_CALL is seen by the request it makes
    raise_error = False

    def __init__(self, record: Callable[[Step], None], served: Callable[[str], bool] = lambda _id: False):
        self.record = record
        self.served = served
        self._guard = threading.Lock()
        self._parents: dict[UUID, UUID | None] = {}
        self._open: dict[UUID, Step] = {}
        self._tokens: dict[UUID, contextvars.Token] = {}
        self._provenance: dict[str, dict] = {}  # by tool call id: where its arguments came from (a wrapped check)

    # -- the tree --

    def _open_ancestor(self, parent_run_id: UUID | None) -> UUID | None:
        """The nearest run up the tree that is an open step."""
        seen = 0
        while parent_run_id is not None and seen < 1000:
            if parent_run_id in self._open:
                return parent_run_id
            parent_run_id = self._parents.get(parent_run_id)
            seen += 1
        return None

    def _parent_step(self, parent_run_id: UUID | None) -> str | None:
        step = self._open.get(self._open_ancestor(parent_run_id))
        return None if step is None else step.id

    def _begin(self, run_id: UUID, parent_run_id: UUID | None, step: Step | None) -> Step | None:
        with self._guard:
            self._parents[run_id] = parent_run_id
            if step is not None:
                step.parent_id = self._parent_step(parent_run_id)
                self._open[run_id] = step
        return step

    def _end(self, run_id: UUID, output: Any = None, error: BaseException | None = None,
             failed: str | None = None) -> None:
        with self._guard:
            step = self._open.pop(run_id, None)
            self._parents.pop(run_id, None)
        if step is None:
            return
        if error is not None:
            if _interrupted(error):
                return  # a question or a breakpoint: the node runs again on resume
            failed = f"{type(error).__name__}: {error}"
        else:
            step.output = output
        if failed is not None:
            step.status, step.error = StepStatus.ERROR, " ".join(failed.split())[:500]
        self.record(step.end())

    # -- nodes (and a subgraph's nodes) --

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, tags=None, metadata=None,
                       name=None, **kwargs):
        node = (metadata or {}).get("langgraph_node")
        is_node = node is not None and name == node and not str(node).startswith("__")
        # the task's own namespace ("node:task id", "parent:id|node:id" in a subgraph)
        namespace = str((metadata or {}).get("langgraph_checkpoint_ns") or (metadata or {}).get("checkpoint_ns") or "")
        if is_node:  # a runnable of the node's own name inside it (a wrapped ToolNode) is not a node again
            with self._guard:
                parent = self._open.get(self._open_ancestor(parent_run_id))
            is_node = not (parent is not None and parent.kind == StepKind.NODE and parent.node == str(node)
                           and parent.meta.get("namespace") == namespace)
        step = Step(kind=StepKind.NODE, node=str(node), name=str(node), meta={"namespace": namespace}) if is_node else None
        self._begin(run_id, parent_run_id, step)

    def on_chain_end(self, outputs, *, run_id, **kwargs):
        self._end(run_id, plain(outputs))

    def on_chain_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error=error)

    # -- tools and retrievers --

    def on_tool_start(self, serialized, input_str, *, run_id, parent_run_id=None, metadata=None, inputs=None,
                      name=None, tool_call_id=None, **kwargs):
        tool = name or (serialized or {}).get("name") or "tool"
        meta: dict[str, Any] = {"via": "LangChain callbacks"}
        if tool_call_id is not None and str(tool_call_id) in self._provenance:
            meta[PROVENANCE] = self._provenance.pop(str(tool_call_id))
        self._begin(run_id, parent_run_id, Step(kind=StepKind.TOOL, node=_node(metadata, "tools"), name=str(tool),
                                                input=inputs if isinstance(inputs, dict) else {"input": input_str},
                                                meta=meta))

    def on_tool_end(self, output, *, run_id, **kwargs):
        value = plain(getattr(output, "content", output))
        if getattr(output, "status", None) == "error" or (isinstance(value, dict) and list(value) == ["error"]):
            # a tool that reports its failure instead of raising it (ToolNode's error message, Tavily's
            # {"error": ...}): its step failed, with that error
            return self._end(run_id, value, failed=str(value.get("error") if isinstance(value, dict) else value))
        self._end(run_id, value)

    def on_tool_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error=error)

    def on_retriever_start(self, serialized, query, *, run_id, parent_run_id=None, metadata=None, name=None,
                           **kwargs):
        self._begin(run_id, parent_run_id, Step(kind=StepKind.TOOL, node=_node(metadata, "retriever"),
                                                name=str(name or "retriever"), input={"query": query},
                                                meta={"retriever": True, "via": "LangChain callbacks"}))

    def on_retriever_end(self, documents, *, run_id, **kwargs):
        self._end(run_id, [{"page_content": getattr(d, "page_content", str(d)), "metadata": getattr(d, "metadata", {})}
                           for d in documents or []])

    def on_retriever_error(self, error, *, run_id, **kwargs):
        self._end(run_id, error=error)

    # -- the Ask-when-Needed check around an opened graph's tools (app.clarify.wrap) --

    def on_custom_event(self, name, data, *, run_id, metadata=None, **kwargs):
        from app.clarify.wrap import CHECK_EVENT

        if name != CHECK_EVENT or not isinstance(data, dict):
            return
        self._provenance.update(data.get("provenance") or {})
        with self._guard:
            parent = self._parent_step(run_id)
        step = Step(kind=StepKind.CHECK, node=_node(metadata, "tools"), name="check_tool_call",
                    input=data.get("calls"), output=data.get("findings"), parent_id=parent,
                    meta={"via": "ask_when_needed"})
        self.record(step.end())

    # -- chat models --

    def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, metadata=None,
                            invocation_params=None, name=None, **kwargs):
        params = invocation_params or kwargs.get("invocation_params") or {}
        model = str(params.get("model") or params.get("model_name") or name or "chat model")
        step = self._begin(run_id, parent_run_id, Step(
            kind=StepKind.MODEL, node=_node(metadata, "model"), name=model,
            input={"model": model, "messages": message_dicts(list(messages[0] if messages else [])),
                   "tools": [t.get("function", {}).get("name") for t in params.get("tools") or []
                             if isinstance(t, dict)]},
            meta={"model": model, "via": "LangChain callbacks"}))
        self._tokens[run_id] = MODEL_CALL.set((step.id, step.parent_id))

    def on_llm_end(self, response, *, run_id, **kwargs):
        token = self._tokens.pop(run_id, None)
        if token is not None:
            try:
                MODEL_CALL.reset(token)
            except ValueError:  # ended in another context than it started: leave it
                MODEL_CALL.set(None)
        with self._guard:
            step = self._open.get(run_id)
        if step is not None and self.served(step.id):  # the endpoint recorded this call
            with self._guard:
                self._open.pop(run_id, None)
            return
        if step is not None:
            generation = (response.generations or [[None]])[0][0]
            message = getattr(generation, "message", None)
            usage = getattr(message, "usage_metadata", None) or {}
            step.prompt_tokens = int(usage.get("input_tokens") or 0)
            step.completion_tokens = int(usage.get("output_tokens") or 0)
            step.meta["latency_ms"] = round((time.time() - step.started_at) * 1000, 3)
        output = message_dicts([message])[0] if step is not None and message is not None else None
        self._end(run_id, output)

    def on_llm_error(self, error, *, run_id, **kwargs):
        token = self._tokens.pop(run_id, None)
        if token is not None:
            try:
                MODEL_CALL.reset(token)
            except ValueError:
                MODEL_CALL.set(None)
        self._end(run_id, error=error)


def _node(metadata: dict | None, default: str) -> str:
    return str((metadata or {}).get("langgraph_node") or default)


def plain(value: Any) -> Any:
    """A JSON-able copy of a node's output or a tool's result (LangChain messages as OpenAI dicts)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]  # messages, one by one below
    if hasattr(value, "type") and hasattr(value, "content") and not isinstance(value, (str, bytes)):
        try:
            return message_dicts([value])[0]
        except Exception:  # noqa: BLE001
            return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "model_dump"):
        try:
            return plain(value.model_dump())
        except Exception:  # noqa: BLE001  (a model that cannot dump itself: shown as text)
            return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return plain({k: getattr(value, k) for k in value.__dataclass_fields__})
    return str(value)
