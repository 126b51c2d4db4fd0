"""The rules a booking request must satisfy before the database is asked to hold it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.spaces.errors import BookingRefused
from portal.spaces.models import ACTIVE_STATUSES, MAX_BOOKING_LENGTH, Audience, Booking, Resource, Space
from portal.spaces.services import queries
from portal.spaces.services.availability import hours_for, slot_bounds, slot_open
from portal.timeutil import to_paris

AUDIENCE_ROLES = {
    Audience.MEMBERS: (Role.MEMBER, Role.ORGANISER, Role.STAFF, Role.ADMIN),
    Audience.ORGANISERS: (Role.ORGANISER, Role.STAFF, Role.ADMIN),
    Audience.STAFF: (Role.STAFF, Role.ADMIN),
}


def may_book(user: User, space: Space) -> bool:
    return user.has_role(*AUDIENCE_ROLES[space.bookable_by])


def check_may_book(user: User, space: Space) -> None:
    if not may_book(user, space):
        raise BookingRefused(_l("Cet espace est réservé à d'autres publics. Adressez-vous à l'accueil."), field="space_id")


def check_times(space: Space, starts_at: datetime, ends_at: datetime, now: datetime, *, staff: bool) -> None:
    """Opening hours, closures, the slot grid, duration and booking window."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise BookingRefused(_l("Indiquez l'heure avec son fuseau horaire."), field="starts_at")
    if ends_at <= starts_at:
        raise BookingRefused(_l("La fin doit être après le début."), field="ends_at")
    local_start, local_end = to_paris(starts_at), to_paris(ends_at)
    day = local_start.date()
    if local_end.date() != day:
        raise BookingRefused(_l("Une réservation commence et finit le même jour."), field="ends_at")
    hours = check_open_during(space, local_start, local_end)
    if not _on_grid(space, hours, starts_at, ends_at):
        raise BookingRefused(_l("Choisissez un des créneaux proposés pour cet espace."), field="starts_at")
    if ends_at - starts_at > timedelta(minutes=space.max_duration_minutes):
        raise BookingRefused(
            _l("Une réservation de cet espace dure au plus %(hours)s h.", hours=round(space.max_duration_minutes / 60, 1)),
            field="ends_at",
        )
    if ends_at <= now:
        raise BookingRefused(_l("Ce créneau est déjà passé."), field="starts_at")
    if not slot_open(space, starts_at, ends_at, now, staff=staff):
        if starts_at > now:
            raise BookingRefused(
                _l("Cet espace se réserve au plus %(days)s jours à l'avance et au moins %(minutes)s minutes avant.",
                   days=space.max_days_ahead, minutes=space.min_notice_minutes),
                field="starts_at",
            )
        raise BookingRefused(_l("Ce créneau a déjà commencé."), field="starts_at")


def check_event_times(space: Space, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """An event in a space: inside the opening hours of each day it covers, never on a closed day."""
    if ends_at <= starts_at:
        raise BookingRefused(_l("La fin doit être après le début."), field="ends_at")
    if ends_at <= now:
        raise BookingRefused(_l("Ce créneau est déjà passé."), field="starts_at")
    local_start, local_end = to_paris(starts_at), to_paris(ends_at)
    if local_end.date() != local_start.date():
        raise BookingRefused(_l("Un événement dans un espace des Chrysalides commence et finit le même jour."),
                             field="ends_at")
    check_open_during(space, local_start, local_end)


def check_open_during(space: Space, local_start: datetime, local_end: datetime):
    """The space is open, not closed that day, and its hours cover the Paris times. Returns the hours."""
    day = local_start.date()
    closure = queries.closure_for(space.id, day, queries.closures_between(day, day, [space.id]))
    if closure is not None:
        raise BookingRefused(_l("%(space)s est fermé ce jour-là : %(reason)s.", space=space.name, reason=closure.reason), field="starts_at")
    hours = hours_for(space, day)
    if hours is None:
        raise BookingRefused(_l("%(space)s est fermé ce jour de la semaine.", space=space.name), field="starts_at")
    if local_start.time() < hours.opens_at or local_end.time() > hours.closes_at:
        raise BookingRefused(
            _l("%(space)s est ouvert de %(opens)s à %(closes)s ce jour-là.", space=space.name,
               opens=hours.opens_at.strftime("%H:%M"), closes=hours.closes_at.strftime("%H:%M")),
            field="starts_at",
        )
    return hours


def _on_grid(space: Space, hours, starts_at: datetime, ends_at: datetime) -> bool:
    day = to_paris(starts_at).date()
    bounds = slot_bounds(space, day, hours)
    if space.slot_mode.value == "half_day":
        return any(start == starts_at and end == ends_at for start, end, _part in bounds)
    starts = {start for start, _end, _part in bounds}
    ends = {end for _start, end, _part in bounds}
    return starts_at in starts and ends_at in ends


def check_quota(user: User, space: Space, now: datetime, *, adding: int = 1) -> None:
    count = db.session.scalar(
        select(func.count(Booking.id))
        .join(Resource, Resource.id == Booking.resource_id)
        .where(
            Booking.user_id == user.id,
            Resource.space_id == space.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.ends_at > now,
            # Implied by the line above (no booking is longer): keeps the scan to upcoming bookings.
            Booking.starts_at > now - MAX_BOOKING_LENGTH,
        )
    )
    if count + adding > space.max_active_bookings:
        raise BookingRefused(
            _l("Vous avez déjà %(count)s réservations à venir pour %(space)s, le maximum est %(max)s.",
               count=count, space=space.name, max=space.max_active_bookings),
            field="starts_at",
        )


def check_cancellable(booking: Booking, now: datetime, *, staff: bool) -> None:
    if not booking.is_active:
        raise BookingRefused(_l("Cette réservation est déjà annulée."))
    if booking.ends_at <= now:
        raise BookingRefused(_l("Cette réservation est terminée."))
    if staff:
        return
    deadline = booking.starts_at - timedelta(hours=booking.resource.space.cancellation_deadline_hours)
    if now > deadline:
        raise BookingRefused(
            _l("Cette réservation ne peut plus être annulée en ligne (au plus tard %(hours)s h avant). Contactez l'accueil.",
               hours=booking.resource.space.cancellation_deadline_hours)
        )
