"""REPORTQA_RERANKER: a local CrossEncoder folder plugs in as the second stage.

No cross-encoder weights load offline here, so the test makes a real CrossEncoder from the
packaged MiniLM encoder (its scoring head is untrained): this proves the plumbing — settings,
loading, reordering by the cross-encoder's scores — not the ranking quality.
"""
import copy
import math

import pytest

from qa import build_service
from settings import Settings
from vectorstore import ReportStore, packaged_model_path


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory):
    from sentence_transformers import CrossEncoder

    path = tmp_path_factory.mktemp("ce") / "model"
    CrossEncoder(packaged_model_path(), num_labels=1, device="cpu", local_files_only=True).save(str(path))
    return path


def test_reranker_setting_loads_and_reorders(cross_encoder_dir, sample_store_dir, embedder):
    settings = Settings.from_env(store=sample_store_dir, reranker=str(cross_encoder_dir))
    service = build_service(settings, ReportStore(embedder, path=sample_store_dir))
    reranker = service.retriever.reranker
    assert reranker is not None
    question = "Which countries are the laborers sent to?"
    service.retriever.reranker = None
    first_stage = service.retriever.candidates(question)
    service.retriever.reranker = reranker
    head = [copy.copy(c) for c in first_stage[: reranker.top_n]]
    logits = reranker.model.predict([(question, c.text) for c in head], show_progress_bar=False)
    expected = sorted(zip(head, logits), key=lambda t: -(1 / (1 + math.exp(-float(t[1]))) + 0.1 * t[0].score))
    reranked = reranker.rerank(question, [copy.copy(c) for c in first_stage])
    assert [c.sentence_id for c in reranked[: len(head)]] == [c.sentence_id for c, _ in expected]
    assert [c.sentence_id for c in service.retriever.candidates(question)][: len(head)] == [c.sentence_id for c, _ in expected]
    answer = service.ask(question)
    assert answer.answer and (answer.citations or not answer.found)


def test_missing_reranker_folder_is_a_clear_error(tmp_path, sample_store_dir, embedder):
    settings = Settings.from_env(store=sample_store_dir, reranker=str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="REPORTQA_RERANKER"):
        build_service(settings, ReportStore(embedder, path=sample_store_dir))
