"""Why-questions: a reason ranks by what the sentence says, not by whether it marks the reason
("because", "citing"); the mark still decides whether the reports answer at all. On a report of the
tests' own (``tests/fixtures/why``) and invented candidates."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import Ingestor
from qa.answerability import FEATURES, without_marker_check
from qa.extractive import reason_given
from qa.types import Candidate
from settings import Settings
from vectorstore import ReportStore

FIXTURE = Path(__file__).parent / "fixtures" / "why"


def cand(text: str, answerability: float, marked: float | None) -> Candidate:
    return Candidate(sentence_id=text, doc_id="d", chunk_id="d", index=0, start=0, end=len(text), text=text,
                     answerability=answerability, marked=marked)


def test_the_feature_vector_without_the_marker_check_reads_as_a_given_reason():
    x = [0.0] * len(FEATURES)
    x[FEATURES.index("dense")], x[FEATURES.index("typed")] = 0.6, 1.0
    x[FEATURES.index("type_miss")] = 1.0  # a why-question, a sentence with no "because"
    out = without_marker_check(x)
    assert out[FEATURES.index("type_match")] == 1.0 and out[FEATURES.index("type_miss")] == 0.0
    assert out[FEATURES.index("dense_x_match")] == pytest.approx(0.6)
    untyped = [0.0] * len(FEATURES)
    assert without_marker_check(untyped) == untyped, "a question asking for no type is left alone"


def test_a_why_question_is_refused_only_when_no_marked_reason_reaches_the_bar():
    plain = cand("The owner said he could not find local workers for the night shifts.", 0.95, 0.2)
    marked = cand("Because of a dispute over overtime, inspectors visited the mill.", 0.6, 0.8)
    assert reason_given([plain, marked], 0.69) == [plain, marked], "the order stands"
    assert reason_given([plain], 0.69) == []
    other = cand("About 60 women work at the mill.", 0.9, None)  # not asked why
    assert reason_given([other], 0.69) == [other]


@pytest.fixture(scope="module")
def why_service(tmp_path_factory, embedder):
    from qa import build_service

    path = tmp_path_factory.mktemp("why") / "store"
    assert not Ingestor(ReportStore(embedder, path=path)).ingest_paths([FIXTURE]).failed
    return build_service(Settings.from_env(store=path, reader=False), ReportStore(embedder, path=path))


def test_a_reason_given_as_a_plain_statement_leads(why_service):
    best = why_service.retriever.candidates("Why does Rainer Albrecht say the mill takes on North Korean workers?", 5)[0]
    assert "could not find local workers" in best.text and best.marked is not None
    assert best.answerability > best.marked, "ranked without the marker check, which it fails"


def test_a_why_question_with_a_marked_reason_is_answered_with_it(why_service):
    answer = why_service.ask("Why did the labour office inspect Lindenau Textiles?")
    assert answer.found and "dispute over overtime" in answer.answer, answer.answer


def test_a_why_follow_up_is_answered_without_a_marked_reason(why_service):
    """Only a first question needs a marked reason: a follow-up asks on within the report the
    conversation is in (what that costs and saves: docs/evaluation.md, fourteenth round)."""
    question = "Why did the labour office inspect Lindenau Textiles?"
    candidates = why_service.retriever.candidates(question, 10)
    for c in candidates:
        c.marked = 0.1  # no sentence marks a reason
    assert not why_service.extractive.answer(question, candidates).found
    assert why_service.extractive.answer(question, candidates, followup=True).found
