"""Leaving before the end gives the rest of a desk or room back to others."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.errors import NotFound
from portal.spaces.errors import BookingRefused
from portal.spaces.services import availability, bookings
from tests.spaces.conftest import MONDAY, NOW, at
from tests.support import PASSWORD

TUESDAY = MONDAY + timedelta(days=1)


def _full_day_desk(make_space, make_user, db):
    space = make_space(kind="desk_area", desks=1, max_duration_minutes=720)
    member = make_user()
    booking = bookings.create_booking(member, space_id=space.id, starts_at=at(TUESDAY, 8, 30),
                                      ends_at=at(TUESDAY, 19), now=NOW)
    db.session.commit()
    return space, member, booking


def test_leaving_early_frees_the_afternoon_for_someone_else(db, make_space, make_user):
    space, member, booking = _full_day_desk(make_space, make_user, db)
    other = make_user()
    with pytest.raises(Exception):  # the afternoon is still held
        bookings.create_booking(other, space_id=space.id, starts_at=at(TUESDAY, 13), ends_at=at(TUESDAY, 19),
                                now=at(TUESDAY, 12, 50))
    db.session.rollback()

    leaving = at(TUESDAY, 12, 52)
    assert bookings.can_leave_early(booking, leaving)
    assert bookings.leave_early(member, booking, now=leaving) == at(TUESDAY, 13)
    db.session.commit()
    assert booking.ends_at == at(TUESDAY, 13) and booking.sequence == 1

    afternoon = bookings.create_booking(other, space_id=space.id, starts_at=at(TUESDAY, 13), ends_at=at(TUESDAY, 19),
                                        now=leaving)
    db.session.commit()
    assert afternoon.resource_id == booking.resource_id


def test_only_a_booking_under_way_and_only_its_holder(db, make_space, make_user):
    space, member, booking = _full_day_desk(make_space, make_user, db)
    assert not bookings.can_leave_early(booking, at(TUESDAY, 8))  # not started
    with pytest.raises(BookingRefused):
        bookings.leave_early(member, booking, now=at(TUESDAY, 8))
    assert not bookings.can_leave_early(booking, at(TUESDAY, 18, 50))  # less than a quarter left
    with pytest.raises(NotFound):
        bookings.leave_early(make_user(), booking, now=at(TUESDAY, 10))
    staff = make_user(roles=("member", "staff"))
    assert bookings.leave_early(staff, booking, now=at(TUESDAY, 10)) == at(TUESDAY, 10)


def test_the_booking_page_offers_it_while_under_way(app, db, make_space, make_user):
    from sqlalchemy import update

    from portal.db import utcnow
    from portal.spaces.models import Booking

    space, member, booking = _full_day_desk(make_space, make_user, db)
    client = app.test_client()
    assert client.post("/connexion", data={"email": member.email, "password": PASSWORD}).status_code == 302
    # Before the start the page does not offer it, and a forged POST changes nothing.
    page = client.get(f"/reservations/{booking.id}").get_data(as_text=True)
    assert "Je pars : libérer la suite" not in page
    assert client.post(f"/reservations/{booking.id}/liberer").status_code == 303
    db.session.rollback()
    assert db.session.get(Booking, booking.id).ends_at == at(TUESDAY, 19)

    # The page reads the real clock: move the booking around it (set-up only).
    now = utcnow().replace(second=0, microsecond=0)
    db.session.execute(update(Booking).where(Booking.id == booking.id).values(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3)))
    db.session.commit()
    page = client.get(f"/reservations/{booking.id}").get_data(as_text=True)
    assert "Je pars : libérer la suite" in page
    response = client.post(f"/reservations/{booking.id}/liberer", follow_redirects=True)
    assert "La place est libre pour d&#39;autres" in response.get_data(as_text=True) or \
        "La place est libre pour d'autres" in response.get_data(as_text=True)
    db.session.rollback()
    ends_at = db.session.get(Booking, booking.id).ends_at
    assert now < ends_at <= now + timedelta(minutes=16)
