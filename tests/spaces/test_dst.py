"""Paris changes its clocks twice a year; bookings keep their wall-clock times.

Summer time starts on Sunday 29 March 2026 (02:00 → 03:00) and ends on
Sunday 25 October 2026 (03:00 → 02:00).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.spaces.models import BookingStatus
from portal.spaces.services import availability, bookings, recurrence
from portal.timeutil import paris_day_bounds, paris_to_utc, to_paris

SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)
SUNDAY = 6


@pytest.fixture
def night_room(make_space):
    """Open every day from midnight, including the Sundays the clocks change, on a one-hour grid."""
    return make_space(hours={weekday: (time(0), time(23, 30)) for weekday in range(7)}, slot_minutes=60,
                      max_days_ahead=400, max_duration_minutes=10 * 60, max_active_bookings=50)


@pytest.fixture
def member(make_user):
    return make_user()


def weekly_sunday_series(member, room, first: date, last: date):
    _series, booked, skipped = recurrence.book_series(
        member, space_id=room.id, starts_on=first, until=last, start=time(9), end=time(10), weekdays={SUNDAY},
        interval_weeks=1, title="Répétition", now=datetime.combine(first, time(0), tzinfo=UTC) - timedelta(days=1))
    assert skipped == []
    return booked


def test_a_weekly_series_across_the_spring_change_stays_at_nine_in_paris(night_room, member):
    booked = weekly_sunday_series(member, night_room, date(2026, 3, 15), date(2026, 4, 12))

    assert [to_paris(b.starts_at).date() for b in booked] == [
        date(2026, 3, 15), date(2026, 3, 22), SPRING, date(2026, 4, 5), date(2026, 4, 12)]
    assert {(to_paris(b.starts_at).hour, to_paris(b.ends_at).hour) for b in booked} == {(9, 10)}
    assert [b.starts_at.astimezone(UTC).hour for b in booked] == [8, 8, 7, 7, 7]
    assert all(b.ends_at - b.starts_at == timedelta(hours=1) for b in booked)


def test_a_weekly_series_across_the_autumn_change_stays_at_nine_in_paris(night_room, member):
    booked = weekly_sunday_series(member, night_room, date(2026, 10, 11), date(2026, 11, 8))

    assert [to_paris(b.starts_at).date() for b in booked] == [
        date(2026, 10, 11), date(2026, 10, 18), AUTUMN, date(2026, 11, 1), date(2026, 11, 8)]
    assert {(to_paris(b.starts_at).hour, to_paris(b.ends_at).hour) for b in booked} == {(9, 10)}
    assert [b.starts_at.astimezone(UTC).hour for b in booked] == [7, 7, 8, 8, 8]


def test_a_night_booking_on_the_autumn_change_lasts_four_hours(db, night_room, member):
    start, end = paris_to_utc(AUTUMN, time(1)), paris_to_utc(AUTUMN, time(4))
    assert start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)

    booking = bookings.create_booking(member, space_id=night_room.id, starts_at=start, ends_at=end,
                                      now=datetime(2026, 10, 24, 12, 0, tzinfo=UTC), notify=False)
    db.session.commit()
    db.session.expire_all()
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.starts_at, booking.ends_at) == (start, end)  # read back from the database
    assert booking.ends_at - booking.starts_at == timedelta(hours=4)


def test_paris_days_are_23_24_or_25_hours_long():
    def length(day):
        start, end = paris_day_bounds(day)
        return end - start

    assert length(SPRING) == timedelta(hours=23)
    assert length(AUTUMN) == timedelta(hours=25)
    assert length(date(2026, 6, 14)) == timedelta(hours=24)
    assert paris_day_bounds(SPRING)[0] == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_the_skipped_hour_offers_no_empty_or_repeated_slot(night_room):
    (day,) = availability.day_availability([night_room], SPRING, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    starts = [slot.starts_at for slot in day.slots]

    assert all(slot.ends_at > slot.starts_at for slot in day.slots)
    assert starts == sorted(set(starts))  # each instant once, in order
    assert [to_paris(s).strftime("%H:%M") for s in starts[:4]] == ["00:00", "01:00", "03:00", "04:00"]
    # 02:00 does not exist that night: the slot after 01:00 starts at 03:00 summer time.
    assert day.slots[1].ends_at == day.slots[2].starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_the_skipped_hour_on_a_half_hour_grid(make_space):
    room = make_space(hours={SUNDAY: (time(0), time(23, 30))}, slot_minutes=30, max_days_ahead=400)
    (day,) = availability.day_availability([room], SPRING, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    starts = [slot.starts_at for slot in day.slots]

    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in day.slots)
    assert starts == sorted(set(starts))
    assert len(day.slots) == 45  # 47 half-hours on the wall clock, minus the two that do not exist
