"""How far an ingest has got: a bar on a terminal, a few plain lines in a log.

tqdm redraws its bar with carriage returns; written to a file or a pipe that made hundreds of
frames per run in a log. So a bar is drawn only when stderr is a terminal; otherwise one line is
printed per ``every`` reports (at most about 20 lines a run), and nothing with ``--quiet``.
The Ingestor calls :meth:`Progress.start` with the number of files and URLs, :meth:`sentences`
as sentences are embedded and :meth:`item_done` as each report is stored, skipped or failed.
"""
from __future__ import annotations

import math
import sys
import time
from typing import TextIO


class Progress:
    """Reports nothing (``--quiet``, the HTTP API, tests); the base of the two that do."""

    def start(self, total: int) -> None:
        """``total``: the files and URLs to read."""

    def sentences(self, n: int) -> None:
        """``n`` more sentences were embedded."""

    def item_done(self, failed: bool = False) -> None:
        """One file or URL is finished: stored, unchanged or failed."""

    def close(self) -> None:
        """The run is over (also after an error or Ctrl-C)."""


class BarProgress(Progress):
    """A tqdm bar over reports, with the sentences embedded so far after it (a long report
    moves the sentence count while the report count waits)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.bar = None
        self.embedded = 0

    def start(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="report", desc="ingesting", file=self.stream, dynamic_ncols=True)

    def sentences(self, n: int) -> None:
        self.embedded += n
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.embedded:,} sentences embedded")

    def item_done(self, failed: bool = False) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class LineProgress(Progress):
    """One line per ``every`` reports: ``progress: 40/200 reports (1 failed), 5,210 sentences
    embedded, 95 s``. ``every`` defaults to a twentieth of the run, at least 10 reports."""

    def __init__(self, stream: TextIO, every: int | None = None):
        self.stream = stream
        self.every = every
        self.total = self.done = self.failed = self.embedded = 0
        self.started = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        self.every = self.every or max(10, math.ceil(total / 20))
        self.started = time.monotonic()

    def sentences(self, n: int) -> None:
        self.embedded += n

    def item_done(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        if self.every and self.done % self.every == 0 and self.done < self.total:
            failed_note = f" ({self.failed} failed)" if self.failed else ""
            print(f"progress: {self.done}/{self.total} reports{failed_note}, {self.embedded:,} sentences embedded, "
                  f"{time.monotonic() - self.started:.0f} s", file=self.stream, flush=True)


def make_progress(stream: TextIO = sys.stderr, quiet: bool = False) -> Progress:
    """The progress display for a run writing to ``stream``: none, a bar, or lines."""
    if quiet:
        return Progress()
    isatty = getattr(stream, "isatty", None)
    return BarProgress(stream) if isatty is not None and isatty() else LineProgress(stream)
