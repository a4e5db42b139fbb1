"""Whole passages for a generative answerer: the top retrieved chunks, and citations built from them.

The LLM answerer reads passages (chunks), not single sentences, and its answer paraphrases them,
so its citations point at whole passages (``highlights`` empty) rather than at quoted sentences.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore import ReportStore

from .types import Candidate, Citation


@dataclass
class Passage:
    chunk_id: str
    doc_id: str
    title: str
    date: str
    outlet: str
    source: str
    text: str
    start: int
    end: int
    score: float
    heading: str = ""
    page: int | None = None


def top_chunks(candidates: Sequence[Candidate], k: int) -> list[Candidate]:
    """The best-scoring candidate of each chunk, in rank order, at most ``k`` chunks."""
    seen: dict[str, Candidate] = {}
    for c in sorted(candidates, key=lambda c: c.score, reverse=True):
        if c.chunk_id not in seen:
            seen[c.chunk_id] = c
            if len(seen) >= k:
                break
    return list(seen.values())


def load_passages(store: ReportStore, candidates: Sequence[Candidate], k: int = 5) -> list[Passage]:
    """The top ``k`` distinct passages holding the candidates, with their report's metadata."""
    best = top_chunks(candidates, k)
    if not best:
        return []
    records = store.get_passages([c.chunk_id for c in best])
    docs = store.get_documents(list({c.doc_id for c in best}))
    out = []
    for c in best:
        p = records.get(c.chunk_id)
        if p is None:  # removed by a concurrent re-ingest: skip rather than cite a ghost
            continue
        d = docs.get(c.doc_id)
        out.append(Passage(
            chunk_id=c.chunk_id, doc_id=c.doc_id, title=d.title if d else c.title, date=d.date if d else c.date,
            outlet=d.outlet if d else c.outlet, source=d.source if d else "", text=p.text, start=p.start, end=p.end,
            score=round(float(c.score), 4), heading=p.heading, page=p.page,
        ))
    return out


def passage_citations(passages: Sequence[Passage], order: Sequence[int]) -> list[Citation]:
    """Citations ``1..len(order)``; ``order[i]`` is the 1-based prompt number of citation ``i + 1``."""
    out = []
    for new, old in enumerate(order, start=1):
        p = passages[old - 1]
        out.append(Citation(n=new, doc_id=p.doc_id, chunk_id=p.chunk_id, title=p.title, date=p.date, source=p.source,
                            outlet=p.outlet, text=p.text, start=p.start, end=p.end, score=p.score, highlights=[],
                            heading=p.heading, page=p.page))
    return out
