"""Does this sentence answer this question? A small logistic scorer over cheap features.

Hand thresholds on similarity both drop right answers (relevant sentences can score 0.40 cosine)
and keep near-topic non-answers (a sentence about pay that gives no wage). So the score is a
probability from a logistic model over per-sentence features — dense cosine, IDF-weighted term
overlap, neighbour similarity, whether the sentence holds the kind of answer the question asks
for (a duration, an amount, a place, ...), and whether the question's specific names are missing.

Every feature is computed from the one query vector and the sentence vectors stored at ingest
(no extra model call), and none is relative to the other candidates, so the refusal threshold
does not drift with the size of the corpus. The weights (``answerability.json``) are trained
offline by ``bench/train_answerability.py`` on pseudo-questions generated from report sentences.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from .answertype import asks_for_name, has_person_name, question_type, sentence_has
from .text import STOPWORDS, terms, words

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("bias", "dense", "overlap", "context", "typed", "type_match", "type_miss", "proper_miss",
            "rare_miss", "name_miss", "dense_x_match", "overlap_x_dense")
_CAP = re.compile(r"\b[A-Z][a-z][\w-]*\b")


def proper_terms(question: str) -> list[str]:
    """Capitalised content words of a question, other than its first word (names of places, bodies)."""
    tokens = _CAP.findall(question)
    first = question.strip().split(" ", 1)[0]
    out = [t for t in tokens if t != first and t.lower() not in STOPWORDS]
    return list(dict.fromkeys(terms(" ".join(out))))


def features(question: str, qterms: Sequence[str], idf: dict[str, float], sentence: str, title: str,
             dense: float, context: float, overlap: float, neighbour_text: str = "") -> list[float]:
    """The feature vector (order of :data:`FEATURES`) of one (question, sentence) pair."""
    kind = question_type(question)
    typed = 1.0 if kind else 0.0
    match = 1.0 if kind and sentence_has(kind, sentence) else 0.0
    own = set(terms(sentence)) | set(terms(title))
    have = own | set(terms(neighbour_text))
    names = proper_terms(question)  # a place or body the question names must be in the sentence itself
    named = sum(idf.get(t, 1.0) for t in names)
    proper_miss = sum(idf.get(t, 1.0) for t in names if t not in own) / named if named else 0.0
    missing = [idf.get(t, 1.0) for t in qterms if t not in have]
    top = max((idf.get(t, 1.0) for t in qterms), default=1.0) or 1.0
    rare_miss = max(missing, default=0.0) / top
    name_miss = 1.0 if asks_for_name(question) and not has_person_name(sentence) else 0.0
    return [1.0, dense, overlap, context, typed, match, typed - match, proper_miss, rare_miss, name_miss,
            dense * match, overlap * dense]


@lru_cache(maxsize=4)
def load_weights(path: str = str(WEIGHTS_FILE)) -> tuple[float, ...]:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained for features {data['features']}, code has {FEATURES}; re-train")
    return tuple(float(w) for w in data["weights"])


def probability(x: Sequence[float], weights: Sequence[float] | None = None) -> float:
    w = weights or load_weights()
    z = sum(a * b for a, b in zip(w, x))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]
