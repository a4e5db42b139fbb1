"""The passage panel shows structure (issue 10.5): the section heading above the quote (or in bold in
it, once, when the quote holds it: issue 19), "p. N" for a PDF passage, a caption marked as one. Real Chromium against the real app (see test_page)."""
import pytest

from .test_page import ask, browser, context, open_chip_showing, page  # noqa: F401 (fixtures)
from .test_structure_e2e import server, structured_store  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_panel_shows_heading_and_pdf_page(server, page):  # noqa: F811
    page.goto(server.url + "/")
    answer = ask(page, "How many North Korean welders were counted at the Nakhodka shipyard?")
    open_chip_showing(page, answer, "Nakhodka")
    assert "p. 2" in page.locator("#passage-meta").inner_text()
    # The quoted passage holds its section heading as a line: the heading is shown there, in bold,
    # and not a second time above the quote (issue 19).
    assert not page.locator("#passage-heading").is_visible()
    assert page.locator("#passage-text").inner_text().count("Findings") == 1
    assert page.locator("#passage-text strong.quote-heading").inner_text() == "Findings"
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
    shown = [page.locator("#passage-heading").inner_text() if page.locator("#passage-heading").is_visible() else "",
             page.locator("#passage-text").inner_text()]
    assert "\n".join(shown).count("Getting there") == 1, shown
    assert not page.errors
