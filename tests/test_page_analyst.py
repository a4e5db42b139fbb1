"""The page's report filters, "Other reports say" and Timeline view, in real headless Chromium
against the real app over HTTP on the CLI-ingested analyst corpus (see ``analyst_store_dir``).

Set REPORTQA_WRITE_SCREENSHOT=1 to also write docs/timeline.png (committed for the docs).
"""
from __future__ import annotations

import os

import pytest

from .test_page import ROOT, TIMEOUT, _watch, ask, browser  # noqa: F401 - the module's browser fixture

pytestmark = pytest.mark.browser
MONGOLIA = "How many North Koreans work in Mongolia?"


@pytest.fixture
def context(browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    _watch(page)
    return page


def open_page(page, server):
    page.goto(server.url + "/")
    page.wait_for_selector(".outlet-chip", timeout=TIMEOUT)


def chip(page, outlet):
    return page.locator(f".outlet-chip[data-outlet='{outlet}']")


def cited_metas(page, answer) -> list[str]:
    """The passage panel's date · outlet line for every citation chip of an answer."""
    metas = []
    chips = answer.locator(".body .chip")
    for i in range(chips.count()):
        if page.locator("#passage").is_visible():
            page.click("#close-passage")
        chips.nth(i).click()
        metas.append(page.locator("#passage-meta").inner_text())
    return metas


def test_outlet_filter_limits_citations_and_survives_reload(analyst_server, page):
    open_page(page, analyst_server)
    outlets = page.locator(".outlet-chip").all_inner_texts()
    assert outlets == ["Daily NK", "Synthetic test fixture", "Synthetic wire fixture"], "chips come from /api/documents"
    chip(page, "Synthetic wire fixture").click()
    assert chip(page, "Synthetic wire fixture").get_attribute("aria-pressed") == "true"
    answer = ask(page, MONGOLIA)
    assert page.asked[-1][1]["filters"] == {"outlets": ["Synthetic wire fixture"]}
    assert "600 and 800" in answer.locator(".body").inner_text()
    metas = cited_metas(page, answer)
    assert metas and all(m.endswith("Synthetic wire fixture") for m in metas), metas
    page.reload()
    page.wait_for_selector(".outlet-chip", timeout=TIMEOUT)
    assert chip(page, "Synthetic wire fixture").get_attribute("aria-pressed") == "true", "kept across a reload"
    assert "Synthetic wire fixture" in page.locator("#filter-status").inner_text()
    assert not page.errors, page.errors


def test_date_filter_limits_citations(analyst_server, page):
    open_page(page, analyst_server)
    page.fill("#filter-since", "2024")
    answer = ask(page, MONGOLIA)
    assert page.asked[-1][1]["filters"] == {"since": "2024"}
    metas = cited_metas(page, answer)
    assert metas and all(m[:4] in ("2024", "2025") for m in metas), metas
    page.fill("#filter-since", "20x4")
    assert "Not a date" in page.locator("#filter-status").inner_text()
    ask(page, MONGOLIA)
    assert "filters" not in page.asked[-1][1], "an unreadable date is not sent"
    page.click("#clear-filters")
    assert page.locator("#filter-since").input_value() == ""
    assert not page.errors, page.errors


def test_disagreeing_reports_show_other_reports_say(analyst_server, page):
    open_page(page, analyst_server)
    chip(page, "Synthetic test fixture").click()
    answer = ask(page, MONGOLIA)
    others = answer.locator(".others")
    assert others.is_visible()
    text = others.inner_text()
    # Newest first: the 2024 report answers, the 2023 one is the other report.
    assert text.startswith("Other reports say") and "(2023-01-10): About 1,500" in text, text
    others.locator(".chip").click()
    assert "About 1,500" in page.locator("#passage-text mark").inner_text()
    assert not page.errors, page.errors


def test_timeline_points_open_their_passages(analyst_server, page):
    open_page(page, analyst_server)
    answer = ask(page, MONGOLIA)
    answer.locator(".timeline-tool").click()
    page.wait_for_selector("#timeline .tl-point", timeout=TIMEOUT)
    points = page.locator("#timeline .tl-point")
    assert points.count() == 3
    assert page.locator("#timeline .tl-range").count() == 1, "the 600-800 range is drawn as a range"
    assert page.locator("#timeline .tl-dot").count() == 2
    assert page.locator("#timeline .tl-span").count() >= 1, "the month-dated report spans its month"
    rows = page.locator("#timeline-table tbody tr")
    assert rows.count() == 3 and rows.nth(2).locator("td").nth(0).inner_text() == "2025-03"
    assert "3 reports give a figure" in page.locator("#timeline-status").inner_text()
    if os.environ.get("REPORTQA_WRITE_SCREENSHOT"):
        page.screenshot(path=str(ROOT / "docs" / "timeline.png"))
    points.nth(1).locator(".tl-dot, .tl-range").click()  # the marker a reader clicks
    assert page.locator("#passage").is_visible()
    assert "Only about 900 North Koreans" in page.locator("#passage-text mark").inner_text()
    assert "2024-06-20" in page.locator("#passage-meta").inner_text()
    page.click("#close-passage")
    assert page.locator("#timeline").is_visible(), "closing the passage goes back to the timeline"
    rows.nth(0).locator("button").click()
    assert "About 1,500" in page.locator("#passage-text mark").inner_text()
    page.click("#close-passage")
    points.nth(2).focus()  # the chart is keyboard-usable: each point is a link
    page.keyboard.press("Enter")
    assert "Between 600 and 800" in page.locator("#passage-text mark").inner_text()
    assert not page.errors, page.errors


def test_timeline_applies_the_filter(analyst_server, page):
    open_page(page, analyst_server)
    page.fill("#filter-since", "2024")
    page.click("#toggle-timeline")
    page.fill("#timeline-question", MONGOLIA)
    page.press("#timeline-question", "Enter")
    page.wait_for_selector("#timeline .tl-point", timeout=TIMEOUT)
    assert page.locator("#timeline .tl-point").count() == 2
    page.fill("#filter-since", "")
    chip(page, "Synthetic wire fixture").click()
    page.press("#timeline-question", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#timeline .tl-point').length === 1", timeout=TIMEOUT)
    assert "Only one report" in page.locator("#timeline-status").inner_text()
    assert not page.errors, page.errors
