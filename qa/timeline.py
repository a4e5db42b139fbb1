"""What each report said about a number, dated: the data of ``POST /api/timeline``.

For a question about a count, an amount, a duration or a percentage, each matching report's own
answer — its best sentence that gives a value of that kind about the same thing as the anchor
answer most reports agree with (:mod:`qa.agreement`) — read and normalised by :mod:`qa.values` (the same reading the
dated-disagreement answers use), then sorted by report date. A report that gives no value is left out; a report with
no date is listed under ``undated`` (its value, not placed in time); fewer than two dated points is
``insufficient`` (there is no change over time to show).
"""
from __future__ import annotations

from collections.abc import Sequence

from vectorstore.dates import UNDATED, report_range

from .agreement import report_answers
from .extractive import build_citations
from .filters import NO_FILTER, ReportFilter
from .subject import asked_kind
from .values import Value

POOL = 80  # candidates read per question: every report's best few, not only the overall top 30
STALE_RETRIES = 3


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
