"""Hybrid retrieval of answer sentences: dense (Chroma) + keyword (BM25) + generated questions
(when the store has any), fused and rescored.

The in-memory keyword index mirrors the store's active sentences. It is kept in step by the
store's generation token: when another process (the ingest CLI, another worker) writes, the
next question re-syncs only the reports whose version changed.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vectorstore.entities import ensure_entities
from vectorstore import ReportStore, SentenceRecord
from vectorstore.records import NOT_ANSWERS

from .filters import NO_FILTER, ReportFilter
from .answerability import (features, interaction, leans_back, prepare, probability, query_projection,
                            without_marker_check)
from .keyword import KeywordIndex
from .paraphrase import NearVocabulary
from .rwlock import ReadWriteLock
from .subject import names_a_year, of_asked_time, opening_setting
from .scoring import CAPTION_DEMOTION, CAPTION_THRESHOLD, CONTEXT_BONUS, RELEVANCE_WEIGHT, combine, rrf, weighted_overlap
from .text import terms
from .types import Candidate

NEAREST_POOL = 10  # candidates nearest_sentence reads for one of the time a question names


@dataclass
class DocInfo:
    version: str
    title: str
    date: str
    outlet: str
    source: str
    setting: str = ""  # the names in its opening (qa.subject.opening_setting)


def searchable(s: SentenceRecord) -> str:
    """A sentence's keyword text: a list item is found by its lead-in's words too."""
    return f"{s.context} {s.text}" if s.context else s.text


class SentenceTable:
    """Active sentences and report metadata, mirrored from the store for keyword search."""

    def __init__(self) -> None:
        self.sentences: dict[str, SentenceRecord] = {}
        self.by_doc: dict[str, list[str]] = {}
        self.docs: dict[str, DocInfo] = {}
        self.keywords = KeywordIndex()
        self.titles = KeywordIndex()
        self.unkeyed: set[str] = set()  # reports stored without filter keys (filtered by doc_id)
        self.questions = 0  # stored generated questions; 0: their query is skipped

    def matching(self, flt: ReportFilter) -> set[str]:
        """The reports a filter lets through (all of them when it is empty)."""
        return {d for d, info in self.docs.items() if flt.matches(d, info.date, info.outlet)}

    def where(self, flt: ReportFilter, allowed: set[str]) -> dict | None:
        """The Chroma filter for ``flt``: on the passages' own keys, plus the ids of matching reports
        stored before those keys existed (an unchanged report is not rewritten by a re-ingest)."""
        where = flt.where()
        legacy = sorted(self.unkeyed & allowed)
        if where is None or not legacy:
            return where
        return {"$or": [where, {"doc_id": {"$in": legacy}}]}

    def sync(self, store: ReportStore) -> None:
        current = {d.doc_id: d for d in store.list_documents()}
        self.unkeyed = store.without_filter_keys() & set(current)
        self.questions = store.question_count()
        gone = [d for d in self.docs if d not in current or current[d].version != self.docs[d].version]
        for doc_id in gone:
            for sid in self.by_doc.pop(doc_id, []):
                self.sentences.pop(sid, None)
            self.keywords.remove(doc_id)
            self.titles.remove(doc_id)
            self.docs.pop(doc_id)
        new = [d for d in current if d not in self.docs]
        loaded = store.sentences_of(new)
        grouped: dict[str, list[SentenceRecord]] = {}
        for s in loaded:
            if s.version == current[s.doc_id].version:
                grouped.setdefault(s.doc_id, []).append(s)
        # Reports stored before entities were (no "entities" key): tagged here, once per load.
        ensure_entities([s for rows in grouped.values() for s in rows])
        for doc_id in new:
            rec = current[doc_id]
            rows = sorted(grouped.get(doc_id, []), key=lambda s: s.index)
            opening = opening_setting(s.text for s in rows if s.kind not in NOT_ANSWERS)
            self.docs[doc_id] = DocInfo(rec.version, rec.title, rec.date, rec.outlet, rec.source, opening)
            self.by_doc[doc_id] = [s.sentence_id for s in rows]
            for s in rows:
                self.sentences[s.sentence_id] = s
            self.keywords.add(doc_id, [(s.sentence_id, searchable(s)) for s in rows])
            self.titles.add(doc_id, [(doc_id, f"{rec.title} {rec.outlet} {rec.date} {rec.author}")])

    def previous(self, s: SentenceRecord) -> str | None:
        ids = self.by_doc.get(s.doc_id, [])
        return ids[s.index - 1] if 0 < s.index <= len(ids) else None

    def neighbours(self, s: SentenceRecord) -> list[str]:
        ids = self.by_doc.get(s.doc_id, [])
        return [ids[i] for i in (s.index - 1, s.index + 1) if 0 <= i < len(ids)]


class HybridRetriever:
    """Finds and scores candidate answer sentences for a question."""

    def __init__(self, store: ReportStore, dense_k: int = 40, keyword_k: int = 40, reranker=None):
        self.store = store
        self.reranker = reranker  # optional second stage: qa.reader.Reader or qa.rerank.CrossEncoderReranker
        self.embedder = store.embedder
        self.dense_k = dense_k
        self.keyword_k = keyword_k
        self.table = SentenceTable()
        self.vocabulary = NearVocabulary(self.embedder.word_vectors)  # corpus terms, for paraphrases
        self._lock = threading.Lock()
        self._rw = ReadWriteLock()
        self._table_generation: str | None = None  # the store generation the mirror reflects

    def sync(self, generation: str | None = None) -> None:
        """Bring the keyword mirror up to date if the store changed (cheap when it did not).

        ``generation``: the store's token if the caller has just read it (saves a read, which
        is a network round trip against a Chroma server).
        """
        token = self.store.generation() if generation is None else generation
        if token != self._table_generation:
            with self._rw.write():  # readers never see the mirror half-updated
                if token != self._table_generation:
                    self.store.refresh()  # re-open the client so searches see the other writer's data
                    self.table.sync(self.store)
                    self.vocabulary.update(self.table.keywords.vocabulary())
                    self._table_generation = token

    def candidates(self, query: str, limit: int = 30, generation: str | None = None,
                   flt: ReportFilter = NO_FILTER, prefer: frozenset[str] = frozenset(),
                   rerank: bool = True) -> list[Candidate]:
        """The ranked candidates; ``prefer``: for a follow-up, the reports the conversation is about
        (its answer is most often in the report the last answer came from), whose sentences gain
        :data:`qa.scoring.CONTEXT_BONUS` in the ranking (not in answerability: refusing stays a
        matter of the sentence itself); ``rerank`` off: the first stage alone, without the reader."""
        self.sync(generation)
        with self._rw.read():
            return self._candidates(query, limit, flt, prefer, rerank)

    @staticmethod
    def in_own_words(candidates: list[Candidate], own: Sequence[Candidate], prefer: frozenset[str]) -> list[Candidate]:
        """A follow-up's candidates (searched with the subject it carries), each sentence of the
        report the conversation is about scored the better of that search and of ``own``, the
        search with the question's own words. The carried words pull towards the sentence the last
        answer quoted ("Who runs it? (restaurant Vientiane visit)"); the question alone finds what
        it newly asks ("A male manager and his deputy ..."), and only in that report, where "it" points."""
        mine = {c.sentence_id: c for c in own}
        for c in candidates:
            found = mine.get(c.sentence_id)
            if c.doc_id in prefer and found is not None and found.answerability > c.answerability:
                c.score += found.answerability - c.answerability
                c.answerability = found.answerability
            if found is not None and found.marked is not None:
                c.marked = max(c.marked or 0.0, found.marked)
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def nearest_sentence(self, text: str, asked: str = "") -> Candidate | None:
        """The best candidate for ``text`` (an earlier question with the answer it got): the sentence
        that answer came from, or the nearest one to it. The whole hybrid ranking, not the dense
        nearest alone: a short answer ("Moranbong Garden, near the riverfront") is found by its rare
        names. When the question ``asked`` names a year ("How many were still there in December
        2019?"), the best candidate of that time (said or dated so) among the first ten: reports of
        one storyline at other dates say much the same."""
        # the first stage alone: the reader judges answers to a question, not this text
        dated = names_a_year(asked)
        found = self.candidates(text, limit=NEAREST_POOL if dated else 1, rerank=False)
        if not found:
            return None
        return next((c for c in found if dated and of_asked_time(asked, c.text, c.date)), found[0])

    def matching(self, flt: ReportFilter, generation: str | None = None) -> set[str]:
        """The ids of the reports ``flt`` lets through, from the synced mirror."""
        self.sync(generation)
        with self._rw.read():
            return self.table.matching(flt)

    def _candidates(self, query: str, limit: int, flt: ReportFilter = NO_FILTER,
                    prefer: frozenset[str] = frozenset(), rerank: bool = True) -> list[Candidate]:
        table = self.table
        if not table.sentences:
            return []
        allowed = table.matching(flt) if flt.active else None
        if allowed is not None and not allowed:
            return []  # the filter leaves no report: nothing to search
        qvec = self.embedder.encode_query(query)
        where = table.where(flt, allowed) if allowed is not None else None
        dense_hits = self.store.query_sentences(qvec, self.dense_k, where=where)
        dense = {h.id: h.similarity for h in dense_hits if h.id in table.sentences}
        keyword = dict(table.keywords.search(query, self.keyword_k, groups=allowed))
        # A sentence can also be found through a question generated about it at ingest (worded as a
        # reader asks, not as the report says): one more ranked list, so it enters the pool; how it
        # is then scored does not depend on how it was found.
        asked: list[str] = []
        if table.questions:
            for h in self.store.query_questions(qvec, self.dense_k, where=where):
                sid = h.metadata.get("sentence_id")
                if sid in table.sentences and sid not in asked:  # active versions only
                    asked.append(sid)
        fused = rrf([list(dense), list(keyword), asked])
        # Headings and bare lead-ins are never an answer: they stay out of the pool (they still
        # count as neighbours, so a matching heading lifts the sentence under it).
        pool = [sid for sid in sorted(fused, key=fused.get, reverse=True)
                if table.sentences[sid].kind not in NOT_ANSWERS][: max(limit, 10)]
        # Vectors for keyword-only hits and for neighbours (context feature).
        want = set(pool)
        for sid in pool:
            want.update(table.neighbours(table.sentences[sid]))
        vectors = self.store.sentence_vectors([s for s in want])
        sims = {sid: float(np.dot(v, qvec)) for sid, v in vectors.items()}
        qterms = list(dict.fromkeys(terms(query)))
        idf = {t: table.keywords.idf(t) for t in qterms}
        unseen = table.keywords.idf("\x00never-indexed\x00")  # the IDF of a term no sentence has
        known = {t for t in qterms if idf[t] < unseen - 1e-9}
        qproj = query_projection(qvec)
        near = self.vocabulary.near([t for t in qterms if t not in known])
        info = prepare(query, qterms, idf, known, near)  # the question-only features, once
        top_kw = max(keyword.values(), default=0.0) or 1.0
        title_hits = dict(table.titles.search(query, 50))
        top_title = max(title_hits.values(), default=0.0) or 1.0
        out = []
        for sid in pool:
            s = table.sentences[sid]
            doc = table.docs[s.doc_id]
            prev = table.previous(s)
            prev_text = table.sentences[prev].text if prev else ""
            text_terms = set(terms(searchable(s))) | {t for t in terms(doc.title) if title_hits.get(s.doc_id, 0) / top_title > 0.5}
            if prev_text and leans_back(s.text):  # "They feel this way because...": its subject is said before
                text_terms |= set(terms(prev_text))
            neighbours = [sims.get(n, 0.0) for n in table.neighbours(s)]
            c = Candidate(
                sentence_id=sid, doc_id=s.doc_id, chunk_id=s.chunk_id, index=s.index, start=s.start, end=s.end,
                text=s.text, dense=sims.get(sid, dense.get(sid, 0.0)), keyword=keyword.get(sid, 0.0) / top_kw,
                overlap=weighted_overlap(qterms, text_terms, idf), context=max(neighbours, default=0.0),
                date=doc.date, title=doc.title, outlet=doc.outlet, entities=s.entities,
                kind=s.kind, heading=s.heading, lead_in=s.context, page=s.page, previous=prev_text, setting=doc.setting,
            )
            c.relevance = combine(c)
            # A report often names its place or plant once, in its opening: a name there is said
            # of every later sentence, as one in its title is ("BELOGORSK - ... the Sunhwa plant").
            x = features(
                query, qterms, idf, searchable(s), f"{doc.title} {doc.setting}", c.dense, c.context, c.overlap,
                " ".join(table.sentences[n].text for n in table.neighbours(s)), known=known,
                prev_text=prev_text, prev_dense=sims.get(prev, 0.0) if prev else 0.0,
                interaction=interaction(qproj, vectors[sid]) if sid in vectors else 0.0, info=info,
                entities=s.entities)
            c.answerability = probability(x)
            if info.kind == "reason":
                c.marked, c.answerability = c.answerability, probability(without_marker_check(x))
            c.score = c.answerability + RELEVANCE_WEIGHT * c.relevance + (CONTEXT_BONUS if s.doc_id in prefer else 0.0)
            if c.kind == "caption":  # a caption leads only when it clearly answers (see qa.scoring)
                c.score -= 1.0 if c.answerability < CAPTION_THRESHOLD else CAPTION_DEMOTION
            out.append(c)
        out.sort(key=lambda c: c.score, reverse=True)
        if self.reranker is not None and rerank:
            out = self.reranker.rerank(query, out)
        return out[:limit]
