"""E-mails about bookings, queued in the outbox in the recipient's language."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.mail.services import Attachment, queue_email
from portal.spaces import ical
from portal.spaces.models import Booking, BookingStatus
from portal.urls import absolute_url


def describe(booking: Booking) -> tuple[str, str, str | None]:
    """Summary, location and link of a booking, in the current locale."""
    space = booking.resource.space
    summary = str(_l("Réservation : %(space)s", space=space.name))
    if booking.title:
        summary = f"{summary} — {booking.title}"
    if space.is_desk_area:
        summary = f"{summary} ({booking.resource.name})"
    location = str(_l("Les Chrysalides, Les Mureaux — %(space)s", space=space.name))
    if space.floor:
        location = f"{location}, {space.floor}"
    return summary, location, absolute_url("spaces.show_booking", booking_id=booking.id)


def ics_attachment(booking: Booking, language: str) -> Attachment:
    with force_locale(language):
        data = ical.bookings_calendar([booking], name=str(_l("Mes réservations")), describe=describe)
    return Attachment(filename="reservation.ics", content_type="text/calendar; method=PUBLISH", data=data)


def _send(booking: Booking, *, subject, template: str, now: datetime, attach: bool = False, **context) -> None:
    user = booking.user
    if user is None:  # booked at the reception for someone without e-mail
        return
    language = user.preferred_language
    queue_email(
        to=user.email,
        subject=subject,
        template=f"spaces/{template}",
        language=language,
        now=now,
        attachments=[ics_attachment(booking, language)] if attach else None,
        booking=booking,
        space=booking.resource.space,
        user=user,
        booking_url=absolute_url("spaces.show_booking", booking_id=booking.id),
        **context,
    )


def booking_created(booking: Booking, *, now: datetime) -> None:
    if booking.status == BookingStatus.PENDING:
        _send(booking, subject=_l("Demande de réservation reçue"), template="booking_pending", now=now)
    else:
        _send(booking, subject=_l("Réservation confirmée"), template="booking_confirmed", now=now, attach=True)


def booking_cancelled(booking: Booking, *, now: datetime) -> None:
    _send(booking, subject=_l("Réservation annulée"), template="booking_cancelled", now=now, attach=True)


def booking_decided(booking: Booking, *, now: datetime) -> None:
    if booking.status == BookingStatus.CONFIRMED:
        _send(booking, subject=_l("Réservation acceptée"), template="booking_confirmed", now=now, attach=True)
    else:
        _send(booking, subject=_l("Réservation refusée"), template="booking_declined", now=now)


def booking_reminder(booking: Booking, *, now: datetime) -> None:
    _send(booking, subject=_l("Rappel : votre réservation de demain"), template="booking_reminder", now=now)


def series_booked(bookings: list[Booking], *, skipped: list | None = None, now: datetime) -> None:
    """One e-mail for the dates of a recurring booking, with one calendar file holding them all."""
    if not bookings or bookings[0].user is None:
        return
    user, space = bookings[0].user, bookings[0].resource.space
    language = user.preferred_language
    with force_locale(language):
        data = ical.bookings_calendar(bookings, name=str(_l("Mes réservations")), describe=describe)
    queue_email(
        to=user.email, subject=_l("Réservation récurrente confirmée : %(space)s", space=space.name),
        template="spaces/series_booked", language=language, now=now,
        attachments=[Attachment(filename="reservations.ics", content_type="text/calendar; method=PUBLISH", data=data)],
        user=user, space=space, bookings=bookings, skipped=skipped or [],
        bookings_url=absolute_url("spaces.my_bookings"),
    )
