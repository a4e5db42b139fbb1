"""What each report says about the asked subject: one valued sentence per report, all about the
same thing as one anchor sentence. Shared by the timeline (:mod:`qa.timeline`: every report's
value, dated) and by the dated-disagreement answer (:func:`qa.extractive.disagreement`: two
reports whose values differ).

The anchor is a sentence that gives a value and would be answered on its own. Of the first
:data:`ANCHORS` such sentences, the one the most reports agree with anchors the rest: the
best-ranked may be about a neighbour of the asked subject ("A second restaurant in the town has a
staff of eight"), and then no other report is about the same thing. "About the same thing" is
:func:`qa.subject.same_question_subject`, in the same unit and of the asked time.
"""
from __future__ import annotations

from collections.abc import Sequence

from .scoring import CONFLICT_THRESHOLD, REFUSAL_THRESHOLD
from .subject import Said, of_asked_time, same_question_subject, surroundings, value_for
from .types import Candidate
from .values import Value

ANCHORS = 3  # anchors tried (chosen on bench/val5's timeline rows: 0.50 -> 0.69 recall; 5 gave the same)


def report_answers(question: str, kind: str, candidates: Sequence[Candidate],
                   threshold: float = REFUSAL_THRESHOLD, support: float = CONFLICT_THRESHOLD
                   ) -> list[tuple[Candidate, Value]]:
    """One (sentence, value) per report, the anchor's first, then in candidate order: the anchor
    reaches ``threshold``, every other report's sentence ``support``."""
    valued = [(c, got) for c in candidates if (got := value_for(question, kind, c.text)) is not None]
    anchors = [(c, got) for c, got in valued if c.answerability >= threshold][:ANCHORS]
    found = [_agreeing(question, anchor, valued, threshold, support) for anchor in anchors]
    return max(found, key=len, default=[])  # the best-ranked anchor on a tie


def _agreeing(question: str, anchor: tuple[Candidate, Said], valued: Sequence[tuple[Candidate, Said]],
              threshold: float, support: float) -> list[tuple[Candidate, Value]]:
    """The anchor's (sentence, value) and, per other report, the first valued sentence about the same thing."""
    top, mine = anchor
    top_value = mine.value
    out = {top.doc_id: (top, top_value)}
    for c, theirs in valued:
        v = theirs.value
        if c.doc_id in out or c.answerability < support or v.unit != top_value.unit \
                or not of_asked_time(question, c.text, c.date):
            continue
        if same_question_subject(question, top.text, c.text, theirs, surroundings(top), surroundings(c), mine,
                                 top.setting, c.setting,
                                 other_sure=c.answerability >= threshold):
            out[c.doc_id] = (c, v)
    return list(out.values())
