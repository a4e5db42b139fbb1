"""Ranking maths for candidate sentences. Pure functions.

The final score is a weighted sum of features (see :data:`WEIGHTS`): dense similarity of the
sentence to the question, IDF-weighted term overlap, normalised BM25 and the similarity of its
neighbours. Weights and the refusal threshold were chosen on the dev QA set (``bench/qa``), the
neighbour threshold on the fresh questions (``bench/train``); see ``bench/eval.py`` and the README.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .answerability import WEIGHTS_FILE
from .types import Candidate

WEIGHTS = {"dense": 1.0, "overlap": 0.35, "keyword": 0.10, "context": 0.15}
RELEVANCE_WEIGHT = 0.3  # ranking score = answerability probability + this * combine(features)
# Minimum answerability of the best sentence to answer at all. It belongs to the weights, so it
# is stored with them ("threshold" in answerability.json): the shipped 0.69 is the dev midpoint
# (highest unanswerable dev question 0.673, lowest answerable 0.713). `bench/calibrate.py` prints
# the trade-off on the fresh questions; `bench/train_answerability.py` writes its own choice.
REFUSAL_THRESHOLD = float(json.loads(WEIGHTS_FILE.read_text()).get("threshold", 0.69))
# A question asking for a typed thing (a name, a figure, a date) is answered only by a sentence
# holding one (qa.typed); that sentence must reach this answerability. Chosen with
# `bench/calibrate.py` on the validation questions (its second curve).
TYPED_THRESHOLD = float(json.loads(WEIGHTS_FILE.read_text()).get("typed_threshold", REFUSAL_THRESHOLD))
SUPPORT_THRESHOLD = round(REFUSAL_THRESHOLD - 0.01, 3)  # minimum answerability of any further answer sentence
# A caption ("A restaurant where workers are employed in Hanoi.") is a fragment the answerability
# scorer was never trained on: it answers only where the scorer is sure, the line under which the
# chat page already marks answers as uncertain.
CAPTION_THRESHOLD = 0.8
# And a caption ranks below body text that scores about as well: the report's own sentences are
# its claims, a caption describes a picture ("Workers leave a factory in Shenyang in 2019" is not
# when one worker left).
CAPTION_DEMOTION = 0.15
# A follow-up's sentences from the report the last answer came from rank this much higher
# (chosen on the validation sets' follow-ups: docs/evaluation.md).
CONTEXT_BONUS = 0.1
# A follow-up that carries the last subject is refused below the threshold less this margin: its own
# words are fewer than what it asks (chosen on the validation follow-ups: docs/evaluation.md).
FOLLOWUP_MARGIN = 0.1
NEIGHBOUR_THRESHOLD = 0.3  # the best sentence's neighbour in its passage joins the answer from here (chosen on bench/train)
CONFLICT_THRESHOLD = 0.35  # the other side of a dated disagreement (same subject, other value) must reach this
ANSWER_MARGIN = 0.12  # further sentences must score within this of the best
ANSWER_CHARS = 450  # further sentences join the best one only while the answer stays within this (issue 11)
REDUNDANT_SIMILARITY = 0.85  # a sentence this close to one already chosen adds nothing


def rrf(rankings: Iterable[Sequence[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion of several ranked id lists."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank + 1)
    return fused


def weighted_overlap(question_terms: Sequence[str], text_terms: set[str], idf: dict[str, float]) -> float:
    """Share of the question's (IDF-weighted) terms that occur in the text."""
    total = sum(idf.get(t, 1.0) for t in question_terms)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, 1.0) for t in question_terms if t in text_terms) / total


def combine(c: Candidate, weights: dict[str, float] = WEIGHTS) -> float:
    return (
        weights["dense"] * c.dense
        + weights["overlap"] * c.overlap
        + weights["keyword"] * c.keyword
        + weights["context"] * c.context
    )
