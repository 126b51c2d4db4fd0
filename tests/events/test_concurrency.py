"""Never over-full, under real concurrency: fifteen members tap "M'inscrire" at the same instant
for five seats, through a gunicorn server with three worker processes on the test database.

The guarantee checked is the one production has: the seat counter kept by triggers and the
CHECK ck_events_never_over_full (on SQLite, BEGIN IMMEDIATE serialises the writers as well).
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.events.models import Registration, RegistrationStatus
from portal.events.services import registrations
from tests.events.conftest import fresh, real_now
from tests.support import all_at_once, gunicorn_server, logged_in_browsers, server_tracebacks

WORKERS = 3
SEATS = 5
PEOPLE = 15


@pytest.fixture(scope="module")
def server_url(app, database_url, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gunicorn-events") / "server.log"
    with gunicorn_server(database_url, log_path, workers=WORKERS) as url:
        yield url
    errors = server_tracebacks(log_path)
    assert not errors, log_path.read_text(errors="replace")


def test_fifteen_members_for_five_seats_give_five_registered_and_ten_waiting(
        server_url, db, make_event, make_user, upcoming_day):
    event = make_event(now=real_now(), day=upcoming_day, capacity=SEATS, title="Atelier couture")
    event_id = event.id
    users = [make_user(name=f"Membre {n}") for n in range(PEOPLE)]
    db.session.commit()  # hold no SQLite lock while the server works
    browsers = logged_in_browsers(server_url, users)

    answers = all_at_once([lambda b=b: b.post(f"/evenements/{event_id}/inscription", {}) for b in browsers])

    assert all(a.status < 500 for a in answers), Counter(a.status for a in answers)
    assert [a.status for a in answers] == [303] * PEOPLE
    assert {a.location for a in answers} == {f"/evenements/{event_id}"}
    fresh(db)
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    assert len(rows) == PEOPLE
    assert {r.user_id for r in rows} == {u.id for u in users}
    assert Counter(r.status for r in rows) == {RegistrationStatus.REGISTERED: SEATS,
                                              RegistrationStatus.WAITLISTED: PEOPLE - SEATS}
    assert db.session.scalar(text("SELECT seats_taken FROM events WHERE id = :id"), {"id": event_id}) == SEATS

    # The waiting list keeps the order in which the registrations were made (created_at, the instant each
    # request recorded; row ids follow the order the database lock was granted and may differ, and only
    # break ties between two requests made in the same microsecond): the freed seats are offered in that
    # order, one by one.
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: (r.created_at, r.id))
    registered = [r for r in rows if r.status == RegistrationStatus.REGISTERED]
    now = max(r.created_at for r in rows) + timedelta(minutes=1)
    offered_in_turn = []
    for n, leaving in enumerate(registered):
        registrations.cancel(leaving, now=now + timedelta(minutes=n))
        offered = db.session.scalars(select(Registration).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.OFFERED,
            Registration.id.notin_([r.id for r in offered_in_turn]))).all()
        assert len(offered) == 1
        offered_in_turn.extend(offered)
    assert [r.id for r in offered_in_turn] == [r.id for r in waiting[:SEATS]]
    db.session.rollback()


def test_one_member_tapping_five_times_at_once_registers_once(server_url, db, make_event, make_user, upcoming_day):
    """A double (or quintuple) tap: every answer is the same page, one row, no error in the server log."""
    event = make_event(now=real_now(), day=upcoming_day, capacity=SEATS, title="Atelier vélo")
    event_id = event.id
    member = make_user(name="Tapotage")
    db.session.commit()
    (browser,) = logged_in_browsers(server_url, [member])

    answers = all_at_once([lambda: browser.post(f"/evenements/{event_id}/inscription", {}) for _ in range(5)])

    assert [a.status for a in answers] == [303] * 5
    fresh(db)
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    assert [(r.user_id, r.status) for r in rows] == [(member.id, RegistrationStatus.REGISTERED)]
    assert db.session.scalar(text("SELECT seats_taken FROM events WHERE id = :id"), {"id": event_id}) == 1
