"""Which reports a question may search: a date range, outlets, report ids. Pure, no I/O.

One :class:`ReportFilter` is applied in both halves of retrieval — as a Chroma ``where`` on the
sentence metadata (:meth:`ReportFilter.where`) and as the set of reports the keyword index may
score — so a filtered question gets its best sentences *among* the matching reports instead of
the best overall with the others dropped afterwards.

Dates compare as ranges by overlap (see :mod:`vectorstore.dates`): a report dated ``2021-04``
matches ``since: "2021-04-15"``; an undated report never matches a date bound.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vectorstore.dates import day_range


@dataclass(frozen=True)
class ReportFilter:
    since: str | None = None  # YYYY[-MM[-DD]], inclusive
    until: str | None = None
    outlets: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, since: str | None = None, until: str | None = None, outlets: Iterable[str] = (),
           doc_ids: Iterable[str] = ()) -> "ReportFilter":
        """Checked construction: ValueError on an unreadable date or ``since`` after ``until``."""
        for name, value in (("since", since), ("until", until)):
            if value is not None and day_range(value) is None:
                raise ValueError(f"{name}: {value!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
        flt = cls(since or None, until or None, tuple(dict.fromkeys(outlets)), tuple(dict.fromkeys(doc_ids)))
        if flt.since and flt.until and flt.lo > flt.hi:
            raise ValueError(f"since ({since}) is after until ({until})")
        return flt

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.outlets or self.doc_ids)

    @property
    def lo(self) -> int:
        """First day a matching report may end on (0: no lower bound)."""
        return day_range(self.since)[0] if self.since else 0

    @property
    def hi(self) -> int:
        """Last day a matching report may start on (99991231: no upper bound)."""
        return day_range(self.until)[1] if self.until else 99991231

    def matches(self, doc_id: str, date: str, outlet: str) -> bool:
        """Does a report pass? The same rule as :meth:`where`, for the keyword index and listings."""
        if self.doc_ids and doc_id not in self.doc_ids:
            return False
        if self.outlets and outlet not in self.outlets:
            return False
        if self.since or self.until:
            rng = day_range(date)
            if rng is None or rng[1] < self.lo or rng[0] > self.hi:
                return False
        return True

    def where(self) -> dict | None:
        """The Chroma ``where`` on the keys :func:`vectorstore.store.filter_metadata` writes."""
        parts: list[dict] = []
        if self.since:
            parts.append({"date_hi": {"$gte": self.lo}})
        if self.until:
            parts.append({"date_lo": {"$lte": self.hi}})
        if self.outlets:
            parts.append({"outlet": {"$in": list(self.outlets)}})
        if self.doc_ids:
            parts.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def describe(self) -> str:
        """'from Daily NK dated 2024 or later': how a refusal names what was searched."""
        bits = []
        if self.outlets:
            bits.append("from " + _join(self.outlets))
        if self.since and self.until:
            bits.append(f"dated {self.since} to {self.until}")
        elif self.since:
            bits.append(f"dated {self.since} or later")
        elif self.until:
            bits.append(f"dated {self.until} or earlier")
        if self.doc_ids:
            bits.append("among the " + ("chosen report" if len(self.doc_ids) == 1 else f"{len(self.doc_ids)} chosen reports"))
        return " ".join(bits)


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


NO_FILTER = ReportFilter()


def refusal(flt: ReportFilter, any_report: bool) -> str:
    """The refusal when a filter was set: say that the filter, not the corpus, left nothing."""
    if not any_report:
        return f"No ingested report matches the filter (reports {flt.describe()}): there was nothing to search."
    return f"No report {flt.describe()} covers this."
