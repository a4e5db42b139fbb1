"""Request and response models of the HTTP API (pydantic): validation and the OpenAPI schemas."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Defaults of Settings.max_question_chars / max_history. The limits in force are per app, so they
# reach the validators through the validation context (ask_limits), not as fixed Field bounds.
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 8000


def ask_limits(settings) -> dict[str, int]:
    """The validation context that applies a :class:`settings.Settings`' question and history limits."""
    return {"max_question_chars": settings.max_question_chars, "max_history": settings.max_history}


def _limit(info: ValidationInfo, name: str, default: int) -> int:
    return int((info.context or {}).get(name, default))


def _no_control_chars(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


class HistoryTurn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)

    _clean = field_validator("content")(_no_control_chars)


MAX_FILTER_ITEMS = 100
_DATE_DOC = ("YYYY, YYYY-MM or YYYY-MM-DD, inclusive. A report's date is a range at its own precision "
             "(2021-04 is all of April 2021) and matches when that range overlaps the bound")


class AskFilters(BaseModel):
    """Which reports are searched and cited (all optional; every given field must match)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    since: str | None = Field(None, max_length=10, description="reports dated on or after this; " + _DATE_DOC)
    until: str | None = Field(None, max_length=10, description="reports dated on or before this; " + _DATE_DOC)
    outlets: list[str] | None = Field(None, max_length=MAX_FILTER_ITEMS, description="only reports from these outlets (exact names, as in /api/documents)")
    doc_ids: list[str] | None = Field(None, max_length=MAX_FILTER_ITEMS, description="only these reports")

    @field_validator("outlets", "doc_ids")
    @classmethod
    def _items(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not v.strip() or len(v) > 500 for v in value):
            raise ValueError("items must be non-empty strings of at most 500 characters")
        return value

    @model_validator(mode="after")
    def _dates(self) -> "AskFilters":
        self.report_filter()  # ValueError (-> 400) on a non-date or since after until
        return self

    def report_filter(self):
        from qa.filters import ReportFilter

        return ReportFilter.of(self.since, self.until, self.outlets or (), self.doc_ids or ())


class AskRequest(BaseModel):
    """Body of ``POST /api/ask`` and ``POST /api/ask/stream``."""

    model_config = ConfigDict(strict=True, extra="ignore")

    question: str = Field(min_length=1, description="the question, 1 to REPORTQA_MAX_QUESTION_CHARS characters (default 2000)")
    history: list[HistoryTurn] = Field(default_factory=list,
                                       description="earlier turns, oldest first; at most REPORTQA_MAX_HISTORY (default 20)")
    filters: AskFilters | None = Field(None, description="search and cite only the matching reports")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str, info: ValidationInfo) -> str:
        limit = _limit(info, "max_question_chars", MAX_QUESTION_CHARS)
        if len(value) > limit:  # the same error pydantic's own max_length gives
            raise PydanticCustomError("string_too_long", "String should have at most {max_length} characters",
                                      {"max_length": limit})
        value = _no_control_chars(value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("history")
    @classmethod
    def _history(cls, value: list[HistoryTurn], info: ValidationInfo) -> list[HistoryTurn]:
        limit = _limit(info, "max_history", MAX_HISTORY_TURNS)
        if len(value) > limit:
            raise PydanticCustomError("too_long", "List should have at most {max_length} items",
                                      {"max_length": limit})
        return value


class Highlight(BaseModel):
    start: int
    end: int
    kind: str = Field("body", description="what the highlighted text is: body, item, row, caption or lead_in")


class CitationOut(BaseModel):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    date: str
    source: str
    outlet: str
    text: str
    start: int
    end: int
    score: float
    highlights: list[Highlight] = []
    heading: str = Field("", description="the section heading the cited text sits under ('' before the first one)")
    page: int | None = Field(None, description="the PDF page of the cited text (1-based); null outside PDFs")
    kind: Literal["passage", "caption"] = Field("passage", description="'caption' when all that is cited is a caption")


class ClosestPassage(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float


class DatedValue(BaseModel):
    """What one other report says when reports disagree (the page shows these as "Other reports say")."""

    doc_id: str
    outlet: str
    title: str
    date: str
    n: int = Field(description="the citation number of its passage")
    value: str = Field(description="the value as written")
    normalized: float | list[float] | None = Field(description="a number, or [low, high] for a range; durations in months")
    unit: str = Field(description="count: ''; duration: 'months'; amount: a currency code; percent: 'percent'")


class AskResponse(BaseModel):
    answer: str
    found: bool
    citations: list[CitationOut]
    answerer: Literal["extractive", "llm"] = "extractive"
    took_ms: float
    query: str = Field("", description="the question as searched, after follow-up resolution")
    closest: list[ClosestPassage] = []
    confidence: float | None = Field(None, description=(
        "the best sentence's answerability, 0-1 (extractive answers and refusals; null for LLM answers). "
        "Answers are given from the calibrated threshold (0.69) up; below 0.8 fewer than half were right "
        "on questions the method was not tuned on, so the chat page marks them as uncertain"))
    others: list[DatedValue] = Field([], description="when reports disagree on a figure: the other reports' dated values")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class HealthResponse(BaseModel):
    status: Literal["ok"]
    documents: int
    passages: int
    encoder: str = Field(description="the encoder questions are embedded with (recorded in the store at ingest)")
    reader: bool = Field(description="the trained reader rescores candidates (REPORTQA_READER)")
    warning: str | None = Field(description="set when the store was embedded by another encoder: how to re-embed")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str
    source: str
    outlet: str
    author: str
    passages: int
    ingested_at: float


class DocumentDetail(DocumentOut):
    text: str = Field(description="the stored (cleaned) text; citation offsets point into it")


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]


# --- Timeline (POST /api/timeline) -----------------------------------------------------------------

class TimelineRequest(BaseModel):
    """Body of ``POST /api/timeline``: a question about a number, and optional report filters."""

    model_config = ConfigDict(strict=True, extra="forbid")

    question: str = Field(min_length=1, description="the question, 1 to REPORTQA_MAX_QUESTION_CHARS characters (default 2000)")
    filters: AskFilters | None = None

    @field_validator("question")
    @classmethod
    def _question(cls, value: str, info: ValidationInfo) -> str:
        return AskRequest._question(value, info)


class TimelinePoint(BaseModel):
    date: str = Field(description="the report's date, at its own precision")
    value: str = Field(description="the value as written in the report")
    normalized: float | list[float] = Field(description="a number, or [low, high] for a range; durations in months")
    text: str = Field(description="the sentence that gives it")
    citation: CitationOut


class TimelineResponse(BaseModel):
    question: str
    kind: Literal["count", "amount", "duration", "percent", ""] = Field(
        description="the kind of number asked for ('' when the question asks for none)")
    unit: str = Field(description="count: ''; amount: a currency code ('' if unnamed); duration: 'months'; percent: 'percent'")
    points: list[TimelinePoint] = Field(description="one per dated report that gives a value, sorted by report date")
    undated: list[TimelinePoint] = Field(default_factory=list,
                                         description="the reports without a date that give a value (date '')")
    insufficient: bool = Field(description="fewer than two dated points: no change over time to show")


# --- Streaming (POST /api/ask/stream): the data of each Server-Sent Event -------------------------

class StreamDelta(BaseModel):
    """``event: delta`` — a piece of answer text, in order."""

    text: str


class StreamCitations(BaseModel):
    """``event: citations`` — the citation objects, once, after the text."""

    citations: list[CitationOut]


class StreamDone(BaseModel):
    """``event: done`` — the last event of a successful answer."""

    found: bool
    answerer: str = Field(description="'extractive' or 'llm'")
    took_ms: float
    query: str = Field("", description="the question as searched, after follow-up resolution")
    confidence: float | None = Field(None, description="as in the /api/ask response")
    others: list[DatedValue] = Field([], description="as in the /api/ask response")


# --- Ingest over HTTP (POST/DELETE /api/documents) -----------------------------------------------

MAX_REPORT_CHARS = 1_000_000


def _date(value: str | None) -> str | None:
    from ingest.header import normalize_date

    if value is None or not value.strip():
        return None
    date = normalize_date(value)
    if date is None:
        raise ValueError(f"unreadable date {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    return date


class ReportMeta(BaseModel):
    """Metadata given with an upload; any field given overrides the report's own header."""

    model_config = ConfigDict(strict=True, extra="forbid")

    title: str | None = Field(None, max_length=500)
    date: str | None = Field(None, max_length=40, description="YYYY, YYYY-MM or YYYY-MM-DD (other common forms are normalised)")
    source: str | None = Field(None, max_length=2000, description="the report's URL; it also fixes the report's id")
    outlet: str | None = Field(None, max_length=200)
    author: str | None = Field(None, max_length=200)

    _clean = field_validator("title", "source", "outlet", "author")(lambda v: None if v is None else _no_control_chars(v).strip())
    _date = field_validator("date")(_date)

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"text", "file"}).items() if v}


class DocumentIn(ReportMeta):
    """JSON body of ``POST /api/documents``: the report text plus its metadata."""

    text: str = Field(min_length=1, max_length=MAX_REPORT_CHARS,
                      description="the report body (a 'Title:/Date:/...' header block at its top is read as the CLI does)")


class DocumentUrlIn(ReportMeta):
    """JSON body of ``POST /api/documents`` that names a page or PDF to fetch instead of sending it."""

    url: str = Field(min_length=8, max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://",
                     description="an http(s) URL of an HTML page or a PDF; the stored source is the final URL after redirects")


class DocumentJsonIn(RootModel[DocumentIn | DocumentUrlIn]):
    """JSON body of ``POST /api/documents``: the report's text, or a URL to fetch it from."""


class DocumentUpload(ReportMeta):
    """Multipart body of ``POST /api/documents``: a report file (.txt, .md, .html, .pdf) plus optional metadata fields."""

    file: bytes = Field(description="the report file; its name's extension picks the reader, as in the CLI")


class IngestResponse(BaseModel):
    status: Literal["added", "updated", "unchanged"]
    document: DocumentOut
    warnings: list[str] = []


class DeleteResponse(BaseModel):
    deleted: str = Field(description="the id of the removed report")


# --- OpenAI-compatible API (/v1) -------------------------------------------------------------------

class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text: a string, or its text parts joined (images and other parts are ignored)."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content or [] if p.type == "text" and p.text)


class ChatCompletionRequest(BaseModel):
    """Body of ``POST /v1/chat/completions``; other OpenAI parameters (temperature, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="the service's model id (see GET /v1/models)")
    filters: AskFilters | None = Field(None, description="an extension (the openai client sends it with extra_body): "
                                                         "search and cite only the matching reports")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200,
                                        description="the last user message is the question; earlier user/assistant "
                                                    "messages are the history; system messages are ignored")
    stream: bool = False


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    citations: list[CitationOut] = Field(description="the sources of the answer's [n] marks (an extension)")


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChunkDelta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One ``data:`` line of a streamed completion; the stream ends with ``data: [DONE]``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[CitationOut] | None = Field(None, description="on the final chunk only: the answer's sources")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
