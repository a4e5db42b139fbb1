"""Sentence splitting and sentence-aware chunking with exact character offsets. Pure functions.

Every span is ``(start, end)`` into the text given, so ``text[start:end]`` is the sentence or
passage: citations can then point at exact characters of the stored report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

Span = tuple[int, int]

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "maj", "gov",
    "sen", "rep", "rev", "inc", "co", "corp", "ltd", "vs", "etc", "e.g", "i.e", "no", "nos", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "e.u", "approx",
}
# A candidate boundary: end punctuation, optional closing quotes/brackets, whitespace, then
# something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:dot])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or len(word) == 1


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``: split at paragraph breaks and sentence-ending punctuation."""
    spans: list[Span] = []
    for para in re.finditer(r"[^\n]+", text):
        p_start, p_text = para.start(), para.group()
        start = 0
        for m in _BOUNDARY.finditer(p_text):
            if _is_abbreviation(p_text, m.start()):
                continue
            end = m.end()
            if p_text[start:end].strip():
                spans.append(_trim(p_text, start, end, p_start))
            start = end
        if p_text[start:].strip():
            spans.append(_trim(p_text, start, len(p_text), p_start))
    return spans


def _trim(text: str, start: int, end: int, offset: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return offset + start, offset + end


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int
    sentences: tuple[int, ...]  # indices into the sentence list; the first may be overlap
    owned: tuple[int, ...]  # sentences this chunk is the home of (not overlap)


def chunk_sentences(
    text: str,
    sentences: list[Span],
    min_chars: int = 300,
    max_chars: int = 700,
    overlap_max_chars: int = 200,
    sections: frozenset[int] = frozenset(),
    sticky: frozenset[int] = frozenset(),
) -> list[Chunk]:
    """Group consecutive sentences into passages of about ``min_chars``–``max_chars``.

    A passage closes early at a paragraph break once it is long enough. The next passage
    repeats the previous passage's last sentence when that sentence is short (a small
    overlap that keeps context), but each sentence has exactly one home passage.

    ``sections``: sentences that start a section (headings): a passage closes before one once it
    holds a few lines, and no overlap crosses it, so a passage's heading is the heading of its
    text. ``sticky``: sentences that introduce what follows (headings, lead-ins): a passage never
    ends on one while text follows, so "Key points:" is never cut off from its items.
    """
    chunks: list[Chunk] = []
    i, n = 0, len(sentences)
    while i < n:
        members = [i]
        j = i + 1
        while j < n:
            length = sentences[j][1] - sentences[members[0]][0]
            current = sentences[members[-1]][1] - sentences[members[0]][0]
            if length > max_chars and current >= min_chars * 0.5 and members[-1] not in sticky:
                break
            new_para = "\n" in text[sentences[j - 1][1] : sentences[j][0]]
            if new_para and current >= min_chars and members[-1] not in sticky:
                break
            if j in sections and current >= min_chars / 3 and members[-1] not in sticky:
                break
            members.append(j)
            j += 1
        owned = tuple(m for m in members if not chunks or m > chunks[-1].owned[-1])
        chunks.append(Chunk(sentences[members[0]][0], sentences[members[-1]][1], tuple(members), owned))
        if j >= n:
            break
        last = members[-1]
        short = sentences[last][1] - sentences[last][0] <= overlap_max_chars
        i = last if (short and len(members) > 1 and j not in sections) else j
    return _merge_short_tail(text, sentences, chunks, min_chars, max_chars)


def _merge_short_tail(text, sentences, chunks: list[Chunk], min_chars: int, max_chars: int) -> list[Chunk]:
    if len(chunks) >= 2:
        last, prev = chunks[-1], chunks[-2]
        if last.end - last.start < min_chars * 0.5 and last.end - prev.start <= max_chars * 1.3:
            members = tuple(dict.fromkeys(prev.sentences + last.sentences))
            chunks[-2:] = [Chunk(prev.start, last.end, members, prev.owned + last.owned)]
    return chunks
