"""Is a question word the reports never use a paraphrase of one they do, or a subject they never mention?

A question term no report uses says little about any one sentence (the answerability scorer
does not count it as missing), but the share of such terms is a feature: many of them suggest
the question is about something the reports do not cover. A user's paraphrase ("tougher",
"picked") is not such a term when the corpus has a near word ("harder", "selected"), so terms
with a near corpus term are left out of that share. Nearness is the cosine of context-free
MiniLM word vectors (``SentenceEmbedder.word_vectors``: a table lookup, no forward pass).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

# Chosen on the training set's fresh questions (bench/train, never the eval sets); the figures
# behind the choice are in docs/history.md.
NEAR_FLOOR = 0.3


class NearVocabulary:
    """The corpus terms as unit vectors, grown as reports arrive (removed reports' terms stay:
    a superset only makes a paraphrase slightly easier to accept)."""

    def __init__(self, vectorize: Callable[[Sequence[str]], np.ndarray | None]):
        self._vectorize = vectorize
        self._known: set[str] = set()
        # Terms as columns (dim x n, C-contiguous): a query term's row times this streams the
        # matrix once — at 100k terms ~20 ms, so answers are cached per term until the next update.
        self._columns = np.zeros((0, 0), dtype=np.float32)
        self._cache: dict[tuple[str, float], bool] = {}

    def __len__(self) -> int:
        return len(self._known)

    def update(self, terms: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(terms) if t not in self._known]
        if not new:
            return
        vecs = self._vectorize(new)
        if vecs is None:
            return
        cols = np.ascontiguousarray(vecs.T)
        self._columns = cols if not self._columns.size else np.concatenate([self._columns, cols], axis=1)
        self._known.update(new)
        self._cache.clear()  # a new term may be near an asked one

    def near(self, terms: Sequence[str], floor: float = NEAR_FLOOR) -> set[str]:
        """The given terms that have a corpus term at cosine >= ``floor`` (themselves excluded)."""
        asked = [t for t in dict.fromkeys(terms) if t not in self._known]
        if not asked or not self._columns.size:
            return set()
        found = {t: self._cache.get((t, floor)) for t in asked}  # concurrent readers: no lookup after a write
        todo = [t for t, hit in found.items() if hit is None]
        if todo:
            vecs = self._vectorize(todo)
            if vecs is None:
                return set()
            best = (vecs @ self._columns).max(axis=1)
            if len(self._cache) > 50_000:
                self._cache.clear()
            for t, b in zip(todo, best):
                found[t] = self._cache[(t, floor)] = bool(b >= floor)
        return {t for t, hit in found.items() if hit}
