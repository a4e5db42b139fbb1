"""Do two reports disagree about what the question asks? A trained judgement of one pair.

A dated disagreement is two sentences from different reports that give different values for the
question's subject. Which pairs qualify (a value of the asked kind in each, different once
normalised, both of the asked time, both near the question) is definitional and stays a rule
(:func:`qa.extractive.conflict_pairs`). Whether the two values are *about the same subject* is a
judgement: "8,400 North Koreans are employed across the krai" and "about 6,200 North Korean
citizens now hold work permits there" are; "In neighbouring Sosnovaya Oblast the figure is about
1,300" is not. Hand rules for it (names, shared words, clauses) each missed real disagreements
when strict and invented false ones when loose, so this module weighs their signals with a
logistic model fitted on labelled pairs (``bench/train_disagreement.py``; weights, data and
figures in ``qa/disagreement.json``).
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from .subject import (Said, answers_as_fully, holds_every_asked_term, names, names_said, other_names, said_of_asked,
                      shared_share, surroundings)
from .types import Candidate

WEIGHTS_FILE = Path(__file__).with_name("disagreement.json")

FEATURES = ("bias", "best_answers", "other_answers", "said_of_mine", "said_of_theirs", "names_in_best",
            "names_in_other", "question_names", "answers_as_fully", "shared_words", "every_asked_term",
            "other_names", "value_gap", "same_story", "years_apart")


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _gap(a: Said, b: Said) -> float:
    """How far apart the two values are, in log10 (capped at 3): restatements of one figure differ
    little ("6,200" / "8,400"); a figure about another set often by orders ("8,400" / "11")."""
    x, y = (a.value.low + a.value.high) / 2, (b.value.low + b.value.high) / 2
    if x <= 0 or y <= 0:
        return 3.0
    return min(3.0, abs(math.log10(x / y)))


def _year(date: str) -> int | None:
    return int(date[:4]) if date[:4].isdigit() else None


def pair_features(question: str, best: Candidate, other: Candidate, mine: Said, theirs: Said) -> list[float]:
    """The feature vector (order of :data:`FEATURES`) of the answer's sentence ``best`` (value
    ``mine``) against another report's ``other`` (value ``theirs``)."""
    asked = names(question)
    best_ctx, other_ctx = surroundings(best), surroundings(other)
    extra = other_names(question, best.text, other.text, theirs)
    story_a = names(f"{best.title} {best.setting}", skip_first=False)
    story_b = names(f"{other.title} {other.setting}", skip_first=False)
    story = len(story_a & story_b) / len(story_a | story_b) if story_a | story_b else 0.0
    ya, yb = _year(best.date), _year(other.date)
    return [
        1.0,
        _logit(best.answerability),
        _logit(other.answerability),
        float(said_of_asked(question, mine.span)),
        float(said_of_asked(question, theirs.span)),
        float(names_said(asked, best.text, best_ctx, best.setting)),
        float(names_said(asked, other.text, other_ctx, other.setting)),
        float(bool(asked)),
        float(answers_as_fully(question, best.text, f"{other.text} {other_ctx}", other.setting)),
        shared_share(best.text, other.text),
        float(holds_every_asked_term(question, best.text, other.text)),
        float(min(len(extra), 2)),
        _gap(mine, theirs),
        story,
        min(abs(ya - yb), 10) / 10 if ya and yb else 0.5,
    ]


class SameSubjectJudge:
    """The fitted model: the probability that the pair is one disagreement, and the threshold
    above which an answer shows it (chosen in training, see ``qa/disagreement.json``)."""

    def __init__(self, weights: Sequence[float], threshold: float):
        if len(weights) != len(FEATURES):
            raise ValueError(f"{WEIGHTS_FILE}: {len(weights)} weights for {len(FEATURES)} features; re-train")
        self.weights = list(weights)
        self.threshold = threshold

    def probability(self, x: Sequence[float]) -> float:
        z = sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def same_subject(self, question: str, best: Candidate, other: Candidate, mine: Said, theirs: Said) -> float:
        return self.probability(pair_features(question, best, other, mine, theirs))


@lru_cache(maxsize=1)
def load_judge(path: str = str(WEIGHTS_FILE)) -> SameSubjectJudge:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained for features {data['features']}, code has {FEATURES}; re-train")
    return SameSubjectJudge(data["weights"], float(data["threshold"]))
