"""The fine-tuned retriever: its stored delta, the encoder each store records, and --reembed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import Ingestor
from vectorstore import ReportStore, SentenceEmbedder, packaged_model_path
from vectorstore.embeddings import PACKAGED_NAME, RETRIEVER_DIR, encoder_id, resolve_model_path
from vectorstore.finetuned import apply_delta, load_base, materialise, quantise_delta

from .conftest import ROOT

REPORT = """Title: Loggers in the taiga
Date: 2019-03
Outlet: Test Wire

The logging crews were roused at 6am and kept cutting timber until midnight, six days a week.
Each crew of twelve men shared one wooden barrack heated by a single stove.
The company paid the state agency 900 dollars a month for every worker.
"""


@pytest.fixture(scope="module")
def base_weights() -> dict[str, np.ndarray]:
    return load_base(packaged_model_path())


def test_delta_round_trip_is_close_and_skips_the_frozen_table(base_weights):
    rng = np.random.default_rng(0)
    tuned = {k: v + rng.normal(0, 0.01, v.shape).astype(np.float32) if k.startswith("encoder.") else v
             for k, v in base_weights.items()}
    delta = quantise_delta(tuned, base_weights)
    assert not any(k.startswith("embeddings.word_embeddings") for k in delta)  # always the package's
    assert all(v.dtype == np.int8 for k, v in delta.items() if k.endswith(".q"))
    merged = apply_delta(base_weights, delta)
    w = "encoder.layer.3.intermediate.dense.weight"
    err = np.abs(merged[w] - tuned[w]).max()
    assert err <= np.abs(tuned[w] - base_weights[w]).max() / 127 * 0.51 + 1e-7  # half an int8 step
    assert np.array_equal(merged["embeddings.word_embeddings.weight"], base_weights["embeddings.word_embeddings.weight"])


def test_shipped_retriever_builds_once_and_loads_without_torch(tmp_path):
    assert (ROOT / "vectorstore" / "retriever" / "model.json").exists()
    info = json.loads((ROOT / "vectorstore" / "retriever" / "model.json").read_text())
    assert info["command"].startswith("python -m bench.train_retriever") and info["seed"] is not None
    assert (ROOT / "vectorstore" / "retriever" / "delta.int8.safetensors").stat().st_size < 15e6
    code = ("import sys; from pathlib import Path; from vectorstore.finetuned import materialise; "
            "from vectorstore.embeddings import packaged_model_path; from vectorstore.minilm import NumpyBertEncoder; "
            f"p = materialise(Path({RETRIEVER_DIR!r}), packaged_model_path(), Path({str(tmp_path)!r})); "
            "v = NumpyBertEncoder(p).encode(['How long were the shifts?']); "
            "assert v.shape == (1, 384); assert 'torch' not in sys.modules; print(p)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    folder = out.stdout.strip()
    assert folder.startswith(str(tmp_path)) and encoder_id(folder).startswith("retriever-")
    assert materialise(ROOT / "vectorstore" / "retriever", packaged_model_path(), tmp_path) == folder  # cached


def test_numpy_queries_match_sentence_transformers_for_the_retriever():
    path = resolve_model_path(None, True)
    fast = SentenceEmbedder(path)
    slow = SentenceEmbedder(path, numpy_queries=False)
    q = "What hours were they kept on the job?"
    assert float(fast.encode_query(q) @ slow.encode_query(q)) > 0.9999


def test_retriever_ranks_a_paraphrased_answer_first(embedder):
    """The case the issue names: a paraphrase that shares no content word with its answer."""
    assert embedder.encoder_id.startswith("retriever-")
    sents = ["The logging crews were roused at 6am and kept cutting timber until midnight, six days a week.",
             "Each crew of twelve men shared one wooden barrack heated by a single stove.",
             "The company paid the state agency 900 dollars a month for every worker."]
    q = embedder.encode_query("What hours were the loggers kept on the job?")
    assert int(np.argmax(embedder.encode(sents) @ q)) == 0


def test_store_records_its_encoder_and_a_mismatch_is_one_line(tmp_path, embedder):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "loggers.txt").write_text(REPORT)
    packaged = SentenceEmbedder(packaged_model_path())
    old = ReportStore(packaged, path=tmp_path / "store")
    Ingestor(old).ingest_paths([tmp_path / "r"])
    assert old.recorded_encoder() == PACKAGED_NAME and old.encoder_mismatch() is None
    new = ReportStore(embedder, path=tmp_path / "store")
    message = new.encoder_mismatch()
    assert message and "\n" not in message and PACKAGED_NAME in message and "--reembed" in message


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_cli_refuses_a_mismatched_store_then_reembeds_it(tmp_path, embedder):
    import os

    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "loggers.txt").write_text(REPORT)
    store_dir = tmp_path / "store"
    env = {**os.environ, "REPORTQA_RETRIEVER": "off"}
    assert _cli("--store", str(store_dir), "-q", str(tmp_path / "r"), env=env).returncode == 0
    env["REPORTQA_RETRIEVER"] = "on"
    refused = _cli("--store", str(store_dir), "-q", str(tmp_path / "r"), env=env)
    assert refused.returncode == 3
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--reembed" in lines[0] and "Traceback" not in refused.stderr
    done = _cli("--store", str(store_dir), "--reembed", env=env)
    assert done.returncode == 0, done.stderr
    assert "re-embedded 1 reports" in done.stdout
    again = _cli("--store", str(store_dir), "--reembed", env=env)
    assert again.returncode == 0 and "nothing to re-embed" in again.stdout  # what serve.sh runs every start
    store = ReportStore(embedder, path=store_dir)
    assert store.encoder_mismatch() is None and store.recorded_encoder() == embedder.encoder_id
    # The vectors are now the retriever's: a sentence's stored vector equals a fresh encoding.
    hit = store.query_sentences(embedder.encode_query("How much did the company pay the agency per worker?"), 1)[0]
    assert "900 dollars" in hit.text


def test_settings_select_the_encoder(monkeypatch):
    from settings import Settings

    monkeypatch.setenv("REPORTQA_RETRIEVER", "off")
    assert Settings.from_env().embedding_path == packaged_model_path()
    monkeypatch.setenv("REPORTQA_RETRIEVER", "on")
    assert encoder_id(Settings.from_env().embedding_path).startswith("retriever-")
    monkeypatch.setenv("REPORTQA_EMBEDDING_MODEL", packaged_model_path())
    assert Settings.from_env().embedding_path == packaged_model_path()  # an explicit folder wins


def test_the_shipped_retriever_never_trained_on_the_sets_that_judge_it():
    """Its provenance names every file its pairs came from: never a blind set, nor the labelled
    sets it was chosen on."""
    from bench.labelled import NEVER

    info = json.loads((Path(RETRIEVER_DIR) / "model.json").read_text())
    trained = {key.split("/")[1] for key in info["data"]
               if key.startswith("bench/") and key.endswith("questions.jsonl")}
    judges = {*NEVER, *info["validation_sets"]}
    assert trained and not trained & judges


def test_the_packed_base_unpacks_to_the_packaged_model(tmp_path):
    """What travels to a GPU machine for training (bench.carry_base) is the packaged model up to
    float16 and int8 rounding: the two embed a sentence alike."""
    from sentence_transformers import SentenceTransformer

    from bench.carry_base import pack, unpack

    pack(Path(packaged_model_path()), tmp_path / "packed")
    assert sum(f.stat().st_size for f in (tmp_path / "packed").rglob("*") if f.is_file()) < 40e6
    unpack(tmp_path / "packed", tmp_path / "base")
    texts = ["How much are the loggers paid?", REPORT.splitlines()[-1]]
    a = SentenceTransformer(str(tmp_path / "base"), device="cpu").encode(texts, normalize_embeddings=True)
    b = SentenceTransformer(packaged_model_path(), device="cpu").encode(texts, normalize_embeddings=True)
    assert (a * b).sum(axis=1).min() > 0.999
