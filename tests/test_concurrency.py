"""Load, ingest while serving, SIGKILL mid-ingest and two ingests at once — all for real:
the live HTTP server, the ingest CLI as a subprocess, Chroma on disk."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench.crash import consistency_problems, expected_store, inspect_store, kill_mid_ingest, write_corpus
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

def test_sigkill_mid_ingest_leaves_consistent_store(tmp_path, embedder):
    corpus, store_dir = tmp_path / "corpus", tmp_path / "store"
    paths = write_corpus(corpus, 60, seed=9)
    expected = expected_store(paths)
    killed_at = kill_mid_ingest(corpus, store_dir, at=0.4)

    state = inspect_store(store_dir, embedder)
    assert consistency_problems(state, expected) == []
    present = len(state["docs"])
    print(f"killed at {killed_at:.0%} of embedding: {present} of {len(paths)} reports present, "
          f"{len(state['passages'])} passages on disk")
    assert 0 < present < len(paths), "kill was not half-way"
    assert state["counts"] == (present, sum(len(expected[d][1]) for d in state["docs"]))

    # The rerun (same pipeline as the CLI, in-process to skip a model load) completes the store.
    summary = Ingestor(ReportStore(embedder, path=store_dir)).ingest_paths([corpus])
    assert not summary.failed and len(summary.unchanged) == present and len(summary.added) == len(paths) - present
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
    first_paths = write_corpus(tmp_path / "first", 12, seed=3)
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
