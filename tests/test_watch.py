"""``python -m ingest --watch FOLDER`` as a subprocess: a file added, changed and removed is
ingested, replaced and pruned, one line each; Ctrl-C (SIGINT) ends it with status 0."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from .conftest import ROOT

REPORT = "Title: {title}\n\nNorth Korean workers at a {place} shipyard were paid {pay} dollars a month, a source said.\n"


class Lines:
    """The process's stdout, line by line, read in a thread so the test can wait with a timeout."""

    def __init__(self, stream):
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.q.put(line.rstrip("\n")) for line in stream], daemon=True).start()

    def wait_for(self, *phrases: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if all(p in line for p in phrases):
                return line
        raise AssertionError(f"no line with {phrases}; seen: {self.seen}")


def test_watch_follows_a_folder_until_ctrl_c(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "first.txt").write_text(REPORT.format(title="First report", place="Nakhodka", pay=100))
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--watch", "--interval", "0.3", "--store", str(store), str(folder)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = Lines(proc.stdout)
        lines.wait_for("1 added, 0 updated")
        lines.wait_for("watching 1 folder")

        new = folder / "second.txt"
        new.write_text(REPORT.format(title="Second report", place="Vladivostok", pay=250))
        added = lines.wait_for("added:", "second.txt")
        assert "passages" in added

        new.write_text(REPORT.format(title="Second report", place="Vladivostok", pay=300) + "\nThey work twelve hours a day.\n")
        lines.wait_for("updated:", "second.txt")

        new.unlink()
        lines.wait_for("removed:", "second.txt")

        (folder / "broken.html").write_bytes(b"")
        lines.wait_for("failed:", "broken.html", "empty")

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        lines.wait_for("stopped watching", timeout=10)
        err = proc.stderr.read()
        assert "Traceback" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    from vectorstore import ReportStore

    class NoModel:
        pass

    docs = ReportStore(NoModel(), path=store).list_documents()
    assert [d.title for d in docs] == ["First report"]
