"""Builds the question-answering pipeline from settings (factory functions, chat-langchain style).

    question + history -> resolve follow-up -> hybrid retrieval -> answerer -> cited Answer
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence

from vectorstore.entities import nlp
from settings import Settings
from vectorstore import ReportStore, SentenceEmbedder, open_store

from .citations import MARK
from .compound import part_queries, split_question
from .extractive import ExtractiveAnswerer
from .filters import NO_FILTER, ReportFilter, refusal
from .followup import REFUSAL, has_own_verb, last_exchange, resolve_followup
from .followup_rank import load_followup_ranker
from .llm import StreamEnd, build_llm_answerer
from .reader import load_reader
from .rerank import load_reranker
from .retrieval import HybridRetriever
from .types import Answer, Candidate, StreamEvent, Turn
from .subject import asked_kind


def build_embedder(settings: Settings) -> SentenceEmbedder:
    return SentenceEmbedder(settings.embedding_path, threads=settings.torch_threads)


def build_store(settings: Settings, embedder: SentenceEmbedder | None = None) -> ReportStore:
    return open_store(embedder or build_embedder(settings), path=str(settings.store), url=settings.chroma_url,
                      prefix=settings.collection)


VALUE_POOL = 80  # candidates read for a question asking for a number (the timeline reads as many)
STALE_RETRIES = 3  # re-answers when the store changed mid-request (see QAService.ask)


class QAService:
    """The one entry point the API uses: ``ask(question, history) -> Answer``."""

    def __init__(self, settings: Settings, store: ReportStore):
        self.settings = settings
        self.store = store
        self.retriever = HybridRetriever(store, reranker=load_reranker(settings.reranker) or load_reader(settings.reader))
        # With the trained reader on, refusing is its call (reader.json says whether the typed
        # refusal rule still adds to it on validation).
        self.extractive = ExtractiveAnswerer(store, threshold=settings.min_score,
                                             max_sentences=settings.max_answer_sentences, max_citations=settings.top_k,
                                             typed_refusal=getattr(self.retriever.reranker, "typed_refusal", True))
        # Orders a follow-up's best candidates (REPORTQA_FOLLOWUP_RANK=off: the search's order).
        self.followup_ranker = load_followup_ranker() if settings.followup_rank else None
        # Set when REPORTQA_LLM_URL and REPORTQA_LLM_MODEL are; the extractive answer stays the fallback.
        self.llm = build_llm_answerer(settings, store)

    def ask(self, question: str, history: Sequence[Turn] = (), flt: ReportFilter = NO_FILTER) -> Answer:
        """Answer from the reports ``flt`` lets through (all by default)."""
        started = time.perf_counter()
        query = resolve_followup(question, history)
        for attempt in range(STALE_RETRIES + 1):
            # Another process may replace a report while we answer: its old passages vanish
            # (KeyError) or the mirror we searched is stale. The store bumps its generation
            # before deleting, so a changed generation says "answer again from the new version".
            generation = self.store.generation()
            try:
                parts = split_question(question) if self.llm is None else [question]
                if len(parts) > 1:  # two facts asked at once: each part searched and answered, then joined
                    queries = part_queries([resolve_followup(p, history) for p in parts])
                    answer = self.extractive.answer_parts(
                        [(q, self.retriever.candidates(q, generation=generation, flt=flt)) for q in queries])
                else:
                    # A question for a number reads a deeper pool: the other side of a dated
                    # disagreement is often another report's sentence ranked below 30. A follow-up
                    # asking in its own words is also scored on them (in_own_words).
                    anchor = self.last_anchor(question, query, history)
                    prefer = frozenset({anchor.doc_id}) if anchor else frozenset()
                    limit = VALUE_POOL if asked_kind(question) else 30
                    candidates = self.retriever.candidates(query, limit=limit, generation=generation, flt=flt,
                                                           prefer=prefer)
                    if query != question:
                        candidates = self._followup_order(question, history, candidates, anchor, limit, generation, flt)
                    answer = self.llm.answer(question, candidates, history) if self.llm else None
                    answer = self._complete(answer, question, candidates, followup=query != question)
                answer = self._filtered(answer, flt)
            except KeyError:  # rows gone since we searched: retrying re-syncs (the bump came first)
                if attempt == STALE_RETRIES:
                    raise
                continue
            if self.llm or attempt == STALE_RETRIES or self.store.generation() == generation:
                break
        answer.query = query
        answer.took_ms = (time.perf_counter() - started) * 1000
        return answer

    def last_anchor(self, question: str, query: str, history: Sequence[Turn]) -> Candidate | None:
        """The sentence the last exchange was about, when ``question`` continues it: the best
        candidate for the last question (as resolved) with its answer, or for the question alone
        when that answer was a refusal. A follow-up is most often answered in its report, and often
        by the sentence just after it (the follow-up ranker weighs where a candidate stands from it)."""
        last = last_exchange(history) if query != question else None
        if last is None:
            return None
        asked, answered = last
        said = MARK.sub(" ", answered)[:400] if answered and not answered.startswith(REFUSAL) else ""
        return self.retriever.nearest_sentence(f"{asked} {said}".strip(), asked=asked)

    def _followup_order(self, question: str, history: Sequence[Turn], candidates: list[Candidate],
                        anchor: Candidate | None, limit: int, generation: str, flt: ReportFilter) -> list[Candidate]:
        """A follow-up's candidates (searched with the subject it carries) weighed against the
        question's own words: a follow-up asking with a verb of its own is scored on them in the
        report it continues (``in_own_words``), then the follow-up ranker, when on, orders the
        best answering ones (:mod:`qa.followup_rank`)."""
        last = last_exchange(history)
        prefer = frozenset({anchor.doc_id}) if anchor else frozenset()
        rank = self.followup_ranker is not None and last is not None
        in_own_words = bool(prefer) and has_own_verb(question)
        if not (rank or in_own_words):
            return candidates
        own = self.retriever.candidates(question, limit, generation, flt, prefer)
        if in_own_words:
            candidates = self.retriever.in_own_words(candidates, own, prefer)
        if not rank:
            return candidates
        floor = self.extractive.refusal_threshold(followup=True)
        return self.followup_ranker.rerank(question, last, candidates, own, prefer, floor, anchor)

    def _complete(self, answer: Answer | None, question: str, candidates: list[Candidate],
                  followup: bool = False) -> Answer:
        """The extractive answer when the LLM gave none; nearest passages on an LLM refusal."""
        if answer is None:
            return self.extractive.answer(question, candidates, followup=followup)
        if not answer.found and not answer.closest:
            answer.closest = self.extractive.closest(candidates)
        return answer

    def _filtered(self, answer: Answer, flt: ReportFilter) -> Answer:
        """A refusal under a filter says so: the filter, not the whole corpus, had nothing."""
        if flt.active and not answer.found:
            answer.answer = refusal(flt, any_report=bool(self.retriever.matching(flt)))
        return answer

    def _complete_current(self, answer: Answer | None, question: str, query: str,
                          candidates: list[Candidate], flt: ReportFilter = NO_FILTER) -> Answer:
        """:meth:`_complete` for the streaming LLM path, where the model's reply took seconds: if
        another process replaced a report meanwhile, the extractive fallback finds its passages gone
        (KeyError) and is built again from a fresh search (nothing has been sent for it yet)."""
        for _ in range(STALE_RETRIES):
            try:
                return self._complete(answer, question, candidates)
            except KeyError:
                candidates = self.retriever.candidates(query, flt=flt)
        return self._complete(answer, question, candidates)  # the last try lets a KeyError out

    def stream(self, question: str, history: Sequence[Turn] = (), flt: ReportFilter = NO_FILTER) -> Iterator[StreamEvent]:
        """The answer as events: text deltas, then the citations, then ``done``.

        The extractive answer is produced sentence by sentence (each with its ``[n]``). The LLM
        answer streams as the model writes it, one checked sentence at a time: a sentence goes out
        only once its citations are known to be valid, so no bogus ``[n]`` ever reaches the client.
        """
        if self.llm is not None:
            yield from self._stream_llm(question, history, flt)
            return
        started = time.perf_counter()
        answer = self.ask(question, history, flt)
        yield from _deltas(answer.answer)
        yield StreamEvent("citations", answer.citations)
        yield StreamEvent("done", _done(answer, answer.query, started))

    def _stream_llm(self, question: str, history: Sequence[Turn], flt: ReportFilter = NO_FILTER) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        query = resolve_followup(question, history)
        candidates = self.retriever.candidates(query, flt=flt)
        end = StreamEnd(None)
        sent = 0
        for item in self.llm.stream(question, candidates, history):
            if isinstance(item, StreamEnd):
                end = item
                break
            yield StreamEvent("delta", item if sent == 0 else " " + item)
            sent += 1
        answer = self._complete_current(end.answer, question, query, candidates, flt)
        if sent == 0:
            answer = self._filtered(answer, flt)
        if end.answer is None or sent == 0:  # fallback or refusal: nothing was sent yet
            yield from _deltas(answer.answer)
        yield StreamEvent("citations", answer.citations)
        done = _done(answer, query, started)
        if end.truncated:
            done["truncated"] = True
        yield StreamEvent("done", done)

    def warm_up(self) -> None:
        self.store.embedder.warm_up()
        nlp()  # the entity model, so the first typed question does not wait for it to load
        self.retriever.sync()
        warning = self.encoder_warning()
        if warning:
            # Answers would compare vectors of two different models: say so once, loudly.
            logging.getLogger("reportqa").warning(warning)

    def encoder_warning(self) -> str | None:
        """One line when the store was embedded by another encoder than the one asking (see
        ``ReportStore.encoder_mismatch``); cached per store generation."""
        generation = self.store.generation()
        if getattr(self, "_encoder_checked", None) != generation:
            self._encoder_warning = self.store.encoder_mismatch()
            self._encoder_checked = generation
        return self._encoder_warning


def split_answer(text: str) -> list[str]:
    """Split an answer after each citation mark group: one piece per cited sentence."""
    pieces = [p.strip() for p in re.split(r"(?<=\])\s+(?=[^\[])", text) if p.strip()]
    return pieces or [text]


def _done(answer: Answer, query: str, started: float) -> dict:
    """The ``done`` event's payload: the answer's fields a client needs after the text."""
    return {"found": answer.found, "answerer": answer.answerer, "query": query,
            "confidence": answer.rounded_confidence, "others": answer.others, "took_ms": round((time.perf_counter() - started) * 1000, 2)}


def _deltas(text: str) -> Iterator[StreamEvent]:
    """A finished answer as delta events, one per cited sentence (spaces kept between them)."""
    pieces = split_answer(text)
    for i, piece in enumerate(pieces):
        yield StreamEvent("delta", piece if i == len(pieces) - 1 else piece + " ")


def build_service(settings: Settings | None = None, store: ReportStore | None = None) -> QAService:
    settings = settings or Settings.from_env()
    return QAService(settings, store or build_store(settings))
