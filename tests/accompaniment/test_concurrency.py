"""Several staff members change the same request at the same instant, through a gunicorn server with
three worker processes on the test database: exactly one change is recorded, the others are told.

What holds it: the version read is sent with the form, the UPDATE is conditional on it, each change
inserts its timeline event with a unique (request, version), and the trigger refuses a status change
without its event.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from portal.accompaniment.models import EventKind, ProjectRequest, RequestEvent
from tests.accompaniment.conftest import fresh
from tests.support import all_at_once, gunicorn_server, logged_in_browsers, server_tracebacks

WORKERS = 3


@pytest.fixture(scope="module")
def server_url(app, database_url, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gunicorn-accompaniment") / "server.log"
    with gunicorn_server(database_url, log_path, workers=WORKERS) as url:
        yield url
    errors = server_tracebacks(log_path)
    assert not errors, log_path.read_text(errors="replace")


def test_four_staff_changing_one_request_at_once_give_one_change_and_three_warnings(
        server_url, db, make_request, make_staff):
    created = make_request()
    request_id, version = created.id, created.version
    staff = [make_staff(name=f"Équipe {n}") for n in range(4)]
    db.session.commit()  # hold no SQLite lock while the server works
    browsers = logged_in_browsers(server_url, staff)
    changes = [{"status": "qualifying"}, {"status": "waiting"}, {"status": "closed", "reason": "Doublon"},
               {"status": "qualifying"}]

    answers = all_at_once([
        lambda b=b, change=change: b.post(f"/equipe/accompagnement/demandes/{request_id}/statut",
                                          {**change, "version": str(version)})
        for b, change in zip(browsers, changes)])

    assert all(a.status < 500 for a in answers), Counter(a.status for a in answers)
    assert {a.status for a in answers} == {302}
    fresh(db)
    kept = db.session.get(ProjectRequest, request_id)
    events = db.session.scalars(select(RequestEvent).where(
        RequestEvent.request_id == request_id, RequestEvent.kind == EventKind.STATUS_CHANGED)).all()
    assert len(events) == 1 and kept.version == version + 1
    assert kept.status.value == events[0].to_status
    db.session.rollback()
