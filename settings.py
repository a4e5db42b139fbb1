"""All runtime settings in one typed place, read from ``REPORTQA_*`` environment variables.

Every module takes what it needs from a :class:`Settings` instance rather than reading the
environment itself, so tests and the CLI can build one explicitly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_STORE = PROJECT_DIR / "data" / "store"
SAMPLE_REPORTS = PROJECT_DIR / "data" / "reports"


def _env(name: str) -> str | None:
    value = os.environ.get(f"REPORTQA_{name}")
    return value if value not in (None, "") else None


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Settings:
    """Service configuration. Field ``foo_bar`` is read from ``REPORTQA_FOO_BAR``."""

    # Storage
    store: Path = DEFAULT_STORE  # embedded Chroma folder
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8001 -> use a `chroma run` server
    collection: str = "reportqa"  # prefix of the Chroma collections
    # Embedding model: a local sentence-transformers folder. Default: the fine-tuned retriever
    # (vectorstore/retriever, a delta on the packaged MiniLM), or the packaged MiniLM itself when
    # ``retriever`` is off. Changing either needs ``python -m ingest --reembed`` (docs/operations.md#upgrading).
    embedding_model: str | None = None
    retriever: bool = True
    torch_threads: int = 0  # 0 = leave torch's default
    # Retrieval and answering
    top_k: int = 5  # passages returned as citations at most
    max_answer_sentences: int = 3
    min_score: float | None = None  # refusal threshold override (default: the calibrated one)
    reranker: str | None = None  # local CrossEncoder folder (optional)
    reader: bool = False  # the trained reader (qa/reader.py) rescores the first stage's top candidates
    followup_rank: bool = True  # the trained follow-up ranker (qa/followup_rank.py) orders a follow-up's answers
    # Optional LLM answerer (any OpenAI-compatible endpoint)
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    # Optional question-side index at ingest (docs/ingest.md): a model writes questions per answer
    # sentence. Its own endpoint, because ingest runs offline and may use another model than answering.
    question_llm_url: str | None = None
    question_llm_model: str = "local"
    question_llm_api_key: str | None = None
    questions_per_sentence: int = 2
    question_llm_timeout: float = 120.0  # a CPU model takes tens of seconds per reply
    # HTTP API
    max_question_chars: int = 2000
    max_history: int = 20
    max_content_length: int = 2 * 1024 * 1024
    api_token: str | None = None
    # POST /api/documents {"url"} refuses loopback/private addresses unless this is on (the server
    # would otherwise fetch internal services for any token holder)
    fetch_private_urls: bool = False
    require_token_for_reads: bool = False
    cors_origins: str | None = None  # comma-separated origins, or "*"
    rate_limit: str | None = None  # e.g. "60/minute" per client address
    starter_questions: str | None = None  # "|"-separated list shown on an empty chat

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        """Build settings from the environment; explicit ``overrides`` win."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = _env(f.name.upper())
            if raw is None:
                continue
            kind = str(f.type)
            try:
                if "Path" in kind:
                    values[f.name] = Path(raw).expanduser()
                elif "bool" in kind:
                    values[f.name] = _bool(raw)
                elif "int" in kind:
                    values[f.name] = int(raw)
                elif "float" in kind:
                    values[f.name] = float(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ValueError(f"REPORTQA_{f.name.upper()}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "store" in values:
            values["store"] = Path(values["store"]).expanduser()
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

    @property
    def embedding_path(self) -> str:
        """The encoder folder these settings select (see ``vectorstore.resolve_model_path``)."""
        from vectorstore.embeddings import resolve_model_path

        return resolve_model_path(self.embedding_model, self.retriever)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_url and self.llm_model)

    @property
    def question_index_enabled(self) -> bool:
        return bool(self.question_llm_url) and self.questions_per_sentence > 0
