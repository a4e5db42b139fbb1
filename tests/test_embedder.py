"""The numpy query encoder gives the same vectors as sentence-transformers (the model that
embeds every stored sentence), so switching the query path cannot move retrieval."""
import numpy as np

from vectorstore import SentenceEmbedder
from vectorstore.minilm import NumpyBertEncoder

TEXTS = [
    "Which countries are the laborers sent to?",
    "How long does the selection take?",
    "North Korean construction workers in Kuwait City earn about 800 dollars a month on paper.",
    "x",
    "Payments are made in cash by the company supervisor every three months rather than every month. " * 12,
]


def test_numpy_encoder_matches_sentence_transformers(embedder):
    reference = embedder.encode(TEXTS)  # sentence-transformers + torch
    fast = NumpyBertEncoder(embedder.model_path)
    one_by_one = np.vstack([fast.encode([t]) for t in TEXTS])
    batched = fast.encode(TEXTS)  # padded to the longest (the last one is truncated at 256 tokens)
    for got in (one_by_one, batched):
        assert got.shape == reference.shape and got.dtype == np.float32
        assert np.min(np.sum(got * reference, axis=1)) > 0.99999
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.allclose(embedder.encode_query(TEXTS[0]), reference[0], atol=1e-4)


def test_torch_query_path_still_available(embedder):
    slow = SentenceEmbedder(embedder.model_path, numpy_queries=False)
    assert slow.query_encoder is None
    assert np.dot(slow.encode_query(TEXTS[1]), embedder.encode_query(TEXTS[1])) > 0.99999
