"""An incremental BM25 index over sentences.

Libraries such as bm25s rebuild their whole index on every change; the service re-syncs after
each ingest, so this index adds and removes one report's sentences at a time instead.

Search cost is kept proportional to the query terms' postings, with numpy doing the per-row
work: row lengths and liveness live in growable arrays (no per-row dict lookups), each term's
posting is cached as two arrays, and the top k is chosen with a partial selection instead of a
full sort — at ~400k sentences (100k passages) a query takes a few milliseconds.
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
        self._lengths = np.zeros(1024, dtype=np.float32)  # row -> number of terms
        self._alive = np.zeros(1024, dtype=bool)  # row -> still indexed
        self._keys: dict[int, str] = {}
        self._by_group: dict[str, list[int]] = {}
        self._total = 0
        self._count = 0
        self._next = 0
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return self._count

    def groups(self) -> set[str]:
        return set(self._by_group)

    def _grow(self, need: int) -> None:
        if need <= len(self._lengths):
            return
        size = max(need, 2 * len(self._lengths))
        self._lengths = np.concatenate([self._lengths, np.zeros(size - len(self._lengths), dtype=np.float32)])
        self._alive = np.concatenate([self._alive, np.zeros(size - len(self._alive), dtype=bool)])

    def add(self, group: str, units: Iterable[tuple[str, str]]) -> None:
        """Index ``(key, text)`` units under ``group`` (replacing what the group had)."""
        self.remove(group)
        rows = []
        for key, text in units:
            row = self._next
            self._next += 1
            self._grow(self._next)
            counts = Counter(terms(text))
            for term, tf in counts.items():
                self._postings[term][row] = tf
                self._arrays.pop(term, None)
            length = sum(counts.values())
            self._lengths[row] = length
            self._alive[row] = True
            self._total += length
            self._count += 1
            self._keys[row] = key
            rows.append(row)
        self._by_group[group] = rows

    def remove(self, group: str) -> None:
        rows = self._by_group.pop(group, [])
        for row in rows:
            self._total -= int(self._lengths[row])
            self._keys.pop(row)
        if rows:
            self._alive[rows] = False
            self._count -= len(rows)
            # Cached posting arrays may hold the removed rows: rebuild them lazily (rows never
            # come back, so _array also prunes the dicts then).
            self._arrays.clear()

    def _array(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._arrays.get(term)
        if cached is None:
            posting = self._postings.get(term, {})
            rows = np.fromiter(posting.keys(), dtype=np.int64, count=len(posting))
            tfs = np.fromiter(posting.values(), dtype=np.float32, count=len(posting))
            live = self._alive[rows] if len(rows) else np.zeros(0, dtype=bool)
            if not live.all():
                rows, tfs = rows[live], tfs[live]
                self._postings[term] = dict(zip(rows.tolist(), tfs.astype(np.int64).tolist()))
            cached = self._arrays[term] = (rows, tfs)
        return cached

    def search(self, query: str, k: int = 20, groups: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The k best units; with ``groups``, only units of those groups are scored (a filtered
        question gets its top k among the matching reports, not the overall top k thinned out).
        Term statistics stay corpus-wide, so a unit scores the same filtered or not."""
        n = self._count
        qterms = list(dict.fromkeys(terms(query)))
        if not n or not qterms or k <= 0:
            return []
        avg = self._total / n if n else 1.0
        acc = np.zeros(self._next, dtype=np.float32)
        norm = self.k1 * (1 - self.b) + (self.k1 * self.b / avg) * self._lengths[: self._next]
        hit = False
        for term in qterms:
            rows, tfs = self._array(term)
            if not len(rows):
                continue
            hit = True
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            acc[rows] += idf * tfs * (self.k1 + 1) / (tfs + norm[rows])
        if not hit:
            return []
        if groups is not None:
            keep = np.zeros(self._next, dtype=bool)
            for g in groups:
                keep[self._by_group.get(g, [])] = True
            acc[~keep] = 0.0
        return [(self._keys[r], float(acc[r])) for r in _top_rows(acc, k)]

    def vocabulary(self) -> list[str]:
        """Every term ever indexed (those of removed reports too: a superset is harmless where it is used)."""
        return list(self._postings)

    def idf(self, term: str) -> float:
        n = max(self._count, 1)
        df = len(self._array(term)[0]) if term in self._postings else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _top_rows(acc: np.ndarray, k: int) -> list[int]:
    """Rows of the k highest positive scores, best first, ties by row (deterministic)."""
    positive = np.flatnonzero(acc > 0)
    if len(positive) > k:
        kth = np.partition(acc[positive], len(positive) - k)[len(positive) - k]
        positive = positive[acc[positive] >= kth]  # ties at the cut are all kept, then cut below
    order = np.lexsort((positive, -acc[positive]))[:k]
    return positive[order].tolist()
