"""Resolve follow-up questions against the chat history, offline. Pure functions.

"Who recruits them?" after "Which countries are the laborers sent to?" is searched as if the
subject were restated: when a question is short or leans on a pronoun, the content terms of the
previous user turns that it lacks are appended to the search query.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .text import STOPWORDS, cased_words, terms, words
from .types import Turn

_ANAPHORA = {"they", "them", "their", "theirs", "it", "its", "this", "that", "these", "those", "he", "she",
             "him", "her", "his", "there", "such", "same", "other", "others"}
_ELLIPSIS = re.compile(r"^\s*(and|also|what about|how about|and what|and how|what of|then|so)\b", re.I)


def needs_context(question: str) -> bool:
    tokens = words(question)
    content = [w for w in tokens if w not in STOPWORDS]
    return bool(_ELLIPSIS.match(question)) or any(w in _ANAPHORA for w in tokens) or len(content) <= 2


# "Why not?", "Why?", "How come?" on their own ask about the statement just made.
_BARE_WHY = re.compile(r"^\W*(?:and\s+)?(?:why(?:\s+not)?|how come)\W*$", re.I)
_DENIAL = re.compile(r"(?:\b(?:not|never|cannot|no longer)\b|n['’]t\b)((?:[^\w?.!;()\[\]]+[\w’'-]+){1,4})", re.I)


def denied_in_last_answer(history: Sequence[Turn]) -> str:
    """What the last answer denies ("... do not want to return to North Korea" -> "not want to return to"), or ''."""
    last = next((t.content for t in reversed(history) if t.role == "assistant" and t.content.strip()), "")
    for m in _DENIAL.finditer(last):
        if terms(m.group(1)):
            return "not " + " ".join(m.group(1).split())
    return ""


def _carried_words(text: str) -> list[str]:
    """The words of an earlier question as carried into the query: names keep their capitals
    (the answer must then mention "Mongolia", as if the user had typed it), the rest lower-cased,
    the question's own first word lower-cased too."""
    return [w if i and w[:1].isupper() and w[1:2].islower() else w.lower() for i, w in enumerate(cased_words(text))]


def resolve_followup(question: str, history: Sequence[Turn], max_turns: int = 2) -> str:
    """The search query for ``question`` given earlier turns (the question itself if standalone)."""
    if not history or not needs_context(question):
        return question
    if _BARE_WHY.match(question):
        # "Why not?" after "Most do not want to return": ask why they do not want to return.
        denied = denied_in_last_answer(history)
        if denied:
            question = f"Why {denied}?"
    previous = [t.content for t in history if t.role == "user" and t.content.strip()][-max_turns:]
    if not previous:
        return question
    have = set(terms(question))
    extra: list[str] = []
    for text in reversed(previous):  # most recent first
        for word in _carried_words(text):
            if word.lower() in STOPWORDS or len(word) < 3:
                continue
            t = terms(word)
            if t and t[0] not in have:
                have.add(t[0])
                extra.append(word)
    return f"{question} ({' '.join(extra)})" if extra else question
