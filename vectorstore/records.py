"""Plain records that cross the boundary between the store and its callers."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np


# Sentence kinds that are context for what follows them, never an answer on their own.
NOT_ANSWERS = frozenset({"heading", "lead_in"})


@dataclass
class DocumentRecord:
    """One report: its metadata, its stored (cleaned) text and the active version."""

    doc_id: str
    title: str
    text: str = ""
    date: str = ""
    source: str = ""
    outlet: str = ""
    author: str = ""
    path: str = ""
    version: str = ""  # content hash of text + metadata; passages carry it too
    passages: int = 0
    ingested_at: float = 0.0

    def metadata(self) -> dict[str, str | int | float]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "outlet": self.outlet,
            "author": self.author,
            "path": self.path,
            "version": self.version,
            "passages": self.passages,
            "ingested_at": self.ingested_at,
        }

    @classmethod
    def from_metadata(cls, meta: dict, text: str = "") -> "DocumentRecord":
        return cls(
            doc_id=str(meta.get("doc_id", "")),
            title=str(meta.get("title", "")),
            text=text or "",
            date=str(meta.get("date", "")),
            source=str(meta.get("source", "")),
            outlet=str(meta.get("outlet", "")),
            author=str(meta.get("author", "")),
            path=str(meta.get("path", "")),
            version=str(meta.get("version", "")),
            passages=int(meta.get("passages", 0) or 0),
            ingested_at=float(meta.get("ingested_at", 0.0) or 0.0),
        )


@dataclass
class PassageRecord:
    """A citable chunk of a report: ``document.text[start:end] == text``."""

    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    vector: np.ndarray | None = None
    version: str = ""
    heading: str = ""  # the section heading the passage sits under ("" before the first one)
    page: int | None = None  # 1-based page of a PDF report where the passage starts; None elsewhere


@dataclass
class SentenceRecord:
    """A sentence of a passage, embedded on its own for fine-grained retrieval."""

    sentence_id: str
    doc_id: str
    chunk_id: str
    index: int
    start: int
    end: int
    text: str
    vector: np.ndarray | None = None
    version: str = ""
    heading: str = ""  # section heading, used as retrieval context and shown with citations
    page: int | None = None  # 1-based PDF page; None outside PDFs
    kind: str = "body"  # body | item | row | caption | heading | lead_in: headings and bare lead-ins are never quoted alone
    context: str = ""  # an item's list lead-in, a table row's header row: quoted and embedded with it
    # Named entities (label, start, end) from vectorstore/entities.py; None for sentences stored before them.
    entities: list[tuple[str, int, int]] | None = None


@dataclass
class QuestionRecord:
    """A generated question about one stored sentence: a second way into that sentence at search
    time, for a user who words a question the way the question is worded, not the sentence."""

    sentence_id: str
    text: str
    vector: np.ndarray | None = None
    prompt_version: str = ""  # which prompt (and so which wording rules) produced it


@dataclass
class Hit:
    """A dense-search result: an id, its metadata, its text and cosine similarity."""

    id: str
    text: str
    metadata: dict
    similarity: float
    vector: np.ndarray | None = field(default=None, repr=False)


def encode_entities(entities) -> str:
    """A sentence's entities as compact JSON (Chroma metadata values must be scalars)."""
    return json.dumps([list(e) for e in entities], separators=(",", ":"))


def decode_entities(value: object) -> list[tuple[str, int, int]] | None:
    """Stored entities back as tuples; None when the record has none (stored before them)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return [(str(label), int(start), int(end)) for label, start, end in json.loads(value)]
    except (ValueError, TypeError):
        return None
