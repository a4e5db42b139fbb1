"""Whether two report sentences give a value for the same subject, judged by the question.

Two reports disagree only about the same thing: the same place, body and quantity *that the
question asks about*. So the value compared is the one each sentence gives for the question (its
clause shares most with the question: "$520 goes to the state", not "the $700 nominal wage"), and
the other sentence must hold every name of the question the answer holds, most of its other terms,
and no name of its own beside that value ("1,000 North Korean IT workers" is no answer about the
workers stuck in Russia; "300 builders in Qatar" none about cooks in Dubai). Pure functions, shared
by the dated-disagreement answer (:func:`qa.extractive.find_conflict`) and the timeline.
"""
from __future__ import annotations

import re

from .answertype import value_clause
from .followup import DOMAIN_NAMES
from .text import cased_words, terms
from .values import Value, values

_MONTH_OR_DAY = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)", re.I)


def value_for(question: str, kind: str, sentence: str) -> tuple[Value, str] | None:
    """The value of ``kind`` the sentence gives for the question, with its clause: among several,
    the one whose clause shares most terms with the question (the first on a tie)."""
    found = values(kind, sentence)
    if not found:
        return None
    spans = [(v.start, v.end) for v in found]
    clauses = [value_clause(sentence, spans, i) for i in range(len(found))]
    if len(found) == 1:
        return found[0], clauses[0]
    wanted = set(terms(question))
    scores = [len(wanted & set(terms(c))) for c in clauses]
    i = scores.index(max(scores))
    return found[i], clauses[i]


def names(text: str, skip_first: bool = True) -> set[str]:
    """The capitalised words of a text (its first word aside), lower-cased, without the names
    every report shares (North Korea) or months and days."""
    words = cased_words(text)[1:] if skip_first else cased_words(text)
    return {w.lower() for w in words if w[:1].isupper() and w.lower() not in DOMAIN_NAMES
            and not _MONTH_OR_DAY.match(w)}


def answers_as_fully(question: str, best: str, other: str) -> bool:
    """Is ``other`` about what ``best`` answers? It must hold every name of the question that
    ``best`` holds ("Dubai", "North Korean"), and may lack at most one other question term, fewer
    than half of them ("stay" where it says "sent home after"). Otherwise its figure is about
    something else: "300 builders in Qatar" against "1,200 cooks in Dubai" for cooks in Dubai."""
    qterms = {t for t in terms(question) if not t[0].isdigit()}
    need = qterms & set(terms(best))
    asked_names = need & set(terms(" ".join(w for w in cased_words(question)[1:] if w[:1].isupper())))
    have = set(terms(other))
    missing = need - have
    return asked_names <= have and len(missing) <= 1 and len(missing) < len(need) / 2


SAME_SUBJECT = 0.5  # share of content terms two sentences must share to be about the same thing


def shared_terms(a: str, b: str, share: float = SAME_SUBJECT) -> bool:
    """Two sentences about the same thing: most content terms (numbers aside) shared."""
    ta = {t for t in terms(a) if not t[0].isdigit()}
    tb = {t for t in terms(b) if not t[0].isdigit()}
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= share


def holds_every_asked_term(question: str, best: str, other: str) -> bool:
    """Both sentences hold the same two or more question terms: worded apart, they still say it of
    the asked thing ("The regional labour office now counts some 15,000 North Korean workers in
    the Kestrel region" against "About 4,000 North Korean workers are employed in the Kestrel region")."""
    qterms = {t for t in terms(question) if not t[0].isdigit()} - set(terms(" ".join(DOMAIN_NAMES)))
    need = qterms & set(terms(best))
    return len(need) >= 2 and need <= set(terms(other))


def same_question_subject(question: str, best: str, other: str, other_clause: str) -> bool:
    """``other`` answers the question about what ``best`` does:
    - every name of the question is in both (a sentence that lacks "Kestrel" is not about Kestrel);
    - the two share most of their words, or both hold the same question terms
      (:func:`holds_every_asked_term`), and ``other`` misses few of them (:func:`answers_as_fully`);
    - the clause of ``other``'s value names nothing that neither the question nor ``best`` names
      ("2,000 Chinese workers", "in Qatar")."""
    asked = names(question)
    if not (asked <= names(best, skip_first=False) and asked <= names(other, skip_first=False)):
        return False
    if not answers_as_fully(question, best, other):
        return False
    if not (shared_terms(best, other) or holds_every_asked_term(question, best, other)):
        return False
    return not (names(other_clause) - names(question, skip_first=False) - names(best, skip_first=False))
