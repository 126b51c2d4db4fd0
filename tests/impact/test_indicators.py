"""Each indicator on the hand-built world of conftest.py, against figures worked out by hand.

Current period: Monday 23 – Sunday 29 March 2026 (the week summer time starts); previous: 16 – 22 March.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.impact.builder import build_report
from portal.impact.indicators import events as event_indicators
from portal.impact.indicators import reach, third_place
from portal.impact.periods import custom
from portal.impact.scope import Scope
from tests.impact.conftest import NOW, PREVIOUS_WEEK, WEEK

PERIODS = [custom(WEEK, WEEK + timedelta(days=6)), custom(PREVIOUS_WEEK, PREVIOUS_WEEK + timedelta(days=6))]


def test_the_week_holds_the_change_to_summer_time():
    week = PERIODS[0]
    assert week.utc_end - week.utc_start == timedelta(hours=167)
    assert week.previous() == PERIODS[1]


def test_open_hours_leave_out_closed_days_and_count_every_unit(world):
    hours = third_place.open_hours(PERIODS, Scope())
    a, b = world.spaces["A"].id, world.spaces["B"].id
    # Coworking: 2 desks × 8 h × 4 weekdays (Wednesday closed); the week before, 5 weekdays.
    assert hours[a] == [64.0, 80.0]
    # Room: 12 h × 6 days (Saturday closed for the whole place; Sunday is still 12 h despite the clock change).
    assert hours[b] == [72.0, 84.0]


def test_booked_hours_are_clipped_to_the_period_and_leave_out_cancelled_and_released(world):
    figures = third_place.bookings_by_space(PERIODS, Scope(), NOW)
    a, b = figures[world.spaces["A"].id], figures[world.spaces["B"].id]
    assert a["hours"] == [12.0, 8.0]  # b1 8 h + b2 4 h (b3 released, b4 cancelled) | b8 8 h
    # b5 4 h on the first summer-time morning + b6 2 h + b7 1 h before midnight + b9's hour after midnight | b9 1 h
    assert [round(h, 6) for h in b["hours"]] == [8.0, 1.0]


def test_use_against_booking(world):
    figures = third_place.bookings_by_space(PERIODS, Scope(), NOW)
    a, b = figures[world.spaces["A"].id], figures[world.spaces["B"].id]
    assert (a["bookings"], b["bookings"]) == ([2, 1], [3, 1])  # b9 starts the week before
    assert (a["checkins"], b["checkins"]) == ([1, 1], [2, 1])
    assert (a["unchecked"], b["unchecked"]) == ([1, 0], [1, 0])  # b2, b7
    assert (a["noshows"], a["cancelled"]) == ([1, 0], [1, 0])
    assert (a["future"], b["future"]) == ([0, 0], [0, 0])
    assert b["walkins"] == [1, 0]
    assert a["desk_days"] == [1.5, 1.0]  # a whole day (b1) and a morning (b2) | b8


def test_unique_new_and_returning_residents(world):
    people = reach.people(PERIODS, Scope())["totals"]["residents"]
    # This week u1, u2 and u3 booked (u3's booking was released: still a use of the place); only u3 is new.
    # The week before: u1 (first booking ever) and u4.
    assert people == {"unique": [3, 2], "new": [1, 2]}


def test_events_by_theme(world):
    held = event_indicators.events_by_theme(PERIODS, Scope())
    assert held["vivre_ensemble"]["events"] == [1, 1]
    assert held["travailler"]["events"] == [1, 0]  # the draft does not count
    assert held["visiter_rencontrer"]["events"] == [0, 0]
    assert held["visiter_rencontrer"]["cancelled"] == [1, 0]
    assert held["__total__"]["events"] == [2, 1]
    assert held["__total__"]["organisers"] == [2, 1]
    assert held["vivre_ensemble"]["organisations"] == [1, 1]
    assert held["__total__"]["organisations"] == [1, 1]  # "Asso A" and "asso a" are one organisation


def test_registrations_attendance_and_unmet_demand(world):
    seats = event_indicators.registrations_by_theme(PERIODS, Scope())
    assert seats["vivre_ensemble"]["registrations"] == [2, 1]
    assert seats["travailler"]["registrations"] == [3, 0]  # registered, offered, pending
    assert seats["__total__"]["registrations"] == [5, 1]
    assert seats["__total__"]["attended"] == [2, 1]
    assert seats["vivre_ensemble"]["waitlisted"] == [1, 0]
    assert seats["travailler"]["waitlisted"] == [1, 0]  # an offer that expired
    assert seats["vivre_ensemble"]["participants"] == [2, 1]
    assert seats["travailler"]["participants"] == [3, 0]
    # u1 and the guest g1 came to both themes: counted once overall.
    assert seats["__total__"]["participants"] == [3, 1]
    assert "visiter_rencontrer" not in seats  # its only event was cancelled


def test_first_time_participants(world):
    # This week: the guest g1 (first seat ever) and u5; u1 came in January. The week before: u2.
    assert event_indicators.first_time_participants(PERIODS, Scope()) == [2, 1]


def test_the_report_puts_it_together_and_feeds_the_avoided_costs(world, db):
    from portal.impact.models import AvoidedCostAssumption, CostDriver

    db.session.add(AvoidedCostAssumption(label="Journée de coworking", driver=CostDriver.DESK_DAYS,
                                         unit_cost_cents=2500, source="Tarif public 2026"))
    db.session.commit()
    report = build_report(PERIODS[0], Scope(), now=NOW)
    tables = {table.key: table for _section, table in report.tables()}
    occupancy = tables["occupancy_by_space"]
    rows = dict(zip([k for k, _l in occupancy.rows], occupancy.values[0], strict=True))
    assert rows[str(world.spaces["A"].id)] == [64.0, 12.0, 18.8]
    assert rows[str(world.spaces["B"].id)] == [72.0, 8.0, 11.1]
    assert tables["bookings_use"].values[0] == [[3], [2], [0]]
    assert tables["residents"].values[1] == [[2], [0]]
    (cost,) = report.avoided_costs
    assert cost.quantities == [1.5, 1.0]
    assert cost.result_cents(0) == 3750


def test_a_year_report_takes_a_constant_small_number_of_queries(world, db):
    from portal.impact.periods import containing

    counted = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            counted.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        build_report(containing("year", WEEK), Scope(), now=NOW)
        year = len(counted)
        counted.clear()
        build_report(containing("month", WEEK), Scope(), now=NOW)
        month = len(counted)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert year == month <= 25


@pytest.mark.parametrize("kind", ["month", "quarter", "year"])
def test_a_calendar_period_and_the_one_before(kind):
    from portal.impact.periods import containing

    period = containing(kind, WEEK)
    assert period.previous().end == period.start
    assert period.next().start == period.end


def test_bookings_by_booker_category(world, db):
    from portal.payments.models import PaymentProfile

    db.session.add(PaymentProfile(user_id=world.users["u2"].id, category="solidarity"))
    db.session.commit()
    figures = third_place.bookings_by_space(PERIODS, Scope(), NOW)
    a, b = figures[world.spaces["A"].id]["categories"], figures[world.spaces["B"].id]["categories"]
    # Coworking: b1 (u1, individual by default), b2 (u2, solidarity). Room: b5 (u2), b6 (walk-in), b7 (u3).
    assert a == {"individual": [1, 1], "solidarity": [1, 0]}
    assert b == {"solidarity": [1, 0], "walk_in": [1, 0], "individual": [1, 1]}
