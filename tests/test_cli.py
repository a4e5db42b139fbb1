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


REPORT = "Title: {title}\n\nNorth Korean workers at a {place} shipyard were paid {pay} dollars a month, a source said.\n"


def test_prune_of_a_folder_whose_last_file_was_deleted_is_not_a_failure(tmp_path):
    folder, store = tmp_path / "inbox", tmp_path / "store"
    folder.mkdir()
    (folder / "only.txt").write_text(REPORT.format(title="Only report", place="Nakhodka", pay=100))
    assert run_cli("--store", str(store), "-q", str(folder)).returncode == 0
    (folder / "only.txt").unlink()
    out = run_cli("--store", str(store), "--prune", str(folder))
    assert out.returncode == 0, out.stderr
    assert "1 removed, 0 failed" in out.stdout and "error:" not in out.stderr
    assert f"warning: {folder}: no report files" in out.stderr and "removed" in out.stderr
    again = run_cli("--store", str(store), str(folder))  # without --prune an empty folder is still an error
    assert again.returncode == 1 and "no report files" in again.stderr


def test_progress_is_a_bar_on_a_terminal_and_a_few_lines_in_a_log(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    from .conftest import ROOT

    folder, store = tmp_path / "reports", tmp_path / "store"
    folder.mkdir()
    for i in range(12):
        (folder / f"r{i:02d}.txt").write_text(REPORT.format(title=f"Report {i}", place=f"Port {i}", pay=100 + i))
    logged = run_cli("--store", str(store), str(folder))  # stderr is a pipe, as in a log file
    assert logged.returncode == 0, logged.stderr
    assert "\r" not in logged.stderr
    progress = [line for line in logged.stderr.splitlines() if line.startswith("progress:")]
    assert len(progress) == 1 and progress[0].startswith("progress: 10/12 reports, ")
    assert "progress:" not in run_cli("--store", str(store), "-q", str(folder)).stderr

    (folder / "r00.txt").write_text(REPORT.format(title="Report 0", place="Rajin", pay=90))
    primary, secondary = pty.openpty()  # a terminal: the bar
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns, as a real one has
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--store", str(store), str(folder)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    os.close(primary)
    assert b"ingesting" in seen and b"12/12" in seen and b"\r" in seen and b"progress:" not in seen
