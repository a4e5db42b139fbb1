"""Checking a model's answer against the passages it was given. Pure functions.

A model can cite passages that do not exist, write sentences it does not cite, or obey an
instruction planted in a report. The rule that handles all three: a sentence reaches the user
only if it cites at least one passage that was in the prompt; marks without a passage are removed
and the rest renumbered 1.. in order of first use (see :mod:`qa.citations`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .citations import MARK, cited_numbers, renumber

NOT_FOUND_TOKEN = "NOT_FOUND"
_NOT_FOUND = re.compile(
    r"NOT_FOUND|\b(?:passages?|reports?|context|documents?)\b[^.]{0,40}?\b(?:do not|don't|does not|doesn't|"
    r"did not|didn't)\s+(?:contain|mention|say|include|provide|state|specify|give)",
    re.IGNORECASE,
)
# A sentence ends at . ! ? (after any closing quotes), with the citation marks that follow it.
_END = re.compile(r"[.!?]+[\"'”’)]*(?:\s*\[\d{1,3}\])*")
_GROUP = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})+)\]")
_RANGE = re.compile(r"\[(\d{1,3})\s*[-–]\s*(\d{1,3})\]")
_REPEAT = re.compile(r"(\[\d{1,3}\])(?:\s*\1)+")


def normalize_marks(text: str) -> str:
    """``[1, 2]`` -> ``[1] [2]`` and ``[1-3]`` -> ``[1] [2] [3]`` (short ranges only); drop repeated marks."""
    text = _GROUP.sub(lambda m: " ".join(f"[{n.strip()}]" for n in re.split(r"[,;]", m.group(1))), text)

    def expand(m: re.Match) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        return " ".join(f"[{n}]" for n in range(a, b + 1)) if 0 < b - a < 10 else m.group(0)

    return _REPEAT.sub(r"\1", _RANGE.sub(expand, text))


def split_sentences(text: str, final: bool = True) -> tuple[list[str], str]:
    """Split into complete sentences (each with its trailing ``[n]`` marks) and the unfinished rest.

    While streaming (``final=False``) a sentence counts as complete only once the next sentence has
    visibly started, so marks arriving after its full stop stay attached to it.
    """
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if m.start() < start:
            continue
        after = text[m.end():]
        nxt = re.match(r"\s+(\S)", after)
        if nxt is None:
            if after.strip() == "":
                break  # at the end of what has arrived: wait, or the final piece below
            continue  # "3.5", "U.S": not a boundary
        if nxt.group(1) == "[" or nxt.group(1).islower():
            continue  # a mark still arriving, or an abbreviation ("approx. two")
        piece = text[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:]
    if final:
        if rest.strip():
            out.append(rest.strip())
        rest = ""
    return out, rest


def says_not_found(text: str) -> bool:
    return bool(_NOT_FOUND.search(text))


@dataclass
class Grounded:
    """A checked answer: text with marks 1.., and for each new number the prompt passage it cites."""

    text: str
    order: list[int]
    not_found: bool = False
    dropped: list[str] = field(default_factory=list)  # sentences removed for citing nothing valid

    @property
    def ok(self) -> bool:
        return bool(self.text and self.order)


# The prompt's own scaffolding: fence lines ("<<<PASSAGE [1] f3a9…", "PASSAGE>>> f3a9…") and the
# "Report: <title> (<outlet>, <date>)" line. A small model may echo them back with a valid [n]
# (seen with SmolLM2-135M through llama.cpp): that is not an answer, whatever it cites.
_SCAFFOLD = re.compile(r"<<<|>>>|(?:^|\n)\s*Report:\s")


def echoes_prompt(sentence: str) -> bool:
    return bool(_SCAFFOLD.search(sentence))


def _valid(sentence: str, k: int) -> list[int]:
    """The passage numbers a sentence cites validly (none when it echoes the prompt's scaffolding)."""
    if echoes_prompt(sentence):
        return []
    return [n for n in cited_numbers(sentence) if 1 <= n <= k]


def ground(reply: str, k: int) -> Grounded:
    """Keep the sentences citing a real passage (1..k); drop the others; renumber the marks."""
    kept, dropped = [], []
    for sentence in split_sentences(normalize_marks(reply), final=True)[0]:
        (kept if _valid(sentence, k) else dropped).append(sentence)
    if not kept:
        return Grounded("", [], not_found=says_not_found(reply), dropped=dropped)
    text, order = renumber(" ".join(kept), set(range(1, k + 1)))
    return Grounded(text, order, dropped=dropped)


class StreamGrounder:
    """The same check, incrementally: feed text as it streams, get back only checked sentences."""

    def __init__(self, k: int):
        self.k = k
        self.buffer = ""
        self.raw = ""
        self.order: list[int] = []
        self.dropped: list[str] = []
        self.emitted = 0

    def feed(self, delta: str) -> list[str]:
        self.raw += delta
        self.buffer += delta
        done, self.buffer = split_sentences(normalize_marks(self.buffer), final=False)
        return [s for s in map(self._check, done) if s]

    def close(self) -> list[str]:
        done, self.buffer = split_sentences(normalize_marks(self.buffer), final=True)
        return [s for s in map(self._check, done) if s]

    def _check(self, sentence: str) -> str:
        valid = _valid(sentence, self.k)
        if not valid:
            self.dropped.append(sentence)
            return ""
        for n in valid:
            if n not in self.order:
                self.order.append(n)
        new_of = {old: i + 1 for i, old in enumerate(self.order)}

        def sub(m: re.Match) -> str:
            n = int(m.group(1))
            return f"[{new_of[n]}]" if n in new_of else ""

        text = MARK.sub(sub, sentence)
        text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
        self.emitted += 1
        return text

    @property
    def not_found(self) -> bool:
        return not self.order and says_not_found(self.raw)
