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


def test_word_vectors_put_paraphrases_near_and_unrelated_words_far(embedder):
    v = embedder.word_vectors(["tougher", "harder", "picked", "selected", "china", "passport"])
    sims = v @ v.T
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert sims[0, 1] > 0.4 and sims[2, 3] > 0.35  # paraphrases a reader uses for the report's word
    assert max(sims[0, 4], sims[2, 5], sims[1, 4]) < 0.15


def test_near_vocabulary_tells_paraphrases_from_unmentioned_subjects(embedder):
    from qa.paraphrase import NearVocabulary

    vocab = NearVocabulary(embedder.word_vectors)
    vocab.update(["harder", "select", "worker", "china", "passport", "border"])
    vocab.update(["harder"])  # known terms are not added twice
    assert len(vocab) == 6
    assert vocab.near(["tougher", "pick", "volcano", "harder"]) == {"tougher", "pick"}
    assert NearVocabulary(embedder.word_vectors).near(["tougher"]) == set()  # empty corpus: nothing is near
