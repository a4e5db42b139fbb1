"""Each answer and request limit in Settings changes what the real app does over HTTP.

``top_k`` caps the citations of an answer, ``max_question_chars`` the question's length and
``max_history`` the turns a request may carry (on /v1 the latest turns are kept instead).
"""
from __future__ import annotations

import re
import shutil

import pytest
import requests

from ingest import Ingestor
from qa.citations import cited_numbers
from vectorstore import ReportStore

from .conftest import FIXTURES

MONGOLIA = "How many North Koreans work in Mongolia?"  # two reports disagree: answered from both


def ask(server, question, history=(), path="/api/ask"):
    return requests.post(server.url + path, json={"question": question, "history": list(history)}, timeout=60)


def chat(server, messages):
    return requests.post(server.url + "/v1/chat/completions", timeout=60,
                         json={"model": "report-qa", "messages": messages})


@pytest.fixture(scope="module")
def mongolia_store(tmp_path_factory, embedder):
    """The two fixture reports that disagree about Mongolia, ingested into a fresh store."""
    folder = tmp_path_factory.mktemp("mongolia")
    for p in (FIXTURES / "corpus").glob("*mongolia*.txt"):
        shutil.copy(p, folder / p.name)
    store_dir = folder / "store"
    summary = Ingestor(ReportStore(embedder, path=store_dir)).ingest_paths([folder])
    assert not summary.failed and len(summary.added) == 2
    return store_dir


def test_top_k_caps_the_citations_of_an_answer(make_live_server, mongolia_store):
    both = ask(make_live_server(store=mongolia_store), MONGOLIA).json()
    assert both["found"] and len(both["citations"]) == 2

    capped = ask(make_live_server(store=mongolia_store, top_k=1), MONGOLIA).json()
    assert capped["found"] and len(capped["citations"]) == 1
    assert set(cited_numbers(capped["answer"])) == {1}  # every mark still maps to the one citation


def test_max_question_chars_is_the_longest_question(make_live_server):
    short = make_live_server(max_question_chars=40)
    r = ask(short, "x" * 41)
    assert r.status_code == 400 and "at most 40 characters" in r.json()["error"]["message"]
    assert ask(short, "Who recruits the laborers?").status_code == 200
    assert chat(short, [{"role": "user", "content": "x" * 41}]).status_code == 400
    assert 'maxlength="40"' in requests.get(short.url + "/", timeout=30).text

    assert ask(make_live_server(), "x" * 2500).status_code == 400  # the default, 2000
    assert ask(make_live_server(max_question_chars=3000), "x" * 2500).status_code == 200


def test_max_history_is_the_most_turns_a_request_carries(make_live_server):
    first = "Which countries are the laborers sent to?"
    turns = [{"role": "user", "content": first}, {"role": "assistant", "content": "China, Russia, Qatar, Iran."},
             {"role": "user", "content": "And who recruits them?"}]
    server = make_live_server(max_history=2)
    r = ask(server, "Why?", turns)
    assert r.status_code == 400 and "history" in r.json()["error"]["message"]
    assert ask(server, "Why?", turns[-2:]).status_code == 200
    assert re.search(r'data-max-history="2"', requests.get(server.url + "/", timeout=30).text)

    # /v1 clients resend the whole conversation: it is cut to the latest max_history turns, not refused.
    one = make_live_server(max_history=1)
    question = "Who recruits them?"
    via_v1 = chat(one, [{"role": "user", "content": first}, {"role": "assistant", "content": "China."},
                        {"role": "user", "content": question}])
    assert via_v1.status_code == 200
    trimmed = ask(one, question, [{"role": "assistant", "content": "China."}]).json()
    assert via_v1.json()["choices"][0]["message"]["content"] == trimmed["answer"]
    full = ask(make_live_server(), question, [{"role": "user", "content": first},
                                              {"role": "assistant", "content": "China."}]).json()
    assert full["query"] != question and trimmed["query"] == question  # the cut turn no longer resolves "them"
