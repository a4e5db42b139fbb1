"""The labelled sets the small trained models learn from (the disagreement judge,
``bench/train_disagreement.py``; the follow-up ranker, ``bench/train_followup_rank.py``): which
they are, which stay blind, a real service over each, and the options both trainers share.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import without_option  # noqa: E402
from ingest import Ingestor  # noqa: E402
from qa import build_service  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402

SETS = ("train", "blind", "blind2", "val5", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9",
        "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16")
NEVER = ("blind17",)  # the blind sets that judge the trained models: never read


def add_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--stores", help="folder to keep (and reuse) the sets' stores in; default: a temporary one")
    ap.add_argument("--seed", type=int, default=13, help="recorded only: the fit is deterministic")
    ap.add_argument("--check", action="store_true", help="print the figures, write nothing")


def parse(ap: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """The parsed options; a blind set among ``--sets`` is an error."""
    args = ap.parse_args(argv)
    if set(args.sets) & set(NEVER):
        ap.error(f"{', '.join(NEVER)} are blind: they judge this model and are never trained on")
    return args


def set_service(name: str, embedder: SentenceEmbedder, stores: Path, **overrides):
    """The real service over one set's reports, ingested into a store of its own under ``stores``
    (once: a store already there is reused)."""
    folder = stores / name
    new = not folder.exists()
    store = ReportStore(embedder, path=folder)
    if new:
        Ingestor(store).ingest_paths([ROOT / "bench" / name / "corpus"])
    service = build_service(Settings.from_env(store=folder, **overrides), store)
    service.warm_up()
    return service


def collect(args: argparse.Namespace, examples: Callable[[str, SentenceEmbedder, Path], list]) -> dict[str, list]:
    """``examples(name, embedder, stores)`` of every set of ``args.sets``, with one embedder."""
    settings = Settings.from_env()
    embedder = SentenceEmbedder(settings.embedding_path, threads=settings.torch_threads)
    with tempfile.TemporaryDirectory() as tmp:
        stores = Path(args.stores) if args.stores else Path(tmp)
        stores.mkdir(parents=True, exist_ok=True)
        return {name: examples(name, embedder, stores) for name in args.sets}


def questions_sha(name: str) -> str:
    """The first 16 hex digits of a set's questions file's SHA-256: which version was trained on."""
    return hashlib.sha256((ROOT / "bench" / name / "questions.jsonl").read_bytes()).hexdigest()[:16]


def write_weights(path: Path, script: str, argv, args: argparse.Namespace, counts: dict[str, dict],
                  model: dict, fit: dict, figures: dict) -> None:
    """A trained model's weights file: ``model`` (features, weights, ...), then how it was made —
    the command (without the stores folder), the seed, ``fit`` (its penalty, ...), each set's
    questions version with ``counts`` — then its ``figures`` and the blind sets it never read."""
    command = " ".join([f"python -m {script}", *without_option(argv if argv is not None else sys.argv[1:], "--stores")])
    path.write_text(json.dumps({
        **model, "trained_by": command, "seed": args.seed, **fit,
        "sets": {n: {"questions": questions_sha(n), **counts[n]} for n in args.sets},
        **figures, "never_read": list(NEVER),
    }, indent=1) + "\n")
    print("wrote", path)
