"""Bytes -> text for report files and fetched pages, in the order browsers trust:
a byte-order mark, then the declared charset (HTTP header, ``<meta charset>``, XML declaration),
then UTF-8, then detection (charset-normalizer). A readable page is never refused for its
charset; only data that is not text at all is."""
from __future__ import annotations

import codecs
import re

from .parsed import ReportError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),  # before UTF-16: same prefix
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# Pages labelled latin-1 or ASCII are in practice windows-1252 (curly quotes at 0x91-0x94);
# the HTML standard maps these labels the same way.
_WINDOWS_1252_ALIASES = {"iso8859-1", "latin-1", "ascii", "us-ascii", "iso-8859-1"}


def _codec(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None if Python does not know it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES or label.lower() in _WINDOWS_1252_ALIASES else name


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta>`` or an XML declaration)."""
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


# Single-byte code pages of Latin script that detection confuses with one another.
_LATIN_SINGLE_BYTE = {"cp1250", "cp1252", "cp1254", "cp1257", "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4",
                      "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
                      "mac-latin2", "mac-roman", "mac-iceland", "mac-turkish", "cp775", "cp850", "cp852", "cp858"}


def _fits(data: bytes, codec: str) -> bool:
    """Decodes without error and without C1 control characters."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return False
    return not any("\x80" <= ch <= "\x9f" for ch in text)


def _looks_binary(text: str) -> bool:
    """Control characters other than tab/newline/CR/form feed in more than 1% of the text."""
    sample = text[:65536]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or ch == "\ufffd")
    return bad > max(8, len(sample) // 100)


def decode_bytes(data: bytes, name: str, declared: str | None = None, html: bool = False) -> tuple[str, list[str]]:
    """Decode a report's bytes; returns ``(text, warnings)``.

    ``declared`` is the HTTP header's charset; for HTML the page's own declaration is read too.
    Raises :class:`ReportError` only for empty or binary data.
    """
    if not data.strip():
        raise ReportError(f"{name}: file is empty")
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), warnings
            except UnicodeDecodeError:
                break  # a stray BOM-like prefix: decide from the rest
    if b"\x00" in data[:8192]:
        raise ReportError(f"{name}: looks like a binary file (contains NUL bytes), not a text report")
    labels = [declared] + ([declared_charset(data)] if html else [])
    for label in labels:
        codec = _codec(label)
        if label and codec is None:
            warnings.append(f"unknown charset {label!r} ignored")
        if codec is None:
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            if codec == "cp1252":  # its five undefined bytes: latin-1 maps every byte
                return data.decode("latin-1"), warnings
            warnings.append(f"declared charset {label!r} does not fit the bytes; detected instead")
            continue
        return text, warnings
    try:
        return data.decode("utf-8"), warnings
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None:
        codec, label = _codec(best.encoding) or "utf-8", best.encoding
        if codec in _LATIN_SINGLE_BYTE and _fits(data, "cp1252"):
            # Detection cannot tell the Latin code pages apart on short texts (French came back as
            # cp1250, "à" as "ŕ"); windows-1252 is by far the most common of them on the web.
            codec, label = "cp1252", "windows-1252"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            text = data.decode(codec, errors="replace")
        if not _looks_binary(text):
            warnings.append(f"not UTF-8 and no charset declared; read as {label} (detected)")
            return text, warnings
    text = data.decode("utf-8", errors="replace")
    if _looks_binary(text):
        raise ReportError(f"{name}: looks like a binary file, not a text report")
    warnings.append("some bytes are not valid UTF-8 and were replaced")
    return text, warnings
