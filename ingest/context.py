"""The text a sentence is embedded as: the sentence with the structure it sits in.

A sentence alone often lacks its subject ("Passports are kept by the site manager." under
"Conditions in Qatar"), and a list item lacks the lead-in that says what it lists. Embedding the
section heading and the lead-in with it lets a question about the section find it. The stored and
quoted text stays the sentence itself.
"""
from __future__ import annotations

import os

from vectorstore import SentenceRecord

SEPARATOR = " · "
_MODE = os.environ.get("REPORTQA_EMBED_CONTEXT", "heading")  # experiment switch, removed once measured


def embedding_text(sentence: SentenceRecord, title: str = "") -> str:
    """``heading · lead-in · sentence`` (empty parts left out)."""
    if _MODE == "plain":
        return sentence.text
    parts = [title] if _MODE == "title" else []
    if sentence.heading and sentence.heading != sentence.text:
        parts.append(sentence.heading)
    if sentence.context:
        parts.append(sentence.context)
    parts.append(sentence.text)
    return SEPARATOR.join(p for p in parts if p)
