"""What every calendar the portal publishes shares: PRODID, the Paris VTIMEZONE, the header."""
from __future__ import annotations

from functools import lru_cache

from icalendar import Calendar, Timezone

PRODID = "-//PTCE Vivre Les Mureaux//Portail des Chrysalides//FR"

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


END = b"END:VCALENDAR\r\n"


@lru_cache(maxsize=64)
def _frame(name: str) -> bytes:
    return new_calendar(name).to_ical()[: -len(END)]


def calendar_bytes(name: str, components) -> bytes:
    """``new_calendar(name)`` holding ``components``, serialised: the same bytes as adding them
    and calling ``to_ical()``, with the header and VTIMEZONE serialised once per name.

    The components' times must be Paris times or dates: no other VTIMEZONE is added.
    """
    return _frame(name) + b"".join(component.to_ical() for component in components) + END
