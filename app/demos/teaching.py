"""Teaching: built-in scenarios, playback of any trace one step at a time, and replay of a recorded session.

A scenario is a short scripted conversation (messages and the answers to the agent's questions) for one
agent design, with a title, a learning goal and instructor notes; every one runs offline on the demo model.
Playback walks a trace step by step with a note beside each step (the scenario's own note for that step if
it has one, else what that kind of step is). Replay plays a session's recorded model turns back through the
`replay/` provider while the agent and its tools run again (see app.llm.replay).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.config import DEMO_MODEL
from app.llm import replay as replay_provider
from app.runner import Runner, TurnError, TurnResult

SCENARIO_KEY = "scenario"  # in a session's settings: the scenario it was run from (designs ignore it)
REPLAY_KEY = "replay_of"  # in a session's settings: the session it replays


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    design: str
    toolset: str
    message: str
    goal: str
    notes: str
    answers: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    step_notes: dict[str, str] = field(default_factory=dict)  # by step name, then by step kind

    @property
    def on_local_model(self) -> str:
        return ON_LOCAL_MODEL.get(self.id, "not tried")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "design": self.design, "toolset": self.toolset,
                "message": self.message, "answers": list(self.answers), "settings": self.settings,
                "goal": self.goal, "notes": self.notes, "on_local_model": self.on_local_model}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "react-chain", "ReAct: think, act, observe", "react", "math",
        "Compute 12*7, then add 5, then divide it by 3",
        goal="See the ReAct loop: the model calls a tool, reads the result, and decides the next call until it "
             "can answer.",
        notes="Three calculator calls, one after another: each call's input uses the previous result. Point "
              "at the model steps between tool steps: every observation goes back to the model. Ask the class "
              "how many model calls a 10-step chain would cost.",
        step_notes={"tool": "The tool ran with the model's arguments; its result goes back into the conversation.",
                    "model": "The model sees the whole conversation so far, including every tool result."}),
    Scenario(
        "awn-missing", "Ask when needed: a missing argument", "awn", "travel", "What's the weather like?",
        answers=("Paris",),
        goal="An agent that checks a tool call against the tool's schema before running it, and asks instead of "
             "guessing (Ask-when-Needed).",
        notes="The model proposes `weather` with no city. The check step is plain code (the schema says `city` "
              "is required); the reflection step asks the model whether the call is grounded. The agent asks "
              "with options; after the answer the call is made. Compare with ReAct on the same prompt, which "
              "either guesses or fails.",
        step_notes={"check_tool_call": "Model-free: the proposed arguments against the tool's JSON schema.",
                    "reflection": "One model call: is every argument given by the user, or guessed?",
                    "clarification": "The agent stopped and asked. The run was paused on a LangGraph interrupt "
                                     "and resumed with the answer."}),
    Scenario(
        "awn-beyond", "Saying no: a request beyond the tools", "awn", "math", "Order me a pizza",
        goal="Recognise a request no tool in the set can serve, and say so instead of inventing a call.",
        notes="The tool set has only a calculator and a unit converter. AwN's third outcome (besides proceed "
              "and ask) is 'unsupported'. Discuss: what should a good refusal contain?"),
    Scenario(
        "interact-vague", "IN3 Interact: a vague task", "interact", "travel", "Plan a trip for me",
        answers=("Rome", "next weekend", "skip"),
        goal="Judge whether a task is vague, ask for the missing details one at a time with options, and "
             "summarise the intention before acting (Mistral-Interact).",
        notes="The judge lists missing details by importance. Each question offers options; 'skip' ends the "
              "questions. The summary step is the contract: everything after it works from the summary. Ask "
              "the class which question mattered most.",
        step_notes={"summary": "The user's intention, summarised: what the agent will now act on."}),
    Scenario(
        "rewoo-plan", "ReWOO: plan once, then work", "rewoo", "everything",
        "What's the weather in Paris and in Rome, and which is warmer?",
        goal="Plan every tool call up front with placeholders, run them without the model, then solve: fewer "
             "model calls and tokens than ReAct.",
        notes="Two model calls in total (planner, solver) whatever the number of tools. Open the plan step to "
              "see `#E1 = weather[...]`. Compare the token count with ReAct on the same prompt in the Compare tab.",
        step_notes={"plan": "The whole plan, written before any tool ran.",
                    "worker": "No model here: the worker runs the planned call."}),
    Scenario(
        "plan-execute-replan", "Plan-and-Execute: re-plan after a failure", "plan_execute", "travel",
        "What's the weather in Pariss?",
        goal="A planner writes steps; an executor does one at a time; a re-planner revises the plan after each "
             "step, here after a tool rejects a misspelt city.",
        notes="The first weather call fails (\"Pariss\"); the tool's error lists valid cities and the "
              "re-planner rewrites the step. Point at the 'revised plan' step.",
        step_notes={"revised plan": "The re-planner changed the remaining steps after seeing a result."}),
    Scenario(
        "dfsdt-backtrack", "DFSDT: search, fail, backtrack", "dfsdt", "travel", "call weather with city=Pariss",
        goal="Depth-first search over tool-call paths (ToolLLM): a failed branch is abandoned and the model "
             "tries a different one, told what was tried before.",
        notes="The first branch fails on the misspelt city; the search backtracks and the second branch "
              "succeeds. The search tree step draws the tree. Discuss the cost: every branch is more model calls.",
        step_notes={"search": "The search tree: branches, where each ended, which one answered."}),
    Scenario(
        "gate-no-tool", "The tool-use gate: not every message needs a tool", "react", "math", "What is 2+2?",
        settings={"tool_gate": True},
        goal="A cheap first decision, tool or no tool, before the agent loop.",
        notes="The gate answers directly: one model call, no tool. Turn the gate off in the agent settings and "
              "run the same prompt to see the difference."),
    Scenario(
        "refine-call", "Self-refinement repairs a tool call", "react", "travel", "call weather with town=paris",
        settings={"refine": 1},
        goal="Before a call runs, show the model the validator's problems and the schema, and let it revise.",
        notes="The model's first call uses an argument the tool does not have (`town`). The refine step shows "
              "before and after.",
        step_notes={"refine": "The call before and after one refinement round."}),
)

# How each scenario fares on the local model (`local/qwen2.5-coder-0.5b`, run with `scenarios run ID --model ...`),
# observed on it: the scenarios are written for the demo model, whose behaviour they script.
LOCAL_MODEL = "local/qwen2.5-coder-0.5b"
ON_LOCAL_MODEL: dict[str, str] = {
    "react-chain": "partly: it chains the calls, but may carry a wrong number from one to the next",
    "awn-missing": "yes, the best live demo: the model invents a city, the check catches it and the agent asks",
    "awn-beyond": "no: the model calls the nearest tool with an invented value; the agent asks about it instead "
                  "of saying the request is beyond the tools",
    "interact-vague": "partly: it asks, but the summary may drop or invent a detail",
    "rewoo-plan": "no: the model does not write ReWOO's plan format, so no tool runs",
    "plan-execute-replan": "no: the re-planner repeats its plan (stopped by the step limit)",
    "dfsdt-backtrack": "no: it retries the misspelt city instead of correcting it",
    "gate-no-tool": "yes",
    "refine-call": "yes",
}

KIND_NOTES = {
    "model": "A model call: the messages sent and the reply (text, or tool calls).",
    "tool": "A tool ran; the arguments, where each value came from, and the result.",
    "check": "A check in code, no model involved.",
    "clarification": "The agent asked the user, and the answer it got.",
    "plan": "A plan written before acting.",
    "summary": "A summary of what the user wants.",
    "refine": "A refinement round on a proposed tool call.",
    "decision": "A decision between paths in the graph.",
    "search": "A search tree over tool-call paths.",
    "node": "One node of a bring-your-own graph and the state it returned.",
    "error": "Something failed; the run stopped here with its steps kept.",
}


def get(scenario_id: str) -> Scenario:
    for s in SCENARIOS:
        if s.id == scenario_id:
            return s
    raise TurnError(f"unknown scenario {scenario_id!r}; scenarios: {', '.join(s.id for s in SCENARIOS)}")


def run(runner: Runner, scenario_id: str, owner: str | None = None, model: str = DEMO_MODEL) -> TurnResult:
    """Run a scenario's script in a new session (offline on the demo model unless told otherwise)."""
    scenario = get(scenario_id)
    session = runner.new_session(scenario.design, model, toolset=scenario.toolset, owner=owner,
                                 settings={**scenario.settings, SCENARIO_KEY: scenario.id},
                                 title=f"Scenario: {scenario.title}")
    return _play(runner, session.id, [(scenario.message, list(scenario.answers))], owner)


def _play(runner: Runner, session_id: str, script: list[tuple[str, list[str]]], owner: str | None) -> TurnResult:
    """Each (message, answers to its questions) in order (`Runner.play`). Stops at a question the script does
    not answer."""
    result = None
    for message, answers in script:
        result = runner.play(session_id, message, answers, owner=owner)
        if result.status == "needs_clarification":
            break
    if result is None:
        raise TurnError("there is nothing to play: the session has no turns")
    return result


def scenario_of(settings: dict[str, Any] | None) -> Scenario | None:
    sid = (settings or {}).get(SCENARIO_KEY)
    return next((s for s in SCENARIOS if s.id == sid), None)


# -- record and replay -----------------------------------------------------------------------------------


def recording(runner: Runner, session_id: str, owner: str | None = None) -> dict[str, Any]:
    """What a replay needs from a recorded session: its script and its model turns, in order."""
    trace = runner.trace(session_id, owner)
    if not trace["runs"]:
        raise TurnError("this session has no turns to replay")
    by_run: dict[str, list[str]] = {}
    for c in sorted(trace["clarifications"], key=lambda c: c["asked_at"]):
        if c["answer"] is not None:
            by_run.setdefault(c["run_id"], []).append(c["answer"])
    script = [(r["user_message"], by_run.get(r["id"], [])) for r in trace["runs"]]
    turns = [{**(s["output"] or {}), "prompt_tokens": s["prompt_tokens"], "completion_tokens": s["completion_tokens"]}
             for s in trace["steps"] if s["kind"] == "model" and s["status"] == "ok"]
    if not turns:
        raise TurnError("this session recorded no model turns (a design that calls its model outside our "
                        "helpers cannot be replayed)")
    return {"session": trace["session"], "script": script, "turns": turns}


def replay(runner: Runner, session_id: str, owner: str | None = None) -> TurnResult:
    """Replay a recorded session offline: a new session whose model turns come from the recording while the
    agent and its tools run again. The recording is not changed."""
    rec = recording(runner, session_id, owner)
    source = rec["session"]
    # An imported trace replays too: that is how a hosted model's run reaches a classroom with no key.
    model = replay_provider.load(session_id, rec["turns"])
    try:
        settings = {k: v for k, v in (source["settings"] or {}).items() if k != "read_only"}
        session = runner.new_session(source["agent"], model, tools=list(source["tools"]), owner=owner,
                                     settings={**settings, REPLAY_KEY: session_id},
                                     title=f"Replay: {source['title'] or session_id[:8]}"[:120])
        return _play(runner, session.id, rec["script"], owner)
    finally:
        replay_provider.unload(model)


def compare_with_recording(runner: Runner, original: str, replayed: str) -> dict[str, Any]:
    """Tool calls and answers of a replay next to the recording's: `same` when they all match."""
    def outline(session_id: str) -> dict[str, Any]:
        trace = runner.trace(session_id)
        return {"tool_calls": [(s["name"], json.dumps(s["input"], sort_keys=True)) for s in trace["steps"]
                               if s["kind"] == "tool"],
                "answers": [r["final_answer"] for r in trace["runs"]]}

    a, b = outline(original), outline(replayed)
    return {"recorded": a, "replayed": b, "same": a == b}


# -- playback ---------------------------------------------------------------------------------------------


def playback(trace: dict[str, Any], index: int) -> dict[str, Any]:
    """Step `index` (0-based, clamped) of a trace, a note beside it, and the trace as it stood after that step
    (`shown`: the runs begun so far, each answer only once its last step is reached)."""
    steps = trace["steps"]
    scenario = scenario_of(trace["session"].get("settings"))
    if not steps:
        return {"index": 0, "count": 0, "step": None, "note": "This session has no steps yet.",
                "shown": {"runs": [], "steps": []}, "scenario": scenario.to_dict() if scenario else None}
    index = max(0, min(int(index), len(steps) - 1))
    step = steps[index]
    notes = scenario.step_notes if scenario else {}
    note = notes.get(step["name"]) or notes.get(step["kind"]) or KIND_NOTES.get(step["kind"], "")
    seen = steps[: index + 1]
    runs = []
    for run in trace["runs"]:
        own = [s for s in steps if s["run_id"] == run["id"]]
        if own and own[0]["seq"] > step["seq"]:
            break
        finished = not own or own[-1]["seq"] <= step["seq"]
        runs.append({**run, "final_answer": run["final_answer"] if finished else None,
                     "status": run["status"] if finished else "running"})
    return {"index": index, "count": len(steps), "step": step, "note": note, "shown": {"runs": runs, "steps": seen},
            "scenario": scenario.to_dict() if scenario else None}
