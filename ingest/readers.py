"""Read reports (.txt, .md, .html, .pdf files, or fetched pages) into report markdown plus
metadata, with one-line errors. The suffix (or a fetched page's content type) picks the reader."""
from __future__ import annotations

import re
from pathlib import Path

from .byline import is_byline, take_bylines
from .decode import decode_bytes
from .fetch import fetch, is_url
from .header import parse_header
from .html import parse_html
from .parsed import ParsedReport, ReportError
from .pdf import parse_pdf

SUPPORTED = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html",
             ".xhtml": "html", ".pdf": "pdf"}
SUPPORTED_LIST = ".txt, .md, .html, .htm, .pdf"
MAX_FILE_BYTES = 20 * 1024 * 1024  # text and HTML
MAX_PDF_BYTES = 100 * 1024 * 1024  # PDFs carry images: a 60-page UN panel report is often 30 MB
# A 1,000-page report is about 3 M characters; more is a log, a dump or an attack, and would
# take hours to embed. It also bounds memory: an ingest's peak RSS grows by about 80 MB per
# million characters over the ~700 MB of the models (bench/hostile.py: 776 MB at 0.5 M, 899 MB
# at 2 M, 960 MB at 2.99 M), so 3 M keeps any accepted file under 1 GB; 5 M would not.
MAX_TEXT_CHARS = 3_000_000

__all__ = ["MAX_FILE_BYTES", "MAX_PDF_BYTES", "SUPPORTED", "ParsedReport", "ReportError", "kind_of",
           "parse_bytes", "parse_html", "parse_text", "read_report", "read_url", "url_filename"]


def parse_text(text: str, name: str) -> ParsedReport:
    """A .txt/.md report: optional header block, else the title is the first line."""
    header = parse_header(text)
    meta, body = dict(header.meta), header.body
    if not meta.get("title"):
        found = re.search(r"[^\s]", body)  # the first line with text, found without splitting a 20 MB body
        line_end = body.find("\n", found.start()) if found else -1
        line_end = len(body) if line_end < 0 else line_end
        first = re.sub(r"^#+\s*", "", body[found.start() : line_end].strip()) if found else ""
        if first and len(first) <= 200 and not first.endswith((".", "!", "?", ",", ";", ":")) and not is_byline(first):
            meta["title"] = first  # a heading-like first line
            body = body[line_end + 1 :]
        else:
            meta["title"] = Path(name).stem.replace("_", " ").replace("-", " ")
    # "*Published 10 February 2024 by Jane Doe*" under the title: the date and author, not text.
    body = take_bylines(body, meta)
    # Markdown heading markers stay: ingest.structure reads them as headings (and drops the '#').
    if not body.strip():
        raise ReportError(f"{name}: the report has a header but no text")
    return ParsedReport(body=body, meta=meta, warnings=header.warnings)


def kind_of(name: str) -> str:
    """``text``, ``html`` or ``pdf`` for a file name; :class:`ReportError` for other types."""
    suffix = Path(name).suffix
    kind = SUPPORTED.get(suffix.lower())
    if kind is None:
        raise ReportError(f"{name}: unsupported file type {suffix or '(none)'} (use {SUPPORTED_LIST})")
    return kind


def parse_bytes(data: bytes, name: str, kind: str | None = None, charset: str | None = None,
                url: str | None = None) -> ParsedReport:
    """A report's bytes, read as a file called ``name`` (its suffix picks the reader unless ``kind``
    is given). ``charset`` is a declared one (HTTP header); ``url`` the page's final URL."""
    kind = kind or kind_of(name)
    if kind == "pdf":
        parsed = parse_pdf(data, name)
        if url:
            parsed.meta["source"] = url
    else:
        text, warnings = decode_bytes(data, name, declared=charset, html=kind == "html")
        if kind == "text" and len(text) > MAX_TEXT_CHARS:
            raise ReportError(_too_much_text(name, len(text)))  # before any copy of it is made
        parsed = parse_html(text, name, url=url) if kind == "html" else parse_text(text, name)
        parsed.warnings[:0] = warnings
    if len(parsed.body) > MAX_TEXT_CHARS:
        raise ReportError(_too_much_text(name, len(parsed.body)))
    return parsed


def _too_much_text(name: str, chars: int) -> str:
    return f"{name}: too much text ({chars / 1e6:.0f} M characters; the limit is {MAX_TEXT_CHARS / 1e6:.0f} M)"


def read_report(path: Path) -> ParsedReport:
    """Read one report file; raises :class:`ReportError` with a one-line reason."""
    name = str(path)
    kind = kind_of(name)  # refuse an unsupported type before reading it
    limit = MAX_PDF_BYTES if kind == "pdf" else MAX_FILE_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise ReportError(f"{name}: file is too large ({size / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            raise ReportError(f"{name}: broken symbolic link") from None
        raise ReportError(f"{name}: no such file") from None
    except PermissionError:
        raise ReportError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise ReportError(f"{name}: is a folder") from None
    except OSError as exc:  # a symlink loop (ELOOP), an I/O error on a network drive...
        raise ReportError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return parse_bytes(data, name, kind=kind)


def url_filename(url: str) -> str:
    """A file name for a URL's report (its last path segment), used in messages and as a fallback title."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    tail = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) if parts.path.strip("/") else ""
    return tail or parts.hostname or "page"


def read_url(url: str, public_only: bool = False) -> ParsedReport:
    """Fetch and read a report from an http(s) URL; its ``source`` is the final URL (after redirects).

    ``public_only``: refuse local and private addresses (the HTTP API's setting).
    """
    if not is_url(url):
        raise ReportError(f"{url}: not an http(s) URL")
    fetched = fetch(url, public_only=public_only)
    parsed = parse_bytes(fetched.data, fetched.url, kind=fetched.kind, charset=fetched.charset, url=fetched.url)
    if parsed.meta.get("title") == Path(fetched.url).stem.replace("_", " ").replace("-", " "):
        parsed.meta["title"] = url_filename(fetched.url)  # not "https:" when a page has no title
    return parsed
