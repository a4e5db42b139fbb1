"""Questions that ask for two facts at once ("How much are they paid and how long do they stay?").

Searched as one query, such a question ranks sentences that match both halves a little, and the
best of them usually answers one half only. So it is split at the conjunction that opens a second
wh-clause, each part is searched and answered on its own (the second part borrows the first's
subject when it leans on a pronoun, as a follow-up does), and the answers are joined, each
sentence with its own citation.
"""
from __future__ import annotations

import re

from .text import STOPWORDS, cased_words

# ", and how long ...", " and where ...", "; and who ...": a second question, not "how and why".
_SECOND = re.compile(r"(?:,\s*|\s+|;\s*)(?:and|as well as|also)\s+(?=(?:how|what|where|when|who|whom|which|why)\b"
                     r"(?:\s+(?:much|many|long|often|old|far|kind|type|is|are|was|were|do|does|did|can|will|would|"
                     r"has|have|had|should|could)\b|\s+\w+\s+\w+))", re.I)
_EMBEDDED = re.compile(r"\b(?:how|what|where|when|who|whom|which|why|whether|if)\b", re.I)
_MIN_WORDS = 3  # each part must be a question of its own, not "where and when"


def split_question(question: str) -> list[str]:
    """The question's parts: two when it asks two wh-questions joined by "and", else one."""
    text = question.strip()
    m = _SECOND.search(text)
    if not m:
        return [question]
    first, second = text[: m.start()].strip(" ,;"), text[m.end():].strip()
    if _EMBEDDED.search(first.split(None, 1)[-1]):
        return [question]  # "Who checks which workers leave and which stay?": one question, two clauses
    if len(first.split()) < _MIN_WORDS or len(second.split()) < _MIN_WORDS or not re.match(
            r"^\W*(?:how|what|where|when|who|whom|which|why|is|are|do|does|did|can)\b", first, re.I):
        return [question]
    first = first.rstrip("?") + "?"
    second = second[0].upper() + second[1:]
    second = second if second.endswith("?") else second.rstrip(".") + "?"
    return [first, second]


def part_queries(parts: list[str]) -> list[str]:
    """Search queries for the parts: a later part carries the names (capitalised words: places,
    bodies, people) of the earlier ones that it lacks, so "... in Dubai and how long do they stay?"
    asks about Dubai in both parts. Only names: the earlier part's other words ask its own
    question ("how long", "selection") and would pull the search towards its answer."""
    out = [parts[0]]
    for part in parts[1:]:
        have = {w.lower() for w in cased_words(part)}
        names = [w for p in parts[: len(out)] for i, w in enumerate(cased_words(p))
                 if i and w[:1].isupper() and w.lower() not in have and w.lower() not in STOPWORDS]
        names = list(dict.fromkeys(names))
        out.append(f"{part} ({' '.join(names)})" if names else part)
    return out
