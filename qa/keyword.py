"""An incremental BM25 index over sentences.

Libraries such as bm25s rebuild their whole index on every change; the service re-syncs after
each ingest, so this index adds and removes one report's sentences at a time instead.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from .text import terms


class KeywordIndex:
    """BM25 (k1, b) over units grouped by report; ``search`` returns (key, score) pairs."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._postings: dict[str, dict[int, int]] = defaultdict(dict)
        self._lengths: dict[int, int] = {}
        self._keys: dict[int, str] = {}
        self._by_group: dict[str, list[int]] = {}
        self._total = 0
        self._next = 0
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._lengths)

    def groups(self) -> set[str]:
        return set(self._by_group)

    def add(self, group: str, units: Iterable[tuple[str, str]]) -> None:
        """Index ``(key, text)`` units under ``group`` (replacing what the group had)."""
        self.remove(group)
        rows = []
        for key, text in units:
            row = self._next
            self._next += 1
            counts = Counter(terms(text))
            for term, tf in counts.items():
                self._postings[term][row] = tf
                self._arrays.pop(term, None)
            length = sum(counts.values())
            self._lengths[row] = length
            self._total += length
            self._keys[row] = key
            rows.append(row)
        self._by_group[group] = rows

    def remove(self, group: str) -> None:
        for row in self._by_group.pop(group, []):
            self._total -= self._lengths.pop(row)
            self._keys.pop(row)
        # Postings of removed rows are dropped lazily in _array (rows never come back).

    def _array(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._arrays.get(term)
        if cached is None:
            posting = self._postings.get(term, {})
            live = {r: tf for r, tf in posting.items() if r in self._lengths}
            if len(live) != len(posting):
                self._postings[term] = live
            rows = np.fromiter(live.keys(), dtype=np.int64, count=len(live))
            tfs = np.fromiter(live.values(), dtype=np.float32, count=len(live))
            cached = self._arrays[term] = (rows, tfs)
        return cached

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        n = len(self._lengths)
        qterms = list(dict.fromkeys(terms(query)))
        if not n or not qterms:
            return []
        avg = self._total / n if n else 1.0
        acc = np.zeros(self._next, dtype=np.float32)
        touched = []
        for term in qterms:
            rows, tfs = self._array(term)
            if not len(rows):
                continue
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            lengths = np.fromiter((self._lengths[r] for r in rows), dtype=np.float32, count=len(rows))
            acc[rows] += idf * tfs * (self.k1 + 1) / (tfs + self.k1 * (1 - self.b + self.b * lengths / avg))
            touched.append(rows)
        if not touched:
            return []
        cand = np.unique(np.concatenate(touched))
        top = cand[np.argsort(-acc[cand], kind="stable")[:k]]
        return [(self._keys[int(r)], float(acc[r])) for r in top if acc[r] > 0]

    def idf(self, term: str) -> float:
        n = max(len(self._lengths), 1)
        df = len(self._array(term)[0]) if term in self._postings else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
