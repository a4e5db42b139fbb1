"""Two dated reports that name different bodies for the one a question asks about.

"Which North Korean organisation supplies the medical staff in Libya?" can have two answers years
apart: a 2010 report names the Korea Chonji Medical Cooperation Company, a 2014 one says staff are
now supplied by the Mansu Overseas Health Bureau. A name is no figure, so the trained judge of
:mod:`qa.disagreement` (which weighs values) does not apply; the rule here is strict instead:

- the question asks for a named body ("which company / agency / organisation", "the name of the
  contractor": :func:`qa.typed.parse_question` kind "body");
- the answer's lead and the other sentence each name one (:func:`qa.typed.entity_answers`), about
  every place and body the question names (:func:`qa.typed.about`), from two reports of different
  dates, the other among the first candidates and answering on its own (:data:`NAME_SUPPORT`);
- each sentence says the question's verb ("Which organisation *sends* the doctors?": "They are
  *sent* by ..."), when it has one: a sentence naming a clinic or a bank beside the topic names a
  body in another role;
- the question does not ask what holds *now* ("Which organisation is now named in the contracts?"):
  the newest report answers that, and an older name is history, not a disagreement;
- the names differ, and *neither report names the other's body at all*: a report that names both
  is telling two roles apart (the contractor and the agency that supplies it), not disagreeing.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from vectorstore.entities import nlp

from .typed import about, entity_answers, parse_question
from .types import Candidate

NAME_SUPPORT = 0.75  # the other side's answerability: it must answer the question on its own
WITHIN = 10  # the other side is among this many first candidates


_NOW = re.compile(r"\b(?:now|currently|today|nowadays|these\s+days|at\s+present|at\s+the\s+moment)\b", re.I)


def asks_for_a_body(question: str) -> bool:
    return parse_question(question).kind == "body"


def _key(name: str) -> str:
    return " ".join(re.sub(r"^(?:the|a|an)\s+|['’]s$", "", name.lower()).split())


def body_names(question: str, c: Candidate) -> list[str]:
    """The bodies the sentence names that the question does not ("Mansu Overseas Health Bureau")."""
    if c.entities is None:
        return []
    return [n for n in entity_answers("body", c.text, c.entities, parse_question(question).named) if _key(n)]


_LIGHT = frozenset({"be", "have", "do", "get", "make"})


@lru_cache(maxsize=4096)
def verbs(text: str) -> frozenset[str]:
    """The lemmas of a text's full verbs ("supplies", "supplied": supply), by the parse."""
    return frozenset(t.lemma_.lower() for t in nlp()(text) if t.pos_ == "VERB" and t.lemma_.lower() not in _LIGHT)


def _same(a: str, b: str) -> bool:
    a, b = _key(a), _key(b)
    return a == b or a in b or b in a


def _names_any(text: str, names: Sequence[str]) -> bool:
    low = " ".join(text.lower().split())
    return any(_key(n) in low for n in names)


def name_conflicts(question: str, best: Candidate, candidates: Sequence[Candidate],
                   report_text: Callable[[str], str], most: int = 1) -> list[Candidate]:
    """Other reports' sentences naming another body for what ``best`` answers (see the module
    docstring), at most ``most``, best ranked first; none when the question asks for no body."""
    if not asks_for_a_body(question) or not best.date or _NOW.search(question):
        return []
    parsed = parse_question(question)
    mine = body_names(question, best)
    asked = verbs(question)
    if not mine or not about(parsed.anchors, best, parsed.heads) or (asked and not asked & verbs(best.text)):
        return []
    texts: dict[str, str] = {}  # each report fetched once, however many of its sentences are weighed

    def text_of(doc_id: str) -> str:
        if doc_id not in texts:
            texts[doc_id] = report_text(doc_id)
        return texts[doc_id]

    found: list[Candidate] = []
    seen = {best.doc_id}
    for c in candidates[:WITHIN]:
        if len(found) >= most:
            break
        if c.doc_id in seen or not c.date or c.date == best.date or c.answerability < NAME_SUPPORT or c.kind == "caption":
            continue
        theirs = body_names(question, c)
        if not theirs or any(_same(a, b) for a in mine for b in theirs) or not about(parsed.anchors, c, parsed.heads):
            continue
        if asked and not asked & verbs(c.text):
            continue
        if _names_any(text_of(best.doc_id), theirs) or _names_any(text_of(c.doc_id), mine):
            continue  # a report naming both bodies tells two roles apart
        seen.add(c.doc_id)
        found.append(c)
    return found


def named_value(question: str, c: Candidate) -> str:
    """The body a side names, for "Other reports say"."""
    names = body_names(question, c)
    return names[0] if names else ""
