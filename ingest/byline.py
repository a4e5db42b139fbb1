"""Bylines and datelines of text reports ("*Published 10 February 2024 by Jane Doe*",
"By Jane Doe | 10 February 2024", "February 10, 2024"). Pure functions.

Markdown saved from a news site carries its date in such a line under the title, not in a header
block. Read as text, the line is short and unpunctuated, so it looked like a section heading:
every passage was headed "Published 10 February 2024" and the report had no date. Here a line is
recognised as a byline by its form, and :func:`ingest.readers.parse_text` takes it out of the
body near the top, keeping its date and author as the report's when the header gives none;
:mod:`ingest.structure` never makes one a heading anywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .header import normalize_date

_MONTHS = ("january february march april may june july august september october november december").split()
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|2\d\d\d)"
# One date in a line: ISO (2024-02-10, 2024/02/10), "10 February 2024", "February 10, 2024",
# "Feb. 10 2024", "February 2024".
_DATE = re.compile(
    rf"\b(?:(?P<iso>{_YEAR}[-/.](?:0[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01]))"
    rf"|(?P<dmy>{_DAY})\s+(?P<m1>{_MONTH})\.?,?\s+(?P<y1>{_YEAR})"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<mdy>{_DAY}),?\s+(?P<y2>{_YEAR})"
    rf"|(?P<m3>{_MONTH})\.?,?\s+(?P<y3>{_YEAR}))\b",
    re.I,
)
# Case-sensitive at the start: "published 10 May 2024 by" can be a wrapped line of a sentence.
_LEAD = re.compile(r"^(?:(?:First|Originally|Last|FIRST|LAST)\s+)?(?:[Pp]ublished|[Pp]osted|[Uu]pdated|[Dd]ated?|[Rr]eleased|"
                   r"PUBLISHED|POSTED|UPDATED|DATED?)\b\s*(?:on\s+|:\s*|-\s+)?")
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|[A-Z]\.)"
_BY = re.compile(rf"^(?:By|BY)\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|van|von|de|der|da|di|la|le|bin|al|and|&)){{0,5}})")
_BY_INSIDE = re.compile(rf"\bby\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})")
_WRAPPERS = re.compile(r"^[*_>\s]+|[*_\s]+$")
_SEPARATOR = re.compile(r"^\s*(?:[|·•/–—-]|,)\s*")
_SENTENCE_END = re.compile(r"[.!?]['\"”’)]*$")
MAX_BYLINE_CHARS = 160


@dataclass(frozen=True)
class Byline:
    date: str = ""  # YYYY-MM-DD or YYYY-MM, "" when the line has none
    author: str = ""


def find_date(text: str) -> tuple[str, int, int] | None:
    """The first date in ``text`` as ``(YYYY-MM[-DD], start, end)``, or None."""
    for m in _DATE.finditer(text):
        if m.group("iso"):
            date = normalize_date(re.sub(r"[/.]", "-", m.group("iso")))
        else:
            month = (m.group("m1") or m.group("m2") or m.group("m3"))[:3].lower()
            number = next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(month))
            year = m.group("y1") or m.group("y2") or m.group("y3")
            day = re.match(r"\d+", m.group("dmy") or m.group("mdy") or "")
            date = normalize_date(f"{year}-{number:02d}" + (f"-{int(day.group()):02d}" if day else ""))
        if date:
            return date, m.start(), m.end()
    return None


def _author(name: str) -> str:
    return re.sub(r"[\s,.|·–—-]+$", "", name).strip()


def parse_byline(line: str) -> Byline | None:
    """The date and author of a byline or dateline, or None when ``line`` is something else.

    Three forms, each strict enough that a sentence is never taken for one:
    "Published|Posted|Updated [on|:] <date> ..." (a date right after the word);
    "By <Name> [| , · —] ..." where what follows the name is a date or a short unpunctuated
    label ("By Monday, workers had left." is a sentence); and a line that is a date with at
    most three other words ("Monday, 10 February 2024").
    """
    text = " ".join(_WRAPPERS.sub("", line.replace("**", "").replace("__", "")).split())
    if not text or len(text) > MAX_BYLINE_CHARS:
        return None
    lead = _LEAD.match(text)
    if lead:
        found = find_date(text[lead.end():])
        if found and found[1] == 0:
            by = _BY_INSIDE.search(text, lead.end() + found[2])
            return Byline(found[0], _author(by.group("name")) if by else "")
        return None
    by = _BY.match(text)
    if by:
        rest = text[by.end():]
        if rest and not _SEPARATOR.match(rest):
            return None
        found = find_date(rest)
        label = rest[: found[1]] + " " + rest[found[2]:] if found else rest
        if len(label.split()) > 8 or _SENTENCE_END.search(label.strip()):
            return None  # "By Monday, 10 May 2024, the workers had left." is a sentence
        return Byline(found[0] if found else "", _author(by.group("name")))
    found = find_date(text)
    if found:
        others = (text[: found[1]] + " " + text[found[2]:]).replace(",", " ").replace("|", " ").split()
        if len(others) <= 3 and not _SENTENCE_END.search(text):
            return Byline(found[0], "")
    return None


def is_byline(line: str) -> bool:
    return parse_byline(line) is not None


def take_bylines(body: str, meta: dict[str, str], max_lines: int = 4) -> str:
    """``body`` without the bylines among its first ``max_lines`` non-blank lines (Markdown
    headings are skipped over); their date and author fill ``meta`` where it has none."""
    lines = body.split("\n", 40)  # the top is all we look at; the rest stays one string
    seen = 0
    drop: list[int] = []
    for i, raw in enumerate(lines[:-1] if len(lines) > 40 else lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        seen += 1
        if seen > max_lines:
            break
        byline = parse_byline(line)
        if byline is None:
            break
        drop.append(i)
        if byline.date and not meta.get("date"):
            meta["date"] = byline.date
        if byline.author and not meta.get("author"):
            meta["author"] = byline.author
    if not drop:
        return body
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
