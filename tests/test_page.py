"""The chat page in real headless Chromium (Debian's package, driven by Playwright) against the
real app over HTTP on a free port, answering from a real Chroma store with the real model.

One browser per module; each test gets a fresh browser context (empty localStorage).
Set REPORTQA_WRITE_SCREENSHOT=1 to also write docs/screenshot.png (committed for the docs).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ingest import Ingestor
from vectorstore import ReportStore

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Which countries are the laborers sent to?"
TIMEOUT = 30000  # ms; the first question in a server process loads the model

HOSTILE_REPORT = """Title: Tynda camp <script>alert(1)</script><img src=x onerror=alert(1)>
Date: 2024-03-05
Source: javascript:alert(1)
Outlet: Evil <b onmouseover=alert(1)>Outlet</b>

Laborers at the Tynda lumber camp in the Amur region were paid 300 dollars a month <script>alert(1)</script> by the camp company.

The foreman of the Tynda lumber camp kept the workers' passports in a safe <img src=x onerror=alert(1)> and <a href="javascript:alert(1)" onclick="alert(1)">a link</a>.

Guards at the camp watched the dormitory every night, according to a former worker who later left Russia.
"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: run `apt-get install -y chromium` (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _watch(page) -> None:
    errors: list[str] = []
    asked: list[tuple[str, dict]] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))

    def on_request(req):
        if req.method == "POST" and "/api/ask" in req.url:
            asked.append((req.url.split("/api/", 1)[1], json.loads(req.post_data or "{}")))

    page.on("request", on_request)
    page.errors = errors
    page.asked = asked


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 820})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    _watch(page)
    return page


def has_stream_route(server) -> bool:
    return any(r.rule == "/api/ask/stream" for r in server.app.url_map.iter_rules())


def ask(page, question: str):
    """Type a question, press Enter, wait until the answer is complete; return its <li>."""
    before = page.locator(".msg.assistant").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    answer = page.locator(".msg.assistant").nth(before)
    answer.wait_for(timeout=TIMEOUT)
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('.msg.assistant')[n];"
        " return a && a.getAttribute('aria-busy') === 'false'; }", arg=before, timeout=TIMEOUT)
    return answer


def open_chip_showing(page, answer, needle: str) -> None:
    chips = answer.locator(".chip")
    assert chips.count() >= 1, f"the answer has clickable citation chips: {answer.inner_text()!r}"
    for i in range(chips.count()):
        if page.locator("#passage").is_visible():
            page.click("#close-passage")  # on a phone the panel is a sheet over the chat
        chips.nth(i).click()
        if needle in page.locator("#passage-text").inner_text():
            return
    raise AssertionError(f"no chip opens a passage holding {needle!r}")


def test_ask_streams_answer_and_chip_opens_highlighted_passage(live_server, page, tmp_path):
    page.goto(live_server.url + "/")
    assert page.locator("#empty").is_visible() and page.locator(".starter").count() >= 1
    answer = ask(page, QUESTION)
    assert "Qatar" in answer.locator(".body").inner_text()
    if has_stream_route(live_server):
        assert [u for u, _ in page.asked] == ["ask/stream"], "the page streams when the endpoint exists"
    else:
        assert [u for u, _ in page.asked] == ["ask/stream", "ask"], "falls back to /api/ask without a stream route"
    open_chip_showing(page, answer, "Qatar")
    assert page.locator("#passage").is_visible()
    assert "North Korea is currently recruiting laborers" in page.locator("#passage-title").inner_text()
    meta = page.locator("#passage-meta").inner_text()
    assert "2021-04" in meta and "Daily NK" in meta
    assert page.locator("#passage-link").get_attribute("href").startswith("https://www.dailynk.com/")
    assert "Qatar" in page.locator("#passage-text mark").first.inner_text(), "the cited sentence is highlighted"
    assert page.evaluate("document.activeElement.id") == "passage-title", "focus moves to the panel"
    page.keyboard.press("Escape")
    assert not page.locator("#passage").is_visible()
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    assert page.errors == []


def test_conversation_survives_reload_followup_sends_history_new_chat_clears(live_server, page):
    page.goto(live_server.url + "/")
    # Shift+Enter is a newline, not a send.
    page.fill("#question", "first line")
    page.press("#question", "Shift+Enter")
    assert page.input_value("#question") == "first line\n" and page.locator(".msg").count() == 0
    ask(page, QUESTION)
    page.reload()
    assert page.locator(".msg.user").first.inner_text().strip().endswith(QUESTION)
    assert "Qatar" in page.locator(".msg.assistant .body").first.inner_text()
    assert page.locator(".msg.assistant .chip").count() >= 1, "chips come back after a reload"
    assert not page.locator("#empty").is_visible()
    ask(page, "Who recruits them?")
    _, body = page.asked[-1]
    assert body["question"] == "Who recruits them?"
    assert [t["role"] for t in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == QUESTION and "Qatar" in body["history"][1]["content"]
    page.click("#new-chat")
    assert page.locator(".msg").count() == 0 and page.locator("#empty").is_visible()
    page.reload()
    assert page.locator(".msg").count() == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('reportqa.chat.v1'))") == []
    assert page.errors == []


def test_not_found_state_and_copy_answer(live_server, context, page):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/")
    answer = ask(page, "What is the best recipe for apple pie with cinnamon?")
    assert "notfound" in answer.get_attribute("class")
    assert answer.locator(".badge").is_visible() and "don't say" in answer.locator(".badge").inner_text()
    assert answer.locator(".chip").count() == 0
    answer.locator(".copy").click()
    page.wait_for_function("() => document.querySelector('.msg.assistant .copy').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied and copied == answer.locator(".body").inner_text()
    assert page.errors == []


def test_hostile_report_is_shown_as_text(make_live_server, store_copy, embedder, page, tmp_path):
    report = tmp_path / "hostile.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    summary = Ingestor(ReportStore(embedder, path=store_copy)).ingest_paths([report])
    assert not summary.failed and len(summary.added) == 1
    server = make_live_server()
    page.goto(server.url + "/")
    answer = ask(page, "How much were laborers at the Tynda lumber camp paid?")
    open_chip_showing(page, answer, "Tynda lumber camp")
    assert "<script>alert(1)</script>" in answer.locator(".body").inner_text() or \
        "<script>alert(1)</script>" in page.locator("#passage-text mark").first.inner_text()
    passage = page.locator("#passage-text").inner_text()
    assert "<img src=x onerror=alert(1)>" in passage, "markup in a report is shown as text"
    assert '<a href="javascript:alert(1)" onclick="alert(1)">a link</a>' in passage
    assert "<script>alert(1)</script>" in page.locator("#passage-title").inner_text()
    assert "<b onmouseover=alert(1)>" in page.locator("#passage-meta").inner_text()
    assert not page.locator("#passage-link").is_visible(), "a javascript: source never becomes a link"
    assert "javascript:alert(1)" in page.locator("#passage-source").inner_text()
    page.click("#toggle-docs")
    page.locator(".doc").nth(1).wait_for(timeout=TIMEOUT)
    assert page.locator(".doc-title", has_text="<script>alert(1)</script>").count() == 1
    page.wait_for_timeout(300)  # give any injected handler (onerror fires on load) the chance to run
    created = page.evaluate("""() => ({
        img: document.querySelectorAll('img').length,
        script: document.querySelectorAll('script').length,
        b: document.querySelectorAll('b').length,
        handlers: [...document.querySelectorAll('*')].filter(e =>
            [...e.attributes].some(a => a.name.startsWith('on'))).length,
        jsLinks: [...document.querySelectorAll('a[href]')].filter(a =>
            !/^(https?:|#)/i.test(a.getAttribute('href'))).length,
    })""")
    assert created == {"img": 0, "script": 1, "b": 0, "handlers": 0, "jsLinks": 0}, created  # script: app.js only
    assert page.errors == [], "no dialog fired, no script error"


def test_uncertain_answers_are_marked(live_server, page):
    """Answers below confidence 0.8 (right less than half the time on fresh questions) carry a
    visible "Uncertain" mark; confident ones and refusals do not. The uncertain question is
    found through the API among the QA set's, not written here."""
    import requests

    from bench.eval import load_set

    unsure = None
    for row in load_set("sample"):
        data = requests.post(live_server.url + "/api/ask", json={"question": row["question"]}, timeout=30).json()
        if data["found"] and data["confidence"] < 0.8:
            unsure = row["question"]
            break
    assert unsure, "no sample question is answered with confidence below 0.8"
    page.goto(live_server.url + "/")
    answer = ask(page, unsure)  # first, so no history changes how it is searched
    assert answer.locator(".unsure").is_visible() and "Uncertain" in answer.locator(".unsure").inner_text()
    assert answer.locator(".chip").count() >= 1  # still cited
    page.reload()  # kept with the chat in localStorage
    page.locator(".msg.assistant").first.wait_for(timeout=TIMEOUT)
    assert page.locator(".msg.assistant").first.locator(".unsure").is_visible()
    page.click("#new-chat")
    sure = ask(page, QUESTION)
    assert sure.locator(".unsure").is_hidden()
    refused = ask(page, "What is the best recipe for apple pie with cinnamon?")
    assert refused.locator(".unsure").is_hidden()
    assert page.errors == []


def test_documents_panel_lists_reports(live_server, page):
    page.goto(live_server.url + "/")
    page.click("#toggle-docs")
    assert page.get_attribute("#toggle-docs", "aria-expanded") == "true"
    doc = page.locator(".doc").first
    doc.wait_for(timeout=TIMEOUT)
    assert page.locator(".doc").count() == 1
    assert "North Korea is currently recruiting laborers" in doc.locator(".doc-title").inner_text()
    meta = doc.locator(".meta").inner_text()
    assert "2021-04" in meta and "Daily NK" in meta and "passage" in meta
    assert doc.locator("a.doc-title").get_attribute("href").startswith("https://www.dailynk.com/")
    page.click("#close-docs")
    assert not page.locator("#documents").is_visible()
    assert page.errors == []


def test_configured_starters_and_phone_width(make_live_server, browser, tmp_path):
    server = make_live_server(starter_questions=f"{QUESTION}|How are workers paid?")
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, color_scheme="dark", is_mobile=True,
                              has_touch=True, device_scale_factor=2)
    try:
        page = ctx.new_page()
        _watch(page)
        page.goto(server.url + "/")
        assert page.locator(".starter").all_inner_texts() == [QUESTION, "How are workers paid?"]
        page.locator(".starter").first.click()
        page.wait_for_function("() => { const a = document.querySelector('.msg.assistant');"
                               " return a && a.getAttribute('aria-busy') === 'false'; }", timeout=TIMEOUT)
        answer = page.locator(".msg.assistant").first
        open_chip_showing(page, answer, "Qatar")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal overflow of {overflow}px at 375px"
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(18, 18, 21)", f"dark theme follows prefers-color-scheme (got {bg})"
        page.screenshot(path=str(tmp_path / "phone-dark.png"), full_page=False)
        assert page.errors == []
    finally:
        ctx.close()


def test_light_desktop_screenshot(live_server, page, tmp_path):
    """A screenshot of a real conversation with a passage open (docs/screenshot.png when asked)."""
    page.goto(live_server.url + "/")
    answer = ask(page, QUESTION)
    open_chip_showing(page, answer, "Qatar")
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(246, 246, 248)", f"light theme by default (got {bg})"
    page.screenshot(path=str(tmp_path / "chat-light.png"))
    if os.environ.get("REPORTQA_WRITE_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
    assert page.errors == []


def test_falls_back_to_plain_ask_and_shows_stream_errors(live_server, page):
    """An older server without the stream route (404) still answers; an `event: error` is shown as an error."""
    page.route("**/api/ask/stream", lambda route: route.fulfill(
        status=404, content_type="application/json", body='{"error": {"code": "not_found", "message": "no route"}}'))
    page.goto(live_server.url + "/")
    answer = ask(page, QUESTION)
    assert [u for u, _ in page.asked] == ["ask/stream", "ask"]
    assert "Qatar" in answer.locator(".body").inner_text() and answer.locator(".chip").count() >= 1
    page.unroute("**/api/ask/stream")
    page.route("**/api/ask/stream", lambda route: route.fulfill(
        status=200, content_type="text/event-stream",
        body='event: delta\ndata: {"text": "Partial <b>answer</b> "}\n\n'
             'event: error\ndata: {"error": {"code": "internal", "message": "the index <i>went</i> away"}}\n\n'))
    failed = ask(page, "Who recruits them?")
    assert "error" in failed.get_attribute("class")
    assert "the index <i>went</i> away" in failed.inner_text()
    assert page.locator(".msg b, .msg i").count() == 0
    assert [e for e in page.errors if "status of 404" not in e] == [], "only the simulated 404 is logged"
