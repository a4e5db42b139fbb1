"""The default answerer: quote the 1–3 report sentences that answer the question, each cited.

Grounded by construction: every sentence of the answer is a sentence of a report, followed by
the number of the passage it comes from. When the best sentence scores below the calibrated
threshold the answer says plainly that the reports don't contain it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from vectorstore import ReportStore

from .citations import number_sources
from .disagreement import SameSubjectJudge, load_judge
from .answerability import leans_back
from .answertype import LEAD_TYPES, asked_value, counted_unit, find_list, has_unit, question_type
from .scoring import (ANSWER_CHARS, ANSWER_MARGIN, CAPTION_THRESHOLD, CONFLICT_THRESHOLD, NEIGHBOUR_THRESHOLD,
                      REDUNDANT_SIMILARITY, REFUSAL_THRESHOLD, SUPPORT_THRESHOLD, TYPED_THRESHOLD, FOLLOWUP_MARGIN)
from .text import terms
from .name_conflicts import name_conflicts, named_value
from .typed import parse_question, strict, typed_lead
from .types import Answer, Candidate, Citation
from .subject import (Said, asked_kind, candidates_same_subject, counted_as_asked, names, names_a_subject,
                      names_a_year, names_said, of_asked_time, surroundings, value_for)
from .values import asks_two_figures, disagree, question_kind, values
from vectorstore.dates import report_range

NOT_FOUND = "The reports don't say. None of the ingested reports contains an answer to this question."
VALUED_WITHIN = 3  # the answer's figure may rank just below its sentences that give none
MOST_SIDES = 5  # reports quoted in one disagreement answer: every dated count of a well-reported place


def select_sentences(
    candidates: Sequence[Candidate],
    threshold: float = REFUSAL_THRESHOLD,
    margin: float = ANSWER_MARGIN,
    max_sentences: int = 3,
    support: float = SUPPORT_THRESHOLD,
    question: str = "",
    neighbour: float = NEIGHBOUR_THRESHOLD,
    budget: int = ANSWER_CHARS,
    followup: bool = False,
) -> list[Candidate]:
    """Pick the answer sentences: the best one if it answers at all, plus close runners-up
    that also answer (by the answerability scorer) and add something new.

    A sentence of the best one's report is added only when it covers question terms the answer
    lacks and either the two read as one ("... do not want to return." + "The laborers feel this
    way because ...") or the question is a ``followup``: a conversation continues one report, and
    which of its sentences answers what the follow-up newly asks is the least sure pick ("Did
    anyone have to pay to be picked?" led by "Selection is strict.", the bribe next); when the best
    sentence leans back on its predecessor in the same passage, that predecessor is quoted too if
    it says what the question asks about (it is context, not a second answer, so it needs no
    answerability of its own). Last, while there is room, the best
    sentence's better-scoring neighbour in its passage when it reaches ``neighbour``: the answer
    often sits next to the sentence that matches the question's words best ("Who runs the
    hiring?" matches "The bureau is looking for women in their 20s"; the next sentence names the
    bureau). It adds no citation — the passage is cited already — only a few words to read.
    Every sentence after the best one must add question terms the answer lacks and fit in
    ``budget`` characters with the rest: an answer is read, so a close but redundant second voice
    costs more than it gives.
    """
    if not candidates or candidates[0].answerability < _bar(candidates[0], threshold):
        return []
    best = candidates[0]
    chosen = [best]
    qterms = set(terms(question))
    if asks_for_the_list(best, qterms):
        # "What hardships did workers list?" matches the lead-in, so the list is the answer: the
        # best item and its fellow items of that list in the passage, in the report's order.
        fellows = sorted((c for c in candidates if c.chunk_id == best.chunk_id and c.lead_in == best.lead_in
                          and c.kind == best.kind), key=lambda c: c.index)
        around = [c for c in fellows if c.index >= best.index] + [c for c in fellows if c.index < best.index][::-1]
        return [c for c in around if not any(_redundant(c, o) for o in around[: around.index(c)])][:max_sentences]
    if leans_back(best.text):
        before = next((c for c in candidates if c.doc_id == best.doc_id and c.chunk_id == best.chunk_id
                       and c.index == best.index - 1), None)
        if before is not None and adds_coverage(before, chosen, qterms):
            chosen.append(before)
    for c in candidates[1:]:
        if len(chosen) >= max_sentences:
            break
        if c.score < best.score - margin:
            break
        if c.answerability < _bar(c, max(support, threshold)) or any(_redundant(c, o) for o in chosen):
            continue
        if _length(chosen) + len(c.text) > budget or not adds_coverage(c, chosen, qterms):
            continue
        # Another sentence of the same report only when it reads as one with the best one, or
        # answers a follow-up's own words the lead lacks (the conversation is about that report);
        # other reports add a second voice.
        if c.doc_id == best.doc_id and not ((followup or reads_as_one(best, c)) and adds_coverage(c, chosen, qterms)):
            continue
        chosen.append(c)
    if len(chosen) < max_sentences:
        have = {c.sentence_id for c in chosen}
        beside = [c for c in candidates if c.chunk_id == best.chunk_id and abs(c.index - best.index) == 1
                  and c.sentence_id not in have and c.answerability >= neighbour and c.kind != "caption"
                  and not any(_redundant(c, o) for o in chosen) and _length(chosen) + len(c.text) <= budget]
        if beside:
            chosen.append(max(beside, key=lambda c: c.answerability))
    return chosen


def asks_for_the_list(best: Candidate, qterms: set[str]) -> bool:
    """The best sentence is a list item and the question is about what its lead-in announces: the
    lead-in shares more of the question's terms than the item does ("What hardships did workers
    list?" and "Former workers listed the main hardships:"; not "What happens to passports?")."""
    if best.kind not in ("item", "row") or not best.lead_in:
        return False
    return len(qterms & set(terms(best.lead_in))) > len(qterms & set(terms(best.text)))


def _bar(c: Candidate, threshold: float) -> float:
    """The answerability a candidate needs: captions need the scorer to be sure (CAPTION_THRESHOLD)."""
    return max(threshold, CAPTION_THRESHOLD) if c.kind == "caption" else threshold


def _length(chosen: Sequence[Candidate]) -> int:
    return sum(len(c.text) + 5 for c in chosen)  # each sentence plus its " [n]"


def reads_as_one(a: Candidate, b: Candidate) -> bool:
    """Adjacent sentences of one passage where the later one leans back on the earlier ("Their passports...")."""
    if a.doc_id != b.doc_id or a.chunk_id != b.chunk_id or abs(a.index - b.index) != 1:
        return False
    return leans_back(max(a, b, key=lambda c: c.index).text)


def adds_coverage(c: Candidate, chosen: Sequence[Candidate], qterms: set[str]) -> bool:
    """Does ``c`` hold question terms the chosen sentences lack? (Always true for a question with
    no content terms of its own, "Why not?", whose subject came from the history.)"""
    if not qterms:
        return True
    have = set().union(*(terms(o.text) for o in chosen))
    return bool((qterms & set(terms(c.text))) - have)


def conflict_pairs(question: str, chosen: Sequence[Candidate], candidates: Sequence[Candidate],
                   support: float = CONFLICT_THRESHOLD) -> Iterator[tuple[Candidate, Candidate, Said, Said]]:
    """The pairs that could be a dated disagreement: the answer's sentence that gives a value of
    the asked kind (:func:`valued_first`), against each other report's candidate that gives a
    different one.

    Values are compared normalised (:mod:`qa.values`: "1,500" = "1500", "three years" = 36 months,
    ranges as ranges; years, days of the month and datelines are no values); both sentences must
    reach ``support`` and be of the asked time (:func:`qa.subject.of_asked_time`). A question that
    asks for two figures is answered with both, not set up as a disagreement. Whether a pair is
    about the same subject is :mod:`qa.disagreement`'s judgement, except where the labelled pairs
    hold almost no disagreement (docs/how-it-works.md): a count of another set than the asked one
    ("2,000 *Chinese* workers", :func:`qa.subject.counted_as_asked`) is never one, and a question
    that names no subject of its own (:func:`qa.subject.names_a_subject`: "How much are the workers
    paid?"), which reports from different places each answer about their own workers, keeps the hand
    rule's stricter reading (:func:`qa.subject.same_question_subject`). One that names its subject
    only by nouns ("How long are the stadium builders' contracts?") is the judge's. A question
    counting in a unit ("How many days off ...?") compares values in that unit only.
    """
    if not chosen or asks_two_figures(question):
        return
    kind = asked_kind(question)
    if not kind:
        return
    best = valued_first(question, kind, chosen, candidates)
    mine = value_for(question, kind, best.text)
    if mine is None or best.answerability < support or not of_asked_time(question, best.text, best.date):
        return
    unit = counted_unit(question)
    if unit and not has_unit(unit, mine.value.text):
        return  # "How many days off ...?" led by "a 14-hour working day": no value of what is asked
    unnamed = not names_a_subject(question)
    for c in candidates:
        if c.doc_id == best.doc_id or c.answerability < support or not of_asked_time(question, c.text, c.date):
            continue
        theirs = value_for(question, kind, c.text)
        if theirs is None or not disagree(mine.value, theirs.value) or (unit and not has_unit(unit, theirs.value.text)):
            continue
        if theirs.value.kind == "count" and not counted_as_asked(question, best.text, c.text, theirs.value):
            continue
        if unnamed and not candidates_same_subject(question, best, c, mine, theirs, REFUSAL_THRESHOLD):
            continue
        yield best, c, mine, theirs


def find_conflicts(question: str, chosen: Sequence[Candidate], candidates: Sequence[Candidate],
                   support: float = CONFLICT_THRESHOLD, judge: SameSubjectJudge | None = None,
                   most: int = 2) -> list[Candidate]:
    """The sentences of other reports that give a different value for what the question asks
    (:func:`conflict_pairs`) and that the trained judge (:mod:`qa.disagreement`) reads as about the
    same subject: the likeliest one above its threshold of each report, at most ``most`` reports,
    likeliest first. Every report that gives a figure is shown, up to ``most``, not the first two;
    a side beyond the likeliest must be dated (an undated figure cannot be placed among the others)."""
    judge = judge or load_judge()
    best_of: dict[str, tuple[float, Candidate]] = {}
    for best, c, mine, theirs in conflict_pairs(question, chosen, candidates, support):
        p = judge.same_subject(question, best, c, mine, theirs)
        if p >= judge.threshold and p > best_of.get(c.doc_id, (-1.0, c))[0]:
            best_of[c.doc_id] = (p, c)
    ranked = [c for _, c in sorted(best_of.values(), key=lambda pc: -pc[0])]
    if most < 1 or not ranked:
        return []
    return [ranked[0], *[c for c in ranked[1:] if c.date][: most - 1]]


def find_conflict(question: str, chosen: Sequence[Candidate], candidates: Sequence[Candidate],
                  support: float = CONFLICT_THRESHOLD, judge: SameSubjectJudge | None = None) -> Candidate | None:
    """The likeliest of :func:`find_conflicts`, or None."""
    found = find_conflicts(question, chosen, candidates, support, judge, most=1)
    return found[0] if found else None


def valued_first(question: str, kind: str, chosen: Sequence[Candidate],
                 candidates: Sequence[Candidate] = (), threshold: float = REFUSAL_THRESHOLD) -> Candidate:
    """The answer's first sentence that gives a value of ``kind``: what a disagreement is about,
    though a sentence without the figure may rank above it ("The women sew jackets for export."
    before "The state keeps 70 percent of their pay."). When none of the answer's sentences gives
    one ("Cranes still turn over the port where the North Koreans work."), the first of the leading
    ``candidates`` (:data:`VALUED_WITHIN`) that does and answers for itself: it reaches
    ``threshold``, says every name the question does (in it or around it) and, a count, counts the
    asked set (:func:`qa.subject.counted_as_asked`). Else the answer's first sentence."""
    found = next((c for c in chosen if value_for(question, kind, c.text) is not None), None)
    if found is None:
        asked = names(question)
        found = next((c for c in candidates[:VALUED_WITHIN] if c.answerability >= threshold
                      and names_said(asked, c.text, surroundings(c), c.setting)
                      and _gives_asked_value(question, kind, c.text)), None)
    return found or chosen[0]


def _gives_asked_value(question: str, kind: str, sentence: str) -> bool:
    """The sentence gives a value of ``kind``, and a count counts the set the question asks about."""
    said = value_for(question, kind, sentence)
    return said is not None and (said.value.kind != "count" or counted_as_asked(question, "", sentence, said.value))


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.sentence_id == b.sentence_id:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= REDUNDANT_SIMILARITY


def within_passages(chosen: Sequence[Candidate], k: int) -> list[Candidate]:
    """The chosen sentences from the first ``k`` distinct passages (in choice order): one citation per passage."""
    kept: list[str] = []
    out = []
    for c in chosen:
        if c.chunk_id not in kept:
            if len(kept) >= k:
                continue
            kept.append(c.chunk_id)
        out.append(c)
    return out


def order_for_reading(chosen: list[Candidate], keep_first: bool = False) -> list[Candidate]:
    """The best sentence's report first, then the others; within a report, the report's own order
    (so "Most do not want to return. They feel this way because..." reads as written). With
    ``keep_first`` (a question asking for a name, a figure or a date) the sentence that holds it
    stays first: "Which company hires them?" opens with the company, not with the head count
    written before it."""
    if len(chosen) <= 1:
        return chosen
    first = chosen[0]
    if keep_first:
        return [first, *order_for_reading(chosen[1:])]
    same = sorted((c for c in chosen if c.doc_id == first.doc_id), key=lambda c: c.index)
    other = sorted((c for c in chosen if c.doc_id != first.doc_id), key=lambda c: (c.doc_id, c.index))
    return [*same, *other]


def of_asked_time_first(question: str, candidates: Sequence[Candidate], threshold: float) -> list[Candidate]:
    """For a question that names a year ("How many permits were issued in 2016?"), the candidates
    that answer it (at or above ``threshold``) and are of that time (:func:`qa.subject.of_asked_time`:
    they name the year, or their report is dated in it) first, each group in rank order: a 2024
    report's figure, however well worded, does not answer for 2016. A question naming no year,
    or no candidate of its time that answers: rank order stands (a refusal stays one)."""
    if not names_a_year(question):
        return list(candidates)
    return sorted(candidates, key=lambda c: not (c.answerability >= threshold
                                                 and of_asked_time(question, c.text, c.date)))


def typed_first(question: str, candidates: Sequence[Candidate], floor: float = 0.0,
                refuse: bool = True) -> list[Candidate]:
    """Candidates for a question asking for a typed thing (a name, a figure, a date), led by the
    best one that holds it (:func:`qa.typed.typed_lead`); none at all — a refusal — when no
    candidate does, or the one that does scores below ``floor``, unless ``refuse`` is off (the
    trained reader then decides refusals: an untagged "USD 1,300" is still an amount). Other
    questions: unchanged."""
    typed, lead = typed_lead(question, candidates)
    if not typed:
        return list(candidates)
    if question_kind(question) == "percent":
        # "What share of their pay goes to the state?": a sentence giving the share leads one giving
        # only sums ("The plant pays 2,400 yuan a month for each seamstress"), when one answers
        lead = next((i for i, c in enumerate(candidates)
                     if c.answerability >= floor and values("percent", c.text)), lead)
    if lead is None or candidates[lead].answerability < floor:
        return [] if refuse else list(candidates)
    return [candidates[lead], *candidates[:lead], *candidates[lead + 1:]]


def reason_given(candidates: Sequence[Candidate], floor: float) -> list[Candidate]:
    """A why-question's candidates, or none — a refusal — when no sentence marking a reason
    ("because", "citing", "so that") reaches ``floor`` by :attr:`Candidate.marked`. The mark ranks
    poorly (reasons are often plain statements) but tells the questions the reports answer from
    the near-topic ones they do not; ranking is left to the answerability without it."""
    marked = [c.marked for c in candidates if c.marked is not None]
    return [] if marked and max(marked) < floor else list(candidates)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, store: ReportStore, threshold: float | None = None, max_sentences: int = 3,
                 max_citations: int = 5, typed_threshold: float | None = None, typed_refusal: bool = True):
        self.store = store
        self.typed_refusal = typed_refusal
        self.threshold = REFUSAL_THRESHOLD if threshold is None else threshold
        self.typed_threshold = TYPED_THRESHOLD if typed_threshold is None else typed_threshold
        self.max_sentences = max_sentences
        self.max_citations = max(1, max_citations)  # Settings.top_k; an answer needs one source at least

    def refusal_threshold(self, followup: bool = False) -> float:
        """The answerability the best sentence needs; a follow-up's is :data:`qa.scoring.FOLLOWUP_MARGIN`
        lower (the subject came from the history, so its own words are fewer than what it asks)."""
        return self.threshold - FOLLOWUP_MARGIN if followup else self.threshold

    def answer(self, question: str, candidates: Sequence[Candidate], followup: bool = False,
               second: bool = True) -> Answer:
        """``followup``: the question continues the conversation, so its own words are fewer than
        what it asks (the subject came from the history) and its refusal threshold is
        :data:`qa.scoring.FOLLOWUP_MARGIN` lower; it may quote a second sentence of its lead's
        report (:func:`select_sentences`) unless ``second`` is off, as when the follow-up ranker's
        training labels which sentence should lead (bench/train_followup_rank.py)."""
        found = candidates
        threshold = self.refusal_threshold(followup)
        candidates = of_asked_time_first(question, candidates, threshold)
        candidates = typed_first(question, candidates, self.typed_threshold, self.typed_refusal)
        if not followup:  # a follow-up's reason is not asked to be marked (docs/how-it-works.md, why-questions)
            candidates = reason_given(candidates, threshold)
        chosen = select_sentences(candidates, threshold, max_sentences=self.max_sentences, question=question,
                                  followup=followup and second)
        chosen = within_passages(chosen, self.max_citations)
        confidence = candidates[0].answerability if candidates else 0.0
        if not chosen:  # the nearest passages of the search itself, also after a typed refusal
            return Answer(answer=NOT_FOUND, found=False, citations=[], closest=self.closest(found),
                          confidence=confidence)
        conflicts = find_conflicts(question, chosen, candidates, most=min(MOST_SIDES, self.max_citations) - 1)
        anchor = valued_first(question, asked_kind(question), chosen, candidates) if conflicts else chosen[0]
        if not conflicts:  # reports naming different bodies ("Which agency supplies the crews?")
            conflicts = name_conflicts(question, anchor, candidates, self._report_text)
        if conflicts:
            # Reports disagree: every side, each with its outlet and date, newest first.
            sides = sorted([anchor, *conflicts], key=lambda c: report_range(c.date), reverse=True)
            citations = build_citations(self.store, sides)
            number = {c.chunk_id: c.n for c in citations}
            text = " ".join(f"{attributed(c)} [{number[c.chunk_id]}]" for c in sides)
            return Answer(answer=text, found=True, citations=citations, confidence=confidence,
                          others=[dated_value(question, c, number[c.chunk_id]) for c in sides[1:]])
        best = chosen[0]
        chosen = order_for_reading(chosen, keep_first=strict(parse_question(question).kind))
        citations = build_citations(self.store, chosen)
        number = {c.chunk_id: c.n for c in citations}
        passage_text = {c.chunk_id: c.text for c in citations}
        quoted = dated_by_report(question, chosen, quotations(chosen, passage_text))
        parts = [f"{q} [{number[c.chunk_id]}]" for c, q in zip(chosen, quoted)]
        lead = direct_lead(question, best)
        if lead:
            parts.insert(0, f"{lead} [{number[best.chunk_id]}].")
        return Answer(answer=" ".join(parts), found=True, citations=citations, confidence=confidence)

    def _report_text(self, doc_id: str) -> str:
        """A report's whole text: a body named anywhere in it is one the report knows of."""
        doc = self.store.get_documents([doc_id], with_text=True).get(doc_id)
        return doc.text if doc else ""

    def answer_parts(self, parts: Sequence[tuple[str, Sequence[Candidate]]]) -> Answer:
        """One answer to a question asking for several facts: each part (its question and its own
        candidates) answered as a question of its own, at most two sentences each, joined in the
        order asked, each sentence cited. A part the reports do not answer is left out; when none
        is answered the answer is a refusal."""
        chosen: list[Candidate] = []
        confidences = []
        for question, candidates in parts:
            candidates = typed_first(question, candidates, self.typed_threshold, self.typed_refusal)
            picked = select_sentences(candidates, self.threshold, max_sentences=2, question=question)
            if picked:
                confidences.append(picked[0].answerability)
            have = {c.sentence_id for c in chosen}
            chosen += [c for c in order_for_reading(picked) if c.sentence_id not in have]
        everything = [c for _, cands in parts for c in cands]
        if not chosen:
            return Answer(answer=NOT_FOUND, found=False, citations=[], closest=self.closest(everything),
                          confidence=max((c.answerability for c in everything), default=0.0))
        citations = build_citations(self.store, chosen)
        number = {c.chunk_id: c.n for c in citations}
        quoted = dated_by_report(" ".join(q for q, _ in parts), chosen, [_as_sentence(c.text) for c in chosen])
        text = " ".join(f"{q} [{number[c.chunk_id]}]" for c, q in zip(chosen, quoted))
        return Answer(answer=text, found=True, citations=citations, confidence=min(confidences))

    def closest(self, candidates: Sequence[Candidate], k: int = 3) -> list[dict]:
        return [
            {"doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title, "text": c.text, "score": round(c.score, 4)}
            for c in candidates[:k]
        ]


def dated_value(question: str, c: Candidate, n: int) -> dict:
    """What one report says, for "Other reports say" beside a disagreement: outlet, date, value, citation number."""
    got = value_for(question, asked_kind(question), c.text)
    value = got.value if got else None
    text = value.text if value else named_value(question, c)  # a body's name, when one is asked for
    return {"doc_id": c.doc_id, "outlet": c.outlet, "title": c.title, "date": c.date, "n": n,
            "value": text, "normalized": value.normalized if value else None,
            "unit": value.unit if value else ""}


def attributed(c: Candidate, text: str | None = None) -> str:
    """'According to <outlet> (<date>): <sentence>' for answers that set reports side by side."""
    text = quotations([c])[0] if text is None else text  # quoted verbatim: the citation highlight matches it
    source = c.outlet or c.title or "one report"
    return f"According to {source} ({c.date}): {text}" if c.date else f"According to {source}: {text}"


def dated_by_report(question: str, chosen: Sequence[Candidate], quoted: Sequence[str]) -> list[str]:
    """The quotations of an answer to a question about a figure, each report's first one opened
    with its outlet and date when the answer quotes more than one dated report: figures from
    reports years apart ("8,400 employed this autumn", "Some 1,900 remained in May") are read
    against their dates, though no disagreement was found between them."""
    if not asked_kind(question) or len({c.doc_id for c in chosen if c.date}) < 2:
        return list(quoted)
    out, seen = [], set()
    for c, q in zip(chosen, quoted):
        out.append(q if c.doc_id in seen else attributed(c, q))
        seen.add(c.doc_id)
    return out


def direct_lead(question: str, best: Candidate) -> str | None:
    """A short direct answer before the quoted sentence, taken from that sentence: the listed
    items, or the value that answers the question (:func:`qa.answertype.asked_value`); none when
    the sentence gives no clear one."""
    kind = question_type(question)
    value = None
    if asks_for_named_list(question):
        value = find_list(best.text)
    if question_kind(question) == "percent":  # a share is answered by a share, never by a sum of money
        shares = values("percent", best.text)
        value = shares[0].text if len({v.text for v in shares}) == 1 else None
    elif value is None and kind in LEAD_TYPES:
        value = asked_value(question, kind, best.text)
    if not value:
        return None
    return value[0].upper() + value[1:]


# Things with proper names: a list of capitalised items answers a question asking for them.
_NAMED_KINDS = re.compile(
    r"^\W*(?:(?:and|so|then)\s+)?(?:(?:in|to|from)\s+)?(?:where\b|(?:which|what)\s+(?:\w+\s+){0,2}"
    r"(?:countr(?:y|ies)|cit(?:y|ies)|towns?|places?|provinces?|regions?|destinations?|nations?|ports?|"
    r"areas?|companies|firms?|organi[sz]ations?|agencies)\b)", re.I)


def asks_for_named_list(question: str) -> bool:
    """A wh-question about places or organisations ("Which countries...", "Where..."), not a
    yes/no question or one about things without names ("What papers do they need?")."""
    return bool(_NAMED_KINDS.search(question))


CAPTION_MARK = "Caption: "


def quotations(chosen: Sequence[Candidate], passage_text: dict[str, str] | None = None) -> list[str]:
    """How each chosen sentence is quoted, in answer order.

    A caption is marked as one, so a reader knows the fact comes from under a photo, not from
    the article's text. A list item or table row is quoted after its lead-in or header row
    ("Workers said they lacked: housing"), once per list: an item alone can be a fragment. Only
    where the cited passage holds the lead-in (``passage_text``: chunk id -> passage text), so
    every quoted word stays in the passage its number points at.
    """
    out = []
    led: set[tuple[str, str]] = set()
    for c in chosen:
        if c.kind == "caption":
            out.append(CAPTION_MARK + _as_sentence(c.text))
            continue
        text = c.text if c.kind == "row" else _as_sentence(c.text)
        held = passage_text is None or c.lead_in in passage_text.get(c.chunk_id, "")
        if c.lead_in and held and (c.doc_id, c.lead_in) not in led:
            led.add((c.doc_id, c.lead_in))
            text = f"{c.lead_in} {text}"
        out.append(text)
    return out


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?\"”’)" else text + "."


def build_citations(store: ReportStore, chosen: Sequence[Candidate]) -> list[Citation]:
    """One citation per passage used, numbered in order of first use, with sentence highlights.

    Heading and page are those of the first sentence cited from the passage (a passage can span
    a page break); ``kind`` is "caption" when all that is cited from it is a caption.
    """
    numbers = number_sources([c.chunk_id for c in chosen])
    passages = store.get_passages(list(numbers))
    docs = store.get_documents(list({c.doc_id for c in chosen}))
    citations: dict[str, Citation] = {}
    for c in chosen:
        p = passages[c.chunk_id]
        d = docs.get(c.doc_id)
        if c.chunk_id not in citations:
            citations[c.chunk_id] = Citation(
                n=numbers[c.chunk_id], doc_id=c.doc_id, chunk_id=c.chunk_id,
                title=d.title if d else c.title, date=d.date if d else c.date, source=d.source if d else "",
                outlet=d.outlet if d else c.outlet, text=p.text, start=p.start, end=p.end, score=round(float(c.score), 4),
                heading=c.heading or p.heading, page=c.page if c.page is not None else p.page, kind="caption",
            )
        cit = citations[c.chunk_id]
        start = c.start - p.start
        if c.lead_in:  # the lead-in quoted before an item is cited too, where the passage holds it
            at = p.text.rfind(c.lead_in, 0, start)
            if at >= 0 and not any(h["start"] == at for h in cit.highlights):
                cit.highlights.append({"start": at, "end": at + len(c.lead_in), "kind": "lead_in"})
        cit.highlights.append({"start": start, "end": c.end - p.start, "kind": c.kind})
        if c.kind != "caption":
            cit.kind = "passage"
        cit.score = max(cit.score, round(float(c.score), 4))
    return sorted(citations.values(), key=lambda c: c.n)
