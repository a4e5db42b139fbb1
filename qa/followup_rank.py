"""Which sentence answers a follow-up? A trained ordering of a follow-up's best candidates.

A follow-up ("How long are their contracts?" after "Where do the crews at Ras Haddar live?") is
searched with the subject it carries (:func:`qa.followup.resolve_followup`), so the sentence the
last answer quoted, or another one about the last exchange, often outranks the one that answers
what the question newly asks. Hand fixes for it each cost as much as they gained on validation
(docs/evaluation.md): ranking the last answer's sentences lower, scoring on the question's own
words only. This module weighs those signals instead — the carried search's scores, the question's
own-words search, how much of a sentence restates the last exchange — with a logistic model fitted
on the follow-up rows of the labelled sets (``bench/train_followup_rank.py``; weights, data and
figures in ``qa/followup_rank.json``).

It only picks which candidate leads: the refusal stays the answerer's (the pick is among the
candidates above the follow-up's refusal threshold, and only when the first one already answers),
and the sentences quoted beside it are still the answerer's choice.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from .citations import MARK
from .text import terms
from .typed import holds, parse_question
from .types import Candidate

WEIGHTS_FILE = Path(__file__).with_name("followup_rank.json")
TOP = 10  # candidates reordered: the model was fitted on the first ten of each follow-up

FEATURES = ("bias", "answerability", "relevance", "last_report", "own_answerability", "own_absent", "own_rank",
            "quoted_last", "last_answer_share", "last_question_cover", "own_question_cover", "rank", "score_gap",
            "holds_asked", "next_after_anchor", "second_after_anchor", "anchor", "before_anchor")

def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


class Exchange:
    """What the candidates are weighed against: the follow-up, the last question and its answer."""

    def __init__(self, question: str, last_question: str, last_answer: str):
        self.answer_text = _norm(MARK.sub(" ", last_answer))
        self.answer_terms = set(terms(last_answer))
        self.last_terms = set(terms(last_question))
        self.own_terms = set(terms(question))
        self.asked = parse_question(question)  # the question's own answer type ("How old is he?": an age)


def features(exchange: Exchange, c: Candidate, rank: int, top_score: float, prefer: frozenset[str],
             own: dict[str, tuple[int, Candidate]], own_size: int, anchor: Candidate | None = None) -> list[float]:
    """The feature vector (order of :data:`FEATURES`) of candidate ``c`` at ``rank`` of the
    follow-up's ranking; ``own``: the question's own-words search, sentence id -> (rank, candidate);
    ``anchor``: the sentence the last exchange was about (a follow-up is often answered by the one
    just after it: "Can they stay on longer?" after "The men sign on for 30 months." is answered
    by "Nobody extends.")."""
    said = set(terms(c.text))
    mine = own.get(c.sentence_id)
    step = c.index - anchor.index if anchor is not None and c.doc_id == anchor.doc_id else None
    return [
        1.0,
        c.answerability,
        c.relevance,
        float(c.doc_id in prefer),
        mine[1].answerability if mine else 0.0,
        0.0 if mine else 1.0,
        math.log1p(mine[0] if mine else own_size),
        float(bool(exchange.answer_text) and _norm(c.text)[:80] in exchange.answer_text),
        len(said & exchange.answer_terms) / max(1, len(said)),
        len(said & exchange.last_terms) / max(1, len(exchange.last_terms)),
        len(said & exchange.own_terms) / max(1, len(exchange.own_terms)),
        math.log1p(rank),
        c.score - top_score,
        float(bool(exchange.asked.kind) and holds(exchange.asked.kind, c.text, c.entities, exchange.asked.named)),
        float(step == 1),
        float(step == 2),
        float(step == 0),
        float(step is not None and step < 0),
    ]


def choices(question: str, last: tuple[str, str], candidates: Sequence[Candidate], own: Sequence[Candidate],
            prefer: frozenset[str], floor: float, anchor: Candidate | None = None) -> list[tuple[int, list[float]]]:
    """The candidates the ranker may put first, each as (index, feature vector): of the first
    :data:`TOP`, those that reach ``floor`` and are no caption; none when the first candidate does
    not reach it (refusing stays the answerer's). The training script labels these same ones."""
    if not candidates or candidates[0].answerability < floor:
        return []
    exchange = Exchange(question, *last)
    mine = {c.sentence_id: (i, c) for i, c in enumerate(own)}
    return [(i, features(exchange, c, i, candidates[0].score, prefer, mine, len(own), anchor))
            for i, c in enumerate(candidates[:TOP]) if c.answerability >= floor and c.kind != "caption"]


class FollowupRanker:
    """The fitted model (weights in the order of :data:`FEATURES`)."""

    def __init__(self, weights: Sequence[float]):
        if len(weights) != len(FEATURES):
            raise ValueError(f"{WEIGHTS_FILE}: {len(weights)} weights for {len(FEATURES)} features; re-train")
        self.weights = list(weights)

    def logit(self, x: Sequence[float]) -> float:
        return sum(w * v for w, v in zip(self.weights, x))

    def rerank(self, question: str, last: tuple[str, str], candidates: Sequence[Candidate],
               own: Sequence[Candidate], prefer: frozenset[str], floor: float,
               anchor: Candidate | None = None) -> list[Candidate]:
        """``candidates`` led by the model's pick among the first :data:`TOP` that reach ``floor``
        (the follow-up's refusal threshold), the others in the search's order; unchanged when the
        first candidate does not answer. ``anchor``: the sentence the last exchange was about."""
        out = list(candidates)
        options = choices(question, last, out, own, prefer, floor, anchor)
        if not options:
            return out
        best = max(options, key=lambda option: (self.logit(option[1]), -option[0]))[0]
        return [out[best], *out[:best], *out[best + 1:]]


@lru_cache(maxsize=1)
def load_followup_ranker(path: str = str(WEIGHTS_FILE)) -> FollowupRanker:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained for features {data['features']}, code has {FEATURES}; re-train")
    return FollowupRanker(data["weights"])
