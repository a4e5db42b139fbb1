"""Storage of reports, passages and sentence vectors in Chroma (embedded or server).

The names below load on first use (PEP 562): ``vectorstore.finetuned`` and ``vectorstore.dates``
need only numpy, so a training run on a machine without Chroma or LangChain (a GPU machine)
can import them.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .embeddings import DIMENSION, SentenceEmbedder, packaged_model_path
    from .records import DocumentRecord, Hit, PassageRecord, QuestionRecord, SentenceRecord
    from .store import ReportStore, StoreError, StoreLocked

_WHERE = {
    "DIMENSION": "embeddings", "SentenceEmbedder": "embeddings", "packaged_model_path": "embeddings",
    "DocumentRecord": "records", "Hit": "records", "PassageRecord": "records", "QuestionRecord": "records",
    "SentenceRecord": "records", "ReportStore": "store", "StoreError": "store", "StoreLocked": "store",
}

__all__ = [
    "DIMENSION", "DocumentRecord", "Hit", "PassageRecord", "QuestionRecord", "ReportStore", "SentenceEmbedder",
    "SentenceRecord", "StoreError", "StoreLocked", "packaged_model_path", "open_store",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(
    embedder: SentenceEmbedder, path: str | None = None, url: str | None = None, prefix: str = "reportqa"
) -> ReportStore:
    """Open the store: a Chroma server when ``url`` is given, else the embedded folder ``path``."""
    from .store import ReportStore

    return ReportStore(embedder, path=None if url else path, url=url, prefix=prefix)
