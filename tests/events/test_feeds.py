"""The events' calendar feeds, fetched as calendar apps fetch them and read back by parsers that did
not write them: ical.js (Thunderbird's) and vobject, each in a fresh process (tests/icalendar_parsers.py).

Dates are fixed (2026-2027); the services get ``now`` explicitly, a month before each event. The
feeds read the real clock and keep a year of history: a fixed date that would fall out of that
window is moved by whole years (the same night of the time change, the same day of the year).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from portal.events.models import Event, EventAudience, Theme
from portal.events.services import events as event_service
from portal.events.services import registrations
from portal.events.services.recurrence import Recurrence
from portal.spaces.services.feeds import regenerate_feed_token
from tests.events.conftest import EVERY_DAY, at
from tests.icalendar_parsers import Parsers, Reading, check_every_tzid_has_its_vtimezone, find_parsers

PARIS = ZoneInfo("Europe/Paris")
PUBLIC_FEED = "/evenements/flux.ics"


def _today() -> date:
    return datetime.now(UTC).astimezone(PARIS).date()


def in_feed(day: date) -> date:
    """``day`` while it is well inside the feeds' year of history, else the same day a year or more later."""
    while day < _today() - timedelta(days=300):
        day = day.replace(year=day.year + 1)
    return day


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def time_change_night(month: int) -> date:
    """The last Sunday of March (clocks go forward) or October (back): 2026 while in the feeds."""
    year = 2026
    while last_sunday(year, month) < _today() - timedelta(days=300):
        year += 1
    return last_sunday(year, month)


WINTER = in_feed(date(2027, 1, 14))  # Paris is UTC+1
SUMMER = in_feed(date(2027, 7, 8))  # Paris is UTC+2


def month_before(day: date) -> datetime:
    """The ``now`` the services get: events are made and published a month ahead."""
    return at(day, 9) - timedelta(days=30)


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def parsers(tmp_path_factory) -> Parsers:
    return find_parsers(tmp_path_factory)


@pytest.fixture(autouse=True)
def _no_feed_body_from_another_test():
    """Feed bodies are cached per data version (count and last change of the listed events). The
    tables are emptied between tests, which never happens in production: another test's events
    with the same fixed dates could give the same version."""
    from portal.events.feed_views import feed_bodies

    feed_bodies.clear()


@pytest.fixture
def read(client, tmp_path, parsers):
    """read(url) → the feed fetched by the test client and parsed by both parsers."""
    fetches = iter(range(1, 1000))

    def fetch(url: str) -> Reading:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/calendar"
        return parsers.read(response.data, tmp_path / f"feed-{next(fetches)}.ics")

    return fetch


@pytest.fixture
def organiser(make_organiser):
    return make_organiser(name="Inès Organisatrice")


def check_times(reading: Reading, event: Event) -> None:
    """Both parsers read the event's Paris wall-clock times and its exact instants."""
    for parser, events in reading.both():
        read = events[event.uid]
        assert (read["start"]["local"], read["end"]["local"]) == (local(event.starts_at), local(event.ends_at)), parser
        assert (read["start"]["utc"], read["end"]["utc"]) == (utc(event.starts_at), utc(event.ends_at)), parser


# --- times and time zones ---------------------------------------------------------------------------


def test_both_parsers_read_the_same_paris_times(read, make_event, organiser):
    winter = make_event(organiser=organiser, day=WINTER, start=time(9), end=time(10, 30), now=month_before(WINTER))
    summer = make_event(organiser=organiser, day=SUMMER, start=time(14), end=time(17, 30), now=month_before(SUMMER))

    reading = read(PUBLIC_FEED)

    assert set(reading.ical_js) == set(reading.vobject) == {winter.uid, summer.uid}
    for event in (winter, summer):
        check_times(reading, event)
    # January is UTC+1 and July UTC+2 in both readings: the same wall clock, other instants.
    for _parser, events in reading.both():
        assert (events[winter.uid]["start"]["local"][11:], events[winter.uid]["start"]["utc"][11:]) == ("09:00", "08:00")
        assert (events[summer.uid]["start"]["local"][11:], events[summer.uid]["start"]["utc"][11:]) == ("14:00", "12:00")
        assert events[summer.uid]["minutes"] == 210


@pytest.fixture
def every_feed(db, make_event, make_user, make_space, organiser):
    """One public and one members-only event in a space, and the URL of each kind of feed showing the public one."""
    room = make_space(name="Salle Seine", hours=EVERY_DAY)
    now = month_before(SUMMER)
    public = make_event(organiser=organiser, title="Fête des voisins", day=SUMMER, space=room, capacity=20,
                        theme=Theme.LIVING_TOGETHER, now=now)
    member = make_user()
    registrations.register_member(member, public, now=now)
    token = regenerate_feed_token(member)
    db.session.commit()
    return {
        "public": PUBLIC_FEED,
        "theme": "/evenements/flux/theme/vivre_ensemble.ics",
        "organiser": f"/evenements/flux/organisateur/{organiser.id}.ics",
        "space": f"/evenements/flux/espace/{room.id}.ics",
        "personal": f"/calendrier/{token}/evenements.ics",
        "event": f"/evenements/{public.id}.ics",
    }, public


@pytest.mark.parametrize("kind", ["public", "theme", "organiser", "space", "personal", "event"])
def test_every_tzid_has_its_vtimezone_and_no_time_floats(every_feed, read, kind):
    urls, event = every_feed
    reading = read(urls[kind])

    assert check_every_tzid_has_its_vtimezone(reading.raw) == {"Europe/Paris"}
    assert set(reading.ical_js) == set(reading.vobject) == {event.uid}
    check_times(reading, event)
    for _parser, events in reading.both():
        for moment in (events[event.uid]["start"], events[event.uid]["end"]):
            assert not moment["floating"] and moment["has_vtimezone"] and moment["tzid"] == "Europe/Paris"
    # Each parser went through the feed's VTIMEZONE, not a zone database of its own.
    assert reading.ical_js[event.uid]["start"]["parser_zone"] == "Europe/Paris"
    assert reading.vobject[event.uid]["start"]["tzinfo"] == "dateutil.tz.tz._tzicalvtz"


# --- changes: UID, SEQUENCE, STATUS ----------------------------------------------------------------------


def test_uids_are_stable_and_sequence_grows_when_the_time_changes(db, read, make_event, organiser):
    now = month_before(SUMMER)
    moving = make_event(organiser=organiser, title="Conseil de quartier", day=SUMMER, now=now)
    staying = make_event(organiser=organiser, title="Atelier couture", day=SUMMER, start=time(10), end=time(12),
                         now=now)
    first, second = read(PUBLIC_FEED), read(PUBLIC_FEED)
    assert set(first.ical_js) == set(second.ical_js) == set(first.vobject) == set(second.vobject)
    assert set(first.ical_js) == {moving.uid, staying.uid}
    assert first.ical_js[moving.uid]["sequence"] == first.vobject[moving.uid]["sequence"] == 0

    later = replace(event_service.current_data(moving), starts_at=at(SUMMER, 19), ends_at=at(SUMMER, 21))
    event_service.update_event(organiser, moving, later, now=now + timedelta(days=2))
    db.session.commit()
    third = read(PUBLIC_FEED)

    assert set(third.ical_js) == set(third.vobject) == {moving.uid, staying.uid}
    for _parser, events in third.both():
        assert events[moving.uid]["sequence"] == 1
        assert (events[moving.uid]["start"]["local"], events[moving.uid]["end"]["local"]) == (
            f"{SUMMER.isoformat()}T19:00", f"{SUMMER.isoformat()}T21:00")
        assert events[staying.uid]["sequence"] == 0
        assert events[moving.uid]["status"] == events[staying.uid]["status"] == "CONFIRMED"


def test_a_cancelled_event_and_a_cancelled_occurrence_say_cancelled(db, read, make_event, make_series, organiser):
    now = month_before(WINTER)
    single = make_event(organiser=organiser, title="Loto solidaire", day=WINTER, now=now)
    series = make_series(Recurrence("weekly", count=3), organiser=organiser, title="Cours de français", day=WINTER,
                         start=time(10), end=time(12), now=now)
    event_service.cancel_event(organiser, single, "La salle des fêtes est en travaux.", now=now + timedelta(days=1))
    event_service.cancel_event(organiser, series[1], "Vacances de la formatrice.", now=now + timedelta(days=1))
    db.session.commit()

    reading = read(PUBLIC_FEED)

    assert set(reading.ical_js) == set(reading.vobject) == {single.uid, *(e.uid for e in series)}
    for parser, events in reading.both():
        assert [events[e.uid]["status"] for e in (single, *series)] == [
            "CANCELLED", "CONFIRMED", "CANCELLED", "CONFIRMED"], parser
        assert events[single.uid]["sequence"] == events[series[1].uid]["sequence"] == 1
        assert events[series[0].uid]["sequence"] == events[series[2].uid]["sequence"] == 0
    for event in (single, *series):
        check_times(reading, event)  # a cancelled occurrence keeps its time: clients find what to strike out


# --- a weekly series across the time changes ------------------------------------------------------------


@pytest.mark.parametrize(("month", "utc_hours"), [(3, ["17:00", "17:00", "16:00", "16:00"]),
                                                  (10, ["16:00", "16:00", "17:00", "17:00"])],
                         ids=["spring-forward", "fall-back"])
def test_a_weekly_series_stays_at_18h_in_paris_across_the_time_change(read, make_series, organiser, month,
                                                                       utc_hours):
    change = time_change_night(month)
    first = change - timedelta(days=10)  # the Thursday ten days before: two sessions each side
    series = make_series(Recurrence("weekly", count=4), organiser=organiser, title="Chorale", day=first,
                         start=time(18), end=time(19, 30), now=month_before(first))
    days = [first + timedelta(weeks=n) for n in range(4)]
    assert [e.starts_at.astimezone(PARIS).date() for e in series] == days

    reading = read(PUBLIC_FEED)

    assert set(reading.ical_js) == set(reading.vobject) == {e.uid for e in series}
    for parser, events in reading.both():
        read_series = [events[e.uid] for e in series]
        assert [r["start"]["local"] for r in read_series] == [f"{d.isoformat()}T18:00" for d in days], parser
        assert [r["end"]["local"] for r in read_series] == [f"{d.isoformat()}T19:30" for d in days], parser
        assert [r["start"]["utc"][11:] for r in read_series] == utc_hours, parser
        assert {r["minutes"] for r in read_series} == {90}, parser


# --- who sees what ------------------------------------------------------------------------------------------


def test_members_only_events_stay_out_of_every_shared_feed(db, client, read, make_event, make_user, make_space,
                                                           organiser):
    room = make_space(name="Salle Baobab", hours=EVERY_DAY)
    now = month_before(SUMMER)
    common = {"organiser": organiser, "day": SUMMER, "space": room, "theme": Theme.WORKING, "now": now}
    public = make_event(title="Forum de l'emploi", start=time(9), end=time(12), **common)
    members_only = make_event(title="Réunion des membres", start=time(14), end=time(16), capacity=30,
                              audience=EventAudience.MEMBERS, **common)
    shared = [PUBLIC_FEED, "/evenements/flux/theme/travailler.ics", f"/evenements/flux/organisateur/{organiser.id}.ics",
              f"/evenements/flux/espace/{room.id}.ics"]

    for url in shared:
        reading = read(url)
        assert set(reading.ical_js) == set(reading.vobject) == {public.uid}, url
        assert "Réunion des membres" not in reading.raw and members_only.uid not in reading.raw, url
    assert client.get(f"/evenements/{members_only.id}.ics").status_code == 404

    member = make_user()
    registrations.register_member(member, members_only, now=now)
    token = regenerate_feed_token(member)
    db.session.commit()
    personal = read(f"/calendrier/{token}/evenements.ics")
    assert set(personal.ical_js) == set(personal.vobject) == {members_only.uid}
    check_times(personal, members_only)
    for url in shared:  # registering changed nothing in the shared feeds
        assert members_only.uid not in read(url).raw, url


def test_a_theme_feed_holds_its_theme_only(read, make_event, organiser):
    now = month_before(SUMMER)
    working = make_event(organiser=organiser, day=SUMMER, theme=Theme.WORKING, now=now)
    visiting = make_event(organiser=organiser, day=SUMMER, theme=Theme.VISITING_MEETING, now=now)

    assert set(read("/evenements/flux/theme/travailler.ics").ical_js) == {working.uid}
    assert set(read("/evenements/flux/theme/visiter_rencontrer.ics").vobject) == {visiting.uid}


# --- conditional requests ----------------------------------------------------------------------------------


def test_an_unchanged_feed_answers_304_and_a_new_event_changes_its_etag(db, client, make_event, organiser):
    now = month_before(WINTER)
    first_event = make_event(organiser=organiser, day=WINTER, now=now)
    first = client.get(PUBLIC_FEED)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert parsedate_to_datetime(first.headers["Last-Modified"]) == first_event.updated_at.replace(microsecond=0)

    again = client.get(PUBLIC_FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag

    # A members-only event is nothing the public feed shows: still 304.
    make_event(organiser=organiser, day=WINTER, audience=EventAudience.MEMBERS, now=now + timedelta(hours=1))
    assert client.get(PUBLIC_FEED, headers={"If-None-Match": etag}).status_code == 304

    added = make_event(organiser=organiser, title="Nouvel atelier", day=WINTER + timedelta(days=1),
                       now=now + timedelta(hours=2))
    changed = client.get(PUBLIC_FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert added.uid in changed.get_data(as_text=True)
    assert client.get(PUBLIC_FEED, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_renaming_the_space_of_an_event_changes_the_feed(db, client, make_event, make_space, organiser):
    from sqlalchemy import update

    from portal.db import utcnow
    from portal.spaces.models import Space

    room = make_space(name="Salle Seine", hours=EVERY_DAY)
    make_event(organiser=organiser, day=WINTER, space=room, now=month_before(WINTER))
    first = client.get(PUBLIC_FEED)
    assert "Salle Seine" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert client.get(PUBLIC_FEED, headers={"If-None-Match": etag}).status_code == 304

    db.session.execute(update(Space).where(Space.id == room.id).values(name="Salle Oise", updated_at=utcnow()))
    db.session.commit()
    renamed = client.get(PUBLIC_FEED, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert "Salle Oise" in renamed.get_data(as_text=True)


# --- all-day events -----------------------------------------------------------------------------------------


def test_all_day_events_are_date_values(read, make_event, organiser):
    first_day, last_day = WINTER, WINTER + timedelta(days=1)
    fair = make_event(organiser=organiser, title="Salon des associations", all_day=True,
                      starts_at=at(first_day, 0), ends_at=at(last_day + timedelta(days=1), 0),
                      now=month_before(first_day))

    reading = read(PUBLIC_FEED)

    compact = first_day.strftime("%Y%m%d"), (last_day + timedelta(days=1)).strftime("%Y%m%d")
    assert f"DTSTART;VALUE=DATE:{compact[0]}" in reading.raw
    assert f"DTEND;VALUE=DATE:{compact[1]}" in reading.raw  # the day after the last one (RFC 5545)
    for parser, events in reading.both():
        start, end = events[fair.uid]["start"], events[fair.uid]["end"]
        assert start["is_date"] and end["is_date"], parser
        assert (start["date"], end["date"]) == (first_day.isoformat(), (last_day + timedelta(days=1)).isoformat())
    assert reading.ical_js[fair.uid]["event_minutes"] == 2 * 24 * 60
