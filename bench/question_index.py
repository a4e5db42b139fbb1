"""What the question-side index (ingest/questions.py) does to answer quality, measured without
calling a model.

    .venv/bin/python -m bench.question_index                # the sample and fixture sets
    .venv/bin/python -m bench.question_index --set fixture

Each QA set's reports are ingested into a temporary store (the index off) and the set is asked
through :func:`bench.eval.run_ours`; then questions are added to the same store with the product's
own :func:`ingest.store_questions`, and the set is asked again. The questions are the data
engine's answerable questions already in ``bench/gen/questions.jsonl`` (``python -m
bench.generate``) about the reports of that set, each stored for the sentence it was generated
from (matched by report file name, sentence index and text).

Read the figures with two caveats:

- These questions come from the **data engine's prompt** (``prompts/generate.txt``, versions
  gen-v1/gen-v2: questions the sentence answers, filtered by a span round-trip), **not** from
  the ingest prompt (``prompts/index_questions.txt``); an ingest with the index on would store
  different questions, and more of them (every answer sentence, not only those the engine kept).
- The sample and fixture sets are **validation** sets (tuned on before): a gain here chooses the
  method, it is not the figure to report; that is the blind set's (CONTRIBUTING.md).

Only reports the data engine has asked about get questions; the table says how many were stored.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import Ingestor, store_questions  # noqa: E402
from qa import build_service  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402

from .eval import CORPORA, load_set, run_ours, summarize, table  # noqa: E402

GENERATED = ROOT / "bench" / "gen" / "questions.jsonl"
SETS = ("sample", "fixture")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def matched_questions(store: ReportStore, rows: list[dict]) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    """Per prompt version, ``(sentence_id, question)`` for the answerable rows whose report is in
    the store and whose sentence (index and text) is stored as it was when the question was made."""
    by_file = {Path(d.path).name: d for d in store.list_documents() if d.path}
    active = {d.doc_id: d.version for d in by_file.values()}
    sentences = {(s.doc_id, s.index): s for s in store.sentences_of(list(active)) if s.version == active[s.doc_id]}
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts = {"about these reports": 0, "stored": 0, "sentence changed": 0}
    for r in rows:
        doc = by_file.get(r.get("report", ""))
        if r.get("kind") != "answerable" or doc is None:
            continue
        counts["about these reports"] += 1
        s = sentences.get((doc.doc_id, int(r["sentence_index"])))
        if s is None or _norm(s.text) != _norm(r["sentence"]):
            counts["sentence changed"] += 1  # the report was re-split since: the question's sentence is gone
            continue
        pairs[r.get("prompt_version", "")].append((s.sentence_id, r["question"]))
    return pairs, counts


def measure(name: str, embedder: SentenceEmbedder, generated: list[dict]) -> tuple[list[tuple[str, dict]], dict]:
    rows = load_set(name)
    with tempfile.TemporaryDirectory(prefix=f"qindex-{name}-") as folder:
        store = ReportStore(embedder, path=Path(folder) / "store")
        summary = Ingestor(store).ingest_paths([CORPORA[name]])
        if summary.failed:
            raise SystemExit(f"ingest failed: {summary.failed}")
        service = build_service(Settings.from_env(store=Path(folder) / "store"), store)
        service.warm_up()
        off = summarize(run_ours(service, rows))
        pairs, counts = matched_questions(store, generated)
        counts["stored"] = sum(store_questions(store, p, version) for version, p in pairs.items())
        on = summarize(run_ours(service, rows))  # the service re-syncs: the store's generation changed
    return [(f"{name} off", off), (f"{name} on ({counts['stored']} questions)", on)], counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=SETS, action="append", help="QA set(s) to run (default: both)")
    ap.add_argument("--questions", type=Path, default=GENERATED, help="the data engine's JSONL output")
    args = ap.parse_args(argv)
    generated = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    embedder = SentenceEmbedder(threads=int(os.environ.get("REPORTQA_TORCH_THREADS", "1") or 1))
    embedder.warm_up()
    lines: list[tuple[str, dict]] = []
    notes = []
    stored = 0
    for name in args.set or SETS:
        got, counts = measure(name, embedder, generated)
        lines += got
        stored += counts["stored"]
        notes.append(f"{name}: {counts['about these reports']} answerable data-engine questions about its reports, "
                     f"{counts['stored']} stored, {counts['sentence changed']} skipped (sentence changed)")
    print(table("question index (validation sets)", lines))
    print("\n".join(notes))
    if not stored:
        print("no data-engine question is about these reports yet: both runs are the same index")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
