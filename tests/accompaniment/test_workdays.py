"""Working days and the first-contact deadline: weekends and French public holidays do not count."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.accompaniment.services.workdays import (
    add_working_days, first_contact_deadline, french_public_holidays, is_working_day, working_days_between)
from portal.timeutil import paris_to_utc


def test_french_public_holidays_of_2026_including_those_moving_with_easter():
    assert french_public_holidays(2026) == {
        date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14),
        date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11),
        date(2026, 12, 25)}
    assert date(2027, 3, 29) in french_public_holidays(2027)  # Easter Monday 2027
    assert date(2027, 5, 6) in french_public_holidays(2027)  # Ascension 2027


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 6, 5), True),  # Friday
    (date(2026, 6, 6), False),  # Saturday
    (date(2026, 6, 7), False),  # Sunday
    (date(2026, 5, 14), False),  # Ascension, a Thursday
    (date(2026, 11, 11), False),  # Armistice, a Wednesday
])
def test_which_days_are_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(("start", "count", "expected"), [
    (date(2026, 6, 8), 3, date(2026, 6, 11)),  # Monday + 3 → Thursday
    (date(2026, 6, 11), 3, date(2026, 6, 16)),  # Thursday + 3 → Tuesday, over the weekend
    (date(2026, 6, 13), 1, date(2026, 6, 15)),  # sent on a Saturday: Monday is the first working day
    (date(2026, 5, 12), 3, date(2026, 5, 18)),  # Tuesday + 3 over Ascension (Thu 14) and the weekend
    (date(2026, 5, 22), 2, date(2026, 5, 27)),  # Friday + 2 over the weekend and Whit Monday (25)
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas Eve (Thu) + 1 over Christmas and the weekend
    (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Eve (Thu) + 1 over New Year's Day and the weekend
])
def test_adding_working_days_skips_weekends_and_public_holidays(start, count, expected):
    assert add_working_days(start, count) == expected


def test_the_deadline_is_paris_midnight_after_the_last_working_day():
    # Sent Friday 22 May 2026 at 23:30 in Paris (21:30 UTC): 3 working days = Tue 26, Wed 27, Thu 28.
    sent = datetime(2026, 5, 22, 21, 30, tzinfo=UTC)
    assert first_contact_deadline(sent, 3) == paris_to_utc(date(2026, 5, 29), time(0))


def test_a_request_becomes_overdue_only_after_the_deadline_across_a_holiday_weekend(make_request):
    # Wednesday 13 May 2026, with 3 working days: Ascension (14) and the weekend do not count → Tue 19.
    sent = paris_to_utc(date(2026, 5, 13), time(9))
    created = make_request(now=sent)
    assert not created.is_overdue(paris_to_utc(date(2026, 5, 18), time(18)))  # Monday evening: still in time
    assert not created.is_overdue(paris_to_utc(date(2026, 5, 19), time(23, 59)))  # the last day, late
    assert created.is_overdue(paris_to_utc(date(2026, 5, 20), time(0, 1)))


def test_working_days_between_counts_how_late():
    assert working_days_between(date(2026, 5, 13), date(2026, 5, 19)) == 3
