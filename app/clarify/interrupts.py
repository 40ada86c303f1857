"""`interrupt(value)` as LangGraph users write it, asked as a typed question, and the answer given back in the
shape the graph waits for:

- our clarification payload (`{"kind", "question", "options", ...}`): the answer text;
- a string: a free-text question; the answer text;
- a dict with a question (`question`, `message`, `prompt`, `text` or `description`) and `options` (or `choices`):
  its options as buttons; the answer text;
- the HumanInterrupt of LangGraph's agent inbox (`{"action_request": {"action", "args"}, "config": {"allow_accept",
  "allow_edit", "allow_respond", "allow_ignore"}, "description"}`, alone or in a list): the actions it allows as
  buttons; the answer becomes the HumanResponse (`accept`, `ignore`, `response` with the text typed, `edit` with
  the arguments typed as a JSON object), in a list when the interrupt was a list;
- anything else: its JSON as the question; the answer text (or the JSON value, when the answer is JSON).

A breakpoint (interrupt_before/after, or one a person set) is asked as "Paused before NODE" with Continue.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from app.clarify.request import KINDS, ClarificationRequest

QUESTION_KEYS = ("question", "message", "prompt", "text", "description", "query")
HUMAN_ACTIONS = (("allow_accept", "accept"), ("allow_respond", "respond"), ("allow_edit", "edit"),
                 ("allow_ignore", "ignore"))
BREAKPOINT = "breakpoint"  # the `field` of a breakpoint's question
CONTINUE = "Continue"
UNNAMED = "placeholder-id"  # LangGraph's id of an interrupt made outside a task's namespace (a NodeInterrupt)


def _human(value: Any) -> dict | None:
    """The HumanInterrupt in `value` (alone, or the first of a list of them), or None."""
    first = value[0] if isinstance(value, list) and value else value
    if isinstance(first, dict) and isinstance(first.get("action_request"), dict):
        return first
    return None


def request_of(value: Any, id: str | None = None) -> ClarificationRequest:
    human = _human(value)
    if human is not None:
        action = human["action_request"]
        allowed = human.get("config") or {}
        options = [name for flag, name in HUMAN_ACTIONS if allowed.get(flag, flag == "allow_accept")
                   and name != "edit"]
        question = str(human.get("description") or f"Run {action.get('action')}?")
        how = [f"{action.get('action')}({json.dumps(action.get('args') or {}, ensure_ascii=False)})"]
        if allowed.get("allow_edit"):
            how.append("type the arguments as a JSON object to edit them")
        if allowed.get("allow_respond"):
            how.append("type a reply to respond")
        return ClarificationRequest(kind="confirm_action", question=question, options=options,
                                    tool=str(action.get("action") or "") or None, field="human_interrupt",
                                    reason="; ".join(how), detected_by="graph", id=id or "")
    if isinstance(value, dict) and (value.get("kind") in KINDS or "question" in value):
        return ClarificationRequest.from_payload({"detected_by": "graph", **value}, id=id)
    if isinstance(value, dict):
        question = next((str(value[k]) for k in QUESTION_KEYS if isinstance(value.get(k), str)), None)
        options = value.get("options") or value.get("choices") or []
        if question is None:
            question = json.dumps(value, ensure_ascii=False, default=str)[:2000]
        return ClarificationRequest.from_payload({"question": question, "detected_by": "graph", "options": [
            o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in options if o is not None]}, id=id)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)[:2000]
    return ClarificationRequest.from_payload({"question": text, "detected_by": "graph"}, id=id)


def resume_value(value: Any, answer: str) -> Any:
    """What the graph gets back for `answer` to the interrupt whose payload was `value`."""
    human = _human(value)
    if human is None:
        return answer
    text = answer.strip()
    if text.lower() in ("accept", "ignore"):
        response: dict[str, Any] = {"type": text.lower(), "args": None}
    else:
        edited = None
        if text.startswith("{") and (human.get("config") or {}).get("allow_edit"):
            try:
                edited = json.loads(text)
            except json.JSONDecodeError:
                edited = None
        if isinstance(edited, dict):
            response = {"type": "edit", "args": {"action": human["action_request"].get("action"), "args": edited}}
        else:
            response = {"type": "response", "args": answer}
    return [response] if isinstance(value, list) else response


def breakpoint_request(nodes: list[str] | tuple[str, ...], checkpoint_id: str | None) -> ClarificationRequest:
    where = ", ".join(nodes)
    return ClarificationRequest(kind="confirm_action", question=f"Paused before {where}", options=[CONTINUE],
                                field=BREAKPOINT, reason="a breakpoint: Continue runs on from here",
                                detected_by="schema", id=f"bp_{checkpoint_id or ''}_{where}"[:120])


def resume_input(graph, thread_id: str, pending, answer: str):
    """How an opened graph goes on after `answer` to its stored question `pending`: from a breakpoint with no
    input; from an interrupt with the answer in the shape its payload asks for, to that interrupt alone (others
    pending at once, from parallel branches, are asked next)."""
    from langgraph.types import Command

    if pending.field == BREAKPOINT and pending.id.startswith("bp_"):
        return None
    for waiting in graph.get_state({"configurable": {"thread_id": thread_id}}).interrupts:
        if waiting.id == pending.id:
            return Command(resume={waiting.id: resume_value(waiting.value, answer)})
    return Command(resume=answer)


def waiting(graph, config: dict, interrupts, opened: bool) -> ClarificationRequest | None:
    """The question a run ends on: its first interrupt (LangGraph's interrupt id, unique per question asked,
    is the question's); for an opened graph also one still pending from a parallel branch after another was
    answered, or the breakpoint it stopped at (nodes left to run, nothing asked)."""
    if not interrupts and opened:
        paused = graph.get_state(config)
        interrupts = paused.interrupts
        if not interrupts and paused.next:
            return breakpoint_request(paused.next, paused.config["configurable"].get("checkpoint_id"))
    if not interrupts:
        return None
    first = interrupts[0]
    if first.id == UNNAMED:
        # A NodeInterrupt: each time it stops is a new question, even at the same checkpoint (answered without
        # a change of state, its node stops again)
        return request_of(first.value, id=f"ni_{uuid.uuid4().hex}")
    return request_of(first.value, id=first.id)
