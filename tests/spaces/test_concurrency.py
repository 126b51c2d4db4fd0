"""Never twice, under real concurrency: a gunicorn server with three worker processes,
requests released together by a barrier from many threads, each its own logged-in person.

The server is a separate process on the test database (SQLite file or PostgreSQL), so the
guarantee checked here is the one production has: the exclusion constraint on PostgreSQL,
BEGIN IMMEDIATE and the triggers on SQLite. HTTP goes through the standard library only.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from portal.spaces.models import Booking, BookingStatus, OpeningHours, Resource, SlotMode, Space, SpaceKind
from portal.timeutil import paris_datetime, paris_today
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
WORKERS = 3
DESKS = 5
DOUBLE_TAP_ROUNDS = 6
BOOKING_URL = re.compile(r"/reservations/(\d+)$")


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url(app, database_url, tmp_path_factory):
    """gunicorn (config/gunicorn.conf.py, 3 sync workers) serving the migrated test database."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield url
    finally:
        _stop(process)
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line]
    assert not errors, log_path.read_text(errors="replace")


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, whatever the env says
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with opener.open(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")
    pytest.fail(f"gunicorn did not answer /healthz within {timeout} s:\n{log}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the arbiter and its workers: the whole process group we started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- a person with a browser: a cookie jar, no redirect following ------------------------------


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 itself is the answer we check


@dataclass
class Answer:
    status: int
    location: str | None


class Browser:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar), _KeepRedirects()
        )

    def post(self, path: str, data: dict) -> Answer:
        request = urllib.request.Request(
            self.base_url + path, data=urllib.parse.urlencode(data).encode(), method="POST"
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as err:
            err.read()
            status, headers = err.code, err.headers
        return Answer(status, headers.get("Location"))

    def log_in(self, email: str) -> None:
        answer = self.post("/connexion", {"email": email, "password": PASSWORD})
        assert answer.status == 302, f"login of {email} answered {answer.status}"
        assert any(cookie.name == "session" for cookie in self.jar)


def logged_in_browsers(server_url: str, users) -> list[Browser]:
    emails = [user.email for user in users]  # read here: other threads have no app context
    browsers = [Browser(server_url) for _ in users]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(Browser.log_in, browsers, emails))
    return browsers


def all_at_once(calls) -> list[Answer]:
    """Run each call in its own thread, all released by one barrier.

    The calls must not touch the ORM: these threads have no app context.
    """
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=30)
        try:
            answers[index] = call()
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            answers[index] = err

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    failures = [a for a in answers if not isinstance(a, Answer)]
    assert not failures, failures
    return answers


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
