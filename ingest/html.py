"""HTML pages -> report markdown plus metadata, with trafilatura (main-text extraction).

trafilatura finds the article among menus, sidebars and comments far better than tag rules
(bench/html_reader.py measures both). We ask it for its XML, not its text, and write report markdown
ourselves, so headings, list items, table rows and captions keep their shape. When it finds
nothing, the BeautifulSoup reader (ingest/html_fallback.py) has a go.
"""
from __future__ import annotations

import copy
import logging
import re
from pathlib import Path

from .header import normalize_date
from .html_fallback import parse_html_bs4
from .parsed import ParsedReport, ReportError

# trafilatura logs every page it cannot use at ERROR level; our message per file says it once.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_DATE_META = ("article:published_time", "datePublished", "date", "pubdate", "publish-date", "dc.date",
              "DC.date.issued", "citation_publication_date", "citation_date")
# The second (recall) pass doubles the time; on multi-megabyte pages (data dumps, huge tables)
# that is tens of seconds for little gain, so they get the default pass only.
RECALL_PASS_MAX_CHARS = 2_000_000
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]\s*$")


def _line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


_BLOCK_TAGS = {"p", "head", "quote", "code", "div", "ab", "list", "item", "table", "row", "cell"}


def _inline(el) -> str:
    """An element's text with ``<lb/>`` as a newline (several of them end a paragraph); blocks
    nested in it (paragraphs in a table cell) are kept apart by a space."""
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):  # a comment or processing instruction: only its tail is text
            pass
        elif child.tag == "lb":
            parts.append("\n")
        elif child.tag in ("list", "table", "graphic") and el.tag == "item":
            pass  # a sublist of an item: the list writer handles it
        elif child.tag in _BLOCK_TAGS:
            parts.append(" " + _inline(child) + " ")
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


# Children that are blocks of their own when found in a container (the rest is inline text).
_CONTAINER_BLOCKS = {"p", "head", "quote", "code", "div", "ab", "list", "table", "graphic", "item", "row", "cell"}


def _is_layout_table(table) -> bool:
    """A table used for page layout (menu column, text column), not for data: a cell holds
    paragraphs or headings, or runs long."""
    for cell in table.iter("cell"):
        if any(child.tag in ("p", "head", "list", "table") for child in cell) or len(_line(_inline(cell))) > 400:
            return True
    return False


def _paragraphs(text: str) -> list[str]:
    """Split text at blank lines (``<br><br>`` pages), keeping single line breaks."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [_line(line) for line in block.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            out.append(block)
    return out


class _Writer:
    """Walks trafilatura's XML (head, p, list/item, table/row/cell, quote, graphic, div...)."""

    def __init__(self, captions: dict[str, str], caption_texts: set[str]):
        self.blocks: list[str] = []
        self.captions = captions  # image src -> caption text, from the original page
        self.caption_texts = caption_texts
        self.emitted_captions: set[str] = set()

    def caption(self, text: str) -> None:
        text = _line(text)
        if text and text not in self.emitted_captions:
            self.emitted_captions.add(text)
            self.blocks.append(f"Caption: {text}")

    def items(self, lst, out: list[str]) -> None:
        ordered = lst.get("rend") == "ol"
        n = 0
        for item in lst:
            if item.tag != "item":
                continue
            n += 1
            text = _line(_inline(item))
            if text:
                out.append(f"{n}. {text}" if ordered else f"- {text}")
            for sub in item.iter("list"):
                if sub.getparent() is item:
                    self.items(sub, out)  # nested lists are flattened: an item is one line

    def walk(self, el) -> None:
        tag = el.tag
        if tag == "head":
            m = re.match(r"h([1-6])$", el.get("rend") or "")
            text = _line(_inline(el))
            if text:
                self.blocks.append("#" * int(m.group(1) if m else 2) + " " + text)
        elif tag == "p":
            text = _inline(el)
            if _line(text) in self.caption_texts:
                self.caption(text)  # a caption the page wrote as a paragraph
            else:
                self.blocks.extend(_paragraphs(text))
        elif tag == "list":
            lines: list[str] = []
            self.items(el, lines)
            if lines:
                self.blocks.append("\n".join(lines))
        elif tag == "table" and _is_layout_table(el):
            for row in el:
                for cell in row:
                    self.container(cell)
        elif tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = [_line(_inline(c)).replace("|", "/") for c in row if c.tag == "cell"]
                if any(cells):
                    rows.append("| " + " | ".join(cells) + " |")
            if rows:
                self.blocks.append("\n".join(rows))
        elif tag == "graphic":
            if text := self.captions.get(el.get("src") or ""):
                self.caption(text)
        elif tag in ("quote", "code") and not len(el):
            self.blocks.extend(_paragraphs(_inline(el)))
        else:  # body, div, ab, quote with paragraphs, or anything new
            self.container(el)

    @staticmethod
    def _fragment(p, before: str) -> bool:
        """A ``<p>`` that is a piece of a sentence: trafilatura cuts loose text at inline tags
        ("<p>North Korean </p>workers<p> in Russia...</p>"), which would make three paragraphs."""
        if len(p) and any(c.tag in _CONTAINER_BLOCKS for c in p):
            return False
        text, tail = _inline(p), p.tail or ""
        # The cut leaves the space at the seam; separate lines ("Home<p>Archive</p>") have none.
        if before.strip() and not _SENTENCE_END.search(before) and (before[-1:].isspace() or text[:1].isspace()):
            return True
        return bool(tail.strip()) and not _SENTENCE_END.search(text) and (text[-1:].isspace() or tail[:1].isspace())

    def container(self, el) -> None:
        """Its blocks in order; loose text and inline elements between them form paragraphs."""
        buffer = [el.text or ""]

        def flush() -> None:
            self.blocks.extend(_paragraphs("".join(buffer)))
            buffer.clear()

        for child in el:
            if not isinstance(child.tag, str):
                pass  # a comment: only its tail is text
            elif child.tag == "p" and self._fragment(child, "".join(buffer)):
                buffer.append(_inline(child))
            elif child.tag in _CONTAINER_BLOCKS:
                flush()
                self.walk(child)
            elif child.tag == "lb":
                buffer.append("\n")
            else:  # hi, ref, del...: inline
                buffer.append(_inline(child))
            buffer.append(child.tail or "")
        flush()


def _page_captions(tree) -> dict[str, str]:
    """Image src -> caption (``<figcaption>``, or an element with "caption" in its class next to it)."""
    captions: dict[str, str] = {}
    for img in tree.iter("img"):
        src = img.get("src") or img.get("data-src")
        if not src:
            continue
        node = img.getparent()
        for _ in range(3):  # figure > a > img, div.wp-caption > img + p.wp-caption-text
            if node is None:
                break
            found = node.xpath(".//figcaption | .//*[contains(@class, 'caption')][not(self::img)]")
            text = _line(" ".join(found[0].itertext())) if found else ""
            if text:
                captions[src] = text
                break
            node = node.getparent()
    return captions


def _meta_tag(tree, *keys: str) -> str:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            for tag in tree.xpath(f"//meta[@{attr}=$k]", k=key):
                if (tag.get("content") or "").strip():
                    return tag.get("content").strip()
    return ""


def _link_texts(tree) -> set[str]:
    return {t for a in tree.iter("a") if (t := _line(" ".join(a.itertext())).lower())}


def _link_only(line: str, links: set[str]) -> bool:
    """The line is made of link texts and separators only ("Home | About | Contact", "Give now")."""
    rest = re.sub(r"^(?:- |\d+\. )", "", line).lower()
    if len(rest) > 300 or not re.search(r"\w", rest):
        return False
    for link in sorted((t for t in links if t in rest), key=len, reverse=True):
        rest = rest.replace(link, " ")
    return not re.search(r"\w", rest)


def _drop_menus(blocks: list[str], links: set[str]) -> list[str]:
    """Lines that are only links (menus, "read more", share and donate buttons) and headings
    left with nothing under them at the end of the page."""
    out = []
    for block in blocks:
        if block.startswith(("#", "|", "Caption: ")):
            out.append(block)
            continue
        lines = [ln for ln in block.split("\n") if not _link_only(ln, links)]
        if lines:
            out.append("\n".join(lines))
    while out and out[-1].startswith("#"):
        out.pop()
    return out


def _is_navigation(blocks: list[str], links: set[str]) -> bool:
    """Every text line of the extraction is the text of a link on the page: menus, no article."""
    lines = [re.sub(r"^(?:- |\d+\. )", "", ln).lower() for b in blocks if not b.startswith("#") for ln in b.split("\n")]
    lines = [ln for ln in lines if re.search(r"\w", ln)]  # "|" and "»" separators between menu links
    return bool(lines) and all(ln in links for ln in lines)


def _options(recall: bool):
    from trafilatura.settings import Extractor, set_date_params

    options = Extractor(output_format="python", comments=False, tables=True, images=True, formatting=False,
                        links=False, with_metadata=True, dedup=False, recall=recall)
    # Dates only from the page's markup: htmldate's text search turns "Copyright 2019" into 2019-01-01.
    options.date_params = set_date_params(extensive=False)
    return options


def _write(body, captions: dict[str, str]) -> list[str]:
    writer = _Writer(captions, set(captions.values()))
    writer.walk(body)
    return writer.blocks


def _fill_holes(precise: list[str], wide: list[str]) -> list[str]:
    """trafilatura's default extraction, plus what its recall mode finds *between* two blocks the
    default kept: lists and sub-headings inside the article that the default drops on some
    sites (Drupal's ``field--name-body``), without the recall mode's extra menus and footers
    around the article. If the two disagree on the article itself, the default stands."""
    kept = set(precise)
    anchors = [i for i, block in enumerate(wide) if block in kept]
    if not anchors or len(set(wide[i] for i in anchors)) < len(kept):
        return precise
    return wide[anchors[0] : anchors[-1] + 1]


def parse_html(text: str, name: str, url: str | None = None) -> ParsedReport:
    """Main text and metadata of a page; raises :class:`ReportError` when it has no article text.

    ``url`` is where the page was fetched from (its final URL), which beats the page's own
    canonical link as the report's source.
    """
    import trafilatura

    # Control characters other than whitespace make lxml refuse a string outright.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)
    # lxml refuses a str that carries an XML encoding declaration (the text is decoded already).
    tree = trafilatura.load_html(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
    if tree is None:
        return _fallback(text, name, url, [])
    captions = _page_captions(tree)
    links = _link_texts(tree)
    raw_date = _meta_tag(tree, *_DATE_META)
    failures = (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError)
    try:
        doc = trafilatura.bare_extraction(copy.deepcopy(tree), url=url, options=_options(recall=False))
    except failures as exc:
        # trafilatura bugs on odd trees: the simpler reader still gets a chance.
        return _fallback(text, name, url, [f"trafilatura failed ({type(exc).__name__}); read with the fallback reader"])
    if doc is None or doc.body is None:
        return _fallback(text, name, url, [])
    wide = None
    if len(text) <= RECALL_PASS_MAX_CHARS:
        try:
            wide = trafilatura.bare_extraction(tree, url=url, options=_options(recall=True))
        except failures:
            pass  # the default extraction alone is still good
    blocks = _fill_holes(_write(doc.body, captions), _write(wide.body, captions) if wide is not None and wide.body is not None else [])
    title = _line(doc.title or "")
    if not title:
        first = next((b for b in blocks if b.startswith("# ")), "")
        title = first[2:]
    if title:  # the page's title as its first heading would be quoted as a passage of its own
        blocks = [b for i, b in enumerate(blocks) if not (i < 3 and b.lstrip("#").strip() == title)]
    if not any(not b.startswith("#") for b in blocks):
        return _fallback(text, name, url, [])
    if _is_navigation(blocks, links):
        raise ReportError(f"{name}: no readable text found in the HTML (only menus and links)")
    blocks = _drop_menus(blocks, links)
    if not any(not b.startswith("#") for b in blocks):
        raise ReportError(f"{name}: no readable text found in the HTML (only menus and links)")

    meta: dict[str, str] = {"title": title or Path(name).stem.replace("_", " ").replace("-", " ")}
    warnings: list[str] = []
    date = normalize_date(raw_date) if raw_date else None  # the page's own precision ("2021-04")
    if raw_date and not date and not doc.date:
        warnings.append(f"unreadable date {raw_date!r} ignored")
    date = date or (normalize_date(doc.date) if doc.date else None)
    if date:
        meta["date"] = date
    source = url or doc.url or ""
    if source.startswith(("http://", "https://")):
        meta["source"] = source
    if doc.sitename:
        meta["outlet"] = _line(doc.sitename)
    if doc.author:
        meta["author"] = _line(doc.author)
    return ParsedReport(body="\n\n".join(blocks), meta=meta, warnings=warnings)


_XML_ROOT = re.compile(r"^\s*<\?xml[^>]*\?>\s*(?:<!--.*?-->\s*|<![^>]*>\s*|<\?[^>]*\?>\s*)*<([A-Za-z][\w:.-]*)", re.S)


def _fallback(text: str, name: str, url: str | None, warnings: list[str]) -> ParsedReport:
    try:
        parsed = parse_html_bs4(text, name)
    except ReportError:
        m = _XML_ROOT.match(text[:4096])
        if m and m.group(1).lower() != "html":  # a feed or sitemap saved (or served) as .html
            raise ReportError(f"{name}: an XML document (<{m.group(1)}>), not an HTML page") from None
        raise
    if url:
        parsed.meta["source"] = url
    parsed.warnings = warnings + parsed.warnings
    return parsed
