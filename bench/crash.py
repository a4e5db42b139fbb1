"""Crash test: SIGKILL ``python -m ingest`` part-way, then check the store is consistent.

    .venv/bin/python -m bench.crash --runs 5        # prints kill-9 runs and inconsistencies found

Each run writes a fresh seeded corpus of small reports, starts the ingest CLI on it, kills it
with SIGKILL at a random point of its embedding progress, and checks the store: every report
fully present (all passages and sentences of its active version) or absent, no duplicate
passages. It then reruns the ingest and checks the result equals what a clean ingest writes
(computed from the files with the same pure chunking code: ids are deterministic).
The helpers are shared with tests/test_concurrency.py.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import ROOT, machine_note
from ingest.pipeline import prepare_report
from ingest.readers import read_report
from vectorstore import ReportStore

WORDS = ("laborers workers miners loggers builders factory border embassy wages salary contract recruits "
         "province city officials dormitory shifts rotation permit passport visa quota income remittance").split()


def write_corpus(folder: Path, n: int, seed: int) -> list[Path]:
    """``n`` small reports with unique sentences (seeded)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        sentences = [f"Report {i} sentence {j} says that {' '.join(rng.sample(WORDS, 7))} were counted at {rng.randint(10, 9999)}."
                     for j in range(rng.randint(8, 14))]
        body = "\n\n".join(" ".join(sentences[k:k + 3]) for k in range(0, len(sentences), 3))
        p = folder / f"r{i:04d}.txt"
        p.write_text(f"Title: Generated report {i}\nDate: 2020-{1 + i % 12:02d}\nSource: https://example.invalid/gen/{seed}/{i}\n\n{body}\n")
        paths.append(p)
    return paths


def expected_store(paths: list[Path]) -> dict[str, tuple[str, set[str], int]]:
    """What a clean ingest writes: doc_id -> (version, chunk ids, sentence count). Pure: no model."""
    out = {}
    for p in paths:
        r = prepare_report(read_report(p), p.name, str(p))
        out[r.record.doc_id] = (r.record.version, {x.chunk_id for x in r.passages}, len(r.sentences))
    return out


def inspect_store(store_dir: Path, embedder) -> dict:
    """Every passage and sentence in the store grouped by report and version."""
    store = ReportStore(embedder, path=store_dir)
    docs = {d.doc_id: d for d in store.list_documents()}
    passages = store.passages_col.get(include=["metadatas"])
    sentences = store.sentences_col.get(include=["metadatas"])
    return {"docs": docs, "passages": list(zip(passages["ids"], passages["metadatas"])),
            "sentences": list(zip(sentences["ids"], sentences["metadatas"])), "counts": store.counts()}


def consistency_problems(state: dict, expected: dict) -> list[str]:
    """Reports must be fully present (every passage and sentence of the active version) or absent."""
    problems = []
    active_passages = Counter()
    for cid, meta in state["passages"]:
        doc = state["docs"].get(meta["doc_id"])
        if doc and meta["version"] == doc.version:
            active_passages[(meta["doc_id"], meta["index"])] += 1
    dupes = [k for k, n in active_passages.items() if n > 1]
    if dupes:
        problems.append(f"duplicate active passages: {dupes[:3]}")
    for doc_id, doc in state["docs"].items():
        version, chunk_ids, n_sentences = expected[doc_id]
        if doc.version != version:
            problems.append(f"{doc_id}: unexpected version")
        got_p = {cid for cid, m in state["passages"] if m["doc_id"] == doc_id and m["version"] == doc.version}
        got_s = [sid for sid, m in state["sentences"] if m["doc_id"] == doc_id and m["version"] == doc.version]
        if got_p != chunk_ids or doc.passages != len(chunk_ids):
            problems.append(f"{doc_id}: {len(got_p)} of {len(chunk_ids)} passages")
        if len(got_s) != n_sentences:
            problems.append(f"{doc_id}: {len(got_s)} of {n_sentences} sentences")
    return problems


def read_progress(proc: subprocess.Popen, sink: list[str]) -> None:
    """Collect the CLI's stderr: on a pipe, a ``progress: 10/80 reports ...`` line per 10 reports
    (a tqdm bar, rewritten with carriage returns, only on a terminal)."""
    buf = ""
    while True:
        ch = proc.stderr.read(1)
        if not ch:
            break
        buf += ch
        if ch in "\r\n":
            sink.append(buf)
            buf = ""
    sink.append(buf)


def progress_fraction(lines: list[str]) -> float:
    for line in reversed(lines):
        m = re.search(r"(\d+)/(\d+)", line)
        if m and int(m.group(2)):
            return int(m.group(1)) / int(m.group(2))
    return 0.0


def kill_mid_ingest(corpus: Path, store_dir: Path, at: float, timeout: float = 150) -> float:
    """Start the ingest CLI and SIGKILL it once its progress reaches ``at`` (0..1).

    Returns the progress fraction at the kill; raises if the ingest ended first.
    """
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--store", str(store_dir), str(corpus)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=read_progress, args=(proc, lines), daemon=True)
    reader.start()
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and progress_fraction(lines) < at:
        time.sleep(0.05)
    if proc.poll() is not None:
        raise RuntimeError("the ingest finished before it could be killed: use a larger corpus")
    killed_at = progress_fraction(lines)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=10)
    return killed_at


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from ingest import Ingestor
    from vectorstore import SentenceEmbedder

    embedder = SentenceEmbedder()
    rng = random.Random(args.seed)
    inconsistencies = 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="reportqa-crash-") as tmp:
            corpus, store_dir = Path(tmp) / "corpus", Path(tmp) / "store"
            paths = write_corpus(corpus, args.reports, seed=args.seed * 100 + run)
            expected = expected_store(paths)
            at = rng.uniform(0.1, 0.8)  # progress comes in steps of 10 reports: 0.9 of 80 may never show
            killed_at = kill_mid_ingest(corpus, store_dir, at)
            after_kill = consistency_problems(inspect_store(store_dir, embedder), expected)
            present = len(inspect_store(store_dir, embedder)["docs"])
            summary = Ingestor(ReportStore(embedder, path=store_dir)).ingest_paths([corpus])
            final = inspect_store(store_dir, embedder)
            after_rerun = consistency_problems(final, expected)
            clean_passages = sum(len(c) for _, c, _ in expected.values())
            if set(final["docs"]) != set(expected) or len(final["passages"]) != clean_passages or summary.failed:
                after_rerun.append("rerun does not match a clean ingest")
            inconsistencies += len(after_kill) + len(after_rerun)
            print(f"run {run + 1}: killed at {killed_at:.0%} of embedding, {present}/{len(paths)} reports present, "
                  f"{len(after_kill)} problems after the kill, {len(after_rerun)} after the rerun", flush=True)
            for problem in (after_kill + after_rerun)[:5]:
                print("  ", problem)
    print(f"kill-9: {args.runs} runs, {inconsistencies} inconsistencies found")
    print(machine_note())
    return 1 if inconsistencies else 0


if __name__ == "__main__":
    raise SystemExit(main())
