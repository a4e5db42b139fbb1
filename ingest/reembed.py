"""``python -m ingest --reembed``: embed every stored report again with the current encoder.

Why: a store's vectors are only comparable with questions encoded by the same model. When the
encoder changes (a new fine-tuned retriever, ``REPORTQA_RETRIEVER=off``, another
``REPORTQA_EMBEDDING_MODEL``), the stored texts and structure stay valid and only the vectors
must be recomputed -- far cheaper than reading every report again, and it works for reports
whose files or URLs are gone. Vectors are computed exactly as at ingest: a sentence from
:func:`ingest.context.embedding_text`, a passage as the mean of its sentences, a report as the
mean of its passages.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from vectorstore import ReportStore, SentenceRecord

from .context import embedding_text

PAGE = 2000


def _all(store: ReportStore, kind: str) -> tuple[list[str], list[str], list[dict]]:
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict] = []
    offset = 0
    while True:
        got = store.vectors_page(kind, offset, PAGE)
        ids += got["ids"]
        texts += got["documents"]
        metas += got["metadatas"]
        if len(got["ids"]) < PAGE:
            return ids, texts, metas
        offset += PAGE


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)


def reembed(store: ReportStore, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Re-embed the whole store with ``store.embedder``; returns counts per collection."""
    with store.write_lock(wait=True):
        doc_ids, _, doc_metas = _all(store, "documents")
        active = {m["doc_id"]: m.get("version") for m in doc_metas}
        titles = {m["doc_id"]: m.get("title", "") for m in doc_metas}
        s_ids, s_texts, s_metas = _all(store, "sentences")
        keep = [i for i, m in enumerate(s_metas) if m and active.get(m.get("doc_id")) == m.get("version")]
        records = [SentenceRecord(sentence_id=s_ids[i], doc_id=s_metas[i]["doc_id"], chunk_id=s_metas[i]["chunk_id"],
                                  index=int(s_metas[i].get("index", 0)), start=0, end=0, text=s_texts[i],
                                  heading=str(s_metas[i].get("heading", "")), context=str(s_metas[i].get("context", "")))
                   for i in keep]
        total = len(records)
        done = [0]

        def step(n: int) -> None:
            done[0] += n
            if progress:
                progress(done[0], total)

        vectors = store.embedder.encode([embedding_text(r, titles.get(r.doc_id, "")) for r in records], progress=step)
        store.set_vectors("sentences", [r.sentence_id for r in records], vectors)
        by_chunk: dict[str, list[np.ndarray]] = defaultdict(list)
        for r, v in zip(records, vectors):
            by_chunk[r.chunk_id].append(v)
        chunks = list(by_chunk)
        store.set_vectors("passages", chunks, np.stack([_unit(np.mean(by_chunk[c], axis=0)) for c in chunks])
                          if chunks else np.zeros((0, vectors.shape[1] if len(vectors) else 384), np.float32))
        by_doc: dict[str, list[np.ndarray]] = defaultdict(list)
        chunk_doc = {r.chunk_id: r.doc_id for r in records}
        for c in chunks:
            by_doc[chunk_doc[c]].append(_unit(np.mean(by_chunk[c], axis=0)))
        docs = [d for d in doc_ids if d in by_doc]
        if docs:
            store.set_vectors("documents", docs, np.stack([_unit(np.mean(by_doc[d], axis=0)) for d in docs]))
        q_ids, q_texts, _ = _all(store, "questions")
        if q_ids:
            store.set_vectors("questions", q_ids, store.embedder.encode(q_texts))
        store.record_encoder()
        store.bump_generation()
    return {"reports": len(docs), "passages": len(chunks), "sentences": total, "questions": len(q_ids)}
