"""Typed, normalised values in report sentences: counts, amounts of money, durations, percentages.

Two reports disagree only when they give *different values* for the same question, so values are
compared after normalising what the writing varies: "1,500" = "1500" = "one thousand five
hundred"; "three years" = "3 years" = 36 months; "between 600 and 800" is the range [600, 800].
What only looks like a value is not one: a year ("in 2023") or a day of the month ("March 12")
is never a count, and a dateline ("This report was published on March 12, 2025.") holds none.
The dated-disagreement answer (:func:`qa.extractive.find_conflicts`) and the timeline
(:mod:`qa.timeline`) both read values through this module, so they agree on what a value is.
Pure functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .answertype import is_person_noun, question_type
from .currencies import CURRENCY_AFTER, currency_code

KINDS = ("count", "amount", "duration", "percent")

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
# "a dozen", "two dozen"; a bare "dozen" ("several dozen", "dozens") is no figure.
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD = r"(?:" + "|".join(sorted((w for w in _UNITS_WORDS if " " not in w), key=len, reverse=True)) + r")"
_SCALE = r"(?:dozen|hundred|thousand|million|billion)"
# "three", "twenty-five", "two hundred", "a thousand", "one thousand five hundred", "a dozen"
_WORDS_NUM = (rf"(?:(?:{_WORD}(?:[\s-]+{_WORD})?|an?)(?:\s+{_SCALE}(?:\s+(?:and\s+)?{_WORD}(?:[\s-]+{_WORD})?)*)+"
              rf"|{_WORD}(?:-{_WORD})?)")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:million|billion|thousand))?"
NUM = rf"(?:{_DIGITS}|{_WORDS_NUM})"
_RANGE_SEP = r"\s*(?:-|–|—|to|or)\s*"
# A value or a range: "between 600 and 800", "from 2 to 4", "two or three", "600-800".
_QTY = (rf"(?P<between>between\s+(?P<b1>{NUM})\s+and\s+(?P<b2>{NUM}))"
        rf"|(?:from\s+)?(?P<n1>{NUM})(?:{_RANGE_SEP}(?P<n2>{NUM}))?")

_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|December"
           r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec")
_QUALIFIER = r"(?:(?:about|around|roughly|some|nearly|almost|approximately|over|more than|at least|up to|only|just)\s+)?"

# Lengths of time in months; a length in hours (a shift, a working day) is of another unit: it is
# never set against a contract's length. "Ten years on", "two years ago" say when, not how long.
_TIME_UNITS = {"decade": 120.0, "year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365, "hour": 1.0}
_DURATION = re.compile(
    rf"(?<![\w$])(?:{_QUALIFIER})(?:(?P<half>half\s+an?)|(?P<one>an?)|{_QTY})[\s-]+(?P<unit>decade|year|month|week|day|hour)s?\b(?!\s+(?:old|on|later|ago|earlier)\b|-old)",
    re.I)
_AMOUNT = re.compile(
    rf"(?<![\w$])(?:{_QUALIFIER})(?P<pre>(?:US\$|\$|USD|RMB|€|£)\s?)?(?:{_QTY})"
    rf"(?:\s*(?P<post>{CURRENCY_AFTER})\b)?", re.I)
_PERCENT = re.compile(rf"(?<!\w)(?:{_QUALIFIER})(?:{_QTY})\s*(?:%|percent\b|per\s+cent\b)", re.I)
_COUNT = re.compile(rf"(?<![\w$.,])(?:{_QUALIFIER})(?:{_QTY})(?![\w%]|,\d|\.\d)", re.I)

# Measures: "walking 30 kilometres", "40 tonnes of fish" are no head-count.
_MEASURES = (r"(?:kilomet(?:er|re)s?|km|miles?|met(?:er|re)s?|feet|foot|tonnes?|tons?|kilo(?:gram(?:me)?)?s?|kg|"
             r"grams?|hectares?|acres?|square|sq|lit(?:er|re)s?|cubic)\b")
# What follows a number that makes it something other than a count.
_NOT_COUNT_AFTER = re.compile(
    rf"^(?:[\s-]*(?:decades?|years?|months?|weeks?|days?|hours?|minutes?|percent|per\s+cent|%|(?:{CURRENCY_AFTER})\b"
    rf"|{_MEASURES}|(?:st|nd|rd|th)\b|-year|{_MONTHS}\b|a\.m\.|p\.m\.|am\b|pm\b|o'clock))", re.I)
_NOT_COUNT_BEFORE = re.compile(rf"(?:\b(?:{_MONTHS})\.?|\$|US\$|USD|RMB|€|\baged?|\bNo\.|#|-)\s*$", re.I)
# A publication line: only says when the report came out.
_DATELINE = re.compile(r"\b(?:published|posted|updated|filed|written|released|dated)\b", re.I)


@dataclass(frozen=True)
class Value:
    """One typed value: as written, and normalised to [low, high] in ``unit``."""

    kind: str
    text: str  # as written ("About 1,500", "three to four years")
    low: float
    high: float  # == low for a single value
    unit: str  # count: ""; duration: "months" (or "hours": a shift); amount: a currency code ("" when unnamed); percent: "percent"
    start: int = 0  # offsets in the sentence
    end: int = 0

    @property
    def normalized(self) -> float | list[float]:
        """A number, or [low, high] for a range (the timeline's JSON shape)."""
        return _num(self.low) if self.low == self.high else [_num(self.low), _num(self.high)]

    def same_as(self, other: "Value") -> bool:
        return self.unit == other.unit and (self.low, self.high) == (other.low, other.high)


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 2)


def parse_number(text: str) -> float | None:
    """'1,500' / '1500' / '1.5 million' / 'one thousand five hundred' / 'twenty-five' / 'a dozen' -> a number."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    m = re.fullmatch(r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(million|billion|thousand)?", t)
    if m:
        n = float(m.group(1).replace(",", ""))
        return n * _SCALES[m.group(2)] if m.group(2) else n
    t = t.replace("-", " ").replace(" and ", " ")
    total, current, seen = 0.0, 0.0, False
    for word in t.split():
        if word in ("a", "an"):
            current = current or 1.0
            seen = True
        elif word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
            seen = True
        elif word in ("dozen", "hundred"):
            current = (current or 1.0) * _SCALES[word]
        elif word in _SCALES:
            total += (current or 1.0) * _SCALES[word]
            current = 0.0
        else:
            return None
    return total + current if seen else None


def _quantity(m: re.Match) -> tuple[float, float] | None:
    a, b = (m.group("b1"), m.group("b2")) if m.group("between") else (m.group("n1"), m.group("n2"))
    if a is None:
        return None
    lo = parse_number(a)
    hi = parse_number(b) if b else lo
    if lo is None or hi is None:
        return None
    return (min(lo, hi), max(lo, hi))


def _is_year(m: re.Match, sentence: str) -> bool:
    """A plain four-digit 1900-2100 number ("in 2023", "until 2027") is a year, never a quantity."""
    for g in ("n1", "n2", "b1", "b2"):
        s = m.group(g)
        if s and re.fullmatch(r"(?:19|20)\d\d|2100", s.strip()):
            return True
    return False


def values(kind: str, sentence: str) -> list[Value]:
    """Every value of ``kind`` in a sentence, in order (see the module doc for what is left out)."""
    if kind == "duration":
        return _durations(sentence)
    if kind == "amount":
        return _amounts(sentence)
    if kind == "percent":
        return _percents(sentence)
    if kind == "count":
        return _counts(sentence)
    return []


def main_value(kind: str, sentence: str) -> Value | None:
    """The value a sentence gives for a question of this kind: its first one (reports lead with it)."""
    found = values(kind, sentence)
    return found[0] if found else None


_RATE_BEFORE = re.compile(rf"(?:\d|\b(?:{CURRENCY_AFTER})|times|twice|once|hours?|shifts?|days?)\s*$", re.I)


_TIME_WORD = re.compile(r"decade|year|month|week|day|hour", re.I)


def _durations(sentence: str) -> list[Value]:
    if not _TIME_WORD.search(sentence):  # the cheap test first: most sentences give no length of time
        return []
    out = []
    for m in _DURATION.finditer(sentence):
        per = _TIME_UNITS[m.group("unit").lower()]
        if m.group("half"):
            lo = hi = 0.5
        elif m.group("one"):  # "took a year", "for a month"
            if _RATE_BEFORE.search(sentence[: m.start()]):
                continue  # "$800 a month", "twice a year": a rate, not a length of time
            lo = hi = 1.0
        else:
            if _is_year(m, sentence):
                continue
            q = _quantity(m)
            if q is None:
                continue
            lo, hi = q
        unit = "hours" if m.group("unit").lower() == "hour" else "months"
        out.append(Value("duration", m.group().strip(), round(lo * per, 2), round(hi * per, 2), unit, m.start(), m.end()))
    return out


def _amounts(sentence: str) -> list[Value]:
    out = []
    for m in _AMOUNT.finditer(sentence):
        if not (m.group("pre") or m.group("post")):
            continue  # a bare number is no amount of money
        q = _quantity(m)
        if q is None or _is_year(m, sentence):
            continue
        unit = currency_code(m.group("pre") or m.group("post") or "")
        out.append(Value("amount", m.group().strip(), q[0], q[1], unit, m.start(), m.end()))
    return out


def _percents(sentence: str) -> list[Value]:
    out = []
    for m in _PERCENT.finditer(sentence):
        q = _quantity(m)
        if q is not None:
            out.append(Value("percent", m.group().strip(), q[0], q[1], "percent", m.start(), m.end()))
    return out


_WRITTEN_DATE = re.compile(r"\b\d{4}-\d{1,2}(?:-\d{1,2})?\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")


def _counts(sentence: str) -> list[Value]:
    out = []
    dates = [m.span() for m in _WRITTEN_DATE.finditer(sentence)]
    for m in _COUNT.finditer(sentence):
        text = m.group().strip()
        if not re.search(r"\d|[a-z]{3,}", text, re.I):
            continue
        if _is_year(m, sentence) or _NOT_COUNT_AFTER.match(sentence[m.end():]) or _NOT_COUNT_BEFORE.search(sentence[: m.start()]):
            continue
        if any(a < m.end() and m.start() < b for a, b in dates):
            continue  # part of a written date, "2024-03-05" or "3/5/2024" (or a fraction, "3/5")
        bare = (m.group("n1") or "").strip().lower()
        if not m.group("n2") and not m.group("between") and bare in ("one", "a", "an"):
            continue  # "one of them", "a source": a pronoun or article, not a count
        q = _quantity(m)
        if q is None:
            continue
        out.append(Value("count", text, q[0], q[1], "", m.start(), m.end()))
    return out


def is_dateline(sentence: str) -> bool:
    """A sentence that only says when the report was published: a publication verb and no value of any kind."""
    return bool(_DATELINE.search(sentence)) and not any(values(k, sentence) for k in KINDS)


_PERCENT_Q = re.compile(r"\bper ?cent|\bpercentage\b|\bwhat (?:share|proportion|fraction)\b|\bhow large a share\b", re.I)


# A value asked for by the name of what it measures, not by "how much" or "how many" (the answer
# type leaves these open): "What cut of their earnings ends up with the state?", "What monthly sum is
# each branch expected to remit?", "What does a patient pay for one session?", "How big is the
# crew?". Only the kind of value a disagreement or a timeline compares; the answer type stays open.
_OPENING = r"^\W*(?:(?:and|so|but)\W+)?"
_SHARE_NAMED = re.compile(_OPENING + r"what(?:'s|\s+(?:is|was|are|were))?\s+(?:the\s+|their\s+)?(?:[\w-]+\s+)?"
                          r"(?:cut|portion|share|proportion|fraction|commission)\s+(?:of|does|do|did|is|was|goes)\b", re.I)
_SUM_NAMED = re.compile(_OPENING + r"what(?:'s|\s+(?:is|was|are|were))?\s+(?:the\s+|their\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}?"
                        r"(?:sum|amount|rate|fee|bill|price|cost|pay|wage|salary|charge|allowance|stipend|bonus|fare|"
                        r"rent|deposit|fine)s?\b", re.I)
_SUM_VERB = re.compile(_OPENING + r"what\s+(?:do|does|did|will|would)\b(?:\s+[\w'-]+){1,10}?\s+(?:actually\s+)?"
                       r"(?:pay|charge|cost|earn|receive|get\s+in\s+hand|bring\s+in|remit|bill|owe|fetch|"
                       # "What does a large canvas go for (these days)?": a price, asked last
                       r"(?:go|goes|sell|sells|sold|went)\s+for(?=(?:\s+(?:now|today|these\s+days|nowadays|"
                       r"(?:last|this)\s+\w+|in\s+\d{4}))?\s*\?))\b", re.I)
_SIZE_NAMED = re.compile(_OPENING + r"how\s+(?:big|large)\s+(?:is|are|was|were)\b.*\b(?:workforce|crews?|teams?|staff|"
                         r"contingent|brigades?|labou?r\s+force)\b", re.I)


def question_kind(question: str) -> str:
    """The value kind a question asks for ('' when it asks for none): the answer type's
    (:func:`qa.answertype.question_type`) when it is a value, else the kind of the value the
    question names (:data:`_SHARE_NAMED`, :data:`_SUM_NAMED`, :data:`_SUM_VERB`, :data:`_SIZE_NAMED`)."""
    if _PERCENT_Q.search(question):
        return "percent"
    kind = question_type(question)
    if kind in KINDS:
        return kind
    if kind:
        return ""  # "who", "where", "how often": no value of these kinds answers it
    if _SHARE_NAMED.search(question):
        return "percent"
    if _SUM_NAMED.search(question) or _SUM_VERB.search(question):
        return "amount"
    return "count" if _SIZE_NAMED.search(question) else ""


# "Has the fee gone up?", "Did the number rise or fall between 2013 and 2018?", "How does the latest
# count compare with 2013?": a question about a change over time, answered by two dated values.
_CHANGE = re.compile(
    r"\b(?:(?:gone|go|went|got|get|getting|been)\s+(?:up|down|longer|shorter|higher|lower|bigger|smaller)|"
    r"ris(?:e|en|ing)|rose|f[ae]ll(?:en|ing)?|gr[eo]wn?|grew|shr[aiu]nk|shrinking|chang(?:e|ed|ing)|"
    r"increas(?:e|ed|ing)|decreas(?:e|ed|ing)|dropped|climbed|shortened|lengthened|compare[sd]?)\b|"
    # "Is the number higher now than in 2014?": set against an earlier time, not a threshold
    # ("more than 300 workers")
    r"\b(?:higher|lower|more|fewer|less|larger|smaller|bigger|longer|shorter)\b(?:\s+[\w-]+){0,6}?\s+than\s+"
    r"(?:in\s+|it\s+was\s+in\s+|they\s+were\s+in\s+)?(?:(?:19|20)\d\d\b|before\b|earlier\b|previously\b)", re.I)


def asks_change(question: str) -> bool:
    """Does the question ask how a value changed over time ("Has the fee gone up?")?"""
    return bool(_CHANGE.search(question))


_VALUE_CUE = re.compile(r"\bhow (?:many|much|long|often)\b|\bwhat (?:percent|share|proportion|number)\b|\bnumber of\b", re.I)
# "How many workers are there in each city?", "... respectively", "in each of the camps": one figure
# per place or body named. Not "each month", "each worker", "each North Korean trainer": those say
# what the one figure is per, and the people it can be per are too many to list.
_SPLIT_ASK = re.compile(
    r"\b(?:respectively|separately|both)\b|\beach\s+of\b|"
    r"\beach\s+(?:\w+\s+)?(?:city|cities|country|countries|region|province|oblast|krai|state|site|place|location|town|"
    r"port|camp|mine|sector|industry|company|firm|ship|vessel|report|outlet|source|destination)s?\b", re.I)
# "How many men and women...", "in Mongolia and Russia": one cue, two quantities.
_PAIR = re.compile(r"\b(?i:how (?:many|much))\s+(?:[A-Z]\w+\s+)?\w+\s+(?:and|or)\s+\w+|\b(?:in|to|from|at)\s+[A-Z]\w+\s+(?:and|or)\s+(?:in\s+)?[A-Z]\w+")


# "each of its doctors", "each of the North Korean nurses": what one figure is per, as "each doctor" is.
_EACH_OF = re.compile(r"\beach\s+of\s+(?:the|its|their|these|those)\s+((?:[\w-]+\s+){0,2}[\w-]+)")
_PHRASE_END = frozenset({"at", "in", "on", "of", "for", "from", "who", "where", "that", "which", "working", "is", "are",
                         "was", "were", "get", "gets", "paid", "earn", "earns", "and", "or"})


def _per_person(question: str, at: int) -> bool:
    """Does "each of ..." at ``at`` name people (the noun phrase up to its first preposition or verb)?"""
    m = _EACH_OF.match(question, at)
    if not m:
        return False
    for word in m.group(1).split():
        if word.lower() in _PHRASE_END:
            return False
        if word.islower() and is_person_noun(word):
            return True
    return False


def asks_two_figures(question: str) -> bool:
    """Does the question ask for two figures ("How many ... and how much ..."), which are both
    given rather than set against each other as a disagreement?"""
    split = _SPLIT_ASK.search(question)
    if split and _per_person(question, split.start()):
        split = None
    return len(_VALUE_CUE.findall(question)) >= 2 or bool(split) or bool(_PAIR.search(question))


def disagree(a: Value | None, b: Value | None) -> bool:
    """Two values that answer the same question differently: same unit, different normalised values."""
    return a is not None and b is not None and a.kind == b.kind and a.unit == b.unit and not a.same_as(b)
