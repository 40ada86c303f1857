"""The screenshot set a teacher would see (#39): chat with a question, the inspector, compare, eval, the Teach
tab's presenter view, the login page and a share page, at 1280x720 and 1920x1080, in the light and the dark
theme, into artifacts/screens/. Offline: one playground on the demo model and one with a login, on fresh SQLite
files.

    .venv/bin/python scripts/screenshots.py [--out artifacts/screens]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Server  # noqa: E402

SIZES = [(1280, 720), (1920, 1080)]
THEMES = ["light", "dark"]


def pick(page, menu: str, text: str, option: str) -> None:
    box = page.locator(f"{menu} input")
    box.click()
    box.fill(text)
    page.locator(menu).get_by_role("option", name=option).first.click()


def shots(page, url: str, share_path: str, out, name) -> None:
    page.goto(url + "/")
    page.locator("#message textarea").fill("What's the weather like?")
    page.locator("#send").click()
    page.locator("#option-0").wait_for(state="visible")
    page.wait_for_timeout(800)
    page.screenshot(path=out(name("chat-question")))

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#inspect-summary").get_by_text("model calls").first.wait_for()
    page.locator("#agent-graph svg").first.wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=out(name("inspector")), full_page=True)

    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-prompt textarea").fill("call weather with city=Pariss")
    pick(page, "#compare-agent-0", "ReWOO", "ReWOO (rewoo)")
    pick(page, "#compare-agent-1", "DFSDT", "DFSDT (ToolLLM) (dfsdt)")
    page.locator("#compare-run").click()
    page.locator("#compare-plot").get_by_text("prompt tokens").first.wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=out(name("compare")), full_page=True)

    page.get_by_role("tab", name="Eval").click()
    page.locator("#eval-limit input").fill("2")
    page.locator("#eval-run").click()
    page.locator("#eval-status").get_by_text("Finished").wait_for(timeout=300_000)
    page.wait_for_timeout(800)
    page.screenshot(path=out(name("eval")), full_page=True)

    page.get_by_role("tab", name="Teach").click()
    pick(page, "#scenario", "Ask when", "Ask when needed: a missing argument (awn)")
    page.locator("#scenario-run").click()
    page.locator("#pb-step").get_by_text("Step 1 of").wait_for()
    page.locator("#presenter input").check()
    page.wait_for_function("document.body.classList.contains('presenter')")
    page.wait_for_timeout(800)
    page.screenshot(path=out(name("teach-presenter")))
    page.locator("#presenter input").uncheck()

    page.goto(url + share_path)
    page.locator("#timeline .main-svg").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=out(name("share")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "screens"))
    args = parser.parse_args()
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from app import sharing
    from app.tracing import export, synthetic
    from storage import open_database

    work = Path(tempfile.mkdtemp(prefix="screens-"))
    db_url = f"sqlite:///{work / 'screens.db'}"
    db = open_database(db_url)
    share_path = sharing.create(db, export.import_session(db, synthetic.session_document(40)))["path"]
    server = Server(db_url)
    guarded = Server(f"sqlite:///{work / 'login.db'}", "--auth", "teacher:correct-horse")
    made = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                        args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            for width, height in SIZES:
                for theme in THEMES:
                    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
                    page = context.new_page()
                    page.set_default_timeout(120_000)

                    def name(view: str) -> str:
                        return f"{view}-{width}x{height}-{theme}.png"

                    def out(file: str) -> str:
                        made.append(file)
                        return str(folder / file)

                    shots(page, server.url, share_path, out, name)
                    page.goto(guarded.url + "/")
                    page.locator("input[type=password]").wait_for()
                    page.wait_for_timeout(500)
                    page.screenshot(path=out(name("login")))
                    context.close()
            browser.close()
    finally:
        server.stop()
        guarded.stop()
    print("\n".join(made))


if __name__ == "__main__":
    main()
