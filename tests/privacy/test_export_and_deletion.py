"""« Mes données »: the export holds every personal column about the person and nothing about anyone else;
after deletion, nothing personal about the person remains in any table, feed, e-mail or search index."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from tests.route_samples import Samples


@pytest.fixture
def people(db, make_user, make_profile, make_organisation, tags):
    """The person (with data in every package) and someone else with the same kinds of data."""
    from portal.api.auth import create_token
    from portal.db import utcnow
    from portal.directory import contact, introductions, services
    from portal.volunteers import services as volunteering

    samples = Samples(make_user)
    person = samples.user()  # has a booking tomorrow, a registration, an API token
    samples.booking(), samples.registration(), samples.api_token()
    samples.project_request(), samples.payment()  # other packages: accompaniment, payments
    other_samples = Samples(make_user)
    other_samples._cache["space"] = samples.space()
    other_samples._cache["event"] = samples.event()
    other = make_user(name="Olivier Autrepersonne", email="olivier@example.org")
    other_samples._cache["user"] = other
    other_samples.registration(), other_samples.api_token()

    now = utcnow()
    for who, word, phone in ((person, "Quetzalcoatl", "06 12 34 56 78"), (other, "Zanzibar", "06 98 76 54 32")):
        who.phone = phone
        make_profile(who, "public", presentation=f"Passionné de {word}", neighbourhood=f"Quartier {word}",
                     languages=["ar"], offer_tag_ids=[tags["Cuisine"].id], share_contact=True)
        volunteering.save_volunteer(who, volunteering.VolunteerData(
            skill_ids=[tags["Cuisine"].id], slots=["1:evening"], note=f"Note {word}"), now=now)
    organisation = make_organisation("Les Amis du Jardin", "public", manager=other)
    services.join_organisation(other, organisation, person, role="trésorière", manager=False, now=now)
    contact.send_message(person, other.profile if hasattr(other, "profile") else
                         services.own_profile(other), subject="Bonjour Olivier", body="Message de Quetzalcoatl", now=now)
    contact.send_message(other, services.own_profile(person), subject="Réponse", body="Message de Zanzibar", now=now)
    introductions.propose(person, person, other, "Rencontre Quetzalcoatl", now=now)
    organiser = samples.organiser()
    call = volunteering.create_call(organiser, volunteering.CallData(
        title="Cuisine partagée", starts_at=samples.event().starts_at, ends_at=samples.event().ends_at, wanted=3),
        now=now)
    volunteering.answer_call(person, call, "Réponse Quetzalcoatl", now=now)
    volunteering.answer_call(other, call, "Réponse Zanzibar", now=now)
    create_token(person, "Mon application", now=now)
    db.session.commit()
    return person, other


def _export(client, auth, user):
    auth.login(user)
    response = client.post("/mes-donnees/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_export_has_every_personal_column_and_nothing_about_others(client, auth, db, people):
    from portal.privacy.retention import TABLES

    person, other = people
    person_id, other_id = person.id, other.id
    other_secrets = [other.email, other.display_name, other.phone, "Zanzibar"]
    db.session.rollback()
    archive = _export(client, auth, person)
    names = set(archive.namelist())
    data = json.loads(archive.read("donnees.json"))["tables"]
    expected = {"users", "user_roles", "user_sessions", "api_tokens", "bookings", "registrations",
                "organisation_memberships", "directory_profiles", "directory_contact_messages", "introductions",
                "volunteers", "volunteer_answers", "project_requests", "payments"}
    assert expected <= set(data), f"missing: {expected - set(data)}"
    for table, rows in data.items():
        rule = TABLES[table]
        for column in set(rule.personal) - rule.secret:
            assert all(column in row for row in rows), f"{table}.{column} missing from the export"
        for column in rule.secret:
            assert all(column not in row for row in rows), f"{table}.{column} is a secret and must not be exported"
        assert f"{table}.csv" in names
    assert data["users"][0]["email"] == person.email
    assert data["directory_profiles"][0]["consent_at"]  # consents and their date
    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    for secret in other_secrets:
        assert secret not in everything, f"{secret!r} belongs to someone else"
    user_columns = {(t, c) for t, rule in TABLES.items() for c in rule.personal if c.endswith("_id")
                    and t not in ("introductions",)}
    for table, rows in data.items():
        for row in rows:
            for column, value in row.items():
                if (table, column) in user_columns and column in ("user_id", "sender_id"):
                    assert value != other_id
    assert all(row["user_id"] == person_id for row in data["bookings"])


def _text_columns(db):
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                yield table, column


def test_deletion_leaves_nothing_personal(client, auth, db, people, deliver):
    from portal.directory import search

    person, other = people
    person_id, email, name, phone = person.id, person.email, person.display_name, person.phone
    db.session.rollback()
    auth.login(person)
    page = client.get("/mes-donnees/supprimer-mon-compte").get_data(as_text=True)
    assert "Ce qui est gardé, et pourquoi" in page
    wrong = client.post("/mes-donnees/supprimer-mon-compte", data={"password": "faux", "confirm": "y"})
    assert wrong.status_code == 422 and "Mot de passe incorrect." in wrong.get_data(as_text=True)
    done = client.post("/mes-donnees/supprimer-mon-compte",
                       data={"password": "correct horse battery staple", "confirm": "y"})
    assert done.status_code == 200 and "Votre compte est supprimé" in done.get_data(as_text=True)
    assert client.get("/mes-donnees").status_code == 302  # logged out

    db.session.rollback()
    traces = [email, name, phone, "Quetzalcoatl"]
    for table, column in _text_columns(db):
        for trace in traces:
            found = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                sa.cast(column, sa.Text).contains(trace, autoescape=True)))
            assert not found, f"{trace!r} is still in {table.name}.{column.name}"
    # the search index has forgotten the profile
    assert search.search(search.Filters(q="Quetzalcoatl"), None).total == 0
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(sa.text(
            "SELECT count(*) FROM directory_profiles_fts WHERE directory_profiles_fts MATCH 'quetzalcoatl'")) == 0
    # the API and the pages no longer know the person
    assert client.get(f"/api/v1/members/{person_id}").status_code == 404
    # the other person's data is intact
    assert search.search(search.Filters(q="Zanzibar"), None).total == 1
    # the log keeps that a deletion happened, without saying who
    from portal.privacy.models import PrivacyRequest

    log = db.session.scalars(sa.select(PrivacyRequest)).all()
    assert {r.kind.value for r in log} == {"deletion"} and all(r.user_id is None for r in log)
    # nothing left to send to the person
    deliver()
    assert auth.login(email).status_code != 302


def test_staff_see_the_log(client, auth, db, make_user):
    person = make_user(name="Demandeur Export")
    staff = make_user(roles=("member", "staff"))
    db.session.rollback()
    _export(client, auth, person)
    auth.logout()
    assert client.get("/equipe/rgpd").status_code == 302
    auth.login(staff)
    page = client.get("/equipe/rgpd").get_data(as_text=True)
    assert "Export" in page and f"n° {person.id}" in page
