"""The text a sentence is embedded as: the sentence with the structure it sits in.

A sentence alone often lacks its subject ("Passports are kept by the site manager." under
"Conditions in Qatar"), and a list item lacks the lead-in that says what it lists. Embedding the
section heading and the lead-in with it lets a question about the section find it. The stored and
quoted text stays the sentence itself.

The report title is left out: prefixed to every sentence it moved every vector of a report the
same way, and on the sample questions false refusals went from 0.07 to 0.16 (the answerability
scorer was fitted on plain sentence vectors). Reports without headings embed exactly as before.
"""
from __future__ import annotations

from vectorstore import SentenceRecord

SEPARATOR = " · "


def embedding_text(sentence: SentenceRecord, title: str = "") -> str:
    """``heading · lead-in · sentence``, empty parts left out (``title`` is accepted, unused: see above)."""
    parts = []
    if sentence.heading and sentence.heading != sentence.text:
        parts.append(sentence.heading)
    if sentence.context:
        parts.append(sentence.context)
    parts.append(sentence.text)
    return SEPARATOR.join(parts)
