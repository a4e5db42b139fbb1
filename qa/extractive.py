"""The default answerer: quote the 1–3 report sentences that answer the question, each cited.

Grounded by construction: every sentence of the answer is a sentence of a report, followed by
the number of the passage it comes from. When the best sentence scores below the calibrated
threshold the answer says plainly that the reports don't contain it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from vectorstore import ReportStore

from .citations import number_sources
from .answerability import leans_back
from .answertype import LEAD_TYPES, VALUE_TYPES, answer_value, find_list, question_type
from .scoring import (ANSWER_CHARS, ANSWER_MARGIN, CONFLICT_THRESHOLD, NEIGHBOUR_THRESHOLD, REDUNDANT_SIMILARITY, REFUSAL_THRESHOLD,
                      SAME_SUBJECT, SUPPORT_THRESHOLD, TYPED_THRESHOLD)
from .text import terms
from .typed import typed_lead
from .types import Answer, Candidate, Citation

NOT_FOUND = "The reports don't say. None of the ingested reports contains an answer to this question."


def select_sentences(
    candidates: Sequence[Candidate],
    threshold: float = REFUSAL_THRESHOLD,
    margin: float = ANSWER_MARGIN,
    max_sentences: int = 3,
    support: float = SUPPORT_THRESHOLD,
    question: str = "",
    neighbour: float = NEIGHBOUR_THRESHOLD,
    budget: int = ANSWER_CHARS,
) -> list[Candidate]:
    """Pick the answer sentences: the best one if it answers at all, plus close runners-up
    that also answer (by the answerability scorer) and add something new.

    A sentence of the best one's report is added only when the two read as one ("... do not want
    to return." + "The laborers feel this way because ...") and it covers question terms the
    answer lacks; when the best sentence leans back on its predecessor in the same passage, that
    predecessor is quoted too if it says what the question asks about (it is context, not a
    second answer, so it needs no answerability of its own). Last, while there is room, the best
    sentence's better-scoring neighbour in its passage when it reaches ``neighbour``: the answer
    often sits next to the sentence that matches the question's words best ("Who runs the
    hiring?" matches "The bureau is looking for women in their 20s"; the next sentence names the
    bureau). It adds no citation — the passage is cited already — only a few words to read.
    Every sentence after the best one must add question terms the answer lacks and fit in
    ``budget`` characters with the rest: an answer is read, so a close but redundant second voice
    costs more than it gives.
    """
    if not candidates or candidates[0].answerability < threshold:
        return []
    best = candidates[0]
    chosen = [best]
    qterms = set(terms(question))
    if leans_back(best.text):
        before = next((c for c in candidates if c.doc_id == best.doc_id and c.chunk_id == best.chunk_id
                       and c.index == best.index - 1), None)
        if before is not None and adds_coverage(before, chosen, qterms):
            chosen.append(before)
    for c in candidates[1:]:
        if len(chosen) >= max_sentences:
            break
        if c.score < best.score - margin:
            break
        if c.answerability < max(support, threshold) or any(_redundant(c, o) for o in chosen):
            continue
        if _length(chosen) + len(c.text) > budget or not adds_coverage(c, chosen, qterms):
            continue
        # Another sentence of the same report only when it reads as one with the best one;
        # other reports add a second voice.
        if c.doc_id == best.doc_id and not (reads_as_one(best, c) and adds_coverage(c, chosen, qterms)):
            continue
        chosen.append(c)
    if len(chosen) < max_sentences:
        have = {c.sentence_id for c in chosen}
        beside = [c for c in candidates if c.chunk_id == best.chunk_id and abs(c.index - best.index) == 1
                  and c.sentence_id not in have and c.answerability >= neighbour
                  and not any(_redundant(c, o) for o in chosen) and _length(chosen) + len(c.text) <= budget]
        if beside:
            chosen.append(max(beside, key=lambda c: c.answerability))
    return chosen


def _length(chosen: Sequence[Candidate]) -> int:
    return sum(len(c.text) + 5 for c in chosen)  # each sentence plus its " [n]"


def reads_as_one(a: Candidate, b: Candidate) -> bool:
    """Adjacent sentences of one passage where the later one leans back on the earlier ("Their passports...")."""
    if a.doc_id != b.doc_id or a.chunk_id != b.chunk_id or abs(a.index - b.index) != 1:
        return False
    return leans_back(max(a, b, key=lambda c: c.index).text)


def adds_coverage(c: Candidate, chosen: Sequence[Candidate], qterms: set[str]) -> bool:
    """Does ``c`` hold question terms the chosen sentences lack? (Always true for a question with
    no content terms of its own, "Why not?", whose subject came from the history.)"""
    if not qterms:
        return True
    have = set().union(*(terms(o.text) for o in chosen))
    return bool((qterms & set(terms(c.text))) - have)


def find_conflict(question: str, chosen: Sequence[Candidate], candidates: Sequence[Candidate],
                  support: float = CONFLICT_THRESHOLD) -> Candidate | None:
    """A sentence from another report that answers the same typed question with a different value."""
    kind = question_type(question)
    if kind not in VALUE_TYPES or not chosen:
        return None
    best = chosen[0]
    mine = answer_value(kind, best.text)
    if not mine or best.answerability < support:
        return None
    for c in candidates[1:]:
        if c.doc_id == best.doc_id or c.answerability < support:
            continue
        other = answer_value(kind, c.text)
        if other and other != mine and same_subject(best.text, c.text):
            return c
    return None


def same_subject(a: str, b: str, share: float = SAME_SUBJECT) -> bool:
    """Two sentences about the same thing: most content terms (numbers aside) shared."""
    ta = {t for t in terms(a) if not t[0].isdigit()}
    tb = {t for t in terms(b) if not t[0].isdigit()}
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= share


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.sentence_id == b.sentence_id:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= REDUNDANT_SIMILARITY


def order_for_reading(chosen: list[Candidate]) -> list[Candidate]:
    """The best sentence's report first, then the others; within a report, the report's own order
    (so "Most do not want to return. They feel this way because..." reads as written)."""
    if len(chosen) <= 1:
        return chosen
    first = chosen[0]
    same = sorted((c for c in chosen if c.doc_id == first.doc_id), key=lambda c: c.index)
    other = sorted((c for c in chosen if c.doc_id != first.doc_id), key=lambda c: (c.doc_id, c.index))
    return [*same, *other]


def typed_first(question: str, candidates: Sequence[Candidate], floor: float = 0.0) -> list[Candidate]:
    """Candidates for a question asking for a typed thing (a name, a figure, a date), led by the
    best one that holds it (:func:`qa.typed.typed_lead`); none at all — a refusal — when no
    candidate does, or the one that does scores below ``floor``. Other questions: unchanged."""
    typed, lead = typed_lead(question, candidates)
    if not typed:
        return list(candidates)
    if lead is None or candidates[lead].answerability < floor:
        return []
    return [candidates[lead], *candidates[:lead], *candidates[lead + 1:]]


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, store: ReportStore, threshold: float | None = None, max_sentences: int = 3,
                 typed_threshold: float | None = None):
        self.store = store
        self.threshold = REFUSAL_THRESHOLD if threshold is None else threshold
        self.typed_threshold = TYPED_THRESHOLD if typed_threshold is None else typed_threshold
        self.max_sentences = max_sentences

    def answer(self, question: str, candidates: Sequence[Candidate]) -> Answer:
        found = candidates
        candidates = typed_first(question, candidates, self.typed_threshold)
        chosen = select_sentences(candidates, self.threshold, max_sentences=self.max_sentences, question=question)
        confidence = candidates[0].answerability if candidates else 0.0
        if not chosen:  # the nearest passages of the search itself, also after a typed refusal
            return Answer(answer=NOT_FOUND, found=False, citations=[], closest=self.closest(found),
                          confidence=confidence)
        conflict = find_conflict(question, chosen, candidates)
        if conflict is not None:
            # Reports disagree: both, each with its outlet and date; newest first for "now" questions.
            pair = sorted([chosen[0], conflict], key=lambda c: c.date, reverse=wants_latest(question))
            citations = build_citations(self.store, pair)
            number = {c.chunk_id: c.n for c in citations}
            text = " ".join(f"{attributed(c)} [{number[c.chunk_id]}]" for c in pair)
            return Answer(answer=text, found=True, citations=citations, confidence=confidence)
        best = chosen[0]
        chosen = order_for_reading(chosen)
        citations = build_citations(self.store, chosen)
        number = {c.chunk_id: c.n for c in citations}
        parts = [f"{_as_sentence(c.text)} [{number[c.chunk_id]}]" for c in chosen]
        lead = direct_lead(question, best)
        if lead:
            parts.insert(0, f"{lead} [{number[best.chunk_id]}].")
        return Answer(answer=" ".join(parts), found=True, citations=citations, confidence=confidence)

    def answer_parts(self, parts: Sequence[tuple[str, Sequence[Candidate]]]) -> Answer:
        """One answer to a question asking for several facts: each part (its question and its own
        candidates) answered as a question of its own, at most two sentences each, joined in the
        order asked, each sentence cited. A part the reports do not answer is left out; when none
        is answered the answer is a refusal."""
        chosen: list[Candidate] = []
        confidences = []
        for question, candidates in parts:
            candidates = typed_first(question, candidates, self.typed_threshold)
            picked = select_sentences(candidates, self.threshold, max_sentences=2, question=question)
            if picked:
                confidences.append(picked[0].answerability)
            have = {c.sentence_id for c in chosen}
            chosen += [c for c in order_for_reading(picked) if c.sentence_id not in have]
        everything = [c for _, cands in parts for c in cands]
        if not chosen:
            return Answer(answer=NOT_FOUND, found=False, citations=[], closest=self.closest(everything),
                          confidence=max((c.answerability for c in everything), default=0.0))
        citations = build_citations(self.store, chosen)
        number = {c.chunk_id: c.n for c in citations}
        text = " ".join(f"{_as_sentence(c.text)} [{number[c.chunk_id]}]" for c in chosen)
        return Answer(answer=text, found=True, citations=citations, confidence=min(confidences))

    def closest(self, candidates: Sequence[Candidate], k: int = 3) -> list[dict]:
        return [
            {"doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title, "text": c.text, "score": round(c.score, 4)}
            for c in candidates[:k]
        ]


_LATEST = re.compile(r"\b(?:now|latest|currently|current|still|today|these days|most recent|newest)\b", re.I)


def wants_latest(question: str) -> bool:
    return bool(_LATEST.search(question))


def attributed(c: Candidate) -> str:
    """'According to <outlet> (<date>): <sentence>' for answers that set reports side by side."""
    text = _as_sentence(c.text)  # quoted verbatim, so the citation highlight matches it exactly
    source = c.outlet or c.title or "one report"
    return f"According to {source} ({c.date}): {text}" if c.date else f"According to {source}: {text}"


def direct_lead(question: str, best: Candidate) -> str | None:
    """A short direct answer before the quoted sentence: the listed items or the asked-for value."""
    kind = question_type(question)
    value = None
    if asks_for_named_list(question):
        value = find_list(best.text)
    if value is None and kind in LEAD_TYPES:
        value = answer_value(kind, best.text)
    if not value:
        return None
    return value[0].upper() + value[1:]


# Things with proper names: a list of capitalised items answers a question asking for them.
_NAMED_KINDS = re.compile(
    r"^\W*(?:(?:and|so|then)\s+)?(?:(?:in|to|from)\s+)?(?:where\b|(?:which|what)\s+(?:\w+\s+){0,2}"
    r"(?:countr(?:y|ies)|cit(?:y|ies)|towns?|places?|provinces?|regions?|destinations?|nations?|ports?|"
    r"areas?|companies|firms?|organi[sz]ations?|agencies)\b)", re.I)


def asks_for_named_list(question: str) -> bool:
    """A wh-question about places or organisations ("Which countries...", "Where..."), not a
    yes/no question or one about things without names ("What papers do they need?")."""
    return bool(_NAMED_KINDS.search(question))


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
