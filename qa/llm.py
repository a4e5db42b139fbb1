"""The optional LLM answerer: an OpenAI-compatible model writes the answer from numbered passages.

    candidates -> top passages [1..k], fenced as data -> prompt | ChatOpenAI | str -> checked answer

The model's text is never trusted as is: :mod:`qa.llm_output` keeps only sentences that cite a
passage that was in the prompt. When nothing cited remains, or the model errs or times out, the
caller falls back to the extractive answer (these methods return ``None`` for that).
"""
from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from settings import PROJECT_DIR, Settings
from vectorstore import ReportStore

from .extractive import NOT_FOUND
from .llm_output import StreamGrounder, ground
from .passages import Passage, load_passages, passage_citations
from .types import Answer, Candidate, Turn

log = logging.getLogger(__name__)

PROMPTS_DIR = PROJECT_DIR / "prompts"
MAX_PASSAGES = 5
HISTORY_TURNS = 4
HISTORY_CHARS = 600
STREAM_DEADLINE_FACTOR = 4  # a stream may run this many times the per-read timeout in total


@dataclass
class StreamEnd:
    """The last item of :meth:`LLMAnswerer.stream`: the answer, or ``None`` to fall back."""

    answer: Answer | None
    truncated: bool = False  # the model failed after some checked sentences had gone out


@dataclass(frozen=True)
class Prompts:
    system: str
    question: str
    passage: str

    @classmethod
    def load(cls, folder: Path = PROMPTS_DIR) -> "Prompts":
        read = lambda name: (folder / name).read_text(encoding="utf-8").strip()  # noqa: E731
        return cls(read("system.txt"), read("question.txt"), read("passage.txt"))


def fence_passages(passages: Sequence[Passage], template: str, fence: str) -> str:
    """Number the passages [1..k], each between fence lines carrying a per-request random marker.

    Angle-bracket runs inside report text are broken up so a report cannot imitate a fence line.
    """
    blocks = []
    for n, p in enumerate(passages, start=1):
        text = re.sub(r"[<>]{3,}", lambda m: " ".join(m.group()), p.text)
        blocks.append(template.format(n=n, fence=fence, title=p.title or "untitled", outlet=p.outlet or "unknown",
                                      date=p.date or "undated", text=text))
    return "\n\n".join(blocks)


def format_history(history: Sequence[Turn]) -> str:
    """The last few turns as plain context, without old citation marks (their numbers meant other passages)."""
    lines = []
    for t in list(history)[-HISTORY_TURNS:]:
        content = re.sub(r"\s*\[\d{1,3}\]", "", t.content).strip()[:HISTORY_CHARS]
        if content:
            lines.append(f"{'User' if t.role == 'user' else 'Assistant'}: {content}")
    return "Conversation so far (context only):\n" + "\n".join(lines) + "\n\n" if lines else ""


def build_chat_model(settings: Settings):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_url, model=settings.llm_model, api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout, max_retries=0, temperature=0, max_tokens=400,
    )


def build_chain(model, prompts: Prompts) -> Runnable:
    prompt = ChatPromptTemplate.from_messages([("system", prompts.system), ("human", prompts.question)])
    return prompt | model | StrOutputParser()


class LLMAnswerer:
    """Answers with a chat model; returns ``None`` whenever the extractive answer should be used."""

    name = "llm"

    def __init__(self, settings: Settings, store: ReportStore, model=None, prompts: Prompts | None = None,
                 max_passages: int = MAX_PASSAGES):
        self.store = store
        self.timeout = settings.llm_timeout
        self.prompts = prompts or Prompts.load()
        self.chain = build_chain(model if model is not None else build_chat_model(settings), self.prompts)
        self.max_passages = max_passages

    def inputs(self, question: str, passages: Sequence[Passage], history: Sequence[Turn]) -> dict:
        fence = secrets.token_hex(6)
        return {"fence": fence, "passages": fence_passages(passages, self.prompts.passage, fence),
                "history": format_history(history), "question": question.strip()}

    def answer(self, question: str, candidates: Sequence[Candidate], history: Sequence[Turn] = ()) -> Answer | None:
        passages = load_passages(self.store, candidates, self.max_passages)
        if not passages:
            return None
        try:
            reply = self.chain.invoke(self.inputs(question, passages, history))
        except Exception as exc:  # any model failure means: use the extractive answer
            log.warning("LLM answerer failed, falling back to extractive: %s", _describe(exc))
            return None
        checked = ground(reply, len(passages))
        if checked.ok:
            return Answer(answer=checked.text, found=True, citations=passage_citations(passages, checked.order),
                          answerer=self.name)
        if checked.not_found:
            return Answer(answer=NOT_FOUND, found=False, citations=[], answerer=self.name)
        log.info("LLM answer had no valid citation, falling back to extractive")
        return None

    def stream(self, question: str, candidates: Sequence[Candidate],
               history: Sequence[Turn] = ()) -> Iterator[str | StreamEnd]:
        """Yield checked sentences (str) as they complete, then one final item.

        The final item is a :class:`StreamEnd`; its answer is ``None`` (fall back) only when nothing
        was yielded before it. A stream that fails after some sentences went out ends with those
        sentences (all cited), marked ``truncated``: text already sent cannot be taken back.
        """
        passages = load_passages(self.store, candidates, self.max_passages)
        if not passages:
            yield StreamEnd(None)
            return
        grounder = StreamGrounder(len(passages))
        sent: list[str] = []
        failed = False
        deadline = time.monotonic() + self.timeout * STREAM_DEADLINE_FACTOR
        try:
            for token in self.chain.stream(self.inputs(question, passages, history)):
                for sentence in grounder.feed(token):
                    sent.append(sentence)
                    yield sentence
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stream ran over {self.timeout * STREAM_DEADLINE_FACTOR:.0f} s")
            for sentence in grounder.close():
                sent.append(sentence)
                yield sentence
        except Exception as exc:
            log.warning("LLM stream failed after %d sentence(s): %s", len(sent), _describe(exc))
            failed = True
        if sent:
            yield StreamEnd(Answer(answer=" ".join(sent), found=True, answerer=self.name,
                                   citations=passage_citations(passages, grounder.order)), truncated=failed)
        elif not failed and grounder.not_found:
            yield StreamEnd(Answer(answer=NOT_FOUND, found=False, citations=[], answerer=self.name))
        else:
            yield StreamEnd(None)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def build_llm_answerer(settings: Settings, store: ReportStore) -> LLMAnswerer | None:
    return LLMAnswerer(settings, store, max_passages=max(1, settings.top_k)) if settings.llm_enabled else None
