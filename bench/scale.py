"""Scale benchmark: 100,000 passages (~400,000 sentences) through the real store and service.

    .venv/bin/python bench/scale.py [--passages 100000] [--store DIR] [--queries 3]

MiniLM embeds ~15 passages/s on 2 cores, so embedding 100k passages would take hours. The bulk
is therefore made of *real* sentences (sample report + test fixtures, recombined with a seed)
whose vectors are the real embeddings of those sentences plus seeded noise, renormalised
(each passage's vector is the mean of its sentences', as in ingest). Everything is written
through ``ReportStore.write_document`` - the same code the ingest uses - and queried through
the real path: the questions are embedded by the model, the keyword index is built from the
stored text, and ``/api/ask`` is timed over HTTP against ``python server.py`` on that store.

Prints: write time, store size on disk, server ready time and RSS, in-process ``QAService.ask``
and HTTP ``/api/ask`` p50/p95/p99, and the keyword search's share. ``--store DIR`` keeps the
store so a later run (on a quieter machine) can skip the write and re-measure the queries.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (QUESTIONS, Server, dir_size_mb, fmt_ms, machine_note, real_sentences,  # noqa: E402
                          self_rss_mb, summary_ms)

import numpy as np  # noqa: E402


def build(store, passages: int, per_doc: int, per_passage: int, seed: int, noise: float) -> float:
    """Write the synthetic corpus; returns seconds spent writing."""
    from vectorstore.entities import sentence_entities
    from vectorstore import DocumentRecord, PassageRecord, SentenceRecord

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pool = real_sentences()
    base = store.embedder.encode(pool)
    # Tagged once here, stored like the ingest stores them: otherwise the server would tag every
    # synthetic sentence when it first loads them (the path for stores written before entities).
    pool_entities = sentence_entities(pool)
    n_docs = (passages + per_doc - 1) // per_doc
    started = time.perf_counter()
    written = 0
    for d in range(n_docs):
        doc_id = f"scale{seed}-{d:06d}"
        version = f"v{seed}"
        prefix = f"{doc_id}.{version}"
        pieces, plist, slist, pos, si = [], [], [], 0, 0
        count = min(per_doc, passages - written)
        for p in range(count):
            picks = [rng.randrange(len(pool)) for _ in range(per_passage)]
            vecs = base[picks] + nrng.normal(0, noise, (per_passage, base.shape[1])).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            p_start = pos
            chunk_id = f"{prefix}.p{p}"
            for j, (k, v) in enumerate(zip(picks, vecs)):
                text = pool[k]
                slist.append(SentenceRecord(f"{prefix}.s{si}", doc_id, chunk_id, si, pos, pos + len(text), text, v, version,
                                            entities=pool_entities[k]))
                pieces.append(text)
                pos += len(text) + 1
                si += 1
            mean = vecs.mean(axis=0)
            ptext = " ".join(pool[k] for k in picks)
            plist.append(PassageRecord(chunk_id, doc_id, p, p_start, p_start + len(ptext), ptext,
                                       (mean / np.linalg.norm(mean)).astype(np.float32), version))
        text = " ".join(pieces)
        doc = DocumentRecord(doc_id=doc_id, title=f"Scale report {d}", text=text, date=f"{2010 + d % 15}-01-01",
                             source=f"https://example.invalid/scale/{d}", outlet="Scale corpus", version=version,
                             passages=count, ingested_at=time.time())
        store.write_document(doc, plist, slist)
        written += count
        if d % 200 == 0 or written == passages:
            rate = written / (time.perf_counter() - started)
            print(f"  wrote {written:,}/{passages:,} passages ({rate:.0f}/s)", flush=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=50, help="passages per synthetic report")
    ap.add_argument("--per-passage", type=int, default=4, help="sentences per passage")
    ap.add_argument("--noise", type=float, default=0.04, help="std-dev of the noise added to real vectors")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--store", type=Path, help="keep the store here (reused when it already holds the corpus)")
    ap.add_argument("--queries", type=int, default=3, help="rounds over the question list")
    ap.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the in-process asks")
    args = ap.parse_args(argv)

    from qa import build_service
    from settings import Settings
    from vectorstore import ReportStore, SentenceEmbedder

    tmp = None
    if args.store is None:
        tmp = tempfile.TemporaryDirectory(prefix="scale-")
        args.store = Path(tmp.name) / "store"
    print(f"# scale benchmark: {args.passages:,} passages, {args.per_passage} sentences each; {machine_note()}")
    embedder = SentenceEmbedder()
    embedder.warm_up()
    store = ReportStore(embedder, path=args.store)
    docs, have = store.counts()
    if have >= args.passages:
        print(f"reusing {args.store}: {docs:,} reports, {have:,} passages")
    else:
        secs = build(store, args.passages, args.per_doc, args.per_passage, args.seed, args.noise)
        print(f"write: {args.passages:,} passages + {args.passages * args.per_passage:,} sentences in {secs:.0f} s "
              f"({args.passages / secs:.0f} passages/s) through ReportStore.write_document")
    print(f"store size on disk: {dir_size_mb(args.store):,.0f} MB")

    # In-process: the real QAService on this store (sync = loading the keyword mirror).
    service = build_service(Settings.from_env(store=args.store), ReportStore(embedder, path=args.store))
    t = time.perf_counter()
    service.warm_up()
    print(f"in-process keyword mirror sync: {time.perf_counter() - t:.1f} s; "
          f"{len(service.retriever.table.sentences):,} sentences; bench process RSS {self_rss_mb():,.0f} MB")
    for q in QUESTIONS:
        service.ask(q)
    times, kw = [], []
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    for _ in range(args.queries):
        for q in QUESTIONS:
            t = time.perf_counter()
            service.ask(q)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            service.retriever.table.keywords.search(q, 40)
            kw.append(time.perf_counter() - t)
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    print(f"QAService.ask in-process: {fmt_ms(summary_ms(times))}")
    print(f"  of which BM25 search alone: {fmt_ms(summary_ms(kw))}")
    del service

    # Over HTTP: the real server process on the same store.
    server = Server(args.store, kind="python", ready_timeout=900)
    try:
        print(f"server ready (first answered /api/ask) after {server.ready_s:.1f} s")
        conn = server.connection()
        for q in QUESTIONS:
            server.ask(q, conn)
        times = []
        for _ in range(args.queries):
            for q in QUESTIONS:
                t = time.perf_counter()
                status, _ = server.ask(q, conn)
                times.append(time.perf_counter() - t)
                assert status == 200, status
        print(f"/api/ask over HTTP at {args.passages:,} passages: {fmt_ms(summary_ms(times))}")
        print(f"server RSS after warm-up and queries: {server.rss_mb():,.0f} MB")
    finally:
        server.stop()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
