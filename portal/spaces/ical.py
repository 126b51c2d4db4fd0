"""iCalendar (RFC 5545) for bookings: pure functions returning bytes."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from icalendar import Calendar, Event, Timezone

from portal.spaces.models import Booking, BookingStatus
from portal.timeutil import to_paris

PRODID = "-//PTCE Vivre Les Mureaux//Portail des Chrysalides//FR"
STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.PENDING: "TENTATIVE",
}


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.id}@chrysalides-portal"


# Europe/Paris as calendar clients expect it: one yearly rule per change (the EU rule,
# in force since 1996). icalendar's Timezone.from_tzid lists every change in one
# multi-valued RDATE, which is valid RFC 5545 but which ical.js (Thunderbird) and
# vobject read as its first value only: they then showed summer times an hour off.
PARIS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
DTSTART:19960331T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
"""


@lru_cache(maxsize=1)
def vtimezone() -> Timezone:
    """The VTIMEZONE every feed carries, parsed once per process."""
    return Timezone.from_ical(PARIS_VTIMEZONE)


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(vtimezone())
    return calendar


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
    """``describe(booking)`` returns (summary, location, url) in the reader's language."""
    calendar = new_calendar(name)
    for booking in bookings:
        summary, location, url = describe(booking)
        calendar.add_component(booking_event(booking, summary=summary, location=location, url=url))
    calendar.add_missing_timezones()  # any other zone an event may use
    return calendar.to_ical()



