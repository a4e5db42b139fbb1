"""The passage panel shows structure (issue 10.5): the section heading above the quote, "p. N" for a
PDF passage, a caption marked as one. Real Chromium against the real app (see test_page)."""
import pytest

from .test_page import ask, browser, context, open_chip_showing, page  # noqa: F401 (fixtures)
from .test_structure_e2e import server, structured_store  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_panel_shows_heading_and_pdf_page(server, page):  # noqa: F811
    page.goto(server.url + "/")
    answer = ask(page, "How many North Korean welders were counted at the Nakhodka shipyard?")
    open_chip_showing(page, answer, "Nakhodka")
    assert "p. 2" in page.locator("#passage-meta").inner_text()
    heading = page.locator("#passage-heading")
    assert heading.is_visible() and heading.inner_text() == "Findings"
    # The passage opens with its heading: shown once, above the quote, not again inside it (issue 19).
    quote = page.locator("#passage-text").inner_text()
    assert "Findings" not in quote and quote.strip().startswith("Inspectors counted 140")
    assert not page.errors


def test_panel_marks_a_caption_and_hides_an_empty_heading(server, page):  # noqa: F811
    page.goto(server.url + "/")
    answer = ask(page, "Who built the sawmill near Tynda?")
    open_chip_showing(page, answer, "sawmill")
    mark = page.locator("#passage-text mark.caption")
    assert mark.count() == 1 and "Chinese firm" in mark.inner_text() and mark.get_attribute("title") == "Caption"
    assert "p. " not in page.locator("#passage-meta").inner_text(), "no page outside PDFs"
    page.click("#close-passage")
    answer = ask(page, "How far is the camp from the nearest town?")
    open_chip_showing(page, answer, "dirt road")
    assert page.locator("#passage-heading").inner_text() == "Getting there"
    assert not page.errors
