"""The question-side index (ingest/questions.py): generated questions stored at ingest as extra
vectors pointing at their sentences, and used by retrieval as a third ranked list.

Real Chroma on disk, the real embedder, the real CLI; the model is tests/llm_stub.py.
"""
from __future__ import annotations

import json
import os
import re

import pytest

from ingest import Ingestor, QuestionGenerator
from ingest.questions import PROMPT_VERSION, clean_questions
from qa.filters import ReportFilter
from qa.retrieval import HybridRetriever
from settings import Settings
from tests.llm_stub import LLMStub

from .conftest import free_port, run_cli

LOGGERS = """Title: Timber crews in the taiga
Date: 2020-03
Outlet: Invented Test Weekly

Crews of about forty loggers are sent to camps near Tynda for three-year contracts.

The loggers say their wages are paid in roubles at the end of every month.

A logger's wages depend on how many cubic metres of timber his brigade cuts.

Loggers who fall short of the quota see their wages cut, a former logger said.

Of every hundred roubles the camp hands over, about twenty stay in the man's own pocket.

The loggers sleep in wooden barracks heated by iron stoves through the winter.

Supervisors from the state company keep the loggers' passports in a safe at the camp office.

Wages for the loggers were raised once, in 2018, after complaints from the Russian side.
"""
SEAMSTRESSES = """Title: Seamstresses in Dandong
Date: 2023-05
Outlet: Other Test Paper

The garment workers in Dandong sleep in a dormitory above the factory floor.

Each month the seamstresses hand the sealed envelope to their manager and get a small part back.
"""
TARGET_WORDS = ("hundred roubles", "sealed envelope")  # the sentences the stub asks the shared question about
QUESTION = "What share of their wages do the workers keep for themselves?"
ASKED = "What share of the wages do the workers get to keep for themselves?"  # a user's wording of it


def sentence_of(body: dict) -> str:
    return re.search(r"^SENTENCE: (.*)$", body["messages"][0]["content"], re.M).group(1)


def reply(body: dict) -> str:
    """Two questions per sentence: the shared pay question for the two target sentences, and
    questions made from the sentence's own first words for the others; in a code fence, as small
    models reply."""
    sentence = sentence_of(body)
    if any(w in sentence for w in TARGET_WORDS):
        questions = [QUESTION, "How much of the money stays with each worker?"]
    else:
        head = " ".join(sentence.split()[:5])
        questions = [f"What does the report say about {head}?", f"Is it true that {head}?"]
    return "```json\n" + json.dumps({"questions": questions}) + "\n```"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "loggers.txt").write_text(LOGGERS)
    (folder / "seamstresses.txt").write_text(SEAMSTRESSES)
    return folder


@pytest.fixture
def stub():
    with LLMStub() as server:
        server.state.reply_fn = reply
        yield server


def generator(url: str, **overrides) -> QuestionGenerator:
    return QuestionGenerator.from_settings(Settings(question_llm_url=url, question_llm_timeout=10, **overrides))


def doc_of(store, name: str) -> str:
    return next(d.doc_id for d in store.list_documents() if d.path.endswith(name))


def target_id(store, name: str, words: str) -> str:
    doc = store.get_document(doc_of(store, name), with_text=False)
    return next(s.sentence_id for s in store.sentences_of([doc.doc_id])
                if words in s.text and s.version == doc.version)


def pool(store, question: str, flt: ReportFilter = ReportFilter()) -> list[str]:
    """The candidate pool of a retriever that keeps few hits per list, so a small corpus has
    sentences outside it, as a large one does with the default limits."""
    retriever = HybridRetriever(store, dense_k=2, keyword_k=2)
    return [c.sentence_id for c in retriever.candidates(question, limit=10, flt=flt)]  # 10: the whole pool


def test_clean_questions_keeps_real_distinct_questions():
    sentence = "The loggers sleep in wooden barracks."
    got = clean_questions(["Where do the loggers sleep?", "where do the loggers sleep?", "No question mark",
                           "Why?", "The loggers sleep in wooden barracks?", {"question": "What heats the barracks?"},
                           "One too many?"], sentence, 2)
    assert got == ["Where do the loggers sleep?", "What heats the barracks?"]


def test_questions_stored_counted_and_found_where_the_wording_differs(make_store, corpus, stub):
    store = make_store()
    off = Ingestor(store).ingest_paths([corpus])
    assert off.questions is None and "questions" not in off.line() and not stub.requests
    # A store never given questions has no question collection: asking works as before.
    assert "reportqa_questions" not in [c.name for c in store.client.list_collections()]
    assert store.question_count() == 0
    target = target_id(store, "loggers.txt", "hundred roubles")
    assert target not in pool(store, ASKED)  # worded unlike the sentence: not found without the index

    # Turning the index on asks about the unchanged reports too; nothing is re-embedded.
    on = Ingestor(store, questions=generator(stub.url)).ingest_paths([corpus])
    answer_sentences = [s for s in store.sentences_of([doc_of(store, "loggers.txt"), doc_of(store, "seamstresses.txt")])
                        if len(s.text) >= 40 and s.kind not in ("heading", "lead_in")]
    assert len(stub.requests) == len(answer_sentences)
    assert all(not sentence_of(r).startswith("Timber crews") for r in stub.requests)  # not the title heading
    assert on.unchanged and on.passages == 0 and not on.failed
    assert on.questions == 2 * len(answer_sentences) == store.question_count()
    assert f"{on.questions} questions generated" in on.line() and on.as_dict()["questions"] == on.questions
    rows = store.questions_of([doc_of(store, "loggers.txt")])
    mine = [r for r in rows if r["sentence_id"] == target]
    assert {r["question"] for r in mine} == {QUESTION, "How much of the money stays with each worker?"}
    assert all(r["prompt_version"] == PROMPT_VERSION and r["doc_id"] == doc_of(store, "loggers.txt") for r in mine)
    assert target in pool(store, ASKED)  # through the generated question

    # Another run asks nothing: every report has its questions.
    again = Ingestor(store, questions=generator(stub.url)).ingest_paths([corpus])
    assert again.questions == 0 and len(stub.requests) == len(answer_sentences)


def test_reingest_replaces_and_removal_deletes_questions(make_store, corpus, stub):
    store = make_store()
    Ingestor(store, questions=generator(stub.url)).ingest_paths([corpus])
    doc = doc_of(store, "loggers.txt")
    old_version = store.get_document(doc, with_text=False).version
    before = store.questions_of([doc])
    assert before and {r["version"] for r in before} == {old_version}

    (corpus / "loggers.txt").write_text(LOGGERS + "\nThe camp doctor visits the barracks once every two weeks.\n")
    summary = Ingestor(store, questions=generator(stub.url)).ingest_paths([corpus])
    assert summary.updated == [doc]
    new_version = store.get_document(doc, with_text=False).version
    after = store.questions_of([doc])
    assert {r["version"] for r in after} == {new_version} != {old_version}
    assert len(after) == len(before) + 2 == summary.questions
    assert any("camp doctor" in r["question"] for r in after)

    assert Ingestor(store).delete(doc)
    assert store.questions_of([doc]) == []
    assert store.questions_of([doc_of(store, "seamstresses.txt")])  # the other report keeps its own


def test_filters_apply_to_question_hits(make_store, corpus, stub):
    store = make_store()
    Ingestor(store, questions=generator(stub.url)).ingest_paths([corpus])
    loggers = target_id(store, "loggers.txt", "hundred roubles")
    seamstresses = target_id(store, "seamstresses.txt", "sealed envelope")
    assert {loggers, seamstresses} <= set(pool(store, ASKED))

    other = ReportFilter.of(outlets=["Other Test Paper"])
    hits = store.query_questions(store.embedder.encode_query(ASKED), 10, where=other.where())
    assert hits and {h.metadata["doc_id"] for h in hits} == {doc_of(store, "seamstresses.txt")}
    got = pool(store, ASKED, other)
    assert seamstresses in got and loggers not in got
    got = pool(store, ASKED, ReportFilter.of(until="2021"))
    assert loggers in got and seamstresses not in got


def test_unreadable_replies_leave_the_report_stored_without_questions(make_store, corpus, stub):
    stub.state.reply_fn = lambda body: "Sure! Here are some questions about the sentence."
    summary = Ingestor(store := make_store(), questions=generator(stub.url)).ingest_paths([corpus])
    assert len(summary.added) == 2 and not summary.failed and summary.questions == 0
    assert any("no usable questions" in w for w in summary.warnings)
    assert store.question_count() == 0 and len(store.list_documents()) == 2


def _env(**extra: str) -> dict:
    """The CLI's environment without any question-index setting of the developer's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTQA_QUESTION")}
    return {**env, **extra}


def test_cli_counts_questions_and_survives_a_dead_endpoint(tmp_path, corpus, stub, embedder):
    from vectorstore import ReportStore

    on = run_cli("--store", str(tmp_path / "on"), "-q", str(corpus),
                 env=_env(REPORTQA_QUESTION_LLM_URL=stub.url, REPORTQA_QUESTIONS_PER_SENTENCE="1"))
    assert on.returncode == 0, on.stderr
    stored = ReportStore(embedder, path=tmp_path / "on").question_count()
    assert stored == len(stub.requests) > 0  # one question per sentence asked
    assert f"{stored} questions generated" in on.stderr  # -q: the summary goes to stderr

    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    down = run_cli("--store", str(tmp_path / "down"), str(corpus), env=_env(REPORTQA_QUESTION_LLM_URL=dead))
    assert down.returncode == 0, down.stderr
    assert "2 added" in down.stdout and "0 questions generated" in down.stdout
    warnings = [line for line in down.stderr.splitlines() if "no questions generated" in line]
    assert len(warnings) == 2 and all(line.startswith("warning: ") for line in warnings)
    assert "Traceback" not in down.stderr

    asked = len(stub.requests)
    off = run_cli("--store", str(tmp_path / "off"), str(corpus), env=_env())
    assert off.returncode == 0 and "2 added" in off.stdout and "questions" not in off.stdout
    assert len(stub.requests) == asked  # the setting off: the model is never called
