"""A small world whose impact figures were worked out by hand (see the comments of each fixture).

The reporting week is Monday 23 to Sunday 29 March 2026: Paris moves to summer time in the night of
Saturday to Sunday 29 March, so the week is 167 hours long. The week before (16–22 March) is the
comparison period. ``NOW`` is well after both: every booking is in the past.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.timeutil import paris_to_utc

WEEK = date(2026, 3, 23)  # Monday; summer time starts on Sunday 29 March at 02:00
PREVIOUS_WEEK = date(2026, 3, 16)
NOW = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return paris_to_utc(day, time(hour, minute))


@dataclass
class World:
    users: dict = field(default_factory=dict)
    spaces: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    bookings: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)


def _space(db, slug, name, kind, units, hours):
    from portal.spaces.models import OpeningHours, Resource, SlotMode, Space, SpaceKind

    space = Space(slug=slug, name=name, kind=SpaceKind(kind), capacity=max(units, 1),
                  slot_mode=SlotMode.HALF_DAY if kind == "desk_area" else SlotMode.GRID)
    for weekday, (opens, closes) in hours.items():
        space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=opens, closes_at=closes))
    for n in range(units):
        space.resources.append(Resource(name=f"{name} {n + 1}", position=n, qr_token=secrets.token_urlsafe(12)))
    db.session.add(space)
    db.session.flush()
    return space


def _booking(db, resource, user, starts, ends, status="confirmed", checked_in=False, guest=None):
    from portal.spaces.models import Booking, BookingStatus

    booking = Booking(resource_id=resource.id, user_id=user.id if user else None, guest_name=guest,
                      booked_by_id=user.id if user else None, starts_at=starts, ends_at=ends,
                      status=BookingStatus(status), checked_in_at=starts if checked_in else None,
                      check_in_token=secrets.token_urlsafe(12), created_at=NOW, updated_at=NOW)
    db.session.add(booking)
    db.session.flush()
    return booking


def _event(db, title, theme, starts, organiser, organisation="", status="published", tags=(), space=None):
    from portal.events.models import Event, EventStatus, Theme

    event = Event(uid=f"{secrets.token_hex(8)}@test", title=title, theme=Theme(theme), tags=list(tags),
                  organiser_id=organiser.id, organisation_name=organisation, starts_at=starts,
                  ends_at=starts + timedelta(hours=2), status=EventStatus(status), address="Les Mureaux",
                  space_id=space.id if space else None, created_at=NOW, updated_at=NOW)
    db.session.add(event)
    db.session.flush()
    return event


def _registration(db, event, status, user=None, guest_email=None, checked_in=False):
    from portal.events.models import Registration, RegistrationStatus

    registration = Registration(
        event_id=event.id, user_id=user.id if user else None, guest_email=guest_email,
        guest_name="Invitée" if guest_email else None, status=RegistrationStatus(status),
        token=secrets.token_urlsafe(16), checked_in_at=event.starts_at if checked_in else None,
        offer_expires_at=event.starts_at if status == "offered" else None, created_at=NOW, updated_at=NOW)
    db.session.add(registration)
    db.session.flush()
    return registration


@pytest.fixture
def world(db, make_user) -> World:
    """Spaces, bookings, events and registrations; the expected figures are in test_indicators.py."""
    from portal.spaces.models import Closure

    w = World()
    for key in ("u1", "u2", "u3", "u4", "u5", "u6", "u7"):
        w.users[key] = make_user(name=f"Résident {key}")
    for key in ("o1", "o2"):
        w.users[key] = make_user(name=f"Organisatrice {key}", roles=("member", "organiser"))
    u = w.users
    weekdays = {d: (time(9), time(17)) for d in range(5)}
    every_day = {d: (time(8), time(20)) for d in range(7)}
    a = w.spaces["A"] = _space(db, "coworking", "Coworking", "desk_area", 2, weekdays)
    b = w.spaces["B"] = _space(db, "salle-b", "Salle B", "meeting_room", 1, every_day)
    desk1, desk2 = a.resources
    (room,) = b.resources
    db.session.add(Closure(space_id=a.id, starts_on=WEEK + timedelta(days=2), ends_on=WEEK + timedelta(days=2),
                           reason="Travaux"))  # Wednesday 25: the coworking only
    db.session.add(Closure(space_id=None, starts_on=WEEK + timedelta(days=5), ends_on=WEEK + timedelta(days=5),
                           reason="Inventaire"))  # Saturday 28: the whole place
    mon, tue, thu, fri, sun = (WEEK + timedelta(days=d) for d in (0, 1, 3, 4, 6))
    bk = w.bookings
    bk["b1"] = _booking(db, desk1, u["u1"], at(mon, 9), at(mon, 17), checked_in=True)
    bk["b2"] = _booking(db, desk2, u["u2"], at(tue, 9), at(tue, 13))
    bk["b3"] = _booking(db, desk1, u["u3"], at(thu, 9), at(thu, 13), status="released")
    bk["b4"] = _booking(db, desk2, u["u1"], at(fri, 13), at(fri, 17), status="cancelled")
    bk["b5"] = _booking(db, room, u["u2"], at(sun, 8), at(sun, 12), checked_in=True)  # first summer-time morning
    bk["b6"] = _booking(db, room, None, at(mon, 14), at(mon, 16), checked_in=True, guest="Passante")
    bk["b7"] = _booking(db, room, u["u3"], at(sun, 23), at(sun + timedelta(days=1), 1))  # runs past the week
    previous_monday, previous_sunday = PREVIOUS_WEEK, PREVIOUS_WEEK + timedelta(days=6)
    bk["b8"] = _booking(db, desk1, u["u1"], at(previous_monday, 9), at(previous_monday, 17), checked_in=True)
    bk["b9"] = _booking(db, room, u["u4"], at(previous_sunday, 23), at(mon, 1), checked_in=True)  # across weeks
    bk["b0"] = _booking(db, desk1, u["u2"], at(date(2026, 2, 2), 9), at(date(2026, 2, 2), 13))  # u2 came before

    ev = w.events
    ev["E1"] = _event(db, "Repas partagé", "vivre_ensemble", at(tue, 18), u["o1"], "Asso A", tags=["cuisine"])
    _registration(db, ev["E1"], "registered", user=u["u1"], checked_in=True)
    _registration(db, ev["E1"], "registered", guest_email="g1@example.org")
    _registration(db, ev["E1"], "waitlisted", user=u["u2"])
    _registration(db, ev["E1"], "cancelled", user=u["u3"])
    ev["E2"] = _event(db, "Forum emploi", "travailler", at(sun, 10), u["o2"], tags=["emploi"], space=b)
    _registration(db, ev["E2"], "registered", user=u["u1"], checked_in=True)
    _registration(db, ev["E2"], "offered", user=u["u5"])
    _registration(db, ev["E2"], "pending", guest_email="G1@example.org")
    _registration(db, ev["E2"], "expired", user=u["u6"])
    ev["E3"] = _event(db, "Visite annulée", "visiter_rencontrer", at(WEEK + timedelta(days=2), 10), u["o1"],
                      status="cancelled")
    _registration(db, ev["E3"], "cancelled", user=u["u7"])
    ev["E4"] = _event(db, "Brouillon", "travailler", at(thu, 10), u["o2"], status="draft")
    ev["E5"] = _event(db, "Café des voisins", "vivre_ensemble", at(PREVIOUS_WEEK + timedelta(days=3), 18), u["o1"],
                      "asso a")
    _registration(db, ev["E5"], "registered", user=u["u2"], checked_in=True)
    ev["E6"] = _event(db, "Atelier CV", "travailler", at(date(2026, 1, 10), 10), u["o2"])
    _registration(db, ev["E6"], "registered", user=u["u1"])
    db.session.commit()
    return w
