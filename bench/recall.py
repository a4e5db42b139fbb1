"""First-stage recall on every question set, packaged MiniLM vs the fine-tuned retriever.

    .venv/bin/python -m bench.recall                       # all sets, both encoders
    .venv/bin/python -m bench.recall --set blind3 --encoder retriever

For each answerable question (follow-ups resolved from their history), is a gold evidence string
in one of the first stage's first k candidates (dense + keyword + fusion + the answerability
scorer; the reader off)? That bounds what any answerer can quote. The same store code, chunking
and retrieval as the service; only the encoder differs.
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
from vectorstore.embeddings import resolve_model_path  # noqa: E402

SETS = {"blind3": ROOT / "bench" / "blind3", "blind": ROOT / "bench" / "blind", "blind2": ROOT / "bench" / "blind2",
        "train": ROOT / "bench" / "train"}
ENCODERS = {"packaged": False, "retriever": True}


def recall_of(folder: Path, embedder: SentenceEmbedder) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="recall-") as tmp:
        store = ReportStore(embedder, path=Path(tmp) / "store")
        Ingestor(store).ingest_paths([folder / "corpus"])
        service = build_service(Settings.from_env(store=Path(tmp) / "store", reader=False, reranker=None), store)
        return first_stage_recall(service, validation_rows(folder))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), action="append", help="question set(s) (default: all)")
    ap.add_argument("--encoder", choices=sorted(ENCODERS), action="append", help="encoder(s) (default: both)")
    args = ap.parse_args(argv)
    print("| set | encoder | recall@1 | recall@10 | recall@30 |\n|---|---|---|---|---|", flush=True)
    for name in args.set or list(SETS):
        for enc in args.encoder or list(ENCODERS):
            embedder = SentenceEmbedder(resolve_model_path(None, ENCODERS[enc]), threads=1)
            r = recall_of(SETS[name], embedder)
            print(f"| {name} | {embedder.encoder_id} | " + " | ".join(f"{v:.2f}" for v in r.values()) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
