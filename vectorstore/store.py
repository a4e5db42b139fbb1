"""The one module that knows Chroma.

Four collections per store (prefix configurable), and a fifth only once questions are stored:

* ``<prefix>_documents`` — one record per report: metadata, the stored text and the active
  ``version``. Switching this record is the atomic step of a re-ingest.
* ``<prefix>_passages``  — citable chunks with character offsets (vector: mean of its sentences).
* ``<prefix>_sentences`` — every sentence, embedded, pointing at its passage.
* ``<prefix>_questions`` — optional: generated questions, each pointing at the sentence it asks
  about (``sentence_id``), with that sentence's report version and filter keys.
* ``<prefix>_meta``      — a generation counter that writers bump so readers in other processes
  notice changes cheaply (one indexed read) and refresh what they cache.

Readers only trust passages whose ``version`` equals the document record's version, so a
report being replaced is seen either old or new, never mixed, and a crash mid-write leaves
only invisible leftovers that the next write removes.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from .dates import report_range
from .embeddings import DIMENSION, PACKAGED_NAME, ChromaEmbeddingAdapter, SentenceEmbedder
from .records import (DocumentRecord, Hit, PassageRecord, QuestionRecord, SentenceRecord, decode_entities,
                      encode_entities)

_GENERATION_ID = "generation"
_ENCODER_ID = "encoder"  # meta record naming the encoder that embedded the store's vectors
_GENERATION_FILE = ".generation"  # embedded mode: the same token in a file, cheap to poll
_PLACEHOLDER = [1.0] + [0.0] * (DIMENSION - 1)  # meta records need some vector
_WRITE_BATCH = 1000
# Set on the document record of reports written with the filter keys below on their passages and
# sentences; reports written before lack it and are filtered by their doc_id instead.
FILTER_KEYS = "filter_keys"


def filter_metadata(doc: DocumentRecord) -> dict[str, str | int]:
    """What store-side filters compare: the report's date range (see :mod:`.dates`) and outlet."""
    lo, hi = report_range(doc.date)
    return {"date_lo": lo, "date_hi": hi, "outlet": doc.outlet}


class StoreError(RuntimeError):
    """The store cannot be opened or used (bad folder, server unreachable, locked...)."""


class StoreLocked(StoreError):
    """Another process is writing to the same store."""


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _structure_meta(heading: str, page: int | None) -> dict:
    """Section heading and PDF page as metadata; no ``page`` key outside PDFs (Chroma metadata
    values cannot be None, and a missing key reads back as None)."""
    return {"heading": heading} if page is None else {"heading": heading, "page": int(page)}


def _page(meta: dict) -> int | None:
    page = meta.get("page")
    return int(page) if isinstance(page, (int, float)) and not isinstance(page, bool) else None


class ReportStore:
    """Reports, passages and sentences in Chroma, embedded on disk or on a Chroma server."""

    def __init__(
        self,
        embedder: SentenceEmbedder,
        path: str | os.PathLike | None = None,
        url: str | None = None,
        prefix: str = "reportqa",
    ):
        if not path and not url:
            raise StoreError("a store needs a folder or a Chroma server URL")
        if not 3 <= len(prefix) <= 40 or not prefix.replace("_", "").replace("-", "").isalnum():
            raise StoreError(f"invalid collection prefix {prefix!r}: use 3-40 letters, digits, - or _")
        self.embedder = embedder
        self.path = Path(path).expanduser().resolve() if path and not url else None
        self.url = url
        self.prefix = prefix
        self._lock = threading.RLock()
        self._client: ClientAPI | None = None
        self._collections: dict[str, object] = {}
        self._seen_generation: str | None = None

    # ----------------------------------------------------------------- connection
    @property
    def location(self) -> str:
        return self.url or str(self.path)

    def _open_client(self) -> ClientAPI:
        if self.url:
            parsed = urlparse(self.url if "://" in self.url else f"http://{self.url}")
            if not parsed.hostname:
                raise StoreError(f"invalid Chroma server URL: {self.url!r}")
            try:
                return chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=_chroma_settings(),
                )
            except Exception as exc:  # chromadb raises several types here
                raise StoreError(f"cannot reach the Chroma server at {self.url}: {exc}") from None
        self._check_folder()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.path), settings=_chroma_settings())
        except Exception as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    def _check_folder(self) -> None:
        assert self.path is not None
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"store path is not a folder: {self.path}")

    def _reopen(self) -> None:
        """Open a fresh embedded client so searches see other processes' writes.

        Chroma caches one system per folder and its in-memory vector index does not follow
        writes made by another process. Dropping the cached system (without stopping it, so
        requests still running on the old collections finish) and opening a new one fixes it.
        """
        if self.path is not None:
            SharedSystemClient._identifier_to_system.pop(str(self.path), None)
            SharedSystemClient._identifier_to_refcount.pop(str(self.path), None)
        self._client = None
        self._collections = {}

    @property
    def client(self) -> ClientAPI:
        with self._lock:
            if self._client is None:
                self._client = self._open_client()
            return self._client

    def _collection(self, kind: str):
        col = self._collections.get(kind)
        if col is None:
            with self._lock:
                col = self._collections.get(kind)
                if col is None:
                    try:
                        col = self.client.get_or_create_collection(
                            name=f"{self.prefix}_{kind}",
                            embedding_function=ChromaEmbeddingAdapter(self.embedder),
                            metadata={"hnsw:space": "cosine"},
                        )
                    except StoreError:
                        raise
                    except Exception as exc:
                        raise StoreError(f"cannot open collection {self.prefix}_{kind} at {self.location}: {exc}") from None
                    self._collections[kind] = col
        return col

    def _existing_collection(self, kind: str):
        """The collection if it exists, else None, without creating it: a store that never had
        questions stays as it was (and readers skip the query)."""
        col = self._collections.get(kind)
        if col is not None:
            return col
        with self._lock:
            try:
                col = self.client.get_collection(
                    name=f"{self.prefix}_{kind}", embedding_function=ChromaEmbeddingAdapter(self.embedder))
            except StoreError:
                raise
            except Exception:  # chromadb raises NotFoundError or ValueError, by version
                return None
            self._collections[kind] = col
            return col

    @property
    def documents_col(self):
        return self._collection("documents")

    @property
    def passages_col(self):
        return self._collection("passages")

    @property
    def sentences_col(self):
        return self._collection("sentences")

    @property
    def questions_col(self):
        return self._collection("questions")

    @property
    def meta_col(self):
        return self._collection("meta")

    def collection_name(self, kind: str) -> str:
        return f"{self.prefix}_{kind}"

    # ----------------------------------------------------------------- generation
    def generation(self) -> str:
        """A token that changes whenever any process writes to the store.

        Embedded, it is read from a small file beside the data (a few microseconds; the Chroma
        read costs 1.5-5 ms and readers check several times per question); on a server, and
        for stores written before that file existed, from the ``meta`` collection.
        """
        if self.path is not None:
            try:
                token = (self.path / _GENERATION_FILE).read_text(encoding="ascii").strip()
                if token:
                    return token
            except OSError:
                pass
        got = self.meta_col.get(ids=[_GENERATION_ID], include=["metadatas"])
        if got["ids"]:
            return str(got["metadatas"][0].get("token", "0"))
        return "0"

    def bump_generation(self) -> str:
        token = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
        self.meta_col.upsert(
            ids=[_GENERATION_ID], embeddings=[_PLACEHOLDER], metadatas=[{"token": token}], documents=[""]
        )
        if self.path is not None:  # after the Chroma write: a reader seeing the token sees the data
            tmp = self.path / f"{_GENERATION_FILE}.{os.getpid()}.{threading.get_ident()}"
            try:
                tmp.write_text(token, encoding="ascii")
                os.replace(tmp, self.path / _GENERATION_FILE)
            except OSError as exc:
                raise StoreError(f"cannot write to the store at {self.path}: {exc.strerror}") from None
        return token

    def refresh(self) -> bool:
        """Re-open the embedded client if another process wrote since we last looked.

        Returns True when the store changed (callers then refresh their own caches).
        """
        token = self.generation()
        if token == self._seen_generation:
            return False
        with self._lock:
            if self._seen_generation is not None and self.path is not None:
                self._reopen()
            self._seen_generation = token
        return True

    # ----------------------------------------------------------------- encoder
    def recorded_encoder(self) -> str | None:
        """The encoder that embedded this store (``SentenceEmbedder.encoder_id``); None for an
        empty store. A store written before encoders were recorded was embedded by the packaged
        MiniLM, the only encoder there was."""
        got = self.meta_col.get(ids=[_ENCODER_ID], include=["metadatas"])
        if got["ids"]:
            return str(got["metadatas"][0].get("encoder") or "") or None
        return PACKAGED_NAME if self.documents_col.count() else None

    def record_encoder(self, encoder: str | None = None) -> None:
        self.meta_col.upsert(ids=[_ENCODER_ID], embeddings=[_PLACEHOLDER], documents=[""],
                             metadatas=[{"encoder": encoder or self.embedder.encoder_id}])
        self._encoder_ok = True

    def encoder_mismatch(self) -> str | None:
        """One line saying the store's vectors come from another encoder than ours, and how to
        fix it; None when they match (or the store is empty)."""
        recorded = self.recorded_encoder()
        ours = self.embedder.encoder_id
        if recorded is None or recorded == ours:
            return None
        where = f"--chroma-url {self.url}" if self.url else f"--store {self.path}"
        return (f"the store at {self.location} was embedded with {recorded}, but this process encodes with {ours}: "
                f"re-embed it with `python -m ingest {where} --reembed` (docs/operations.md#upgrading)")

    def vectors_page(self, kind: str, offset: int, limit: int) -> dict:
        """One page of a collection's records (ids, texts, metadata) for re-embedding."""
        col = self._existing_collection(kind) if kind == "questions" else self._collection(kind)
        if col is None:
            return {"ids": [], "documents": [], "metadatas": []}
        return col.get(offset=offset, limit=limit, include=["metadatas", "documents"])

    def set_vectors(self, kind: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        col = self._collection(kind)
        for lo in range(0, len(ids), _WRITE_BATCH):
            col.update(ids=list(ids[lo : lo + _WRITE_BATCH]), embeddings=np.asarray(vectors[lo : lo + _WRITE_BATCH]))

    # ----------------------------------------------------------------- write lock
    @contextlib.contextmanager
    def write_lock(self, wait: bool = False) -> Iterator[None]:
        """Exclusive writer lock (embedded mode: a file lock beside the data).

        Against a Chroma server there is no lock (Chroma has no compare-and-set to build one
        on): ingests of *different* reports may run at once from any machine; two ingests of
        the *same* report with different content are last-writer-wins, and a writer that finds
        its version already replaced leaves cleanup to the next ingest's purge_orphans.
        """
        if self.path is None:
            yield
            return
        self._check_folder()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fh = open(self.path / ".write.lock", "a+")
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc.strerror}") from None
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise StoreLocked(
                    f"another ingest is writing to {self.path}; wait for it to finish and run again"
                ) from None
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    # ----------------------------------------------------------------- documents
    def list_documents(self) -> list[DocumentRecord]:
        got = self.documents_col.get(include=["metadatas"])
        docs = [DocumentRecord.from_metadata(m) for m in got["metadatas"]]
        return sorted(docs, key=lambda d: (d.date, d.title), reverse=True)

    def without_filter_keys(self) -> set[str]:
        """Reports written before passages carried :func:`filter_metadata` (filtered by doc_id instead)."""
        got = self.documents_col.get(include=["metadatas"])
        return {m["doc_id"] for m in got["metadatas"] if not m.get(FILTER_KEYS)}

    def versions(self) -> dict[str, str]:
        """doc_id -> active version, straight from the store (cheap: metadata only)."""
        got = self.documents_col.get(include=["metadatas"])
        return {m["doc_id"]: m["version"] for m in got["metadatas"]}

    def get_documents(self, doc_ids: Sequence[str], with_text: bool = False) -> dict[str, DocumentRecord]:
        if not doc_ids:
            return {}
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        got = self.documents_col.get(ids=list(doc_ids), include=include)
        texts = got.get("documents") or [""] * len(got["ids"])
        return {i: DocumentRecord.from_metadata(m, t) for i, m, t in zip(got["ids"], got["metadatas"], texts)}

    def get_document(self, doc_id: str, with_text: bool = True) -> DocumentRecord | None:
        return self.get_documents([doc_id], with_text=with_text).get(doc_id)

    def counts(self) -> tuple[int, int]:
        """(documents, active passages)."""
        docs = self.documents_col.get(include=["metadatas"])["metadatas"]
        return len(docs), sum(int(m.get("passages", 0) or 0) for m in docs)

    def write_document(
        self, doc: DocumentRecord, passages: Sequence[PassageRecord], sentences: Sequence[SentenceRecord]
    ) -> None:
        """Add or replace one report: new passages first, then the switch, then cleanup."""
        if not getattr(self, "_encoder_ok", False):
            mismatch = self.encoder_mismatch()
            if mismatch:
                raise StoreError(mismatch)
            self.record_encoder()
        base = {"doc_id": doc.doc_id, "version": doc.version, "written_at": time.time(), **filter_metadata(doc)}
        for lo in range(0, len(passages), _WRITE_BATCH):
            part = passages[lo : lo + _WRITE_BATCH]
            self.passages_col.upsert(
                ids=[p.chunk_id for p in part],
                embeddings=np.stack([p.vector for p in part]),
                documents=[p.text for p in part],
                metadatas=[
                    {**base, "chunk_id": p.chunk_id, "index": p.index, "start": p.start, "end": p.end,
                     "title": doc.title, "date": doc.date, "source": doc.source, "outlet": doc.outlet,
                     **_structure_meta(p.heading, p.page)}
                    for p in part
                ],
            )
        for lo in range(0, len(sentences), _WRITE_BATCH):
            part = sentences[lo : lo + _WRITE_BATCH]
            self.sentences_col.upsert(
                ids=[s.sentence_id for s in part],
                embeddings=np.stack([s.vector for s in part]),
                documents=[s.text for s in part],
                metadatas=[
                    {**base, "chunk_id": s.chunk_id, "index": s.index, "start": s.start, "end": s.end,
                     **_structure_meta(s.heading, s.page), "kind": s.kind, "context": s.context,
                     **({"entities": encode_entities(s.entities)} if s.entities is not None else {})}
                    for s in part
                ],
            )
        doc_vector = np.mean(np.stack([p.vector for p in passages]), axis=0) if passages else np.array(_PLACEHOLDER)
        doc_vector = doc_vector / (np.linalg.norm(doc_vector) or 1.0)
        # The switch: from here on readers see the new version.
        self.documents_col.upsert(
            ids=[doc.doc_id], embeddings=[doc_vector], documents=[doc.text],
            metadatas=[{**doc.metadata(), FILTER_KEYS: 1}],
        )
        # Bump before deleting the old version: a reader that finds old passages gone then
        # always sees a new generation when it checks, and re-syncs (see QAService.ask).
        self.bump_generation()
        # Against a shared Chroma server another process may have switched the record since
        # (there is no cross-machine lock): then leave cleanup to that writer and purge_orphans,
        # rather than deleting the passages of the version now active.
        if self.path is not None or self._active_version(doc.doc_id) == doc.version:
            self._delete_versions(doc.doc_id, keep=doc.version)

    def _active_version(self, doc_id: str) -> str | None:
        got = self.documents_col.get(ids=[doc_id], include=["metadatas"])
        return got["metadatas"][0].get("version") if got["ids"] else None

    def _delete_versions(self, doc_id: str, keep: str | None) -> None:
        where: dict = {"doc_id": doc_id} if keep is None else {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep}}]}
        self.passages_col.delete(where=where)
        self.sentences_col.delete(where=where)
        questions = self._existing_collection("questions")
        if questions is not None:
            questions.delete(where=where)

    def delete_document(self, doc_id: str) -> bool:
        """Remove a report: its record first (readers stop seeing it), then its passages."""
        existed = bool(self.documents_col.get(ids=[doc_id], include=[])["ids"])
        self.documents_col.delete(ids=[doc_id])
        self.bump_generation()
        self._delete_versions(doc_id, keep=None)
        return existed

    def purge_orphans(self, grace_s: float | None = None) -> int:
        """Delete passages, sentences and questions left by an interrupted write (not the active version).

        Embedded, the write lock makes every non-active record an orphan. On a shared server
        another machine may be mid-write (its new version not switched yet), so only records
        older than ``grace_s`` (default one hour there) are removed.
        """
        if grace_s is None:
            grace_s = 0.0 if self.path is not None else 3600.0
        cutoff = time.time() - grace_s
        active = self.versions()
        removed = 0
        questions = self._existing_collection("questions")
        for col in (self.passages_col, self.sentences_col, *([questions] if questions is not None else [])):
            got = col.get(include=["metadatas"])
            stale = [i for i, m in zip(got["ids"], got["metadatas"])
                     if active.get(m.get("doc_id")) != m.get("version") and float(m.get("written_at", 0) or 0) <= cutoff]
            for lo in range(0, len(stale), _WRITE_BATCH):
                col.delete(ids=stale[lo : lo + _WRITE_BATCH])
            removed += len(stale)
        if removed:
            self.bump_generation()
        return removed

    # ----------------------------------------------------------------- questions
    def write_questions(self, questions: Sequence[QuestionRecord]) -> int:
        """Store generated questions (vectors set) for stored sentences; returns how many were stored.

        Each question copies the report version and filter keys of the sentence it points at, so
        replacing or removing the report removes it too and date/outlet filters apply to it.
        Questions about sentences not in the store are skipped. The same question about the same
        sentence again replaces it (its id comes from both).
        """
        ids = list(dict.fromkeys(q.sentence_id for q in questions))
        if not ids:
            return 0
        sentence_meta: dict[str, dict] = {}
        for lo in range(0, len(ids), _WRITE_BATCH):
            got = self.sentences_col.get(ids=ids[lo : lo + _WRITE_BATCH], include=["metadatas"])
            sentence_meta.update({i: m for i, m in zip(got["ids"], got["metadatas"]) if m})
        rows: dict[str, tuple[QuestionRecord, dict]] = {}
        now = time.time()
        for q in questions:
            meta = sentence_meta.get(q.sentence_id)
            if meta is None or q.vector is None:
                continue
            qid = f"{q.sentence_id}.q{hashlib.sha1(q.text.encode('utf-8')).hexdigest()[:12]}"
            keys = {k: meta[k] for k in ("date_lo", "date_hi", "outlet") if k in meta}
            rows[qid] = (q, {"sentence_id": q.sentence_id, "doc_id": meta["doc_id"], "version": meta.get("version", ""),
                             "prompt_version": q.prompt_version, "written_at": now, **keys})
        items = list(rows.items())
        for lo in range(0, len(items), _WRITE_BATCH):
            part = items[lo : lo + _WRITE_BATCH]
            self.questions_col.upsert(
                ids=[qid for qid, _ in part],
                embeddings=np.stack([np.asarray(q.vector, dtype=np.float32) for _, (q, _) in part]),
                documents=[q.text for _, (q, _) in part],
                metadatas=[meta for _, (_, meta) in part],
            )
        if items:
            self.bump_generation()  # readers re-sync and start querying the questions
        return len(items)

    def delete_questions(self, doc_id: str) -> None:
        """Remove every stored question of a report (before storing a fresh set for it)."""
        col = self._existing_collection("questions")
        if col is not None:
            col.delete(where={"doc_id": doc_id})

    def has_questions(self, doc_id: str, version: str, prompt_version: str) -> bool:
        """Whether this version of the report has questions from this prompt version."""
        col = self._existing_collection("questions")
        if col is None:
            return False
        got = col.get(where={"$and": [{"doc_id": doc_id}, {"version": version}, {"prompt_version": prompt_version}]},
                      limit=1, include=[])
        return bool(got["ids"])

    def question_count(self) -> int:
        """Stored questions (0 when the collection does not exist): readers skip the query at 0."""
        col = self._existing_collection("questions")
        return col.count() if col is not None else 0

    def questions_of(self, doc_ids: Iterable[str]) -> list[dict]:
        """The stored questions of some reports: ``{"question", **metadata}`` each (any version)."""
        col = self._existing_collection("questions")
        ids = list(doc_ids)
        if col is None or not ids:
            return []
        got = col.get(where={"doc_id": {"$in": ids}}, include=["metadatas", "documents"])
        return [{"question": t, **m} for t, m in zip(got["documents"], got["metadatas"])]

    def query_questions(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        """The k nearest generated questions (their metadata names the sentence); [] without any."""
        col = self._existing_collection("questions")
        return self._query(col, vector, k, where) if col is not None else []

    # ----------------------------------------------------------------- reads
    def sentences_of(self, doc_ids: Iterable[str]) -> list[SentenceRecord]:
        """All stored sentences of the given reports (any version; callers filter)."""
        ids = list(doc_ids)
        out: list[SentenceRecord] = []
        for lo in range(0, len(ids), 100):
            got = self.sentences_col.get(where={"doc_id": {"$in": ids[lo : lo + 100]}}, include=["metadatas", "documents"])
            for sid, meta, text in zip(got["ids"], got["metadatas"], got["documents"]):
                out.append(SentenceRecord(
                    sentence_id=sid, doc_id=meta["doc_id"], chunk_id=meta["chunk_id"], index=int(meta["index"]),
                    start=int(meta["start"]), end=int(meta["end"]), text=text, version=meta.get("version", ""),
                    heading=str(meta.get("heading", "")), page=_page(meta), kind=str(meta.get("kind", "body")),
                    context=str(meta.get("context", "")),
                    entities=decode_entities(meta.get("entities")),
                ))
        return out

    def query_sentences(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        """The k nearest sentences; ``where`` (a Chroma filter) restricts the search itself, so a
        filtered question still gets its k best matching sentences."""
        return self._query(self.sentences_col, vector, k, where)

    def query_passages(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        return self._query(self.passages_col, vector, k, where)

    def _query(self, col, vector: np.ndarray, k: int, where: dict | None = None) -> list[Hit]:
        # No count() first: Chroma 1.x returns fewer hits when k exceeds the collection, so that
        # round trip (on every question, and a network one against a server) buys nothing.
        res = col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=max(int(k), 1),
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        # A row being deleted by a concurrent re-ingest can come back without its metadata: it is
        # no longer part of any report, so it is left out rather than failing the question.
        return [
            Hit(id=i, text=t, metadata={**m, "heading": str(m.get("heading", "")), "page": _page(m)},
                similarity=1.0 - float(d))
            for i, t, m, d in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
            if m is not None
        ]

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self.sentences_col.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}

    def get_passages(self, chunk_ids: Sequence[str]) -> dict[str, PassageRecord]:
        if not chunk_ids:
            return {}
        got = self.passages_col.get(ids=list(dict.fromkeys(chunk_ids)), include=["metadatas", "documents"])
        return {
            i: PassageRecord(chunk_id=i, doc_id=m["doc_id"], index=int(m["index"]), start=int(m["start"]),
                             end=int(m["end"]), text=t, version=m.get("version", ""),
                             heading=str(m.get("heading", "")), page=_page(m))
            for i, m, t in zip(got["ids"], got["metadatas"], got["documents"])
        }

    def as_langchain(self, kind: str = "passages"):
        """The collection as a langchain-chroma ``Chroma`` vector store (same client)."""
        from langchain_chroma import Chroma

        return Chroma(client=self.client, collection_name=self.collection_name(kind), embedding_function=self.embedder)
