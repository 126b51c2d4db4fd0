"""Never more accepted than wanted, under real concurrency: the organiser and the staff accept six
volunteers at the same instant for a call wanting two, through gunicorn with three worker processes.

The guarantee checked is the one production has: the conditional UPDATE on volunteer_calls and the
CHECK ck_volunteer_calls_never_over_full (on SQLite, BEGIN IMMEDIATE serialises the writers as well).
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select, text

from tests.support import all_at_once, gunicorn_server, logged_in_browsers, server_tracebacks

WORKERS = 3
WANTED = 2
VOLUNTEERS = 6


@pytest.fixture(scope="module")
def server_url(app, database_url, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gunicorn-volunteers") / "server.log"
    with gunicorn_server(database_url, log_path, workers=WORKERS) as url:
        yield url
    errors = server_tracebacks(log_path)
    assert not errors, log_path.read_text(errors="replace")


def test_six_acceptances_at_once_for_two_places(server_url, db, make_user, make_call, make_volunteer, organiser):
    from portal.db import utcnow
    from portal.volunteers import services
    from portal.volunteers.models import AnswerStatus, VolunteerAnswer

    call = make_call(wanted=WANTED)
    call_id = call.id
    now = utcnow()
    for n in range(VOLUNTEERS):
        services.answer_call(make_volunteer(f"Bénévole {n}"), call, "", now=now)
    db.session.commit()
    answer_ids = list(db.session.scalars(select(VolunteerAnswer.id).where(VolunteerAnswer.call_id == call_id)))
    staff = make_user(roles=("member", "staff"))
    deciders = [organiser, staff] * (VOLUNTEERS // 2)
    db.session.commit()  # hold no SQLite lock while the server works
    browsers = logged_in_browsers(server_url, deciders)

    answers = all_at_once([lambda b=b, a=a: b.post(f"/benevolat/reponses/{a}/decision", {"accept": "1"})
                           for b, a in zip(browsers, answer_ids)])

    assert all(a.status < 500 for a in answers), Counter(a.status for a in answers)
    db.session.rollback()
    statuses = Counter(db.session.scalars(select(VolunteerAnswer.status).where(VolunteerAnswer.call_id == call_id)))
    assert statuses == {AnswerStatus.ACCEPTED: WANTED, AnswerStatus.PENDING: VOLUNTEERS - WANTED}
    row = db.session.execute(text("SELECT accepted_count, status FROM volunteer_calls WHERE id = :id"),
                             {"id": call_id}).one()
    assert tuple(row) == (WANTED, "closed")
