"""Read report files (.txt, .md, .html) into text plus metadata, with clear errors."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .header import normalize_date, parse_header

SUPPORTED = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
MAX_FILE_BYTES = 20 * 1024 * 1024


class ReportError(ValueError):
    """A report that cannot be ingested; the message is meant for the user."""


@dataclass
class ParsedReport:
    body: str  # raw body text (before cleaning)
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise ReportError(f"{name}: file is empty")
    if b"\x00" in data[:8192]:
        raise ReportError(f"{name}: looks like a binary file (contains NUL bytes), not a text report")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{name}: not valid UTF-8 text (byte {exc.start}); save it as UTF-8 and retry") from None


def parse_text(text: str, name: str) -> ParsedReport:
    """A .txt/.md report: optional header block, else the title is the first line."""
    header = parse_header(text)
    meta, body = dict(header.meta), header.body
    if not meta.get("title"):
        lines = body.split("\n")
        idx = next((i for i, line in enumerate(lines) if line.strip()), None)
        first = re.sub(r"^#+\s*", "", lines[idx].strip()) if idx is not None else ""
        if first and len(first) <= 200 and not first.endswith((".", "!", "?", ",", ";", ":")):
            meta["title"] = first  # a heading-like first line
            body = "\n".join(lines[idx + 1 :])
        else:
            meta["title"] = Path(name).stem.replace("_", " ").replace("-", " ")
    # Markdown heading markers stay: ingest.structure reads them as headings (and drops the '#').
    if not body.strip():
        raise ReportError(f"{name}: the report has a header but no text")
    return ParsedReport(body=body, meta=meta, warnings=header.warnings)


def parse_html(text: str, name: str) -> ParsedReport:
    """Main text, title, date, source and outlet of an HTML page (BeautifulSoup, not regexes)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")

    def meta_content(*keys: str) -> str:
        for key in keys:
            tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return ""

    meta: dict[str, str] = {}
    title = meta_content("og:title", "twitter:title") or (soup.title.get_text(" ", strip=True) if soup.title else "")
    raw_date = meta_content("article:published_time", "date", "pubdate", "publish-date", "dc.date", "DC.date.issued")
    if not raw_date:
        time_tag = soup.find("time")
        raw_date = str(time_tag.get("datetime") or time_tag.get_text(strip=True)) if time_tag else ""
    warnings = []
    if raw_date:
        date = normalize_date(raw_date)
        if date:
            meta["date"] = date
        else:
            warnings.append(f"unreadable date {raw_date!r} ignored")
    canonical = soup.find("link", rel="canonical")
    source = meta_content("og:url") or (str(canonical.get("href")) if canonical and canonical.get("href") else "")
    if source.startswith(("http://", "https://")):
        meta["source"] = source
    if outlet := meta_content("og:site_name", "application-name"):
        meta["outlet"] = outlet
    if author := meta_content("author", "article:author"):
        meta["author"] = author

    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "blockquote", "figcaption", "pre"]):
        if el.find(["p", "li", "blockquote"]):
            continue  # a container: its children are taken on their own
        line = el.get_text(" ", strip=True)
        if el.name == "figcaption":
            continue
        if el.name == "h1" and not title:
            title = line
        if line and not (el.name == "h1" and line == title):
            blocks.append(line)
    body = "\n\n".join(blocks) if blocks else root.get_text("\n", strip=True)
    meta["title"] = title or Path(name).stem.replace("_", " ").replace("-", " ")
    if not body.strip():
        raise ReportError(f"{name}: no readable text found in the HTML")
    return ParsedReport(body=body, meta=meta, warnings=warnings)


def _kind(name: str) -> str:
    suffix = Path(name).suffix
    kind = SUPPORTED.get(suffix.lower())
    if kind is None:
        raise ReportError(f"{name}: unsupported file type {suffix or '(none)'} (use .txt, .md or .html)")
    return kind


def parse_bytes(data: bytes, name: str) -> ParsedReport:
    """A report's bytes, read as a file called ``name`` (its suffix picks the reader)."""
    kind = _kind(name)
    text = decode(data, name)
    return parse_html(text, name) if kind == "html" else parse_text(text, name)


def read_report(path: Path) -> ParsedReport:
    """Read one report file; raises :class:`ReportError` with a one-line reason."""
    name = str(path)
    _kind(name)  # refuse an unsupported type before reading it
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReportError(f"{name}: file is too large ({size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{name}: no such file") from None
    except PermissionError:
        raise ReportError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise ReportError(f"{name}: is a folder") from None
    return parse_bytes(data, name)
