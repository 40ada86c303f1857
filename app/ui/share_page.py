"""The read-only share page: one self-contained HTML document, rendered on the server.

Everything from a model, a tool or a user is escaped; the timeline's data is embedded as JSON with `<`, `>`
and `&` escaped, drawn by the Plotly bundle served locally (no CDN, no network). The page sends a strict
Content-Security-Policy: only our own script and one inline script with a per-response nonce may run.
"""

from __future__ import annotations

import html
import json
import time
from importlib.metadata import version
from typing import Any

from app.ui import render

PLOTLY_VERSION = version("plotly")  # in the bundle's URL: cached for good, a new URL after an upgrade

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;
color:#1f2937;line-height:1.45}
header{border-bottom:1px solid #e5e7eb;margin-bottom:16px} h1{margin:0 0 4px;font-size:1.5em}
.meta{color:#6b7280;font-size:.9em;margin-bottom:12px} .badge{background:#eef2ff;border-radius:6px;padding:1px 6px}
.turn{border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;margin:14px 0}
.user{background:#f9fafb;border-radius:8px;padding:8px 12px;margin:6px 0;white-space:pre-wrap}
.answer{background:#ecfdf5;border-radius:8px;padding:8px 12px;margin:8px 0;white-space:pre-wrap}
.question{border-left:4px solid #ec4899;padding:4px 10px;margin:6px 0}
details{margin:4px 0} summary{cursor:pointer} pre{background:#f3f4f6;padding:8px;border-radius:6px;overflow:auto;
max-height:320px;white-space:pre-wrap;word-break:break-word;font-size:.85em}
.error{color:#b91c1c} table{border-collapse:collapse} td,th{border:1px solid #e5e7eb;padding:3px 8px;font-size:.9em}
.readonly{float:right;color:#6b7280;font-size:.85em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _json_block(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return f"<pre>{_e(text)}</pre>"


def _step(step: dict[str, Any]) -> str:
    tokens = (f" · {step['prompt_tokens']}+{step['completion_tokens']} tokens" if step["kind"] == "model" else "")
    status = f' <span class="error">error: {_e(step.get("error"))}</span>' if step["status"] == "error" else ""
    title = f"#{step['seq']} {render.KIND_ICON.get(step['kind'], '•')} {_e(step['kind'])} · {_e(step['name'])}"
    parts = [f"<summary>{title} · {round(step.get('duration_ms') or 0, 1)} ms{tokens}{status}</summary>"]
    if step.get("input") is not None:
        parts.append("<div>input</div>" + _json_block(step["input"]))
    if step.get("output") is not None:
        parts.append("<div>output</div>" + _json_block(step["output"]))
    provenance = (step.get("meta") or {}).get("provenance")
    if provenance:
        rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v.get('source'))}</td><td>{_e(v.get('evidence', ''))}</td></tr>"
                       for k, v in provenance.items())
        parts.append(f"<table><tr><th>argument</th><th>came from</th><th>evidence</th></tr>{rows}</table>")
    return f"<details>{''.join(parts)}</details>"


def _safe_json(value: Any) -> str:
    """JSON that cannot close a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(doc: dict[str, Any], nonce: str) -> str:
    s, u = doc["session"], doc["usage"]
    share = doc.get("share", {})
    body = []
    for run in doc["runs"]:
        items = [f'<div class="user"><b>User:</b> {_e(run["user_message"])}</div>']
        for step in (st for st in doc["steps"] if st["run_id"] == run["id"]):
            if step["kind"] == "clarification":
                q = step.get("input") or {}
                options = " · ".join(_e(o) for o in q.get("options") or [])
                items.append(f'<div class="question">❓ <b>{_e(q.get("question"))}</b>'
                             f'{f" <small>({options})</small>" if options else ""}<br>'
                             f'<small>{_e(q.get("kind"))} · detected by {_e(q.get("detected_by"))}</small><br>'
                             f'<b>Answer:</b> {_e(step.get("output"))}</div>')
            else:
                items.append(_step(step))
        if run.get("final_answer"):
            items.append(f'<div class="answer"><b>Answer:</b> {_e(run["final_answer"])}</div>')
        elif run.get("error"):
            items.append(f'<div class="answer error">⚠️ {_e(run["error"])}</div>')
        body.append(f'<section class="turn"><h3>Turn {run["seq"]}</h3>{"".join(items)}</section>')
    clar = doc.get("clarifications") or []
    clar_rows = "".join(f"<tr><td>{_e(c['kind'])}</td><td>{_e(c['question'])}</td><td>{_e(c.get('answer'))}</td>"
                        f"<td>{_e(c.get('detected_by'))}</td></tr>" for c in clar)
    figure = json.loads(render.timeline_figure(render.steps_of(doc)).to_json())
    expires = (f" · expires {time.strftime('%Y-%m-%d %H:%M', time.gmtime(share['expires_at']))} UTC"
               if share.get("expires_at") else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{_e(s.get('title') or 'Shared trace')} · Agent Playground</title>
<style>{STYLE}</style></head><body>
<header><span class="readonly">read-only shared trace · {_e(share.get('views', 0))} view(s){expires}</span>
<h1>{_e(s.get('title') or 'Untitled')}</h1>
<div class="meta">agent <span class="badge">{_e(s['agent'])}</span> · model <span class="badge">{_e(s['model'])}</span>
 · tools {_e(', '.join(s.get('tools') or []) or 'none')} · status <b>{_e(doc['status'])}</b><br>
{u['model_calls']} model calls · {u['tool_calls']} tool calls · {u['prompt_tokens']} prompt + {u['completion_tokens']}
completion tokens · ${u['cost']:.6f}</div></header>
<div id="timeline" style="min-height:260px"></div>
{''.join(body) or '<p>No turns yet.</p>'}
<h2>Clarifications</h2>
{f'<table><tr><th>kind</th><th>question</th><th>answer</th><th>detected by</th></tr>{clar_rows}</table>' if clar else '<p>None asked.</p>'}
<p class="meta">Shared from Agent Playground. Secrets are redacted.</p>
<script src="/share/static/plotly.min.js?v={PLOTLY_VERSION}"></script>
<script nonce="{nonce}">
const fig = {_safe_json(figure)};
if (window.Plotly) Plotly.newPlot("timeline", fig.data, fig.layout, {{displaylogo: false, responsive: true}});
</script>
</body></html>"""
