"""Shared helpers for the benchmark scripts: percentiles, RSS, servers, a seeded corpus of real
sentences, and the LangChain tutorial baseline (splitter 1000/200, same embeddings, Chroma, k=4).

Benchmarks print figures; they are never timed tests. Everything is seeded so a run on a quiet
machine later can be compared with a run made now.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch is imported (see NOTES)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
# The user's first report alone (bench/qa/sample.jsonl is asked over it); data/reports/ is the
# larger sample corpus a first run serves, which none of the figures here were measured on.
SAMPLE_DIR = ROOT / "tests" / "fixtures" / "sample-one"
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "corpus"

# Questions written for the benchmark (answerable and not), not tuned on: they only drive load.
QUESTIONS = [
    "Which countries are the laborers sent to?",
    "Who recruits the laborers sent abroad?",
    "How long does the selection of recruits take?",
    "Why do laborers in China not want to go home?",
    "What documents do workers going to Qatar need?",
    "How much do workers in Kuwait earn?",
    "Why was the selection made stricter?",
    "Who replaces the laborers at clothes factories?",
    "How often are workers paid?",
    "How long do laborers stay in China normally?",
    "What is the capital of Peru?",
    "Which age group is being recruited?",
    "Which North Korean agency handles the recruitment?",
    "Where are recruits being found in North Korea?",
    "Why is North Korea sending laborers abroad?",
    "When would laborers in China normally return home?",
    "Who is being recruited for factories in China?",
    "What do laborers going to China need to cross the border?",
    "Why could workers not return home last year?",
    "How long will the replacement of laborers in China take?",
]


# ----------------------------------------------------------------------------- statistics
def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "mean": sum(ms) / len(ms) if ms else float("nan")}


def fmt_ms(s: dict[str, float]) -> str:
    return f"p50 {s['p50']:7.1f} ms  p95 {s['p95']:7.1f} ms  p99 {s['p99']:7.1f} ms  (n={s['n']})"


def rss_mb(pid: int, children: bool = True) -> float:
    """Resident memory of a process (and its children, e.g. gunicorn workers) in MB."""
    total = 0
    pids = [pid]
    if children:
        try:
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def self_rss_mb() -> float:
    return rss_mb(os.getpid(), children=False)


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def machine_note() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared machine: figures are noisy)"


# ----------------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(port: int, method: str, path: str, body: dict | None = None,
              conn: http.client.HTTPConnection | None = None, timeout: float = 60) -> tuple[int, dict]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else {})
    finally:
        if own:
            conn.close()


def wait_until(check, timeout: float, proc: subprocess.Popen | None = None, what: str = "process") -> float:
    """Poll ``check()`` until true; returns the seconds waited. Fails early if ``proc`` dies."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout} s")


class Server:
    """The real server in a subprocess: ``python server.py`` or gunicorn (one gthread worker)."""

    def __init__(self, store: Path | None = None, kind: str = "python", env: dict | None = None,
                 log: Path | None = None, ready_timeout: float = 120):
        self.port = free_port()
        self.kind = kind
        full_env = {**os.environ, **(env or {})}
        if store is not None:
            full_env["REPORTQA_STORE"] = str(store)
        if kind == "gunicorn":
            cmd = [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
                   "--access-logfile", "/dev/null", "server:app"]
        else:
            cmd = [PYTHON, "server.py", "--port", str(self.port)]
        self._log = open(log or os.devnull, "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)
        self.ready_s = wait_until(lambda: self.ask("warm up")[0] == 200, ready_timeout, self.proc, f"{kind} server")

    def ask(self, question: str, conn=None) -> tuple[int, dict]:
        return http_json(self.port, "POST", "/api/ask", {"question": question}, conn=conn)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a child process, killing it if it has not exited within 15 s."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class ChromaServer:
    """A real ``chroma run`` server on a free loopback port (the running venv's ``chroma`` binary);
    the benchmarks and the test suite's ``chroma_server`` fixture both start it this way."""

    def __init__(self, path: Path, log: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log or os.devnull, "w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        try:
            self.ready_s = wait_until(
                lambda: http_json(self.port, "GET", "/api/v2/heartbeat", timeout=2)[0] == 200, 60, self.proc,
                "chroma run")
        except (RuntimeError, TimeoutError):
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


# ----------------------------------------------------------------------------- corpus
def real_sentences() -> list[str]:
    """Every cleaned sentence of the sample report and the test fixtures (real text)."""
    from ingest.chunking import split_sentences
    from ingest.clean import clean_body
    from ingest.readers import read_report

    out: list[str] = []
    for folder in (SAMPLE_DIR, FIXTURE_DIR):
        for path in sorted(folder.glob("*.txt")):
            text = clean_body(read_report(path).body)
            out.extend(text[s:e] for s, e in split_sentences(text))
    return out


def write_synthetic_reports(folder: Path, n_reports: int, seed: int = 6,
                            paragraphs: tuple[int, int] = (6, 12)) -> list[Path]:
    """Seeded reports made by recombining real sentences (2-4 per paragraph), with headers."""
    rng = random.Random(seed)
    sentences = real_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_reports):
        paras = []
        for _ in range(rng.randint(*paragraphs)):
            paras.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(2, 4))))
        year = 2015 + i % 10
        header = (f"Title: Synthetic report {i} on laborers abroad\nDate: {year}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
                  f"Source: https://example.invalid/bench/{seed}/{i}\nOutlet: Bench corpus\nAuthor: Bench\n\n")
        path = folder / f"bench-{seed}-{i:05d}.txt"
        path.write_text(header + "\n\n".join(paras) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# ----------------------------------------------------------------------------- baseline
class TutorialBaseline:
    """The LangChain RAG tutorial's retrieval: RecursiveCharacterTextSplitter(1000, 200), the same
    sentence-transformers embeddings, langchain-chroma, ``similarity_search(k=4)``."""

    def __init__(self, embedder, path: Path, collection: str = "baseline"):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(client=self.client, collection_name=collection, embedding_function=embedder,
                            collection_metadata={"hnsw:space": "cosine"})
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)

    def split(self, paths: Sequence[Path]):
        from langchain_core.documents import Document

        docs = [Document(page_content=Path(p).read_text(encoding="utf-8"), metadata={"source": str(p)}) for p in paths]
        return self.splitter.split_documents(docs)

    def ingest(self, paths: Sequence[Path]) -> int:
        chunks = self.split(paths)
        for lo in range(0, len(chunks), 1000):
            self.store.add_documents(chunks[lo : lo + 1000])
        return len(chunks)

    def ask(self, question: str):
        return self.store.similarity_search(question, k=4)


def without_option(args: list[str], *options: str) -> list[str]:
    """A command line without some options and their values (``--out DIR`` or ``--out=DIR``): what
    a training script records as its command leaves out where things were kept, which does not
    bear on the weights."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in options:
            skip = True
        elif not any(a.startswith(o + "=") for o in options):
            out.append(a)
    return out
