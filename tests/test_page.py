"""The chat page in real headless Chromium (Debian's package, driven by Playwright)."""
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: run `apt-get install -y chromium` (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.errors = errors
    yield page
    context.close()


def test_ask_see_answer_click_chip_see_passage(live_server, page, tmp_path):
    page.goto(live_server.url + "/")
    page.fill("#question", "Which countries are the laborers sent to?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.assistant").last
    answer.locator(".chip").first.wait_for(timeout=20000)
    assert "Qatar" in answer.inner_text()
    chips = answer.locator(".chip")
    target = None
    for i in range(chips.count()):
        chips.nth(i).click()
        if "Qatar" in page.locator("#passage-text").inner_text():
            target = i
            break
    assert target is not None, "a chip opens the passage holding the answer"
    panel = page.locator("#passage")
    assert panel.is_visible()
    assert "North Korea is currently recruiting laborers" in page.locator("#passage-title").inner_text()
    meta = page.locator("#passage-meta").inner_text()
    assert "2021-04" in meta and "Daily NK" in meta
    assert page.locator("#passage-link").get_attribute("href").startswith("https://www.dailynk.com/")
    assert "Qatar" in page.locator("#passage-text mark").first.inner_text()
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    assert page.errors == []
