"""iCalendar (RFC 5545) for events: pure functions returning bytes.

Each occurrence of a series is its own VEVENT with its own UID: the feeds
show exactly what the pages show, occurrence by occurrence.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from icalendar import Event as VEvent

from portal.events.models import Event, EventAudience, EventStatus
from portal.events.sanitize import plain_text
from portal.ical import calendar_bytes
from portal.timeutil import to_paris
from portal.urls import absolute_url

THEME_LABELS = {
    "vivre_ensemble": _l("Vivre ensemble"),
    "travailler": _l("Travailler"),
    "visiter_rencontrer": _l("Visiter / Rencontrer"),
}


def location_of(event: Event) -> str:
    if event.space is not None:
        return str(_l("Les Chrysalides, Les Mureaux — %(space)s", space=event.space.name))
    return event.address


def event_component(event: Event) -> VEvent:
    component = VEvent()
    component.add("uid", event.uid)
    component.add("dtstamp", event.updated_at)
    component.add("last-modified", event.updated_at)
    component.add("created", event.created_at)
    component.add("sequence", event.sequence)
    if event.all_day:
        first = to_paris(event.starts_at).date()
        last = to_paris(event.ends_at - timedelta(seconds=1)).date()
        component.add("dtstart", first)
        component.add("dtend", last + timedelta(days=1))
    else:
        component.add("dtstart", to_paris(event.starts_at))
        component.add("dtend", to_paris(event.ends_at))
    summary = event.title
    if event.status == EventStatus.CANCELLED:
        summary = str(_l("Annulé : %(title)s", title=event.title))
    component.add("summary", summary)
    url = absolute_url("events.show_event", event_id=event.id)
    description = plain_text(event.description_html)
    if event.cancellation_message:
        description = f"{event.cancellation_message}\n\n{description}"
    component.add("description", f"{description}\n\n{url}".strip())
    component.add("location", location_of(event))
    component.add("url", url)
    component.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    component.add("categories", [str(THEME_LABELS[event.theme.value]), *event.tags])
    component.add("class", "PUBLIC" if event.audience == EventAudience.PUBLIC else "PRIVATE")
    component.add("transp", "OPAQUE")
    if event.organisation_name:
        component.add("organizer", "mailto:ne-pas-repondre@chrysalides.example",
                      parameters={"CN": event.organisation_name})
    return component


def events_calendar(events: Iterable[Event], *, name: str) -> bytes:
    # Paris times and dates only: the frame with its VTIMEZONE is serialised once per name.
    return calendar_bytes(name, [event_component(event) for event in events])
