"""Request and response models of the HTTP API (pydantic): validation and the OpenAPI schemas."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 8000


def _no_control_chars(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


class HistoryTurn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)

    _clean = field_validator("content")(_no_control_chars)


class AskRequest(BaseModel):
    """Body of ``POST /api/ask`` and ``POST /api/ask/stream``."""

    model_config = ConfigDict(strict=True, extra="ignore")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question, 1-2000 characters")
    history: list[HistoryTurn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                       description="earlier turns, oldest first")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        value = _no_control_chars(value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class Highlight(BaseModel):
    start: int
    end: int


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


class ClosestPassage(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float


class AskResponse(BaseModel):
    answer: str
    found: bool
    citations: list[CitationOut]
    answerer: Literal["extractive", "llm"] = "extractive"
    took_ms: float
    query: str = Field("", description="the question as searched, after follow-up resolution")
    closest: list[ClosestPassage] = []


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class HealthResponse(BaseModel):
    status: Literal["ok"]
    documents: int
    passages: int


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    date: str
    source: str
    outlet: str
    author: str
    passages: int
    ingested_at: float


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]
