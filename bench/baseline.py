"""The LangChain tutorial RAG pipeline, as the baseline the eval compares against.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over each report's text,
the same embedding model (``vectorstore.SentenceEmbedder`` is a LangChain ``Embeddings``), a
``langchain_chroma.Chroma`` store in a temporary folder and ``similarity_search(k=4)``. It has no
answerer of its own: its "answer" is its top chunk, cited as [1]. It never refuses and it ignores
chat history (the tutorial pipeline has neither).
"""
from __future__ import annotations

import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from vectorstore import SentenceEmbedder

K = 4


@dataclass
class BaselineResult:
    answer: str
    passages: list[str]  # ranked chunk texts (k=4)
    took_ms: float
    sources: list[str] = field(default_factory=list)  # the report file name of each passage


class TutorialBaseline:
    def __init__(self, embedder: SentenceEmbedder, texts: list[tuple[str, str]], folder: str | None = None):
        """``texts``: (name, report text) pairs, already cleaned the way a tutorial user would load them."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="baseline-")
        path = folder or self._tmp.name
        client = chromadb.PersistentClient(path=str(Path(path)), settings=ChromaSettings(anonymized_telemetry=False))
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        docs = splitter.split_documents([Document(page_content=t, metadata={"source": n}) for n, t in texts])
        self.store = Chroma(client=client, collection_name=f"baseline-{uuid.uuid4().hex[:8]}", embedding_function=embedder)
        self.store.add_documents(docs)
        self.chunks = len(docs)

    def ask(self, question: str) -> BaselineResult:
        started = time.perf_counter()
        hits = self.store.similarity_search(question, k=K)
        took = (time.perf_counter() - started) * 1000
        passages = [h.page_content for h in hits]
        return BaselineResult(answer=(passages[0] + " [1]") if passages else "", passages=passages, took_ms=took,
                              sources=[str(h.metadata.get("source", "")) for h in hits])

    def close(self) -> None:
        if self._tmp:
            self._tmp.cleanup()
