"""The default answerer: quote the 1–3 report sentences that answer the question, each cited.

Grounded by construction: every sentence of the answer is a sentence of a report, followed by
the number of the passage it comes from. When the best sentence scores below the calibrated
threshold the answer says plainly that the reports don't contain it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vectorstore import ReportStore

from .citations import number_sources
from .scoring import ANSWER_MARGIN, REDUNDANT_SIMILARITY, REFUSAL_THRESHOLD
from .text import terms
from .types import Answer, Candidate, Citation

NOT_FOUND = "The reports don't say. None of the ingested reports contains an answer to this question."


def select_sentences(
    candidates: Sequence[Candidate],
    threshold: float = REFUSAL_THRESHOLD,
    margin: float = ANSWER_MARGIN,
    max_sentences: int = 3,
) -> list[Candidate]:
    """Pick the answer sentences: the best one, plus close runners-up that add something new."""
    if not candidates or candidates[0].score < threshold:
        return []
    best = candidates[0]
    chosen = [best]
    for c in candidates[1:]:
        if len(chosen) >= max_sentences:
            break
        if c.score < max(threshold, best.score - margin):
            break
        if any(_redundant(c, o) for o in chosen):
            continue
        chosen.append(c)
    return chosen


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.sentence_id == b.sentence_id:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= REDUNDANT_SIMILARITY


def order_for_reading(chosen: list[Candidate]) -> list[Candidate]:
    """Best sentence first; the rest grouped by report, in the report's own order."""
    if len(chosen) <= 1:
        return chosen
    first, rest = chosen[0], chosen[1:]
    same = sorted((c for c in rest if c.doc_id == first.doc_id), key=lambda c: c.index)
    other = sorted((c for c in rest if c.doc_id != first.doc_id), key=lambda c: (c.doc_id, c.index))
    return [first, *same, *other]


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, store: ReportStore, threshold: float | None = None, max_sentences: int = 3):
        self.store = store
        self.threshold = REFUSAL_THRESHOLD if threshold is None else threshold
        self.max_sentences = max_sentences

    def answer(self, question: str, candidates: Sequence[Candidate]) -> Answer:
        chosen = order_for_reading(select_sentences(candidates, self.threshold, max_sentences=self.max_sentences))
        if not chosen:
            return Answer(answer=NOT_FOUND, found=False, citations=[], closest=self.closest(candidates))
        citations = build_citations(self.store, chosen)
        number = {c.chunk_id: c.n for c in citations}
        answer = " ".join(f"{_as_sentence(c.text)} [{number[c.chunk_id]}]" for c in chosen)
        return Answer(answer=answer, found=True, citations=citations)

    def closest(self, candidates: Sequence[Candidate], k: int = 3) -> list[dict]:
        return [
            {"doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title, "text": c.text, "score": round(c.score, 4)}
            for c in candidates[:k]
        ]


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?\"”’)" else text + "."


def build_citations(store: ReportStore, chosen: Sequence[Candidate]) -> list[Citation]:
    """One citation per passage used, numbered in order of first use, with sentence highlights."""
    numbers = number_sources([c.chunk_id for c in chosen])
    passages = store.get_passages(list(numbers))
    docs = store.get_documents(list({c.doc_id for c in chosen}))
    citations: dict[str, Citation] = {}
    for c in chosen:
        p = passages[c.chunk_id]
        d = docs.get(c.doc_id)
        if c.chunk_id not in citations:
            citations[c.chunk_id] = Citation(
                n=numbers[c.chunk_id], doc_id=c.doc_id, chunk_id=c.chunk_id,
                title=d.title if d else c.title, date=d.date if d else c.date, source=d.source if d else "",
                outlet=d.outlet if d else c.outlet, text=p.text, start=p.start, end=p.end, score=round(float(c.score), 4),
            )
        cit = citations[c.chunk_id]
        cit.highlights.append({"start": c.start - p.start, "end": c.end - p.start})
        cit.score = max(cit.score, round(float(c.score), 4))
    return sorted(citations.values(), key=lambda c: c.n)
