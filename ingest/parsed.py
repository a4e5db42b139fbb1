"""What every reader returns, and the one error type readers raise. No dependencies, so any
reader module can import it without pulling in the others."""
from __future__ import annotations

from dataclasses import dataclass, field


class ReportError(ValueError):
    """A report that cannot be ingested; the message is one line meant for the user."""


@dataclass
class ParsedReport:
    """A report as read, before cleaning and chunking.

    ``body`` is "report markdown": blocks separated by blank lines; ``#``..``######`` heading
    lines; ``- `` / ``1. `` list items; ``| a | b |`` table rows; ``Caption: `` figure captions;
    PDF pages separated by a form feed. Plain .txt/.md bodies are passed as written.
    ``meta`` keys: title, date (YYYY[-MM[-DD]]), source, outlet, author.
    """

    body: str
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
