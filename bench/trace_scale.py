"""How the share page, the inspector and the chat hold up as a trace grows. Prints JSON.

    python bench/trace_scale.py [--sizes 10,1000,10000,100000] [--no-browser]

For each size a synthetic session (app.tracing.synthetic) is imported into a fresh SQLite database and shared,
then one real server serves them all:
- share page: the first screen's bytes (uncompressed and as sent), the server's time to answer (the first
  request reads the snapshot, the next ones are what a reader waits), and Chromium's time until the first rows
  and the timeline are on screen;
- inspector: what opening the session costs the server (the trace read, the timeline, the table's first page,
  the tree and the token chart) and the size of what it sends;
- chat: rendering the session as the chat shows it, and how many messages that is.
Each figure also as a ratio to the smallest size's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app import sharing  # noqa: E402
from app.tracing import export, synthetic  # noqa: E402
from app.tracing.document import trace_document  # noqa: E402
from app.ui import render  # noqa: E402
from app.ui.inspector import PAGE_ROWS  # noqa: E402
from conftest import Server  # noqa: E402
from storage import open_database  # noqa: E402


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def inspector(db, session_id: str) -> dict[str, float]:
    started = time.perf_counter()
    trace = trace_document(db, session_id)
    steps = render.steps_of(trace)
    outputs = [render.summary_markdown(trace), render.timeline_figure(steps).to_json(),
               render.step_rows(steps[:PAGE_ROWS]), render.step_tree(steps, trace["runs"]),
               render.tokens_figure(steps).to_json()]
    took = _ms(started)
    return {"inspector_open_ms": took, "inspector_sent_kb": round(len(json.dumps(outputs, default=str)) / 1024, 1)}


def chat(db, session_id: str) -> dict[str, float]:
    started = time.perf_counter()
    messages = render.chat_from_trace(trace_document(db, session_id))
    return {"chat_render_ms": _ms(started), "chat_messages": len(messages),
            "chat_sent_kb": round(len(json.dumps(messages, default=str)) / 1024, 1)}


def share_page(url: str, path: str, browser) -> dict[str, float]:
    sizes = {}
    for _ in range(2):  # the first request reads the snapshot into the process
        started = time.perf_counter()
        plain = httpx.get(url + path, headers={"accept-encoding": "identity"}, timeout=300)
        sizes.setdefault("share_first_request_ms", _ms(started))
    sizes["share_server_ms"] = _ms(started)
    sent = httpx.get(url + path, timeout=300)
    sizes.update(share_page_kb=round(len(plain.content) / 1024, 1), share_sent_kb=round(sent.num_bytes_downloaded / 1024, 1))
    if browser is not None:
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(url + path)
        page.locator("#step-list details.step").first.wait_for()
        page.locator("#timeline .main-svg").first.wait_for()
        sizes["share_usable_in_chromium_ms"] = _ms(started)
        page.close()
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000,100000")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trace-scale-"))
    url = f"sqlite:///{folder / 'scale.db'}"
    db = open_database(url)
    made = []
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        session_id = export.import_session(db, synthetic.session_document(size))
        imported = _ms(started)
        made.append((size, session_id, sharing.create(db, session_id)["path"], imported))
    server = Server(url)
    browser = playwright = None
    if not args.no_browser and shutil.which("chromium"):
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--headless=new", "--no-sandbox", "--disable-gpu"])
    try:
        rows = {}
        for size, session_id, path, imported in made:
            rows[size] = {"import_ms": imported, **share_page(server.url, path, browser), **inspector(db, session_id),
                          **chat(db, session_id)}
    finally:
        server.stop()
        if browser is not None:
            browser.close()
            playwright.stop()
    smallest = rows[min(rows)]
    ratios = {size: {k: round(v / smallest[k], 2) if smallest[k] else None for k, v in figures.items()}
              for size, figures in rows.items()}
    print(json.dumps({"steps": rows, "ratio_to_smallest": ratios}, indent=2))


if __name__ == "__main__":
    main()
