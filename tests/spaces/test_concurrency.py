"""Never twice, under real concurrency: a gunicorn server with three worker processes,
requests released together by a barrier from many threads, each its own logged-in person.

The server is a separate process on the test database (SQLite file or PostgreSQL), so the
guarantee checked here is the one production has: the exclusion constraint on PostgreSQL,
BEGIN IMMEDIATE and the triggers on SQLite. HTTP goes through the standard library only.
"""
from __future__ import annotations

import re
import secrets
from collections import Counter
from datetime import time as clock
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.spaces.models import Booking, BookingStatus, OpeningHours, Resource, SlotMode, Space, SpaceKind
from portal.timeutil import paris_datetime, paris_today
from tests.support import Answer, all_at_once, gunicorn_server, logged_in_browsers, server_tracebacks

WORKERS = 3
DESKS = 5
DOUBLE_TAP_ROUNDS = 6
BOOKING_URL = re.compile(r"/reservations/(\d+)$")


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url(app, database_url, tmp_path_factory):
    """gunicorn (config/gunicorn.conf.py, 3 sync workers) serving the migrated test database."""
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with gunicorn_server(database_url, log_path, workers=WORKERS) as url:
        yield url
    errors = server_tracebacks(log_path)
    assert not errors, log_path.read_text(errors="replace")


# --- data -----------------------------------------------------------------------------------


def open_all_day_space(db, *, kind: SpaceKind, resources: int) -> Space:
    """Open every day 00:00–23:30 on a 30-minute grid, so the current time does not matter."""
    suffix = secrets.token_hex(3)
    space = Space(
        slug=f"{kind.value}-{suffix}", name=f"{kind.value} {suffix}", kind=kind,
        capacity=max(resources, 6), slot_mode=SlotMode.GRID, slot_minutes=30,
        max_days_ahead=60, min_notice_minutes=0, max_duration_minutes=8 * 60, max_active_bookings=1000,
    )
    space.resources = [
        Resource(name=f"Poste {n}", position=n, qr_token=secrets.token_urlsafe(12))
        for n in range(1, resources + 1)
    ]
    space.opening_hours = [
        OpeningHours(weekday=d, opens_at=clock(0), closes_at=clock(23, 30)) for d in range(7)
    ]
    db.session.add(space)
    db.session.commit()
    return space


def tomorrow_ten_to_eleven(now):
    day = paris_today(now) + timedelta(days=1)
    return paris_datetime(day, clock(10)), paris_datetime(day, clock(11))


def booking_form(space: Space, starts_at, ends_at, **extra) -> dict:
    return {"space_id": space.id, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
            "title": "", **extra}


def fresh(db) -> None:
    """End the test's transaction: the next read sees what the server committed."""
    db.session.rollback()
    db.session.expire_all()


def overlapping_pairs(db) -> list[tuple[int, int]]:
    fresh(db)
    return [tuple(row) for row in db.session.execute(text("""
        SELECT a.id, b.id FROM bookings AS a
        JOIN bookings AS b ON b.resource_id = a.resource_id AND a.id < b.id
        WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')
          AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    """))]


def booking_id(answer: Answer) -> int:
    match = BOOKING_URL.search(answer.location or "")
    assert match, f"303 to {answer.location!r}, not to a booking"
    return int(match.group(1))


def assert_no_server_error(answers: list[Answer]) -> None:
    assert all(a.status < 500 for a in answers), Counter(a.status for a in answers)


# --- the tests --------------------------------------------------------------------------------


def test_thirty_people_for_one_room_slot_get_one_booking(server_url, db, make_user, now):
    room = open_all_day_space(db, kind=SpaceKind.MEETING_ROOM, resources=1)
    users = [make_user() for _ in range(30)]
    starts_at, ends_at = tomorrow_ten_to_eleven(now)
    db.session.commit()  # hold no SQLite lock while the server works
    browsers = logged_in_browsers(server_url, users)

    forms = [booking_form(room, starts_at, ends_at, idempotency_key=f"k{n}") for n in range(len(browsers))]

    answers = all_at_once([(lambda b=b, f=f: b.post("/reservations", f)) for b, f in zip(browsers, forms)])

    assert_no_server_error(answers)
    assert Counter(a.status for a in answers) == {303: 1, 409: 29}
    winner_index = next(i for i, a in enumerate(answers) if a.status == 303)
    fresh(db)
    booking = db.session.get(Booking, booking_id(answers[winner_index]))
    assert booking.user_id == users[winner_index].id
    assert (booking.starts_at, booking.ends_at) == (starts_at, ends_at)
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    assert overlapping_pairs(db) == []


def test_five_desks_for_fifteen_people_give_five_bookings(server_url, db, make_user, now):
    area = open_all_day_space(db, kind=SpaceKind.DESK_AREA, resources=DESKS)
    users = [make_user() for _ in range(3 * DESKS)]
    starts_at, ends_at = tomorrow_ten_to_eleven(now)
    db.session.commit()
    browsers = logged_in_browsers(server_url, users)

    forms = [booking_form(area, starts_at, ends_at, idempotency_key=f"d{n}") for n in range(len(browsers))]

    answers = all_at_once([(lambda b=b, f=f: b.post("/reservations", f)) for b, f in zip(browsers, forms)])

    assert_no_server_error(answers)
    assert Counter(a.status for a in answers) == {303: DESKS, 409: 2 * DESKS}
    fresh(db)
    booked = list(db.session.scalars(select(Booking).where(Booking.status == BookingStatus.CONFIRMED)))
    assert len(booked) == DESKS
    assert sorted(b.resource_id for b in booked) == sorted(r.id for r in area.resources)
    winners = {users[i].id for i, a in enumerate(answers) if a.status == 303}
    assert {b.user_id for b in booked} == winners
    assert {b.id for b in booked} == {booking_id(a) for a in answers if a.status == 303}
    assert overlapping_pairs(db) == []


def test_double_tap_with_one_idempotency_key_books_once(server_url, db, make_user, now):
    """Five identical POSTs from one session; repeated on several slots, as the race is narrow."""
    room = open_all_day_space(db, kind=SpaceKind.MEETING_ROOM, resources=1)
    user = make_user()
    day = paris_today(now) + timedelta(days=1)
    forms = [
        booking_form(room, paris_datetime(day, clock(hour)), paris_datetime(day, clock(hour + 1)),
                     idempotency_key=secrets.token_hex(16))
        for hour in range(8, 8 + DOUBLE_TAP_ROUNDS)
    ]
    db.session.commit()
    browser = logged_in_browsers(server_url, [user])[0]

    for form in forms:
        answers = all_at_once([lambda form=form: browser.post("/reservations", form) for _ in range(5)])

        assert_no_server_error(answers)
        assert [a.status for a in answers] == [303] * 5, [a.status for a in answers]
        assert len({a.location for a in answers}) == 1
        fresh(db)
        key = form["idempotency_key"]
        rows = list(db.session.scalars(select(Booking).where(Booking.idempotency_key == key)))
        assert len(rows) == 1
        assert rows[0].id == booking_id(answers[0])
        assert (rows[0].user_id, rows[0].booked_by_id) == (user.id, user.id)
    assert db.session.scalar(select(func.count(Booking.id))) == len(forms)
