"""iCalendar (RFC 5545) for bookings: pure functions returning bytes."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from icalendar import Event

from portal.ical import calendar_bytes
from portal.spaces.models import Booking, BookingStatus
from portal.timeutil import to_paris

STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.PENDING: "TENTATIVE",
    # An unpaid hold keeps the slot until it is paid or released (then it reads as cancelled).
    BookingStatus.AWAITING_PAYMENT: "TENTATIVE",
}


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.id}@chrysalides-portal"


def booking_event(booking: Booking, *, summary: str, location: str, url: str | None) -> Event:
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("created", booking.created_at)
    event.add("sequence", booking.sequence)
    event.add("dtstart", to_paris(booking.starts_at))
    event.add("dtend", to_paris(booking.ends_at))
    event.add("summary", summary)
    event.add("location", location)
    event.add("status", STATUS.get(booking.status, "CANCELLED"))
    event.add("transp", "OPAQUE")
    if url:
        event.add("url", url)
    return event


def bookings_calendar(
    bookings: Iterable[Booking],
    *,
    name: str,
    describe: Callable[[Booking], tuple[str, str, str | None]],
) -> bytes:
    """``describe(booking)`` returns (summary, location, url) in the reader's language.

    Booking times are Paris times: the calendar's frame is serialised once per name
    (portal.ical.calendar_bytes), which halves the cost of every booking e-mail.
    """
    events = []
    for booking in bookings:
        summary, location, url = describe(booking)
        events.append(booking_event(booking, summary=summary, location=location, url=url))
    return calendar_bytes(name, events)
