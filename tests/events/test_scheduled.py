"""What cron runs for events: `flask events send-reminders` and `flask events expire-offers`.

The services get ``now``; the commands read the real clock, as cron runs them.
"""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.events.models import Event, Registration, RegistrationStatus
from portal.events.services import events as event_service
from portal.events.services import registrations, scheduled
from portal.mail.models import OutboxMessage
from portal.spaces.models import JobRun
from portal.spaces.services.staff import JOB_NAMES, day_board
from portal.timeutil import paris_today
from tests.events.conftest import NOW, at, fresh, real_now
from tests.support import page

MONDAY = date(2026, 6, 15)  # NOW's day in Paris
TUESDAY = MONDAY + timedelta(days=1)
EVENING = at(MONDAY, 17)  # when cron sends the reminders


def outbox(db) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def organiser(make_organiser):
    return make_organiser()


def register(db, event, user, *, now=NOW) -> Registration:
    registration = registrations.register_member(user, event, now=now)
    db.session.commit()
    return registration


# --- reminders --------------------------------------------------------------------------------------------


def test_registered_people_of_tomorrows_events_get_one_reminder(db, make_event, make_user, organiser):
    tomorrow = make_event(organiser=organiser, title="Atelier cuisine", day=TUESDAY, capacity=3)
    holder, gone, waiting = (make_user(email=f"{name}@example.org") for name in ("holder", "gone", "waiting"))
    register(db, tomorrow, holder)
    guest = registrations.register_guest(tomorrow, name="Léa Invitée", email="lea@example.org", now=NOW)
    registrations.confirm_guest(guest.token, now=NOW)
    register(db, tomorrow, gone)
    register(db, tomorrow, waiting)
    registrations.cancel(registrations.existing_registration(tomorrow, user=gone), now=NOW)
    db.session.commit()
    statuses = {r.email: r.status for r in tomorrow.registrations}
    assert statuses == {"holder@example.org": RegistrationStatus.REGISTERED, "lea@example.org": RegistrationStatus.REGISTERED,
                        "gone@example.org": RegistrationStatus.CANCELLED,
                        "waiting@example.org": RegistrationStatus.OFFERED}  # the freed seat, not yet confirmed
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()

    assert scheduled.send_reminders(EVENING) == 2
    db.session.commit()

    reminders = outbox(db)
    assert sorted(m.recipient for m in reminders) == ["holder@example.org", "lea@example.org"]
    assert {m.subject for m in reminders} == {"Demain : Atelier cuisine"}
    assert db.session.get(Event, tomorrow.id).reminder_sent_at == EVENING
    run = db.session.get(JobRun, "events.send-reminders")
    assert run.last_run_at == EVENING and run.last_result == "2 reminder(s) for 1 event(s)"

    later = EVENING + timedelta(hours=1)
    assert scheduled.send_reminders(later) == 0  # once only
    db.session.commit()
    assert len(outbox(db)) == 2
    assert db.session.get(JobRun, "events.send-reminders").last_run_at == later
    assert db.session.get(Event, tomorrow.id).reminder_sent_at == EVENING


def test_tomorrow_is_the_paris_day(db, make_event, make_user, organiser):
    """Just after midnight in Paris is still the previous day in UTC; just before it, today."""
    member = make_user()
    just_after = make_event(organiser=organiser, title="Nuit des étoiles", starts_at=at(TUESDAY, 0, 30),
                            ends_at=at(TUESDAY, 2), capacity=5)
    late_tonight = make_event(organiser=organiser, title="Veillée", starts_at=at(MONDAY, 23, 30),
                              ends_at=at(TUESDAY, 1), capacity=5)
    day_after = make_event(organiser=organiser, title="Brocante", day=TUESDAY + timedelta(days=1), capacity=5)
    for event in (just_after, late_tonight, day_after):
        register(db, event, member)
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    assert just_after.starts_at.date() == MONDAY  # 22:30 UTC

    assert scheduled.send_reminders(EVENING) == 1
    db.session.commit()
    assert [m.subject for m in outbox(db)] == ["Demain : Nuit des étoiles"]
    assert db.session.get(Event, late_tonight.id).reminder_sent_at is None
    assert db.session.get(Event, day_after.id).reminder_sent_at is None


def test_cancelled_and_unpublished_events_send_no_reminder(db, make_event, make_user, organiser):
    member = make_user()
    cancelled = make_event(organiser=organiser, day=TUESDAY, capacity=5)
    register(db, cancelled, member)
    event_service.cancel_event(organiser, cancelled, "Annulé pour cause de grève.", now=NOW)
    make_event(organiser=organiser, day=TUESDAY, capacity=5, status="draft")
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()

    assert scheduled.send_reminders(EVENING) == 0
    db.session.commit()
    assert outbox(db) == []
    assert db.session.get(JobRun, "events.send-reminders").last_result == "0 reminder(s) for 0 event(s)"


def test_the_reminder_command_commits_its_work(app, db, make_event, make_user, organiser):
    now = real_now()
    tomorrow = paris_today(now) + timedelta(days=1)
    event = make_event(organiser=organiser, day=tomorrow, start=time(18), end=time(20), capacity=5, now=now)
    member = make_user(email="awa@example.org")
    register(db, event, member, now=now)

    result = app.test_cli_runner().invoke(args=["events", "send-reminders"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 reminder(s) queued"
    fresh(db)  # see what the command committed
    assert db.session.get(Event, event.id).reminder_sent_at is not None
    assert db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.subject.like("Demain : %"))) == 1
    assert db.session.get(JobRun, "events.send-reminders") is not None


# --- offers of a freed seat ----------------------------------------------------------------------------------


def test_an_offer_not_confirmed_in_time_passes_to_the_next_person(db, make_event, make_user, organiser):
    event = make_event(organiser=organiser, capacity=1)  # a week after NOW
    holder, first, second = make_user(), make_user(), make_user()
    for user in (holder, first, second):
        register(db, event, user)
    registrations.cancel(registrations.existing_registration(event, user=holder), now=NOW)
    db.session.commit()
    offer = registrations.existing_registration(event, user=first)
    assert offer.status == RegistrationStatus.OFFERED

    assert scheduled.expire_offers(offer.offer_expires_at - timedelta(minutes=1)) == 0
    db.session.commit()
    assert db.session.get(JobRun, "events.expire-offers").last_result == "0 expired"

    deadline_passed = offer.offer_expires_at + timedelta(minutes=1)
    assert scheduled.expire_offers(deadline_passed) == 1
    db.session.commit()
    assert registrations.existing_registration(event, user=first).status == RegistrationStatus.EXPIRED
    assert registrations.existing_registration(event, user=second).status == RegistrationStatus.OFFERED
    run = db.session.get(JobRun, "events.expire-offers")
    assert run.last_run_at == deadline_passed and run.last_result == "1 expired"


def test_the_expire_offers_command_commits_its_work(app, db, make_event, make_user, organiser, upcoming_day):
    """The offer was made two days ago (24 hours to confirm): by the real clock it has expired."""
    two_days_ago = real_now() - timedelta(days=2)
    event = make_event(organiser=organiser, day=upcoming_day, capacity=1, now=two_days_ago)
    holder, waiting = make_user(), make_user()
    for user in (holder, waiting):
        register(db, event, user, now=two_days_ago)
    registrations.cancel(registrations.existing_registration(event, user=holder), now=two_days_ago)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["events", "expire-offers"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 offer(s) expired"
    fresh(db)
    assert db.session.scalar(select(Registration.status).where(Registration.user_id == waiting.id)) == \
        RegistrationStatus.EXPIRED
    assert db.session.get(JobRun, "events.expire-offers") is not None


# --- the staff board shows a forgotten cron ----------------------------------------------------------------------


def test_the_staff_board_lists_the_event_commands_until_they_run(db, login, make_user):
    assert {"events.send-reminders", "events.expire-offers"} <= set(JOB_NAMES)
    now = real_now()
    board = day_board(paris_today(now))
    assert {"events.send-reminders", "events.expire-offers"} <= set(board.stale_jobs(now))

    staff_page = page(login(make_user(roles=("member", "staff"))).get("/equipe/tableau"))
    assert "flask events send-reminders" in staff_page and "flask events expire-offers" in staff_page

    scheduled.send_reminders(now)
    scheduled.expire_offers(now)
    db.session.commit()
    stale = day_board(paris_today(now)).stale_jobs(now)
    assert "events.send-reminders" not in stale and "events.expire-offers" not in stale
