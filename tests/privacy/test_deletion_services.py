"""Leaving the portal frees seats and slots through the same services as a cancellation: the waiting
list moves on (with its e-mail) and the payment rules apply."""
from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa

from tests.route_samples import Samples


def _small_event(samples: Samples):
    from portal.db import utcnow
    from portal.events.models import RegistrationMode, Theme
    from portal.events.services import events as event_service
    from portal.extensions import db
    from portal.timeutil import paris_to_utc, paris_today

    now = utcnow()
    organiser = samples.organiser()
    organiser.trusted_organiser = True
    day = paris_today(now) + timedelta(days=5)
    (event,) = event_service.create_event(organiser, event_service.EventData(
        title="Atelier à une place", theme=Theme.LIVING_TOGETHER,
        starts_at=paris_to_utc(day, time(18)), ends_at=paris_to_utc(day, time(20)),
        address="Place de la Mairie, Les Mureaux", registration_mode=RegistrationMode.FREE, capacity=1), now=now)
    event_service.publish(organiser, event, now=now)
    db.session.commit()
    return event


def test_deleting_an_account_gives_the_seat_to_the_waiting_list(db, make_user):
    from portal.db import utcnow
    from portal.events.models import Registration, RegistrationStatus
    from portal.events.services import registrations
    from portal.mail.models import OutboxMessage
    from portal.privacy.services import delete_account

    samples = Samples(make_user)
    event = _small_event(samples)
    leaving = make_user(name="Léa Partante", email="lea.partante@example.org")
    waiting = make_user(name="Walid Attente", email="walid.attente@example.org")
    now = utcnow()
    held = registrations.register_member(leaving, event, now=now)
    queued = registrations.register_member(waiting, event, now=now)
    db.session.commit()
    assert held.status == RegistrationStatus.REGISTERED
    assert queued.status == RegistrationStatus.WAITLISTED
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.recipient == waiting.email))

    delete_account(leaving, now=utcnow())
    db.session.commit()

    statuses = dict(db.session.execute(sa.select(Registration.user_id, Registration.status)
                                       .where(Registration.event_id == event.id)).all())
    assert statuses[leaving.id] == RegistrationStatus.CANCELLED
    assert statuses[waiting.id] == RegistrationStatus.OFFERED
    db.session.refresh(event)
    assert event.seats_taken == 1  # the offer holds the freed seat
    after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.recipient == waiting.email))
    assert after == before + 1
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.recipient == leaving.email))


def test_deleting_an_account_cancels_future_bookings_through_the_booking_service(db, make_user):
    from portal.db import utcnow
    from portal.privacy.services import delete_account
    from portal.spaces.models import Booking, BookingStatus

    samples = Samples(make_user)
    booking = samples.booking()
    sequence = booking.sequence
    booking_id = booking.id
    delete_account(samples.user(), now=utcnow())
    db.session.commit()
    booking = db.session.get(Booking, booking_id)
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at is not None
    assert booking.sequence == sequence + 1  # the service's path, not a bulk UPDATE
