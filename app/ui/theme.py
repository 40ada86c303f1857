"""Light and dark: the theme switch (remembered in the browser), the page's head script, and what makes the
charts and the agent graph readable in both.

Gradio picks its theme from `?__theme=` or the OS preference, once, as the page starts; Mermaid and Plotly draw
with what it picked. So the switch stores the other theme and opens the page again with it in the address; a page
opened later without it (a link, a bookmark) is opened again with the stored one by the head script (which Gradio
runs after choosing its theme) when Gradio chose the other: every part, the diagrams included, is drawn in one
theme. Share pages read the same stored choice (app.ui.share_page).

The head script also loads, once the page is idle, the two large modules Gradio loads only when a chart or a
diagram first shows (Plotly, 1 MB of script to run, and Mermaid): the Inspector tab opened in seconds because
of them (bench/inspector_open.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

STORAGE_KEY = "agent_playground_theme"


def _assets(*stems: str) -> list[str]:
    """The URLs of Gradio's own built modules named `stem-HASH.js` (the hash changes with each Gradio release)."""
    spec = importlib.util.find_spec("gradio")  # not imported: share pages use this module without Gradio
    folder = Path(spec.origin).parent / "templates" / "frontend" / "assets" if spec and spec.origin else Path()
    found = []
    for stem in stems:
        found += [f"./assets/{p.name}" for p in sorted(folder.glob(f"{stem}-*.js"))[:1]]
    return found


HEAD = """<script>
(function () {
  try {
    var url = new URL(window.location.href), asked = url.searchParams.get("__theme");
    if (asked === "dark" || asked === "light") { localStorage.setItem(%(key)s, asked); }
    else {
      var kept = localStorage.getItem(%(key)s);
      if (kept === "dark" || kept === "light") {
        url.searchParams.set("__theme", kept);
        var drawn = document.body && document.body.classList.contains("dark") ? "dark" : "light";
        if (drawn !== kept) window.location.replace(url.toString());  // Gradio started in the other theme
        else history.replaceState(history.state, "", url.toString());
      }
    }
  } catch (e) {}
  var later = window.requestIdleCallback || function (f) { return setTimeout(f, 1500); };
  function preload() { later(function () { %(modules)s.forEach(function (m) { import(m).catch(function () {}); }); }); }
  if (document.readyState === "complete") preload(); else window.addEventListener("load", preload);
})();
</script>""" % {"key": json.dumps(STORAGE_KEY), "modules": json.dumps(_assets("PlotlyPlot", "mermaid.core"))}

# The switch: the other theme, stored, and the page opened again in it (the session comes back from the browser's
# storage, as on any reload).
SWITCH_JS = """() => {
  const next = document.body.classList.contains("dark") ? "light" : "dark";
  try { localStorage.setItem(%s, next); } catch (e) {}
  const url = new URL(window.location.href);
  url.searchParams.set("__theme", next);
  window.location.assign(url.toString());
}""" % json.dumps(STORAGE_KEY)

# Plotly writes its colours on each element; in the dark theme these win over them. The figures themselves have
# no background of their own (render.CHART), so they sit on the page's.
CSS = """
#theme-switch {flex: 0 0 auto !important; min-width: 130px !important; width: auto; align-self: flex-start;
               white-space: nowrap}
/* The message box keeps room for its placeholder when Retry (or Stop) stands beside Send: it wrapped and was cut. */
#message {min-width: 440px !important}
#message textarea::placeholder {white-space: nowrap; overflow: hidden; text-overflow: ellipsis}
#sign-out {flex: 0 0 auto !important; min-width: 90px !important; width: auto; align-self: flex-start}
#signed-in {flex: 0 0 auto !important; min-width: 0 !important; width: auto; align-self: flex-start;
            text-align: right; padding-top: 4px}
.dark .js-plotly-plot .main-svg text {fill: #e5e7eb !important}
.dark .js-plotly-plot .gridlayer path, .dark .js-plotly-plot .zerolinelayer path {stroke: rgba(229, 231, 235, .14) !important}
.dark .js-plotly-plot .legend .bg {fill: transparent !important}
.dark .js-plotly-plot .modebar-btn path {fill: #9ca3af !important}
"""


def switch():
    """The header's theme switch."""
    import gradio as gr

    button = gr.Button("◐ Light / dark", size="sm", elem_id="theme-switch", scale=0, min_width=130)
    button.click(None, None, None, js=SWITCH_JS)
    return button
