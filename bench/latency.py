"""Latency benchmark: ``/api/ask`` over HTTP against the real server, and the LangChain tutorial
baseline served the same way, in the same run.

    .venv/bin/python bench/latency.py [--rounds 5] [--concurrency 4] [--server python|gunicorn]
                                      [--corpus DIR] [--profile] [--timeline-only]

Steps: ingest the corpus (default: the one-report sample, tests/fixtures/sample-one) into a temporary store; start
``python server.py`` (or gunicorn with one gthread worker) on a free port and time how long
until it answers its first ``/api/ask``; warm it with every question once; send
rounds x questions sequentially on one keep-alive connection, then the same number from
``--concurrency`` threads; print p50/p95/p99 and requests/s, and the server's RSS. Then the same
for the baseline (RecursiveCharacterTextSplitter 1000/200, same embeddings, Chroma, k=4) behind
a minimal Flask endpoint in its own process, and both pipelines in-process (no HTTP).
``--profile`` adds a pyinstrument profile of in-process ``QAService.ask``. ``POST /api/timeline``
is timed too (sequential, the questions about a number plus the timeline's own), on the same server;
``--timeline-only`` times only that (no baseline, no in-process runs).

The machine is shared: the load average is printed with the figures; re-run on a quiet machine.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PYTHON, QUESTIONS, ROOT, SAMPLE_DIR, Server, fmt_ms, free_port, http_json,  # noqa: E402
                          machine_note, rss_mb, summary_ms, wait_until)


def report_texts(corpus: Path) -> list[tuple[str, str]]:
    """(name, body) per report, cleaned the way our ingest cleans them (fair to the baseline)."""
    from ingest.clean import clean_body
    from ingest.pipeline import discover
    from ingest.readers import read_report

    files, _ = discover([corpus])
    return [(p.name, clean_body(read_report(p).body)) for p in files]


class BaselineServer:
    """The tutorial pipeline behind ``POST /api/ask`` in its own process (this script, --serve-baseline)."""

    def __init__(self, corpus: Path):
        self.port = free_port()
        self.proc = subprocess.Popen([PYTHON, __file__, "--serve-baseline", str(self.port), "--corpus", str(corpus)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ready_s = wait_until(lambda: self.ask("warm up")[0] == 200, 180, self.proc, "baseline server")

    def ask(self, question: str, conn=None):
        return http_json(self.port, "POST", "/api/ask", {"question": question}, conn=conn)

    def connection(self):
        import http.client

        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


def serve_baseline(port: int, corpus: Path) -> None:
    from flask import Flask, jsonify, request
    from werkzeug.serving import run_simple

    from bench.baseline import TutorialBaseline
    from vectorstore import SentenceEmbedder

    embedder = SentenceEmbedder()
    baseline = TutorialBaseline(embedder, report_texts(corpus))
    embedder.warm_up()
    app = Flask("baseline")

    @app.post("/api/ask")
    def ask():
        result = baseline.ask(str(request.get_json(force=True).get("question", "")))
        return jsonify({"answer": result.answer, "passages": result.passages, "took_ms": result.took_ms})

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


def drive(target, rounds: int, concurrency: int) -> dict:
    """Warm, then sequential and concurrent runs; returns the figures."""
    conn = target.connection()
    for q in QUESTIONS:
        assert target.ask(q, conn)[0] == 200
    seq = []
    started = time.perf_counter()
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            status, _ = target.ask(q, conn)
            seq.append(time.perf_counter() - t)
            assert status == 200, status
    seq_rps = len(seq) / (time.perf_counter() - started)
    conn.close()

    local = threading.local()
    work = [q for _ in range(rounds) for q in QUESTIONS]

    def one(q: str) -> float:
        if not hasattr(local, "conn"):
            local.conn = target.connection()
        t = time.perf_counter()
        status, _ = target.ask(q, local.conn)
        assert status == 200, status
        return time.perf_counter() - t

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        conc = list(pool.map(one, work))
    conc_rps = len(conc) / (time.perf_counter() - started)
    return {"seq": summary_ms(seq), "seq_rps": seq_rps, "conc": summary_ms(conc), "conc_rps": conc_rps}


# Questions about a number: what the timeline is for (the benchmark's own, plus two about Mongolia,
# which the fixture corpus answers with reports that disagree).
TIMELINE_QUESTIONS = [q for q in QUESTIONS if q.lower().startswith(("how many", "how much", "how long", "how often"))] + [
    "How many North Koreans work in Mongolia?", "How long are workers posted in Mongolia?"]


def drive_timeline(server, rounds: int) -> dict:
    """``POST /api/timeline`` for each number question, rounds times, on one keep-alive connection."""
    conn = server.connection()
    for q in TIMELINE_QUESTIONS:
        assert http_json(server.port, "POST", "/api/timeline", {"question": q}, conn=conn)[0] == 200
    times, points = [], 0
    for _ in range(rounds):
        for q in TIMELINE_QUESTIONS:
            t = time.perf_counter()
            status, data = http_json(server.port, "POST", "/api/timeline", {"question": q}, conn=conn)
            times.append(time.perf_counter() - t)
            assert status == 200, status
            points += len(data["points"])
    conn.close()
    return {"seq": summary_ms(times), "points": points / max(len(times), 1)}


def print_figures(name: str, figures: dict, concurrency: int) -> None:
    print(f"{name} sequential:        {fmt_ms(figures['seq'])}  {figures['seq_rps']:6.1f} req/s")
    print(f"{name} {concurrency} concurrent:      {fmt_ms(figures['conc'])}  {figures['conc_rps']:6.1f} req/s")


def in_process(store_dir: Path, corpus: Path, rounds: int, profile: bool) -> tuple[dict, dict, dict]:
    from bench.baseline import TutorialBaseline
    from qa import build_service
    from settings import Settings
    from vectorstore import ReportStore, SentenceEmbedder

    embedder = SentenceEmbedder()
    service = build_service(Settings.from_env(store=store_dir), ReportStore(embedder, path=store_dir))
    service.warm_up()
    baseline = TutorialBaseline(embedder, report_texts(corpus))
    out = {}
    for name, fn in (("ours", service.ask), ("baseline", baseline.ask)):
        for q in QUESTIONS:
            fn(q)
        times = []
        for _ in range(rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                fn(q)
                times.append(time.perf_counter() - t)
        out[name] = summary_ms(times)
    qtimes = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            embedder.encode_query(q)
            qtimes.append(time.perf_counter() - t)
    out["encode"] = summary_ms(qtimes)
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(rounds):
            for q in QUESTIONS:
                service.ask(q)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    baseline.close()
    return out["ours"], out["baseline"], out["encode"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="passes over the question list per run")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--server", choices=["python", "gunicorn"], default="python")
    ap.add_argument("--corpus", type=Path, default=SAMPLE_DIR)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--timeline-only", action="store_true", help="time only POST /api/timeline")
    ap.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.serve_baseline, args.corpus)
        return 0

    from ingest import Ingestor
    from vectorstore import ReportStore, SentenceEmbedder

    print(f"# latency benchmark, corpus {args.corpus}, {len(QUESTIONS)} questions x {args.rounds} rounds; {machine_note()}")
    tmp = Path(tempfile.mkdtemp(prefix="latency-"))
    try:
        store_dir = tmp / "store"
        summary = Ingestor(ReportStore(SentenceEmbedder(), path=store_dir)).ingest_paths([args.corpus])
        print(f"ingested: {summary.line()}")

        server = Server(store_dir, kind=args.server, log=tmp / "server.log")
        try:
            print(f"ours ({args.server}) ready (first /api/ask answered) {server.ready_s:.2f} s after start")
            tl = drive_timeline(server, args.rounds)
            print(f"ours     /api/timeline sequential: {fmt_ms(tl['seq'])}  ({len(TIMELINE_QUESTIONS)} questions, "
                  f"{tl['points']:.1f} points on average)")
            if args.timeline_only:
                return 0
            ours = drive(server, args.rounds, args.concurrency)
            print_figures("ours     /api/ask", ours, args.concurrency)
            print(f"ours server RSS after warm-up and {2 * args.rounds * len(QUESTIONS)} requests: {server.rss_mb():.0f} MB")
        finally:
            server.stop()

        base = BaselineServer(args.corpus)
        try:
            print(f"baseline ready {base.ready_s:.2f} s after start")
            theirs = drive(base, args.rounds, args.concurrency)
            print_figures("baseline /api/ask", theirs, args.concurrency)
            print(f"baseline server RSS: {base.rss_mb():.0f} MB")
        finally:
            base.stop()

        ours_ip, base_ip, enc = in_process(store_dir, args.corpus, args.rounds, args.profile)
        print(f"in-process QAService.ask:        {fmt_ms(ours_ip)}")
        print(f"in-process baseline k=4 search:  {fmt_ms(base_ip)}")
        print(f"in-process query embedding only: {fmt_ms(enc)}")
        print(f"ratio ours/baseline over HTTP: p50 {ours['seq']['p50'] / theirs['seq']['p50']:.2f}, "
              f"p95 {ours['seq']['p95'] / theirs['seq']['p95']:.2f}; "
              f"concurrent req/s {ours['conc_rps'] / theirs['conc_rps']:.2f}")
        print(f"# end; {machine_note()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
