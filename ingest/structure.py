"""Report markdown (or plain text) -> the stored text plus typed units with headings and pages.

The stored text must stay the exact string that citation offsets point into, but the answerer
also needs to know what each piece of it *is*: a heading or a bare list lead-in is not an answer,
a list item needs its lead-in to be understood, a caption is citable only as a caption, and a PDF
passage has a page. This module reads that structure once, at ingest, and hands it on as
:class:`Unit` spans into the text it builds. Pure functions.

Input, as the readers produce it ("report markdown"): blocks separated by blank lines; ``# ``
heading lines; ``- ``/``* ``/``1. `` list items; ``| a | b |`` table rows; ``Caption: `` figure
captions; PDF pages separated by form feeds (``\\f``). Plain .txt/.md bodies come as written, so the
same parser also recognises hard-wrapped lines, heading-like short lines and ``Photo: ...`` credits.

Output text: one block per paragraph (hard-wrapped lines joined), headings as their own lines
without ``#``, list items and table rows one per line; blocks separated by a blank line.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from vectorstore.records import NOT_ANSWERS

from .byline import is_byline
from .chunking import MAX_SENTENCE_CHARS, cut_span, split_sentences
from .clean import caption_core, is_credit, is_end_matter, is_navigation, is_weak_end_matter, starts_end_matter

# What a unit is. Only body, item, row and caption units can be quoted as an answer;
# headings and lead-ins are context for the units under them.
BODY, ITEM, ROW, CAPTION, HEADING, LEAD_IN = "body", "item", "row", "caption", "heading", "lead_in"
assert NOT_ANSWERS == {HEADING, LEAD_IN}

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?:[-*•‣◦▪]|(\d{1,3})[.)])\s+(?=\S)")
_ROW = re.compile(r"^\|.*\|$")
_ROW_RULE = re.compile(r"^\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-{0,}:?\s*\|?$")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”’')\]]*$")
_NO_HEADING_END = re.compile(r"[.!?,;:…\"”’)\]]$")
_BYLINE = re.compile(r"^by\s+[A-Z]", re.I)
_RULE = re.compile(r"^(?:[-*_=~]\s*){3,}$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\([^)]*\)$")
# Inline markup spans are bounded (link text 500, URL 2,000, emphasis 300 characters) and link
# text holds no "[": on a megabyte line of "[[[[" or "** ** **" an unbounded lazy span made every
# opener scan to the end of the line, quadratic in the line's length.
_LINK = re.compile(r"(?<!!)\[([^\[\]\n]{1,500})\]\((?:[^()\s]{1,2000}|[^()\s]{0,2000}\([^()\s]{0,2000}\)[^()\s]{0,2000})(?:\s+\"[^\"]{0,300}\")?\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]{1,300}?)(?<=[^\s*])\*(?![\w*])")
CAPTION_PREFIX = "Caption: "
_QUOTE = re.compile(r"^(?:>\s?)+")
_EMPHASIS = re.compile(r"^[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}$")
_SUSPECT = re.compile(r"[^\n\t\f\x20-\x7e]")
# A "heading" longer than this is a paragraph marked up as one (a megabyte "# ..." line): it
# would head, and be embedded with, every sentence under it.
MAX_HEADING_CHARS = 200
MAX_CONTEXT_CHARS = 300  # a lead-in or header row as context of items and rows: its start is enough


@dataclass(frozen=True)
class Unit:
    """A sentence-sized piece of the stored text: ``text[start:end]``, with its structure."""

    start: int
    end: int
    kind: str = BODY
    heading: str = ""  # the section heading it sits under (a heading unit: its own text)
    page: int | None = None  # 1-based PDF page where it starts; None when the body has no pages
    context: str = ""  # the lead-in (list item) or header row (table row) it continues


@dataclass
class Structured:
    text: str
    units: list[Unit]


@dataclass
class _Block:
    kind: str  # paragraph | heading | list | table | caption
    lines: list[str] = field(default_factory=list)  # paragraph: wrapped lines; list: items; table: rows
    page: int | None = None
    markers: list[str] = field(default_factory=list)  # list: each item's marker as written ("- ", "2. ")
    indent: int = 0  # paragraph: indentation of its last line (a deeper one starts a new paragraph)
    wrapped: list[str] = field(default_factory=list)  # list: the wrapped lines of its last item, not yet joined

    def settle(self) -> None:
        """Join the last item's wrapped lines: once per item, so a megabyte item costs linear time."""
        if self.wrapped:
            self.lines[-1] = _join_lines([self.lines[-1], *self.wrapped])
            self.wrapped.clear()

    def joined(self) -> str:
        return _join_lines(self.lines) if self.kind == "paragraph" else " ".join(self.lines)


def _prepare(body: str) -> str:
    """NFC, ``\\n`` line ends, no control characters except newline, tab and the page break."""
    text = unicodedata.normalize("NFC", body).replace("\r\n", "\n").replace("\r", "\n")
    # Only characters outside printable ASCII are looked up (a per-character loop over a 20 MB
    # body took seconds).
    return _SUSPECT.sub(lambda m: "" if unicodedata.category(m.group())[0] == "C" else m.group(), text)


def _squash(line: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", line).strip()


def _inline(line: str) -> str:
    """Markdown inline markup is layout: "[text](url)" -> "text", "**bold**"/"*it*" -> the words."""
    if "[" in line:
        line = _LINK.sub(r"\1", line)
    if "*" in line or "__" in line:
        line = _ITALIC.sub(r"\1", _STRONG.sub(r"\2", line))
    return line


def _indent(raw: str) -> int:
    expanded = raw.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" \u00a0"))


def _join_lines(lines: list[str]) -> str:
    """Hard-wrapped lines as one paragraph; a word broken by a line-end hyphen keeps its hyphen
    ("long-" + "term") rather than guessing whether the hyphen was the typesetter's."""
    parts: list[str] = []
    tail = ""  # the last two characters joined so far
    for line in lines:
        if parts and not (tail.endswith("-") and len(tail) > 1 and tail[-2].isalpha() and line[:1].islower()):
            parts.append(" ")
            tail = tail[-1:] + " "
        parts.append(line)
        tail = (tail + line)[-2:]
    return "".join(parts)


def _parse_page(page: str, number: int | None) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    prev_line = ""  # the previous non-blank line ("" after a blank one)

    def close() -> None:
        nonlocal current
        if current is not None and current.lines:
            current.settle()
            blocks.append(current)
        current = None

    for raw in page.split("\n"):
        line = _squash(raw)
        if not line:
            close()
            prev_line = ""
            continue
        indent = _indent(raw)
        quote = _QUOTE.match(line)
        if quote:  # a markdown block quote ("> ...") is text like any other; its marker is layout
            line = line[quote.end():]
            if not line:
                close()
                prev_line = ""
                continue
        if _RULE.match(line):  # "---", "* * *": a section break, layout only
            if (current is not None and current.kind == "paragraph" and len(current.lines) == 1
                    and len(current.lines[0]) <= MAX_HEADING_CHARS and set(line) <= {"=", "-"}):
                current.kind = "heading"  # a setext heading: "Background" underlined with === or ---
            close()
            prev_line = ""
            continue
        image = _IMAGE.match(line)
        if image:  # "![alt](src)": its alt text, when it says something, is the picture's caption
            close()
            alt = _squash(image.group(1))
            if len(alt.split()) >= 2:
                blocks.append(_Block("caption", [CAPTION_PREFIX + alt], number))
            prev_line = ""
            continue
        if not _ROW.match(line):
            line = _inline(line)
        heading = _MD_HEADING.match(line)
        bullet = _BULLET.match(line)
        if heading and len(heading.group(2)) > MAX_HEADING_CHARS:
            close()
            current = _Block("paragraph", [heading.group(2)], number, indent=indent)
        elif heading:
            close()
            text = _EMPHASIS.sub("", heading.group(2)).strip()  # "## **Pay**" -> "Pay"
            if text:
                blocks.append(_Block("heading", [text], number))
        elif _ROW.match(line):
            if current is None or current.kind != "table":
                close()
                current = _Block("table", [], number)
            if not _ROW_RULE.match(line):  # the |---|---| rule under a header row is layout
                current.lines.append(line)
        elif bullet and (not bullet.group(1) or not prev_line or _ENDS_SENTENCE.search(prev_line)
                         or prev_line.endswith(":") or (current is not None and current.kind == "list")):
            # A number at the start of a wrapped line ("about\n250. Then...") is not an item:
            # numbered items need a blank line, a finished sentence, a lead-in or an item before.
            if current is None or current.kind != "list":
                close()
                current = _Block("list", [], number)
            current.settle()
            current.markers.append(line[: bullet.end()])
            current.lines.append(line[bullet.end():])
        elif is_credit(line):
            close()  # a bare photo credit: nothing to quote
        elif caption_core(line) is not None:
            close()
            blocks.append(_Block("caption", [line], number))
        elif current is not None and current.kind == "list" and (
                indent > 0 or not _ENDS_SENTENCE.search((current.wrapped or current.lines)[-1])):
            current.wrapped.append(line)  # a wrapped item continues
        elif current is not None and current.kind == "paragraph" and indent <= current.indent and not starts_end_matter(line):
            current.lines.append(line)
            current.indent = indent
        else:  # a new paragraph: after a blank line, another kind of block, or an indented line
            close()
            current = _Block("paragraph", [line], number, indent=indent)
        prev_line = line
    close()
    return blocks


def _parse(body: str) -> list[_Block]:
    pages = _prepare(body).split("\f")
    paged = len(pages) > 1
    if paged and not pages[-1].strip():
        pages.pop()  # a trailing form feed closes the last page; it does not open one
    blocks: list[_Block] = []
    for number, page in enumerate(pages, start=1):
        if paged:
            page = _drop_page_numbers(page)
        page_blocks = _parse_page(page, number if paged else None)
        if paged:
            if blocks and page_blocks and _continues(blocks[-1], page_blocks[0]):
                blocks[-1].lines.extend(page_blocks.pop(0).lines)  # a paragraph broken by the page
        blocks.extend(page_blocks)
    return blocks


def _drop_page_numbers(page: str) -> str:
    """Running page numbers ("4", "Page 4 of 12") on the first or last line of a PDF page."""
    lines = page.split("\n")
    for pick in (-1, 0, -1, 0):  # a number may sit under/over a blank line: look twice each end
        filled = [k for k, line in enumerate(lines) if line.strip()]
        if filled and _PAGE_NUMBER.match(_squash(lines[filled[pick]])):
            del lines[filled[pick]]
    return "\n".join(lines)


def _continues(before: _Block, after: _Block) -> bool:
    return (before.kind == after.kind == "paragraph" and not _ENDS_SENTENCE.search(before.lines[-1])
            and after.lines[0][:1].islower())


def _trim_end_matter(blocks: list[_Block]) -> list[_Block]:
    """Drop the sign-off: the trailing run of end-matter blocks, and navigation lines anywhere.

    Only a *trailing* run counts, so no body sentence can cut the rest of a report; and the run
    needs one unmistakable block (a translator line, a contact line with an address...): an
    author-bio-like last paragraph alone ("Kim is a former reporter...") is body text.
    """
    run: list[int] = []  # indices of the trailing end-matter blocks, last first
    strong = False
    i = len(blocks)
    while i > 0:
        i -= 1
        b = blocks[i]
        if b.kind == "caption":
            continue  # a caption placed after the sign-off is content: kept, and the run goes on
        text = b.joined()
        if is_end_matter(text):
            strong = True
        elif not is_weak_end_matter(text):
            break
        run.append(i)
    if strong:
        # Bio-like blocks at the top of the run stay unless real sign-off is above them.
        while run and not is_end_matter(blocks[run[-1]].joined()):
            run.pop()
        drop = set(run)
        blocks = [b for k, b in enumerate(blocks) if k not in drop]
    return [b for b in blocks if not (b.kind == "paragraph" and len(b.lines) == 1 and is_navigation(b.lines[0]))]


def _heading_like(line: str) -> bool:
    """A short line that does not end like a sentence: "Background", "Key findings"."""
    words = line.split()
    return (len(line) <= 80 and 1 <= len(words) <= 12 and (line[0].isupper() or line[0].isdigit())
            and not _NO_HEADING_END.search(line) and not _BYLINE.match(line) and not _PAGE_NUMBER.match(line)
            and not is_byline(line))  # "Published 10 February 2024" is metadata, not a section


def _find_headings(blocks: list[_Block]) -> list[_Block]:
    """Plain-text headings: a heading-like line alone before another block, or heading-like
    lines inside a block (see :func:`_inner_headings`)."""
    out: list[_Block] = []
    for i, b in enumerate(blocks):
        if b.kind != "paragraph":
            out.append(b)
        elif len(b.lines) == 1:
            follows = i + 1 < len(blocks) and _heading_like(b.lines[0])
            out.append(_Block("heading", b.lines, b.page) if follows else b)
        else:
            out.extend(_inner_headings(b))
    return out


def _inner_headings(b: _Block) -> list[_Block]:
    """A paragraph block split at the heading lines inside it.

    A heading line is heading-like and clearly shorter (under 60%) than the capitalised line
    under it, and opens the block or follows a finished sentence (up to two stacked headings
    there). PDFs have no blank lines, so a page's text is one block and its headings sit inside
    it: without this, "Workers in Mongolia" was glued to the sentence after it. In hard-wrapped
    text a line is that much shorter than the next only where a paragraph or a heading ends.
    """
    lines = b.lines
    out: list[_Block] = []
    para: list[str] = []
    k = 0
    while k < len(lines) - 1:
        if k == 0 or _ENDS_SENTENCE.search(lines[k - 1]):
            end = k
            while end < len(lines) - 1 and end - k < (1 if k == 0 else 2) and _heading_like(lines[end]):
                end += 1
            if end > k and lines[end][:1].isupper() and all(len(lines[x]) < 0.6 * len(lines[end]) for x in range(k, end)):
                if para:
                    out.append(_Block("paragraph", para, b.page, indent=b.indent))
                    para = []
                out.extend(_Block("heading", [line], b.page) for line in lines[k:end])
                k = end
                continue
        para.append(lines[k])
        k += 1
    para.extend(lines[k:])
    if not out:
        return [b]
    out.append(_Block("paragraph", para, b.page, indent=b.indent))
    return out


def _dedupe(blocks: list[_Block]) -> list[_Block]:
    """Repeated long blocks (a pull quote, a caption shown twice verbatim) are kept once."""
    seen: set[str] = set()
    out = []
    for b in blocks:
        key = re.sub(r"\W+", " ", b.joined()).strip().lower()
        if len(key) > 30 and key in seen and b.kind in ("paragraph", "caption"):
            continue
        seen.add(key)
        out.append(b)
    return out


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def _clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit - 1].rstrip() + "…"


def _is_bare_lead_in(sentence: str) -> bool:
    """"Key points:", "The report found that:" — words that only announce what follows."""
    return sentence.endswith(":") and len(sentence.split()) <= 8


_ASKING = re.compile(r"^(?:how|what|who|whom|whose|why|where|when|which|is|are|was|were|do|does|did|can|could|will|"
                     r"would|should|has|have|had)\b", re.I)


def _is_question_heading(sentence: str) -> bool:
    """"Who organises the work?" opening a paragraph: a short question in the writer's own voice
    (no quotation marks: a quoted question is someone speaking), asked to be answered below it."""
    return (sentence.endswith("?") and 2 <= len(sentence.split()) <= 12 and bool(_ASKING.match(sentence))
            and not re.search(r"[\"“”‘’]|'\s|\s'", sentence))


def structure(body: str, title: str = "") -> Structured:
    """The stored text of a report body and its units (see the module docstring).

    ``title``: the report's title; a heading that repeats it before any text (a web page's
    ``<h1>``) is dropped, as it would only be shown twice and head every passage.
    """
    blocks = _dedupe(_find_headings(_trim_end_matter(_parse(body))))
    if title and blocks and blocks[0].kind == "heading" and _same_words(blocks[0].lines[0], title):
        blocks = blocks[1:]
    pieces: list[str] = []
    units: list[Unit] = []
    pos = 0
    heading = ""
    para, para_start = "", 0  # the last paragraph written and where it starts

    def add(piece: str) -> int:
        nonlocal pos
        start = pos
        pieces.append(piece)
        pos += len(piece)
        return start

    for bi, b in enumerate(blocks):
        if pieces:
            add("\n\n")
        if b.kind == "heading":
            heading = b.lines[0]
            start = add(heading)
            units.append(Unit(start, start + len(heading), HEADING, heading, b.page))
        elif b.kind == "caption":
            line = b.lines[0]
            s, e = caption_core(line) or (0, len(line))
            start = add(line)
            units.append(Unit(start + s, start + e, CAPTION, heading, b.page))
        elif b.kind in ("list", "table"):
            lead = ""
            if bi and blocks[bi - 1].kind == "paragraph" and units:
                # "Workers said they lacked:" right before a list introduces it: a lead-in unit
                # (never an answer on its own) and the context of every item.
                last = units[-1]
                sentence = para[last.start - para_start : last.end - para_start]
                if sentence.endswith(":"):
                    units[-1] = replace(last, kind=LEAD_IN)
                    lead = _clip(sentence, MAX_CONTEXT_CHARS)
            if b.kind == "table" and len(b.lines) > 1:
                rows = b.lines
                start = add(rows[0])
                units.extend(Unit(s, e, LEAD_IN, heading, b.page) for s, e in _capped(rows[0], start))
                lead, rows = _clip(rows[0], MAX_CONTEXT_CHARS), rows[1:]
                add("\n")
            else:
                rows = b.lines
            for k, row in enumerate(rows):
                if k:
                    add("\n")
                marker = b.markers[k] if b.kind == "list" else ""
                start = add(marker + row) + len(marker)
                units.extend(Unit(s, e, ITEM if b.kind == "list" else ROW, heading, b.page, lead)
                             for s, e in _capped(row, start))
        else:
            para = b.joined()
            para_start = start = add(para)
            spans = split_sentences(para)
            # An explainer's "How are workers chosen? Postings abroad are sought after ...": the
            # question heads its paragraph (never quoted alone, embedded with what answers it).
            first = para[spans[0][0] : spans[0][1]] if spans else ""
            asked = first if len(spans) > 1 and _is_question_heading(first) else ""
            for k, (s, e) in enumerate(spans):
                if asked and not k:
                    units.append(Unit(start + s, start + e, HEADING, asked, b.page))
                    continue
                kind = LEAD_IN if k == len(spans) - 1 and _is_bare_lead_in(para[s:e]) else BODY
                units.append(Unit(start + s, start + e, kind, asked or heading, b.page))
    return Structured("".join(pieces), units)


def _capped(piece: str, start: int) -> list[tuple[int, int]]:
    """Spans of a list item or table row placed at ``start``: itself, or pieces of it when it is
    longer than a sentence may be (a megabyte "- item" line)."""
    if len(piece) <= MAX_SENTENCE_CHARS:
        return [(start, start + len(piece))]
    return cut_span(piece, 0, len(piece), MAX_SENTENCE_CHARS, offset=start)
