"""What each report said about a number, dated: the data of ``POST /api/timeline``.

For a question about a count, an amount, a duration or a percentage, each matching report's own
answer — its best sentence that gives a value of that kind about the same thing as the anchor
answer most reports agree with — read and normalised by :mod:`qa.values` (the same reading the
dated-disagreement answers use), then sorted by report date. A report that gives no value is left out; a report with
no date is listed under ``undated`` (its value, not placed in time); fewer than two dated points is
``insufficient`` (there is no change over time to show).
"""
from __future__ import annotations

from collections.abc import Sequence

from vectorstore.dates import UNDATED, report_range

from .extractive import build_citations
from .filters import NO_FILTER, ReportFilter
from .scoring import CONFLICT_THRESHOLD, REFUSAL_THRESHOLD
from .types import Candidate
from .subject import Said, asked_kind, candidates_same_subject, of_asked_time, value_for
from .values import Value

POOL = 80  # candidates read per question: every report's best few, not only the overall top 30
STALE_RETRIES = 3
ANCHORS = 3  # anchors tried per timeline (chosen on bench/val5: 0.50 -> 0.69 recall; 5 gave the same)


def report_answers(question: str, kind: str, candidates: Sequence[Candidate],
                   threshold: float = REFUSAL_THRESHOLD, support: float = CONFLICT_THRESHOLD
                   ) -> list[tuple[Candidate, Value]]:
    """One (sentence, value) per report, in candidate order.

    The anchor is a sentence that gives a value and would be answered on its own (``threshold``);
    other reports count when their best valued sentence reaches ``support`` and is about the same
    thing as the anchor (the same rule as a dated disagreement), in the same unit. Of the first
    :data:`ANCHORS` such sentences, the one the most reports agree with anchors the timeline: the
    best-ranked may be about a neighbour of the asked subject ("A second restaurant in the town
    has a staff of eight"), and then no other report is about the same thing.
    """
    valued = [(c, got) for c in candidates if (got := value_for(question, kind, c.text)) is not None]
    anchors = [(c, got) for c, got in valued if c.answerability >= threshold][:ANCHORS]
    found = [_agreeing(question, anchor, valued, threshold, support) for anchor in anchors]
    return max(found, key=len, default=[])  # the best-ranked anchor on a tie


def _agreeing(question: str, anchor: tuple[Candidate, Said], valued: Sequence[tuple[Candidate, Said]],
              threshold: float, support: float) -> list[tuple[Candidate, Value]]:
    """The anchor's (sentence, value) and, per other report, the first valued sentence about the same thing."""
    top, mine = anchor
    top_value = mine.value
    out = {top.doc_id: (top, top_value)}
    for c, theirs in valued:
        v = theirs.value
        if c.doc_id in out or c.answerability < support or v.unit != top_value.unit \
                or not of_asked_time(question, c.text, c.date):
            continue
        if candidates_same_subject(question, top, c, mine, theirs, threshold):
            out[c.doc_id] = (c, v)
    return list(out.values())


def _unit(kind: str, values: Sequence[Value]) -> str:
    if kind == "duration":
        return values[0].unit if values else "months"
    if kind == "percent":
        return "percent"
    return values[0].unit if values else ""


def build_timeline(service, question: str, flt: ReportFilter = NO_FILTER) -> dict:
    """The ``/api/timeline`` response for one question (``service``: a :class:`qa.QAService`)."""
    kind = asked_kind(question)  # "How has the payment to officials changed?" asks about an amount
    if not kind:
        return {"question": question, "kind": "", "unit": "", "points": [], "undated": [], "insufficient": True}
    for attempt in range(STALE_RETRIES + 1):
        generation = service.store.generation()
        candidates = service.retriever.candidates(question, limit=POOL, generation=generation, flt=flt)
        found = sorted(report_answers(question, kind, candidates), key=lambda cv: (report_range(cv[0].date), cv[0].doc_id))
        try:
            points, undated = [], []
            for n, (c, v) in enumerate(found, start=1):
                citation = build_citations(service.store, [c])[0]
                citation.n = n
                point = {"date": c.date, "value": v.text, "normalized": v.normalized, "text": c.text,
                         "citation": citation.as_dict()}
                (points if report_range(c.date) != UNDATED else undated).append(point)
            break
        except KeyError:  # a report replaced while we read it: search again (see QAService.ask)
            if attempt == STALE_RETRIES:
                raise
    return {"question": question, "kind": kind, "unit": _unit(kind, [v for _, v in found]), "points": points,
            "undated": undated, "insufficient": len(points) < 2}
