"""Factories shared by the events tests (tests/events/*): organisers, events and series made through
the services, exactly as the organiser pages make them.

Service tests use the fixed instant NOW (Monday 15 June 2026, 10:00 in Paris) and the default day,
a week later. Page tests read the real clock: they pass ``now=real_now()`` and a day at least
three days ahead (the ``upcoming_day`` fixture).

Also here, for every test of this folder: ``make_space`` (from tests/spaces/conftest.py), a
``login(user)`` fixture giving a logged-in client of its own, and an upload folder of its own.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.timeutil import paris_to_utc, paris_today
from tests.conftest import AuthActions
from tests.spaces.conftest import make_space  # noqa: F401  (a fixture, re-exported for tests/events)
from tests.support import page

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)  # Monday 15 June 2026, 10:00 in Paris (UTC+2)
EVENT_DAY = date(2026, 6, 22)  # the Monday after: the default day of make_event with now=NOW
ADDRESS = "Place de la Mairie, 78130 Les Mureaux"
EVERY_DAY = {weekday: (time(8, 0), time(22, 0)) for weekday in range(7)}  # hours for make_space(hours=...)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of a Paris wall-clock time."""
    return paris_to_utc(day, time(hour, minute))


def real_now() -> datetime:
    return datetime.now(UTC)


def fresh(db) -> None:
    """End the test's own transaction: the next read sees what requests (or a server) committed."""
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture
def upcoming_day() -> date:
    """For page tests: a Paris day five days ahead of the real clock."""
    return paris_today(real_now()) + timedelta(days=5)


@pytest.fixture
def make_organiser(make_user):
    """Factory: make_organiser(trusted=True, roles=("member", "organiser"), **make_user arguments).

    A trusted organiser publishes at once; an untrusted one submits for moderation.
    """
    from portal.extensions import db

    def factory(*, trusted: bool = True, roles=("member", "organiser"), **kwargs):
        user = make_user(roles=roles, **kwargs)
        user.trusted_organiser = trusted
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_series(db, make_organiser):
    """Factory: make_series(recurrence, **make_event arguments) → the occurrences (list of Event)."""
    from portal.events.models import EventAudience, RegistrationMode, Theme
    from portal.events.services import events as event_service
    from portal.events.services.events import EventData

    counter = iter(range(1, 10_000))

    def factory(recurrence=None, *, organiser=None, title=None, day: date | None = None, start: time = time(18),
                end: time = time(20), starts_at: datetime | None = None, ends_at: datetime | None = None,
                space=None, status: str = "published", now: datetime = NOW, **fields):
        n = next(counter)
        db.session.commit()  # hold no SQLite read transaction from before a request's write
        organiser = organiser or make_organiser(name=f"Organisatrice {n}")
        day = day or paris_today(now) + timedelta(days=7)
        values = {
            "title": title or f"Atelier {n}",
            "theme": Theme.LIVING_TOGETHER,
            "starts_at": starts_at or paris_to_utc(day, start),
            "ends_at": ends_at or paris_to_utc(day, end),
            "space_id": space.id if space is not None else None,
            "address": "" if space is not None else ADDRESS,
            "audience": EventAudience.PUBLIC,
            "registration_mode": RegistrationMode.FREE if fields.get("capacity") else RegistrationMode.NONE,
            "languages": ["fr"],
            **fields,
        }
        created = event_service.create_event(organiser, EventData(**values), now=now, recurrence=recurrence)
        if status != "draft":
            event_service.publish(organiser, created[0], now=now)
            if created[0].status.value != status:
                raise ValueError(f"publishing as {organiser.email} gave {created[0].status.value}, not {status}: "
                                 "pass a trusted organiser for 'published', an untrusted one for 'submitted'")
        db.session.commit()
        return created

    return factory


@pytest.fixture
def make_event(make_series):
    """Factory: make_event(organiser=None, title=None, day=None, start=18:00, end=20:00, space=None,
    status="published", now=NOW, **EventData fields) → Event.

    By default: a public event by a new trusted organiser, at an address, a week after ``now``,
    18:00–20:00 Paris; with ``capacity`` registration is free (mode "free"), without it there is
    none. ``status`` is "published" (trusted organiser), "submitted" (pass an untrusted one) or "draft".
    ``starts_at``/``ends_at`` replace day/start/end. Committed, so requests see it.
    """

    def factory(**kwargs):
        return make_series(None, **kwargs)[0]

    return factory


@pytest.fixture
def login(app, db):
    """login(user) → a test client of its own, logged in as that user."""

    def log_in(user):
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, page(response)
        fresh(db)
        return client

    return log_in


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    """Event images go to a folder of this test, not to the instance folder."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder
