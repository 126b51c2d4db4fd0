"""CSRF: every state-changing route refuses a request without a valid token.

The routes come from the URL map, so a new POST route is covered the day it is
added. /healthz is decorated with csrf.exempt but only answers GET, so it is
not state-changing and needs no entry in EXEMPT.

The JSON API (/api/...) is exempt from Flask-WTF's form check as a blueprint
and runs its own (portal.api.guard): a request authenticated by the session
cookie must send the token in X-CSRFToken; a bearer token is not sent by the
browser on its own, so it needs none; a request with no credentials is 401.
"""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.route_samples import STATE_CHANGING_METHODS, Samples, routes, sample_url

# (method, rule) → why it may be posted without a token. Keep this tiny: only
# callers that are not browsers holding our session (a signed webhook...).
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/paiements/webhook/stripe"): "Stripe's servers call it; the body's signature is checked instead",
}

# Exempt for visitors without an account only; a signed-in request still needs its token.
EXEMPT_WHEN_ANONYMOUS: dict[tuple[str, str], str] = {
    ("POST", "/langue"): "it only sets the language of the visitor's own session, so pages for visitors need "
                         "no token and open no session; signed in, it changes the profile and the token is checked",
}

PASSWORD = "correct horse battery staple"  # make_user's default
CSRF_REFUSAL = "Le formulaire a expiré"  # start of the CSRF error page's text (French, escaped apostrophe after)
API_PREFIX = "/api/"
TOKEN_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
TOKEN_VALUE = re.compile(r'\bvalue="([^"]+)"')


@pytest.fixture(scope="module")
def csrf_app(app, database_url):
    """The testing app with CSRF protection switched on, on the same database."""
    from portal.extensions import db

    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    yield csrf_app
    with csrf_app.app_context():
        db.engine.dispose()


def scrape_token(response) -> str:
    html = response.get_data(as_text=True)
    tag = TOKEN_INPUT.search(html)
    assert tag, f"no csrf_token field on {response.request.path}"
    return TOKEN_VALUE.search(tag.group(0)).group(1)


def login(client, user) -> None:
    token = scrape_token(client.get("/connexion"))
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "logging in with the page's token must work"


def is_csrf_refusal(response) -> bool:
    if response.status_code != 400:
        return False
    if response.mimetype == "application/problem+json":
        return "CSRF" in response.get_json(force=True)["detail"]
    return CSRF_REFUSAL in response.get_data(as_text=True)


def is_refused(response, rule, *, logged_in: bool) -> bool:
    if is_csrf_refusal(response):
        return True
    # Without a session or a bearer token the API has no credentials a forger could ride on.
    return not logged_in and rule.rule.startswith(API_PREFIX) and response.status_code == 401


def reload(db, model, pk):
    """Read the row as committed by the app's requests (ends the test's own transaction first)."""
    db.session.rollback()
    return db.session.get(model, pk)


def state_changing_routes(app):
    return [(method, rule) for method, rule in routes(app) if method in STATE_CHANGING_METHODS]


def test_the_exemption_list_is_tiny_justified_and_current(csrf_app):
    assert len(EXEMPT) <= 2, "CSRF exemptions must stay exceptional"
    served = {(method, rule.rule) for method, rule in state_changing_routes(csrf_app)}
    for route, reason in EXEMPT.items():
        assert route in served, f"{route} is exempted but is not a state-changing route any more"
        assert len(reason.split()) >= 4, f"{route}: say why it may be posted without a token"


def test_the_app_has_state_changing_routes_to_check(csrf_app):
    found = {(method, rule.rule) for method, rule in state_changing_routes(csrf_app)}
    assert {("POST", "/connexion"), ("POST", "/deconnexion"), ("POST", "/compte")} <= found


@pytest.mark.parametrize("who", ["anonymous", "admin"])
@pytest.mark.parametrize("token", ["missing", "forged", "from another session"])
def test_every_state_changing_route_refuses_a_request_without_a_valid_token(csrf_app, db, make_user, who, token):
    from portal.accounts.models import Role, User
    from portal.spaces.models import Booking, BookingStatus

    samples = Samples(make_user)
    exempt = EXEMPT | (EXEMPT_WHEN_ANONYMOUS if who == "anonymous" else {})
    targets = [(method, rule, sample_url(rule, samples)) for method, rule in state_changing_routes(csrf_app)
               if (method, rule.rule) not in exempt]
    subject_id, subject_email, booking_id = samples.user().id, samples.user().email, samples.booking().id
    admin_id = make_user(roles=("member", "admin")).id if who == "admin" else None
    db.session.rollback()  # this thread must not hold an SQLite snapshot while the app's requests run
    client = csrf_app.test_client()
    if admin_id:
        login(client, reload(db, User, admin_id))
    data = {
        "missing": {},
        "forged": {"csrf_token": "IjAxMjM0NTY3ODlhYmNkZWYi.forged.signature"},
        "from another session": {"csrf_token": scrape_token(csrf_app.test_client().get("/connexion"))},
    }[token]
    # Fields that would make each form valid, so only the token can stop the request.
    data |= {"display_name": "Pirate", "lang": "en", "roles": "staff", "active": "0", "email": subject_email}

    accepted = []
    for method, rule, url in targets:
        response = client.open(url, method=method, data=data)
        if not is_refused(response, rule, logged_in=who != "anonymous"):
            accepted.append(f"{method} {rule.rule} → {response.status_code}")

    assert not accepted, "accepted without a valid CSRF token:\n" + "\n".join(accepted)
    subject = reload(db, User, subject_id)
    assert subject.active and subject.roles == {Role.MEMBER} and subject.display_name == "Camille Exemple"
    assert reload(db, Booking, booking_id).status == BookingStatus.CONFIRMED
    if admin_id:
        assert client.get("/compte").status_code == 200, "the logout without a token logged the admin out"
        admin = reload(db, User, admin_id)
        assert admin.display_name != "Pirate" and admin.preferred_language == "fr"


def test_logout_needs_the_token_from_the_page(csrf_app, make_user):
    client = csrf_app.test_client()
    login(client, make_user())

    assert is_csrf_refusal(client.post("/deconnexion"))
    page = client.get("/compte")
    assert page.status_code == 200, "still logged in after a logout without token"

    response = client.post("/deconnexion", data={"csrf_token": scrape_token(page)})
    assert response.status_code == 302
    assert client.get("/compte").status_code == 302, "logged out with the page's token"


def test_profile_changes_only_with_the_token_from_the_form(csrf_app, db, make_user):
    from portal.accounts.models import User

    user = make_user(name="Nom d'origine")
    client = csrf_app.test_client()
    login(client, user)
    form = {"display_name": "Nom changé", "phone": "", "preferred_language": "fr"}

    assert is_csrf_refusal(client.post("/compte", data=form))
    assert reload(db, User, user.id).display_name == "Nom d'origine"

    token = scrape_token(client.get("/compte"))
    response = client.post("/compte", data=form | {"csrf_token": token})
    assert response.status_code == 302
    assert reload(db, User, user.id).display_name == "Nom changé"


def test_admin_deactivation_needs_the_token_from_the_page(csrf_app, db, make_user):
    from portal.accounts.models import User

    target = make_user()
    client = csrf_app.test_client()
    login(client, make_user(roles=("member", "admin")))
    url = f"/admin/utilisateurs/{target.id}/activation"

    assert is_csrf_refusal(client.post(url, data={"active": "0"}))
    assert reload(db, User, target.id).active

    token = scrape_token(client.get(f"/admin/utilisateurs/{target.id}"))
    assert client.post(url, data={"active": "0", "csrf_token": token}).status_code == 302
    assert not reload(db, User, target.id).active


def test_email_confirmation_link_needs_the_token_from_its_page(csrf_app, db):
    """Sign up (with the form's token), then use the e-mailed link: the POST alone confirms."""
    from portal.accounts.models import User
    from portal.mail.models import OutboxMessage

    email = "alix@example.org"

    def account():
        db.session.rollback()
        return db.session.scalar(select(User).where(User.email == email))

    client = csrf_app.test_client()
    signup = {"display_name": "Alix Nouvelle", "email": email,
              "password": "Des-hérissons-traversent-la-Seine-à-midi", "preferred_language": "fr"}
    assert is_csrf_refusal(client.post("/inscription", data=signup))
    assert account() is None

    token = scrape_token(client.get("/inscription"))
    assert client.post("/inscription", data=signup | {"csrf_token": token}).status_code == 302
    db.session.rollback()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)).one()
    link = re.search(r"/confirmer/[\w.-]+", message.body_text).group(0)

    page = client.get(link)
    assert page.status_code == 200
    assert is_csrf_refusal(client.post(link))
    assert account().email_confirmed_at is None

    assert client.post(link, data={"csrf_token": scrape_token(page)}).status_code == 302
    assert account().email_confirmed_at is not None


def test_api_writes_need_the_csrf_header_with_the_session_but_not_with_a_bearer_token(csrf_app, db, make_user):
    from portal.api.auth import create_token
    from portal.db import utcnow
    from portal.spaces.models import Booking
    from portal.timeutil import paris_to_utc, paris_today

    space = Samples(make_user).space()
    user = make_user()
    _token, secret = create_token(user, "Script de test", now=utcnow())
    db.session.commit()
    day = paris_today(utcnow()) + timedelta(days=1)

    def booking(hour):
        return {"space_id": space.id, "starts_at": paris_to_utc(day, time(hour)).isoformat(),
                "ends_at": paris_to_utc(day, time(hour + 1)).isoformat()}

    def booked():
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(Booking))

    client = csrf_app.test_client()
    login(client, user)
    assert is_csrf_refusal(client.post("/api/v1/bookings", json=booking(9)))
    assert is_csrf_refusal(client.post("/api/v1/bookings", json=booking(9), headers={"X-CSRFToken": "forged"}))
    assert booked() == 0

    token = scrape_token(client.get("/compte"))
    assert client.post("/api/v1/bookings", json=booking(9), headers={"X-CSRFToken": token}).status_code == 201
    assert booked() == 1

    bearer = csrf_app.test_client().post("/api/v1/bookings", json=booking(14),
                                         headers={"Authorization": f"Bearer {secret}"})
    assert bearer.status_code == 201
    assert booked() == 2


def test_a_visitor_changes_language_without_a_token_but_a_member_needs_one(csrf_app, db, make_user):
    from portal.accounts.models import User

    visitor = csrf_app.test_client()
    response = visitor.post("/langue", data={"lang": "en", "next": "/"})
    assert response.status_code == 302
    assert "Book" in visitor.get("/").get_data(as_text=True)

    member_id = make_user().id
    db.session.rollback()
    client = csrf_app.test_client()
    login(client, reload(db, User, member_id))
    assert is_csrf_refusal(client.post("/langue", data={"lang": "en", "next": "/"}))
    assert reload(db, User, member_id).preferred_language == "fr"
    token = scrape_token(client.get("/compte"))
    assert client.post("/langue", data={"lang": "en", "next": "/", "csrf_token": token}).status_code == 302
    assert reload(db, User, member_id).preferred_language == "en"
