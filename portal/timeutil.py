"""Europe/Paris at the edges, UTC inside."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_datetime(day: date, at: time) -> datetime:
    """The aware instant of a Paris wall-clock time (first occurrence when ambiguous)."""
    local = datetime.combine(day, at, tzinfo=PARIS)
    # A time skipped by the spring change does not exist: move it past the gap.
    round_trip = local.astimezone(UTC).astimezone(PARIS)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        local = round_trip
    return local


def paris_to_utc(day: date, at: time) -> datetime:
    return paris_datetime(day, at).astimezone(UTC)


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC start and end of a Paris calendar day (23, 24 or 25 hours long)."""
    return paris_to_utc(day, time(0)), paris_to_utc(day + timedelta(days=1), time(0))
