"""Turn report files into stored passages: read, clean, chunk, embed, write — idempotently."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vectorstore import DocumentRecord, PassageRecord, ReportStore, SentenceRecord

from .chunking import chunk_sentences, split_sentences
from .clean import clean_body
from .entities import ensure_entities
from .identity import content_hash, doc_id_for
from .readers import SUPPORTED, ParsedReport, ReportError, read_report

EMBED_GROUP = 256  # sentences embedded and written together (bounds memory, makes progress durable)


@dataclass
class PreparedReport:
    """A report ready to embed: its record, passages and sentences (vectors still empty)."""

    record: DocumentRecord
    passages: list[PassageRecord]
    sentences: list[SentenceRecord]  # in text order: sentence i is sentences[i]
    members: list[tuple[int, ...]]  # per passage, the sentences it covers (overlap included)


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, message)
    warnings: list[str] = field(default_factory=list)
    passages: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed; {self.passages} passages written "
            f"in {self.seconds:.1f} s"
        )

    def as_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "failed": [{"file": f, "message": m} for f, m in self.failed], "warnings": self.warnings,
            "passages": self.passages, "seconds": round(self.seconds, 3),
        }


def prepare_report(parsed: ParsedReport, filename: str, path: str = "") -> PreparedReport:
    """Clean, identify and chunk one parsed report. Pure: no I/O, no model."""
    text = clean_body(parsed.body)
    if not text:
        raise ReportError(f"{filename}: no text left after removing boilerplate")
    meta = {k: parsed.meta.get(k, "") for k in ("title", "date", "source", "outlet", "author")}
    doc_id = doc_id_for(meta["source"], filename)
    version = content_hash(text, meta)
    record = DocumentRecord(doc_id=doc_id, text=text, path=path, version=version, **meta)
    spans = split_sentences(text)
    chunks = chunk_sentences(text, spans)
    passages, sentences = [], []
    prefix = f"{doc_id}.{version[:8]}"
    for ci, chunk in enumerate(chunks):
        chunk_id = f"{prefix}.p{ci}"
        passages.append(PassageRecord(chunk_id, doc_id, ci, chunk.start, chunk.end, text[chunk.start : chunk.end], version=version))
        for si in chunk.owned:
            s, e = spans[si]
            sentences.append(SentenceRecord(f"{prefix}.s{si}", doc_id, chunk_id, si, s, e, text[s:e], version=version))
    record.passages = len(passages)
    return PreparedReport(record, passages, sentences, [c.sentences for c in chunks])


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files and folders (recursively) into report files; missing paths are errors."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                errors.append((str(path), f"{path}: no report files (.txt, .md, .html) in this folder"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append((str(path), f"{path}: no such file or folder"))
    return list(dict.fromkeys(p.resolve() for p in files)), errors


class Ingestor:
    """Writes prepared reports to the store: unchanged ones are skipped, changed ones replaced."""

    def __init__(self, store: ReportStore):
        self.store = store

    def ingest_paths(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        progress: Callable[[int, int], object] | None = None,
        on_error: Callable[[str], object] | None = None,
        wait: bool = False,
    ) -> IngestSummary:
        """Ingest files and folders. ``progress(done, total)`` is called as sentences are embedded.

        ``wait``: block until another writer releases the store instead of raising StoreLocked.
        """
        started = time.perf_counter()
        summary = IngestSummary()
        files, errors = discover(paths)
        prepared: list[PreparedReport] = []
        seen_ids: dict[str, str] = {}
        for name, message in errors:
            summary.failed.append((name, message))
            if on_error:
                on_error(message)
        for path in files:
            try:
                parsed = read_report(path)
                report = prepare_report(parsed, path.name, str(path))
            except ReportError as exc:
                summary.failed.append((str(path), str(exc)))
                if on_error:
                    on_error(str(exc))
                continue
            summary.warnings.extend(f"{path}: {w}" for w in parsed.warnings)
            if report.record.doc_id in seen_ids:
                msg = f"{path}: same report id as {seen_ids[report.record.doc_id]} (same source URL); skipped"
                summary.failed.append((str(path), msg))
                if on_error:
                    on_error(msg)
                continue
            seen_ids[report.record.doc_id] = str(path)
            prepared.append(report)
        with self.store.write_lock(wait=wait):
            self.store.purge_orphans()
            self._write(prepared, summary, progress)
            if prune:
                summary.removed = self._prune(paths, {r.record.doc_id for r in prepared})
        summary.seconds = time.perf_counter() - started
        return summary

    def ingest_reports(self, prepared: list[PreparedReport], progress=None) -> IngestSummary:
        """Ingest already-prepared reports (e.g. uploaded over HTTP)."""
        started = time.perf_counter()
        summary = IngestSummary()
        with self.store.write_lock(wait=True):
            self._write(prepared, summary, progress)
        summary.seconds = time.perf_counter() - started
        return summary

    def _write(self, prepared: list[PreparedReport], summary: IngestSummary, progress) -> None:
        existing = self.store.get_documents([r.record.doc_id for r in prepared])
        todo: list[PreparedReport] = []
        for report in prepared:
            old = existing.get(report.record.doc_id)
            if old and old.version == report.record.version:
                summary.unchanged.append(report.record.doc_id)
            else:
                (summary.updated if old else summary.added).append(report.record.doc_id)
                todo.append(report)
        total = sum(len(r.sentences) for r in todo)
        done = 0
        if progress and total:
            progress(0, total)
        groups: list[list[PreparedReport]] = [[]]
        for report in todo:
            if sum(len(r.sentences) for r in groups[-1]) >= EMBED_GROUP:
                groups.append([])
            groups[-1].append(report)
        # Write each group in the background while the next one is encoded: Chroma writes were
        # ~30% of ingest time, and both the model and Chroma's Rust core release the GIL.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
            pending = None
            for group in (g for g in groups if g):
                done = self._embed(group, done, total, progress)
                if pending is not None:
                    pending.result()  # one group in flight: bounded memory, errors surface here
                pending = writer.submit(self._store_group, group)
            if pending is not None:
                pending.result()
        summary.passages += sum(len(r.passages) for r in todo)

    def _embed(self, group: list[PreparedReport], done: int, total: int, progress) -> int:
        """Set the vectors of a group's sentences and passages; returns sentences done so far."""
        sentences = [s for r in group for s in r.sentences]
        counter = [done]

        def step(n: int) -> None:
            counter[0] += n
            if progress:
                progress(counter[0], total)

        vectors = self.store.embedder.encode([s.text for s in sentences], progress=step)
        for sentence, vector in zip(sentences, vectors):
            sentence.vector = vector
        ensure_entities(sentences)  # typed answers read them at serving time (see ingest/entities.py)
        for report in group:
            for passage, members in zip(report.passages, report.members):
                # A passage's vector is the mean of its sentences': no second encoding pass.
                mean = np.mean([report.sentences[i].vector for i in members], axis=0)
                passage.vector = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
        return counter[0]

    def _store_group(self, group: list[PreparedReport]) -> None:
        for report in group:
            report.record.ingested_at = time.time()
            self.store.write_document(report.record, report.passages, report.sentences)

    def _prune(self, paths: Sequence[str | Path], keep: set[str]) -> list[str]:
        folders = [Path(p).expanduser().resolve() for p in paths if Path(p).expanduser().is_dir()]
        removed = []
        for doc in self.store.list_documents():
            if not doc.path or doc.doc_id in keep:
                continue
            doc_path = Path(doc.path)
            if any(doc_path.is_relative_to(folder) for folder in folders) and not doc_path.exists():
                self.store.delete_document(doc.doc_id)
                removed.append(doc.doc_id)
        return removed

    def delete(self, doc_id: str) -> bool:
        with self.store.write_lock(wait=True):
            return self.store.delete_document(doc_id)
