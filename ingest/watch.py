"""``python -m ingest --watch FOLDER...``: ingest, then keep the store in step with the folders.

For users who save articles into a folder. Polling, not file-system events: it works the same
on every OS and on network drives, and a poll of a few thousand files costs milliseconds. A file
is read once its size and modification time held still for one interval, so a browser still
writing a page is not ingested half-saved.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .pipeline import Ingestor, _walk

Stamp = tuple[int, int]  # (mtime_ns, size)


def snapshot(folders: Sequence[Path]) -> dict[str, Stamp]:
    """The report files under ``folders`` with their stamps (files that vanish mid-scan are left out)."""
    state: dict[str, Stamp] = {}
    for folder in folders:
        found, _ = _walk(folder, [])
        for path in found:
            try:
                st = path.stat()
            except OSError:
                st = None
            # A broken link or a loop keeps a stamp of its own, so it is reported once, not each poll.
            state[str(path.resolve() if st else path)] = (st.st_mtime_ns, st.st_size) if st else (0, -1)
    return state


class Watcher:
    """Polls ``folders`` and applies each change to the store through ``ingestor``."""

    def __init__(self, ingestor: Ingestor, folders: Sequence[Path], interval: float = 2.0,
                 say: Callable[[str], object] = print):
        self.ingestor = ingestor
        self.folders = [Path(f).expanduser().resolve() for f in folders]
        self.interval = interval
        self.say = say
        self.done: dict[str, Stamp] = {}  # stamp of each file as last ingested (or failed)

    def first_pass(self) -> int:
        """Ingest everything and prune reports whose files are gone; returns the exit status."""
        before = snapshot(self.folders)
        summary = self.ingestor.ingest_paths(self.folders, prune=True, wait=True,
                                             on_error=lambda m: self.say(f"error: {m}"))
        self.done = before  # changes made during the pass show up at the next poll
        for warning in summary.warnings:
            self.say(f"warning: {warning}")
        self.say(summary.line())
        return 1 if summary.failed else 0

    def poll(self, previous: dict[str, Stamp]) -> dict[str, Stamp]:
        """One round: ingest files that changed and held still since ``previous``; prune removed ones."""
        now = snapshot(self.folders)
        for name, stamp in now.items():
            if self.done.get(name) != stamp and previous.get(name) == stamp:
                self._ingest(name)
                self.done[name] = stamp
        for name in [n for n in self.done if n not in now]:
            del self.done[name]
            self._remove(name)
        return now

    def run(self, polls: int | None = None) -> None:
        """Poll until interrupted (or ``polls`` rounds, for tests)."""
        previous = dict(self.done)
        n = 0
        while polls is None or n < polls:
            time.sleep(self.interval)
            previous = self.poll(previous)
            n += 1

    def _ingest(self, name: str) -> None:
        summary = self.ingestor.ingest_paths([name], wait=True)
        if summary.failed:
            for _, message in summary.failed:
                self.say(f"failed: {message}")
            return
        for verb, ids in (("added", summary.added), ("updated", summary.updated), ("unchanged", summary.unchanged)):
            for doc_id in ids:
                extra = f", {summary.passages} passages" if verb != "unchanged" else ""
                self.say(f"{verb}: {name} ({doc_id}{extra})")
        for warning in summary.warnings:
            self.say(f"warning: {warning}")

    def _remove(self, name: str) -> None:
        for doc in self.ingestor.store.list_documents():
            if doc.path == name and self.ingestor.delete(doc.doc_id):
                self.say(f"removed: {name} ({doc.doc_id})")
