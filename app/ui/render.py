"""Pure functions from steps and traces to what the UI shows: chat messages, tables, Plotly figures.

The same functions render a live run and a reloaded session, so the two always look alike. Text from
models and tools goes into Markdown code blocks or is escaped; the Chatbot sanitises what remains.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import plotly.graph_objects as go

from app.clarify.request import ClarificationRequest
from app.tracing.document import step_text, summary_timeline
from app.tracing.steps import PROVENANCE, Step, StepKind, tree_order

KIND_ICON = {"model": "🧠", "tool": "🛠️", "check": "🔎", "clarification": "❓", "summary": "📝", "answer": "💬",
             "error": "⚠️", "plan": "🗺️", "refine": "🔧", "decision": "🚦", "search": "🌳", "node": "⬡",
             "retrieval": "🧲"}
KIND_COLOR = {"model": "#6366f1", "tool": "#10b981", "check": "#f59e0b", "clarification": "#ec4899",
              "summary": "#0ea5e9", "answer": "#64748b", "error": "#ef4444", "plan": "#8b5cf6",
              "refine": "#14b8a6", "decision": "#a3a3a3", "search": "#0f766e", "node": "#94a3b8",
              "retrieval": "#b45309"}
SOURCE_BADGE = {"user": "👤 user", "clarification": "❓ answer", "tool": "🛠️ tool result", "default": "⚙️ default",
                "derived": "🧮 computed", "guess": "⚠️ **guess**"}


_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]*)[^)]*\)")
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~#])")


def text(value: Any) -> str:
    """Model, tool or user text for the chat: HTML shown as text, Markdown kept, but an image never loads:
    `![alt](url)` becomes a link to it (untrusted text must not make the browser fetch anything)."""
    escaped = html.escape(str(value or ""), quote=False)
    return _IMAGE.sub(lambda m: f"[🖼 {m.group(1) or 'image'}]({m.group(2)})", escaped).replace("![", "!\\[")


def plain(value: Any) -> str:
    """Untrusted text inside our Markdown (a name, an error, a description): shown exactly as it is, never
    read as Markdown or HTML (no link, image, emphasis or table cell of its own)."""
    return html.escape(_MARKDOWN.sub(r"\\\1", str(value if value is not None else "")), quote=False)


def inline_code(value: Any) -> str:
    """`value` as a Markdown code span that backticks in it cannot end (fenced by a longer run)."""
    raw = " ".join(str(value if value is not None else "").split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", raw)), default=0) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or not raw else ""
    return f"{fence}{pad}{html.escape(raw, quote=False)}{pad}{fence}"


def code(value: Any, lang: str = "json") -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2, default=str)
    if len(text) > 4000:
        text = text[:4000] + "\n… (truncated in the chat; the inspector has it all)"
    return f"```{lang}\n{text.replace('```', '` ` `')}\n```"


def _by_run(steps: list[Step]) -> dict[str, list[Step]]:
    grouped: dict[str, list[Step]] = {}
    for s in steps:
        grouped.setdefault(s.run_id, []).append(s)
    return grouped


def steps_of(trace: dict[str, Any]) -> list[Step]:
    """A trace document's steps as typed records (what the functions below draw)."""
    return [Step.from_dict(s) for s in trace["steps"]]


def step_title(step: Step) -> str:
    kind, name = step.kind, step.name
    icon = KIND_ICON.get(kind, "•")
    if kind == "model":
        output = step.output or {}
        calls = [c["function"]["name"] for c in (output.get("tool_calls") or [])] if isinstance(output, dict) else []
        label = f"{name}: calls {', '.join(calls)}" if calls else f"{name}"
        asked = step.meta.get("asked_for")
        if asked and asked != name:  # an opened graph's call, answered through the playground's endpoint
            label += f" (the graph asked for {asked})"
    elif kind == "tool":
        label = f"{name}({', '.join(f'{k}={v!r}' for k, v in (step.input or {}).items())})"[:90]
    elif kind == "retrieval":
        offered = (step.output or {}).get("offered") or []
        label = f"{name}: offered {len(offered)} of {(step.input or {}).get('catalog', '?')} tools"
    else:
        label = name
    status = " — error" if step.status == "error" else ""
    return plain(f"{icon} {label}{status}")


def source_label(record: dict[str, Any] | None, excerpt: bool = False) -> str:
    """Where an argument's value came from (a provenance record), with the pieces of a computed one."""
    source, record = (record or {}).get("source"), record or {}
    if source == "derived":
        return "🧮 computed from " + " + ".join(f"{inline_code(p.get('value'))} {SOURCE_BADGE.get(p.get('source'), plain(p.get('source')))}"
                                            for p in record.get("parts") or [])
    quote = f" (“{plain(str(record['excerpt'])[:80])}”)" if excerpt and record.get("excerpt") else ""
    return (SOURCE_BADGE.get(source, plain(source)) if source else "") + quote


def provenance_lines(step: Step) -> str:
    prov = step.meta.get(PROVENANCE) or {}
    if not prov:
        return ""
    return "**Where each argument came from**\n" + "\n".join(f"- {inline_code(k)} ← {source_label(v)}" for k, v in prov.items())


def step_body(step: Step) -> str:
    kind = step.kind
    parts: list[str] = []
    if step.error:
        parts.append(f"**Error:** {plain(str(step.error))}")
    if kind == "model":
        output = step.output or {}
        if isinstance(output, dict) and output.get("tool_calls"):
            parts.append(code([{"tool": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"] or "{}")}
                               for c in output["tool_calls"]]))
        elif isinstance(output, dict) and output.get("content"):
            parts.append(code(output["content"], "text"))
        parts.append(f"{step.prompt_tokens} prompt + {step.completion_tokens} completion tokens")
        if step.meta.get("asked_for") and step.meta["asked_for"] != step.name:
            parts.append(f"The graph asked for {inline_code(step.meta['asked_for'])}; answered by "
                         f"{inline_code(step.name)} (the session's model).")
    elif kind == "tool":
        parts.append("**Arguments**\n" + code(step.input))
        parts.append(provenance_lines(step))
        parts.append("**Result**\n" + code(step.output))
    elif kind == "retrieval":
        given, output = step.input or {}, step.output or {}
        scores = output.get("scores") or {}
        rows = "\n".join(f"| {inline_code(n)} | {scores.get(n, 0):.3f} |" for n in output.get("offered") or [])
        parts.append(f"Ranked by **{plain(str(given.get('method')))}** for the request; the model sees only "
                     f"these {len(output.get('offered') or [])} of {given.get('catalog')} tools this turn.\n\n"
                     f"| tool | score |\n|---|---|\n{rows}")
        if step.meta.get("fallback"):
            parts.append(f"**Note:** {plain(str(step.meta['fallback']))}")
    elif kind == "clarification":
        question = (step.input or {}).get("question", "")
        parts.append(f"**Asked:** {text(question)}\n\n**Answer:** {text(step.output)}")
    else:
        if step.input is not None:
            parts.append(code(step.input))
        if step.output is not None:
            parts.append(code(step.output))
    return "\n\n".join(p for p in parts if p)


def step_message(step: Step) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": step_title(step), "status": "done", "id": step.id}
    if step.parent_id:
        meta["parent_id"] = step.parent_id  # shown inside its parent's box (Gradio's nested thoughts)
    if step.duration_ms is not None:
        meta["duration"] = round(step.duration_ms / 1000, 3)
    return {"role": "assistant", "content": step_body(step) or " ", "metadata": meta}


def add_step(history: list[dict[str, Any]], step: Step) -> None:
    """The step's message into the chat. A step ends after the steps inside it (a node after its model and tool
    calls), and the chat nests a message only under one shown before it: a parent goes in before its first child."""
    message = step_message(step)
    for index, shown in enumerate(history):
        if (shown.get("metadata") or {}).get("parent_id") == step.id:
            history.insert(index, message)
            return
    history.append(message)


def question_message(question: ClarificationRequest) -> dict[str, Any]:
    text = f"**{plain(question.question)}**"
    if question.options:
        text += "\n\n" + " · ".join(f"{inline_code(o)}" for o in question.options)
    text += f"\n\n<sub>{plain(question.kind)} · detected by {plain(question.detected_by)}</sub>"
    return {"role": "assistant", "content": text}


def chat_from_trace(trace: dict[str, Any], pending: ClarificationRequest | None = None) -> list[dict[str, Any]]:
    """The session as chat messages: each turn's user message, its steps, questions, answers, answer. A long
    session shows its latest CHAT_TURNS turns and their latest CHAT_STEPS steps (questions and answers always);
    a first line says what is left out, which the inspector pages through."""
    messages: list[dict[str, Any]] = []
    steps = steps_of(trace)
    runs = trace["runs"][-CHAT_TURNS:]
    shown_runs = {r["id"] for r in runs}
    latest = [s for s in steps if s.run_id in shown_runs][-CHAT_STEPS:]
    first_shown = latest[0].seq if latest else 0
    hidden = trace.get("step_count", len(steps)) - len(latest)
    if hidden > 0:
        earlier = len(trace["runs"]) - len(runs)
        turns = f" and {earlier} earlier turn(s)" if earlier else ""
        messages.append({"role": "assistant", "content": f"_{hidden} earlier step(s){turns} are not shown here: the "
                                                         "inspector pages through every step._"})
    by_run = _by_run(steps)
    for run in runs:
        messages.append({"role": "user", "content": text(run["user_message"])})
        for step in by_run.get(run["id"], []):
            if step.kind == StepKind.CLARIFICATION:
                messages.append(question_message(ClarificationRequest.from_payload(step.input or {})))
                messages.append({"role": "user", "content": text(step.output)})
            elif step.seq >= first_shown:
                add_step(messages, step)
        if run["final_answer"]:
            messages.append({"role": "assistant", "content": text(run["final_answer"])})
        elif run["status"] == "error" and run.get("error"):
            messages.append({"role": "assistant", "content": f"⚠️ {plain(run['error'])}"})
    if pending:
        messages.append(question_message(pending))
    return messages


# -- inspector ------------------------------------------------------------------------------------------

STEP_COLUMNS = ["#", "kind", "name", "status", "ms", "prompt tok", "completion tok", "cost $", "checkpoint"]


def search_steps(steps: list[dict[str, Any]], query: str | None) -> list[int]:
    """The indices of the steps whose text (number, kind, name, node, error, input, output) holds `query`."""
    needle = (query or "").strip().lower()
    if not needle:
        return list(range(len(steps)))
    return [i for i, s in enumerate(steps) if needle in step_text(s)]


def step_rows(steps: list[Step]) -> list[list[Any]]:
    return [[s.seq, str(s.kind), s.name, str(s.status), round(s.duration_ms or 0, 1), s.prompt_tokens,
             s.completion_tokens, round(s.cost, 6), (s.checkpoint_id or "")[-8:]] for s in steps]


def step_tree(steps: list[Step], runs: list[dict[str, Any]]) -> str:
    lines = []
    by_run = _by_run(steps)
    for run in runs:
        lines.append(f"**Turn {run['seq']}** — {plain(run['user_message'][:80])} · _{run['status']}_")
        node = None
        for depth, s in tree_order(by_run.get(run["id"], [])):
            if depth == 0 and s.node != node and not any(x.parent_id for x in by_run[run["id"]]):
                lines.append(f"- node {inline_code(s.node)}")
                node = s.node
            guess = " ⚠️ guessed argument" if any(v.get("source") == "guess" for v in
                                                  (s.meta.get(PROVENANCE) or {}).values()) else ""
            lines.append(f"{'    ' * (depth + 1)}- #{s.seq} {step_title(s)} · {round(s.duration_ms or 0, 1)} ms{guess}")
        for s in (s for s in by_run.get(run["id"], []) if s.kind == StepKind.SEARCH):
            lines.append(search_tree(s))
        if len(lines) > TREE_LINES:
            lines = lines[:TREE_LINES] + [f"\n_… the tree is cut here: {len(steps)} steps in all; the table pages "
                                          "through every one._"]
            break
    return "\n".join(lines) or "_No steps yet._"


SEARCH_BADGE = {"ok": "✅", "answer": "🏁", "failed": "❌", "gave_up": "↩️ gave up", "exhausted": "⛔ exhausted",
                "depth_limit": "📏 depth limit", "root": "🌱", "pending": "…"}


def search_tree(step: Step) -> str:
    """A DFSDT search tree (the `search tree` step) as a nested list: each node's action and outcome."""
    nodes = step.output or []
    meta = step.meta
    lines = [f"\n**Search tree** · {len(nodes) - 1} node(s) · {meta.get('model_calls', '?')} model call(s) · "
             f"outcome {plain(str(meta.get('outcome', '')))}"]

    def walk(node_id: Any, indent: int) -> None:
        for n in (n for n in nodes if n.get("parent") == node_id):
            result = plain(" ".join(str(n.get("result") or "").split())[:90])
            action = str(n.get("action")).replace("`", "'")  # a code span shows its text literally: no HTML
            lines.append(f"{'    ' * indent}- `{action}` "
                         f"{SEARCH_BADGE.get(n.get('status'), n.get('status'))}" + (f" — {result}" if result else ""))
            walk(n.get("id"), indent + 1)

    lines.append("- 🌱 start")
    walk(0, 1)
    return "\n".join(lines)


# Every chart's look: Plotly's white template with no background of its own, so that it sits on the page's, in
# the light and the dark theme alike (app.ui.theme recolours its text and grid in the dark one).
CHART = dict(template="plotly_white", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")
TIMELINE_STEPS = 200  # past this, the timeline draws a bar per node and turn, not per step
TREE_LINES = 400  # the step tree's lines at most (the paged table has every step)
CHAT_STEPS = 200  # steps of the latest turns shown in the chat; the inspector pages through all
CHAT_TURNS = 100


def summary_figure(steps: list[Step]) -> go.Figure:
    """The timeline of a big trace: a bar per (turn, node), from its first step, as long as its steps took
    together; a person's wait for an answer is a gap (`app.tracing.document.summary_timeline`)."""
    bars = summary_timeline([s.to_dict() for s in steps])
    fig = go.Figure(go.Bar(orientation="h", y=[b["label"] for b in bars], x=[max(b["ms"], 0.5) for b in bars],
                           base=[b["start_ms"] for b in bars], marker_color="#6366f1",
                           hovertext=[f"{b['steps']} step(s), {b['ms']} ms" for b in bars]))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=max(260, 24 * len(bars) + 90), margin=dict(l=10, r=10, t=40, b=30),
                      title=f"Timeline of {len(steps)} steps: each node's work per turn (ms; a wait is a gap)",
                      xaxis_title="ms", **CHART)
    return fig


def timeline_figure(steps: list[Step]) -> go.Figure:
    if len(steps) > TIMELINE_STEPS:
        return summary_figure(steps)
    fig = go.Figure()
    if steps:
        t0 = min(s.started_at for s in steps)
        for kind in dict.fromkeys(s.kind for s in steps):
            chosen = [s for s in steps if s.kind == kind]
            fig.add_trace(go.Bar(
                name=str(kind), orientation="h", marker_color=KIND_COLOR.get(kind, "#94a3b8"),
                y=[f"#{s.seq} {s.name}" for s in chosen],
                x=[max(s.duration_ms or 0, 0.5) for s in chosen],
                base=[(s.started_at - t0) * 1000 for s in chosen],
                hovertext=[f"{s.kind} {s.name}: {round(s.duration_ms or 0, 1)} ms" for s in chosen],
            ))
        fig.update_yaxes(autorange="reversed", categoryorder="array",
                         categoryarray=[f"#{s.seq} {s.name}" for s in steps])
    fig.update_layout(barmode="overlay", height=max(260, 26 * len(steps) + 90), margin=dict(l=10, r=10, t=40, b=30),
                      title="Timeline (ms since the first step)", xaxis_title="ms", legend_orientation="h",
                      **CHART)
    return fig


def tokens_figure(steps: list[Step]) -> go.Figure:
    model_steps = [s for s in steps if s.kind == StepKind.MODEL]
    if len(model_steps) > TIMELINE_STEPS:  # a bar per node, summed: thousands of bars say nothing
        nodes: dict[str, list[int]] = {}
        for s in model_steps:
            summed = nodes.setdefault(s.node, [0, 0])
            summed[0] += s.prompt_tokens
            summed[1] += s.completion_tokens
        labels = [f"{n} ({sum(1 for s in model_steps if s.node == n)} calls)" for n in nodes]
        prompt, completion = [v[0] for v in nodes.values()], [v[1] for v in nodes.values()]
    else:
        labels = [f"#{s.seq} {s.name}" for s in model_steps]
        prompt, completion = [s.prompt_tokens for s in model_steps], [s.completion_tokens for s in model_steps]
    fig = go.Figure([
        go.Bar(name="prompt tokens", x=labels, y=prompt, marker_color="#6366f1"),
        go.Bar(name="completion tokens", x=labels, y=completion, marker_color="#10b981"),
    ])
    fig.update_layout(barmode="stack", height=280, margin=dict(l=10, r=10, t=40, b=30), **CHART,
                      title="Tokens per model call (cost in the table)", legend_orientation="h")
    return fig


def summary_markdown(trace: dict[str, Any]) -> str:
    s, u = trace["session"], trace["usage"]
    m = trace.get("metrics", {}).get("clarification", {})
    kinds = ", ".join(f"{k} {v}" for k, v in (m.get("by_kind") or {}).items()) or "none"
    by_node = " · ".join(f"{inline_code(n)} {v['model_calls']}× {v['prompt_tokens']}+{v['completion_tokens']}"
                         for n, v in (u.get("by_node") or {}).items()) or "none"
    fork = trace.get("fork")
    branch = ""
    if fork:
        at = f"step {fork['step_seq']}" if fork["step_seq"] else "its open question"
        branch = (f"🔀 **Branch** of [{fork['parent_id'][:8]}](?session={fork['parent_id']}&tab=inspector) at {at}: "
                  f"{fork['kind']} {cell(_plain(fork['original']), 80)} → {cell(_plain(fork['edit']), 80)}\n\n")
    return branch + (f"**{plain(s['title'] or 'Untitled')}** · agent `{s['agent']}` · model `{s['model']}` · "
            f"tools {', '.join(f'`{t}`' for t in s['tools']) or 'none'} · status **{s['status']}**\n\n"
            f"{u['model_calls']} model calls · {u['tool_calls']} tool calls · {u['prompt_tokens']} prompt + "
            f"{u['completion_tokens']} completion tokens · ${u['cost']:.6f}\n\n"
            f"Tokens by node: {by_node}\n\n"
            f"Clarifications: {m.get('questions', 0)} asked ({kinds}) · {m.get('answered', 0)} answered · "
            f"{m.get('redundant', 0)} redundant · turns to resolution {m.get('turns_to_resolution')}")


def _plain(value: Any) -> str:
    return "(none)" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# -- compare ----------------------------------------------------------------------------------------------

def cell(value: Any, limit: int = 220) -> str:
    flat = " ".join(str("" if value is None else value).split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return plain(flat)


def read_only_note(session: Any) -> str:
    """What the session line adds for an imported trace: it is read-only, said before anyone tries to send."""
    if session is None or not (getattr(session, "settings", None) or {}).get("read_only"):
        return ""
    return (" · **read-only**: an imported trace. Inspect it, share it or fork a step of it; start a new session "
            "to chat.")
