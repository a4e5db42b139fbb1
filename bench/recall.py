"""First-stage recall on every question set, packaged MiniLM vs the fine-tuned retriever.

    .venv/bin/python -m bench.recall                       # all sets, both encoders
    .venv/bin/python -m bench.recall --set blind3 --encoder retriever
    .venv/bin/python -m bench.recall --set blind11 --set blind12 --candidate /tmp/new-retriever

For each answerable question (follow-ups resolved from their history), is a gold evidence string
in one of the first stage's first k candidates (dense + keyword + fusion + the answerability
scorer; the reader off)? That bounds what any answerer can quote. The same store code, chunking
and retrieval as the service; only the encoder differs. ``--set`` takes any set under ``bench/``
with a corpus (follow-ups are also counted apart: their resolved query is what retrieval gets);
``--candidate DIR`` adds a retriever trained into DIR (``bench.train_retriever --out DIR``) before
it replaces the shipped one.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.blind import first_stage_recall  # noqa: E402
from bench.train_reader import validation_rows  # noqa: E402
from ingest import Ingestor  # noqa: E402
from qa import build_service  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402
from vectorstore.embeddings import packaged_model_path, resolve_model_path  # noqa: E402
from vectorstore.finetuned import materialise  # noqa: E402

DEFAULT_SETS = ("blind3", "blind", "blind2", "train")
SETS = {p.name: p for p in sorted((ROOT / "bench").iterdir())
        if (p / "questions.jsonl").exists() and (p / "corpus").is_dir()}
ENCODERS = {"packaged": False, "retriever": True}


def recall_of(folder: Path, embedder: SentenceEmbedder) -> dict[str, float]:
    """recall@k of the set's answerable questions, then of its follow-ups alone (when it has some)."""
    with tempfile.TemporaryDirectory(prefix="recall-") as tmp:
        store = ReportStore(embedder, path=Path(tmp) / "store")
        Ingestor(store).ingest_paths([folder / "corpus"])
        service = build_service(Settings.from_env(store=Path(tmp) / "store", reader=False, reranker=None), store)
        rows = validation_rows(folder)
        out = first_stage_recall(service, rows)
        followups = [r for r in rows if r.get("kind") == "followup"]
        if followups:
            out |= {f"followup {k}": v for k, v in first_stage_recall(service, followups).items()}
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), action="append",
                    help=f"question set(s) (default: {', '.join(DEFAULT_SETS)})")
    ap.add_argument("--encoder", choices=sorted(ENCODERS), action="append", help="encoder(s) (default: both)")
    ap.add_argument("--candidate", type=Path, action="append", default=[],
                    help="a trained retriever's folder (delta.int8.safetensors, model.json) to compare")
    args = ap.parse_args(argv)
    paths = [resolve_model_path(None, ENCODERS[enc]) for enc in args.encoder or list(ENCODERS)]
    paths += [materialise(folder, packaged_model_path()) for folder in args.candidate]
    for name in args.set or list(DEFAULT_SETS):
        for path in paths:
            embedder = SentenceEmbedder(path, threads=1)
            r = recall_of(SETS[name], embedder)
            print(f"{name} | {embedder.encoder_id} | " + " | ".join(f"{k} {v:.2f}" for k, v in r.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
