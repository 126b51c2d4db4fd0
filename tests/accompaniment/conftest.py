"""Factories shared by the accompaniment tests: staff, teams, rules, partners and requests made
through the services, exactly as the pages make them.

Service tests use fixed instants; page tests read the real clock.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.accompaniment.services import admin
from portal.accompaniment.services.intake import RequestData, submit_request
from tests.conftest import AuthActions

# Monday 8 June 2026, 10:00 in Paris: a working week without public holidays.
MONDAY = datetime(2026, 6, 8, 8, 0, tzinfo=UTC)


def request_data(**changes) -> RequestData:
    values = dict(name="Awa Diallo", email="awa@example.org", phone="06 12 34 56 78", language="fr",
                  contact_channel="email", title="Traiteur malien", description="Cuisine pour les fêtes.",
                  theme="travailler", stage="idea", place="Les Mureaux", needs=["funding", "legal"],
                  heard_from="association", consent=True)
    values.update(changes)
    return RequestData(**values)


def fresh(db) -> None:
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture(autouse=True)
def _no_minimum_filling_time(app):
    """Page tests fill the form faster than a person; the timing check has its own tests."""
    previous = app.config.get("ACCOMPANIMENT_MIN_FILL_SECONDS")
    app.config["ACCOMPANIMENT_MIN_FILL_SECONDS"] = 0
    yield
    if previous is None:
        app.config.pop("ACCOMPANIMENT_MIN_FILL_SECONDS", None)
    else:
        app.config["ACCOMPANIMENT_MIN_FILL_SECONDS"] = previous


@pytest.fixture
def make_staff(make_user):
    def factory(**kwargs):
        kwargs.setdefault("roles", ("member", "staff"))
        return make_user(**kwargs)

    return factory


@pytest.fixture
def make_request(db):
    """make_request(now=..., **fields) → a submitted request (committed)."""

    def factory(*, now=None, user=None, partner=None, **fields):
        created = submit_request(request_data(**fields), now=now or datetime.now(UTC), user=user, partner=partner)
        db.session.commit()
        return created

    return factory


@pytest.fixture
def make_team(db):
    def factory(name="Création d'activité", members=()):
        team = admin.create_team(name)
        for member in members:
            admin.add_member(team, member.email)
        db.session.commit()
        return team

    return factory


@pytest.fixture
def make_rule(db):
    def factory(*, position=10, theme=None, need=None, stage=None, language=None, team=None, user=None):
        rule = admin.create_rule(position=position, theme=theme, need=need, stage=stage, language=language,
                                 team_id=team.id if team else None, user_id=user.id if user else None)
        db.session.commit()
        return rule

    return factory


@pytest.fixture
def make_partner(db):
    def factory(name="Initiative Seine Yvelines"):
        partner = admin.create_partner(name, "contact@partenaire.example")
        db.session.commit()
        return partner

    return factory


@pytest.fixture
def login(app, make_user):
    """login(user) → a test client of its own, logged in as that user."""

    def factory(user):
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, response.status_code
        return client

    return factory
