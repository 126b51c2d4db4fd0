"""Rate limits on the log-in and e-mail forms, on an app built with limits switched on."""
from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.support import IsolatedClient, page

WRONG_LOGIN = {"email": "nobody@example.org", "password": "not the right password"}


@pytest.fixture
def limited_app(database_url):
    from portal.extensions import db, limiter

    app = make_app(database_url, RATELIMIT_ENABLED=True)  # the schema already exists
    app.test_client_class = IsolatedClient
    limiter.reset()
    yield app
    limiter.reset()
    with app.app_context():
        db.engine.dispose()


def test_the_eleventh_login_attempt_in_a_minute_is_refused(limited_app):
    client = limited_app.test_client()
    for _ in range(10):
        assert client.post("/connexion", data=WRONG_LOGIN).status_code == 422

    response = client.post("/connexion", data=WRONG_LOGIN)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    html = page(response)
    assert "Trop de tentatives" in html
    assert "Vous pourrez réessayer dans une minute." in html

    english = client.post("/connexion", data=WRONG_LOGIN, headers={"Accept-Language": "en"})
    assert english.status_code == 429 and "You can try again in one minute." in page(english)

    # Reading the form is not limited, and another address is not blocked.
    assert client.get("/connexion").status_code == 200
    other = limited_app.test_client()
    assert other.post("/connexion", data=WRONG_LOGIN, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 422


def test_the_sixth_reset_request_in_a_quarter_of_an_hour_is_refused(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        assert client.post("/mot-de-passe-oublie", data={"email": "nobody@example.org"}).status_code == 200

    response = client.post("/mot-de-passe-oublie", data={"email": "nobody@example.org"})
    assert response.status_code == 429
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "Vous pourrez réessayer dans 15 minutes." in page(response)


def test_apps_without_limits_stay_unlimited_next_to_a_limited_one(limited_app, client):
    for _ in range(12):
        assert client.post("/connexion", data=WRONG_LOGIN).status_code == 422
