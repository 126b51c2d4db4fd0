"""The personal bookings feed read back by parsers that did not write it.

ical.js and vobject, each in a fresh process: see tests/icalendar_parsers.py. Both resolve
each TZID through the feed's own VTIMEZONE, so the times they report depend on what the
feed says about Europe/Paris, not on the reader's tz database.
"""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.spaces.models import Booking, BookingStatus, OpeningHours, Resource, Space, SpaceKind
from portal.spaces.services.bookings import cancel_booking
from portal.spaces.services.feeds import regenerate_feed_token
from tests.icalendar_parsers import Parsers, Reading, find_parsers, unfolded_lines

PARIS = ZoneInfo("Europe/Paris")

# --- the parsers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parsers(tmp_path_factory) -> Parsers:
    return find_parsers(tmp_path_factory)


@pytest.fixture
def read_feed(client, tmp_path, parsers):
    """GET the personal feed, then parse the bytes with both parsers, each in its own process."""
    fetches = iter(range(1, 100))

    def read(token: str) -> Reading:
        response = client.get(f"/calendrier/{token}.ics")
        assert response.status_code == 200
        assert response.mimetype == "text/calendar"
        return parsers.read(response.data, tmp_path / f"feed-{next(fetches)}.ics")

    return read


# --- the data ---------------------------------------------------------------------------------


def _next(today: date, month: int, day: int) -> date:
    candidate = date(today.year, month, day)
    return candidate if candidate > today else date(today.year + 1, month, day)


def _last_sunday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def fall_back_day(today: date) -> date:
    """2026-10-25 while it is in the feed (a year back), then the next such night."""
    year = 2026
    while _last_sunday_of_october(year) < today - timedelta(days=300):
        year += 1
    return _last_sunday_of_october(year)


@dataclass(frozen=True)
class Expected:
    booking_id: int
    local_start: str
    local_end: str
    minutes: int
    status: str

    @property
    def uid(self) -> str:
        return f"booking-{self.booking_id}@chrysalides-portal"


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=PARIS)


@pytest.fixture
def feed(db, make_user, now):
    """A member with four bookings in the feed; the rows are written directly, past any rule."""
    user = make_user()
    room = Space(slug=f"salle-{secrets.token_hex(3)}", name="Salle Chrysalide", kind=SpaceKind.MEETING_ROOM,
                 capacity=8, max_days_ahead=400)
    room.resources = [Resource(name="Salle", qr_token=secrets.token_urlsafe(12))]
    room.opening_hours = [OpeningHours(weekday=d, opens_at=time(0), closes_at=time(23, 30)) for d in range(7)]
    db.session.add(room)
    db.session.flush()
    today = now.astimezone(PARIS).date()
    winter, summer, fall_back = _next(today, 1, 14), _next(today, 7, 8), fall_back_day(today)
    plans = {
        "winter": (_local(winter, time(9)), _local(winter, time(10, 30)), BookingStatus.CONFIRMED, 0),
        "summer": (_local(summer, time(14)), _local(summer, time(17, 30)), BookingStatus.CONFIRMED, 0),
        "fall_back": (_local(fall_back, time(1)), _local(fall_back, time(4)), BookingStatus.CONFIRMED, 0),
        "cancelled": (_local(winter, time(15)), _local(winter, time(16)), BookingStatus.CANCELLED, 1),
    }
    rows = {}
    for name, (starts_at, ends_at, status, sequence) in plans.items():
        rows[name] = Booking(
            resource_id=room.resources[0].id, user_id=user.id, booked_by_id=user.id,
            starts_at=starts_at.astimezone(UTC), ends_at=ends_at.astimezone(UTC), status=status,
            check_in_token=secrets.token_urlsafe(16), sequence=sequence,
            cancelled_at=now if status == BookingStatus.CANCELLED else None,
        )
        db.session.add(rows[name])
    token = regenerate_feed_token(user)
    db.session.commit()
    expected = {
        name: Expected(
            booking_id=rows[name].id,
            local_start=starts_at.strftime("%Y-%m-%dT%H:%M"),
            local_end=ends_at.strftime("%Y-%m-%dT%H:%M"),
            minutes=int((ends_at.astimezone(UTC) - starts_at.astimezone(UTC)).total_seconds() // 60),
            status="CANCELLED" if status == BookingStatus.CANCELLED else "CONFIRMED",
        )
        for name, (starts_at, ends_at, status, _sequence) in plans.items()
    }
    return token, user, rows, expected


# --- the tests --------------------------------------------------------------------------------


def test_both_parsers_read_the_paris_wall_clock_times_and_the_right_instants(feed, read_feed):
    token, _user, rows, expected = feed
    reading = read_feed(token)

    assert set(reading.ical_js) == set(reading.vobject) == {e.uid for e in expected.values()}
    for name, want in expected.items():
        instants = tuple(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
                         for moment in (rows[name].starts_at, rows[name].ends_at))
        for parser, events in (("ical.js", reading.ical_js), ("vobject", reading.vobject)):
            event = events[want.uid]
            assert (event["start"]["local"], event["end"]["local"]) == (want.local_start, want.local_end), \
                f"{parser}, {name}"
            # The same wall clock read with the wrong offset would be another instant.
            assert (event["start"]["utc"], event["end"]["utc"]) == instants, f"{parser}, {name}"


def test_winter_and_summer_times_carry_their_own_offset(feed, read_feed):
    """Paris is UTC+1 in January and UTC+2 in July, whatever the parser."""
    token, _user, _rows, expected = feed
    reading = read_feed(token)

    for parser in (reading.ical_js, reading.vobject):
        offsets = [_hours_between(expected[name].local_start, parser[expected[name].uid]["start"]["utc"])
                   for name in ("winter", "summer")]
        assert offsets == [1, 2]


def _hours_between(local: str, utc: str) -> int:
    return int((datetime.fromisoformat(local) - datetime.fromisoformat(utc)).total_seconds() // 3600)


def test_every_tzid_has_its_vtimezone_and_no_time_floats(feed, read_feed):
    token, *_ = feed
    reading = read_feed(token)
    lines = unfolded_lines(reading.raw)

    defined = {line.split(":", 1)[1] for line in lines if line.startswith("TZID:")}
    used = set(re.findall(r";TZID=([^;:]+)", reading.raw.replace("\r\n ", "")))
    assert used, "times carry no TZID"
    assert used <= defined, f"TZIDs without a VTIMEZONE: {used - defined}"
    assert lines.count("BEGIN:VTIMEZONE") == len(defined)
    in_event = False
    for line in lines:
        in_event = {"BEGIN:VEVENT": True, "END:VEVENT": False}.get(line, in_event)
        if in_event and re.match(r"(DTSTART|DTEND|RECURRENCE-ID)[;:]", line):
            assert ";TZID=" in line.split(":", 1)[0] or line.endswith("Z"), f"floating time: {line}"
    for events in (reading.ical_js, reading.vobject):
        for event in events.values():
            for moment in (event["start"], event["end"]):
                assert not moment["floating"] and moment["has_vtimezone"], moment
                assert moment["tzid"] == "Europe/Paris"
    # Each parser resolved the TZID to the feed's VTIMEZONE, not to a zone database of its own.
    assert {e["start"]["parser_zone"] for e in reading.ical_js.values()} == {"Europe/Paris"}
    assert {e["start"]["tzinfo"] for e in reading.vobject.values()} == {"dateutil.tz.tz._tzicalvtz"}


def test_the_fall_back_night_booking_lasts_240_minutes_in_both_parsers(feed, read_feed):
    """01:00 summer time to 04:00 winter time: three hours on the clock, four in fact."""
    token, _user, _rows, expected = feed
    want = expected["fall_back"]
    assert want.minutes == 240
    reading = read_feed(token)

    ical_js, vobject = reading.ical_js[want.uid], reading.vobject[want.uid]
    assert ical_js["minutes"] == vobject["minutes"] == 240
    assert ical_js["event_minutes"] == 240
    assert (ical_js["start"]["local"], ical_js["end"]["local"]) == (want.local_start, want.local_end)
    assert (vobject["start"]["local"], vobject["end"]["local"]) == (want.local_start, want.local_end)
    # Every other booking lasts what its wall clock says.
    for name in ("winter", "summer", "cancelled"):
        uid = expected[name].uid
        assert reading.ical_js[uid]["minutes"] == reading.vobject[uid]["minutes"] == expected[name].minutes


def test_the_cancelled_booking_is_cancelled_in_both_parsers(feed, read_feed):
    token, _user, _rows, expected = feed
    reading = read_feed(token)

    for name, want in expected.items():
        assert reading.ical_js[want.uid]["status"] == want.status, name
        assert reading.vobject[want.uid]["status"] == want.status, name
    assert reading.ical_js[expected["cancelled"].uid]["sequence"] == 1


def test_uids_are_stable_and_sequence_grows_after_cancelling(feed, read_feed, db, now):
    token, user, rows, expected = feed
    first, second = read_feed(token), read_feed(token)
    assert set(first.ical_js) == set(second.ical_js) == set(first.vobject) == set(second.vobject)
    assert len(first.ical_js) == 4

    summer = expected["summer"]
    before = first.vobject[summer.uid]["sequence"]
    assert before == first.ical_js[summer.uid]["sequence"]
    cancel_booking(user, db.session.get(Booking, rows["summer"].id), now=now)
    db.session.commit()
    third = read_feed(token)

    assert set(third.ical_js) == set(first.ical_js) == set(third.vobject)
    for parser in (third.ical_js, third.vobject):
        assert parser[summer.uid]["sequence"] > before
        assert parser[summer.uid]["status"] == "CANCELLED"
        assert (parser[summer.uid]["start"]["local"], parser[summer.uid]["end"]["local"]) == (
            summer.local_start, summer.local_end)
        for name in ("winter", "fall_back"):
            assert parser[expected[name].uid]["sequence"] == first.vobject[expected[name].uid]["sequence"]
            assert parser[expected[name].uid]["status"] == "CONFIRMED"


def test_the_feed_vtimezone_agrees_with_the_tz_database(feed, client):
    """UTC instants read through the feed's VTIMEZONE get the offset zoneinfo gives.

    dateutil reads the VTIMEZONE (it did not write it, and does not consult the tz database
    for it), from last year to 15 years ahead: twice a day, and every hour in the last week
    of March and of October. The rule is written by hand: this notices when Paris changes it.
    """
    token, *_ = feed
    raw = client.get(f"/calendrier/{token}.ics").get_data(as_text=True)
    block = "\n".join(unfolded_lines(raw[raw.index("BEGIN:VTIMEZONE"):raw.index("END:VTIMEZONE") + 13]))
    from dateutil.tz import tzical

    feed_zone = tzical(io.StringIO(block)).get("Europe/Paris")
    day = date(datetime.now(UTC).year - 1, 1, 1)
    checked, disagreements = 0, []
    while day.year < datetime.now(UTC).year + 15:
        hours = range(24) if day.month in (3, 10) and day.day >= 24 else (0, 12)
        for hour in hours:
            instant = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            checked += 1
            if instant.astimezone(feed_zone).utcoffset() != instant.astimezone(PARIS).utcoffset():
                disagreements.append(instant)
        day += timedelta(days=1)
    assert checked > 10_000
    assert not disagreements, disagreements[:5]
