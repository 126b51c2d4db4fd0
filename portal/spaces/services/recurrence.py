"""Recurring bookings: the same Paris wall-clock times every N weeks, across DST changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.errors import NotFound
from portal.extensions import db
from portal.payments import hooks as payment_hooks
from portal.spaces import notifications
from portal.spaces.errors import BookingConflict, BookingRefused
from portal.spaces.models import ACTIVE_STATUSES, Booking, BookingSeries, BookingStatus
from portal.spaces.services import bookings as booking_service
from portal.spaces.services import queries, rules
from portal.timeutil import paris_to_utc

MAX_SPAN = timedelta(days=183)  # "six months at most"


@dataclass
class Occurrence:
    day: date
    starts_at: datetime
    ends_at: datetime
    problem: str | None = None  # why it cannot be booked, if it cannot

    @property
    def free(self) -> bool:
        return self.problem is None


def occurrence_days(starts_on: date, until: date, weekdays: set[int], interval_weeks: int) -> list[date]:
    """Dates on the chosen weekdays, every ``interval_weeks`` weeks counted from the first week."""
    first_monday = starts_on - timedelta(days=starts_on.weekday())
    days = []
    day = starts_on
    while day <= until:
        week_index = (day - first_monday).days // 7
        if day.weekday() in weekdays and week_index % interval_weeks == 0:
            days.append(day)
        day += timedelta(days=1)
    return days


def check_series_request(starts_on: date, until: date, start: time, end: time, weekdays: set[int], interval: int) -> None:
    if until < starts_on:
        raise BookingRefused(_l("La date de fin doit être après la première date."), field="until")
    if until - starts_on > MAX_SPAN:
        raise BookingRefused(_l("Une série dure au plus six mois."), field="until")
    if end <= start:
        raise BookingRefused(_l("L'heure de fin doit être après l'heure de début."), field="end_time")
    if not weekdays:
        raise BookingRefused(_l("Cochez au moins un jour."), field="weekdays")
    if not 1 <= interval <= 8:
        raise BookingRefused(_l("Choisissez une fréquence proposée."), field="interval_weeks")


def preview_series(actor: User, *, space_id: int, starts_on: date, until: date, start: time, end: time,
                   weekdays: set[int], interval_weeks: int, now: datetime) -> list[Occurrence]:
    """Every occurrence with the reason it cannot be booked, if any. Changes nothing."""
    check_series_request(starts_on, until, start, end, weekdays, interval_weeks)
    space = queries.get_space(space_id)
    if not actor.is_staff:
        rules.check_may_book(actor, space)
    days = occurrence_days(starts_on, until, weekdays, interval_weeks)
    resources = queries.active_resources(space)
    first, last = paris_to_utc(days[0], time(0)) if days else now, paris_to_utc(days[-1], time(23, 59)) if days else now
    taken = queries.active_bookings_between([r.id for r in resources], first, last)
    occurrences = []
    for day in days:
        occurrence = Occurrence(day, paris_to_utc(day, start), paris_to_utc(day, end))
        try:
            rules.check_times(space, occurrence.starts_at, occurrence.ends_at, now, staff=actor.is_staff)
        except BookingRefused as err:
            occurrence.problem = str(err.message)
        else:
            busy = {b.resource_id for b in taken if b.starts_at < occurrence.ends_at and b.ends_at > occurrence.starts_at}
            if all(r.id in busy for r in resources):
                occurrence.problem = str(_l("déjà réservé"))
        occurrences.append(occurrence)
    return occurrences


def book_series(actor: User, *, space_id: int, starts_on: date, until: date, start: time, end: time,
                weekdays: set[int], interval_weeks: int, title: str, now: datetime) -> tuple[BookingSeries, list[Booking], list[Occurrence]]:
    """Book every free occurrence; the others are reported, not booked."""
    occurrences = preview_series(actor, space_id=space_id, starts_on=starts_on, until=until, start=start, end=end,
                                 weekdays=weekdays, interval_weeks=interval_weeks, now=now)
    series = BookingSeries(user_id=actor.id, space_id=space_id, weekdays=sorted(weekdays),
                           interval_weeks=interval_weeks, local_start=start, local_end=end,
                           starts_on=starts_on, until=until, created_at=now)
    db.session.add(series)
    db.session.flush()
    booked, skipped, to_pay = [], [], []
    space = queries.get_space(space_id)
    if not actor.is_staff:
        rules.check_quota(actor, space, now, adding=len([o for o in occurrences if o.free]))
    for occurrence in occurrences:
        if not occurrence.free:
            skipped.append(occurrence)
            continue
        try:
            booked.append(booking_service.create_booking(
                actor, space_id=space_id, starts_at=occurrence.starts_at, ends_at=occurrence.ends_at,
                now=now, title=title, series=series, notify=False, quota_checked=True, series_payment=to_pay))
        except (BookingConflict, BookingRefused) as err:
            occurrence.problem = str(err.message)
            skipped.append(occurrence)
    if not booked:
        raise BookingRefused(_l("Aucune date de la série n'est libre : rien n'a été réservé."), field="starts_on")
    payment_hooks.series_booked(actor, to_pay, now=now)
    # Dates awaiting payment are announced once paid; dates awaiting approval, once decided.
    notifications.series_booked([b for b in booked if b.status == BookingStatus.CONFIRMED], skipped=skipped,
                                now=now)
    return series, booked, skipped


def cancel_rest_of_series(actor: User, booking: Booking, *, now: datetime) -> int:
    """Cancel this occurrence and every later one of its series. Returns how many."""
    if booking.series_id is None:
        raise NotFound(_l("Cette réservation ne fait pas partie d'une série."))
    if not actor.is_staff and booking.user_id != actor.id:
        raise NotFound(_l("Cette réservation n'existe pas."))
    later = db.session.scalars(
        select(Booking).where(
            Booking.series_id == booking.series_id,
            Booking.starts_at >= booking.starts_at,
            Booking.status.in_(ACTIVE_STATUSES),
        ).order_by(Booking.starts_at)
    ).all()
    count = 0
    for item in later:
        try:
            booking_service.cancel_booking(actor, item, now=now, notify=False)
        except BookingRefused:
            continue
        count += 1
    return count
