"""Sentence splitting and sentence-aware chunking with exact character offsets. Pure functions.

Every span is ``(start, end)`` into the text given, so ``text[start:end]`` is the sentence or
passage: citations can then point at exact characters of the stored report.

Both steps are linear in the text's length, whatever the text: a megabyte paragraph, a line with
no full stop, a run of a million "!" (every regex here is anchored or possessive, and looks back a
bounded number of characters). And both are bounded in what they make: no sentence is longer than
:data:`MAX_SENTENCE_CHARS` (a longer one is cut at a clause or word boundary) and no passage longer
than :data:`MAX_PASSAGE_CHARS`, so the embedder, the entity tagger and the store never see a
300 KB "sentence" from a file without punctuation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

Span = tuple[int, int]

# The hard limits (docs/ingest.md states them). A sentence longer than this is not one a reader
# would quote whole; 600 characters is about 150 tokens, well inside the embedder's 256.
MAX_SENTENCE_CHARS = 600
# No passage is longer, whatever the punctuation or structure (the target is 300-700).
MAX_PASSAGE_CHARS = 1000

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "maj", "gov",
    "sen", "rep", "rev", "inc", "co", "corp", "ltd", "vs", "etc", "e.g", "i.e", "no", "nos", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "e.u", "approx",
}
# A candidate boundary: end punctuation, optional closing quotes/brackets, whitespace, then
# something that can start a sentence. The look-behind and the possessive quantifiers keep a run
# of a million "!" linear: without them every position of the run is tried as a start.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"”’')\]]*+(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_ABBREVIATION_WINDOW = 32  # longer than any abbreviation: the look-back never scans the paragraph
# Where a long sentence is best cut: after a clause mark, else at any space.
_CLAUSE_END = re.compile(r"[;:,)\]–—]\s")
_SPACE = re.compile(r"\s")


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - _ABBREVIATION_WINDOW), dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or len(word) == 1


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """Sentence spans of ``text``: split at paragraph breaks and sentence-ending punctuation;
    a sentence longer than ``max_chars`` is cut into pieces (see :func:`cut_span`)."""
    spans: list[Span] = []
    for para in re.finditer(r"[^\n]+", text):
        p_start, p_text = para.start(), para.group()
        start = 0
        for m in _BOUNDARY.finditer(p_text):
            if _is_abbreviation(p_text, m.start()):
                continue
            end = m.end()
            if p_text[start:end].strip():
                spans.extend(cut_span(p_text, *_trim(p_text, start, end, 0), max_chars, offset=p_start))
            start = end
        if p_text[start:].strip():
            spans.extend(cut_span(p_text, *_trim(p_text, start, len(p_text), 0), max_chars, offset=p_start))
    return spans


def cut_span(text: str, start: int, end: int, max_chars: int = MAX_SENTENCE_CHARS, offset: int = 0) -> list[Span]:
    """``text[start:end]`` as pieces of at most ``max_chars``, each trimmed, shifted by ``offset``.

    A piece ends after the last clause mark ("; ", ", ") in its second half, else at the last
    space, else (a 100 KB URL, Chinese without spaces) exactly at ``max_chars``. Linear: each
    piece looks only at its own window.
    """
    pieces: list[Span] = []
    while end - start > max_chars:
        limit = start + max_chars
        cut = -1
        for m in _CLAUSE_END.finditer(text, start + max_chars // 2, limit + 1):
            cut = m.start() + 1  # keep the mark with the piece before it
        if cut < 0:
            for m in _SPACE.finditer(text, start + max_chars // 4, limit + 1):
                cut = m.start()
        if cut <= start:
            cut = limit
        s, e = _trim(text, start, cut, 0)
        if e > s:
            pieces.append((offset + s, offset + e))
        start, end = _trim(text, cut, end, 0)
    if end > start:
        pieces.append((offset + start, offset + end))
    return pieces


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
    hard_max_chars: int = MAX_PASSAGE_CHARS,
) -> list[Chunk]:
    """Group consecutive sentences into passages of about ``min_chars``–``max_chars``.

    A passage closes early at a paragraph break once it is long enough. The next passage
    repeats the previous passage's last sentence when that sentence is short (a small
    overlap that keeps context), but each sentence has exactly one home passage.

    ``sections``: sentences that start a section (headings): a passage closes before one once it
    holds a few lines, and no overlap crosses it, so a passage's heading is the heading of its
    text. ``sticky``: sentences that introduce what follows (headings, lead-ins): a passage never
    ends on one while text follows, so "Key points:" is never cut off from its items.

    ``hard_max_chars`` beats every rule above: no passage is longer (a run of a thousand headings
    is sticky all the way, and would otherwise be one passage). Sentences must be no longer than
    ``hard_max_chars - overlap_max_chars`` (:func:`split_sentences` sees to it) for that to hold.
    """
    chunks: list[Chunk] = []
    i, n = 0, len(sentences)
    while i < n:
        members = [i]
        j = i + 1
        capped = False
        # members[0] may be the previous passage's last sentence (overlap): then the passage
        # takes at least one sentence of its own before any rule may close it.
        first_own = 1 if chunks and i <= chunks[-1].owned[-1] else 0
        while j < n:
            length = sentences[j][1] - sentences[members[0]][0]
            if length > hard_max_chars:
                capped = True
                break
            current = sentences[members[-1]][1] - sentences[members[0]][0]
            if len(members) == first_own:
                pass
            elif length > max_chars and current >= min_chars * 0.5 and members[-1] not in sticky:
                break
            elif (current >= min_chars and members[-1] not in sticky
                  and "\n" in text[sentences[j - 1][1] : sentences[j][0]]):
                break  # a paragraph break
            elif j in sections and current >= min_chars / 3 and members[-1] not in sticky:
                break
            members.append(j)
            j += 1
        if capped:
            # Cut by the limit: leave a trailing heading or lead-in to open the next passage, as
            # long as the passage keeps a sentence of its own.
            keep = next((k for k in range(len(members) - 1, first_own - 1, -1) if members[k] not in sticky), -1)
            if first_own <= keep < len(members) - 1:
                del members[keep + 1 :]
                j = members[-1] + 1
        owned = tuple(members[first_own:])
        chunks.append(Chunk(sentences[members[0]][0], sentences[members[-1]][1], tuple(members), owned))
        if j >= n:
            break
        last = members[-1]
        short = sentences[last][1] - sentences[last][0] <= overlap_max_chars
        fits = sentences[j][1] - sentences[last][0] <= hard_max_chars  # the overlap must leave room
        i = last if (short and fits and len(members) > 1 and j not in sections) else j
    return _merge_short_tail(text, sentences, chunks, min_chars, min(hard_max_chars, int(max_chars * 1.3)))


def _merge_short_tail(text, sentences, chunks: list[Chunk], min_chars: int, limit: int) -> list[Chunk]:
    if len(chunks) >= 2:
        last, prev = chunks[-1], chunks[-2]
        if last.end - last.start < min_chars * 0.5 and last.end - prev.start <= limit:
            members = tuple(dict.fromkeys(prev.sentences + last.sentences))
            chunks[-2:] = [Chunk(prev.start, last.end, members, prev.owned + last.owned)]
    return chunks
