"""Factories for the bookings tests: spaces with their desks or room, opening hours and rules."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.timeutil import paris_to_utc

MONDAY = date(2026, 6, 15)  # the reference week: Monday 15 June 2026 (summer time, UTC+2)
NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)  # 10:00 in Paris that Monday
DEFAULT_HOURS = {weekday: (time(8, 30), time(19, 0)) for weekday in range(6)}  # Monday to Saturday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of a Paris wall-clock time."""
    return paris_to_utc(day, time(hour, minute))


@pytest.fixture
def make_space(db):
    """Factory: make_space(kind="desk_area", desks=3, slot_mode=..., requires_approval=..., hours=..., **rules).

    ``hours`` maps a weekday (0 = Monday) to (opens, closes); missing days are closed.
    Other keyword arguments are the space's rules (max_days_ahead, slot_minutes, bookable_by...).
    """
    from portal.spaces.services.admin import save_space

    counter = iter(range(1, 10_000))

    def factory(*, kind="meeting_room", desks=1, slot_mode=None, requires_approval=False, hours=None,
                name=None, capacity=None, bookable_by="members", **rules):
        n = next(counter)
        # End the test's own transaction first: on SQLite a read begun before a request
        # wrote (a log-in, say) could not be turned into a write.
        db.session.commit()
        hours = DEFAULT_HOURS if hours is None else hours
        data = {
            "slug": f"espace-{n}",
            "name": name or f"Espace {n}",
            "kind": kind,
            "capacity": capacity or (desks if kind == "desk_area" else 8),
            "desks": desks,
            "bookable_by": bookable_by,
            "slot_mode": slot_mode or ("half_day" if kind == "desk_area" else "grid"),
            "requires_approval": requires_approval,
            "active": True,
            **rules,
        }
        space = save_space(None, data, [hours.get(weekday, (None, None)) for weekday in range(7)])
        db.session.commit()
        return space

    return factory
