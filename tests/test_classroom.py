"""In front of a class (#39), in a real Chromium: light and dark both readable (the switch remembered, the charts
and the agent graph following it, share pages too), the model menu as installed now, the Inspector opened in
one round trip, the login page and who is signed in, a long question that keeps the message box on screen."""

from __future__ import annotations

import pytest

import test_browser  # skips this module too without Chromium
from test_browser import ARTIFACTS

page = test_browser.page  # its browser fixture

pytestmark = pytest.mark.browser

LUMINANCE = """(color) => {
  const m = color.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
  const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
  if (a === 0) return null;  // see-through: the page's background shows
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}"""


def _contrast(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def _luminance(page, color: str) -> float | None:
    return page.evaluate(LUMINANCE, color)


def _page_background(page, selector: str) -> float:
    """The luminance of what shows behind `selector`: the first ancestor with a background of its own."""
    color = page.evaluate("""(s) => { for (let e = document.querySelector(s); e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && !/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; }""",
                          selector)
    return _luminance(page, color)


def _ask(page, url: str) -> None:
    page.goto(url)
    page.locator("#message textarea").fill("What's the weather like?")
    page.locator("#send").click()
    page.locator("#option-0").wait_for(state="visible")


def test_the_dark_theme_is_remembered_and_the_graph_charts_and_share_page_are_readable_in_it(server, page):
    from app import sharing
    from app.tracing import export, synthetic
    from storage import open_database

    ARTIFACTS.mkdir(exist_ok=True)
    page.set_default_timeout(90_000)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url + "/")
    assert not page.evaluate("document.body.classList.contains('dark')")
    page.locator("#theme-switch").click()
    page.wait_for_function("document.body.classList.contains('dark')")
    page.goto(server.url + "/?tab=chat")  # a link without the theme: the choice is remembered
    page.locator("#message textarea").wait_for()
    page.wait_for_function("document.body.classList.contains('dark')")

    # The agent graph: each node's label reads against the node's fill (LangGraph's own light fill under the dark
    # theme's light labels read 1.1:1).
    page.locator("#design-graph-panel").get_by_text("Its graph").click()
    page.locator("#design-graph svg .node").first.wait_for()
    colours = page.evaluate("""() => [...document.querySelectorAll('#design-graph svg .node')].map(n => {
        const shape = n.querySelector('rect, path, polygon, circle');
        const label = n.querySelector('.nodeLabel, span, p, text');
        return [getComputedStyle(shape).fill, getComputedStyle(label).color, getComputedStyle(label).fill]; })""")
    background = _page_background(page, "#design-graph")
    for fill, color, text_fill in colours:
        under = _luminance(page, fill)
        under = background if under is None else under
        text = _luminance(page, color if color and "rgb" in color else text_fill)
        assert _contrast(under, text) >= 3, f"a node's label {color} on {fill}"

    # The inspector's charts: no white panel of their own, their text light on the dark page.
    _ask(page, server.url + "/")
    page.get_by_role("tab", name="Inspector").click()
    page.locator("#timeline .main-svg").first.wait_for()
    page.locator("#inspect-summary").get_by_text("model calls").first.wait_for()
    panel = _luminance(page, page.evaluate("getComputedStyle(document.querySelector('#timeline .main-svg')).backgroundColor"))
    assert panel is None or panel < 0.2
    title = page.evaluate("getComputedStyle(document.querySelector('#timeline .main-svg .gtitle')).fill")
    assert _contrast(_luminance(page, title), _page_background(page, "#timeline .main-svg")) >= 4.5
    page.screenshot(path=str(ARTIFACTS / "inspector-dark-1280x720.png"))

    # A share page opened in this browser follows the same choice.
    db = open_database(server.db_url)
    shared = sharing.create(db, export.import_session(db, synthetic.session_document(12)))
    page.goto(server.url + shared["path"])
    page.locator("#timeline .main-svg").first.wait_for()
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    assert _luminance(page, page.evaluate("getComputedStyle(document.body).backgroundColor")) < 0.05
    assert _luminance(page, page.evaluate("getComputedStyle(document.body).color")) > 0.6

    page.goto(server.url + "/")
    page.locator("#theme-switch").click()  # and back to light, remembered as well
    page.wait_for_function("!document.body.classList.contains('dark')")
    page.goto(server.url + "/")
    page.locator("#message textarea").wait_for()
    page.wait_for_timeout(500)
    assert not page.evaluate("document.body.classList.contains('dark')")


def test_the_inspector_shows_a_picked_session_in_one_round_trip(server, page):
    """Six events, one after another, each a round trip and a redraw, made the tab take seconds to open."""
    page.set_default_timeout(90_000)
    _ask(page, server.url + "/")
    page.wait_for_timeout(1000)
    joined = []
    page.on("request", lambda r: joined.append(r.post_data or "") if "/queue/join" in r.url else None)
    page.get_by_role("tab", name="Inspector").click()
    page.locator("#inspect-summary").get_by_text("model calls").first.wait_for()
    page.locator("#agent-graph").get_by_text("Agent graph").first.wait_for()  # drawn just after the first screen
    page.wait_for_timeout(1500)
    # the tab's own event, the session's (summary, timeline, steps and every panel), what is below the fold
    assert len(joined) <= 3, joined


def test_the_model_menu_shows_a_model_installed_while_the_server_runs(tmp_path, page):
    from conftest import Server, clean_env, new_db_url

    weights = tmp_path / "class-model.gguf"
    server = Server(new_db_url(tmp_path), env=clean_env(PLAYGROUND_LOCAL_MODEL=str(weights)))
    try:
        page.set_default_timeout(90_000)
        page.goto(server.url + "/")
        page.locator("#model input").click()
        option = page.locator("#model").get_by_role("option").filter(has_text="local/class-model")
        assert "is not a file" in option.first.inner_text()
        weights.write_bytes(b"GGUF")  # installed (here: put in place) while the server runs
        page.reload()
        page.locator("#model input").click()
        option = page.locator("#model").get_by_role("option").filter(has_text="local/class-model")
        option.first.wait_for()
        assert "is not a file" not in option.first.inner_text()
    finally:
        server.stop()


def test_the_login_page_names_the_product_and_the_header_says_who_is_signed_in(tmp_path, page):
    from conftest import Server, new_db_url

    server = Server(new_db_url(tmp_path), "--auth", "teacher:correct-horse")
    try:
        page.set_default_timeout(90_000)
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(server.url + "/")
        page.get_by_text("Agent Playground").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "login-1280x720.png"))
        page.locator("input").first.fill("teacher")
        page.locator("input[type=password]").fill("correct-horse")
        page.keyboard.press("Enter")
        page.locator("#signed-in").get_by_text("teacher").wait_for()
        page.locator("#sign-out").click()
        page.locator("input[type=password]").wait_for()  # signed out: the login page again
        assert page.locator("#message textarea").count() == 0
    finally:
        server.stop()


def test_a_long_question_keeps_the_message_box_on_screen_and_no_label_covers_the_conversation(server, page):
    page.set_default_timeout(90_000)
    page.set_viewport_size({"width": 1280, "height": 720})
    _ask(page, server.url + "/")
    assert page.locator("#chat").get_by_text("Conversation", exact=True).count() == 0
    page.evaluate("document.querySelector('#question .prose p').textContent += ' and then some more words, so that "
                  "the question takes two lines or three on a projector, as a long one does'")
    page.wait_for_timeout(500)
    for selector in ("#question", "#option-0", "#message textarea", "#send"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, f"{selector} is off screen"
