"""Shared fixtures: the real embedding model (loaded once per session), real Chroma stores in
temporary folders, the real Flask app served over HTTP on a free port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest import Ingestor  # noqa: E402
from settings import Settings  # noqa: E402
from vectorstore import ReportStore, SentenceEmbedder  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
# The user's first report alone: the corpus the tests (and bench/qa/sample.jsonl) were written for.
# data/reports/, the sample corpus a first run serves, is tested by tests/test_sample_corpus.py.
SAMPLE_ONE = FIXTURES / "sample-one"
SAMPLE_CORPUS = ROOT / "data" / "reports"  # what ./scripts/serve.sh ingests on a first run


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    e = SentenceEmbedder()
    e.warm_up()
    return e


@pytest.fixture
def make_store(tmp_path, embedder):
    """A fresh embedded store in a temporary folder."""
    def _make(name: str = "store") -> ReportStore:
        return ReportStore(embedder, path=tmp_path / name)
    return _make


@pytest.fixture(scope="session")
def sample_store_dir(tmp_path_factory, embedder) -> Path:
    """The one-report corpus (``SAMPLE_ONE``) ingested once for the session (treat as read-only)."""
    path = tmp_path_factory.mktemp("sample") / "store"
    summary = Ingestor(ReportStore(embedder, path=path)).ingest_paths([SAMPLE_ONE])
    assert not summary.failed and len(summary.added) >= 1
    return path


@pytest.fixture(scope="session")
def sample_service(sample_store_dir, embedder):
    from qa import build_service

    settings = Settings.from_env(store=sample_store_dir)
    return build_service(settings, ReportStore(embedder, path=sample_store_dir))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The real app behind werkzeug's threaded HTTP server on a free loopback port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def store_copy(tmp_path, sample_store_dir) -> Path:
    """A writable copy of the sample store, for tests that ingest or delete."""
    dest = tmp_path / "store"
    shutil.copytree(sample_store_dir, dest)
    return dest


@pytest.fixture
def make_live_server(store_copy):
    """Start the real app over HTTP with settings overrides, e.g. ``make_live_server(api_token="t")``.

    Uses a writable copy of the sample store unless ``store=`` is given.
    """
    from server import create_app

    started: list[LiveServer] = []

    def _make(**overrides) -> LiveServer:
        overrides.setdefault("store", store_copy)
        app = create_app(Settings.from_env(**overrides))
        server = LiveServer(app).__enter__()
        server.store_dir = Path(overrides["store"])
        started.append(server)
        return server

    yield _make
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def live_server(make_live_server):
    return make_live_server()


def run_cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run ``python -m ingest`` as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> str:
    """A real ``chroma run`` server (the venv's binary) on a free port, for the session; its URL.

    Tests that use it take a unique collection prefix (``server_store``), so they share one
    server without seeing each other's data.
    """
    from bench.common import ChromaServer

    folder = tmp_path_factory.mktemp("chroma-server")
    try:
        server = ChromaServer(folder / "data", log=folder / "chroma.log")
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(f"{exc}: {(folder / 'chroma.log').read_text()[-2000:]}")
    yield server.url
    server.stop()


@pytest.fixture
def server_store(chroma_server, embedder):
    """``server_store(prefix=None)``: a ReportStore on the session's Chroma server under a fresh prefix."""
    import uuid

    def _make(prefix: str | None = None) -> ReportStore:
        return ReportStore(embedder, url=chroma_server, prefix=prefix or f"t{uuid.uuid4().hex[:12]}")
    return _make


ANALYST_CORPORA = (FIXTURES / "corpus", FIXTURES / "timeline", SAMPLE_ONE)


@pytest.fixture(scope="session")
def analyst_store_dir(tmp_path_factory) -> Path:
    """The fixture corpus, the timeline fixtures (a range, a report with no figure) and the sample
    report, ingested once by the CLI as a user would: three outlets and dates at day, month and
    year precision. Treat as read-only."""
    path = tmp_path_factory.mktemp("analyst") / "store"
    out = run_cli("--store", str(path), "-q", *map(str, ANALYST_CORPORA))
    assert out.returncode == 0, out.stderr
    return path


@pytest.fixture(scope="module")
def analyst_server(analyst_store_dir):
    """The real app over HTTP on the analyst store, for a module."""
    from server import create_app

    with LiveServer(create_app(Settings.from_env(store=analyst_store_dir))) as server:
        server.store_dir = analyst_store_dir
        yield server


@pytest.fixture(scope="session")
def corpus_store_dir(tmp_path_factory) -> Path:
    """The sample corpus a first run serves (``data/reports/``), ingested by the CLI as
    ``./scripts/serve.sh`` does. Treat as read-only."""
    path = tmp_path_factory.mktemp("corpus") / "store"
    out = run_cli("--store", str(path), "-q", str(SAMPLE_CORPUS))
    assert out.returncode == 0, out.stdout + out.stderr
    return path


@pytest.fixture(scope="module")
def corpus_server(corpus_store_dir):
    """The real app over HTTP on the sample corpus, for a module."""
    from server import create_app

    with LiveServer(create_app(Settings.from_env(store=corpus_store_dir))) as server:
        server.store_dir = corpus_store_dir
        yield server
