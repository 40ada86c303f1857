"""The read-only share page, rendered on the server; its size grows with what is on screen, not with the trace.

The first screen holds the conversation, a summarised timeline (a bar per node and turn) and the first steps
as one-line rows; the page's script fetches more rows as the reader scrolls or searches, and a step's input
and output when its row is opened (`/api/share/<token>/steps`), writing them as text, never as HTML.
Everything from a model, a tool or a user is escaped; embedded JSON has `<`, `>` and `&` escaped; Plotly is
served locally (no CDN, no network). The page sends a strict Content-Security-Policy: only our own script and
the inline scripts carrying its per-response nonce (the theme's, then the page's) may run, and it may connect
to this server only.
"""

from __future__ import annotations

import html
import json
import time
from importlib.metadata import version
from typing import Any

from app.sharing import FIRST_TURNS
from app.ui import render
from app.ui.theme import STORAGE_KEY

PLOTLY_VERSION = version("plotly")  # in the bundle's URL: cached for good, a new URL after an upgrade

# Colours as variables: the light ones, and the dark ones when the browser prefers dark or the person chose
# dark in the playground (the same stored choice, app.ui.theme; set on the page by its first script).
_DARK = ("--bg:#0b0f19;--fg:#e5e7eb;--line:#374151;--muted:#9ca3af;--badge:#312e81;--user:#1f2937;"
         "--answer:#064e3b;--code:#111827;--error:#f87171")
STYLE = """
:root{--bg:#fff;--fg:#1f2937;--line:#e5e7eb;--muted:#6b7280;--badge:#eef2ff;--user:#f9fafb;--answer:#ecfdf5;
--code:#f3f4f6;--error:#b91c1c;color-scheme:light}
@media (prefers-color-scheme: dark){:root:not(.light){""" + _DARK + """;color-scheme:dark}}
:root.dark{""" + _DARK + """;color-scheme:dark}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;
color:var(--fg);background:var(--bg);line-height:1.45}
header{border-bottom:1px solid var(--line);margin-bottom:16px} h1{margin:0 0 4px;font-size:1.5em}
.meta{color:var(--muted);font-size:.9em;margin-bottom:12px} .badge{background:var(--badge);border-radius:6px;padding:1px 6px}
.turn{border:1px solid var(--line);border-radius:10px;padding:12px 16px;margin:14px 0}
.user{background:var(--user);border-radius:8px;padding:8px 12px;margin:6px 0;white-space:pre-wrap}
.answer{background:var(--answer);border-radius:8px;padding:8px 12px;margin:8px 0;white-space:pre-wrap}
.question{border-left:4px solid #ec4899;padding:4px 10px;margin:6px 0}
details{margin:4px 0} summary{cursor:pointer} pre{background:var(--code);padding:8px;border-radius:6px;overflow:auto;
max-height:320px;white-space:pre-wrap;word-break:break-word;font-size:.85em}
.error{color:var(--error)} table{border-collapse:collapse} td,th{border:1px solid var(--line);padding:3px 8px;font-size:.9em}
.readonly{float:right;color:var(--muted);font-size:.85em}
.brand{font-weight:700;letter-spacing:.01em} .brand::before{content:"◆ ";color:#6366f1}
#step-search{width:100%;box-sizing:border-box;padding:6px 10px;margin:4px 0 8px;font-size:1em}
details.step>summary{font-family:ui-monospace,monospace;font-size:.9em} #more{margin:8px 0}
details.d1{margin-left:1.4em} details.d2{margin-left:2.8em} details.d3{margin-left:4.2em} details.d4{margin-left:5.6em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def step_summary(step: dict[str, Any]) -> str:
    """A step's one line in the list (the page's script writes the same line for the rows it fetches)."""
    tokens = (f" · {step['prompt_tokens']}+{step['completion_tokens']} tokens" if step["kind"] == "model" else "")
    error = f" · error: {step.get('error')}" if step["status"] == "error" else ""
    return (f"{'↳ ' if step.get('depth') else ''}#{step['seq']} {render.KIND_ICON.get(step['kind'], '•')} "
            f"{step['kind']} · {step['name']} · "
            f"{round(step.get('duration_ms') or 0, 1)} ms{tokens}{error}")


def _safe_json(value: Any) -> str:
    """JSON that cannot close a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


MAX_TURNS = FIRST_TURNS  # turns shown in the conversation; the step list (paged) has every step of every turn


def unavailable() -> str:
    """The page for a share link that does not open: the same for an unknown, a revoked and an expired one (so
    a link's page says nothing of whether it ever existed)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Link not available · Agent Playground</title>
<style>{STYLE}</style></head><body>
<header><span class="readonly"><span class="brand">Agent Playground</span> · shared trace</span><h1>This link is not available</h1></header>
<p>The link may be mistyped, or whoever shared it may have revoked it, or it has expired.</p>
<p class="meta">Ask the person who shared it for a new link.</p>
</body></html>"""


def page(doc: dict[str, Any], nonce: str) -> str:
    """The page for `sharing.open_page`'s document: its first PAGE steps as rows; the rest are fetched (from
    /api/share/<token>/steps) as the reader scrolls or searches, and a step's detail when its row is opened."""
    s, u = doc["session"], doc["usage"]
    share = doc.get("share", {})
    asked: dict[str, list[dict[str, Any]]] = {}
    for c in doc.get("clarifications") or []:
        asked.setdefault(c["run_id"], []).append(c)
    body = []
    for run in doc["runs"][:MAX_TURNS]:
        items = [f'<div class="user"><b>User:</b> {_e(run["user_message"])}</div>']
        for q in asked.get(run["id"], []):
            options = " · ".join(_e(o) for o in q.get("options") or [])
            items.append(f'<div class="question">❓ <b>{_e(q.get("question"))}</b>'
                         f'{f" <small>({options})</small>" if options else ""}<br>'
                         f'<small>{_e(q.get("kind"))} · detected by {_e(q.get("detected_by"))}</small><br>'
                         f'<b>Answer:</b> {_e(q.get("answer"))}</div>')
        if run.get("final_answer"):
            items.append(f'<div class="answer"><b>Answer:</b> {_e(run["final_answer"])}</div>')
        elif run.get("error"):
            items.append(f'<div class="answer error">⚠️ {_e(run["error"])}</div>')
        body.append(f'<section class="turn"><h3>Turn {run["seq"]}</h3>{"".join(items)}</section>')
    turns = doc.get("run_count", len(doc["runs"]))
    if turns > MAX_TURNS:
        body.append(f'<p class="meta">… and {turns - MAX_TURNS} more turns: their steps are in the list '
                    "below.</p>")
    total = doc.get("step_count", len(doc["steps"]))
    rows = "".join(f'<details class="step d{min(int(st.get("depth") or 0), 4)}" data-seq="{int(st["seq"])}">'
                   f'<summary>{_e(step_summary(st))}</summary></details>' for st in doc["steps"])
    bars = doc.get("timeline") or []
    figure = {"data": [{"type": "bar", "orientation": "h", "y": [b["label"] for b in bars],
                        "x": [max(b["ms"], 0.5) for b in bars], "base": [b["start_ms"] for b in bars],
                        "hovertext": [f"{b['steps']} step(s), {b['ms']} ms" for b in bars],
                        "marker": {"color": "#6366f1"}}],
              "layout": {"height": max(220, 24 * len(bars) + 90), "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
                         "title": {"text": "Timeline: each node's work per turn (ms since the first step; a wait "
                                           "for the person is a gap)"},
                         "xaxis": {"title": {"text": "ms"}}, "yaxis": {"autorange": "reversed", "automargin": True},
                         "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}}
    clar = doc.get("clarifications") or []
    clar_rows = "".join(f"<tr><td>{_e(c['kind'])}</td><td>{_e(c['question'])}</td><td>{_e(c.get('answer'))}</td>"
                        f"<td>{_e(c.get('detected_by'))}</td></tr>" for c in clar[:MAX_TURNS])
    asked_in_all = doc.get("clarification_count", len(clar))
    if asked_in_all > MAX_TURNS:
        clar_rows += f'<tr><td colspan="4">… and {asked_in_all - MAX_TURNS} more (search the steps for them)</td></tr>'

    expires = (f" · expires {time.strftime('%Y-%m-%d %H:%M', time.gmtime(share['expires_at']))} UTC"
               if share.get("expires_at") else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{_e(s.get('title') or 'Shared trace')} · Agent Playground</title>
<style>{STYLE}</style>
<script nonce="{nonce}">try {{ const t = localStorage.getItem({_safe_json(STORAGE_KEY)});
if (t === "dark" || t === "light") document.documentElement.classList.add(t); }} catch (e) {{}}</script></head><body>
<header><span class="readonly"><span class="brand">Agent Playground</span> · read-only shared trace · {_e(share.get('views', 0))} view(s){expires}</span>
<h1>{_e(s.get('title') or 'Untitled')}</h1>
<div class="meta">agent <span class="badge">{_e(s['agent'])}</span> · model <span class="badge">{_e(s['model'])}</span>
 · tools {_e(', '.join(s.get('tools') or []) or 'none')} · status <b>{_e(doc['status'])}</b><br>
{u['model_calls']} model calls · {u['tool_calls']} tool calls · {u['prompt_tokens']} prompt + {u['completion_tokens']}
completion tokens · ${u['cost']:.6f}</div></header>
<div id="timeline" style="min-height:220px"></div>
{''.join(body) or '<p>No turns yet.</p>'}
<h2>Steps <small class="meta" id="step-count">{total} step(s)</small></h2>
<input id="step-search" type="search" placeholder="Search steps: a tool, an argument, a result, an error"
 aria-label="Search steps">
<div id="step-list">{rows}</div>
<button id="more" type="button"{'' if total > len(doc["steps"]) else ' hidden'}>Load more steps</button>
<h2>Clarifications</h2>
{f'<table><tr><th>kind</th><th>question</th><th>answer</th><th>detected by</th></tr>{clar_rows}</table>' if clar else '<p>None asked.</p>'}
<p class="meta">Shared from Agent Playground. Secrets are redacted.</p>
<script src="/share/static/plotly.min.js?v={PLOTLY_VERSION}"></script>
<script nonce="{nonce}">
const fig = {_safe_json(figure)};
const root = document.documentElement;
if (root.classList.contains("dark") || (!root.classList.contains("light") && matchMedia("(prefers-color-scheme: dark)").matches)) {{
  fig.layout.font = {{color: "#e5e7eb"}};
  fig.layout.xaxis.gridcolor = fig.layout.yaxis.gridcolor = "rgba(229,231,235,.14)";
}}
if (window.Plotly) Plotly.newPlot("timeline", fig.data, fig.layout, {{displaylogo: false, responsive: true}});
const ICONS = {_safe_json(render.KIND_ICON)};
const token = location.pathname.split("/").pop();
const list = document.getElementById("step-list"), more = document.getElementById("more");
const count = document.getElementById("step-count"), search = document.getElementById("step-search");
let shown = {len(doc["steps"])}, total = {total}, query = "", loading = false, generation = 0;
function line(s) {{
  const tokens = s.kind === "model" ? ` · ${{s.prompt_tokens}}+${{s.completion_tokens}} tokens` : "";
  const error = s.status === "error" ? ` · error: ${{s.error}}` : "";
  return `${{s.depth ? "↳ " : ""}}#${{s.seq}} ${{ICONS[s.kind] || "•"}} ${{s.kind}} · ${{s.name}} · ${{Math.round((s.duration_ms || 0) * 10) / 10}} ms${{tokens}}${{error}}`;
}}
function block(parent, label, value) {{
  if (value === null || value === undefined) return;
  const head = document.createElement("div"); head.textContent = label;
  const pre = document.createElement("pre");
  pre.textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  parent.append(head, pre);
}}
async function detail(row) {{
  if (!row.open || row.dataset.loaded) return;
  row.dataset.loaded = "1";
  const answer = await fetch(`/api/share/${{token}}/steps/${{row.dataset.seq}}`);
  if (!answer.ok) return;
  const s = await answer.json();
  block(row, "input", s.input); block(row, "output", s.output);
  const provenance = (s.meta || {{}}).provenance;
  if (provenance) block(row, "where each argument came from", provenance);
}}
function row(s) {{
  const d = document.createElement("details"); d.className = `step d${{Math.min(s.depth || 0, 4)}}`;
  d.dataset.seq = s.seq;
  const summary = document.createElement("summary"); summary.textContent = line(s);
  d.append(summary); d.addEventListener("toggle", () => detail(d)); return d;
}}
list.querySelectorAll("details.step").forEach(d => d.addEventListener("toggle", () => detail(d)));
async function fetchSteps(reset) {{
  if (!reset && loading) return;  // a search starts over; scrolling waits for the page it asked for
  const mine = reset ? ++generation : generation;
  loading = true;
  try {{
    const from = reset ? 0 : shown;
    const answer = await fetch(`/api/share/${{token}}/steps?offset=${{from}}&limit=100&q=${{encodeURIComponent(query)}}`);
    const page = answer.ok ? await answer.json() : null;
    if (page === null || mine !== generation) return;
    if (reset) {{ list.replaceChildren(); shown = 0; }}
    page.steps.forEach(s => list.append(row(s)));
    shown += page.steps.length; total = page.total;
    count.textContent = query ? `${{total}} step(s) match` : `${{total}} step(s)`;
    more.hidden = shown >= total;
  }} finally {{ if (mine === generation) loading = false; }}
}}
more.addEventListener("click", () => fetchSteps(false));
new IntersectionObserver(seen => {{ if (seen.some(e => e.isIntersecting) && shown < total) fetchSteps(false); }}).observe(more);
let typing;
search.addEventListener("input", () => {{
  clearTimeout(typing);
  typing = setTimeout(() => {{ query = search.value.trim(); fetchSteps(true); }}, 250);
}});
</script>
</body></html>"""
