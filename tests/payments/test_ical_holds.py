"""A booking awaiting payment holds its slot: calendar clients see it as tentative, then cancelled once released."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.icalendar_parsers import Parsers, find_parsers


@pytest.fixture(scope="module")
def parsers(tmp_path_factory) -> Parsers:
    return find_parsers(tmp_path_factory)


def test_a_hold_is_tentative_in_the_feed_and_cancelled_once_released(app, db, stripe_on, make_user, priced_room,
                                                                     tomorrow, parsers, tmp_path):
    from portal.db import utcnow
    from portal.payments.services import checkout
    from portal.spaces.ical import booking_uid
    from portal.spaces.models import Booking
    from portal.spaces.services.bookings import create_booking
    from portal.spaces.services.feeds import regenerate_feed_token

    space = priced_room()
    user = make_user()
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    token = regenerate_feed_token(user)
    db.session.commit()
    assert booking.status.value == "awaiting_payment"
    uid, client = booking_uid(booking), app.test_client()

    def statuses(name: str) -> set[str]:
        response = client.get(f"/calendrier/{token}.ics")
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        reading = parsers.read(response.data, tmp_path / name)
        return {events[uid]["status"] for _parser, events in reading.both()}

    assert statuses("held.ics") == {"TENTATIVE"}
    assert checkout.sweep(utcnow() + timedelta(minutes=31)) == (1, 0)
    db.session.commit()
    assert db.session.scalar(select(Booking.status).where(Booking.id == booking.id)).value in {"cancelled", "released"}
    assert statuses("released.ics") == {"CANCELLED"}
