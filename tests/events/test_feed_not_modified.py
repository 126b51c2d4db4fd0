"""Feed polls answered 304 in front of the application: the same answer, and never a stale one."""
from __future__ import annotations

import time

import pytest
from flask import request_started

from portal.conditional import NotModifiedAnswers
from tests.events.test_feeds import PUBLIC_FEED, WINTER, month_before

SECOND_FEED = "/evenements/flux/theme/travailler.ics"


@pytest.fixture
def requests_seen(app):
    """How many requests reached the application (routing, hooks, views)."""
    seen = []

    def count(_sender, **_extra):
        seen.append(1)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


@pytest.fixture
def organiser(make_organiser):
    return make_organiser(email="association@example.org")


@pytest.fixture
def feed(db, make_event, organiser):
    if time.time() % 60 > 57:  # answers are repeated within their minute: keep each test inside one
        time.sleep(60 - time.time() % 60 + 0.1)
    make_event(organiser=organiser, day=WINTER, now=month_before(WINTER))
    return PUBLIC_FEED


def _poll(client, url, etag, **headers):
    return client.get(url, headers={"If-None-Match": etag, **headers})


def test_a_repeated_poll_is_answered_before_the_application_with_the_same_headers(client, feed, requests_seen):
    etag = client.get(feed).headers["ETag"]
    first = _poll(client, feed, etag)
    assert first.status_code == 304
    seen = len(requests_seen)

    again = _poll(client, feed, etag)

    assert again.status_code == 304 and again.data == b""
    assert len(requests_seen) == seen, "the repeated poll went through the application"
    assert sorted(again.headers.items()) == sorted(first.headers.items())
    assert again.headers["ETag"] == f'"{etag.strip(chr(34))}"'
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_a_new_event_reaches_the_next_poll(client, feed, requests_seen, make_event, organiser):
    etag = client.get(feed).headers["ETag"]
    assert _poll(client, feed, etag).status_code == 304

    added = make_event(organiser=organiser, title="Atelier réparation", day=WINTER, now=month_before(WINTER))
    changed = _poll(client, feed, etag)

    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert added.uid in changed.get_data(as_text=True)


def test_a_change_the_feed_does_not_show_is_answered_by_the_application_once_then_here(
        client, feed, requests_seen, make_event, organiser):
    from portal.events.models import EventAudience

    etag = client.get(feed).headers["ETag"]
    assert _poll(client, feed, etag).status_code == 304
    make_event(organiser=organiser, day=WINTER, audience=EventAudience.MEMBERS, now=month_before(WINTER))

    seen = len(requests_seen)
    assert _poll(client, feed, etag).status_code == 304
    assert len(requests_seen) == seen + 1  # the tables moved: the application checks
    assert _poll(client, feed, etag).status_code == 304
    assert len(requests_seen) == seen + 1


@pytest.mark.parametrize("other", [
    {"If-None-Match": '"someone-elses-etag"'},
    {"Accept-Language": "en"},
    {"Cookie": "remember_token=someone"},
])
def test_another_request_is_left_to_the_application(client, feed, requests_seen, other):
    etag = client.get(feed).headers["ETag"]
    assert _poll(client, feed, etag).status_code == 304
    seen = len(requests_seen)

    if "Cookie" in other:
        name, _, value = other.pop("Cookie").partition("=")
        client.set_cookie(name, value)
    response = client.get(feed, headers={"If-None-Match": etag, **other})

    assert len(requests_seen) == seen + 1
    if "If-None-Match" in other:
        assert response.status_code == 200


def test_an_english_poll_gets_its_own_etag_and_answer(client, feed):
    french = client.get(feed).headers["ETag"]
    english = client.get(feed, headers={"Accept-Language": "en"}).headers["ETag"]
    assert english != french

    assert _poll(client, feed, french, **{"Accept-Language": "en"}).status_code == 200
    assert _poll(client, feed, english, **{"Accept-Language": "en"}).status_code == 304
    assert _poll(client, feed, english, **{"Accept-Language": "en"}).status_code == 304
    assert _poll(client, feed, english).status_code == 200


def test_each_feed_keeps_its_own_answer(client, feed, requests_seen):
    etag = client.get(feed).headers["ETag"]
    other = client.get(SECOND_FEED).headers["ETag"]
    assert other != etag
    for url, tag in ((feed, etag), (SECOND_FEED, other)):
        assert _poll(client, url, tag).status_code == 304
    assert _poll(client, SECOND_FEED, etag).status_code == 200
    assert _poll(client, feed, other).status_code == 200


def test_the_personal_feed_is_never_answered_here(db, client, make_user, requests_seen):
    from portal.spaces.services.feeds import regenerate_feed_token

    member = make_user(roles=("member",))
    url = f"/calendrier/{regenerate_feed_token(member)}/evenements.ics"
    db.session.commit()
    for _ in range(2):
        seen = len(requests_seen)
        assert _poll(client, url, "*").status_code == 200
        assert len(requests_seen) == seen + 1


def test_a_new_minute_goes_back_to_the_application(app, client, feed):
    """The feed's window of dates moves with time: an answer is repeated within its minute only."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Response

    later = [0]
    reached = []

    def application(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return app.wsgi_app(environ, start_response)

    answers = NotModifiedAnswers(application, app.extensions["portal_versions"],
                                 clock=lambda: time.time() + later[0])
    etag = client.get(feed).headers["ETag"]

    def poll():
        environ = EnvironBuilder(path=feed, headers={"If-None-Match": etag}).get_environ()
        return Response.from_app(answers, environ).status_code

    assert poll() == 304 and poll() == 304
    assert len(reached) == 1
    later[0] = 60
    assert poll() == 304
    assert len(reached) == 2
