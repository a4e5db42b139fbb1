"""What the QA pipeline passes around and returns."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    content: str


@dataclass
class Candidate:
    """A sentence that may answer the question, with the evidence used to rank it."""

    sentence_id: str
    doc_id: str
    chunk_id: str
    index: int  # sentence number within the report
    start: int
    end: int
    text: str
    dense: float = 0.0  # cosine similarity to the question
    keyword: float = 0.0  # BM25 score, normalised to [0, 1] within the question
    overlap: float = 0.0  # IDF-weighted share of question terms found in the sentence (or its title)
    context: float = 0.0  # similarity of the neighbouring sentences (helps "they"/"this" sentences)
    relevance: float = 0.0  # weighted sum of the features above (qa.scoring.combine)
    answerability: float = 0.0  # probability that the sentence answers the question (qa.answerability)
    # a why-question's answerability when the reason must be marked ("because", "citing"): decides
    # whether the question is answered at all; answerability, without that check, ranks (None: not asked why)
    marked: float | None = None
    score: float = 0.0  # final ranking score
    date: str = ""
    title: str = ""
    outlet: str = ""
    kind: str = "body"  # body | item | row | caption (headings and lead-ins are never candidates)
    heading: str = ""  # section heading the sentence sits under
    lead_in: str = ""  # an item's lead-in / a row's header row (SentenceRecord.context), quoted before it
    page: int | None = None  # PDF page
    entities: list[tuple[str, int, int]] | None = None  # named entities (label, start, end); None: not known
    previous: str = ""  # the sentence before it in the report (the reader reads it as context)
    setting: str = ""  # the names in the report's opening, its dateline and lead (qa.subject.setting)
    reader: float | None = None  # the trained reader's probability that it answers (qa.reader); None: not read


@dataclass
class Citation:
    n: int
    doc_id: str
    chunk_id: str
    title: str
    date: str
    source: str
    outlet: str
    text: str  # the passage
    start: int  # passage offsets in the report's stored text
    end: int
    score: float
    highlights: list[dict] = field(default_factory=list)  # cited sentences, offsets within `text`, and kind
    heading: str = ""  # section heading of the cited text ("" before the first heading)
    page: int | None = None  # PDF page of the cited text; None outside PDFs
    kind: str = "passage"  # "caption" when everything cited from this passage is a caption

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class StreamEvent:
    """One piece of a streamed answer.

    kinds, in order: ``delta`` (data: str, a piece of answer text; zero or more), ``citations``
    (data: list[Citation], once), ``done`` (data: dict with found, answerer, took_ms, query).
    """

    kind: str
    data: Any


@dataclass
class Answer:
    answer: str
    found: bool
    citations: list[Citation]
    answerer: str = "extractive"
    took_ms: float = 0.0
    query: str = ""  # the question as searched (after follow-up resolution)
    closest: list[dict] = field(default_factory=list)  # when not found: nearest passages, not citations
    # The best sentence's answerability (extractive answers and refusals; None for the LLM's):
    # on the fresh questions, answers below 0.8 were right less than half the time.
    confidence: float | None = None
    # When reports disagree (qa.extractive.find_conflicts): the other reports' dated values, each
    # {doc_id, outlet, title, date, n, value, normalized, unit}, for the page's "Other reports say".
    others: list[dict] = field(default_factory=list)

    @property
    def rounded_confidence(self) -> float | None:
        return None if self.confidence is None else round(self.confidence, 3)

    def as_dict(self) -> dict:
        return {
            "answer": self.answer,
            "found": self.found,
            "citations": [c.as_dict() for c in self.citations],
            "answerer": self.answerer,
            "took_ms": round(self.took_ms, 2),
            "query": self.query,
            "closest": self.closest,
            "confidence": self.rounded_confidence,
            "others": self.others,
        }
