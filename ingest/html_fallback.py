"""The BeautifulSoup reader of earlier releases, kept for two jobs only: the fallback when
trafilatura finds no main text in a page, and the old-reader column of ``bench/html_reader.py``.

``legacy=True`` is the old reader exactly (the bench's baseline). The fallback mode
(``legacy=False``) also marks headings, list items and captions in report markdown and drops
blocks made only of link text, so a page of menus does not become a "report".
"""
from __future__ import annotations

import warnings
from pathlib import Path

from .header import normalize_date
from .parsed import ParsedReport, ReportError

_DROP_TAGS = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button"]
_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "pre", "tr"]


def _link_only(el) -> bool:
    """More than 80% of the block's text sits inside links: a menu or a list of headlines."""
    text = el.get_text(" ", strip=True)
    linked = sum(len(a.get_text(" ", strip=True)) for a in el.find_all("a"))
    return bool(text) and linked >= 0.8 * len(text)


def parse_html_bs4(text: str, name: str, legacy: bool = False) -> ParsedReport:
    """Main text, title, date, source and outlet of an HTML page, with BeautifulSoup."""
    from bs4 import BeautifulSoup

    with warnings.catch_warnings():
        # bs4 warns (several lines on stderr) about XML or URL-like input; our error says it in one.
        warnings.simplefilter("ignore")
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
    notes: list[str] = []
    if raw_date:
        date = normalize_date(raw_date)
        if date:
            meta["date"] = date
        else:
            notes.append(f"unreadable date {raw_date!r} ignored")
    canonical = soup.find("link", rel="canonical")
    source = meta_content("og:url") or (str(canonical.get("href")) if canonical and canonical.get("href") else "")
    if source.startswith(("http://", "https://")):
        meta["source"] = source
    if outlet := meta_content("og:site_name", "application-name"):
        meta["outlet"] = outlet
    if author := meta_content("author", "article:author"):
        meta["author"] = author

    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = []
    wanted = _BLOCKS[:4] + _BLOCKS[6:11] if legacy else _BLOCKS
    for el in root.find_all(wanted):
        if el.find(["p", "li", "blockquote"] if legacy else ["p", "li", "blockquote", "table"]):
            continue  # a container: its children are taken on their own
        line = el.get_text(" ", strip=True)
        if el.name == "tr":
            cells = [c.get_text(" ", strip=True).replace("|", "/") for c in el.find_all(["td", "th"])]
            line = "| " + " | ".join(cells) + " |" if any(cells) else ""
        elif el.name == "figcaption":
            if legacy or not line:
                continue
            line = f"Caption: {line}"
        elif not legacy and _link_only(el):
            continue
        if el.name == "h1" and not title:
            title = line
        if line and not (el.name == "h1" and line == title):
            if not legacy and el.name[0] == "h" and el.name[1:].isdigit():
                line = "#" * int(el.name[1:]) + " " + line
            elif not legacy and el.name == "li":
                line = "- " + line
            blocks.append(line)
    if legacy:
        body = "\n\n".join(blocks) if blocks else root.get_text("\n", strip=True)
    else:
        body = "\n\n".join(blocks) if any(not b.startswith("#") for b in blocks) else ""
    meta["title"] = title or Path(name).stem.replace("_", " ").replace("-", " ")
    if not body.strip():
        raise ReportError(f"{name}: no readable text found in the HTML (only menus, links or nothing)")
    return ParsedReport(body=body, meta=meta, warnings=notes)
