"""Optional second-stage reranker: a local CrossEncoder folder (``REPORTQA_RERANKER``).

No PyPI package ships cross-encoder weights that load offline, so the default second stage is
the feature scorer in :mod:`qa.answerability`. Users who have a sentence-transformers
CrossEncoder on disk can plug it in; it reorders the top candidates by its own relevance score
(refusal still uses the answerability probability, which stays calibrated).
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence

from .types import Candidate


class CrossEncoderReranker:
    def __init__(self, model_dir: str, top_n: int = 12):
        if not os.path.isdir(model_dir):
            raise FileNotFoundError(f"REPORTQA_RERANKER: not a folder: {model_dir}")
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model_dir, device="cpu", local_files_only=True)
        self.top_n = top_n

    def rerank(self, query: str, candidates: Sequence[Candidate]) -> list[Candidate]:
        head, tail = list(candidates[: self.top_n]), list(candidates[self.top_n :])
        if len(head) < 2:
            return list(candidates)
        logits = self.model.predict([(query, c.text) for c in head], show_progress_bar=False)
        for c, z in zip(head, logits):
            c.score = 1.0 / (1.0 + math.exp(-float(z))) + 0.1 * c.score  # CE first, our score breaks ties
        head.sort(key=lambda c: c.score, reverse=True)
        return head + tail


def load_reranker(model_dir: str | None) -> CrossEncoderReranker | None:
    return CrossEncoderReranker(model_dir) if model_dir else None
