"""Conditional aggregation over several periods in one statement."""
from __future__ import annotations

from collections.abc import Sequence
from sqlalchemy import and_, case, func, literal

from portal.db import UtcDateTime
from portal.impact.periods import Period


def instant(value):
    return literal(value, UtcDateTime)


def in_period(column, period: Period):
    return and_(column >= instant(period.utc_start), column < instant(period.utc_end))


def count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def distinct_if(condition, value):
    return func.count(func.distinct(case((condition, value), else_=None)))


def span(periods: Sequence[Period]):
    """The UTC instants covering every period."""
    return min(p.utc_start for p in periods), max(p.utc_end for p in periods)


def per_period(row, prefix: str, count: int) -> list:
    return [row[f"{prefix}_{i}"] or 0 for i in range(count)]


def period_index(column, periods: Sequence[Period]):
    """Which period a moment falls in (0 for the first), NULL when in none."""
    return case(*[(in_period(column, p), i) for i, p in enumerate(periods)], else_=None)
