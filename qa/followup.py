"""Resolve follow-up questions against the chat history, offline. Pure functions.

"Who recruits them?" after "Which countries are the laborers sent to?" is searched as if the
subject were restated: when a question is short or leans on a pronoun, the content terms of the
previous user turns that it lacks are appended to the search query.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .text import STOPWORDS, terms, words
from .types import Turn

_ANAPHORA = {"they", "them", "their", "theirs", "it", "its", "this", "that", "these", "those", "he", "she",
             "him", "her", "his", "there", "such", "same", "other", "others"}
_ELLIPSIS = re.compile(r"^\s*(and|also|what about|how about|and what|and how|what of|then|so)\b", re.I)


def needs_context(question: str) -> bool:
    tokens = words(question)
    content = [w for w in tokens if w not in STOPWORDS]
    return bool(_ELLIPSIS.match(question)) or any(w in _ANAPHORA for w in tokens) or len(content) <= 2


def resolve_followup(question: str, history: Sequence[Turn], max_turns: int = 2) -> str:
    """The search query for ``question`` given earlier turns (the question itself if standalone)."""
    if not history or not needs_context(question):
        return question
    previous = [t.content for t in history if t.role == "user" and t.content.strip()][-max_turns:]
    if not previous:
        return question
    have = set(terms(question))
    extra: list[str] = []
    for text in reversed(previous):  # most recent first
        for word in words(text):
            if word in STOPWORDS or len(word) < 3:
                continue
            t = terms(word)
            if t and t[0] not in have:
                have.add(t[0])
                extra.append(word)
    return f"{question} ({' '.join(extra)})" if extra else question
