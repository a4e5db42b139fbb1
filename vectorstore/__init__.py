"""Storage of reports, passages and sentence vectors in Chroma (embedded or server)."""
from .embeddings import DIMENSION, SentenceEmbedder, packaged_model_path
from .records import DocumentRecord, Hit, PassageRecord, QuestionRecord, SentenceRecord
from .store import ReportStore, StoreError, StoreLocked

__all__ = [
    "DIMENSION", "DocumentRecord", "Hit", "PassageRecord", "QuestionRecord", "ReportStore", "SentenceEmbedder",
    "SentenceRecord", "StoreError", "StoreLocked", "packaged_model_path", "open_store",
]


def open_store(
    embedder: SentenceEmbedder, path: str | None = None, url: str | None = None, prefix: str = "reportqa"
) -> ReportStore:
    """Open the store: a Chroma server when ``url`` is given, else the embedded folder ``path``."""
    return ReportStore(embedder, path=None if url else path, url=url, prefix=prefix)
