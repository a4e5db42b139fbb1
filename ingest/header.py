"""Parse the optional ``Key: value`` header block at the top of a text report. Pure functions."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

HEADER_KEYS = ("title", "date", "source", "outlet", "author")
MAX_HEADER_LINES = 100  # a longer run of "Key: value" lines is not a header
_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)\s*$")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_DATE_FORMATS = ("%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%B %Y", "%b %Y", "%d %b %Y", "%b %d, %Y", "%Y.%m.%d")


@dataclass
class Header:
    meta: dict[str, str] = field(default_factory=dict)
    body: str = ""
    warnings: list[str] = field(default_factory=list)


def normalize_date(raw: str) -> str | None:
    """Return ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` for a date, keeping its precision; None if unreadable."""
    raw = raw.strip()
    m = _ISO_DATE.match(raw)
    if m:
        year, month, day = m.groups()
        try:
            datetime(int(year), int(month or 1), int(day or 1))
        except ValueError:
            return None
        return "-".join(p for p in (year, month, day) if p)
    raw = raw[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", raw) else raw
    if _ISO_DATE.match(raw):
        return normalize_date(raw)
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if "%d" in fmt:
            return parsed.strftime("%Y-%m-%d")
        return parsed.strftime("%Y-%m")
    return None


def parse_header(text: str) -> Header:
    """Split ``text`` into its header fields and body.

    A header is a run of ``Key: value`` lines at the very top, at least one of them a known key
    (Title, Date, Source, Outlet, Author), ended by a blank line. Anything else is body.
    """
    text = text.lstrip("\ufeff")
    # Only the top can be a header: the rest of a 20 MB text stays one string, not a list of lines.
    lines = text.split("\n", MAX_HEADER_LINES)
    meta: dict[str, str] = {}
    warnings: list[str] = []
    i = 0
    while i < len(lines) and lines[i].strip():
        m = _LINE.match(lines[i].strip())
        if not m:
            break
        meta[m.group(1).strip().lower()] = m.group(2)
        i += 1
    known = {k: v for k, v in meta.items() if k in HEADER_KEYS}
    ended = i == len(lines) or not lines[i].strip()
    if not known or not ended:
        return Header(meta={}, body=text, warnings=[])
    for key in meta:
        if key not in HEADER_KEYS:
            warnings.append(f"unknown header field {key!r} ignored")
    if "date" in known and known["date"]:
        date = normalize_date(known["date"])
        if date is None:
            warnings.append(f"unreadable date {known['date']!r} ignored (use YYYY, YYYY-MM or YYYY-MM-DD)")
            known.pop("date")
        else:
            known["date"] = date
    if "source" in known and known["source"] and not re.match(r"^https?://", known["source"], re.I):
        warnings.append(f"source {known['source']!r} is not an http(s) URL; kept as text")
    body = "\n".join(lines[i:]).lstrip("\n")
    return Header(meta={k: v for k, v in known.items() if v}, body=body, warnings=warnings)
