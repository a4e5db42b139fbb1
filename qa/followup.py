"""Resolve follow-up questions against the chat history, offline.

"Who collects their wages?" after "How many North Koreans work in Kuwait?" is searched as if the
subject were restated: the query gains what the *last exchange* was about, never a bag of every
earlier keyword (an older turn about Vladivostok would pull the answer to Vladivostok).

What the last exchange was about is its question as that question was itself resolved (so a chain
of "they"s keeps the subject named three turns back, until a turn names a new one), split in two:
- its subject: the names (places, employers, groups) and nouns ("welders", "seafood plant");
- its predicate: the other content words ("paid", "collects").

A question is then searched:
- as it is, when it names a subject of its own that the last exchange did not ("How many North
  Koreans are in Kuwait?"): a new subject starts afresh;
- with the last subject *and* predicate, when it is elliptical ("And in Kuwait?", "What about the
  women?", "Why?"): its own names replace the old ones;
- with the last subject otherwise ("Who collects their wages?", "How often are the women allowed
  out?"); and when it says "he", "she" or "it" after a question asking who, with
  the nouns the last answer opened with ("Who does he answer to?" after "Who holds the passports?"
  -> "the camp's security officer").
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .answertype import is_person_noun, question_type
from .text import STOPWORDS, terms, words
from .types import Turn

# The asking phrase an elliptical question borrows with the predicate ("And in Qatar?" -> how many).
_WH = re.compile(r"^\W*(?:(?:and|so|but)\s+)?(how\s+(?:many|much|long|often|old)|who|where|when|why|which|what)\b", re.I)
# A question that asks in its own words ("And how are they organised?"), however it opens.
_ASKS = re.compile(r"^\W*(?:(?:and|also|so|but|then)\s+)*(?:how|who|whom|whose|where|when|why|which|what|is|are|was|were|do|does|"
                   r"did|can|could|will|would|has|have|had)\b", re.I)
_CLAUSE = re.compile(r"[,:;]\s+|\s+[-–—]\s+")
_POINTERS = {"that", "this", "it", "those", "these", "there", "then"}
_PRONOUN = {"they", "them", "their", "theirs", "it", "its", "he", "she", "him", "her", "his"}
_ELLIPSIS = re.compile(r"^\s*(and|also|what about|how about|and what|and how|what of|then|so)\b", re.I)
# Every report is about North Korea: these names never tell one subject from another.
DOMAIN_NAMES = frozenset({"north", "korea", "korean", "koreans", "dprk", "pyongyang"})
# Entity labels that name a subject (a place, a body, a group, a facility, a person).
_SUBJECT_LABELS = {"GPE", "LOC", "ORG", "FAC", "NORP", "PERSON"}
# Asked "who ...?", the answer names the one a later "he", "she" or "it" points at.
_ENTITY_TYPES = {"who"}
_SINGULAR = {"he", "him", "his", "she", "her", "it", "its"}
REFUSAL = "The reports don't say"  # how a refusal opens (qa.extractive.NOT_FOUND): it names nobody
MAX_DEPTH = 4  # earlier questions resolved in a chain (each a spaCy parse of one short question)


_ABOUT = re.compile(r"^\W*(?:and\s+)?(?:what|how)\s+about\b|^\W*(?:and\s+)?what\s+of\b", re.I)


def is_elliptical(question: str, topic: Topic | None = None) -> bool:
    """A question that borrows its predicate: one with no verb and no noun of its own, or only a
    pronoun for one ("And in Kuwait?", "How many are there in Laos?", "And what was it before the
    pandemic?"), "What about the women?", or a single content word ("Why?")."""
    topic = topic or topic_of(question)
    tokens = words(question)
    content = [w for w in tokens if w not in STOPWORDS]
    pronoun = any(w in _PRONOUN for w in tokens)
    if _ABOUT.match(question):
        # "What about the women?" swaps the subject; "What about their visas?" asks a new thing of it.
        return not (pronoun and topic.nouns)
    verbless = not topic.verbs and (not topic.nouns or pronoun)
    # "And those going to Qatar?": an opener and no asking word of its own; "When did that happen?",
    # "How much do they earn there?": two content words at most, pointing back at what was said.
    opener = bool(_ELLIPSIS.match(question)) and not asks_in_own_words(question)
    short = len(content) <= 2 and any(w in _POINTERS for w in tokens)
    return verbless or opener or short or (len(content) <= 1 and not topic.verbs)


def asks_in_own_words(question: str) -> bool:
    """Does the question, or a clause of it after a comma, colon or dash, ask with an asking word of
    its own? "And the painters in Dandong, do they have to meet a quota too?" asks a whole new
    question after setting its subject; "And those going to Qatar?" only points back."""
    return any(_ASKS.match(part) for part in _CLAUSE.split(question))


def has_own_verb(question: str) -> bool:
    """Does the question ask with a full verb of its own ("Who runs it?", "How fast were they
    replaced?"), not only with one it borrows ("And what was it before the pandemic?")? Then its
    own words say what it newly asks, even when its subject is carried."""
    return topic_of(question).verbs > 0


# "Why not?", "Why?", "How come?" on their own ask about the statement just made.
_BARE_WHY = re.compile(r"^\W*(?:and\s+)?(?:why(?:\s+not)?|how come)\W*$", re.I)
_DENIAL = re.compile(r"(?:\b(?:not|never|cannot|no longer)\b|n['’]t\b)((?:[^\w?.!;()\[\]]+[\w’'-]+){1,4})", re.I)


def denied_in_last_answer(history: Sequence[Turn]) -> str:
    """What the last answer denies ("... do not want to return to North Korea" -> "not want to return to"), or ''."""
    last = next((t.content for t in reversed(history) if t.role == "assistant" and t.content.strip()), "")
    for m in _DENIAL.finditer(last):
        if terms(m.group(1)):
            return "not " + " ".join(m.group(1).split())
    return ""


@dataclass
class Topic:
    """What a question is about, as words to carry into a later query (in the question's order)."""

    names: list[str] = field(default_factory=list)  # "Vladivostok", "Haixing"
    nouns: list[str] = field(default_factory=list)  # "welders", "plant"
    predicate: list[str] = field(default_factory=list)  # "paid", "collects"
    verbs: int = 0  # full verbs (not "are", "do"): none in "And in Kuwait?"
    shared: list[str] = field(default_factory=list)  # names every report shares ("North Koreans")
    order: list[str] = field(default_factory=list)  # every word above, in the question's order

    @property
    def subject(self) -> list[str]:
        return [*self.names, *self.nouns]


def _is_name(token) -> bool:
    return (token.pos_ == "PROPN" or token.ent_type_ in _SUBJECT_LABELS) and token.text[:1].isupper()


def topic_of(text: str) -> Topic:
    """The names, nouns and other content words of a question (a spaCy parse: POS and entities)."""
    from vectorstore.entities import nlp

    topic = Topic()
    seen: set[str] = set()
    for i, token in enumerate(nlp()(text)):
        word = token.text
        low = word.lower()
        topic.verbs += token.pos_ == "VERB"
        if low in STOPWORDS or len(word) < 2 or not re.match(r"\w", word) or low in seen:
            continue
        seen.add(low)
        if token.ent_type_ == "DATE" and re.fullmatch(r"(?:19|20)\d\d|[A-Z][a-z]+", word):
            topic.names.append(word)  # "January 2024": when, as much as where, picks the event
        elif _is_name(token) and (i or token.pos_ == "PROPN"):
            # Names every report shares are carried but never make a subject new.
            (topic.shared if low in DOMAIN_NAMES else topic.names).append(word)
        elif token.pos_ == "NOUN":
            topic.nouns.append(low)
        elif token.pos_ in {"VERB", "ADJ", "ADV", "NUM"} and terms(low):
            topic.predicate.append(low)
        else:
            continue
        topic.order.append(word if word in topic.names or word in topic.shared else low)
    return topic


_WHICH_NOUN = re.compile(r"^\W*(?:(?:and|so|but)\s+)?(?:which|what)\s+([a-z]+)\b", re.I)


def asks_for_someone(question: str) -> bool:
    """"Who holds the passports?", "Which defector is quoted?": the answer names the one a later
    "he", "she" or "it" points at."""
    which = _WHICH_NOUN.match(question)
    return question_type(question) in _ENTITY_TYPES or bool(which and is_person_noun(which.group(1)))


def _answer_opening(answer: str) -> str:
    """The first sentence of an answer, before its first citation mark."""
    text = answer.split("[", 1)[0]
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def answer_subject(answer: str, limit: int = 4) -> list[str]:
    """The names and nouns an answer opens with ("The camp's security officer ..." -> camp,
    security, officer): what a following "he" or "they" most likely points at."""
    topic = topic_of(_answer_opening(answer))
    return topic.subject[:limit]


def _exchanges(history: Sequence[Turn]) -> list[tuple[int, str, str]]:
    """(position, question, answer) of each user turn with the assistant turn that follows it."""
    out = []
    for i, t in enumerate(history):
        if t.role == "user" and t.content.strip():
            reply = history[i + 1].content if i + 1 < len(history) and history[i + 1].role == "assistant" else ""
            out.append((i, t.content, reply))
    return out


def last_exchange(history: Sequence[Turn]) -> tuple[str, str] | None:
    """The last user question, resolved against the turns before it, and the answer it got ('' when
    none came)."""
    exchanges = _exchanges(history)
    if not exchanges:
        return None
    at, question, answer = exchanges[-1]
    return resolve_followup(question, history[:at]), answer


def last_topic(history: Sequence[Turn], depth: int = MAX_DEPTH) -> tuple[Topic, str, str] | None:
    """What the last exchange was about (its question resolved against the turns before it), with
    that question and its answer; None without one."""
    exchanges = _exchanges(history)
    if not exchanges:
        return None
    at, question, answer = exchanges[-1]
    resolved = resolve_followup(question, history[:at], depth - 1) if depth > 1 else question
    return topic_of(resolved), question, answer


def _new(words_: Sequence[str], have: set[str]) -> list[str]:
    out = []
    for w in words_:
        t = terms(w)
        if t and t[0] not in have:
            have.add(t[0])
            out.append(w)
    return out


def resolve_followup(question: str, history: Sequence[Turn], depth: int = MAX_DEPTH) -> str:
    """The search query for ``question`` given earlier turns (the question itself if standalone)."""
    if not history:
        return question
    bare_why = bool(_BARE_WHY.match(question))  # asks about the whole statement: borrows all of it
    if bare_why:
        # "Why not?" after "Most do not want to return": ask why they do not want to return.
        denied = denied_in_last_answer(history)
        if denied:
            question = f"Why {denied}?"
    last = last_topic(history, depth)
    if last is None:
        return question
    before, last_question, last_answer = last
    own = topic_of(question)
    have = {t for w in words(question) for t in terms(w)}
    old_names = {n.lower() for n in before.names}
    new_subject = any(n.lower() not in old_names for n in own.names)
    elliptical = bare_why or is_elliptical(question, own)
    if new_subject and not elliptical:
        return question  # names a subject of its own: starts afresh
    extra: list[str] = []
    if elliptical:
        frame = _WH.match(last_question) if _ABOUT.match(question) or not _WH.match(question) else None
        if frame:
            extra.append(frame.group(1).lower())
        dropped = set(before.names) if new_subject else set()
        if any(is_person_noun(n) for n in own.nouns) and not any(w in _PRONOUN for w in words(question)):
            # "And the doctors at the clinics?" after the builders' pay: a new group of people
            # replaces the old one; what was asked of it ("take home") and where stay.
            dropped |= {n for n in before.nouns if is_person_noun(n)}
        extra += _new([w for w in before.order if w not in dropped], have)  # as the user worded it
        return f"{question} ({' '.join(extra)})" if extra else question
    if not new_subject:
        extra += _new(before.names, have)
    extra += _new(before.nouns, have)
    singular = any(w in _SINGULAR for w in words(question))
    if singular and last_answer and not last_answer.startswith(REFUSAL) and asks_for_someone(last_question):
        extra += _new(answer_subject(last_answer), have)
    return f"{question} ({' '.join(extra)})" if extra else question
