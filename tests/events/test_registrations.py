"""Registrations, the waiting list and its offers, on the services with fixed instants.

"Never over-full" belongs to the database (triggers keep events.seats_taken, a CHECK caps it):
the last tests go around the services to show it holds on its own.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.events.models import SEAT_HOLDING, EventAudience, Registration, RegistrationMode, RegistrationStatus
from portal.events.services import events as event_service
from portal.events.services import registrations
from portal.events.services.events import EventData
from portal.events.services.registrations import OFFER_WINDOW
from tests.events.conftest import NOW
from tests.support import first_link, link_path, text_body

REGISTERED = RegistrationStatus.REGISTERED
WAITLISTED = RegistrationStatus.WAITLISTED
OFFERED = RegistrationStatus.OFFERED


def later(minutes: int):
    return NOW + timedelta(minutes=minutes)


def seats_taken(db, event) -> int:
    """The counter as the database holds it."""
    return db.session.scalar(text("SELECT seats_taken FROM events WHERE id = :id"), {"id": event.id})


def seat_holders(db, event) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status.in_(SEAT_HOLDING)))


def statuses(registrations_) -> list[RegistrationStatus]:
    return [r.status for r in registrations_]


def deliver(db, send_mail, now=NOW + timedelta(days=3)):
    """Send what the outbox holds, as the scheduled sender would a while later."""
    db.session.commit()
    return send_mail(now_fn=lambda: now)


@pytest.fixture
def members(make_user):
    def make(count: int):
        return [make_user(name=f"Membre {n}") for n in range(1, count + 1)]

    return make


# --- the three registration modes -----------------------------------------------------------------


def test_free_registration_registers_at_once(db, make_event, make_user):
    event = make_event(registration_mode=RegistrationMode.FREE)
    member = make_user()

    registration = registrations.register_member(member, event, now=NOW)

    assert registration.status == REGISTERED
    assert registration.user_id == member.id
    assert event.capacity is None
    assert seats_taken(db, event) == 1


def test_approval_registration_waits_for_the_organiser_and_holds_a_seat(db, make_event, make_organiser, make_user):
    organiser = make_organiser()
    event = make_event(organiser=organiser, registration_mode=RegistrationMode.APPROVAL, capacity=3)
    member = make_user()

    registration = registrations.register_member(member, event, now=NOW)

    assert registration.status == RegistrationStatus.PENDING
    assert seats_taken(db, event) == 1
    registrations.decide(organiser, registration, approve=True, now=later(5))
    assert registration.status == REGISTERED
    assert seats_taken(db, event) == 1


def test_only_the_organiser_decides(db, make_event, make_user):
    event = make_event(registration_mode=RegistrationMode.APPROVAL, capacity=3)
    registration = registrations.register_member(make_user(), event, now=NOW)

    with pytest.raises(DomainError):
        registrations.decide(make_user(), registration, approve=True, now=later(5))
    assert registration.status == RegistrationStatus.PENDING


def test_an_event_without_registration_refuses_one(db, make_event, make_user):
    event = make_event(registration_mode=RegistrationMode.NONE)

    with pytest.raises(DomainError, match="sans inscription"):
        registrations.register_member(make_user(), event, now=NOW)
    with pytest.raises(DomainError, match="sans inscription"):
        registrations.register_guest(event, name="Ana", email="ana@example.org", now=NOW)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_registrations_close_at_the_deadline_and_at_the_start(db, make_event, make_user):
    event = make_event(capacity=10, registration_deadline=NOW + timedelta(days=2))

    with pytest.raises(DomainError, match="closes"):
        registrations.register_member(make_user(), event, now=NOW + timedelta(days=2))
    assert registrations.register_member(make_user(), event, now=NOW + timedelta(days=1)).status == REGISTERED


def test_a_draft_takes_no_registration(db, make_event, make_user):
    event = make_event(capacity=5, status="draft")

    with pytest.raises(DomainError, match="pas ouvertes"):
        registrations.register_member(make_user(), event, now=NOW)


# --- capacity and the waiting list -------------------------------------------------------------------


def test_capacity_registers_the_first_ones_then_waitlists_in_order(db, make_event, members):
    event = make_event(capacity=3)
    people = members(6)

    made = [registrations.register_member(person, event, now=later(n)) for n, person in enumerate(people)]

    assert statuses(made) == [REGISTERED] * 3 + [WAITLISTED] * 3
    assert seats_taken(db, event) == 3
    assert event.seats_left == 0
    waiting = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == WAITLISTED)
        .order_by(Registration.created_at, Registration.id)).all()
    assert [r.user_id for r in waiting] == [p.id for p in people[3:]]


def test_a_cancellation_offers_the_seat_to_the_next_by_e_mail(db, make_event, members, smtp, send_mail):
    event = make_event(capacity=2, title="Repair café")
    first, second, third, fourth = members(4)
    held = registrations.register_member(first, event, now=later(1))
    registrations.register_member(second, event, now=later(2))
    next_in_line = registrations.register_member(third, event, now=later(3))
    after = registrations.register_member(fourth, event, now=later(4))
    deliver(db, send_mail)
    smtp.clear()

    registrations.cancel(held, now=later(60))

    assert held.status == RegistrationStatus.CANCELLED
    assert next_in_line.status == OFFERED
    assert next_in_line.offer_expires_at == later(60) + OFFER_WINDOW
    assert after.status == WAITLISTED
    assert seats_taken(db, event) == 2  # the offer holds the freed seat
    assert deliver(db, send_mail).sent == 2  # the cancellation, the offer

    (offer,) = smtp.to(third.email)
    assert offer["Subject"] == "Une place s'est libérée : Repair café"
    assert "Confirmez-la avant le" in text_body(offer)
    link = first_link(offer, "/place")
    assert link_path(link) == f"/evenements/inscription/{next_in_line.token}/place"
    assert smtp.to(fourth.email) == []


def test_an_offer_is_confirmed_before_its_deadline(db, make_event, members):
    event = make_event(capacity=1)
    first, second = members(2)
    held = registrations.register_member(first, event, now=later(1))
    waiting = registrations.register_member(second, event, now=later(2))
    registrations.cancel(held, now=later(10))
    deadline = waiting.offer_expires_at

    confirmed = registrations.confirm_offer(waiting.token, now=deadline - timedelta(minutes=1))

    assert confirmed.id == waiting.id
    assert confirmed.status == REGISTERED
    assert confirmed.offer_expires_at is None
    assert seats_taken(db, event) == 1
    assert registrations.expire_offers(deadline + timedelta(hours=1)) == 0
    assert confirmed.status == REGISTERED


def test_an_offer_near_the_start_must_be_taken_an_hour_before(db, make_event, members):
    event = make_event(capacity=1)
    first, second = members(2)
    held = registrations.register_member(first, event, now=later(1))
    waiting = registrations.register_member(second, event, now=later(2))

    cancelled_at = event.starts_at - timedelta(hours=5)
    registrations.cancel(held, now=cancelled_at)

    assert waiting.offer_expires_at == event.starts_at - timedelta(hours=1)


def test_an_expired_offer_passes_to_the_next_person(db, make_event, members, smtp, send_mail):
    event = make_event(capacity=1, title="Cuisine du monde")
    first, second, third = members(3)
    held = registrations.register_member(first, event, now=later(1))
    slow = registrations.register_member(second, event, now=later(2))
    next_one = registrations.register_member(third, event, now=later(3))
    registrations.cancel(held, now=later(10))
    deadline = slow.offer_expires_at
    deliver(db, send_mail)
    smtp.clear()

    assert registrations.expire_offers(deadline - timedelta(seconds=1)) == 0
    assert slow.status == OFFERED

    assert registrations.expire_offers(deadline) == 1

    assert slow.status == RegistrationStatus.EXPIRED
    assert next_one.status == OFFERED
    assert next_one.offer_expires_at == deadline + OFFER_WINDOW
    assert seats_taken(db, event) == 1
    with pytest.raises(DomainError, match="Le délai pour confirmer est passé"):
        registrations.confirm_offer(slow.token, now=deadline + timedelta(minutes=1))
    assert deliver(db, send_mail, deadline).sent == 2
    (expired,) = smtp.to(second.email)
    assert expired["Subject"] == "Délai dépassé : Cuisine du monde"
    (offer,) = smtp.to(third.email)
    assert offer["Subject"] == "Une place s'est libérée : Cuisine du monde"


def test_a_late_confirmation_is_refused_even_before_the_expiry_job_runs(db, make_event, members):
    event = make_event(capacity=1)
    first, second = members(2)
    held = registrations.register_member(first, event, now=later(1))
    waiting = registrations.register_member(second, event, now=later(2))
    registrations.cancel(held, now=later(10))

    with pytest.raises(DomainError, match="délai"):
        registrations.confirm_offer(waiting.token, now=waiting.offer_expires_at)
    assert waiting.status == OFFERED


def test_newcomers_never_jump_the_waiting_list_while_an_offer_is_pending(db, make_event, members):
    event = make_event(capacity=1)
    first, second, third, newcomer = members(4)
    held = registrations.register_member(first, event, now=later(1))
    offered = registrations.register_member(second, event, now=later(2))
    waiting = registrations.register_member(third, event, now=later(3))
    registrations.cancel(held, now=later(10))
    assert offered.status == OFFERED

    late = registrations.register_member(newcomer, event, now=later(11))

    assert late.status == WAITLISTED
    # The pending offer declined: the seat goes to the one who waited, not to the newcomer.
    registrations.cancel(offered, now=later(12))
    assert waiting.status == OFFERED
    assert late.status == WAITLISTED
    registrations.cancel(waiting, now=later(13))
    assert late.status == OFFERED
    assert seats_taken(db, event) == 1


def test_a_newcomer_takes_a_seat_nobody_waits_for_even_while_an_offer_is_pending(db, make_event, members):
    event = make_event(capacity=2)
    first, second, third, newcomer = members(4)
    held = registrations.register_member(first, event, now=later(1))
    other = registrations.register_member(second, event, now=later(2))
    offered = registrations.register_member(third, event, now=later(3))
    registrations.cancel(held, now=later(10))  # the seat is offered to the one waiting
    registrations.cancel(other, now=later(11))  # nobody waits any more: this seat is free
    assert (offered.status, seats_taken(db, event)) == (OFFERED, 1)

    late = registrations.register_member(newcomer, event, now=later(12))

    assert late.status == REGISTERED
    assert offered.status == OFFERED
    assert seats_taken(db, event) == 2


def test_declining_a_pending_registration_offers_the_seat(db, make_event, make_organiser, members):
    organiser = make_organiser()
    event = make_event(organiser=organiser, registration_mode=RegistrationMode.APPROVAL, capacity=1)
    first, second = members(2)
    pending = registrations.register_member(first, event, now=later(1))
    waiting = registrations.register_member(second, event, now=later(2))
    assert (pending.status, waiting.status) == (RegistrationStatus.PENDING, WAITLISTED)

    registrations.decide(organiser, pending, approve=False, now=later(30))

    assert pending.status == RegistrationStatus.DECLINED
    assert waiting.status == OFFERED
    assert seats_taken(db, event) == 1


def test_declining_an_offer_passes_it_on(db, make_event, members):
    event = make_event(capacity=1)
    first, second, third = members(3)
    held = registrations.register_member(first, event, now=later(1))
    offered = registrations.register_member(second, event, now=later(2))
    next_one = registrations.register_member(third, event, now=later(3))
    registrations.cancel(held, now=later(10))

    registrations.cancel(offered, now=later(20))

    assert offered.status == RegistrationStatus.CANCELLED
    assert offered.offer_expires_at is None
    assert next_one.status == OFFERED
    assert seats_taken(db, event) == 1


def test_raising_the_capacity_offers_the_new_seats_to_the_waiting_list(db, make_event, make_organiser, members):
    organiser = make_organiser()
    event = make_event(organiser=organiser, capacity=1)
    first, second, third = members(3)
    registrations.register_member(first, event, now=later(1))
    waiting = [registrations.register_member(person, event, now=later(n)) for n, person in enumerate((second, third), 2)]

    data = EventData(title=event.title, theme=event.theme, starts_at=event.starts_at, ends_at=event.ends_at,
                     address=event.address, registration_mode=event.registration_mode, capacity=2)
    event_service.update_event(organiser, event, data, now=later(30))

    assert statuses(waiting) == [OFFERED, WAITLISTED]
    assert seats_taken(db, event) == 2


# --- guests -------------------------------------------------------------------------------------


def test_a_guest_is_unconfirmed_until_the_link_confirms(db, make_event):
    event = make_event(capacity=2)

    guest = registrations.register_guest(event, name="Inès Martin", email="Ines.Martin@Example.org", now=NOW)

    assert guest.status == RegistrationStatus.UNCONFIRMED
    assert guest.guest_email == "ines.martin@example.org"
    assert seats_taken(db, event) == 0  # an unconfirmed guest holds no seat
    confirmed = registrations.confirm_guest(guest.token, now=later(5))
    assert confirmed.id == guest.id
    assert confirmed.status == REGISTERED
    assert seats_taken(db, event) == 1
    assert registrations.confirm_guest(guest.token, now=later(6)).status == REGISTERED  # twice: no change
    assert seats_taken(db, event) == 1


def test_a_guest_confirming_a_full_event_waits(db, make_event, make_user):
    event = make_event(capacity=1)
    guest = registrations.register_guest(event, name="Inès", email="ines@example.org", now=NOW)
    registrations.register_member(make_user(), event, now=later(1))

    assert registrations.confirm_guest(guest.token, now=later(2)).status == WAITLISTED


def test_a_guest_cannot_register_for_a_members_only_event(db, make_event):
    event = make_event(capacity=10, audience=EventAudience.MEMBERS)

    with pytest.raises(DomainError, match="réservé aux membres"):
        registrations.register_guest(event, name="Inès", email="ines@example.org", now=NOW)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_guest_needs_a_name_and_a_valid_address(db, make_event):
    event = make_event(capacity=10)

    with pytest.raises(DomainError) as no_name:
        registrations.register_guest(event, name="  ", email="ines@example.org", now=NOW)
    assert no_name.value.field == "name"
    with pytest.raises(DomainError):
        registrations.register_guest(event, name="Inès", email="pas-une-adresse", now=NOW)


def test_an_unknown_token_is_not_found(db):
    with pytest.raises(DomainError) as err:
        registrations.confirm_guest("pas-un-jeton", now=NOW)
    assert err.value.status_code == 404


# --- the same person twice ------------------------------------------------------------------------


def test_registering_twice_returns_the_same_registration(db, make_event, make_user):
    event = make_event(capacity=5)
    member = make_user()

    first = registrations.register_member(member, event, now=NOW)
    again = registrations.register_member(member, event, now=later(1))

    assert again.id == first.id
    assert again.status == REGISTERED
    assert seats_taken(db, event) == 1
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_a_guest_registering_twice_gets_the_same_row(db, make_event, smtp, send_mail):
    event = make_event(capacity=5, title="Balade")
    first = registrations.register_guest(event, name="Inès", email="ines@example.org", now=NOW)
    registrations.confirm_guest(first.token, now=later(1))

    again = registrations.register_guest(event, name="Inès M.", email="INES@example.org", now=later(2))

    assert again.id == first.id
    assert again.status == REGISTERED
    assert seats_taken(db, event) == 1
    assert deliver(db, send_mail).sent == 3  # confirm the address, registered, already registered
    assert [m["Subject"] for m in smtp.to("ines@example.org")][-1] == "Votre inscription : Balade"


def test_registering_again_after_cancelling_goes_to_the_end_of_the_queue(db, make_event, members):
    event = make_event(capacity=1)
    first, second = members(2)
    mine = registrations.register_member(first, event, now=later(1))
    registrations.cancel(mine, now=later(2))
    other = registrations.register_member(second, event, now=later(3))

    again = registrations.register_member(first, event, now=later(4))

    assert again.id == mine.id
    assert (other.status, again.status) == (REGISTERED, WAITLISTED)


# --- the database has the last word ----------------------------------------------------------------


def test_the_database_refuses_an_over_full_event_when_the_service_is_bypassed(db, make_event, members):
    event = make_event(capacity=2)
    people = members(3)
    made = [registrations.register_member(person, event, now=later(n)) for n, person in enumerate(people)]
    assert statuses(made) == [REGISTERED, REGISTERED, WAITLISTED]
    db.session.commit()

    with pytest.raises(IntegrityError) as err:
        db.session.execute(text("UPDATE registrations SET status = 'registered' WHERE id = :id"), {"id": made[2].id})
        db.session.flush()
    assert "never_over_full" in str(err.value.orig)
    db.session.rollback()

    assert seats_taken(db, event) == 2
    assert db.session.scalar(text("SELECT status FROM registrations WHERE id = :id"), {"id": made[2].id}) == "waitlisted"


def test_the_database_refuses_a_seat_holding_insert_into_a_full_event(db, make_event, make_user):
    event = make_event(capacity=1)
    registrations.register_member(make_user(), event, now=NOW)
    intruder = make_user()
    db.session.commit()

    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO registrations (event_id, user_id, language, status, token, created_at, updated_at) "
            "VALUES (:event, :user, 'fr', 'registered', 'jeton-intrus', :now, :now)"), {
            "event": event.id, "user": intruder.id, "now": NOW.replace(tzinfo=None)})
        db.session.flush()
    db.session.rollback()
    assert seats_taken(db, event) == 1


def test_seats_taken_always_counts_the_seat_holders(db, make_event, make_organiser, members, make_user):
    organiser = make_organiser()
    event = make_event(organiser=organiser, capacity=3, registration_mode=RegistrationMode.APPROVAL)
    people = members(6)
    step = iter(range(1, 1000))
    made = {}

    def check():
        db.session.flush()
        assert seats_taken(db, event) == seat_holders(db, event)
        assert 0 <= seats_taken(db, event) <= 3

    for n, person in enumerate(people):
        made[n] = registrations.register_member(person, event, now=later(next(step)))
        check()
    guest = registrations.register_guest(event, name="Inès", email="ines@example.org", now=later(next(step)))
    check()
    registrations.decide(organiser, made[0], approve=True, now=later(next(step)))
    check()
    registrations.decide(organiser, made[1], approve=False, now=later(next(step)))  # offers to made[3]
    check()
    registrations.cancel(made[2], now=later(next(step)))  # offers to made[4]
    check()
    registrations.confirm_offer(made[3].token, now=later(next(step)))  # approval event: the organiser still decides
    check()
    registrations.confirm_guest(guest.token, now=later(next(step)))  # full: waits
    check()
    registrations.expire_offers(made[4].offer_expires_at)  # made[4] expires, made[5] is offered
    check()
    registrations.cancel(made[0], now=made[4].offer_expires_at)  # the guest is offered
    check()
    registrations.register_member(people[2], event, now=made[4].offer_expires_at)  # back, at the end
    check()
    db.session.commit()
    assert statuses(made[n] for n in range(6)) == [
        RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED, WAITLISTED, RegistrationStatus.PENDING,
        RegistrationStatus.EXPIRED, OFFERED]
    assert guest.status == OFFERED
    assert seats_taken(db, event) == 3
