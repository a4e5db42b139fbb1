"""Citation numbering and checking. Pure functions.

Numbers follow the order of first use in the answer, and only passages that are actually used
get a number, so every ``[n]`` maps to a citation and every citation is used.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

MARK = re.compile(r"\[(\d{1,3})\]")


def number_sources(keys_in_order: Sequence[str]) -> dict[str, int]:
    """Map each distinct key to 1, 2, ... in order of first appearance."""
    numbers: dict[str, int] = {}
    for key in keys_in_order:
        if key not in numbers:
            numbers[key] = len(numbers) + 1
    return numbers


def cited_numbers(answer: str) -> list[int]:
    return [int(m.group(1)) for m in MARK.finditer(answer)]


def check_citations(answer: str, available: Sequence[int]) -> tuple[set[int], set[int]]:
    """Return (numbers used in the answer without a citation, citations never used)."""
    used = set(cited_numbers(answer))
    have = set(available)
    return used - have, have - used


def renumber(answer: str, valid: set[int]) -> tuple[str, list[int]]:
    """Drop ``[n]`` marks not in ``valid`` and renumber the rest 1.. in order of first use.

    Returns the new text and, for each new number, the old number it came from.
    """
    order: list[int] = []
    for n in cited_numbers(answer):
        if n in valid and n not in order:
            order.append(n)
    new_of = {old: i + 1 for i, old in enumerate(order)}

    def sub(m: re.Match) -> str:
        n = int(m.group(1))
        return f"[{new_of[n]}]" if n in new_of else ""

    text = MARK.sub(sub, answer)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text, order
