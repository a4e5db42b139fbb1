"""A follow-up after a topic change, asked in the page as a user would (real headless Chromium, the
real app over HTTP) over the reports of ``tests/fixtures/dialogue``: after welders in Vladivostok,
then welders in Kuwait, "Who collects their wages?" is answered from the Kuwait report, and the
history the page sends holds both exchanges."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import Ingestor
from settings import Settings
from vectorstore import ReportStore

from .conftest import LiveServer
from .test_page import _watch, ask, browser  # noqa: F401 - the module's browser fixture

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).parent / "fixtures" / "dialogue"


@pytest.fixture(scope="module")
def dialogue_server(tmp_path_factory, embedder):
    from server import create_app

    path = tmp_path_factory.mktemp("dialogue-page") / "store"
    assert not Ingestor(ReportStore(embedder, path=path)).ingest_paths([FIXTURE]).failed
    with LiveServer(create_app(Settings.from_env(store=path, reader=False))) as server:
        yield server


def test_a_followup_after_a_topic_change_is_answered_from_the_new_topic(dialogue_server, browser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    _watch(page)
    try:
        page.goto(dialogue_server.url + "/")
        ask(page, "How much are welders in Vladivostok paid?")
        ask(page, "How many North Korean welders are in Kuwait?")
        answer = ask(page, "Who collects their wages?")
        text = answer.locator(".body").inner_text()
        assert "Taesong" in text, text
        assert "clerk" not in text, "the Vladivostok welders' clerk is the older topic"
        _, body = page.asked[-1]
        assert [t["role"] for t in body["history"]] == ["user", "assistant", "user", "assistant"]
        assert page.errors == []
    finally:
        context.close()
