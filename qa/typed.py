"""Typed answers from named entities: does a sentence hold the kind of thing the question asks for?

The question's answer type (:func:`qa.answertype.question_type`: an amount, a count, a date, a
place, ...) maps to spaCy entity labels; a sentence holds such an answer when one of its stored
entities (``vectorstore/entities.py``) has one of those labels and is not something the question
itself names ("How much are workers in Dubai paid?" is not answered by "Dubai"). Kinds the
recogniser does not cover (a reason, a document, a condition such as "once the debts are paid")
stay with the regexes of :mod:`qa.answertype`; for "who" either signal counts, as most answers
there are role nouns ("the site manager"), and "where" keeps its regex (see :data:`MODE`).

The question is parsed once per ask (:func:`parse_question`, ~9 ms), cached by its text.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from vectorstore.entities import Entity, nlp

from . import answertype
from .answertype import asks_for_name, is_person_noun, question_type, sentence_has
from .currencies import CURRENCY_AFTER
from .subject import surroundings
from .text import terms

# Answer type -> entity labels that give one. "duration" and "age" need a unit besides the
# label (spaCy tags both "2017" and "three years" DATE), see _SHAPE.
LABELS: dict[str, frozenset[str]] = {
    "amount": frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),  # CARDINAL: with a currency word only
    "count": frozenset({"CARDINAL", "QUANTITY"}),
    "date": frozenset({"DATE", "TIME", "EVENT"}),
    "day": frozenset({"DATE"}),
    "when": frozenset({"DATE", "TIME", "EVENT"}),
    "duration": frozenset({"DATE", "TIME"}),
    "age": frozenset({"DATE", "CARDINAL"}),
    "who": frozenset({"PERSON", "ORG", "NORP"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    # "What is the name of the <noun>?": a person's name for a person noun, else a body's or a building's
    "person": frozenset({"PERSON"}),
    "body": frozenset({"ORG", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"}),
}
# How each kind is decided: "ner" (entities only), "either" (an entity or the kind's regex), "regex"
# (the regex only). "either" where role nouns and conditions answer as often as names do; places
# by the regex alone: every report names the country that sends the workers ("North Korea is ..."),
# so a place entity makes unrelated sentences look like answers to "where".
MODE: dict[str, str] = {"amount": "ner", "count": "ner", "date": "ner", "day": "ner", "duration": "either",
                        "age": "either", "when": "either", "who": "either", "place": "regex", "person": "ner",
                        "body": "ner"}
_UNIT = r"(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|seasons?|winters?|summers?)"
# A length of time, not a point in it: "three years", "24 months", "a month or two" (not "2017", "last year").
# A number of units, then: "last year" and "every month" have a unit but no number.
_QUANTITY = (r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
             r"forty|fifty|hundred|dozens?|several|few|couple|half)")
_LENGTH = re.compile(rf"^(?!.*\b(?:19|20)\d\d\b)(?!.*\b(?:every|each|per)\b).*\b{_QUANTITY}\b[\w\s,-]*?\b{_UNIT}\b", re.I)
_POINT = re.compile(rf"^(?!{_LENGTH.pattern})", re.I)  # a date that is not a length of time
_SHAPE: dict[str, re.Pattern] = {
    "duration": _LENGTH, "date": _POINT, "when": _POINT,
    "age": re.compile(r"\bold\b|\d0s\b|\bteens\b|\baged?\b", re.I),
    "day": re.compile(r"\d|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow)\b",
                      re.I),
    # a count is a number of things, not a year ("2016" is sometimes CARDINAL)
    "count": re.compile(r"^(?!(?:19|20)\d\d$)"),
}
# A number that is part of a length or a share ("two to four months", "a month or two", "70 percent")
# counts nothing: the words just after it, or a unit and "or"/"to" just before it, tell.
_UNIT_AFTER = re.compile(rf"^\s*(?:-\s*)?(?:{_UNIT}|percent\b|%)", re.I)
_UNIT_BEFORE = re.compile(rf"\b{_UNIT}\s+(?:or|to)\s*$", re.I)
# The recogniser misses some sums ("300,000 won", "USD 1,300" come out CARDINAL): a number with a
# currency word right after or a currency code right before it is an amount all the same.
_CURRENCY_AFTER = re.compile(rf"^\s*(?:{CURRENCY_AFTER})\b", re.I)
_CURRENCY_BEFORE = re.compile(r"(?:\b(?:usd|us|eur|rmb|cny|krw|kpw|rub|aed)|[$€£¥₩₽])\s*$", re.I)


_ANCHOR_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG", "PERSON"})  # not NORP: "North Korean" is in every report
# "the bureau", "the hotel's", "its farm": a common noun standing for something named before.
_DEFINITE = re.compile(r"\b(?:the|its|their|this|that)\s+([a-z][\w-]*)")
# Common nouns the recogniser tags as part of a proper name ("Ak-Bermet Hotel", "Sinhung Bureau").
_COMMON_IN_NAMES = frozenset({"hotel", "bureau", "company", "farm", "plant", "factory", "clinic", "hospital", "mine",
                              "shipyard", "yard", "restaurant", "studio", "group", "agency", "corporation", "port",
                              "site", "camp", "center", "centre", "academy", "school", "office", "project"})


@dataclass(frozen=True)
class ParsedQuestion:
    """What the question asks for, and the names it already gives (never an answer)."""

    kind: str  # an answer type of LABELS, "" for an open question
    named: frozenset[str]  # lower-cased texts of the question's own entities
    # The places, bodies and people the question is about ("paid in Poland"), each as its content
    # terms: a figure about somewhere else does not answer it.
    anchors: tuple[frozenset[str], ...] = ()
    # Per anchor, the common nouns a report calls it by once named ("the Sinhung bureau": bureau;
    # "the Novokedrovka farm": farm): its own nouns and the noun it qualifies in the question.
    heads: tuple[frozenset[str], ...] = ()


@lru_cache(maxsize=2048)
def parse_question(question: str) -> ParsedQuestion:
    kind = question_type(question)
    wants_name = asks_for_name(question)
    if kind not in LABELS and not wants_name and not _WHICH.search(question):
        return ParsedQuestion(kind=kind, named=frozenset())  # nothing typed asked: no parse needed
    doc = nlp()(question.split(" (", 1)[0] if question.endswith(")") else question)
    if wants_name and kind in ("", "who"):  # "In what year did it take its new name?" asks for a year
        noun = named_noun(doc)
        kind = "person" if noun is None or is_person_noun(noun) else "body"
    elif kind in ("", "who") and _BODY_NOUN.match(which_noun(doc)):
        kind = "body"  # "Which company sent them?" asks for a named body, as "the name of the company" does
    ents = [e for e in doc.ents if e.label_ in _ANCHOR_LABELS and terms(e.text)]
    return ParsedQuestion(kind=kind, named=frozenset(_norm(e.text) for e in doc.ents),
                          anchors=tuple(frozenset(terms(e.text)) for e in ents), heads=tuple(_heads(e) for e in ents))


def _heads(ent) -> frozenset[str]:
    """The common nouns that can stand for a named place or body: those inside its name ("Sinhung
    bureau", "Ak-Bermet Hotel"), the noun it qualifies ("the Novokedrovka farm"), and for a business
    or other organisation the nouns any goes by ("Neva Interior Works": "the firm")."""
    nouns = [t.text for t in ent if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and t.text.lower() in _COMMON_IN_NAMES)]
    head = ent.root.head
    if head.i >= ent.end and head.pos_ == "NOUN" and ent.root.dep_ in ("compound", "amod", "nmod"):
        nouns.append(head.text)
    if ent.label_ == "ORG":
        nouns += _ANY_BODY
    return frozenset(t for n in nouns for t in terms(n))


# What a report calls any organisation it has named ("the company", "the firm's head of personnel").
_ANY_BODY = ("company", "firm")
# A run of capitalised words, whose initials an acronym may stand for ("United Nations": UN).
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][a-z]+)+")


def acronyms(text: str) -> set[str]:
    """The acronyms of the names a text spells out ("the United Nations Security Council": un, unsc,
    nsc, sc), lower-cased as :func:`qa.text.terms` gives them: a question saying "the UN" asks about
    a sentence saying "the United Nations"."""
    out = set()
    for m in _CAPITALISED_RUN.finditer(text):
        initials = "".join(w[0] for w in m.group().split() if w[0].isupper()).lower()
        out.update(initials[i:j] for i in range(len(initials)) for j in range(i + 2, len(initials) + 1))
    return out


def _norm(text: str) -> str:
    """An entity's text as compared: lower-cased, without a leading article or possessive."""
    return re.sub(r"^(?:the|a|an)\s+|['’]s$", "", text.strip().lower())


def _given(text: str, named: frozenset[str]) -> bool:
    """Is this entity one the question names? ("the country's External Construction Bureau" is
    "the External Construction Bureau")"""
    t = _norm(text)
    return any(t == n or (n and n in t) or (t and t in n) for n in named)


def named_noun(doc) -> str | None:
    """The noun whose name is asked: "the name of the <foreman>", "who is the <head> of ..." (by the parse)."""
    for tok in doc:
        if tok.lower_ in ("name", "names", "head", "chief", "director", "leader", "minister"):
            if tok.lower_.startswith("name"):
                for noun in (c for c in tok.children if c.dep_ == "compound"):
                    return noun.lower_  # "under what company name": a company's
                for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"):
                    for obj in (c for c in prep.children if c.dep_ == "pobj"):
                        return obj.lower_
            else:
                return tok.lower_
    return None


# Nouns for organisations: "which <noun>" asks for one by name.
_BODY_NOUN = re.compile(r"^(?:compan(?:y|ies)|agenc(?:y|ies)|firms?|organi[sz]ations?|groups?|bureaus?|ministr(?:y|ies)|"
                        r"departments?|institutions?|corporations?|offices?|authorit(?:y|ies)|charit(?:y|ies)|"
                        r"banks?|contractors?|employers?|businesses|business)$", re.I)


_WHICH = re.compile(r"\b(?:which|what)\b", re.I)


def which_noun(doc) -> str:
    """The noun a "which"/"what" picks ("Which Polish staffing <agencies> hired them?"), or '': the
    last noun of the run of adjectives and nouns right after it (by the tagger; the parser does not
    always attach "which" to its noun)."""
    for i, tok in enumerate(doc):
        if tok.lower_ in ("which", "what"):
            run = []
            for t in doc[i + 1:]:
                if t.pos_ not in ("ADJ", "NOUN", "PROPN"):
                    break
                run.append(t)
            nouns = [t for t in run if t.pos_ == "NOUN"]
            return nouns[-1].lower_ if nouns else ""
    return ""


def entity_answers(kind: str, sentence: str, entities: Sequence[Entity], named: frozenset[str] = frozenset()) -> list[str]:
    """The entity texts in ``sentence`` that give an answer of ``kind`` (those the question names left out)."""
    labels = LABELS.get(kind)
    if not labels:
        return []
    shape = _SHAPE.get(kind)
    out = []
    for label, start, end in entities:
        text = sentence[start:end]
        if kind == "body" and label in _MISREAD_BODY and _DESIGNATOR.search(text):
            label = "ORG"  # "Taiga Stroiservis LLC" read as a person: the designator says what it is
        if label not in labels or _given(text, named) or (shape is not None and not shape.search(text)):
            continue
        if label == "CARDINAL" and kind == "amount" and not (_CURRENCY_AFTER.match(sentence[end:end + 12])
                                                             or _CURRENCY_BEFORE.search(sentence[max(0, start - 5):start])):
            continue
        if kind == "count" and label == "CARDINAL" and (_UNIT_AFTER.match(sentence[end:end + 12])
                                                       or _UNIT_BEFORE.search(sentence[max(0, start - 12):start])):
            continue
        out.append(text)
    return out + _missed_numbers(kind, sentence, entities, named)


# A business's name ends in what it is ("LLC", "Trading", "Corporation"); the recogniser reads some
# such names as a person or a place ("Sisavath Trading", "Taiga Stroiservis LLC").
_DESIGNATOR = re.compile(r"\b(?:LLC|Ltd|Limited|Inc|Corp|Corporation|Company|Co|Group|Trading|Holdings|Enterprises?|"
                         r"Services|Industries|Construction|Contracting|Engineering|Logistics|Technolog(?:y|ies)|"
                         r"Textiles|Foods|Fisheries|Shipping|Manning|Bureau|Agency)\.?$")
_MISREAD_BODY = frozenset({"PERSON", "GPE", "NORP", "LOC"})


# The recogniser also misses some plain figures ("Only about 900 North Koreans" has no CARDINAL):
# for counts and amounts a written number the regexes of qa.answertype find, outside every
# entity of another kind and not a year, counts too.
_NUMERIC = {"count": answertype._COUNT, "amount": answertype._AMOUNT}
_OTHER = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def _missed_numbers(kind: str, sentence: str, entities: Sequence[Entity], named: frozenset[str]) -> list[str]:
    pattern = _NUMERIC.get(kind)
    if pattern is None:
        return []
    taken = [(a, b) for label, a, b in entities if label in _OTHER]
    out = []
    for m in pattern.finditer(sentence):
        text = m.group().strip()
        if not re.search(r"\d", text) or re.fullmatch(r"(?:19|20)\d\d", text) or _given(text, named):
            continue
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue  # inside an entity the recogniser did type: its label decides
        out.append(text)
    return out


def holds(kind: str, sentence: str, entities: Sequence[Entity] | None, named: frozenset[str] = frozenset()) -> bool:
    """Does the sentence hold an answer of this kind? Open questions: always. No stored entities
    (a record from before them): the regexes alone, as before."""
    mode = MODE.get(kind)
    if mode is None or entities is None or mode == "regex":
        return sentence_has("who" if kind in ("person", "body") else kind, sentence)
    found = bool(entity_answers(kind, sentence, entities, named))
    if mode == "either":
        return found or sentence_has(kind, sentence)
    return found


def strict(kind: str) -> bool:
    """Kinds decided by entities alone: a question asking for one is refused when no sentence
    near the topic holds it (a name, a figure, a date; not a reason or a role)."""
    return MODE.get(kind) == "ner"


def typed_lead(question: str, candidates: Sequence) -> tuple[bool, int | None]:
    """(typed, index): for a question asking for a strict kind (:func:`strict`), the index of the
    best-ranked candidate that holds an answer of that kind (None when none does); for any other
    question, or candidates without stored entities, (False, 0): rank order stands.

    A sentence about the right topic that holds no such thing ("a foreman, who declined to be
    named", "did not say how many remained") does not answer a question asking for a name or a
    figure, however close its words are; a lower-ranked one that does hold it may. Nor does one
    that holds it about another place or body than the question names (:func:`about`).
    """
    parsed = parse_question(question)
    if not strict(parsed.kind) or not candidates or any(c.entities is None for c in candidates):
        return False, 0
    for i, c in enumerate(candidates):
        if entity_answers(parsed.kind, c.text, c.entities, parsed.named) and about(parsed.anchors, c, parsed.heads):
            return True, i
    return True, None


def about(anchors: Sequence[frozenset[str]], c, heads: Sequence[frozenset[str]] = ()) -> bool:
    """Does the sentence, or what stands around it, name every place, body and person the question
    names? ("How much are welders in Poland paid?" is not answered by a wage in Vladivostok.)
    Around it: its report's title, its heading and the sentence before, where a report names what
    the next sentence calls "the contract", "the crew" or "the shipyard" ("The contract is worth
    18 million dollars" after a sentence naming the memorial). Not the report's whole opening:
    read so loosely, a figure answered near-topic questions the reports do not answer
    (docs/evaluation.md). One exception: a sentence that calls the asked place or body by its
    common noun ("Every worker owes *the bureau* $600", asked about "the Sinhung bureau") is
    about it when the report's opening (:attr:`Candidate.setting`) names it in full."""
    if not anchors:
        return True
    around = f"{c.text} {surroundings(c)}"
    said = set(terms(around))
    if all(a <= said for a in anchors):
        return True
    said |= acronyms(around)  # only when a name is missing: this runs for every candidate of a typed question
    missing = [i for i, a in enumerate(anchors) if not a <= said]
    if not missing:
        return True
    opening = said | set(terms(c.setting))
    referred = set(terms(" ".join(_DEFINITE.findall(c.text))))
    return all(i < len(heads) and anchors[i] <= opening and heads[i] & referred for i in missing)
