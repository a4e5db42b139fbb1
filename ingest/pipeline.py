"""Turn report files into stored passages: read, clean, chunk, embed, write — idempotently."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fetch import is_url
from .readers import SUPPORTED_LIST, read_url, url_filename

from vectorstore import DocumentRecord, PassageRecord, ReportStore, SentenceRecord

from .chunking import chunk_sentences
from .context import embedding_text
from vectorstore.embeddings import release_memory
from vectorstore.entities import ensure_entities
from .identity import content_hash, doc_id_for
from .progress import Progress
from .questions import QuestionError, QuestionGenerator, store_questions
from .readers import SUPPORTED, ParsedReport, ReportError, read_report
from .structure import HEADING, NOT_ANSWERS, structure

# Part of every version hash: a report whose text is unchanged is still re-ingested once when
# what is stored or embedded with its sentences changes (headings, kinds, pages).
STRUCTURE_FORMAT = "structure-3"  # 2: sentences and items capped, inner headings, bylines; 3: question headings

EMBED_GROUP = 256  # sentences embedded and written together (bounds memory, makes progress durable)
BATCH_CHARS = 2_000_000  # or this much text: reports are read while earlier ones are embedded


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
    questions: int | None = None  # generated questions stored; None when the question index is off
    seconds: float = 0.0

    def line(self) -> str:
        asked = "" if self.questions is None else f", {self.questions} questions generated"
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed; {self.passages} passages written"
            f"{asked} in {self.seconds:.1f} s"
        )

    def as_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "failed": [{"file": f, "message": m} for f, m in self.failed], "warnings": self.warnings,
            "passages": self.passages, "seconds": round(self.seconds, 3),
            **({} if self.questions is None else {"questions": self.questions}),
        }


def prepare_report(parsed: ParsedReport, filename: str, path: str = "") -> PreparedReport:
    """Clean, structure, identify and chunk one parsed report. Pure: no I/O, no model."""
    structured = structure(parsed.body, title=parsed.meta.get("title", ""))
    text, units = structured.text, structured.units
    if not text or all(u.kind in NOT_ANSWERS for u in units):
        raise ReportError(f"{filename}: no text left after removing boilerplate")
    meta = {k: parsed.meta.get(k, "") for k in ("title", "date", "source", "outlet", "author")}
    doc_id = doc_id_for(meta["source"], filename)
    version = content_hash(text, {**meta, "format": STRUCTURE_FORMAT})
    record = DocumentRecord(doc_id=doc_id, text=text, path=path, version=version, **meta)
    spans = [(u.start, u.end) for u in units]
    chunks = chunk_sentences(
        text, spans,
        sections=frozenset(i for i, u in enumerate(units) if u.kind == HEADING),
        sticky=frozenset(i for i, u in enumerate(units) if u.kind in NOT_ANSWERS),
    )
    passages, sentences = [], []
    prefix = f"{doc_id}.{version[:8]}"
    for ci, chunk in enumerate(chunks):
        chunk_id = f"{prefix}.p{ci}"
        first = units[chunk.sentences[0]]
        passages.append(PassageRecord(chunk_id, doc_id, ci, chunk.start, chunk.end, text[chunk.start : chunk.end],
                                      version=version, heading=first.heading, page=first.page))
        for si in chunk.owned:
            u = units[si]
            sentences.append(SentenceRecord(f"{prefix}.s{si}", doc_id, chunk_id, si, u.start, u.end, text[u.start : u.end],
                                            version=version, heading=u.heading, page=u.page, kind=u.kind,
                                            context=u.context))
    record.passages = len(passages)
    return PreparedReport(record, passages, sentences, [c.sentences for c in chunks])


def discover(paths: Iterable[str | Path], notes: list[str] | None = None,
             empty_ok: bool = False) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files and folders (recursively) into report files; missing paths are errors.

    In a folder, files of other types and hidden files are skipped (``notes`` gets one line per
    folder saying how many); a named file of another type is an error. Symbolic links to folders
    are not followed (a link loop cannot trap the walk); broken links and link loops with a
    report suffix are errors. A folder without report files is an error, or with ``empty_ok``
    (``--prune``: its last file was deleted) a note.
    """
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found, skipped = _walk(path, errors)
            if skipped and notes is not None:
                kinds = ", ".join(sorted(skipped))
                notes.append(f"{path}: {sum(skipped.values())} file(s) of other types skipped ({kinds}); "
                             f"reports are {SUPPORTED_LIST}")
            if not found and not any(name.startswith(f"{path}/") for name, _ in errors):
                if not empty_ok:
                    errors.append((str(path), f"{path}: no report files ({SUPPORTED_LIST}) in this folder"))
                elif notes is not None:
                    notes.append(f"{path}: no report files ({SUPPORTED_LIST}) left in this folder; "
                                 "reports stored from it are removed")
            files.extend(found)
        elif path.exists():
            files.append(path)
        elif path.is_symlink():
            files.append(path)  # a broken link or a loop: the reader says which, in one line
        else:
            errors.append((str(path), f"{path}: no such file or folder"))
    return list(dict.fromkeys(p if p.is_symlink() and not p.exists() else p.resolve() for p in files)), errors


def _walk(folder: Path, errors: list[tuple[str, str]]) -> tuple[list[Path], dict[str, int]]:
    """Report files under ``folder`` (sorted) and a count of skipped files per suffix."""
    found: list[Path] = []
    skipped: dict[str, int] = {}
    for root, dirs, names in os.walk(folder, onerror=lambda exc: errors.append(
            (exc.filename or str(folder), f"{exc.filename or folder}: cannot be read ({exc.strerror or exc})"))):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            p = Path(root) / name
            suffix = p.suffix.lower()
            if suffix not in SUPPORTED:
                skipped[suffix or "(none)"] = skipped.get(suffix or "(none)", 0) + 1
            elif p.is_file() or p.is_symlink():  # a link to nothing is reported, not skipped silently
                found.append(p)
    return found, skipped


def _one_line(item: str, exc: BaseException, doing: str = "read") -> str:
    """Any unexpected failure as one line naming the file: never a traceback mid-batch."""
    detail = " ".join(str(exc).split())[:200]
    return f"{item}: could not be {doing} ({type(exc).__name__}{': ' + detail if detail else ''})"


def load_item(item: str | Path) -> tuple[ParsedReport, str, str]:
    """Read a file or fetch a URL: ``(parsed, filename, path)``; ``path`` is "" for URLs."""
    if isinstance(item, str) and is_url(item):
        parsed = read_url(item)
        return parsed, url_filename(parsed.meta.get("source") or item), ""
    path = Path(item)
    return read_report(path), path.name, str(path)


def collect_items(paths: Sequence[str | Path], summary: IngestSummary,
                  on_error: Callable[[str], object] | None = None, empty_ok: bool = False) -> list[str | Path]:
    """The files (folders expanded) and URLs to read; paths that are not there go to
    ``summary.failed`` (and ``on_error``), one line each."""
    urls = [str(p) for p in paths if is_url(str(p))]
    files, errors = discover([p for p in paths if not is_url(str(p))], notes=summary.warnings, empty_ok=empty_ok)
    for name, message in errors:
        _fail(summary, on_error, name, message)
    return [*files, *dict.fromkeys(urls)]


def _fail(summary: IngestSummary, on_error: Callable[[str], object] | None, name: str, message: str) -> None:
    summary.failed.append((name, message))
    if on_error:
        on_error(message)


def prepare_items(
    items: Iterable[str | Path], summary: IngestSummary, on_error: Callable[[str], object] | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[str, ParsedReport, PreparedReport]]:
    """Read and prepare files and URLs one at a time: ``(item, parsed, prepared)`` per good report.

    Each failure, whatever raised it, becomes one line in ``summary.failed`` (and ``on_error``),
    and the other reports go on: one odd page must never abort a batch with a traceback. A
    generator, so an ingest holds only the reports it is embedding, not a whole folder's.
    """
    seen_ids: dict[str, str] = {}
    for item in items:
        try:
            parsed, filename, path = load_item(item)
            report = prepare_report(parsed, filename, path)
        except ReportError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug on one file must not abort the batch
            message = _one_line(str(item), exc)
        else:
            message = ""
        if not message and report.record.doc_id in seen_ids:
            message = f"{item}: same report id as {seen_ids[report.record.doc_id]} (same source URL); skipped"
        if message:
            _fail(summary, on_error, str(item), message)
            if progress:
                progress.item_done(failed=True)
            continue
        summary.warnings.extend(f"{item}: {w}" for w in parsed.warnings)
        seen_ids[report.record.doc_id] = str(item)
        yield str(item), parsed, report


def prepare_paths(
    paths: Sequence[str | Path], summary: IngestSummary, on_error: Callable[[str], object] | None = None,
) -> list[tuple[str, ParsedReport, PreparedReport]]:
    """Read and prepare files, folders and URLs: ``(item, parsed, prepared)`` per good report
    (failures as in :func:`prepare_items`). Shared by ``--preview`` and the benches."""
    return list(prepare_items(collect_items(paths, summary, on_error), summary, on_error))


def _batches(reports: Iterable[PreparedReport]) -> Iterator[list[PreparedReport]]:
    """Reports in groups of about EMBED_GROUP sentences (or BATCH_CHARS of text), as they are read."""
    batch: list[PreparedReport] = []
    sentences = chars = 0
    for report in reports:
        batch.append(report)
        sentences += len(report.sentences)
        chars += len(report.record.text)
        if sentences >= EMBED_GROUP or chars >= BATCH_CHARS:
            yield batch
            batch, sentences, chars = [], 0, 0
    if batch:
        yield batch


class Ingestor:
    """Writes prepared reports to the store: unchanged ones are skipped, changed ones replaced.

    With a ``questions`` generator (``QuestionGenerator.from_settings``: the question index is
    on), each written report also gets generated questions, after all reports are stored.

    Every stage is per report: a report that cannot be read, embedded, tagged or written is
    one line in ``summary.failed`` and the others are still stored.
    """

    def __init__(self, store: ReportStore, questions: QuestionGenerator | None = None):
        self.store = store
        self.questions = questions

    def ingest_paths(
        self,
        paths: Sequence[str | Path],
        prune: bool = False,
        progress: Progress | None = None,
        on_error: Callable[[str], object] | None = None,
        wait: bool = False,
    ) -> IngestSummary:
        """Ingest files, folders and URLs, reading them one at a time and writing them in groups.

        ``progress``: told of the files to read, sentences embedded and reports finished.
        ``wait``: block until another writer releases the store instead of raising StoreLocked.
        ``prune``: remove stored reports whose files are gone from the given folders; a folder
        left with no report files is then not an error.
        """
        started = time.perf_counter()
        summary = IngestSummary()
        progress = progress or Progress()
        items = collect_items(paths, summary, on_error, empty_ok=prune)
        progress.start(len(items))
        kept: set[str] = set()

        def read() -> Iterator[PreparedReport]:
            for _, _, report in prepare_items(items, summary, on_error, progress):
                kept.add(report.record.doc_id)
                yield report

        with self.store.write_lock(wait=wait):
            self.store.purge_orphans()
            self._write(_batches(read()), summary, progress, on_error)
            if prune:
                summary.removed = self._prune(paths, kept)
        summary.seconds = time.perf_counter() - started
        return summary

    def ingest_reports(self, prepared: list[PreparedReport], progress: Progress | None = None,
                       on_error: Callable[[str], object] | None = None) -> IngestSummary:
        """Ingest already-prepared reports (e.g. uploaded over HTTP); failures in ``summary.failed``."""
        started = time.perf_counter()
        summary = IngestSummary()
        with self.store.write_lock(wait=True):
            self._write([prepared], summary, progress or Progress(), on_error)
        summary.seconds = time.perf_counter() - started
        return summary

    def _write(self, batches: Iterable[list[PreparedReport]], summary: IngestSummary, progress: Progress,
               on_error: Callable[[str], object] | None) -> None:
        """Embed and store each batch; the previous batch is written while the next is embedded."""
        asked: list[PreparedReport] = []  # reports to generate questions for (only with the index on)

        def collect(outcome: list[tuple[PreparedReport, str]], verbs: dict[str, str]) -> None:
            for report, error in outcome:
                if error:
                    _fail(summary, on_error, _name(report), error)
                else:
                    getattr(summary, verbs[report.record.doc_id]).append(report.record.doc_id)
                    summary.passages += len(report.passages)
                    if self.questions is not None:
                        asked.append(report)
                progress.item_done(failed=bool(error))

        # Write each group in the background while the next one is read and encoded: Chroma
        # writes were ~30% of ingest time, and both the model and Chroma's Rust core release the GIL.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write") as writer:
            pending = None
            for batch in batches:
                existing = self.store.get_documents([r.record.doc_id for r in batch])
                todo: list[PreparedReport] = []
                verbs: dict[str, str] = {}
                for report in batch:
                    old = existing.get(report.record.doc_id)
                    if old and old.version == report.record.version:
                        summary.unchanged.append(report.record.doc_id)
                        if self.questions is not None and not self.store.has_questions(
                                report.record.doc_id, report.record.version, self.questions.version):
                            asked.append(report)  # unchanged, but without questions from this prompt yet
                        progress.item_done()
                    else:
                        verbs[report.record.doc_id] = "updated" if old else "added"
                        todo.append(report)
                embedded, failed = self._embed_each(todo, progress)
                if pending is not None:
                    collect(*pending.result())  # one group in flight: bounded memory
                collect([(r, e) for r, e in failed], verbs)
                pending = writer.submit(lambda g=embedded, v=verbs: (self._store_group(g), v)) if embedded else None
            if pending is not None:
                collect(*pending.result())
        if self.questions is not None:
            summary.questions = summary.questions or 0
            for report in asked:
                summary.questions += self._index_questions(report, summary)

    def _index_questions(self, report: PreparedReport, summary: IngestSummary) -> int:
        """Generate and store one report's questions. Never fails the report: it is already
        stored, and a report left without questions is asked again on the next ingest."""
        name = _name(report)
        try:
            got = self.questions.generate(report)
        except QuestionError as exc:
            summary.warnings.append(f"{name}: no questions generated, the question model failed ({exc}); "
                                    "stored without them, asked again on the next ingest")
            return 0
        except Exception as exc:  # noqa: BLE001 - the report is stored already; never fail it here
            summary.warnings.append(f"{name}: no questions generated ({type(exc).__name__}: {exc}); "
                                    "stored without them, asked again on the next ingest")
            return 0
        if got.unreadable:
            summary.warnings.append(f"{name}: {got.unreadable} of {got.asked} question replies had no usable "
                                    "questions (not JSON, or none ending in '?')")
        try:
            self.store.delete_questions(report.record.doc_id)  # a new prompt version replaces the old set
            return store_questions(self.store, got.pairs, self.questions.version)
        except Exception as exc:  # noqa: BLE001 - asked again on the next ingest
            summary.warnings.append(f"{name}: questions could not be stored ({type(exc).__name__}: {exc}); "
                                    "asked again on the next ingest")
            return 0

    def _embed_each(self, group: list[PreparedReport], progress: Progress
                    ) -> tuple[list[PreparedReport], list[tuple[PreparedReport, str]]]:
        """Embed a group in one go; if that fails, report by report, so only the report that
        fails (a bug, a text the tagger refuses) is left out: ``(embedded, [(report, error)])``."""
        if not group:
            return [], []
        try:
            self._embed(group, progress)
            return group, []
        except OSError:
            raise  # the model's folder is missing, the disk failed: the run's problem, not a report's
        except Exception as exc:  # noqa: BLE001 - found out below, report by report
            if len(group) == 1:
                return [], [(group[0], _one_line(_name(group[0]), exc, "embedded"))]
        embedded, failed = [], []
        for report in group:
            try:
                self._embed([report], progress)
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001 - one report's failure is one line
                failed.append((report, _one_line(_name(report), exc, "embedded")))
            else:
                embedded.append(report)
        return embedded, failed

    def _embed(self, group: list[PreparedReport], progress: Progress) -> None:
        """Set the vectors and entities of a group's sentences and the vectors of its passages."""
        sentences = [s for r in group for s in r.sentences]
        texts = [embedding_text(s, r.record.title) for r in group for s in r.sentences]
        vectors = self.store.embedder.encode(texts, progress=progress.sentences)
        for sentence, vector in zip(sentences, vectors):
            sentence.vector = vector
        ensure_entities(sentences)  # typed answers read them at serving time (see vectorstore/entities.py)
        release_memory()
        for report in group:
            for passage, members in zip(report.passages, report.members):
                # A passage's vector is the mean of its sentences': no second encoding pass.
                mean = np.mean([report.sentences[i].vector for i in members], axis=0)
                passage.vector = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)

    def _store_group(self, group: list[PreparedReport]) -> list[tuple[PreparedReport, str]]:
        """Write each report; ``(report, "")`` when stored, ``(report, error)`` when not. A failed
        write leaves the stored version as it was (its new passages are purged as orphans)."""
        out = []
        for report in group:
            report.record.ingested_at = time.time()
            try:
                self.store.write_document(report.record, report.passages, report.sentences)
            except Exception as exc:  # noqa: BLE001 - one report's failure is one line
                out.append((report, _one_line(_name(report), exc, "stored")))
            else:
                out.append((report, ""))
        release_memory()  # Chroma's writes leave freed buffers behind too
        return out

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


def _name(report: PreparedReport) -> str:
    """How messages name a report: its file, else its URL, else its id."""
    return report.record.path or report.record.source or report.record.doc_id
