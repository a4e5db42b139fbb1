"""``python -m ingest`` as a subprocess, the way users and their scripts run it."""
import json

from .conftest import SAMPLE_ONE as SAMPLE_REPORTS
from .conftest import run_cli
from .pdfwriter import make_pdf


def test_help_documents_options():
    out = run_cli("--help", timeout=60)
    assert out.returncode == 0
    for option in ("--store", "--prune", "--chroma-url", "--quiet", "--json", "--preview", "--watch", "--interval",
                   "PATH", "URL", ".pdf", "skipped"):
        assert option in out.stdout


def test_bad_arguments_exit_2():
    assert run_cli(timeout=60).returncode == 2
    assert run_cli("--no-such-option", "x", timeout=60).returncode == 2


def test_ingest_then_reingest_and_bad_files(tmp_path):
    store = tmp_path / "store"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\xff\x00\xfe")
    pdf = make_pdf([["North Korean workers abroad", "were counted by the panel."]])
    (bad / "cut.pdf").write_bytes(pdf[: len(pdf) // 2])
    first = run_cli("--store", str(store), "--json", "-q", str(SAMPLE_REPORTS), str(bad), str(tmp_path / "missing.txt"))
    assert first.returncode == 1, first.stderr
    summary = json.loads(first.stdout)
    assert len(summary["added"]) == 1 and summary["passages"] > 3
    assert len(summary["failed"]) == 3
    for name in ("binary.txt", "cut.pdf", "missing.txt"):
        assert name in first.stderr
    assert "Traceback" not in first.stderr

    again = run_cli("--store", str(store), str(SAMPLE_REPORTS))
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 1 unchanged" in again.stdout


def test_store_path_that_is_a_file_is_a_clear_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    out = run_cli("--store", str(not_a_dir), str(SAMPLE_REPORTS))
    assert out.returncode == 3
    assert "not a folder" in out.stderr and "Traceback" not in out.stderr
