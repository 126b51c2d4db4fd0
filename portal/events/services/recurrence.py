"""Occurrences of a recurring event, computed in Paris wall-clock time (DST-proof)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

MAX_OCCURRENCES = 104
FREQUENCIES = ("weekly", "monthly_date", "monthly_weekday")


@dataclass(frozen=True)
class Recurrence:
    frequency: str
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    count: int | None = None


def check_recurrence(rule: Recurrence, first: date) -> None:
    if rule.frequency not in FREQUENCIES:
        raise DomainError(_l("Choisissez une fréquence proposée."), field="frequency")
    if not 1 <= rule.interval <= 12:
        raise DomainError(_l("L'intervalle va de 1 à 12."), field="interval")
    if rule.until is None and not rule.count:
        raise DomainError(_l("Indiquez une date de fin ou un nombre de séances."), field="until")
    if rule.until is not None and rule.until < first:
        raise DomainError(_l("La date de fin doit être après la première séance."), field="until")
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        raise DomainError(_l("Une série compte au plus %(max)s séances.", max=MAX_OCCURRENCES), field="count")


def occurrence_days(first: date, rule: Recurrence) -> list[date]:
    """The dates of the series, the first one included."""
    check_recurrence(rule, first)
    start = datetime.combine(first, time(12))
    until = datetime.combine(rule.until, time(23, 59)) if rule.until else None
    if rule.frequency == "weekly":
        days = rule.weekdays or (first.weekday(),)
        dates = rrule(WEEKLY, interval=rule.interval, byweekday=days, dtstart=start, until=until,
                      count=rule.count, wkst=0)
    elif rule.frequency == "monthly_date":
        dates = rrule(MONTHLY, interval=rule.interval, bymonthday=first.day, dtstart=start, until=until,
                      count=rule.count)
    else:  # the same weekday of the month: 2nd Tuesday, or last Friday for a last week
        nth = (first.day - 1) // 7 + 1
        if nth >= 4 and (first.day + 7) > _days_in_month(first):
            nth = -1
        dates = rrule(MONTHLY, interval=rule.interval, byweekday=weekday(first.weekday(), nth), dtstart=start,
                      until=until, count=rule.count)
    days = [d.date() for d in dates][:MAX_OCCURRENCES]
    if not days or days[0] != first:
        days = [first, *[d for d in days if d != first]][:rule.count or MAX_OCCURRENCES]
    return days


def _days_in_month(day: date) -> int:
    import calendar

    return calendar.monthrange(day.year, day.month)[1]
