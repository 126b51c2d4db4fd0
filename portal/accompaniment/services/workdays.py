"""Working days in France: Monday to Friday, minus the national public holidays.

The holidays are computed (Easter from dateutil) rather than listed, so the
rule holds for any year without a yearly update.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateutil.easter import easter

from portal.timeutil import paris_to_utc, paris_today


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    sunday = easter(year)
    return frozenset({
        date(year, 1, 1),  # Jour de l'an
        sunday + timedelta(days=1),  # lundi de Pâques
        date(year, 5, 1),  # fête du Travail
        date(year, 5, 8),  # Victoire 1945
        sunday + timedelta(days=39),  # Ascension
        sunday + timedelta(days=50),  # lundi de Pentecôte
        date(year, 7, 14),  # fête nationale
        date(year, 8, 15),  # Assomption
        date(year, 11, 1),  # Toussaint
        date(year, 11, 11),  # Armistice
        date(year, 12, 25),  # Noël
    })


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in french_public_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def first_contact_deadline(submitted_at: datetime, working_days: int) -> datetime:
    """End (Paris midnight) of the N-th working day after the day of submission."""
    last_day = add_working_days(paris_today(submitted_at), working_days)
    return paris_to_utc(last_day + timedelta(days=1), time(0))


def working_days_between(first: date, last: date) -> int:
    """Working days in (first, last]: how late a request is, in days the team could have worked."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
