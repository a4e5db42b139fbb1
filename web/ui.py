"""The chat page blueprint. Everything it needs is served by the app: no CDN, no build step.

Starter questions come from ``REPORTQA_STARTER_QUESTIONS`` ("|"-separated) when set; otherwise
they are derived from the stored reports (cached per store generation, so a page view costs
one small metadata read once the corpus is known).
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence

from flask import Blueprint, render_template

from .services import services

bp = Blueprint("ui", __name__)
log = logging.getLogger(__name__)

MAX_STARTERS = 4
SCAN_DOCS = 30  # reports read to derive starters (the most recent ones)
SCAN_CHARS = 20000  # characters read per report

# Questions about the subjects this service is built for, each with the word stems that show a
# corpus can answer it. A question is offered only when the stored reports mention its subject.
TOPIC_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Which countries are the laborers sent to?", ("countr", "abroad", "overseas", "dispatch")),
    ("How are the workers recruited?", ("recruit", "select", "screen")),
    ("How much are the workers paid?", ("wage", "salar", "paid", "pay ", "earn", "dollar")),
    ("What work do the laborers do abroad?", ("construction", "factor", "logging", "restaurant", "fishing")),
    ("How long do the workers stay before returning?", ("return", "rotat", "years", "contract")),
    ("What documents or visas do the workers travel with?", ("visa", "passport", "document", "permit")),
    ("What do the reports say about sanctions?", ("sanction", "resolution", "un security")),
)
FALLBACK_STARTERS = [q for q, _ in TOPIC_QUESTIONS[:3]]

_cache: dict[tuple[str, str], list[str]] = {}
_cache_lock = threading.Lock()


def configured_starters(raw: str | None) -> list[str]:
    """Parse the "|"-separated setting; empty entries are dropped."""
    return [q.strip() for q in (raw or "").split("|") if q.strip()]


def derive_starters(titles: Sequence[str], texts: Iterable[str], limit: int = MAX_STARTERS) -> list[str]:
    """Pick the subject questions the reports can answer, most widely covered first.

    Pure function. With no matching subject, ask about the most recent report titles instead;
    with no reports at all, return the generic questions.
    """
    bodies = [t.lower() for t in texts]
    scored = []
    for order, (question, stems) in enumerate(TOPIC_QUESTIONS):
        coverage = sum(1 for body in bodies if any(stem in body for stem in stems))
        if coverage:
            scored.append((-coverage, order, question))
    picked = [q for _, _, q in sorted(scored)][:limit]
    for title in titles:
        if len(picked) >= min(2, limit):
            break
        title = re.sub(r"\s+", " ", title).strip()
        if title:
            short = title if len(title) <= 80 else title[:77].rsplit(" ", 1)[0] + "…"
            picked.append(f"What does the report “{short}” say?")
    return picked or FALLBACK_STARTERS[:limit]


def corpus_starters() -> list[str]:
    """Starters for the current store, recomputed only when the store's generation changes."""
    store = services().qa.store
    try:
        key = (str(store.location), store.generation())
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        docs = sorted(store.list_documents(), key=lambda d: d.ingested_at, reverse=True)[:SCAN_DOCS]
        full = store.get_documents([d.doc_id for d in docs], with_text=True)
        texts = [d.title + "\n" + full.get(d.doc_id, d).text[:SCAN_CHARS] for d in docs]
        starters = derive_starters([d.title for d in docs], texts)
    except Exception:  # the page must render even when the store cannot be read
        log.warning("could not derive starter questions from the store", exc_info=True)
        return FALLBACK_STARTERS
    with _cache_lock:
        if len(_cache) > 16:
            _cache.clear()
        _cache[key] = starters
    return starters


@bp.get("/")
def index():
    settings = services().settings
    starters = configured_starters(settings.starter_questions) or corpus_starters()
    return render_template("index.html", starters=starters, max_question_chars=settings.max_question_chars,
                           max_history=settings.max_history)
