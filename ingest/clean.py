"""Normalise report text and drop boilerplate so it is never quoted as an answer. Pure functions.

Boilerplate is recognised by its form (captions with an image credit, translator and contact
lines, "Read in Korean" links, author bios after the sign-off, repeated lines), not by outlet.
"""
from __future__ import annotations

import re
import unicodedata

_CAPTION = re.compile(
    r"(?:^|[\s/(|–—-])(?:image|photo|picture|graphic|illustration)s?(?:\s+credit)?\s*(?:=|:|by\b|courtesy\b)\s*[^.!?]{0,80}\)?\s*$",
    re.I,
)
_END_MATTER = [
    re.compile(p, re.I)
    for p in (
        r"^\*?\s*(?:translated|translation|edited)\s+by\b",
        r"^please\s+direct\s+(?:any\s+)?(?:comments|questions)",
        r"^read\s+(?:this\s+(?:article|story)\s+)?in\s+[A-Z][a-z]+\s*$",
        r"\bcan be reached at\b",
        r"^(?:contact|email|e-mail)\s*:",
        r"^(?:copyright|©|\(c\))\s",
        r"^(?:share this|related articles?|related stories|follow us)\b",
    )
]
_BIO = re.compile(r"\bis (?:one of|a|an) .{0,60}\b(?:reporters?|correspondents?|journalists?|editors?|writers?)\b", re.I)


def normalize(text: str) -> str:
    """Unicode NFC, ``\\n`` line ends, single spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def is_caption(line: str) -> bool:
    return bool(_CAPTION.search(line)) and len(line) < 400


def is_end_matter(line: str) -> bool:
    return any(p.search(line) for p in _END_MATTER)


def clean_body(text: str) -> str:
    """Return the report body without boilerplate, paragraphs separated by a blank line."""
    lines = [line for line in normalize(text).split("\n") if line]
    # Sign-off: everything from the first end-matter line in the last part of the report.
    cut = len(lines)
    for i, line in enumerate(lines):
        if i >= len(lines) * 0.5 and is_end_matter(line):
            cut = i
            break
    tail_bio = [i for i in range(cut) if i >= len(lines) - 2 and _BIO.search(lines[i])]
    if tail_bio:
        cut = min(cut, tail_bio[0])
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines[:cut]:
        key = re.sub(r"\W+", " ", line).strip().lower()
        if is_caption(line) or is_end_matter(line):
            continue
        if len(key) > 30 and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return "\n\n".join(kept)
