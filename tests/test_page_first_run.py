"""The page on a first run, in real headless Chromium against the real app on the sample corpus
(``data/reports/``): at 1280 px and 390 px, light and dark; the title never breaks inside a word;
API errors become sentences with a retry where retrying helps; a reversed date range is refused
before asking; quoted list items are a list with capitals, and the passage panel (a bottom sheet
on a phone) holds every item of the list, also when the list runs past the cited passage.

Screenshots go to tests/output/screenshots/ (their paths are printed with ``-s``).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import Ingestor
from vectorstore import ReportStore

from .test_page import CHROMIUM_ARGS, ROOT, TIMEOUT, _watch, ask, browser  # noqa: F401 - the module's browser fixture

pytestmark = pytest.mark.browser
SHOTS = ROOT / "tests" / "output" / "screenshots"
PAY = "How much are the workers paid?"
CONDITIONS = "What did a worker have to do to be sent abroad?"
CONDITION_ITEMS = ("be married", "have no relatives who have defected", "pass a medical check", "pay a bribe of 300 to 500 dollars")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

# A list long enough that the chunker cuts it across passages: the cited passage alone lacks items.
LONG_LIST = """Title: Who gets picked for the overseas crews
Date: 2019-05
Outlet: Synthetic test fixture

Candidates for overseas work are screened by the provincial labor office for months before any contract is signed, and the screening has become stricter every year since the defections of 2016, according to several people who went through it.

The conditions

A former foreman who recruited for a construction company in Russia said a worker had to meet four conditions to be chosen:

- be married, with a wife and children who stay behind in North Korea as a guarantee that the worker will come back at the end of the contract
- have no relatives who have defected to the South or been sent to a prison camp, checked against the records of the local security office
- be between 30 and 45 years old and in good health, confirmed by a medical examination at the provincial hospital
- pay a bribe of around 500 dollars to the screening officials, a sum most families borrow from money lenders at high interest

Workers who fail any one of these are dropped from the list, the foreman said.
"""
LONG_ITEMS = ("be married, with a wife", "have no relatives who have defected to the South",
              "be between 30 and 45 years old", "pay a bribe of around 500 dollars")


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def new_page(browser, viewport: dict, scheme: str = "light"):  # noqa: F811
    phone = viewport["width"] < 500
    ctx = browser.new_context(viewport=viewport, color_scheme=scheme, is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    _watch(page)
    return ctx, page


def open_page(page, server) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector(".outlet-chip", timeout=TIMEOUT)


def real_errors(page) -> list[str]:
    """Console errors the test did not cause on purpose (a refused or aborted request logs one)."""
    return [e for e in page.errors if "Failed to load resource" not in e]


def reply(status: int, body: dict, headers: dict | None = None):
    """A route handler that answers as the API would fail."""
    def handle(route, request=None):
        route.fulfill(status=status, content_type="application/json", headers=headers or {}, body=json.dumps(body))
    return handle


def words_on_one_line(page, selector: str) -> list[tuple[str, int]]:
    """Each word of an element's text with the number of lines it is laid out on."""
    return page.evaluate("""sel => {
        const node = document.querySelector(sel).firstChild, out = [];
        for (const m of node.data.matchAll(/\\S+/g)) {
            const r = document.createRange();
            r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
            out.push([m[0], r.getClientRects().length]);
        }
        return out;
    }""", selector)


@pytest.mark.parametrize("viewport,scheme", [(DESKTOP, "light"), (DESKTOP, "dark"), (PHONE, "light"), (PHONE, "dark")],
                         ids=["1280-light", "1280-dark", "390-light", "390-dark"])
def test_first_run_page_title_starters_and_a_disagreement(corpus_server, browser, viewport, scheme):  # noqa: F811
    ctx, page = new_page(browser, viewport, scheme)
    try:
        open_page(page, corpus_server)
        name = f"first-run-{viewport['width']}-{scheme}"
        words = [tuple(w) for w in words_on_one_line(page, ".top h1")]
        assert words == [("Report", 1), ("QA", 1)], f"the title breaks inside a word: {words}"
        assert page.evaluate("""() => { const r = document.createRange();
            r.selectNodeContents(document.querySelector('.top h1')); return r.getClientRects().length; }""") == 1
        for button in page.locator(".actions button").all():
            assert button.bounding_box()["height"] < 48, "each header button on one line"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal overflow of {overflow}px"
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == ("rgb(18, 18, 21)" if scheme == "dark" else "rgb(246, 246, 248)"), bg
        starters = page.locator(".starter").all_inner_texts()
        assert PAY in starters and len(starters) >= 3, starters
        shot(page, name + "-empty")

        page.locator(".starter", has_text=PAY).click()
        page.wait_for_function("() => { const a = document.querySelector('.msg.assistant');"
                               " return a && a.getAttribute('aria-busy') === 'false'; }", timeout=TIMEOUT)
        answer = page.locator(".msg.assistant").first
        assert answer.locator(".chip").count() >= 2 and "According to" in answer.locator(".body").inner_text()
        others = answer.locator(".others")
        assert others.is_visible() and others.inner_text().startswith("Other reports say"), "a dated disagreement"
        assert answer.locator(".timeline-tool").is_visible()
        shot(page, name + "-answer")
        answer.locator(".timeline-tool").click()
        page.wait_for_selector("#timeline .tl-point", timeout=TIMEOUT)
        assert page.locator("#timeline .tl-point").count() >= 2, "the figure is charted by report date"
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        shot(page, name + "-timeline")
        assert not real_errors(page), page.errors
    finally:
        ctx.close()


def test_api_errors_are_sentences_with_a_retry(corpus_server, browser):  # noqa: F811
    ctx, page = new_page(browser, DESKTOP)
    try:
        open_page(page, corpus_server)
        # The server cannot be reached: said so, with a retry that asks again and replaces the failure.
        page.route("**/api/ask/stream", lambda route: route.abort("connectionrefused"))
        failed = ask(page, "Which countries are the laborers sent to?")
        text = failed.inner_text()
        assert "error" in failed.get_attribute("class") and "Could not reach the server" in text
        assert "Failed to fetch" not in text and "Sorry, no answer" not in text
        retry = failed.locator(".retry")
        assert retry.is_visible()
        shot(page, "error-unreachable-1280-light")
        page.unroute("**/api/ask/stream")
        retry.click()
        page.wait_for_function("() => { const a = document.querySelectorAll('.msg.assistant');"
                               " return a.length === 1 && !a[0].classList.contains('error')"
                               " && a[0].getAttribute('aria-busy') === 'false'; }", timeout=TIMEOUT)
        assert page.locator(".msg.user").count() == 1, "the failed exchange is replaced, not repeated"
        assert "Qatar" in page.locator(".msg.assistant .body").inner_text() and page.locator(".msg.assistant .chip").count() >= 1

        cases = [
            (429, {"code": "rate_limited", "message": "60 per 1 minute"}, {"Retry-After": "7"},
             "Wait 7 seconds, then retry", True),
            (500, {"code": "internal_error", "message": "internal server error"}, {}, "The server hit an error", True),
            (503, {"code": "unavailable", "message": "starting"}, {}, "not available right now", True),
            (400, {"code": "invalid_request", "message": "filters: Value error, since (2025) is after until (2024)"}, {},
             "The date range is reversed", False),
            (413, {"code": "too_large", "message": "request body too large"}, {}, "too long", False),
            (401, {"code": "unauthorized", "message": "missing bearer token"}, {}, "access token", False),
        ]
        for status, error, headers, expected, retryable in cases:
            page.click("#new-chat")
            page.route("**/api/ask/stream", reply(status, {"error": error}, headers))
            answer = ask(page, "Who recruits the laborers?")
            shown = answer.inner_text()
            assert expected in shown, (status, shown)
            assert "Value error" not in shown and "Sorry, no answer" not in shown, shown
            assert answer.locator(".retry").is_visible() == retryable, (status, shown)
            page.unroute("**/api/ask/stream")
        # A stream that breaks after it began keeps the server's words as a detail, and can be retried.
        page.click("#new-chat")
        page.route("**/api/ask/stream", lambda route: route.fulfill(
            status=200, content_type="text/event-stream",
            body='event: delta\ndata: {"text": "Partial "}\n\nevent: error\ndata: {"error": {"code": "internal", "message": "the index went away"}}\n\n'))
        broken = ask(page, "Who recruits the laborers?")
        assert "The server failed while answering" in broken.inner_text() and "the index went away" in broken.inner_text()
        assert broken.locator(".retry").is_visible()
        page.unroute("**/api/ask/stream")
        # The timeline and the list of reports say it the same way.
        page.route("**/api/timeline", lambda route: route.abort("connectionrefused"))
        page.click("#toggle-timeline")
        page.fill("#timeline-question", PAY)
        page.press("#timeline-question", "Enter")
        page.wait_for_function("() => document.getElementById('timeline-status').textContent.startsWith('No timeline')",
                               timeout=TIMEOUT)
        status = page.locator("#timeline-status").inner_text()
        assert "Could not reach the server" in status and "try again" in status, status
        page.click("#close-timeline")
        page.route("**/api/documents", reply(503, {"error": {"code": "unavailable", "message": "starting"}}))
        page.click("#toggle-docs")
        page.wait_for_function("() => document.getElementById('documents-status').textContent.startsWith('Could not')",
                               timeout=TIMEOUT)
        assert "not available right now" in page.locator("#documents-status").inner_text()
        assert not real_errors(page), page.errors
    finally:
        ctx.close()


def test_a_reversed_date_range_is_refused_before_asking(corpus_server, browser):  # noqa: F811
    ctx, page = new_page(browser, PHONE, "dark")
    try:
        open_page(page, corpus_server)
        timeline_requests = []
        page.on("request", lambda r: "/api/timeline" in r.url and timeline_requests.append(r.url))
        page.fill("#filter-since", "2025")
        page.fill("#filter-until", "2024")
        status = page.locator("#filter-status").inner_text()
        assert "“From” (2025) is after “to” (2024)" in status and "Searching only" not in status, status
        assert page.get_attribute("#filter-since", "aria-invalid") == "true"
        assert page.locator("#swap-dates").is_visible()
        shot(page, "reversed-range-390-dark")
        page.fill("#question", "How many North Korean workers are in Russia?")
        page.press("#question", "Enter")
        assert page.asked == [] and page.locator(".msg").count() == 0, "nothing is asked"
        assert page.input_value("#question") == "How many North Korean workers are in Russia?", "the question is kept"
        assert page.evaluate("document.activeElement.id") == "filter-since"
        assert "Nothing was asked" in page.locator("#filter-status").inner_text()
        page.locator(".starter").first.click()
        assert page.asked == [], "a starter is refused the same way"
        page.click("#toggle-timeline")
        page.fill("#timeline-question", "How many North Korean workers are in Russia?")
        page.press("#timeline-question", "Enter")
        assert "is after" in page.locator("#timeline-status").inner_text() and timeline_requests == []
        page.click("#close-timeline")

        page.click("#swap-dates")
        assert page.input_value("#filter-since") == "2024" and page.input_value("#filter-until") == "2025"
        assert page.locator("#filter-status").inner_text() == "Searching only reports dated 2024 to 2025."
        assert not page.locator("#swap-dates").is_visible() and page.get_attribute("#filter-since", "aria-invalid") is None
        answer = ask(page, "How many North Korean workers are in Russia?")
        assert page.asked[-1][1]["filters"] == {"since": "2024", "until": "2025"}
        assert answer.locator(".chip").count() >= 1
        # Dates of different precision compare as the API does: June 2024 is not after 2024.
        page.fill("#filter-since", "2024-06")
        page.fill("#filter-until", "2024")
        assert "is after" not in page.locator("#filter-status").inner_text()
        assert not real_errors(page), page.errors
    finally:
        ctx.close()


def test_quoted_list_items_keep_capitals_and_the_sheet_holds_every_item(corpus_server, browser):  # noqa: F811
    ctx, page = new_page(browser, PHONE)
    try:
        open_page(page, corpus_server)
        answer = ask(page, CONDITIONS)
        items = answer.locator(".answer-list li")
        assert items.count() >= 2, answer.inner_text()
        texts = items.all_inner_texts()
        assert all(t[0].isupper() for t in texts), texts
        assert all(any(t.lower().startswith(i) for i in CONDITION_ITEMS) for t in texts), texts
        assert all(li.locator(".chip").count() == 1 for li in items.all()), "each item keeps its citation"
        assert answer.evaluate("a => a.dataset.plain").count("have no relatives") == 1, "Copy keeps the quote verbatim"
        shot(page, "list-answer-390-light")
        answer.locator(".whole-list").click()
        sheet = page.locator("#passage-text")
        assert page.locator("#passage").is_visible()
        for item in CONDITION_ITEMS:
            assert f"- {item}" in sheet.inner_text(), item
        last = sheet.locator("mark", has_text="pay a bribe")
        last.scroll_into_view_if_needed()
        assert last.is_visible(), "the last item can be reached in the bottom sheet"
        box, view = page.locator("#passage").bounding_box(), page.viewport_size
        assert box["y"] + box["height"] <= view["height"] + 1 and box["width"] <= view["width"] + 1
        shot(page, "list-sheet-390-light")
        assert not real_errors(page), page.errors
    finally:
        ctx.close()


def test_the_sheet_shows_the_rest_of_a_list_the_passage_cuts(make_live_server, make_store, browser, tmp_path):  # noqa: F811
    report = tmp_path / "long-list.txt"
    report.write_text(LONG_LIST, encoding="utf-8")
    store = make_store("long")
    assert not Ingestor(store).ingest_paths([report]).failed
    server = make_live_server(store=store.path)
    ctx, page = new_page(browser, PHONE, "dark")
    try:
        page.goto(server.url + "/")
        answer = ask(page, "What four conditions did the foreman say a worker had to meet to be chosen?")
        chip = answer.locator(".chip").first
        cited = page.evaluate("() => JSON.parse(localStorage.getItem('reportqa.chat.v1')).pop().citations[0].text")
        assert not all(i in cited for i in LONG_ITEMS), "the fixture's list must run past the cited passage"
        chip.click()
        page.wait_for_selector("#passage-text[data-whole='true']", timeout=TIMEOUT)
        sheet = page.locator("#passage-text").inner_text()
        for item in LONG_ITEMS:
            assert item in sheet, item
        assert page.locator("#passage-text .context").count() >= 1, "the text beyond the passage is shown as context"
        shot(page, "long-list-sheet-390-dark")
        assert not real_errors(page), page.errors
    finally:
        ctx.close()
