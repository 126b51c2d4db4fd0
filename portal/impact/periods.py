"""Reporting periods: calendar month, quarter, year or custom dates, and the period before each.

Dates are Paris calendar days; ``end`` is exclusive. The UTC instants of the bounds come from
portal.timeutil, so a period holding a daylight-saving change is 23 or 25 hours longer or shorter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.timeutil import paris_to_utc

KINDS = ("month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def utc_start(self) -> datetime:
        return paris_to_utc(self.start, time(0))

    @property
    def utc_end(self) -> datetime:
        return paris_to_utc(self.end, time(0))

    def previous(self) -> Period:
        if self.kind == "custom":
            return Period("custom", self.start - timedelta(days=self.days), self.start)
        return containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        if self.kind == "custom":
            return Period("custom", self.end, self.end + timedelta(days=self.days))
        return containing(self.kind, self.end)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def containing(kind: str, day: date) -> Period:
    """The calendar month, quarter or year holding ``day``."""
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    if kind == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ValueError(kind)


def custom(first: date, last: date) -> Period:
    """From ``first`` to ``last``, both included."""
    if last < first:
        raise ValueError("last before first")
    if (last - first).days >= MAX_CUSTOM_DAYS:
        raise ValueError("too long")
    return Period("custom", first, last + timedelta(days=1))


def months_of(period: Period) -> list[Period]:
    """The calendar months a period touches, clipped to it (for monthly series)."""
    out, start = [], period.start
    while start < period.end:
        end = min(_add_months(start.replace(day=1), 1), period.end)
        out.append(Period("month", start, end))
        start = end
    return out
