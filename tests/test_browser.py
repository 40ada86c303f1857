"""The playground in a real headless Chromium (Debian's), driven by Playwright: chat, clarify, inspect."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium for the browser tests (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def pick_toolset(page, name: str) -> None:
    """Choose a tool set in the chat's menu (type to filter, click the option)."""
    box = page.locator("#toolset input")
    box.click()
    box.fill(name)
    page.locator("#toolset").get_by_role("option", name=name).click()


def test_chat_clarify_and_inspect(server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather like?")
    page.locator("#send").click()
    option = page.locator("#option-0")
    option.wait_for(state="visible")
    assert option.inner_text().strip() == "Paris"
    assert "Which city" in page.locator("#question").inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-clarification.png"), full_page=True)

    option.click()
    page.get_by_text("In Paris it is").last.wait_for()
    page.screenshot(path=str(ARTIFACTS / "chat-answered.png"), full_page=True)

    # A reload brings the same conversation back from the server.
    page.reload()
    page.get_by_text("In Paris it is").last.wait_for()

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#timeline").get_by_text("Timeline").first.wait_for()
    page.locator("#steps-table").get_by_text("check_tool_call").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "inspector.png"), full_page=True)


def test_a_server_restart_keeps_every_browsers_session_and_its_pending_question(tmp_path, page):
    """Attack 7 of #19: the browser's owner id was encrypted with a key made per process, so after a restart
    no browser could read it back: no sessions, no pending question. The key now lives in the database."""
    from conftest import Server, new_db_url

    db = new_db_url(tmp_path, "restart")
    server = Server(db)
    page.set_default_timeout(90_000)
    try:
        page.goto(server.url + "/")
        page.locator("#message textarea").fill("What's the weather like?")
        page.locator("#send").click()
        page.locator("#option-0").wait_for(state="visible")
        server.stop()
        server = Server(db, port=server.port)  # same origin: the browser's storage is per host and port
        for attempt in range(5):  # the page, seeing its server gone, may be navigating itself: that aborts ours
            try:
                page.goto(server.url + "/")
                break
            except Exception:  # noqa: BLE001
                if attempt == 4:
                    raise
                page.wait_for_timeout(1000)
        option = page.locator("#option-0")
        option.wait_for(state="visible")
        assert "Which city" in page.locator("#question").inner_text()
        page.screenshot(path=str(ARTIFACTS / "restart-question-kept.png"), full_page=True)
        option.click()
        page.get_by_text("In Paris it is").last.wait_for()
    finally:
        server.stop()


def test_untrusted_text_never_makes_the_browser_fetch_from_elsewhere(server, page):
    """Attack 9 of #19: Markdown images in untrusted text (a message echoed back, a tool's description, its
    output) were fetched from any host: a tracking and exfiltration channel. They now show as links, and the
    page's CSP refuses any other origin besides."""
    from conftest import Listener

    tracker = Listener(b"", "image/png")
    pixel = tracker.url
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.set_default_timeout(90_000)
        page.goto(server.url + "/")
        page.locator("#message textarea").fill(f"call weather with ![t]({pixel}/chat.png)")
        page.locator("#send").click()
        page.get_by_text("The weather tool failed").last.wait_for()
        page.get_by_text("🖼 t").last.wait_for()  # the image is a link to it, not fetched
        # A raw <img> to another origin, as if the sanitiser had missed it: the CSP stops it.
        page.evaluate(f"() => {{ const i = document.createElement('img'); i.src = '{pixel}/csp.png'; "
                      "document.body.appendChild(i); }")
        page.wait_for_timeout(1500)
        assert tracker.seen == [], tracker.seen
        assert any("img-src" in b for b in blocked), blocked
    finally:
        tracker.stop()


def test_model_html_is_inert(server, page):
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    hostile = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>"
    page.locator("#message textarea").fill(f"call weather with {hostile}")
    page.locator("#send").click()
    page.get_by_text("The weather tool failed").last.wait_for()  # the error echoes the value back
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#chat img[src=x]").count() == 0


def test_compare_side_by_side_and_open_a_column(server, page):
    """Compare react and rewoo on one prompt in the Compare tab; the plot draws; a column's link opens its
    session in the inspector, and the dfsdt search tree is drawn there."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-prompt textarea").fill("call weather with city=Pariss")
    for i, agent in enumerate(["ReWOO (rewoo)", "DFSDT (ToolLLM) (dfsdt)"]):
        box = page.locator(f"#compare-agent-{i} input")
        box.click()
        box.fill(agent.split(" (")[0])
        page.locator(f"#compare-agent-{i}").get_by_role("option", name=agent).click()
    page.set_viewport_size({"width": 1280, "height": 720})  # where row labels broke ("question s asked")
    page.locator("#compare-run").click()
    table = page.locator("#compare-table")
    table.get_by_text("In Paris it is").wait_for()  # dfsdt recovered from the typo
    lines = page.evaluate("""() => [...document.querySelectorAll('#compare-table td:first-child')].map(td => {
        const r = document.createRange(); r.selectNodeContents(td);
        return [td.innerText, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })""")
    assert lines and all(n == 1 for _, n in lines), lines
    assert "could not finish" in table.inner_text()  # rewoo's one-shot plan did not
    page.locator("#compare-plot").get_by_text("prompt tokens").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)

    with page.context.expect_page() as opened:  # Gradio opens Markdown links in a new tab
        table.get_by_role("link", name="inspector").last.click()
    page = opened.value
    page.set_default_timeout(90_000)
    page.locator("#step-tree").get_by_text("Search tree").first.wait_for()
    assert "Pariss" in page.locator("#step-tree").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dfsdt-tree.png"), full_page=True)


def test_share_from_the_inspector_opens_in_a_fresh_browser_and_html_is_inert(server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    pick_toolset(page, "notes")
    hostile = 'save a note that <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> done'
    page.locator("#message textarea").fill(hostile)
    page.locator("#send").click()
    page.get_by_text("Saved note").last.wait_for()

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#steps-table").get_by_text("save_note").first.wait_for()
    page.wait_for_timeout(500)  # the inspector shows the tool's input and output, hostile text included
    assert page.evaluate("window.__pwned") is None and page.locator("img[src=x]").count() == 0
    page.locator("#share-panel").get_by_text("Share this trace").click()
    page.locator("#share-preview").click()
    page.locator("#share-result").get_by_text("Nothing to redact").wait_for()
    page.locator("#share-create").click()
    link = page.locator("#share-result a").first
    link.wait_for()
    href = link.get_attribute("href")
    assert href.startswith("/share/")

    fresh = page.context.browser.new_context(viewport={"width": 1280, "height": 900})  # no session, no login
    try:
        shared = fresh.new_page()
        shared.set_default_timeout(90_000)
        shared.goto(server.url + href)
        shared.locator(".answer").get_by_text("Saved note").wait_for()
        shared.locator("#timeline .main-svg").first.wait_for()  # the Plotly timeline drew (local bundle, CSP)
        assert shared.evaluate("window.__pwned") is None
        assert shared.locator("img[src=x]").count() == 0 and shared.locator("body script:not([nonce])").count() == 1
        assert "read-only shared trace" in shared.inner_text("header")
        shared.screenshot(path=str(ARTIFACTS / "share-page.png"), full_page=True)
    finally:
        fresh.close()

    page.locator("#share-list input").click()  # opening the list reads the links again: the view is counted
    page.locator("#share-list").get_by_role("option").filter(has_text="1 view(s)").first.click()
    page.locator("#share-revoke").click()
    page.locator("#share-result").get_by_text("Revoked").wait_for()
    import httpx

    assert httpx.get(server.url + href).status_code == 404


def test_a_10000_step_share_page_opens_at_once_pages_and_searches(server, page):
    """#21: a share page held every step (12 MB at 10,000 steps, 32 s to load). Its first screen is now the same
    small page at any size; rows come as the reader scrolls or searches, a step's detail when it is opened."""
    import httpx
    from playwright.sync_api import expect

    from app import sharing
    from app.tracing import export, synthetic
    from storage import open_database

    db = open_database(server.db_url)
    session_id = export.import_session(db, synthetic.session_document(10_000, marker="needle-city"))
    path = sharing.create(db, session_id)["path"]
    first = httpx.get(server.url + path, headers={"accept-encoding": "identity"})
    assert first.status_code == 200 and len(first.content) < 100_000, len(first.content)

    page.set_default_timeout(90_000)
    page.goto(server.url + path)
    rows = page.locator("#step-list details.step")
    assert rows.count() == 50 and page.inner_text("#step-count").strip() == "10000 step(s)"
    page.locator("#timeline .main-svg").first.wait_for()  # the summarised timeline drew
    page.locator("#more").scroll_into_view_if_needed()
    rows.nth(149).wait_for(state="attached")  # (the page's CSP forbids eval: no wait_for_function here)
    page.locator("#step-search").fill("needle")
    expect(rows).to_have_count(1)
    assert page.inner_text("#step-count").strip() == "1 step(s) match"
    rows.first.locator("summary").click()
    rows.first.locator("pre").get_by_text("needle-city").first.wait_for()  # its detail, fetched on opening
    page.screenshot(path=str(ARTIFACTS / "share-10000-steps.png"))
    page.locator("#step-search").fill("")
    expect(rows).to_have_count(100)


def test_a_10000_step_session_in_the_inspector_pages_and_searches(server, page, tmp_path):
    """#21: the inspector drew a bar and a table row for every step. A big session's timeline is summarised,
    its table is a page of 200 rows with a search, and a row opens its step."""
    import json

    from playwright.sync_api import expect

    from app.tracing import synthetic

    exported = tmp_path / "big.json"
    exported.write_text(json.dumps(synthetic.session_document(10_000, marker="needle-city")), encoding="utf-8")
    page.set_default_timeout(120_000)
    page.goto(server.url + "/?tab=sessions")
    page.locator("#import-file input[type=file]").set_input_files(str(exported))
    page.locator("#session-import-result").get_by_text("Imported as a read-only session").wait_for()

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#inspect-session input").click()
    page.locator("#inspect-session").get_by_role("option", name="(imported) 10000 steps").first.click()
    info = page.locator("#steps-info")
    expect(info).to_contain_text("10000 steps · page 1 of 50")
    page.locator("#timeline").get_by_text("Timeline of 10000 steps").first.wait_for()  # summarised

    page.locator("#steps-search input, #steps-search textarea").first.fill("needle")
    page.locator("#steps-search input, #steps-search textarea").first.press("Enter")
    expect(info).to_contain_text("1 of 10000 steps")
    page.locator("#steps-table").get_by_text("weather", exact=True).filter(visible=True).first.click()
    page.locator("#step-detail").get_by_text("needle-city").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "inspector-10000-steps.png"))

    page.locator("#steps-search input, #steps-search textarea").first.fill("")
    page.locator("#steps-page input").fill("3")
    page.locator("#steps-page input").press("Enter")
    expect(info).to_contain_text("10000 steps · page 3 of 50")
    page.locator("#steps-table").get_by_text("401", exact=True).filter(visible=True).first.wait_for()


def test_time_travel_fork_from_a_step_and_sweep(server, page):
    """In the inspector: click the weather step, change its city, fork; the branch opens with the new answer
    and the branch list has both; then sweep two answers at a question."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather like?")
    page.locator("#send").click()
    page.locator("#option-0").wait_for(state="visible")
    page.locator("#option-0").click()
    page.get_by_text("In Paris it is").last.wait_for()

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#steps-table").get_by_text("weather").first.wait_for()
    page.locator("#time-travel").get_by_text("Time travel").first.click()
    page.locator("#steps-table").get_by_text("weather", exact=True).first.click()
    edit = page.locator("#fork-edit textarea")
    page.wait_for_function("document.querySelector('#fork-edit textarea').value.includes('Paris')")
    assert page.locator("#fork-kind input[value=arguments]").is_checked()
    page.locator("#fork-kind input[value=message]").check()  # by hand, the edit follows the kind
    page.wait_for_function("document.querySelector('#fork-edit textarea').value.includes('weather like')")
    page.locator("#fork-kind input[value=arguments]").check()
    page.wait_for_function("document.querySelector('#fork-edit textarea').value.includes('Paris')")
    edit.fill('{"city": "Tokyo"}')
    page.locator("#fork-run").click()
    page.locator("#fork-result").get_by_text("New branch").wait_for()
    assert "Tokyo" in page.locator("#fork-result").inner_text()
    page.locator("#inspect-summary").get_by_text("Branch").first.wait_for()  # the inspector shows the branch
    page.locator("#branches input").click()
    options = page.locator("#branches").get_by_role("option")
    assert options.count() == 2 and "original" in options.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "time-travel.png"), full_page=True)
    options.first.click()  # switch back to the original: it still says Paris
    page.wait_for_function("!document.querySelector('#inspect-summary').innerText.includes('Branch')")

    try:
        page.locator("#steps-table").get_by_text("missing_argument", exact=True).filter(visible=True).first.click()
        # the click has picked the question's step (the sweep reads it) before the sweep is asked for
        page.wait_for_function("document.querySelector('#fork-kind input[value=answer]').checked")
        page.locator("#sweep-answers textarea").fill("London\nRome")
        page.locator("#sweep-run").click()
        table = page.locator("#sweep-table")
        table.get_by_text("In Rome it is").wait_for()
        assert "In London it is" in table.inner_text()
        page.screenshot(path=str(ARTIFACTS / "answer-sweep.png"), full_page=True)
        page.locator("#sweep-answers textarea").fill("Oslo, Madrid")  # typed on one line: said, tried as one
        page.locator("#sweep-run").click()
        table.get_by_text("Tried as one answer").wait_for()
        assert "put each on its own line" in table.inner_text()
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "answer-sweep-failed.png"), full_page=True)
        raise


def test_teach_scenario_playback_replay_and_presenter_view(server, page):
    """Run the AwN scenario from the Teach tab, step through it (next, previous, jump) with the notes beside
    each step, replay it offline, and switch to the presenter view's large type."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.goto(server.url + "/?tab=teach")
    box = page.locator("#scenario input")
    box.click()
    box.fill("Ask when")
    page.locator("#scenario").get_by_role("option", name="Ask when needed: a missing argument (awn)").click()
    page.locator("#scenario-card").get_by_text("Learning goal").wait_for()
    assert "Instructor notes" in page.locator("#scenario-card").inner_text()
    page.locator("#scenario-run").click()
    page.locator("#teach-status").get_by_text("In Paris it is").wait_for()

    step = page.locator("#pb-step")
    step.get_by_text("Step 1 of 9").wait_for()
    assert "Goal." in page.locator("#pb-note").inner_text()
    page.locator("#pb-next").click()
    step.get_by_text("Step 2 of 9").wait_for()
    assert "Model-free" in page.locator("#pb-note").inner_text()  # the scenario's note for the check step
    page.locator("#pb-next").click()
    page.locator("#pb-next").click()
    step.get_by_text("Step 4 of 9").wait_for()
    transcript = page.locator("#pb-transcript")
    transcript.get_by_text("Which city").first.wait_for()
    assert "In Paris it is" not in transcript.inner_text()  # the answer comes later
    page.locator("#pb-prev").click()
    step.get_by_text("Step 3 of 9").wait_for()
    # A burst of clicks, none waiting for the one before: each is a step (they were dropped, or read the same
    # slider value, while the first was pending).
    burst = "(id) => { const b = document.querySelector(id); b.click(); b.click(); b.click(); }"
    page.evaluate(burst, "#pb-next")
    step.get_by_text("Step 6 of 9").wait_for()
    page.evaluate(burst, "#pb-prev")
    step.get_by_text("Step 3 of 9").wait_for()

    slider = page.locator("#pb-jump input[type=number]")
    slider.fill("9")
    slider.press("Enter")
    page.locator("#pb-jump input[type=range]").dispatch_event("pointerup")
    step.get_by_text("Step 9 of 9").wait_for()
    transcript.get_by_text("In Paris it is").first.wait_for()

    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#pb-step .prose') || "
                           "document.querySelector('#pb-step')).fontSize)")
    page.locator("#presenter input").check()
    page.wait_for_function("document.body.classList.contains('presenter')")
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#pb-step .prose') || "
                          "document.querySelector('#pb-step')).fontSize)")
    assert after > before * 1.3
    assert not page.locator("#scenario-run").is_visible()  # the set-up controls step aside
    page.screenshot(path=str(ARTIFACTS / "presenter-view.png"), full_page=True)
    page.locator("#presenter input").uncheck()

    page.locator("#replay-run").click()
    page.locator("#teach-status").get_by_text("the same tool calls and answers as the recording").wait_for()
    step.get_by_text("Step 1 of 9").wait_for()
    assert "Replay:" in page.locator("#playback-session input").input_value()


def _on_screen(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0 \
        and box["x"] + box["width"] <= size["width"]


@pytest.mark.parametrize("width,height", [(1280, 720), (1366, 768), (1920, 1080)])
def test_on_a_projector_the_question_its_answers_and_the_message_box_are_on_screen_together(
        server, page, width, height):
    """The chat fills the window and keeps the question, its options and the input visible (they were below
    the fold at 1280x720 and 1366x768); presenter view makes the conversation the whole screen; changing the
    model clears the conversation at once and says a new session starts."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    assert _on_screen(page, "#message textarea") and _on_screen(page, "#send")
    page.locator("#message textarea").fill("What's the weather like?")
    page.locator("#send").click()
    page.locator("#option-0").wait_for(state="visible")
    page.wait_for_timeout(300)
    for selector in ("#question", "#option-0", "#option-1", "#message textarea", "#send"):
        assert _on_screen(page, selector), f"{selector} is off screen at {width}x{height}"
    assert page.locator("#question").inner_text().startswith("❓ Which city")
    page.screenshot(path=str(ARTIFACTS / f"chat-question-{width}x{height}.png"))

    page.locator("#chat-presenter input").check()
    page.locator("#chat-setup").wait_for(state="hidden")
    for selector in ("#question", "#option-0", "#message textarea"):
        assert _on_screen(page, selector), f"{selector} is off screen in presenter view at {width}x{height}"
    page.screenshot(path=str(ARTIFACTS / f"chat-presenter-{width}x{height}.png"))
    page.locator("#chat-presenter input").uncheck()
    page.locator("#chat-setup").wait_for(state="visible")

    box = page.locator("#model input")
    box.click()
    box.fill("demo/offline")
    page.locator("#model").get_by_role("option", name="demo/offline").first.click()
    page.locator("#session-line").get_by_text("New session").wait_for()
    page.locator("#ask-panel").wait_for(state="hidden")
    assert "Which city" not in page.locator("#chat").inner_text()  # the old conversation left the screen


def test_retry_shows_only_when_a_turn_failed_and_retrying_finishes_it(page, tmp_path):
    """Retry sat beside Send when nothing had failed. Now: hidden, shown when a turn ends in an error (here the
    model endpoint fails), still there after a reload, and gone once the retried turn answers."""
    from tests.conftest import FakeOpenAI, Server, clean_env, new_db_url

    fake = FakeOpenAI()
    server = Server(new_db_url(tmp_path), env=clean_env(PLAYGROUND_OPENAI_BASE_URL=fake.url,
                                                        PLAYGROUND_MODEL_RETRIES="0"))
    try:
        page.set_default_timeout(90_000)
        page.goto(server.url + "/")
        assert not page.locator("#retry").is_visible()
        box = page.locator("#model input")
        box.click()
        box.fill("openai/local-model")
        page.locator("#model").get_by_role("option", name="openai/local-model").first.click()
        fake.always = "500"
        page.locator("#message textarea").fill("Weather in Lisbon?")
        page.locator("#send").click()
        page.locator("#retry").wait_for(state="visible")
        # beside Retry the message box keeps room for its one-line placeholder (it wrapped and was cut at 1280)
        page.set_viewport_size({"width": 1280, "height": 720})
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelector('#message textarea').clientWidth") >= 400
        page.reload()
        page.locator("#retry").wait_for(state="visible")  # the session's last turn failed: still retryable
        fake.always = None
        page.locator("#retry").click()
        page.locator("#chat").get_by_text("Lisbon").last.wait_for()
        page.locator("#retry").wait_for(state="hidden")
    finally:
        server.stop()
        fake.stop()


def test_deleting_a_session_asks_first_and_keep_it_keeps_it(server, page):
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather in Paris?")
    page.locator("#send").click()
    page.locator("#chat").get_by_text("In Paris it is").last.wait_for()
    page.get_by_role("tab", name="Sessions").click()
    page.locator("#session-search textarea").fill("paris")
    page.locator("#session-search textarea").press("Enter")
    page.get_by_text("1 session(s)").wait_for()
    page.locator("#delete").click()
    question = page.locator("#delete-question")
    question.get_by_text("This cannot be undone").wait_for()
    assert "weather in Paris" in question.inner_text() and "steps" in question.inner_text()
    page.locator("#delete-cancel").click()
    page.locator("#delete-confirm").wait_for(state="hidden")
    page.locator("#session-search textarea").press("Enter")
    page.get_by_text("1 session(s)").wait_for()  # kept
    page.locator("#delete").click()
    page.locator("#delete-for-good").click()
    page.get_by_text("Deleted.").wait_for()
    page.locator("#session-search textarea").press("Enter")
    page.get_by_text("0 session(s)").wait_for()


def test_teach_plays_back_the_chosen_scenarios_run_not_the_chat(server, page):
    """Teach opened on whatever session the chat had; now playback follows the chosen scenario."""
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather in Oslo?")
    page.locator("#send").click()
    page.locator("#chat").get_by_text("In Oslo it is").last.wait_for()
    page.get_by_role("tab", name="Teach").click()
    page.locator("#pb-step").get_by_text("Pick or run a session").wait_for()  # not the chat's session
    box = page.locator("#scenario input")
    box.click()
    box.fill("ReWOO")
    page.locator("#scenario").get_by_role("option", name="ReWOO: plan once, then work (rewoo)").click()
    page.locator("#teach-status").get_by_text("Not run yet").wait_for()
    page.locator("#scenario-run").click()
    page.locator("#pb-step").get_by_text("Step 1 of").wait_for()
    box.click()
    box.fill("DFSDT")
    page.locator("#scenario").get_by_role("option", name="DFSDT: search, fail, backtrack (dfsdt)").click()
    page.locator("#teach-status").get_by_text("Not run yet").wait_for()
    page.locator("#pb-step").get_by_text("Pick or run a session").wait_for()
    box.click()
    box.fill("ReWOO")
    page.locator("#scenario").get_by_role("option", name="ReWOO: plan once, then work (rewoo)").click()
    page.locator("#teach-status").get_by_text("Playing its latest run").wait_for()
    page.locator("#pb-step").get_by_text("Step 1 of").wait_for()


HEADER_LINES = """() => [...document.querySelectorAll('#steps-table th')].flatMap(th => {
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    out.push([node.textContent.trim(), range.getClientRects().length]);
  }
  return out;
})"""


def math_turn_then_inspector(server, page, message: str, answer: str) -> None:
    """A fresh page asks the math tools `message`, waits for `answer` in the chat and opens the Inspector."""
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    pick_toolset(page, "math")
    page.locator("#message textarea").fill(message)
    page.locator("#send").click()
    page.locator("#chat").get_by_text(answer).last.wait_for()
    page.get_by_role("tab", name="Inspector").click()


def test_the_inspector_opened_again_after_another_turn_shows_that_turn(server, page):
    """The tab drew the chat's session only when its menu's value changed: back in the chat, a second turn, and
    the Inspector opened again still showed the first turn's steps. Opening the tab draws the session as it is
    now, in the tab's own event (one round trip, not two: bench/inspector_open.py)."""
    math_turn_then_inspector(server, page, "What is 2+3?", "5")
    summary = page.locator("#inspect-summary")
    summary.get_by_text("1 tool calls").first.wait_for()
    info = page.locator("#steps-info").get_by_text(re.compile(r"^\d+ steps"))
    before = int(info.first.inner_text().split()[0])
    page.get_by_role("tab", name="Chat").click()
    page.locator("#message textarea").fill("What is 40+2?")
    page.locator("#send").click()
    page.locator("#chat").get_by_text("42").last.wait_for()
    page.locator("#send").wait_for(state="visible")
    page.get_by_role("tab", name="Inspector").click()
    summary.get_by_text("2 tool calls").first.wait_for()
    assert int(info.first.inner_text().split()[0]) > before  # the table is the session's now


def test_the_inspectors_column_headers_are_never_broken_inside_a_word(server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather in Rome?")
    page.locator("#send").click()
    page.locator("#chat").get_by_text("In Rome it is").last.wait_for()
    page.get_by_role("tab", name="Inspector").click()
    page.locator("#steps-table").get_by_text("weather").first.wait_for()
    lines = page.evaluate(HEADER_LINES)
    assert {text for text, _ in lines} >= {"status", "cost $", "prompt tok"}
    assert [(text, n) for text, n in lines if n > 1] == []  # (hidden menu glyphs have no box at all)
    page.locator("#steps-table").screenshot(path=str(ARTIFACTS / "inspector-table-1280x720.png"))


def test_the_eval_tabs_agent_name_is_not_cut_off(server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url + "/?tab=eval")
    box = page.locator("#eval-agent input")
    box.wait_for()
    page.wait_for_timeout(300)
    fits = page.evaluate("() => { const i = document.querySelector('#eval-agent input'); "
                         "return [i.scrollWidth, i.clientWidth]; }")
    assert fits[0] <= fits[1], f"the agent's name needs {fits[0]} px and has {fits[1]}"
    page.screenshot(path=str(ARTIFACTS / "eval-1280x720.png"))


def test_a_slow_turn_shows_its_running_time_and_stop_ends_it_for_a_retry(page, tmp_path):
    """While a model call runs the chat said nothing: now the running step shows its seconds, and Stop ends the
    run after the current step; its steps stay and Retry finishes it."""
    from tests.conftest import Server, clean_env, new_db_url

    server = Server(new_db_url(tmp_path), env=clean_env(PLAYGROUND_DEMO_LATENCY_MS="2500"))
    try:
        page.set_default_timeout(90_000)
        page.goto(server.url + "/")
        assert not page.locator("#stop").is_visible()
        page.locator("#message textarea").fill("What's the weather in Paris?")
        page.locator("#send").click()
        page.locator("#stop").wait_for(state="visible")
        page.locator("#chat").get_by_text(re.compile(r"⏳ .* · [1-9]\d* s")).first.wait_for()  # a live count
        page.locator("#chat").get_by_text("calls weather").first.wait_for()  # the first model step is done
        page.locator("#stop").click()
        page.locator("#chat").get_by_text("stopped on request").first.wait_for()
        page.locator("#retry").wait_for(state="visible")
        page.locator("#stop").wait_for(state="hidden")
        page.locator("#retry").click()
        page.locator("#chat").get_by_text("In Paris it is").last.wait_for()
    finally:
        server.stop()


def test_the_inspector_reads_a_step_as_a_conversation_with_provenance_and_raw_json_a_click_away(server, page):
    """#22: step detail was raw JSON with epoch times. A model step reads as the conversation it was sent and its
    reply's calls with where each argument came from; a tool step's value computed from an earlier result says
    so (it was called a guess); times are relative to the turn; the raw record is one click away."""
    page.set_viewport_size({"width": 1366, "height": 768})
    math_turn_then_inspector(server, page, "Compute 12*7, then add 5", "89")
    detail = page.locator("#step-detail")
    detail.get_by_text("into turn 1").first.wait_for()  # the last step is shown when a session opens

    page.locator("#steps-table").get_by_text("calculator", exact=True).nth(1).click()
    detail.get_by_text("computed from").first.wait_for()
    assert "84" in detail.inner_text() and "tool result" in detail.inner_text() and "guess" not in detail.inner_text()
    assert re.search(r"started \+\d+ ms into turn 1", detail.inner_text())
    page.locator("#step-panel").first.screenshot(path=str(ARTIFACTS / "inspector-step-tool-1366x768.png"))

    page.locator("#steps-table").get_by_text("model", exact=True).filter(visible=True).last.click()
    detail.get_by_text("Sent to").first.wait_for()
    text = detail.inner_text()
    assert "👤 user" in text and "🛠️ tool" in text and "Compute 12*7" in text
    assert not re.search(r"\b1[0-9]{9}\.\d", text)  # no epoch timestamps
    page.locator("#step-panel").first.screenshot(path=str(ARTIFACTS / "inspector-step-model-1366x768.png"))

    raw = page.locator("#step-raw")
    assert not raw.is_visible()
    page.locator("#step-raw-panel").get_by_text("Raw JSON of this step").click()
    raw.get_by_text("checkpoint_id").first.wait_for()


def test_a_tool_added_in_the_tools_tab_can_be_removed_after_a_confirmation(server, page):
    """#22: custom tools could not be removed from the UI. Add a file's tool, remove it (asked first; "Keep it"
    keeps it), and it leaves the tool lists."""
    if not shutil.which("bwrap"):
        pytest.skip("custom tools need bubblewrap")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/?tab=tools")
    page.locator("#custom-tools").get_by_text("Add Python tools").first.click()
    page.locator("#custom-add").click()  # the example file: word_count
    page.locator("#custom-result").get_by_text("word_count").first.wait_for()

    page.locator("#remove-tools").get_by_text("Remove a tool you added").first.click()
    pick = page.locator("#remove-pick input")
    pick.click()
    page.locator("#remove-pick").get_by_role("option", name="word_count").first.click()
    page.locator("#remove-tool").click()
    page.locator("#remove-question").get_by_text("Remove word_count?").first.wait_for()
    page.locator("#remove-cancel").click()
    page.locator("#remove-result").get_by_text("Kept.").first.wait_for()
    assert "word_count" in page.locator("#compose-tools").inner_text()

    page.locator("#remove-tool").click()
    page.locator("#remove-for-good").click()
    page.locator("#remove-result").get_by_text("Removed word_count.").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "tools-removed-1366x768.png"))
    assert "word_count" not in page.locator("#compose-tools").inner_text()
    page.reload()
    page.locator("#compose-tools").get_by_text("calculator").first.wait_for()
    assert "word_count" not in page.locator("#compose-tools").inner_text()


WIDEST = """() => { let worst = null; for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
  if (r.width && s.visibility !== 'hidden' && r.right > innerWidth + 1 && !el.closest('.table-wrap, pre, code, \
[style*="overflow"], .overflow-x-auto, .scroll-hide, .plot-container, .js-plotly-plot'))
    if (!worst || r.right > worst[1]) worst = [el.id || el.className || el.tagName, Math.round(r.right)]; }
  return [document.documentElement.scrollWidth, innerWidth, worst]; }"""


@pytest.mark.parametrize("width,height", [(1280, 720), (1366, 768), (1920, 1080)])
def test_every_tab_fits_the_window_at_projector_sizes(server, page, width, height):
    """#22: each tab at 1280x720, 1366x768 and 1920x1080 has no sideways scroll and nothing past the window's
    right edge (the chat's Presenter label was cut off at 1280); the screenshots are kept to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather in Rome?")
    page.locator("#send").click()
    page.locator("#chat").get_by_text("In Rome it is").last.wait_for()
    for tab in ("Chat", "Inspector", "Sessions", "Compare", "Eval", "Datasets", "Teach", "Tools"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(600)
        if tab == "Inspector":
            page.locator("#steps-table").get_by_text("weather").first.wait_for()
        scroll, inner, worst = page.evaluate(WIDEST)
        page.screenshot(path=str(ARTIFACTS / f"tab-{tab.lower()}-{width}x{height}.png"))
        assert scroll <= inner, f"{tab} scrolls sideways at {width}x{height}: {scroll} > {inner}"
        assert worst is None, f"{tab} at {width}x{height}: {worst[0]!r} reaches {worst[1]} px of {inner}"


def test_with_every_tool_chosen_the_setup_column_scrolls_on_its_own_and_the_conversation_stays(server, page):
    """With many tools chosen the chat's setup column grew past a 1366x768 window, and picking one more scrolled
    the page: the conversation's top left the screen. The column now scrolls by itself; each pick still lands."""
    from tools import default_registry

    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    names = default_registry().names()
    page.locator("#tools .token").first.wait_for()  # the default tool set's, already chosen
    chosen = set(page.locator("#tools .token").all_inner_texts())
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for name in [n for n in names if n not in {c.strip() for c in chosen}]:
        box = page.locator("#tools input")
        box.click()
        box.fill(name)
        page.locator("#tools").get_by_role("option", name=name, exact=True).first.click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / "chat-all-tools-1366x768.png"))
    assert page.locator("#tools .token").count() == len(names)
    # The page does not grow with the tools chosen (the column scrolls instead). Where the page stands after the
    # picks is not checked: Playwright scrolls the page itself to click an option that a busy machine has not
    # filtered yet, far down the open list (it failed so under load, by 19 and 72 px, not by anything the page did).
    assert page.evaluate("() => document.documentElement.scrollHeight") == height, "picking tools grew the page"
    page.evaluate("() => window.scrollTo(0, 0)")
    assert _on_screen(page, "#chat") and _on_screen(page, "#message textarea")
    setup = page.evaluate("() => { const c = document.querySelector('#chat-setup'); "
                          "return [c.scrollHeight > c.clientHeight, getComputedStyle(c).overflowY]; }")
    assert setup == [True, "auto"]
    page.locator("#chat-setup").get_by_text("Arithmetic chain").click()  # the column's bottom is reachable
    page.wait_for_function("() => document.querySelector('#message textarea').value.startsWith('Compute 12*7')")


def test_an_mcp_servers_question_is_asked_in_the_chat_and_the_answer_reaches_it(cli, page):
    """#25: an MCP server's elicitation during a tool call shows as the chat's question, its enum as the answer
    buttons (with Decline and Cancel); clicking one sends it to the server and the call's result comes back."""
    import sys

    from tests.conftest import Server

    server_script = Path(__file__).parent / "data" / "mcp_server.py"
    cli("tools", "import-mcp", f"{sys.executable} {server_script}", check=True)  # the operator's, for everyone
    server = Server(cli.db_url)
    try:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.set_default_timeout(90_000)
        page.goto(server.url + "/")
        box = page.locator("#tools input")
        box.click()
        box.fill("order_shirt")
        page.locator("#tools").get_by_role("option", name="order_shirt").first.click()
        page.locator("#message textarea").fill("call order_shirt with red")
        page.locator("#send").click()
        page.locator("#question").get_by_text("Which size should the red shirt be?").first.wait_for()
        labels = [page.locator(f"#option-{i}").inner_text().strip() for i in range(5)]
        assert labels == ["small", "medium", "large", "Decline", "Cancel"]
        assert "elicitation" in page.locator("#question").inner_text()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "mcp-elicitation-1366x768.png"))
        page.locator("#option-2").click()
        page.locator("#chat").get_by_text("ordered a large red shirt").last.wait_for()
    finally:
        server.stop()


def test_a_marked_session_becomes_a_dataset_item_that_exports_and_runs_from_the_eval_tab(server, page):
    """#25 part 3: 👍 under a reply marks the session; the inspector marks a step with thumbs, a score and a note;
    the Datasets tab turns the session into an item (edited as JSON first), exports it, and the Eval tab runs it
    (the oracle scores it 1: the item is well formed)."""
    from storage import open_database, repo

    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(90_000)
    page.goto(server.url + "/")
    page.locator("#message textarea").fill("What's the weather like today?")
    page.locator("#send").click()
    page.locator("#option-0").wait_for(state="visible")
    page.locator("#option-0").click()
    page.locator("#chat").get_by_text("In Paris it is").last.wait_for()
    page.locator("#chat").get_by_role("button", name="Like").last.click()

    page.get_by_role("tab", name="Inspector").click()
    page.locator("#steps-table").get_by_text("weather", exact=True).first.click()
    page.locator("#mark-panel").get_by_text("Mark this session or step").first.click()
    page.locator("#mark-target").get_by_text("The step shown").click()
    page.locator("#mark-rating").get_by_text("👎").click()
    page.locator("#mark-score").get_by_text("2").click()
    page.locator("#mark-note textarea").fill("should have asked for units too")
    page.locator("#mark-save").click()
    marks = page.locator("#mark-list")
    marks.get_by_text("should have asked for units too").first.wait_for()
    assert "session: 👍" in marks.inner_text() and re.search(r"step #\d+: 👎 · 2/5", marks.inner_text())

    page.get_by_role("tab", name="Datasets").click()
    page.locator("#dataset-new").get_by_text("New dataset").first.click()
    page.locator("#dataset-name textarea").fill("weather asks")
    page.locator("#dataset-create").click()
    page.locator("#dataset-status").get_by_text("Created").first.wait_for()
    box = page.locator("#dataset-session input")
    box.click()
    page.locator("#dataset-session").get_by_role("option").filter(has_text="What's the weather like today").first.click()
    page.locator("#dataset-make").click()
    page.locator("#dataset-status").get_by_text("Look the item over").first.wait_for()
    text = page.locator("#dataset-item").inner_text()
    assert "expected API calling" in text and '"city": "Paris"' in text and "Which city" in text
    page.locator("#dataset-save").click()
    page.locator("#dataset-status").get_by_text("Saved to").first.wait_for()
    page.locator("#dataset-items").get_by_text("What's the weather like today?").filter(visible=True).first.wait_for()
    headers = page.evaluate(HEADER_LINES.replace("#steps-table", "#dataset-items"))
    assert {t for t, _ in headers} >= {"category", "answer / details"} and [h for h in headers if h[1] > 1] == []
    page.locator("#dataset-export").click()
    page.locator("#dataset-status").get_by_text("Exported").first.wait_for()
    link = page.locator("#dataset-file a").first.get_attribute("href")
    exported = page.request.get(link if link.startswith("http") else server.url + link).json()
    assert [(i["query"], i["expected API calling"]) for i in exported] == [
        ("What's the weather like today?", [{"name": "weather", "arguments": {"city": "Paris"}}])]
    page.screenshot(path=str(ARTIFACTS / "datasets-1366x768.png"), full_page=True)

    page.get_by_role("tab", name="Eval").click()
    page.locator("#eval-suites").get_by_text("ntb-dev").click()  # untick the default
    page.locator("#eval-suites").get_by_text("dataset:weather asks").click()
    agent = page.locator("#eval-agent input")
    agent.click()
    agent.fill("oracle")
    page.locator("#eval-agent").get_by_role("option").filter(has_text="oracle").first.click()
    page.locator("#eval-run").click()
    page.locator("#eval-status").get_by_text("Finished: 1 items").first.wait_for()
    summary = page.locator("#eval-summary").inner_text()
    assert "dataset:weather asks" in summary and re.search(r"IMKI\s+1\s+0\s+1\s+1\s+1", summary), summary

    db = open_database(server.db_url)
    session = next(r for r in repo.list_sessions(db) if r.title.startswith("What's the weather like today"))
    assert {(m.step_id == "", m.rating) for m in repo.marks_for_session(db, session.id)} == {(True, "up"),
                                                                                         (False, "down")}


def test_an_opened_langgraph_project_asks_with_buttons_and_shows_what_its_graph_asked_for(tmp_path, page):
    """#33 in Chromium: our asking project (a string question, options, the agent inbox, two at once, a
    breakpoint) answered by typing and by its buttons; the react-agent template's model call says which model
    the graph asked for and which answered."""
    from conftest import Server, new_db_url

    projects = Path(__file__).parent / "data" / "projects"
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "slow.py").write_text(
        '"""Takes its time."""\nimport time\nfrom langgraph.graph import END, START, MessagesState, StateGraph\n\n\n'
        'def think(state: MessagesState):\n    time.sleep(3)\n    return {"messages": [{"role": "assistant", '
        '"content": "done thinking"}]}\n\n\ngraph = StateGraph(MessagesState).add_node(think).add_edge(START, '
        '"think").add_edge("think", END).compile()\n')
    (tmp_path / "slow" / "langgraph.json").write_text('{"graphs": {"slow": "./slow.py:graph"}}')
    server = Server(new_db_url(tmp_path, "projects"), "--config", str(tmp_path / "slow" / "langgraph.json"),
                    "--config", str(projects / "asking" / "langgraph.json"),
                    "--config", str(projects / "react-agent" / "langgraph.json"),
                    "--config", str(projects / "new-langgraph-project" / "langgraph.json"))
    page.set_default_timeout(90_000)
    try:
        page.goto(server.url + "/")
        pick_agent(page, "asking")
        page.locator("#agent-info").get_by_text("Breakpoints").first.wait_for()

        def send(text: str) -> None:
            page.locator("#stop").wait_for(state="hidden")  # the last turn's event has ended
            page.locator("#message textarea").fill(text)
            page.locator("#send").click()

        def asked(question: str) -> None:
            page.locator("#question").get_by_text(question).first.wait_for()

        # Its input is not a chat: a form of its one field (and no tool menus, the graph has its own tools)
        assert page.locator("#toolset").is_hidden()
        page.locator("#input-form").get_by_text("topic (string, required)").wait_for()
        page.locator("#run-input").click()
        page.get_by_text("input field 'topic' is required").first.wait_for()  # nothing sent, nothing lost
        page.locator("#input-field-0 textarea").fill("shirt")
        page.locator("#run-input").click()
        asked("What is your name?")
        send("Ann")
        asked("Which size?")
        assert [page.locator(f"#option-{i}").inner_text().strip() for i in range(3)] == ["S", "M", "L"]
        page.locator("#option-1").click()
        asked("Place the order of a M shirt?")
        assert page.locator("#option-0").inner_text().strip() == "accept"
        page.locator("#option-0").click()
        asked("right?")
        first = page.locator("#question [data-testid=markdown]").inner_text()
        send("yes")  # two branches asked at once: the other one next
        # (the question's own text: while the turn runs, Gradio's progress text is in the panel's innerText too)
        page.wait_for_function("(first) => { const q = document.querySelector('#question [data-testid=markdown]'); "
                               "return q && q.innerText.includes('right?') && q.innerText !== first; }", arg=first)
        send("fine")
        asked("Paused before summarize")
        page.screenshot(path=str(ARTIFACTS / "project-breakpoint.png"), full_page=True)
        page.locator("#option-0").click()  # Continue
        page.locator("#chat").get_by_text('"summary"').last.wait_for()

        pick_agent(page, "agent")  # react-agent's graph, by its key
        send("Hello there")
        page.locator("#stop").wait_for(state="hidden")
        page.locator("#chat").get_by_text("call_model").last.click()  # its model call is inside the node's box
        page.locator("#chat").get_by_text("the graph asked for claude-sonnet-4-5-20250929").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "project-react-agent.png"), full_page=True)

        # What a person types while a turn runs is kept when it ends (the turn's last outputs left it alone)
        pick_agent(page, "slow")
        send("think about it")
        page.locator("#stop").wait_for(state="visible")
        page.locator("#message textarea").fill("typed meanwhile")
        page.locator("#chat").get_by_text("done thinking").last.wait_for()
        page.locator("#stop").wait_for(state="hidden")
        page.wait_for_timeout(1000)  # the event's closing messages, which used to clear the box
        assert page.locator("#message textarea").input_value() == "typed meanwhile"
        # ... and so is what is typed the instant after Send, before the turn's first output arrives (that output
        # cleared the box, losing it: under load a quick next answer was sent empty, "Type a message first.")
        page.evaluate("""() => {
            const box = document.querySelector('#message textarea');
            const type = (text) => { box.value = text; box.dispatchEvent(new Event('input', {bubbles: true})); };
            type('think again'); document.querySelector('#send').click(); type('typed at once'); }""")
        page.locator("#chat").get_by_text("think again").last.wait_for()
        page.locator("#stop").wait_for(state="hidden")
        page.wait_for_timeout(1000)
        assert page.locator("#message textarea").input_value() == "typed at once"
        page.locator("#message textarea").fill("")

        # new-langgraph-project (its key taken by react-agent's: named by its folder), its one field in the form
        run_form(page, "new-langgraph-project/agent", "changeme (string)", "hi")
        page.locator("#chat").get_by_text("output from call_model").last.wait_for()

        # A NodeInterrupt waits; the inspector's state panel edits the channel it objects to, and a branch runs on
        # (the form is redrawn for the agent picked: filled only once it is legacy's, the failure seen once on CI;
        # its field is its state's, so not required)
        run_form(page, "legacy", "title (string)", "A title far too long")
        asked("longer than 12 characters")
        session_id = page.locator("#session-line code").inner_text().strip()
        page.goto(f"{server.url}/?session={session_id}&tab=inspector")
        page.locator("#state-panel").get_by_text("State: the graph's channels").click()
        page.locator("#state-values").get_by_text("A title far too long").first.wait_for()
        page.locator("#state-value textarea").fill("Short")
        page.locator("#state-edit").click()
        page.locator("#state-result").get_by_text("New branch").wait_for()
        page.locator("#inspect-summary").get_by_text("state edited").first.wait_for()  # the branch is shown...
        page.locator("#state-values").get_by_text("SHORT").first.wait_for()
        assert "SHORT" in page.locator("#state-result").inner_text()  # ...and the edit's result line stays
        page.screenshot(path=str(ARTIFACTS / "project-state-edit.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "project-failed.png"), full_page=True)
        raise
    finally:
        server.stop()


def test_the_langchain_academy_course_in_the_browser(tmp_path, page):
    """#33, LangChain Academy (tests/test_academy.py) in Chromium: module 1's graph of one text field through its form; module 4's map-reduce through its form
    (its one required-looking field left to the graph); module 3's NodeInterrupt asked in the chat."""
    from conftest import Server, new_db_url

    academy = Path(__file__).parent / "data" / "projects" / "academy"
    MODULES = {m: str(academy / m / "studio" / "langgraph.json") for m in ("module-1", "module-3", "module-4")}

    broken = tmp_path / "inbox"  # a project with a graph that needs a package not installed here
    broken.mkdir()
    (broken / "gmail.py").write_text("import not_a_package_anywhere\n")
    (broken / "langgraph.json").write_text('{"graphs": {"gmail": "./gmail.py:graph", "hello": "%s:graph"}}'
                                          % MODULES["module-1"].replace("langgraph.json", "simple.py"))
    server = Server(new_db_url(tmp_path, "academy"), "--config", MODULES["module-1"], "--config", MODULES["module-3"],
                    "--config", MODULES["module-4"], "--config", str(broken / "langgraph.json"))
    page.set_default_timeout(90_000)
    try:
        page.goto(server.url + "/")
        run_form(page, "simple_graph", "graph_state (string)", "Hi, this is Lance.")
        page.locator("#chat").get_by_text("Hi, this is Lance. I am").last.wait_for()

        run_form(page, "map_reduce", "topic (string)", "animals")
        page.locator("#chat").get_by_text("best_selected_joke").last.wait_for()

        run_form(page, "dynamic_breakpoints", "input (string)", "hello world")
        page.locator("#question").get_by_text("Received input that is longer than 5 characters").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "academy-node-interrupt.png"), full_page=True)

        # A graph of a project that cannot be opened is in the menu to say why; its project's other graph is open
        pick_agent(page, "gmail")
        page.locator("#agent-info").get_by_text("cannot be opened").first.wait_for()
        page.locator("#agent-info").get_by_text("not_a_package_anywhere").first.wait_for()
        pick_agent(page, "hello")
    finally:
        server.stop()


def pick_agent(page, name: str) -> None:
    """Choose an agent in the chat's menu by its name (the option reads "Title (name)")."""
    box = page.locator("#agent input")
    box.click()
    box.fill(name)
    page.locator("#agent").get_by_role("option").filter(has_text=re.compile(rf"\({re.escape(name)}\)$")).first.click()


def run_form(page, agent: str, label: str, value: str) -> None:
    """Pick an opened graph of one input field, fill its form's box once the form is that graph's (its `label`:
    the box of the agent picked before is dropped by the redraw), and run it."""
    pick_agent(page, agent)
    page.locator("#input-form").get_by_text(label, exact=True).wait_for()
    page.locator("#input-field-0 textarea").fill(value)
    page.locator("#run-input").click()


def test_a_cli_session_opens_in_the_browser_with_the_link_playground_open_prints(cli, page):
    """#39: a session made with the CLI belongs to no browser. Asked for by its id, the page says so and how to
    open it; the link `playground open ID` prints gives it to the browser that opens it (once)."""
    from tests.conftest import Server

    made = cli.json("run", "--agent", "react", "--tools", "calculator", "What is 21*2?")
    server = Server(cli.db_url)
    try:
        page.set_default_timeout(90_000)
        page.goto(f"{server.url}/?session={made['session_id']}")
        page.locator("#session-line").get_by_text("is not yours").wait_for()
        assert "playground open" in page.locator("#session-line").inner_text()
        link = cli("open", made["session_id"], check=True).stdout.strip()
        assert link.startswith(f"{server.url}/?claim=")  # to where this database's server listens
        page.goto(link)
        page.locator("#chat").get_by_text("What is 21*2?").first.wait_for()
        page.locator("#session-line").get_by_text(made["session_id"][:8]).first.wait_for()
        page.goto(f"{server.url}/?session={made['session_id']}")  # now this browser's own
        page.locator("#chat").get_by_text("What is 21*2?").first.wait_for()
        page.goto(link)  # a used link opens nothing
        page.locator("#session-line").get_by_text("is not yours").wait_for()
    finally:
        server.stop()


def test_an_imported_session_says_it_is_read_only_before_anyone_sends(server, page, tmp_path):
    """#39: an imported trace said it was read-only only when a send failed; its session line says so at once."""
    import json
    import re as regex

    from app.tracing import synthetic

    exported = tmp_path / "small.json"
    exported.write_text(json.dumps(synthetic.session_document(3)), encoding="utf-8")
    page.set_default_timeout(90_000)
    page.goto(server.url + "/?tab=sessions")
    page.locator("#import-file input[type=file]").set_input_files(str(exported))
    said = page.locator("#session-import-result").get_by_text("Imported as a read-only session")
    said.wait_for()
    new_id = regex.search(r"session (\w{32})", said.inner_text())[1]
    page.goto(f"{server.url}/?session={new_id}")
    page.locator("#session-line").get_by_text("read-only").wait_for()
    assert "start a new session to chat" in page.locator("#session-line").inner_text()
