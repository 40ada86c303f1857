"""Structured judgements the agents ask of the demo model, by `[task:NAME]` in the system prompt.

Each handler gets the messages and tools and returns the reply text (JSON where the agent's prompt asks for
JSON). They are deterministic heuristics, documented as such in the UI and the eval reports: the point is to
exercise every path of the agents offline, not to judge as well as a real model.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from app.llm.demo import parse
from app.llm.demo.policy import plan_request

TASKS: dict[str, Callable[[list[dict], list[dict]], str]] = {}


def task(name: str):
    def register(fn):
        TASKS[name] = fn
        return fn
    return register


def _user_payload(messages: list[dict]):
    text = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text


@task("awn_reflect")
def awn_reflect(messages: list[dict], tools: list[dict]) -> str:
    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return json.dumps({"decision": "proceed", "reason": "no structured input"})
    findings = payload.get("checker_findings") or []
    if findings:
        first = findings[0]
        decision = "unsupported" if first.get("kind") == "unsupported_request" else "ask"
        return json.dumps({"decision": decision, "kind": first.get("kind"), "field": first.get("field"),
                           "question": first.get("question"), "options": first.get("options", []),
                           "reason": first.get("reason")})
    instruction = " ".join(str(t) for t in payload.get("instruction") or [])
    available = {name: {"name": name, "parameters": {}} for name in payload.get("available_tools") or []}
    called = payload.get("tool") or {}
    if called.get("name") in available:
        available[called["name"]] = called  # its description and parameters: what the request may be about
    plan = plan_request(instruction, available)
    if plan.needs or plan.intent == "unsupported":
        return json.dumps({"decision": "unsupported", "kind": "unsupported_request",
                           "reason": f"the request needs {plan.needs or 'a tool this set does not have'}"})
    return json.dumps({"decision": "proceed", "reason": "every argument is given in the conversation"})


# Missing-detail templates by domain: (pattern that shows the detail is already given, detail). Patterns with
# [A-Z] look for a capitalised name and are case-sensitive; the others carry (?i).
_TRIP = [
    (r"\b(to|in|visit|at)\s+[A-Z]", {"description": "Destination", "importance": "3",
                                     "inquiry": "Where would you like to go?",
                                     "options": ["Paris", "Rome", "Tokyo", "New York"]}),
    (r"(?i)\b(\d{4}-\d{2}-\d{2}|today|tomorrow|next|this|weekend|january|february|march|april|may|june|july|august|"
     r"september|october|november|december|\d+\s*(days?|nights?|weeks?))\b",
     {"description": "Travel dates", "importance": "3", "inquiry": "When do you want to travel?",
      "options": ["This weekend", "Next month", "I'm flexible"]}),
    (r"\bfrom\s+[A-Z]", {"description": "Departure city", "importance": "2", "inquiry": "Where will you travel from?",
                         "options": ["London", "Paris", "New York"]}),
    (r"(?i)\b(alone|solo|\d+\s+(people|persons|adults|of us)|family|couple|friends|me and)\b",
     {"description": "Number of travellers", "importance": "2", "inquiry": "Who is travelling?",
      "options": ["Just me", "Two people", "A family of four"]}),
    (r"(?i)\b(budget|cheap|luxury|\$|€|£|\d+\s*(usd|eur|dollars|euros))\b",
     {"description": "Budget", "importance": "1", "inquiry": "What is your budget?",
      "options": ["Economy", "Mid-range", "Luxury"]}),
]
_FOOD = [
    (r"(?i)\b(italian|french|chinese|japanese|indian|mexican|thai|vegan|vegetarian|sushi|pizza|cuisine)\b",
     {"description": "Cuisine", "importance": "3", "inquiry": "What kind of food would you like?",
      "options": ["Italian", "Japanese", "Vegetarian", "No preference"]}),
    (r"\b(in|near|around)\s+[A-Z]", {"description": "Location", "importance": "3", "inquiry": "In which area?",
                                     "options": ["City centre", "Near me", "Near the station"]}),
    (r"(?i)\b(\d+\s+(people|persons|guests)|for two|for four|party of)\b",
     {"description": "Party size", "importance": "2", "inquiry": "For how many people?", "options": ["2", "4", "6+"]}),
    (r"(?i)\b(budget|cheap|expensive|fine dining|\$)\b",
     {"description": "Budget", "importance": "1", "inquiry": "What price range?",
      "options": ["Budget", "Mid-range", "Fine dining"]}),
]
_GENERIC = [
    (r"(?i)\b(about|on|regarding|for)\s+\w{4,}", {"description": "Specific topic or goal", "importance": "3",
                                            "inquiry": "What exactly should I focus on?",
                                            "options": ["A quick overview", "A detailed guide", "Specific examples"]}),
    (r"(?i)\b(\d+|few|several|brief|short|long|detailed)\b",
     {"description": "Scope and length", "importance": "2", "inquiry": "How much detail do you want?",
      "options": ["A short answer", "A few key points", "An in-depth answer"]}),
    (r"(?i)\b(for (my|a|an|the)|beginner|expert|kids|students|work)\b",
     {"description": "Audience or purpose", "importance": "2", "inquiry": "Who is it for, or what is it for?",
      "options": ["Just for me", "For work", "For a beginner"]}),
]
_VAGUE_VERBS = re.compile(r"\b(plan|organi[sz]e|recommend|suggest|find|help|look for|search|research|book|buy|"
                          r"get|write|create|make|prepare|choose|pick|learn|improve|arrange)\b", re.IGNORECASE)


def _specificity(task: str) -> int:
    score = len(re.findall(r"\d+", task))
    score += len(parse.find_cities(task))
    score += len(re.findall(r"\"[^\"]+\"|'[^']{3,}'", task))
    score += len(re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}", task))  # proper nouns inside the sentence
    score += max(0, len(task.split()) - 14) // 6
    return score


@task("interact_judge")
def interact_judge(messages: list[dict], tools: list[dict]) -> str:
    task_text = str(_user_payload(messages))
    lower = task_text.lower()
    if re.search(r"\b(trip|travel|vacation|holiday|getaway|itinerary|flight|journey)\b", lower):
        templates = _TRIP
    elif re.search(r"\b(restaurant|dinner|lunch|eat|food|meal|cafe)\b", lower):
        templates = _FOOD
    else:
        templates = _GENERIC
    missing = [detail for given, detail in templates if not re.search(given, task_text)]
    essential = [d for d in missing if d["importance"] == "3"]
    specific = _specificity(task_text)
    if templates is _GENERIC:
        vague = bool(_VAGUE_VERBS.search(task_text)) and specific < 2 and len(task_text.split()) < 16
    else:
        vague = bool(essential) or (len(missing) >= 3 and specific < 2)
    if not vague:
        return json.dumps({"vague": False, "thought": "The task names what is needed; no question is due.",
                           "missing_details": []})
    return json.dumps({"vague": True, "thought": "The task leaves out details only the user can give: " +
                       ", ".join(d["description"].lower() for d in missing) + ".", "missing_details": missing})


# What in an answer gives a detail, and the value it gives (the judge's own "given" patterns, with the value
# each names): one typed answer often gives several ("Lisbon, in May, from Berlin").
_VALUES = {
    "Destination": r"\b(?:to|visit)\s+([A-Z][\w-]+(?:\s[A-Z][\w-]+)?)",
    "Travel dates": r"(?i)\b(\d{4}-\d{2}-\d{2}|today|tomorrow|(?:this|next)\s+\w+|weekend|(?:in\s+)?(?:january|"
                    r"february|march|april|may|june|july|august|september|october|november|december)(?:\s+\d{1,2})?"
                    r"|\d+\s*(?:days?|nights?|weeks?))\b",
    "Departure city": r"\bfrom\s+([A-Z][\w-]+(?:\s[A-Z][\w-]+)?)",
    "Number of travellers": r"(?i)\b(alone|solo|just me|\d+\s+(?:people|persons|adults|of us)|family(?: of \w+)?|"
                            r"couple|(?:me and|with) (?:my )?\w+)\b",
    "Budget": r"(?i)\b(budget|cheap|economy|mid-range|luxury|[$€£]\s?\d+|\d+\s*(?:usd|eur|dollars|euros))\b",
    "Party size": r"(?i)\b(\d+\s+(?:people|persons|guests)|for two|for four|party of \w+)\b",
    "Cuisine": r"(?i)\b(italian|french|chinese|japanese|indian|mexican|thai|vegan|vegetarian|sushi|pizza)\b",
}


@task("interact_given")
def interact_given(messages: list[dict], tools: list[dict]) -> str:
    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return json.dumps({"given": {}})
    said = " ; ".join(str(a) for a in payload.get("answers") or [])
    given = {}
    for detail in payload.get("remaining") or []:
        name = str(detail.get("description", ""))
        if name in _VALUES and (m := re.search(_VALUES[name], said)):
            given[name] = (m.group(1) if m.groups() else m.group(0)).strip()
    return json.dumps({"given": given})


@task("interact_summary")
def interact_summary(messages: list[dict], tools: list[dict]) -> str:
    payload = _user_payload(messages)
    if not isinstance(payload, dict):
        return str(payload)
    task_text = str(payload.get("task", "")).strip().rstrip(".")
    answers = payload.get("answers") or []
    several = any(a.get("given_in") for a in answers)  # one answer gave several details: each keeps its own part

    def value(answer: dict) -> str:
        text = str(answer.get("answer"))
        return text.split(",")[0].strip() if several and not answer.get("given_in") and "," in text else text

    details = "; ".join(f"{a.get('detail')}: {value(a)}" for a in answers)
    return f"{task_text}." + (f" Details: {details}." if details else " No further details given.")
