"""Whether two report sentences give a value for the same subject, judged by the question.

Two reports disagree only about the same thing: the same place, body and quantity *that the
question asks about*. So the value compared is the one each sentence gives for the question (its
clause shares most with the question: "$520 goes to the state", not "the $700 nominal wage"), and
the other sentence must hold every name of the question the answer holds, most of its other terms,
and no name of its own beside that value ("1,000 North Korean IT workers" is no answer about the
workers stuck in Russia; "300 builders in Qatar" none about cooks in Dubai). Pure functions, shared
by the dated-disagreement answer (:func:`qa.extractive.find_conflicts`) and the timeline.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, NamedTuple

from .answertype import asked_unit, asks_for_name, has_unit, value_clause
from .followup import DOMAIN_NAMES, topic_of
from .text import cased_words, terms
from .values import KINDS, Value, asks_change, question_kind, values

_DOMAIN_TERMS = frozenset(terms(" ".join(DOMAIN_NAMES)))  # "North Korean": said of every subject
_MONTH_OR_DAY = re.compile(r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
                           r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|Mon(?:day)?|Tue(?:s(?:day)?)?|"
                           r"Wed(?:nesday)?|Thu(?:rs(?:day)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\.?", re.I)


class Said(NamedTuple):
    """A value a sentence gives for a question, and what it is said of."""

    value: Value
    clause: str  # its own clause ("about 400 North Korean women work at Haixing")
    span: str = ""  # everything between the values either side of it ("handed over the usual
    # amount to officials, about $200, to have their names put on the list": what it is said of)


# What a rate is per ("a month", "per year"): said beside most sums, so it tells no clause apart.
_PER_TIME = frozenset({"per", "month", "monthly", "year", "yearly", "annual", "annually", "week", "weekly", "day",
                       "daily", "hour", "hourly"})


def value_for(question: str, kind: str, sentence: str) -> Said | None:
    """The value of ``kind`` the sentence gives for the question: among several, one in the unit the
    question asks in ("How many days off ...?": "one day off", not "16 hours a day"), then the one
    whose own clause shares most terms with the question (the first on a tie), not counting what a
    rate is per ("a month": "pays $850 a month per worker, and the workers keep $100" gives what
    they keep $100)."""
    found = values(kind, sentence)
    if not found:
        return None
    spans = [(v.start, v.end) for v in found]
    clauses = [value_clause(sentence, spans, j) for j in range(len(found))]
    i = 0
    if len(found) > 1:
        wanted, unit = set(terms(question)) - _PER_TIME, asked_unit(question)
        scores = [(bool(unit) and has_unit(unit, v.text), len(wanted & set(terms(c)))) for v, c in zip(found, clauses)]
        i = scores.index(max(scores))
    left = spans[i - 1][1] if i else 0
    right = spans[i + 1][0] if i + 1 < len(spans) else len(sentence)
    return Said(found[i], clauses[i], sentence[left:right])


def names(text: str, skip_first: bool = True) -> set[str]:
    """The capitalised words of a text (its first word aside), lower-cased, without the names
    every report shares (North Korea) or months and days."""
    words = cased_words(text)[1:] if skip_first else cased_words(text)
    return {w.lower() for w in words if w[:1].isupper() and w.lower() not in DOMAIN_NAMES
            and not _MONTH_OR_DAY.fullmatch(w)}


# Nouns every report uses of its own workers, and of the time and money it counts them in: a
# question whose only nouns are these ("How much are the workers paid?") names no subject.
_EVERYONE = frozenset({"worker", "workers", "labourer", "labourers", "laborer", "laborers", "people", "man", "men",
                       "woman", "women", "korean", "koreans", "month", "months", "year", "years", "week", "weeks",
                       "day", "days", "money", "number", "state", "country", "job", "jobs", "work", "cut"})


@lru_cache(maxsize=1024)
def names_a_subject(question: str) -> bool:
    """Does the question say whose value it asks for: a name ("Kuwait", "Haixing"), or a noun
    other than those every report uses of its workers and than the measured thing's own
    (:data:`_CHANGED`: "contracts", "pay")? "How long are the stadium builders' contracts?" does;
    "How long are the workers' contracts?" does not, and reports from different places each answer
    it about their own workers."""
    if names(question):
        return True
    return any(noun not in _EVERYONE and not any(p.fullmatch(noun) for p in _CHANGED.values())
               for noun in topic_of(question).nouns)


def answers_as_fully(question: str, best: str, other: str, setting: str = "") -> bool:
    """Is ``other`` about what ``best`` answers? It must hold every name of the question that
    ``best`` holds ("Dubai", "North Korean"), and may lack at most one other question term, fewer
    than half of them ("stay" where it says "sent home after"). Otherwise its figure is about
    something else: "300 builders in Qatar" against "1,200 cooks in Dubai" for cooks in Dubai."""
    qterms = {t for t in terms(question) if not t[0].isdigit()} - _DOMAIN_TERMS
    need = qterms & set(terms(best))
    asked_names = need & set(terms(" ".join(w for w in cased_words(question)[1:] if w[:1].isupper())))
    have = set(terms(other))
    set_in = set(terms(setting))
    missing = need - have - (asked_names & set_in)  # a name may be the report's setting
    return asked_names <= have | set_in and len(missing) <= 1 and len(missing) < len(need) / 2


SAME_SUBJECT = 0.5  # share of content terms two sentences must share to be about the same thing


def shared_share(a: str, b: str) -> float:
    """The share of the shorter sentence's content terms (numbers aside) the other one holds."""
    ta = {t for t in terms(a) if not t[0].isdigit()}
    tb = {t for t in terms(b) if not t[0].isdigit()}
    return len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0


def shared_terms(a: str, b: str, share: float = SAME_SUBJECT) -> bool:
    """Two sentences about the same thing: most content terms (numbers aside) shared."""
    return shared_share(a, b) >= share


def holds_every_asked_term(question: str, best: str, other: str) -> bool:
    """Both sentences hold the same two or more question terms: worded apart, they still say it of
    the asked thing ("The regional labour office now counts some 15,000 North Korean workers in
    the Kestrel region" against "About 4,000 North Korean workers are employed in the Kestrel region")."""
    qterms = {t for t in terms(question) if not t[0].isdigit()} - _DOMAIN_TERMS
    need = qterms & set(terms(best))
    return len(need) >= 2 and need <= set(terms(other))


# Units a figure is given per: in every clause about pay or time, they tell no subject apart.
_PER_UNITS = frozenset(terms("day days week weeks month months year years hour hours"))


def said_of_asked(question: str, clause: str) -> bool:
    """Does the clause of a value hold a word the question asks with (not a name, not a unit):
    "applicants now pay bribes of $1,500" for "how much do would-be workers pay", but not "his
    team had a combined monthly target of $18,000"?"""
    asked = set(terms(question)) - _DOMAIN_TERMS - _PER_UNITS \
        - set(terms(" ".join(names(question))))
    return bool(asked & set(terms(clause)))


def same_question_subject(question: str, best: str, other: str, theirs: Said,
                          best_context: str = "", other_context: str = "", mine: Said | None = None,
                          best_setting: str = "", other_setting: str = "", other_sure: bool = False) -> bool:
    """``other`` answers the question about what ``best`` does:
    - every name of the question is in both, or in what stands around each (its report's title,
      its heading, the sentence before: "Workers now sign contracts of five years" under a
      Vladivostok title is about Vladivostok), or in its report's opening (``*_setting``,
      :func:`setting`: "Today about 450 work there" in a report opening "BELOGORSK - ... Sunhwa plant");
    - ``other``, with what stands around it, misses few of the question terms ``best`` holds
      (:func:`answers_as_fully`; "North Korean" is no such term: every report says it);
    - a question naming nothing needs more: the two share most of their words, or hold the same
      question terms (:func:`holds_every_asked_term`);
    - the clause of ``other``'s value names nothing that neither the question nor ``best`` names
      ("2,000 Chinese workers", "in Qatar");
    - the clause of each value holds a word the question asks with (:func:`said_of_asked`), or,
      for ``other``, the answerability scorer is sure it answers the question (``other_sure``: it
      would be answered on its own): it has read the paraphrase the words miss ("About 11,000
      North Koreans remained in Russia" for "How many were left stuck in Russia?");
    - a count counts the asked set (:func:`counted_as_asked`)."""
    if not (other_sure or said_of_asked(question, theirs.span)) \
            or (mine is not None and not said_of_asked(question, mine.span)):
        return False
    asked = names(question)
    if not (names_said(asked, best, best_context, best_setting)
            and names_said(asked, other, other_context, other_setting)):
        return False
    # "roughly 2,000 North Koreans were now working there": "there" is the complex the sentence
    # before names, so the other sentence's question terms may stand around it too
    if not answers_as_fully(question, best, f"{other} {other_context}", other_setting):
        return False
    if not asked and not (shared_terms(best, other) or holds_every_asked_term(question, best, other)):
        return False
    if other_names(question, best, other, theirs):
        return False
    return theirs.value.kind != "count" or counted_as_asked(question, best, other, theirs.value)


def names_said(asked: set[str], sentence: str, context: str = "", setting: str = "") -> bool:
    """Every name of ``asked`` is in the sentence, what stands around it or its report's opening."""
    return asked <= names(f"{sentence} {context} {setting}", skip_first=False)


def other_names(question: str, best: str, other: str, theirs: Said) -> set[str]:
    """The names in the clause of ``other``'s value that neither the question nor ``best`` names
    ("2,000 Chinese workers", "in Qatar"): what marks it as about something else."""
    words = theirs.clause.split()
    opens = bool(words) and other.lstrip().startswith(words[0])  # a capital there may only open the sentence
    return names(theirs.clause, skip_first=opens) - names(question, skip_first=False) - names(best, skip_first=False)


def candidates_same_subject(question: str, best, other, mine: Said, theirs: Said, sure: float) -> bool:
    """:func:`same_question_subject` of two candidates (``qa.types.Candidate``), each read with
    what stands around it and its report's opening; ``other`` counts as sure to answer at ``sure``."""
    return same_question_subject(question, best.text, other.text, theirs, surroundings(best), surroundings(other),
                                 mine, best.setting, other.setting, other_sure=other.answerability >= sure)


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def names_a_year(question: str) -> bool:
    """Does the question name a year ("... in 2016?"): then it asks about that time."""
    return bool(_YEAR.search(question))


def of_asked_time(question: str, sentence: str, date: str) -> bool:
    """A question that names a year ("How many permits were issued in 2016?") asks about that
    year: a sentence answers it for that time when it names the year or its report is dated in
    it. Figures of other years are another subject, not a disagreement. A question about a change
    ("Has the fee gone up since 2014?", "... between 2013 and 2018?") asks about the span its years
    open: from the one year on, or between the first and the last. Any sentence answers a
    question that names no year."""
    years = set(_YEAR.findall(question))
    if not years:
        return True
    said = set(_YEAR.findall(sentence)) | ({date[:4]} if date else set())
    if asks_change(question):
        first, last = min(years), (max(years) if len(years) > 1 else "9999")
        return any(first <= y <= last for y in said)
    return bool(years & said)


# What a question about a change says changed, by the kind of value that measures it.
_CHANGED = {
    "count": re.compile(r"\b(?:number|numbers|count|head-?count|workforce|crews?|staff)\b", re.I),
    "amount": re.compile(r"\b(?:pay|paid|payments?|wages?|salar(?:y|ies)|fees?|costs?|price|rates?|bribes?|earnings|sums?|amounts?|charges?)\b", re.I),
    "duration": re.compile(r"\b(?:hours|shifts?|contracts?|terms?|working day)\b", re.I),
    "percent": re.compile(r"\b(?:share|portion|proportion|percentage)\b", re.I),
}


# "What is the latest bribe ...?", "What was the 2018 head-count ...?": a value named, not asked "how much"
_WHAT = re.compile(r"^\W*(?:(?:and|so|but)\W+)?what\s+(?:is|was|are|were|'s)\b", re.I)


def asked_kind(question: str) -> str:
    """The kind of value a question compares: the one it asks for ("How many ...?"), or, for a
    question about a change, the kind of the thing it says changed, the first it names ("Has the
    fee gone up?": an amount; "Have the terms served by the crews been shortened?": a duration;
    "How much has the crew shrunk?": a count, not an amount of money), or for a yes/no question
    naming one value, that value's kind (:func:`named_value_kind`)."""
    kind = question_kind(question)
    if kind and not asks_change(question):
        return kind
    if not kind and not (asks_change(question) or (_WHAT.match(question) and not asks_for_name(question))):
        # "What is the name of the fee collector?" asks for a name, not the fee
        return named_value_kind(question)
    # "How much has the crew shrunk?" asks about a count: the first thing named decides
    named = sorted((m.start(), k) for k, words in _CHANGED.items() if (m := words.search(question)))
    return named[0][1] if named else kind or named_value_kind(question)


# "Are the welders still on 12-hour shifts?", "Is a place still bought with a bribe of about $500?"
_YES_NO = re.compile(r"^\W*(?:(?:and|so|but)\W+)?(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would)\b", re.I)


def named_value_kind(question: str) -> str:
    """The kind of the one value a yes/no question names ("still on 12-hour shifts?": a duration),
    which the reports confirm or contradict with a value of that kind; '' for another question,
    or one naming no value or values of several kinds."""
    if not _YES_NO.match(question):
        return ""
    kinds = [k for k in KINDS if values(k, question)]
    return kinds[0] if len(kinds) == 1 else ""


def counted_as_asked(question: str, best: str, other: str, value: Value) -> bool:
    """A count is of the set the question asks about: the adjectives between it and the counted
    noun ("Six *former* workers", "2,000 *Chinese* workers") are all words of the question or of the answer
    it is set against (a spaCy parse of the one sentence, only for a count that passed the rest)."""
    from vectorstore.entities import nlp

    allowed = set(terms(question)) | set(terms(best)) | _DOMAIN_TERMS
    doc = nlp()(other)
    for token in doc:
        if token.dep_ == "nummod" and value.start <= token.idx < value.end:
            for mod in token.head.children:
                said = terms(mod.text)
                hyphened = mod.i > 0 and doc[mod.i - 1].text == "-"  # "North Korean-run": one compound word
                # between the count and its noun it qualifies the set ("Six former workers"); before
                # the count it qualifies the figure ("An estimated 1,900 North Koreans")
                if mod.dep_ == "amod" and mod.i > token.i and said and said[0] not in allowed and not hyphened:
                    return False
    return True


LEAD_CHARS = 600  # a report's opening (dateline and lead): where it names the place it is about


def opening_setting(sentences: Iterable[str]) -> str:
    """:func:`setting` of a report's opening: its first LEAD_CHARS of body sentences. The one
    reading of the opening, for the service (``DocInfo.setting``) and the answerability training
    script alike, so that training cannot drift from serving."""
    return setting(" ".join(sentences)[:LEAD_CHARS])


def setting(lead: str) -> str:
    """Where a report is set: the names in its opening ``lead`` ("BELOGORSK - ... the lines at the
    Sunhwa plant"), so that "Today about 450 women are employed there" is about Sunhwa. A word
    opening a sentence names nothing ("It employed", "Many of the women"), unless it is in
    capitals: a dateline. Read once per report (``Candidate.setting``)."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\s+[-\u2013\u2014]\s+", lead):  # sentences, and a dateline's dash
        words = cased_words(sentence)
        if words and not (len(words[0]) > 1 and words[0].isupper()):
            words = words[1:]
        found += [w for w in words if w[:1].isupper()]
    return " ".join(found)


def surroundings(c) -> str:
    """What stands around a candidate sentence and names its subject: title, heading, the sentence before."""
    return f"{c.title} {c.heading} {c.previous}"
