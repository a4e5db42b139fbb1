"""Does this sentence answer this question? A small logistic scorer over cheap features.

Hand thresholds on similarity both drop right answers (relevant sentences can score 0.40 cosine)
and keep near-topic non-answers (a sentence about pay that gives no wage). So the score is a
probability from a logistic model over per-sentence features — dense cosine, IDF-weighted term
overlap, neighbour similarity, whether the sentence holds the kind of answer the question asks
for (a duration, an amount, a place, ...), and whether the question's specific names are missing.

Every feature is computed from the one query vector and the sentence vectors stored at ingest
(no extra model call), and none is relative to the other candidates, so the refusal threshold
does not drift with the size of the corpus. The weights (``answerability.json``) are trained
offline by ``bench/train_answerability.py`` on pseudo-questions generated from report sentences.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .answertype import asked_unit, asks_for_name, cause_split, has_person_name, has_unit, question_type
from .text import STOPWORDS, terms, words
from .typed import Entity, entity_answers, holds, parse_question

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("bias", "dense", "overlap", "context", "typed", "type_match", "type_miss", "proper_miss",
            "rare_miss", "name_miss", "dense_x_match", "overlap_x_dense", "unknown_share", "anaphor_prev",
            "unit_miss", "neg_mismatch", "indefinite_only", "cause_only", "neg_agree", "interaction")
_CAP = re.compile(r"\b[A-Z][a-z][\w-]*\b")
# A sentence that leans on the one before it ("They feel this way because...", "This is why..."):
# the question may match the previous sentence while this one holds the answer.
_ANAPHOR = re.compile(r"^\W*(?:(?:this|these|that|those|they|their|it|its|he|she|his|her|such|thus|therefore|"
                      r"as a result|for this reason|so)\b|(?:\w+\s+){0,5}(?:this way|for this reason|because of this"
                      r"|this is why|that is why)\b)", re.I)


def split_carried(query: str) -> tuple[str, str]:
    """A follow-up's query, "question (carried words)" (:mod:`qa.followup`), as its two parts."""
    if query.endswith(")") and " (" in query:
        head, _, tail = query.rpartition(" (")
        return head, tail[:-1]
    return query, ""


def proper_terms(question: str) -> list[str]:
    """Capitalised content words of a question, other than its first word (names of places, bodies)."""
    tokens = _CAP.findall(question)
    first = question.strip().split(" ", 1)[0].strip(".,;:!?\"'“”‘’()")  # "Normally," opens the question
    out = [t for t in tokens if t != first and t.lower() not in STOPWORDS]
    return list(dict.fromkeys(terms(" ".join(out))))


# A negation governs the next few words of its own clause (never across ? . ! ; or brackets).
_NEGATION = re.compile(r"(?:\b(?:not|never|cannot|no longer)\b|n['’]t\b)((?:[^\w?.!;()\[\]]+[\w’'-]+){1,4})", re.I)
_WHICH = re.compile(r"^\W*(?:which|what)\s+([a-z]{3,})\b", re.I)


def negated(text: str, first_only: bool = False) -> set[str]:
    """Content terms a negation governs ("do not want to return" -> want, return; first_only -> want)."""
    out: set[str] = set()
    for m in _NEGATION.finditer(text):
        found = terms(m.group(1))
        out.update(found[:1] if first_only else found)
    return out


_WH = re.compile(r"^\W*(?:(?:and|so|but|then)\W+)?(?:why|how|what|who|where|when|which)\b", re.I)


def denied_heads(text: str, n: int = 2) -> set[str]:
    """The first ``n`` content terms each negation governs ("do not want to return to Korea" -> want, return)."""
    out: set[str] = set()
    for m in _NEGATION.finditer(text):
        out.update(terms(m.group(1))[:n])
    return out


def polarity_mismatch(asserted: Collection[str], sentence: str, prev_text: str = "") -> float:
    """1 when a wh-question takes as given what the sentence denies: "Why are workers in a hurry to
    return?" against "Most do not want to return" (or a sentence leaning back on it). A yes/no or
    negated question is not checked: "Do they want to return?" is answered by "they do not"."""
    if not asserted:
        return 0.0
    effect, _ = cause_split(sentence)  # a negation inside the cause explains, it does not deny
    return 1.0 if denied_heads(f"{prev_text} {effect}") & set(asserted) else 0.0


def negation_mismatch(question: str, text: str) -> float:
    """1 when the question negates a verb the text asserts ("Why do they not want to..." against
    "they want to return as soon as possible"); 0 when it agrees or says nothing about it."""
    return _negation_mismatch(negated(question, first_only=True), text)


def _negation_mismatch(asked: set[str], text: str) -> float:
    if not asked:
        return 0.0
    said, denied = set(terms(text)), negated(text)
    return 1.0 if any(t in said and t not in denied for t in asked) else 0.0


def which_noun(question: str) -> str:
    """The noun of a 'which <noun>' question that asks for one named thing ('' when it does not)."""
    m = _WHICH.search(question)
    if not m or question_type(question) or m.group(1).lower() in STOPWORDS or m.group(1).lower() in ("kind", "type", "sort"):
        return ""
    return m.group(1).lower()


def indefinite_only(question: str, sentence: str) -> float:
    """'Which hospital ...?' asks for one named hospital: a sentence that says only 'a hospital' does not give it."""
    return _indefinite_only(which_noun(question), sentence)


def _indefinite_only(noun: str, sentence: str) -> float:
    if not noun:
        return 0.0
    uses = re.findall(rf"(\b[\w’'-]+\s+)?\b{noun}s?\b", sentence, re.I)
    return 1.0 if uses and all((u or "").strip().lower() in ("a", "an", "any", "some") for u in uses) else 0.0


def leans_back(sentence: str) -> bool:
    """Does the sentence open by pointing at the previous one (a pronoun or 'this way')?"""
    return bool(_ANAPHOR.search(sentence))


@dataclass(frozen=True)
class QuestionInfo:
    """The parts of the feature vector that depend on the question only: computed once per question
    (:func:`prepare`) and shared by its ~30 candidate sentences."""
    kind: str
    unit: str
    names: tuple[str, ...]
    named: float  # IDF mass of the names, carried ones included
    known_terms: tuple[str, ...]
    unknown_share: float
    known_total: float
    top_idf: float
    wants_name: bool
    asked_negated: frozenset[str]
    which: str
    restrict: bool  # overlap is recomputed over the known terms only
    asserted: frozenset[str] = frozenset()  # terms a wh-question takes as given (none when it negates)
    given: frozenset[str] = frozenset()  # the question's own entities (lower-cased): never its answer
    name_kind: str = "person"  # for a question asking for a name: "person" or "body" (qa.typed)
    carried: tuple[str, ...] = ()  # names a follow-up's query carries from the last exchange


def prepare(question: str, qterms: Sequence[str], idf: dict[str, float],
            known: Collection[str] | None = None, near: Collection[str] = ()) -> QuestionInfo:
    """``near``: terms no report uses that have a near corpus term (paraphrases, see
    :mod:`qa.paraphrase`); they do not count towards the share of unknown terms."""
    asked, carried_text = split_carried(question)
    names = proper_terms(asked)
    carried = tuple(t for t in proper_terms(". " + carried_text) if t not in names) if carried_text else ()
    parsed = parse_question(question)
    kt = tuple(t for t in qterms if known is None or t in known)
    far = [t for t in qterms if t not in kt and t not in near]
    return QuestionInfo(
        kind=question_type(question), unit=asked_unit(question), names=tuple(names), carried=carried,
        named=sum(idf.get(t, 1.0) for t in (*names, *carried)), known_terms=kt,
        unknown_share=len(far) / len(qterms) if qterms else 0.0,
        known_total=sum(idf.get(t, 1.0) for t in kt),
        top_idf=max((idf.get(t, 1.0) for t in kt), default=1.0) or 1.0,
        wants_name=asks_for_name(question), asked_negated=frozenset(negated(question, first_only=True)),
        which=which_noun(question), restrict=known is not None,
        asserted=frozenset(kt) if _WH.match(question) and not negated(question) else frozenset(),
        given=parsed.named, name_kind=parsed.kind if parsed.kind in ("person", "body") else "person")


def features(question: str, qterms: Sequence[str], idf: dict[str, float], sentence: str, title: str,
             dense: float, context: float, overlap: float, neighbour_text: str = "",
             known: Collection[str] | None = None, prev_text: str = "", prev_dense: float = 0.0,
             interaction: float = 0.0, info: QuestionInfo | None = None, near: Collection[str] = (),
             entities: Sequence[Entity] | None = None) -> list[float]:
    """The feature vector (order of :data:`FEATURES`) of one (question, sentence) pair.

    ``known`` are the question terms that occur somewhere in the corpus (default: all). A term no
    report uses is a paraphrase ("purpose", "age") or off-topic; either way its absence from one
    sentence says nothing about that sentence, so overlap and the rarest-missing-term feature count
    only known terms, and the share of unknown terms is a feature of its own. ``prev_text`` /
    ``prev_dense`` describe the previous sentence, used when this one leans back on it.
    ``interaction`` is :func:`interaction` of the query and sentence vectors. ``info`` is
    :func:`prepare` of (question, qterms, idf, known), passed to skip recomputing it per sentence.
    ``entities`` are the sentence's stored named entities (:mod:`qa.typed` decides the answer type
    from them); None falls back to the regexes of :mod:`qa.answertype`.
    """
    q = info or prepare(question, qterms, idf, known, near)
    kind = q.kind
    typed = 1.0 if kind else 0.0
    match = 1.0 if kind and holds(kind, sentence, entities, q.given) else 0.0
    unit_miss = 1.0 if q.unit and match and not has_unit(q.unit, sentence) else 0.0
    if unit_miss:
        match = 0.0
    own = set(terms(sentence)) | set(terms(title))
    leaning = bool(prev_text) and leans_back(sentence)
    said = own | set(terms(prev_text)) if leaning else own  # "They feel this way": the referent is said before
    have = own | set(terms(neighbour_text))
    # a place or body the question names must be in the sentence itself; one a follow-up carries
    # from the conversation may be said around it (the sentences beside it, the one it leans on)
    around = have | set(terms(prev_text))
    proper_miss = (sum(idf.get(t, 1.0) for t in q.names if t not in own)
                   + sum(idf.get(t, 1.0) for t in q.carried if t not in around)) / q.named if q.named else 0.0
    kt = q.known_terms
    if q.restrict:
        total = q.known_total
        overlap = sum(idf.get(t, 1.0) for t in kt if t in said) / total if total else 0.0
    missing = [idf.get(t, 1.0) for t in kt if t not in have]
    rare_miss = max(missing, default=0.0) / q.top_idf
    name_miss = 1.0 if q.wants_name and not _names(sentence, entities, q.given, q.name_kind) else 0.0
    anaphor_prev = prev_dense if leaning else 0.0
    neg_miss = max(_negation_mismatch(q.asked_negated, f"{prev_text} {sentence}" if leaning else sentence),
                   polarity_mismatch(q.asserted, sentence, prev_text if leaning else ""))
    indefinite = _indefinite_only(q.which, sentence)
    cause_only = _cause_only(q, idf, sentence, title, prev_text if leaning else "") if kind == "reason" else 0.0
    agree = _negation_agrees(q.asked_negated, f"{prev_text} {sentence}" if leaning else sentence)
    return [1.0, dense, overlap, context, typed, match, typed - match, proper_miss, rare_miss, name_miss,
            dense * match, overlap * dense, q.unknown_share, anaphor_prev, unit_miss, neg_miss, indefinite,
            cause_only, agree, interaction]


def _names(sentence: str, entities: Sequence[Entity] | None, given: frozenset[str], kind: str) -> bool:
    """Does the sentence name someone or something the question does not (a person, a body, a place)?"""
    if entities is None:
        return has_person_name(sentence)
    return bool(entity_answers(kind, sentence, entities, given))


def _cause_only(q: QuestionInfo, idf: dict[str, float], sentence: str, title: str, prev_text: str) -> float:
    """Share of the question's terms that the sentence has only inside its cause clause.

    "Why did workers stay?" against "Some want to return because staying will not pay": the
    question's words sit in the cause, so the sentence explains something else (why they return).
    """
    effect, cause = cause_split(sentence)
    if not cause or not q.known_total:
        return 0.0
    eff = set(terms(effect)) | set(terms(title)) | set(terms(prev_text))
    cz = set(terms(cause))
    return sum(idf.get(t, 1.0) for t in q.known_terms if t in cz and t not in eff) / q.known_total


def _negation_agrees(asked: frozenset[str], text: str) -> float:
    """1 when the question's negated verb is the one the text negates ("not want" / "do not want")."""
    if not asked:
        return 0.0
    return 1.0 if asked & negated(text, first_only=True) else 0.0


@lru_cache(maxsize=4)
def _load(path: str = str(WEIGHTS_FILE)) -> tuple[tuple[float, ...], np.ndarray]:
    data = json.loads(Path(path).read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: trained for features {data['features']}, code has {FEATURES}; re-train")
    return tuple(float(w) for w in data["weights"]), np.asarray(data.get("interaction", []), dtype=np.float32)


def load_weights(path: str = str(WEIGHTS_FILE)) -> tuple[float, ...]:
    return _load(path)[0]


def query_projection(qvec: np.ndarray, path: str = str(WEIGHTS_FILE)) -> np.ndarray | None:
    """The query vector weighted by the learned interaction vector ``u``, computed once per question.

    ``interaction = sum_k q_k * s_k * u_k`` — a learned reweighting of the cosine's dimensions,
    trained offline on the same pairs as the other weights: which parts of MiniLM's space say
    "this sentence holds what that question asks" (a cause for "why", a number for "how many").
    Per candidate it is then one 384-long dot product with the stored sentence vector.
    """
    u = _load(path)[1]
    return (np.asarray(qvec, dtype=np.float32) * u) if u.size else None


def interaction(qproj: np.ndarray | None, svec: np.ndarray) -> float:
    return float(np.dot(qproj, svec)) if qproj is not None else 0.0


_DENSE, _TYPED, _MATCH, _MISS, _DENSE_X_MATCH = (FEATURES.index(f) for f in
                                                 ("dense", "typed", "type_match", "type_miss", "dense_x_match"))


def without_marker_check(x: Sequence[float]) -> list[float]:
    """A why-question's feature vector as if the sentence gave a reason: news reports give one
    as a plain statement more often than with "because" ("He said the company could not find
    Czech workers for its night lines"), so whether a sentence marks a reason ranks it poorly;
    it still tells a question the reports answer from one they do not (docs/evaluation.md)."""
    out = list(x)
    typed = out[_TYPED]
    out[_MATCH], out[_MISS], out[_DENSE_X_MATCH] = typed, 0.0, out[_DENSE] * typed
    return out


def probability(x: Sequence[float], weights: Sequence[float] | None = None) -> float:
    w = weights or load_weights()
    z = sum(a * b for a, b in zip(w, x))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]
