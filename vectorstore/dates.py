"""Report dates as ranges of sortable day numbers, for filtering in the store.

A report's date keeps the precision it was given (``2021``, ``2021-04``, ``2021-04-15``), so it
stands for a range of days: ``2021-04`` is 1-30 April 2021. The store writes that range on every
passage and sentence as two integers, ``date_lo`` and ``date_hi`` (``YYYYMMDD``), which Chroma can
compare with ``$gte`` / ``$lte``. A filter bound is read the same way, and the rule is *overlap*:
a report matches ``since`` when its range ends on or after the first day of ``since``, and
``until`` when its range starts on or before the last day of ``until``. So ``2021-04`` matches
``since: "2021-04-15"`` and ``until: "2021-04-01"`` (part of April is inside each), and ``2021``
matches ``since: "2021-12"``.
"""
from __future__ import annotations

import calendar
import re

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

# An undated report gets an empty range (lo > hi): no date bound can match it, while the same
# two keys still exist, so one ``where`` serves dated and undated reports alike.
UNDATED = (99999999, 0)


def day_range(date: str) -> tuple[int, int] | None:
    """``YYYY[-MM[-DD]]`` -> (first day, last day) as YYYYMMDD integers; None if it is not such a date."""
    m = _ISO.match((date or "").strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month is None:
        return year * 10000 + 101, year * 10000 + 1231
    mon = int(month)
    if not 1 <= mon <= 12:
        return None
    last = calendar.monthrange(year, mon)[1]
    if day is None:
        return year * 10000 + mon * 100 + 1, year * 10000 + mon * 100 + last
    d = int(day)
    if not 1 <= d <= last:
        return None
    n = year * 10000 + mon * 100 + d
    return n, n


def report_range(date: str) -> tuple[int, int]:
    """The stored range of a report's date: its days, or :data:`UNDATED` when it has no readable date."""
    return day_range(date) or UNDATED
