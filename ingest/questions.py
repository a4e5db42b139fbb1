"""Question-side indexing: at ingest, a model writes a few questions per answer sentence, stored
as extra vectors that point at the sentence (docs/ingest.md#question-side-index).

A user's question then has two ways into a sentence: its own wording against the sentence's, and
against questions someone (the model) already asked about it. The second helps where a report
says something in words no reader would use ("keeps roughly a fifth of what the camp pays" for
"how much of their wages do they get?"). All the cost is at ingest (one model call per sentence);
asking costs one more nearest-neighbour query.

Also holds the project's one OpenAI-compatible chat client, which the data engine
(``bench/generate.py``) uses too.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vectorstore import QuestionRecord, ReportStore
from vectorstore.records import NOT_ANSWERS

if TYPE_CHECKING:  # the pipeline imports this module
    from settings import Settings

    from .pipeline import PreparedReport

PROMPT = Path(__file__).resolve().parents[1] / "prompts" / "index_questions.txt"
# Stored with every question: a changed prompt is a different index, and re-ingest fills it anew.
PROMPT_VERSION = "idx-v1"
MIN_SENTENCE_CHARS = 40  # shorter ones (datelines, bylines, fragments) rarely carry a fact to ask about
MAX_QUESTION_CHARS = 300


def parse_reply(text: str) -> dict:
    """The model's JSON, tolerating a code fence or prose around it; {} when there is none."""
    m = re.search(r"\{.*\}", text, re.S)
    if not m:
        return {}
    try:
        data = json.loads(m.group(0))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


class ChatClient:
    """The smallest OpenAI-compatible chat client: one JSON POST, no streaming.

    Plain urllib rather than langchain-openai: ingest (and the data engine) need one blocking
    request per prompt, and a failure must surface as an ``OSError`` the caller turns into a line.
    """

    def __init__(self, url: str, model: str, api_key: str = "x", timeout: float = 120.0):
        self.url = url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout = model, api_key, timeout

    def complete(self, prompt: str, temperature: float = 0.7, max_tokens: int = 400) -> str:
        body = json.dumps({"model": self.model, "temperature": temperature, "max_tokens": max_tokens,
                           "messages": [{"role": "user", "content": prompt}]}).encode()
        req = urllib.request.Request(self.url, data=body, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read())["choices"][0]["message"]["content"] or ""


def sentence_window(sentences: Sequence, i: int, text: str | None = None) -> str:
    """Sentence ``i`` (or ``text`` in its place) with one neighbour each side: the context a model
    is shown when asked about it (here, and by the data engine, ``bench/generate.py``)."""
    parts = (sentences[i - 1].text if i > 0 else "", sentences[i].text if text is None else text,
             sentences[i + 1].text if i + 1 < len(sentences) else "")
    return " ".join(x for x in parts if x)


class QuestionError(RuntimeError):
    """The endpoint could not be used for a report (down, timed out, an HTTP error)."""


@dataclass
class Generated:
    """The questions for one report, and how many replies could not be read."""

    pairs: list[tuple[str, str]] = field(default_factory=list)  # (sentence_id, question)
    asked: int = 0
    unreadable: int = 0


def clean_questions(items: object, sentence: str, n: int) -> list[str]:
    """The usable questions of a reply: strings ending in "?", not the sentence itself, no repeats."""
    out: list[str] = []
    seen = {" ".join(sentence.lower().split()).rstrip(".?!")}
    for item in items if isinstance(items, list) else []:
        q = " ".join(str(item.get("question", "") if isinstance(item, dict) else item).split())
        key = q.lower().rstrip("?")
        if not q.endswith("?") or len(q.split()) < 3 or len(q) > MAX_QUESTION_CHARS or key in seen:
            continue
        seen.add(key)
        out.append(q)
        if len(out) >= n:
            break
    return out


class QuestionGenerator:
    """Asks the model for ``per_sentence`` questions about every answer sentence of a report."""

    def __init__(self, client: ChatClient, per_sentence: int = 2):
        self.client = client
        self.per_sentence = per_sentence
        self.template = PROMPT.read_text(encoding="utf-8")
        self.version = PROMPT_VERSION

    @classmethod
    def from_settings(cls, settings: "Settings") -> "QuestionGenerator | None":
        """None when ``REPORTQA_QUESTION_LLM_URL`` is unset: the index is off and nothing is asked."""
        if not settings.question_index_enabled:
            return None
        client = ChatClient(settings.question_llm_url, settings.question_llm_model,
                            settings.question_llm_api_key or "x", timeout=settings.question_llm_timeout)
        return cls(client, settings.questions_per_sentence)

    def prompt(self, title: str, heading: str, window: str, sentence: str) -> str:
        return self.template.format(title=title, heading=heading or "-", window=window, sentence=sentence,
                                    n=self.per_sentence)

    def generate(self, report: "PreparedReport") -> Generated:
        """Questions about the report's answer sentences (not headings or bare lead-ins).

        Raises :class:`QuestionError` at the first request that fails: a report gets all its
        questions or none, so one with none is simply asked again on the next ingest.
        """
        out = Generated()
        sents = report.sentences
        for i, s in enumerate(sents):
            if s.kind in NOT_ANSWERS or len(s.text) < MIN_SENTENCE_CHARS:
                continue
            text = f"{s.context} {s.text}" if s.context else s.text  # an item is asked about with its lead-in
            window = sentence_window(sents, i, text)
            out.asked += 1
            try:
                reply = self.client.complete(self.prompt(report.record.title, s.heading, window, text))
            except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                # OSError covers refused connections, timeouts and HTTP errors (urllib.error.URLError);
                # the others, a 200 whose body is not a chat completion.
                reason = getattr(exc, "reason", None) or exc
                raise QuestionError(f"{type(exc).__name__}: {' '.join(str(reason).split())[:160]}") from None
            questions = clean_questions(parse_reply(reply).get("questions"), s.text, self.per_sentence)
            if not questions:
                out.unreadable += 1
            out.pairs.extend((s.sentence_id, q) for q in questions)
        return out


def store_questions(store: ReportStore, pairs: Sequence[tuple[str, str]], version: str = PROMPT_VERSION) -> int:
    """Embed ``(sentence_id, question)`` pairs with the store's embedder and store them as question
    vectors pointing at those (already stored) sentences; returns how many were stored.

    The one way questions get into the store: ingest calls it with generated questions, and
    ``bench/question_index.py`` with questions written elsewhere.
    """
    pairs = [(sid, q) for sid, q in pairs if q.strip()]
    if not pairs:
        return 0
    vectors = store.embedder.encode([q for _, q in pairs])
    return store.write_questions([QuestionRecord(sid, q, vec, version) for (sid, q), vec in zip(pairs, vectors)])
