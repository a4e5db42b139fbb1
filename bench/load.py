"""Load test: N concurrent ``POST /api/ask`` requests on loopback; prints throughput and p50/p95.

    .venv/bin/python -m bench.load                      # gunicorn (gunicorn.conf.py) on a temp store
    .venv/bin/python -m bench.load --url http://127.0.0.1:8000 --requests 200 --concurrency 200

Without ``--url`` it ingests the sample report and the test fixture corpus into a temporary
store and starts the production serve command (gunicorn, one gthread worker) on a free port.
The loop is bounded (exactly ``--requests`` requests) and talks to 127.0.0.1 only.
``run_load`` is also what tests/test_concurrency.py runs (asserting only zero errors).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bench.common import FIXTURE_DIR, QUESTIONS, SAMPLE_DIR, Server, machine_note, percentile


@dataclass
class LoadResult:
    requests: int = 0
    errors: list[str] = field(default_factory=list)  # one line per failed request
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    wall: float = 0.0
    answers: list[dict] = field(default_factory=list)  # response bodies, in completion order

    @property
    def throughput(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    def line(self) -> str:
        p50 = percentile(self.latencies, 50) * 1000 if self.latencies else float("nan")
        p95 = percentile(self.latencies, 95) * 1000 if self.latencies else float("nan")
        return (f"{self.requests} requests, {len(self.errors)} errors, {self.throughput:.1f} req/s, "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, wall {self.wall:.1f} s")


def _post(host: str, port: int, body: bytes, timeout: float) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def run_load(
    base_url: str,
    n_requests: int = 200,
    concurrency: int = 200,
    questions: Sequence[str] = QUESTIONS,
    timeout: float = 120.0,
    check: Callable[[str, dict], str | None] | None = None,
) -> LoadResult:
    """Send ``n_requests`` asks with up to ``concurrency`` in flight (all released at once).

    A request fails on a connection error, a non-200 status or a body without an answer;
    ``check(question, body)`` may return a reason to count a 200 as failed too.
    """
    parsed = urlparse(base_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test talks to loopback only")
    result = LoadResult()
    lock = threading.Lock()
    gate = threading.Barrier(min(concurrency, n_requests))

    def one(i: int) -> None:
        question = questions[i % len(questions)]
        body = json.dumps({"question": question}).encode()
        if i < gate.parties:
            try:
                gate.wait(timeout=30)  # the first wave starts together: truly concurrent
            except threading.BrokenBarrierError:
                pass
        started = time.perf_counter()
        try:
            status, raw = _post(host, port, body, timeout)
            data = json.loads(raw) if raw else {}
            problem = None
            if status != 200:
                problem = f"HTTP {status}: {raw[:200]!r}"
            elif not isinstance(data.get("answer"), str) or "found" not in data:
                problem = f"no answer in body: {raw[:200]!r}"
            elif check is not None:
                problem = check(question, data)
        except Exception as exc:  # connection refused/reset, timeout, bad JSON: all count as errors
            problem, data = f"{type(exc).__name__}: {exc}", {}
        elapsed = time.perf_counter() - started
        with lock:
            result.requests += 1
            if problem:
                result.errors.append(f"#{i} {question!r}: {problem}")
            else:
                result.latencies.append(elapsed)
                result.answers.append(data)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(concurrency, n_requests)) as pool:
        list(pool.map(one, range(n_requests)))
    result.wall = time.perf_counter() - started
    return result


def build_store(folder: Path) -> Path:
    """The sample report plus the fixture corpus, ingested into ``folder``."""
    from ingest import Ingestor
    from vectorstore import ReportStore, SentenceEmbedder

    summary = Ingestor(ReportStore(SentenceEmbedder(), path=folder)).ingest_paths([SAMPLE_DIR, FIXTURE_DIR])
    if summary.failed:
        raise SystemExit(f"cannot build the load-test store: {summary.failed}")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an already running server on loopback (default: start gunicorn on a temp store)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--kind", choices=["gunicorn", "python"], default="gunicorn", help="server to start without --url")
    args = parser.parse_args(argv)
    server = None
    with tempfile.TemporaryDirectory(prefix="reportqa-load-") as tmp:
        url = args.url
        if not url:
            store = build_store(Path(tmp) / "store")
            log = Path(tmp) / "server.log"
            try:
                server = Server(store, kind=args.kind, log=log)
            except (RuntimeError, TimeoutError) as exc:
                print(f"error: {exc}\n" + log.read_text()[-3000:])
                return 1
            url = f"http://127.0.0.1:{server.port}"
            print(f"started {args.kind} on {url} in {server.ready_s:.1f} s")
        try:
            run_load(url, n_requests=min(20, args.requests), concurrency=4)  # warm caches, not counted
            result = run_load(url, n_requests=args.requests, concurrency=args.concurrency)
        finally:
            if server:
                server.stop()
    print(f"load: {args.concurrency} concurrent, {result.line()}")
    print(machine_note())
    for err in result.errors[:10]:
        print("  error:", err)
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
