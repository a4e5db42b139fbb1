"""PDF reports -> text per page (pypdf), pages separated by a form feed, page 1 first.

NGO and UN panel reports come as PDFs. pypdf reads the text layer; a PDF without one (a scan),
an encrypted one and a damaged one are refused, each with its own reason, because each needs
a different fix from the user (OCR, the password, a fresh download).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from .header import normalize_date
from .parsed import ParsedReport, ReportError

# pypdf warns on stderr about every repairable oddity ("incorrect startxref"); we report per file.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
MIN_TEXT_CHARS_PER_PAGE = 20  # fewer on average: page numbers or stray glyphs of a scan, not text


def _pdf_date(raw: str) -> str | None:
    """``D:20210412083000+09'00'`` -> ``2021-04-12`` (keeping the precision it has)."""
    m = _PDF_DATE.match(raw.strip())
    if not m:
        return normalize_date(raw)
    return normalize_date("-".join(p for p in m.groups() if p))


def _clean_page(text: str) -> str:
    """pypdf's page text with trailing spaces stripped and runs of blank lines squeezed.

    Lines stay as they are: joining hard-wrapped lines is the structure step's job.
    """
    text = text.replace("\f", "\n").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


_FILE_NAME_TITLE = re.compile(r"^(?:microsoft (?:word|powerpoint) - |untitled\b)|\.(?:docx?|pptx?|indd|pdf|qxd)$", re.I)


def _title(info_title: str, first_page: str) -> str:
    """The info title unless it is a word processor's file name, else a short first line of page 1."""
    info_title = re.sub(r"\s+", " ", info_title).strip()
    if info_title and not _FILE_NAME_TITLE.search(info_title):
        return info_title
    first = next((line.strip() for line in first_page.split("\n") if line.strip()), "")
    return first if 3 <= len(first) <= 150 else ""


def parse_pdf(data: bytes, name: str) -> ParsedReport:
    """Read a PDF's text layer; raises :class:`ReportError` for scans, encryption and damage."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    if not data.strip():
        raise ReportError(f"{name}: file is empty")
    if not data.lstrip()[:5] == b"%PDF-":
        raise ReportError(f"{name}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only to restrict printing, with an empty open password.
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported algorithm: same answer for the user
                opened = 0
            if not opened:
                raise ReportError(f"{name}: the PDF is encrypted (password-protected); save an unprotected copy and retry")
        pages = [_clean_page(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata or {}
    except ReportError:
        raise
    except FileNotDecryptedError:
        raise ReportError(f"{name}: the PDF is encrypted (password-protected); save an unprotected copy and retry") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            AssertionError, RecursionError, ZeroDivisionError, OSError) as exc:
        # pypdf surfaces broken files as many exception types; for the user it is one problem.
        detail = str(exc).split("\n")[0][:120]
        raise ReportError(f"{name}: the PDF is damaged or truncated and cannot be read ({detail or type(exc).__name__})") from None
    if not pages:
        raise ReportError(f"{name}: the PDF has no pages")
    chars = sum(len(p.strip()) for p in pages)
    if chars < MIN_TEXT_CHARS_PER_PAGE * len(pages) and chars < 200:
        raise ReportError(f"{name}: the PDF has no text layer (a scan or images only); run OCR on it first")
    meta: dict[str, str] = {}
    meta["title"] = _title(str(info.get("/Title") or ""), pages[0]) or Path(name).stem.replace("_", " ").replace("-", " ")
    if author := str(info.get("/Author") or "").strip():
        meta["author"] = author
    raw_date = str(info.get("/CreationDate") or info.get("/ModDate") or "")
    if raw_date and (date := _pdf_date(raw_date)):
        meta["date"] = date
    warnings = []
    empty = [i + 1 for i, p in enumerate(pages) if not p.strip()]
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else "")
        warnings.append(f"{len(empty)} of {len(pages)} pages have no text layer (p. {shown}); nothing there can be cited")
    # Every page, the last included, ends with a form feed: that is what marks the body as paged,
    # so even a one-page PDF's passages get page 1.
    return ParsedReport(body="".join(page + "\f" for page in pages), meta=meta, warnings=warnings)
