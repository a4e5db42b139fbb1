"""Load, ingest while serving, SIGKILL mid-ingest and two ingests at once — all for real:
the live HTTP server, the ingest CLI as a subprocess, Chroma on disk."""
from __future__ import annotations

import fcntl
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench.load import run_load
from ingest import Ingestor
from ingest.pipeline import prepare_report
from ingest.readers import read_report
from vectorstore import ReportStore

from .conftest import ROOT

MONGOLIA_Q = "How many laborers were sent to the copper mines near Erdenet in Mongolia?"
QATAR_Q = "Which countries are the laborers sent to?"


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ingest", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


# ------------------------------------------------------------------ load

def test_200_concurrent_asks_zero_errors(live_server):
    def check(question: str, body: dict) -> str | None:  # real answers, not empty 200s
        if question == QATAR_Q and not (body["found"] and "Qatar" in body["answer"] and body["citations"]):
            return f"wrong answer under load: {body['answer'][:120]!r}"
        return None

    result = run_load(live_server.url, n_requests=200, concurrency=200, check=check,
                      questions=[QATAR_Q, "Who recruits the laborers?", "What is the capital of Peru?"])
    print("load:", result.line())
    assert result.requests == 200 and len(result.answers) == 200
    assert result.errors == [], result.errors[:5]


# ------------------------------------------------------------------ ingest while serving

def mongolia_report(laborers: int, shift: int) -> str:
    return (
        "Title: Laborers dispatched to Mongolian mines\nDate: 2022-03-15\nOutlet: Synthetic test fixture\n\n"
        f"North Korea sent about {laborers} laborers to copper mines near Erdenet in Mongolia this spring, a source said.\n\n"
        f"The miners work underground in shifts of {shift} hours and live in dormitories beside the pit.\n\n"
        f"Each group of {laborers} laborers is watched by two security officials from the embassy.\n"
    )


def test_ingest_and_reingest_while_serving(live_server, tmp_path, embedder):
    folder = tmp_path / "reports"
    folder.mkdir()
    path = folder / "mongolia.txt"
    versions = {}  # version prefix -> (laborers, stored text)
    for laborers, shift in ((400, 10), (650, 12)):
        path.write_text(mongolia_report(laborers, shift))
        prepared = prepare_report(read_report(path), path.name, str(path))
        versions[prepared.record.version[:8]] = (str(laborers), prepared.record.text)
        doc_id = prepared.record.doc_id
    first, second = list(versions)
    path.write_text(mongolia_report(400, 10))
    # The first version goes in before the load starts (in-process: saves a CLI start-up).
    assert not Ingestor(ReportStore(embedder, path=live_server.store_dir)).ingest_paths([folder]).failed

    def check(question: str, body: dict) -> str | None:
        ours = [c for c in body["citations"] if c["doc_id"] == doc_id]
        if question == MONGOLIA_Q and not (body["found"] and ours):
            return "the Mongolia report is missing from the answer (neither version seen)"
        seen = {c["chunk_id"].split(".")[-2] for c in ours}
        if len(seen) > 1:
            return f"mixed versions in one answer: {seen}"
        for c in ours:
            number, text = versions.get(c["chunk_id"].split(".")[-2], (None, None))
            if text is None:
                return f"unknown version cited: {c['chunk_id']}"
            if text[c["start"]:c["end"]] != c["text"]:
                return f"citation text does not match its version: {c['chunk_id']}"
            if question == MONGOLIA_Q and number not in body["answer"]:
                return f"answer {body['answer']!r} does not match the cited version ({number})"
            if any(n in body["answer"] for n in ("400", "650") if n != number):
                return f"answer {body['answer']!r} mixes the other version's figure"
        return None

    results, stop = [], threading.Event()

    def serve_load():
        rounds = 0
        while not stop.is_set() and rounds < 200:  # bounded
            results.append(run_load(live_server.url, n_requests=16, concurrency=8,
                                    questions=[MONGOLIA_Q, QATAR_Q], check=check))
            rounds += 1

    loader = threading.Thread(target=serve_load)
    loader.start()
    try:
        # Re-ingest (400 -> 650) together with a brand-new report, then back (650 -> 400).
        path.write_text(mongolia_report(650, 12))
        (folder / "new.txt").write_text("Title: Loggers in the Russian Far East\nDate: 2021-10-01\n\n"
                                        "About 300 North Korean loggers work in the taiga near Tynda.\n")
        runs = []
        for content in (None, mongolia_report(400, 10)):
            if content:
                path.write_text(content)
            runs.append(subprocess.run([sys.executable, "-m", "ingest", "-q", "--store", str(live_server.store_dir),
                                        str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=180))
            time.sleep(0.5)
    finally:
        stop.set()
        loader.join(timeout=120)
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "1 added, 1 updated" in runs[0].stderr and "1 updated" in runs[1].stderr
    total = sum(r.requests for r in results)
    errors = [e for r in results for e in r.errors]
    seen = Counter(c["chunk_id"].split(".")[-2] for r in results for a in r.answers for c in a["citations"]
                   if c["doc_id"] == doc_id)
    print(f"ingest while serving: {total} requests, {len(errors)} errors, versions seen {dict(seen)}")
    assert errors == [], errors[:5]
    assert total >= 48
    assert seen[first] and seen[second], seen  # both versions were really served during the run


# ------------------------------------------------------------------ crash mid-ingest

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
    """Collect tqdm's stderr output (it rewrites one line with carriage returns)."""
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


def test_sigkill_mid_ingest_leaves_consistent_store(tmp_path, embedder):
    paths = write_corpus(tmp_path / "corpus", 100, seed=9)
    expected = expected_store(paths)
    store_dir = tmp_path / "store"
    proc = cli("--store", str(store_dir), str(tmp_path / "corpus"))
    lines: list[str] = []
    reader = threading.Thread(target=read_progress, args=(proc, lines), daemon=True)
    reader.start()
    deadline = time.time() + 150
    while time.time() < deadline and proc.poll() is None and progress_fraction(lines) < 0.45:
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed: make the corpus larger"
    killed_at = progress_fraction(lines)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    state = inspect_store(store_dir, embedder)
    assert consistency_problems(state, expected) == []
    present = len(state["docs"])
    print(f"killed at {killed_at:.0%} of embedding: {present} of {len(paths)} reports present, "
          f"{len(state['passages'])} passages on disk")
    assert 0 < present < len(paths), "kill was not half-way"
    assert state["counts"] == (present, sum(len(expected[d][1]) for d in state["docs"]))

    rerun = subprocess.run([sys.executable, "-m", "ingest", "-q", "--json", "--store", str(store_dir),
                            str(tmp_path / "corpus")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    final = inspect_store(store_dir, embedder)
    assert consistency_problems(final, expected) == []
    assert set(final["docs"]) == set(expected)
    clean_passages = sum(len(c) for _, c, _ in expected.values())
    clean_sentences = sum(n for _, _, n in expected.values())
    assert final["counts"] == (len(paths), clean_passages)
    # No leftovers of the interrupted write: everything on disk is active.
    assert len(final["passages"]) == clean_passages and len(final["sentences"]) == clean_sentences


# ------------------------------------------------------------------ two ingests at once

def lock_is_held(store_dir: Path) -> bool:
    lock = store_dir / ".write.lock"
    if not lock.exists():
        return False
    with open(lock, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def test_second_ingest_refuses_or_waits(tmp_path, embedder):
    first_paths = write_corpus(tmp_path / "first", 40, seed=3)
    other_paths = write_corpus(tmp_path / "other", 3, seed=4)
    store_dir = tmp_path / "store"
    first = cli("-q", "--store", str(store_dir), str(tmp_path / "first"))
    deadline = time.time() + 60
    while time.time() < deadline and first.poll() is None and not lock_is_held(store_dir):
        time.sleep(0.05)
    assert lock_is_held(store_dir), "the first ingest never took the lock"
    refused = subprocess.run([sys.executable, "-m", "ingest", "-q", "--store", str(store_dir), str(tmp_path / "other")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    waiter = cli("-q", "--wait", "--store", str(store_dir), str(tmp_path / "other"))
    assert first.poll() is None, "the first ingest ended too early for the test to mean anything"
    assert refused.returncode == 3, refused.stderr
    assert "another ingest" in refused.stderr and "Traceback" not in refused.stderr
    _, err1 = first.communicate(timeout=240)
    _, err2 = waiter.communicate(timeout=240)
    assert first.returncode == 0, err1
    assert waiter.returncode == 0, err2
    state = inspect_store(store_dir, embedder)
    expected = expected_store(first_paths + other_paths)
    assert consistency_problems(state, expected) == []
    assert set(state["docs"]) == set(expected)
    assert len(state["passages"]) == sum(len(c) for _, c, _ in expected.values())
