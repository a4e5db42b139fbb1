"""Recognise boilerplate and captions by their form, line by line. Pure functions.

Boilerplate is recognised by its form (translator and contact lines, "Read in Korean" links,
author bios after the sign-off), not by outlet, and only where it sits: :mod:`ingest.structure`
drops a *trailing* run of it, so a body sentence that happens to look like one ("...can be
reached at the end of a dirt road") never cuts the rest of a report. Captions are kept (they can
be the only place a fact appears) and flagged, with their photo credit left out of the quote.
"""
from __future__ import annotations

import re
import unicodedata

# A photo credit at the end of a caption line: "... Russia. Image = Daily NK source",
# "... / Image: Daily NK source", "... Photo: Fixture archive".
_CREDIT = re.compile(
    r"(?:^|[\s/(|–—-])(?:image|photo|picture|graphic|illustration)s?(?:\s+credit)?\s*(?:=|:|by\b|courtesy\b)\s*[^.!?]{0,80}\)?\s*$",
    re.I,
)
_FILE_PHOTO = re.compile(r"\s*\((?:file\s+)?(?:photo|image|picture)[^()]{0,40}\)\s*$", re.I)
# A caption announced as such: the readers' "Caption: ", or a plain-text "Photo: "/"Figure 2: ".
_CAPTION_MARK = re.compile(
    r"^(?:(?:photo\s+)?caption|photo|image|picture|illustration|graphic)\s*[:=]\s*|^fig(?:ure)?\.?\s*\d+[a-z]?\s*[:.]\s+",
    re.I,
)
_SEPARATOR = " /|–—-("

_CONTACT = re.compile(
    r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+"  # an e-mail, also spelt "name(at)host.org"
    r"|(?:^|\s)(?:at|via|on)\s+@\w+"  # a handle: "at @reporter"
    r"|\+?\d[\d ().-]{7,}\d",  # a phone number
    re.I,
)
_REACHED = re.compile(r"\b(?:can|may)\s+be\s+(?:reached|contacted)\b", re.I)
_END_MATTER = [
    re.compile(p, re.I)
    for p in (
        r"^\*?\s*(?:translated|translation|edited)\s+by\s+\S+(?:\s+\S+){0,5}$",  # a name, not a sentence
        r"^please\s+direct\s+(?:any\s+)?(?:comments|questions)",
        r"^read\s+(?:this\s+(?:article|story)\s+)?in\s+[A-Z][a-z]+\s*$",
        r"^(?:contact|email|e-mail)\s*:",
        r"^(?:copyright|©|\(c\))\s",
        r"^(?:share this|related articles?|related stories|follow us)\b",
    )
]
_NAVIGATION = re.compile(
    r"^(?:read\s+(?:this\s+(?:article|story)\s+)?in\s+[A-Z][a-z]+|share this(?: article| story)?|related (?:articles?|stories)|follow us(?: on \w+)?)\s*:?$",
    re.I,
)
_BIO = re.compile(r"\bis (?:one of|a|an) .{0,60}\b(?:reporters?|correspondents?|journalists?|editors?|writers?)\b", re.I)


def normalize(text: str) -> str:
    """Unicode NFC, ``\\n`` line ends, single spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def caption_core(line: str) -> tuple[int, int] | None:
    """If ``line`` is a caption, the span of its quotable text (marker and photo credit left out).

    A caption is a line announced as one ("Caption: ...", "Photo: ...") or one that ends with a
    photo credit after a finished sentence or a separator ("... Russia. Image = Daily NK source").
    The finished-sentence condition keeps a hard-wrapped line ending in "...photos by" a body line.
    """
    if len(line) >= 400 or is_credit(line):
        return None
    start = 0
    mark = _CAPTION_MARK.match(line)
    if mark:
        start = mark.end()
    end = len(line)
    credit = _CREDIT.search(line, start)
    if credit and credit.start() > start:
        core = line[start : credit.start()].rstrip(_SEPARATOR)
        if mark or core[-1:] in ".!?\"”’)" or line[credit.start()] in "/|–—":
            end = start + len(core)
        elif not mark:
            return None
    elif not mark:
        return None
    if file_photo := _FILE_PHOTO.search(line, start, end):
        end = file_photo.start()
    while end > start and line[end - 1].isspace():
        end -= 1
    return (start, end) if end - start >= 3 and len(line[start:end].split()) >= 2 else None


def is_credit(line: str) -> bool:
    """A line that is only a photo credit ("Image = Daily NK source", "Photo: Reuters"): no
    caption to quote, so it is dropped. Four words at most after the marker: "Photo: Workers at a
    camp in Tynda" is a caption."""
    m = _CREDIT.match(line)
    if not m:
        return False
    rest = re.sub(r"^\W*\w+\s*(?:credit\s*)?(?:=|:|by\b|courtesy\b)", "", line, flags=re.I)
    return len(rest.split()) <= 4


def is_caption(line: str) -> bool:
    return caption_core(line) is not None


def is_end_matter(text: str) -> bool:
    """A block that is unmistakably sign-off: a translator line, a contact line with an address,
    "Read in Korean", a copyright line. "can be reached at" counts only with an e-mail, handle
    or phone number in it, so "...can be reached at the end of a dirt road" is body text."""
    if len(text) > 2000:
        return False  # sign-off blocks are short; no need to scan a long paragraph for addresses
    if _CONTACT.search(text) and (_REACHED.search(text) or len(text.split()) <= 12):
        return True  # "She can be reached at kim(at)x.org", "For tips, email desk@x.org"
    return starts_end_matter(text)


def starts_end_matter(line: str) -> bool:
    """A line that opens a sign-off ("Translated by ...", "Please direct any comments..."): it
    starts a block of its own even without a blank line before it."""
    return any(p.search(line) for p in _END_MATTER)


def is_weak_end_matter(text: str) -> bool:
    """An author bio ("X is one of Daily NK's reporters..."): sign-off only next to real sign-off."""
    return bool(_BIO.search(text)) and len(text) < 600


def is_navigation(line: str) -> bool:
    """A link line that is never content wherever it sits ("Read in Korean", "Related articles")."""
    return bool(_NAVIGATION.match(line))


def clean_body(text: str) -> str:
    """The stored text of a report body: boilerplate dropped, paragraphs separated by a blank line
    (see :func:`ingest.structure.structure`, which also says what each piece of it is)."""
    from .structure import structure  # structure builds on this module's predicates

    return structure(text).text
