"""Booking rules, tested on the services with fixed instants (never the wall clock)."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from portal.errors import NotFound, PermissionDenied
from portal.mail.models import OutboxMessage
from portal.spaces.errors import BookingConflict, BookingRefused
from portal.spaces.models import Booking, BookingSeries, BookingStatus, Closure, JobRun
from portal.spaces.services import availability, bookings, recurrence, rules, staff
from portal.spaces.services.admin import add_closure
from portal.spaces.services.queries import get_space, list_spaces
from portal.timeutil import paris_today, to_paris
from tests.spaces.conftest import MONDAY, NOW, at
from tests.support import text_body

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
SUNDAY = MONDAY + timedelta(days=6)


def book(user, space, start, end, *, now=NOW, **kwargs):
    return bookings.create_booking(user, space_id=space.id, starts_at=start, ends_at=end, now=now, **kwargs)


def count_bookings(db, **where) -> int:
    query = select(func.count(Booking.id))
    for name, value in where.items():
        query = query.where(getattr(Booking, name) == value)
    return db.session.scalar(query)


def slots_by_start(day_availability):
    return {to_paris(slot.starts_at).strftime("%H:%M"): slot for slot in day_availability.slots}


def raw_booking(resource, user, start, end, status=BookingStatus.CONFIRMED) -> Booking:
    """A row written straight to the table, bypassing every Python rule."""
    return Booking(
        resource_id=resource.id, user_id=user.id, booked_by_id=user.id, starts_at=start, ends_at=end,
        status=status, check_in_token=secrets.token_urlsafe(16), created_at=NOW, updated_at=NOW,
        decision_reason="raison" if status == BookingStatus.DECLINED else None,
    )


@pytest.fixture
def member(make_user):
    return make_user(roles=("member",))


@pytest.fixture
def other_member(make_user):
    return make_user(roles=("member",))


@pytest.fixture
def staff_user(make_user):
    return make_user(roles=("member", "staff"))


# --- availability ---------------------------------------------------------------------------------


def test_desk_area_offers_morning_afternoon_and_whole_day(make_space, member):
    space = make_space(kind="desk_area", desks=3, max_duration_minutes=11 * 60)
    (day,) = availability.day_availability([space], TUESDAY, NOW)

    assert day.is_open
    assert [(s.part, s.starts_at, s.ends_at) for s in day.slots] == [
        ("morning", at(TUESDAY, 8, 30), at(TUESDAY, 13)),
        ("afternoon", at(TUESDAY, 13), at(TUESDAY, 19)),
        ("day", at(TUESDAY, 8, 30), at(TUESDAY, 19)),
    ]
    assert [s.free_count for s in day.slots] == [3, 3, 3]

    book(member, space, at(TUESDAY, 8, 30), at(TUESDAY, 13))
    (day,) = availability.day_availability([space], TUESDAY, NOW)
    # A desk taken in the morning is no longer free for the whole day, but still is in the afternoon.
    assert [s.free_count for s in day.slots] == [2, 3, 2]
    assert all(slot.bookable for slot in day.slots)


def test_whole_day_longer_than_the_maximum_duration_is_not_offered(make_space):
    space = make_space(kind="desk_area", desks=3, max_duration_minutes=6 * 60)
    (day,) = availability.day_availability([space], TUESDAY, NOW)

    assert [(s.part, s.bookable) for s in day.slots] == [("morning", True), ("afternoon", True), ("day", False)]


def test_room_offers_a_thirty_minute_grid(make_space, member):
    space = make_space(slot_minutes=30)
    (day,) = availability.day_availability([space], TUESDAY, NOW)

    assert len(day.slots) == 21  # 08:30 to 19:00
    assert (day.slots[0].starts_at, day.slots[0].ends_at) == (at(TUESDAY, 8, 30), at(TUESDAY, 9))
    assert (day.slots[-1].starts_at, day.slots[-1].ends_at) == (at(TUESDAY, 18, 30), at(TUESDAY, 19))
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in day.slots)

    book(member, space, at(TUESDAY, 10), at(TUESDAY, 11))
    slots = slots_by_start(availability.day_availability([space], TUESDAY, NOW)[0])
    assert not slots["10:00"].bookable and not slots["10:30"].bookable
    assert slots["09:30"].bookable and slots["11:00"].bookable


def test_closures_and_closed_weekdays_offer_no_slot(db, make_space):
    room, other_room = make_space(), make_space()
    add_closure(space_id=room.id, starts_on=TUESDAY, ends_on=TUESDAY, reason="Travaux")
    add_closure(space_id=None, starts_on=WEDNESDAY, ends_on=WEDNESDAY, reason="Jour férié")
    db.session.commit()

    tuesday = {d.space.id: d for d in availability.day_availability([room, other_room], TUESDAY, NOW)}
    assert tuesday[room.id].closed_reason == "Travaux" and tuesday[room.id].slots == []
    assert not tuesday[room.id].is_open
    assert tuesday[other_room.id].is_open and tuesday[other_room.id].free_slots  # only the room is closed

    for day in availability.day_availability([room, other_room], WEDNESDAY, NOW):
        assert day.closed_reason == "Jour férié" and day.slots == []  # the whole place is closed

    (sunday,) = availability.day_availability([room], SUNDAY, NOW)
    assert sunday.hours is None and sunday.slots == [] and not sunday.is_open


def test_past_slots_are_not_open(make_space):
    room = make_space()
    desks = make_space(kind="desk_area", desks=2, max_duration_minutes=11 * 60)
    # NOW is 10:00 in Paris on Monday.
    room_slots = slots_by_start(availability.day_availability([room], MONDAY, NOW)[0])
    assert not room_slots["09:30"].open_for_booking
    assert room_slots["10:00"].open_for_booking and room_slots["10:30"].open_for_booking

    # Desks can be taken until the slot ends (people arrive late); not once it has ended.
    parts = {s.part: s for s in availability.day_availability([desks], MONDAY, at(MONDAY, 14))[0].slots}
    assert not parts["morning"].open_for_booking
    assert parts["afternoon"].open_for_booking and parts["day"].open_for_booking


def test_availability_costs_the_same_queries_whatever_the_bookings(db, make_space, make_user):
    space = make_space(kind="desk_area", desks=20)
    people = [make_user() for _ in range(20)]
    book(people[0], space, at(TUESDAY, 8, 30), at(TUESDAY, 13))
    db.session.commit()

    def queries_of_day_availability():
        db.session.expire_all()
        spaces = list_spaces()
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            (day,) = availability.day_availability(spaces, TUESDAY, NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), day

    with_one, day = queries_of_day_availability()
    assert day.slots[0].free_count == 19

    for person in people[1:]:
        book(person, space, at(TUESDAY, 8, 30), at(TUESDAY, 13))
    db.session.commit()
    with_twenty, day = queries_of_day_availability()
    assert day.slots[0].free_count == 0

    assert with_one == with_twenty
    assert with_twenty <= 3


# --- rules ----------------------------------------------------------------------------------------


def refusal(space, start, end) -> BookingRefused:
    with pytest.raises(BookingRefused) as caught:
        rules.check_times(space, start, end, NOW, staff=False)
    return caught.value


def test_times_off_the_grid_are_refused(make_space):
    room = make_space(slot_minutes=30)
    assert refusal(room, at(TUESDAY, 10, 15), at(TUESDAY, 11, 15)).field == "starts_at"
    assert refusal(room, at(TUESDAY, 10), at(TUESDAY, 10, 45)).field == "starts_at"
    rules.check_times(room, at(TUESDAY, 10), at(TUESDAY, 11), NOW, staff=False)  # on the grid: accepted

    desks = make_space(kind="desk_area", desks=2)
    refusal(desks, at(TUESDAY, 9), at(TUESDAY, 12))  # desks: only morning, afternoon or day


def test_times_outside_opening_hours_are_refused(make_space):
    room = make_space()
    assert "08:30" in str(refusal(room, at(TUESDAY, 7, 30), at(TUESDAY, 8, 30)).message)
    refusal(room, at(TUESDAY, 18, 30), at(TUESDAY, 19, 30))
    refusal(room, at(SUNDAY, 10), at(SUNDAY, 11))  # closed that weekday


def test_end_before_start_and_naive_times_are_refused(make_space):
    room = make_space()
    assert refusal(room, at(TUESDAY, 11), at(TUESDAY, 10)).field == "ends_at"
    assert refusal(room, at(TUESDAY, 10), at(TUESDAY, 10)).field == "ends_at"
    naive = datetime(2026, 6, 16, 10, 0)
    assert refusal(room, naive, naive + timedelta(hours=1)).field == "starts_at"


def test_past_and_too_far_and_too_soon_are_refused(make_space):
    room = make_space(max_days_ahead=30, min_notice_minutes=120)
    assert "passé" in str(refusal(room, at(MONDAY, 8, 30), at(MONDAY, 9, 30)).message)
    far = MONDAY + timedelta(days=37)  # a Monday, open, but beyond 30 days
    refusal(room, at(far, 10), at(far, 11))
    rules.check_times(room, at(MONDAY + timedelta(days=28), 10), at(MONDAY + timedelta(days=28), 11), NOW, staff=False)
    # Two hours' notice: 11:00 is too soon at 10:00, 12:00 is fine.
    refusal(room, at(MONDAY, 11), at(MONDAY, 12))
    rules.check_times(room, at(MONDAY, 12), at(MONDAY, 13), NOW, staff=False)


def test_a_booking_longer_than_the_maximum_is_refused(make_space):
    room = make_space(max_duration_minutes=120)
    assert refusal(room, at(TUESDAY, 9), at(TUESDAY, 11, 30)).field == "ends_at"
    rules.check_times(room, at(TUESDAY, 9), at(TUESDAY, 11), NOW, staff=False)


def test_quota_counts_active_future_bookings_only(make_space, member):
    room = make_space(max_active_bookings=2)
    past = book(member, room, at(MONDAY, 8, 30), at(MONDAY, 9), now=at(MONDAY, 7))  # over by NOW
    book(member, room, at(TUESDAY, 9), at(TUESDAY, 10))
    cancelled = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    bookings.cancel_booking(member, cancelled, now=NOW)
    assert past.ends_at < NOW
    book(member, room, at(TUESDAY, 11), at(TUESDAY, 12))  # the second active future one

    with pytest.raises(BookingRefused, match="maximum"):
        book(member, room, at(TUESDAY, 14), at(TUESDAY, 15))


def test_a_space_for_organisers_is_refused_to_a_member(make_space, member, make_user):
    hall = make_space(kind="hall", bookable_by="organisers")
    with pytest.raises(BookingRefused) as caught:
        book(member, hall, at(TUESDAY, 10), at(TUESDAY, 11))
    assert caught.value.field == "space_id"
    assert not rules.may_book(member, hall)

    organiser = make_user(roles=("member", "organiser"))
    assert book(organiser, hall, at(TUESDAY, 10), at(TUESDAY, 11)).status == BookingStatus.CONFIRMED


def test_unknown_or_inactive_space_is_not_found(db, make_space, member):
    with pytest.raises(NotFound):
        bookings.create_booking(member, space_id=999_999, starts_at=at(TUESDAY, 10), ends_at=at(TUESDAY, 11), now=NOW)
    room = make_space()
    room.active = False
    db.session.commit()
    with pytest.raises(NotFound):
        book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))


def test_a_desk_of_another_space_is_refused(make_space, member):
    desks = make_space(kind="desk_area", desks=2)
    other = make_space(kind="desk_area", desks=2)
    with pytest.raises(BookingRefused) as caught:
        book(member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13), resource_id=other.resources[0].id)
    assert caught.value.field == "resource_id"


# --- creating bookings ----------------------------------------------------------------------------


def test_a_room_booking_holds_the_room_and_suggests_alternatives(db, make_space, member, other_member,
                                                                   make_user):
    room = make_space(name="Baobab", capacity=8)
    bigger = make_space(name="Seine", capacity=12)
    make_space(name="Cagibi", capacity=4)  # too small to replace Baobab
    make_space(name="Grande salle", capacity=60, bookable_by="staff")  # not for members
    make_space(kind="desk_area", desks=5, name="Coworking")  # not a room

    booking = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.resource_id == room.resources[0].id
    assert (booking.starts_at, booking.ends_at) == (at(TUESDAY, 10), at(TUESDAY, 11))

    with pytest.raises(BookingConflict) as caught:
        book(other_member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    assert caught.value.status_code == 409
    suggestions = caught.value.suggestions
    same_room = [s for s in suggestions if s.space_id == room.id]
    others = [s for s in suggestions if s.space_id != room.id]
    # The nearest free hours of the same room come first, each as long as what was asked.
    assert {to_paris(s.starts_at).strftime("%H:%M") for s in same_room[:2]} == {"09:00", "11:00"}
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in same_room)
    assert len(same_room) == 3
    # Then rooms big enough and open to this member, at the same time.
    assert [(s.space_name, s.starts_at, s.ends_at) for s in others] == [("Seine", at(TUESDAY, 10), at(TUESDAY, 11))]
    assert others[0].space_id == bigger.id
    assert count_bookings(db) == 1


def test_a_desk_area_gives_any_free_desk_until_full(db, make_space, make_user):
    desks = make_space(kind="desk_area", desks=3)
    people = [make_user() for _ in range(4)]
    given = [book(person, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13)).resource_id for person in people[:3]]
    assert sorted(given) == sorted(r.id for r in desks.resources)

    with pytest.raises(BookingConflict):
        book(people[3], desks, at(TUESDAY, 8, 30), at(TUESDAY, 13))
    # The afternoon is still free for everyone.
    assert book(people[3], desks, at(TUESDAY, 13), at(TUESDAY, 19)).status == BookingStatus.CONFIRMED
    assert count_bookings(db) == 4


def test_picking_a_specific_desk(make_space, member, other_member):
    desks = make_space(kind="desk_area", desks=3)
    wanted = desks.resources[1]
    assert book(member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13), resource_id=wanted.id).resource_id == wanted.id
    # That desk is taken, even though two others are free.
    with pytest.raises(BookingConflict):
        book(other_member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13), resource_id=wanted.id)
    assert book(other_member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13)).resource_id != wanted.id


def test_the_same_idempotency_key_books_once(db, make_space, member):
    room = make_space()
    first = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11), idempotency_key="tap-1")
    again = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11), idempotency_key="tap-1")
    assert again.id == first.id
    assert count_bookings(db) == 1
    other = book(member, room, at(TUESDAY, 14), at(TUESDAY, 15), idempotency_key="tap-2")
    assert other.id != first.id
    assert count_bookings(db) == 2


def test_an_approval_space_holds_the_slot_while_pending(db, make_space, member, other_member, staff_user):
    workshop = make_space(kind="workshop", requires_approval=True)
    pending = book(member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))
    assert pending.status == BookingStatus.PENDING
    with pytest.raises(BookingConflict):
        book(other_member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))
    # Staff need no approval.
    assert book(staff_user, workshop, at(TUESDAY, 14), at(TUESDAY, 15)).status == BookingStatus.CONFIRMED


def test_staff_confirm_a_pending_booking_once(db, make_space, member, staff_user):
    workshop = make_space(kind="workshop", requires_approval=True)
    pending = book(member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()

    with pytest.raises(PermissionDenied):
        bookings.decide_booking(member, pending.id, approve=True, reason=None, now=NOW)

    confirmed = bookings.decide_booking(staff_user, pending.id, approve=True, reason=None, now=NOW)
    assert confirmed.status == BookingStatus.CONFIRMED
    assert confirmed.decided_by_id == staff_user.id
    assert confirmed.sequence == 1

    with pytest.raises(BookingRefused, match="déjà été traitée"):
        bookings.decide_booking(staff_user, pending.id, approve=False, reason="Trop tard", now=NOW)
    db.session.expire_all()
    assert db.session.get(Booking, pending.id).status == BookingStatus.CONFIRMED


def test_declining_needs_a_reason_and_frees_the_slot(db, make_space, member, other_member, staff_user):
    workshop = make_space(kind="workshop", requires_approval=True)
    pending = book(member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))

    for blank in (None, "", "   "):
        with pytest.raises(BookingRefused) as caught:
            bookings.decide_booking(staff_user, pending.id, approve=False, reason=blank, now=NOW)
        assert caught.value.field == "reason"
    db.session.expire_all()
    assert db.session.get(Booking, pending.id).status == BookingStatus.PENDING

    declined = bookings.decide_booking(staff_user, pending.id, approve=False, reason="Atelier en travaux", now=NOW)
    assert declined.status == BookingStatus.DECLINED
    assert declined.decision_reason == "Atelier en travaux"
    with pytest.raises(BookingRefused):
        bookings.decide_booking(staff_user, pending.id, approve=True, reason=None, now=NOW)
    # The slot is free again for someone else's request.
    assert book(other_member, workshop, at(TUESDAY, 10), at(TUESDAY, 11)).status == BookingStatus.PENDING


# --- the database refuses overlaps on its own ---------------------------------------------------


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CONFIRMED])
def test_the_database_refuses_an_overlapping_active_booking(db, make_space, member, other_member, status):
    room = make_space()
    resource = room.resources[0]
    book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()

    for start, end in [(at(TUESDAY, 10), at(TUESDAY, 11)), (at(TUESDAY, 10, 30), at(TUESDAY, 11, 30)),
                       (at(TUESDAY, 9), at(TUESDAY, 12)), (at(TUESDAY, 10, 15), at(TUESDAY, 10, 45))]:
        with pytest.raises(IntegrityError) as caught:
            with db.session.begin_nested():
                db.session.add(raw_booking(resource, other_member, start, end, status))
                db.session.flush()
        assert bookings.is_overlap_violation(caught.value), caught.value
    assert count_bookings(db) == 1


def test_the_database_accepts_back_to_back_and_ignores_inactive_bookings(db, make_space, member, other_member):
    room = make_space()
    resource = room.resources[0]
    book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()

    # [start, end): touching ends do not overlap.
    db.session.add(raw_booking(resource, other_member, at(TUESDAY, 9), at(TUESDAY, 10)))
    db.session.add(raw_booking(resource, other_member, at(TUESDAY, 11), at(TUESDAY, 12)))
    # Inactive rows neither block nor are blocked.
    for status in (BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.RELEASED):
        db.session.add(raw_booking(resource, other_member, at(TUESDAY, 10), at(TUESDAY, 11), status))
    db.session.flush()
    db.session.commit()
    assert count_bookings(db) == 6

    # Another desk's or room's bookings are independent.
    other_room = make_space()
    db.session.add(raw_booking(other_room.resources[0], other_member, at(TUESDAY, 10), at(TUESDAY, 11)))
    db.session.commit()


def test_the_database_refuses_reactivating_an_overlapping_booking(db, make_space, member, other_member):
    room = make_space()
    first = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    bookings.cancel_booking(member, first, now=NOW)
    second = book(other_member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    assert second.status == BookingStatus.CONFIRMED

    with pytest.raises(IntegrityError) as caught:
        with db.session.begin_nested():
            first.status = BookingStatus.CONFIRMED
            db.session.flush()
    assert bookings.is_overlap_violation(caught.value)
    db.session.rollback()

    db.session.add(raw_booking(room.resources[0], member, at(TUESDAY, 8, 30), at(TUESDAY, 9)))
    db.session.commit()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.get(Booking, second.id).starts_at = at(TUESDAY, 8, 30)  # moved over another one
            db.session.flush()


# --- cancelling -----------------------------------------------------------------------------------


def test_cancellation_rules(db, make_space, member, other_member, staff_user):
    room = make_space(cancellation_deadline_hours=24)
    booking = book(member, room, at(WEDNESDAY, 10), at(WEDNESDAY, 11))
    late = book(member, room, at(WEDNESDAY, 14), at(WEDNESDAY, 15))

    with pytest.raises(NotFound):
        bookings.cancel_booking(other_member, booking, now=NOW)

    bookings.cancel_booking(member, booking, now=NOW)  # two days before: fine
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at == NOW
    assert booking.sequence == 1
    with pytest.raises(BookingRefused):
        bookings.cancel_booking(member, booking, now=NOW)  # already cancelled

    a_day_before = at(TUESDAY, 15)  # 23 hours before: past the deadline
    with pytest.raises(BookingRefused, match="24"):
        bookings.cancel_booking(member, late, now=a_day_before)
    assert late.status == BookingStatus.CONFIRMED

    bookings.cancel_booking(staff_user, late, now=a_day_before)  # staff always can
    assert late.status == BookingStatus.CANCELLED
    assert late.sequence == 1


def test_a_finished_booking_cannot_be_cancelled(make_space, member, staff_user):
    room = make_space()
    booking = book(member, room, at(MONDAY, 11), at(MONDAY, 12))
    with pytest.raises(BookingRefused):
        bookings.cancel_booking(staff_user, booking, now=at(MONDAY, 12, 30))


# --- recurring bookings ---------------------------------------------------------------------------


def test_occurrence_days_weekly_and_every_two_weeks():
    weekly = recurrence.occurrence_days(MONDAY, date(2026, 7, 12), {1, 3}, 1)
    assert weekly == [date(2026, 6, 16), date(2026, 6, 18), date(2026, 6, 23), date(2026, 6, 25),
                      date(2026, 6, 30), date(2026, 7, 2), date(2026, 7, 7), date(2026, 7, 9)]

    fortnightly = recurrence.occurrence_days(MONDAY, date(2026, 7, 31), {1}, 2)
    assert fortnightly == [date(2026, 6, 16), date(2026, 6, 30), date(2026, 7, 14), date(2026, 7, 28)]

    # Weeks count from the week of the first date, even when it starts mid-week.
    from_wednesday = recurrence.occurrence_days(WEDNESDAY, date(2026, 7, 15), {0, 2}, 2)
    assert from_wednesday == [date(2026, 6, 17), date(2026, 6, 29), date(2026, 7, 1), date(2026, 7, 13),
                              date(2026, 7, 15)]


def series_arguments(space, **overrides):
    arguments = dict(space_id=space.id, starts_on=TUESDAY, until=date(2026, 7, 7), start=time(10), end=time(11),
                     weekdays={1}, interval_weeks=1, now=NOW)
    return {**arguments, **overrides}


def test_a_series_preview_lists_conflicts_and_books_nothing(db, make_space, member, other_member):
    room = make_space()
    book(other_member, room, at(date(2026, 6, 23), 10, 30), at(date(2026, 6, 23), 11))
    add_closure(space_id=room.id, starts_on=date(2026, 6, 30), ends_on=date(2026, 6, 30), reason="Inventaire")
    db.session.commit()

    occurrences = recurrence.preview_series(member, **series_arguments(room))
    assert [o.day for o in occurrences] == [date(2026, 6, 16), date(2026, 6, 23), date(2026, 6, 30), date(2026, 7, 7)]
    assert [o.free for o in occurrences] == [True, False, False, True]
    assert occurrences[1].problem == "déjà réservé"
    assert "Inventaire" in occurrences[2].problem
    assert occurrences[0].starts_at == at(TUESDAY, 10)
    assert count_bookings(db) == 1


def test_a_series_books_the_free_dates_and_skips_the_others(db, make_space, member, other_member):
    room = make_space()
    book(other_member, room, at(date(2026, 6, 23), 10, 30), at(date(2026, 6, 23), 11))

    series, booked, skipped = recurrence.book_series(member, title="Atelier code", **series_arguments(room))
    assert [to_paris(b.starts_at).date() for b in booked] == [date(2026, 6, 16), date(2026, 6, 30), date(2026, 7, 7)]
    assert [o.day for o in skipped] == [date(2026, 6, 23)]
    assert all(b.series_id == series.id and b.user_id == member.id and b.title == "Atelier code" for b in booked)
    assert db.session.get(BookingSeries, series.id).weekdays == [1]
    assert count_bookings(db, user_id=member.id) == 3


def test_a_series_is_announced_in_one_e_mail_with_every_date_in_one_calendar_file(db, make_space, member,
                                                                                  other_member):
    import base64

    room = make_space()
    book(other_member, room, at(date(2026, 6, 23), 10, 30), at(date(2026, 6, 23), 11))
    db.session.query(OutboxMessage).delete()

    recurrence.book_series(member, title="Atelier code", **series_arguments(room))

    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)).all()
    assert message.subject.startswith("Réservation récurrente confirmée")
    assert message.body_text.count("- mardi") == 4  # three dates booked, one not
    assert "Dates non réservées" in message.body_text and "déjà réservé" in message.body_text
    (attachment,) = message.attachments
    calendar = Calendar.from_ical(base64.b64decode(attachment["data"]))
    starts = sorted(to_paris(e.decoded("dtstart")).date() for e in calendar.walk("VEVENT"))
    assert starts == [date(2026, 6, 16), date(2026, 6, 30), date(2026, 7, 7)]


def test_a_series_with_no_free_date_books_nothing(make_space, member, other_member):
    room = make_space()
    book(other_member, room, at(TUESDAY, 10), at(TUESDAY, 11))
    with pytest.raises(BookingRefused):
        recurrence.book_series(member, title="", **series_arguments(room, until=TUESDAY))


def test_cancel_the_rest_of_a_series(db, make_space, member, other_member):
    room = make_space()
    _series, booked, _skipped = recurrence.book_series(member, title="", **series_arguments(room))
    assert len(booked) == 4

    with pytest.raises(NotFound):
        recurrence.cancel_rest_of_series(other_member, booked[1], now=NOW)
    assert recurrence.cancel_rest_of_series(member, booked[1], now=NOW) == 3
    assert [b.status for b in booked] == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 3

    single = book(member, room, at(TUESDAY, 14), at(TUESDAY, 15))
    with pytest.raises(NotFound):
        recurrence.cancel_rest_of_series(member, single, now=NOW)


# --- staff: reminders, no-shows, check-in ---------------------------------------------------------


def test_reminders_are_sent_once_and_the_run_is_recorded(db, make_space, member, other_member, make_user):
    room = make_space()
    tomorrow = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11), notify=False)
    book(member, room, at(WEDNESDAY, 10), at(WEDNESDAY, 11), notify=False)  # the day after: not yet
    cancelled = book(other_member, room, at(TUESDAY, 14), at(TUESDAY, 15), notify=False)
    bookings.cancel_booking(other_member, cancelled, now=NOW, notify=False)
    db.session.commit()
    evening = at(MONDAY, 17)

    assert staff.send_reminders(evening) == 1
    db.session.commit()
    assert tomorrow.reminder_sent_at == evening
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == member.email
    run = db.session.get(JobRun, "bookings.send-reminders")
    assert run.last_run_at == evening and run.last_result == "1 reminder(s)"

    later = evening + timedelta(hours=1)
    assert staff.send_reminders(later) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert db.session.get(JobRun, "bookings.send-reminders").last_run_at == later


def test_the_reminder_command_commits_its_work(app, db, make_space, member):
    """`flask bookings send-reminders`, as cron runs it (it reads the real clock)."""
    today = paris_today(datetime.now(UTC))
    room = make_space(hours={weekday: (time(0), time(23, 30)) for weekday in range(7)})
    booking = book(member, room, at(today + timedelta(days=1), 10), at(today + timedelta(days=1), 11),
                   now=datetime.now(UTC), notify=False)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["bookings", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 reminder(s) queued"
    db.session.rollback()  # see what the command committed
    assert db.session.get(Booking, booking.id).reminder_sent_at is not None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert db.session.get(JobRun, "bookings.send-reminders") is not None

    result = app.test_cli_runner().invoke(args=["bookings", "release-no-shows"])
    assert result.exit_code == 0 and result.output.strip() == "0 booking(s) released"


def test_no_shows_are_released_after_the_delay_only(db, make_space, member, other_member, staff_user):
    desks = make_space(kind="desk_area", desks=3, no_show_release_minutes=30)
    never = make_space(kind="desk_area", desks=1)  # no automatic release
    absent = book(member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13), notify=False)
    present = book(other_member, desks, at(TUESDAY, 8, 30), at(TUESDAY, 13), notify=False)
    kept = book(member, never, at(TUESDAY, 8, 30), at(TUESDAY, 13), notify=False)
    bookings.check_in(staff_user, present, now=at(TUESDAY, 8, 45))
    db.session.commit()

    assert staff.release_no_shows(at(TUESDAY, 8, 55)) == 0  # 25 minutes late: still held
    assert absent.status == BookingStatus.CONFIRMED

    assert staff.release_no_shows(at(TUESDAY, 9, 1)) == 1
    assert absent.status == BookingStatus.RELEASED
    assert absent.sequence == 1
    assert present.status == BookingStatus.CONFIRMED
    assert kept.status == BookingStatus.CONFIRMED
    assert db.session.get(JobRun, "bookings.release-no-shows").last_result == "1 released"
    # The released desk is free again.
    (day,) = availability.day_availability([desks], TUESDAY, at(TUESDAY, 9, 1))
    assert day.slots[0].free_count == 2


def test_check_in_window(make_space, member, other_member, staff_user):
    room = make_space()
    booking = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11))

    with pytest.raises(BookingRefused):
        bookings.check_in(staff_user, booking, now=at(TUESDAY, 8, 59))  # more than an hour early
    with pytest.raises(BookingRefused):
        bookings.check_in(staff_user, booking, now=at(TUESDAY, 11))  # over
    with pytest.raises(NotFound):
        bookings.check_in(other_member, booking, now=at(TUESDAY, 10))
    assert booking.checked_in_at is None

    bookings.check_in(staff_user, booking, now=at(TUESDAY, 9))
    assert booking.checked_in_at == at(TUESDAY, 9)
    bookings.check_in(member, booking, now=at(TUESDAY, 10))  # again: the first arrival is kept
    assert booking.checked_in_at == at(TUESDAY, 9)


def test_only_a_confirmed_booking_can_be_checked_in(make_space, member, staff_user):
    workshop = make_space(kind="workshop", requires_approval=True)
    pending = book(member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))
    with pytest.raises(BookingRefused):
        bookings.check_in(staff_user, pending, now=at(TUESDAY, 10))


# --- e-mails, through a real SMTP server ----------------------------------------------------------


def deliver(db, send_mail, now):
    db.session.commit()
    return send_mail(now_fn=lambda: now)


def calendar_of(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    data = part.get_payload(decode=True)
    return Calendar.from_ical(data), data.decode()


def test_the_confirmation_e_mail_carries_the_booking_in_paris_time(db, make_space, member, smtp, send_mail):
    room = make_space(name="Salle Baobab")
    booking = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11, 30), title="Réunion")
    assert deliver(db, send_mail, NOW).sent == 1

    (message,) = smtp.to(member.email)
    assert message["Subject"] == "Réservation confirmée"
    assert "Salle Baobab" in text_body(message)
    calendar, raw = calendar_of(message)
    assert "DTSTART;TZID=Europe/Paris:20260616T100000" in raw
    assert "DTEND;TZID=Europe/Paris:20260616T113000" in raw
    assert "BEGIN:VTIMEZONE" in raw
    (event_,) = calendar.walk("VEVENT")
    start = event_.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Paris"
    assert (start.hour, start.minute) == (10, 0)
    assert start == booking.starts_at
    assert str(event_["uid"]) == f"booking-{booking.id}@chrysalides-portal"
    assert str(event_["status"]) == "CONFIRMED"


def test_an_english_speaker_gets_an_english_subject(db, make_space, make_user, smtp, send_mail):
    english = make_user(language="en")
    room = make_space()
    book(english, room, at(TUESDAY, 10), at(TUESDAY, 11))
    assert deliver(db, send_mail, NOW).sent == 1

    (message,) = smtp.to(english.email)
    assert message["Content-Language"] == "en"
    assert message["Subject"] == "Booking confirmed"
    calendar, _raw = calendar_of(message)
    (event_,) = calendar.walk("VEVENT")
    assert str(event_["summary"]).startswith("Booking")


def test_the_cancellation_e_mail_withdraws_the_event(db, make_space, member, smtp, send_mail):
    room = make_space()
    booking = book(member, room, at(TUESDAY, 10), at(TUESDAY, 11), notify=False)
    bookings.cancel_booking(member, booking, now=NOW)
    assert deliver(db, send_mail, NOW).sent == 1

    (message,) = smtp.to(member.email)
    assert message["Subject"] == "Réservation annulée"
    calendar, _raw = calendar_of(message)
    (event_,) = calendar.walk("VEVENT")
    assert str(event_["status"]) == "CANCELLED"
    assert int(event_["sequence"]) == 1
    assert str(event_["uid"]) == f"booking-{booking.id}@chrysalides-portal"


def test_pending_then_declined_e_mails(db, make_space, member, staff_user, smtp, send_mail):
    workshop = make_space(kind="workshop", requires_approval=True)
    pending = book(member, workshop, at(TUESDAY, 10), at(TUESDAY, 11))
    bookings.decide_booking(staff_user, pending.id, approve=False, reason="Atelier réservé à une formation", now=NOW)
    assert deliver(db, send_mail, NOW).sent == 2

    received, declined = smtp.to(member.email)
    assert received["Subject"] == "Demande de réservation reçue"
    assert list(received.iter_attachments()) == []
    assert declined["Subject"] == "Réservation refusée"
    assert "Atelier réservé à une formation" in text_body(declined)


def test_a_guest_without_account_gets_no_e_mail(db, make_space, staff_user):
    room = make_space()
    booking = book(staff_user, room, at(TUESDAY, 10), at(TUESDAY, 11), on_behalf_of=bookings.Guest("Mme Diallo", "0601020304"))
    assert booking.user_id is None and booking.guest_name == "Mme Diallo" and booking.booked_by_id == staff_user.id
    assert booking.holder_name == "Mme Diallo"
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_only_staff_book_for_someone_else(make_space, member, other_member):
    room = make_space()
    with pytest.raises(PermissionDenied):
        book(member, room, at(TUESDAY, 10), at(TUESDAY, 11), on_behalf_of=other_member)


def test_a_closure_needs_a_known_space_and_an_ordered_range(db, make_space):
    from portal.errors import DomainError

    with pytest.raises(NotFound):
        add_closure(space_id=999_999, starts_on=TUESDAY, ends_on=TUESDAY, reason="Travaux")
    with pytest.raises(DomainError) as caught:
        add_closure(space_id=None, starts_on=WEDNESDAY, ends_on=TUESDAY, reason="Travaux")
    assert caught.value.field == "ends_on"
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    assert get_space(make_space().id).opening_hours[0].opens_at == time(8, 30)
