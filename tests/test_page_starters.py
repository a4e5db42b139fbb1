"""Starter questions on the empty chat: configured, or derived from the stored reports."""
from __future__ import annotations

import re
import urllib.request

from web.ui import FALLBACK_STARTERS, TOPIC_QUESTIONS, configured_starters, derive_starters


def test_configured_starters_are_split_and_trimmed():
    assert configured_starters(" A? | |B?|") == ["A?", "B?"]
    assert configured_starters(None) == [] and configured_starters("") == []


def test_derived_starters_follow_the_corpus():
    texts = ["Workers are paid 300 dollars a month.", "Their wages are taken; passports are kept by guards.",
             "The salary is paid in dollars."]
    got = derive_starters(["Pay at the camp"], texts, limit=4)
    assert got[0] == "How much are the workers paid?", "the subject most reports cover comes first"
    assert "What documents or visas do the workers travel with?" in got
    assert "What do the reports say about sanctions?" not in got, "no question about a subject nobody covers"
    assert len(got) <= 4


def test_unrelated_corpus_asks_about_titles_and_empty_corpus_is_generic():
    got = derive_starters(["Harvest festival in the village", "Rainfall in May"], ["apples and pears", "rain"])
    assert got == ["What does the report “Harvest festival in the village” say?",
                   "What does the report “Rainfall in May” say?"]
    assert derive_starters([], []) == FALLBACK_STARTERS
    long = derive_starters(["word " * 40], ["nothing"])[0]
    assert len(long) < 120 and long.endswith("…” say?")


def test_page_offers_starters_derived_from_the_sample_store(live_server):
    with urllib.request.urlopen(live_server.url + "/", timeout=60) as res:
        html = res.read().decode()
        csp = res.headers["Content-Security-Policy"]
    starters = re.findall(r'<button type="button" class="starter">([^<]+)</button>', html)
    known = {q for q, _ in TOPIC_QUESTIONS}
    assert 2 <= len(starters) <= 4 and set(starters) <= known
    assert "Which countries are the laborers sent to?" in starters
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and " style=" not in html, "no inline script or style on the page"
