"""The events JSON API (/api/v1/events...): statuses, problem+json errors, visibility, the OpenAPI document.

Requests read the real clock: events are made with ``now=real_now()`` on ``upcoming_day``.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.events.models import (
    Event,
    EventAudience,
    EventStatus,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    Theme,
)
from portal.mail.models import OutboxMessage
from tests.conftest import make_app
from tests.events.conftest import ADDRESS, EVERY_DAY, at, fresh, real_now

PARIS = ZoneInfo("Europe/Paris")
PROBLEM = "application/problem+json"


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def titles(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return {event["title"] for event in response.get_json()}


def event_body(day, **overrides) -> dict:
    return {"title": "Atelier vélo", "theme": "vivre_ensemble", "starts_at": at(day, 14).isoformat(),
            "ends_at": at(day, 16, 30).isoformat(), "address": ADDRESS, **overrides}


@pytest.fixture
def organiser(make_organiser):
    return make_organiser(name="Inès Organisatrice")


@pytest.fixture
def member(make_user):
    return make_user(name="Awa Membre")


@pytest.fixture
def event(make_event, organiser, upcoming_day):
    """A public published event with free registration for two people."""
    return make_event(organiser=organiser, title="Repair café", day=upcoming_day, capacity=2, now=real_now(),
                      description="Apportez vos objets cassés : on les répare ensemble.")


# --- reading the agenda -----------------------------------------------------------------------------


def test_anonymous_sees_public_events_and_members_also_members_only_ones(client, login, member, make_event,
                                                                        make_organiser, organiser, upcoming_day):
    now = real_now()
    make_event(organiser=organiser, title="Public", day=upcoming_day, now=now)
    make_event(organiser=organiser, title="Membres", day=upcoming_day, audience=EventAudience.MEMBERS, now=now)
    make_event(organiser=organiser, title="Brouillon", day=upcoming_day, status="draft", now=now)
    make_event(organiser=make_organiser(trusted=False), title="En relecture", day=upcoming_day,
               status="submitted", now=now)

    assert titles(client.get("/api/v1/events")) == {"Public"}
    assert titles(login(member).get("/api/v1/events")) == {"Public", "Membres"}
    # Not even its organiser finds a draft in the agenda: drafts are read one by one.
    assert titles(login(organiser).get("/api/v1/events")) == {"Public", "Membres"}


def test_the_list_filters_by_days_theme_and_audience(client, login, member, make_event, organiser, upcoming_day):
    now = real_now()
    later = upcoming_day + timedelta(days=3)
    make_event(organiser=organiser, title="Tôt", day=upcoming_day, theme=Theme.WORKING, now=now)
    make_event(organiser=organiser, title="Tard", day=later, theme=Theme.VISITING_MEETING, now=now)
    make_event(organiser=organiser, title="Membres tard", day=later, theme=Theme.VISITING_MEETING,
               audience=EventAudience.MEMBERS, now=now)
    api = login(member)

    assert titles(api.get("/api/v1/events", query_string={"from": later.isoformat()})) == {"Tard", "Membres tard"}
    assert titles(api.get("/api/v1/events", query_string={"to": upcoming_day.isoformat()})) == {"Tôt"}
    assert titles(api.get("/api/v1/events", query_string={"from": upcoming_day.isoformat(),
                                                          "to": upcoming_day.isoformat()})) == {"Tôt"}
    assert titles(api.get("/api/v1/events", query_string={"theme": "visiter_rencontrer"})) == {"Tard", "Membres tard"}
    assert titles(api.get("/api/v1/events", query_string={"audience": "members"})) == {"Membres tard"}
    assert titles(api.get("/api/v1/events", query_string={"audience": "public"})) == {"Tôt", "Tard"}
    # The audience filter cannot open members-only events to anonymous callers.
    assert titles(client.get("/api/v1/events", query_string={"audience": "members"})) == set()
    assert len(api.get("/api/v1/events", query_string={"limit": 1}).get_json()) == 1


def test_an_event_is_described_with_aware_times_and_links(client, event):
    body = client.get(f"/api/v1/events/{event.id}").get_json()

    assert body["id"] == event.id and body["title"] == "Repair café"
    assert datetime.fromisoformat(body["starts_at"]) == event.starts_at
    assert datetime.fromisoformat(body["starts_at"]).utcoffset() is not None
    assert body["theme"] == "vivre_ensemble" and body["audience"] == "public"
    assert body["registration_mode"] == "free" and body["capacity"] == 2 and body["seats_left"] == 2
    assert body["status"] == "published" and body["location"] == ADDRESS
    assert body["url"].endswith(f"/evenements/{event.id}") and body["ical_url"].endswith(f"/evenements/{event.id}.ics")


@pytest.mark.parametrize("query", [{"theme": "cuisine"}, {"audience": "tous"}, {"from": "demain"},
                                   {"from": "2027-03-10", "to": "2027-03-01"}, {"limit": "0"}, {"limit": "500"}])
def test_bad_filters_are_a_problem_naming_the_parameter(client, query):
    body = problem_of(client.get("/api/v1/events", query_string=query), 422)
    field = "to" if "to" in query else next(iter(query))
    assert set(body["errors"]) == {field}
    assert body["title"] == "Données invalides"
    if "theme" in query:
        assert body["errors"]["theme"] == ["Valeur inconnue ; valeurs possibles : vivre_ensemble, travailler, "
                                           "visiter_rencontrer."]


def test_visibility_of_one_event_follows_the_pages(client, login, member, make_user, make_event, organiser,
                                                    upcoming_day):
    now = real_now()
    public = make_event(organiser=organiser, day=upcoming_day, now=now)
    members_only = make_event(organiser=organiser, day=upcoming_day, audience=EventAudience.MEMBERS, now=now)
    draft = make_event(organiser=organiser, day=upcoming_day, status="draft", now=now)
    staff = make_user(roles=("member", "staff"))
    url = "/api/v1/events/{}".format

    assert client.get(url(public.id)).status_code == 200
    problem_of(client.get(url(members_only.id)), 404)
    problem_of(client.get(url(draft.id)), 404)
    problem_of(client.get(url(999_999)), 404)
    as_member = login(member)
    assert as_member.get(url(members_only.id)).status_code == 200
    problem_of(as_member.get(url(draft.id)), 404)
    assert login(organiser).get(url(draft.id)).get_json()["status"] == "draft"
    assert login(staff).get(url(draft.id)).status_code == 200


# --- registrations ------------------------------------------------------------------------------------


def test_members_register_then_wait_when_it_is_full(db, login, make_user, event):
    first, second, third = (make_user() for _ in range(3))
    url = f"/api/v1/events/{event.id}/registrations"

    response = login(first).post(url)
    assert response.status_code == 201
    assert response.get_json()["status"] == "registered" and response.get_json()["event_id"] == event.id
    assert login(second).post(url).get_json()["status"] == "registered"
    response = login(third).post(url)
    assert response.status_code == 201 and response.get_json()["status"] == "waitlisted"

    fresh(db)
    assert db.session.get(Event, event.id).seats_taken == 2


def test_registering_twice_answers_the_same_registration_with_200(db, login, member, event):
    api = login(member)
    first = api.post(f"/api/v1/events/{event.id}/registrations")
    again = api.post(f"/api/v1/events/{event.id}/registrations")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    fresh(db)
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_an_event_with_approval_gives_a_pending_registration(login, member, make_event, organiser, upcoming_day):
    event = make_event(organiser=organiser, day=upcoming_day, capacity=10,
                       registration_mode=RegistrationMode.APPROVAL, now=real_now())

    response = login(member).post(f"/api/v1/events/{event.id}/registrations")
    assert response.status_code == 201 and response.get_json()["status"] == "pending"


def test_registering_needs_an_account_and_open_registrations(client, login, member, make_event, organiser,
                                                             upcoming_day):
    now = real_now()
    walk_in = make_event(organiser=organiser, day=upcoming_day, now=now)  # no registration at all
    members_only = make_event(organiser=organiser, day=upcoming_day, capacity=5, audience=EventAudience.MEMBERS,
                              now=now)

    problem_of(client.post(f"/api/v1/events/{members_only.id}/registrations"), 401)
    body = problem_of(login(member).post(f"/api/v1/events/{walk_in.id}/registrations"), 422)
    assert "sans inscription" in body["detail"]
    assert login(member).post(f"/api/v1/events/{members_only.id}/registrations").status_code == 201
    problem_of(login(member).post("/api/v1/events/999999/registrations"), 404)


def test_cancelling_my_registration_offers_the_seat_to_the_waiting_list(db, login, make_user, make_event,
                                                                        organiser, upcoming_day):
    event = make_event(organiser=organiser, day=upcoming_day, capacity=1, now=real_now())
    holder, waiting = make_user(), make_user()
    holder_api, waiting_api = login(holder), login(waiting)
    url = f"/api/v1/events/{event.id}/registrations"
    assert holder_api.post(url).get_json()["status"] == "registered"
    assert waiting_api.post(url).get_json()["status"] == "waitlisted"

    response = holder_api.delete(f"{url}/mine")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"

    fresh(db)
    offered = db.session.scalar(select(Registration).where(Registration.user_id == waiting.id))
    assert offered.status == RegistrationStatus.OFFERED
    # Nothing to cancel for someone who never registered.
    problem_of(login(make_user()).delete(f"{url}/mine"), 404)
    problem_of(holder_api.delete("/api/v1/events/999999/registrations/mine"), 404)


def test_anonymous_cannot_cancel_a_registration(client, event):
    problem_of(client.delete(f"/api/v1/events/{event.id}/registrations/mine"), 401)


# --- organisers --------------------------------------------------------------------------------------


def test_an_organiser_creates_a_draft_nobody_else_sees(db, client, login, organiser, upcoming_day):
    api = login(organiser)
    body = event_body(upcoming_day, languages=["fr", "ar"], tags=["Vélo", "réparation"], capacity=12,
                      registration_mode="free", audience="public")

    response = api.post("/api/v1/events", json=body)

    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/events/{created['id']}")
    assert created["status"] == "draft" and created["title"] == "Atelier vélo"
    assert datetime.fromisoformat(created["starts_at"]) == at(upcoming_day, 14)
    assert datetime.fromisoformat(created["ends_at"]) == at(upcoming_day, 16, 30)
    assert created["languages"] == ["fr", "ar"] and created["tags"] == ["réparation", "vélo"]
    assert created["capacity"] == 12 and created["registration_mode"] == "free"
    fresh(db)
    row = db.session.get(Event, created["id"])
    assert row.organiser_id == organiser.id and row.status == EventStatus.DRAFT
    problem_of(client.get(f"/api/v1/events/{created['id']}"), 404)
    assert titles(client.get("/api/v1/events")) == set()


def test_times_with_any_offset_are_the_same_instants(db, login, organiser, upcoming_day):
    start, end = at(upcoming_day, 9), at(upcoming_day, 11)
    body = event_body(upcoming_day, starts_at=start.astimezone(PARIS).isoformat(),  # 09:00+01:00 or +02:00
                      ends_at=end.astimezone(UTC).isoformat().replace("+00:00", "Z"))

    created = login(organiser).post("/api/v1/events", json=body).get_json()
    fresh(db)
    row = db.session.get(Event, created["id"])
    assert (row.starts_at, row.ends_at) == (start, end)
    assert row.starts_at.astimezone(PARIS).time() == time(9)


def test_only_organisers_create_events(db, client, login, member):
    body = event_body(datetime.now(UTC).date() + timedelta(days=10))

    problem_of(client.post("/api/v1/events", json=body), 401)
    problem_of(login(member).post("/api/v1/events", json=body), 403)
    problem_of(login(member).post("/api/v1/events", json={}), 403)  # refused before its body is even read
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0


@pytest.mark.parametrize(("change", "fields"), [
    ({"title": None, "theme": None}, {"title", "theme"}),
    ({"theme": "cuisine"}, {"theme"}),
    ({"starts_at": "2027-03-02T09:00:00"}, {"starts_at"}),  # no offset: which 09:00?
    ({"registration_mode": "paying"}, {"registration_mode"}),
    ({"languages": ["klingon"]}, {"languages"}),
    ({"colour": "rouge"}, {"colour"}),
])
def test_invalid_bodies_are_problems_naming_the_fields(login, organiser, upcoming_day, change, fields):
    body = {k: v for k, v in (event_body(upcoming_day) | change).items() if v is not None}

    problem = problem_of(login(organiser).post("/api/v1/events", json=body), 422)
    assert set(problem["errors"]) == fields


def test_rules_of_the_service_are_problems_with_the_field(login, organiser, upcoming_day):
    api = login(organiser)

    backwards = api.post("/api/v1/events", json=event_body(upcoming_day, ends_at=at(upcoming_day, 13).isoformat()))
    assert problem_of(backwards, 422)["errors"] == {"ends_at": ["La fin doit être après le début."]}
    nowhere = api.post("/api/v1/events", json=event_body(upcoming_day, address=""))
    assert set(problem_of(nowhere, 422)["errors"]) == {"address"}


def test_an_event_in_a_taken_space_is_a_conflict_with_suggestions(db, login, organiser, make_space, make_user,
                                                                  upcoming_day):
    from portal.spaces.services.bookings import create_booking

    room = make_space(name="Salle Seine", hours=EVERY_DAY)
    create_booking(make_user(), space_id=room.id, starts_at=at(upcoming_day, 14), ends_at=at(upcoming_day, 15),
                   now=real_now(), notify=False)
    db.session.commit()

    response = login(organiser).post("/api/v1/events", json=event_body(upcoming_day, space_id=room.id, address=""))
    body = problem_of(response, 409)
    assert "suggestions" in body and set(body["errors"]) == {"space_id"}
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0

    free = login(organiser).post("/api/v1/events", json=event_body(upcoming_day, space_id=room.id, address="",
                                                                   starts_at=at(upcoming_day, 16).isoformat(),
                                                                   ends_at=at(upcoming_day, 18).isoformat()))
    assert free.status_code == 201 and free.get_json()["space_id"] == room.id
    assert free.get_json()["location"].endswith("Salle Seine")


def test_patch_changes_only_the_fields_sent(db, login, organiser, make_user, event):
    registrant = make_user()
    assert login(registrant).post(f"/api/v1/events/{event.id}/registrations").status_code == 201
    api = login(organiser)
    before = api.get(f"/api/v1/events/{event.id}").get_json()

    def mails() -> int:
        fresh(db)
        return db.session.scalar(select(func.count(OutboxMessage.id)))

    sent = mails()

    renamed = api.patch(f"/api/v1/events/{event.id}", json={"title": "Repair café du samedi"})
    assert renamed.status_code == 200
    assert renamed.get_json() | {"title": before["title"]} == before  # nothing else moved
    assert "objets cassés" in renamed.get_json()["description_html"]
    assert mails() == sent  # a new title alone e-mails nobody
    fresh(db)
    assert db.session.get(Event, event.id).sequence == 0

    moved = api.patch(f"/api/v1/events/{event.id}", json={"starts_at": (event.starts_at + timedelta(hours=1)).isoformat(),
                                                          "ends_at": (event.ends_at + timedelta(hours=1)).isoformat()})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert datetime.fromisoformat(moved.get_json()["starts_at"]) == event.starts_at + timedelta(hours=1)
    assert moved.get_json()["title"] == "Repair café du samedi"
    fresh(db)
    assert db.session.get(Event, event.id).sequence == 1
    changed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == registrant.email)
                                 .order_by(OutboxMessage.id)).all()[-1]
    assert changed.subject.startswith("Changement")


def test_patch_changes_one_occurrence_or_the_rest_of_the_series(db, login, organiser, make_series, upcoming_day):
    from portal.events.services.recurrence import Recurrence

    series = make_series(Recurrence("weekly", count=3), organiser=organiser, title="Chorale", day=upcoming_day,
                         now=real_now())
    api = login(organiser)

    assert api.patch(f"/api/v1/events/{series[0].id}", json={"title": "Chorale (répétition)"}).status_code == 200
    fresh(db)
    assert [db.session.get(Event, e.id).title for e in series] == ["Chorale (répétition)", "Chorale", "Chorale"]

    response = api.patch(f"/api/v1/events/{series[1].id}", json={"title": "Chorale d'été", "whole_series": True})
    assert response.status_code == 200 and response.get_json()["title"] == "Chorale d'été"
    fresh(db)
    assert [db.session.get(Event, e.id).title for e in series] == ["Chorale (répétition)", "Chorale d'été",
                                                                   "Chorale d'été"]


def test_patch_is_for_the_events_organiser_and_staff(db, client, login, member, make_organiser, make_user, event):
    url = f"/api/v1/events/{event.id}"

    problem_of(client.patch(url, json={"title": "Piraté"}), 401)
    problem_of(login(member).patch(url, json={"title": "Piraté"}), 403)
    problem_of(login(make_organiser()).patch(url, json={"title": "Piraté"}), 404)
    fresh(db)
    assert db.session.get(Event, event.id).title == "Repair café"
    staff = make_user(roles=("member", "staff"))
    assert login(staff).patch(url, json={"title": "Corrigé par l'équipe"}).get_json()["title"] == "Corrigé par l'équipe"
    problem_of(login(staff).patch(url, json={"ends_at": event.starts_at.isoformat()}), 422)


def test_patch_moves_an_event_from_a_space_to_an_address(db, login, organiser, make_space, make_event, upcoming_day):
    room = make_space(hours=EVERY_DAY)
    event = make_event(organiser=organiser, day=upcoming_day, space=room, now=real_now())
    assert event.booking is not None and event.booking.is_active

    response = login(organiser).patch(f"/api/v1/events/{event.id}", json={"space_id": None, "address": ADDRESS})
    assert response.status_code == 200
    assert response.get_json()["space_id"] is None and response.get_json()["location"] == ADDRESS
    fresh(db)
    row = db.session.get(Event, event.id)
    assert row.booking_id is None and row.sequence == 1


def test_publishing_depends_on_trust(login, make_organiser, upcoming_day):
    body = event_body(upcoming_day)
    trusted, newcomer = make_organiser(trusted=True), make_organiser(trusted=False)

    for organiser, status in ((trusted, "published"), (newcomer, "submitted")):
        api = login(organiser)
        created = api.post("/api/v1/events", json=body).get_json()
        response = api.post(f"/api/v1/events/{created['id']}/publish")
        assert response.status_code == 200 and response.get_json()["status"] == status
        assert "envoyé" in problem_of(api.post(f"/api/v1/events/{created['id']}/publish"), 422)["detail"]


def test_cancelling_needs_a_message_once_published_and_keeps_the_event_visible(db, client, login, organiser,
                                                                                make_user, event):
    registrant = make_user()
    login(registrant).post(f"/api/v1/events/{event.id}/registrations")
    api = login(organiser)

    assert set(problem_of(api.post(f"/api/v1/events/{event.id}/cancel", json={}), 422)["errors"]) == {"message"}
    response = api.post(f"/api/v1/events/{event.id}/cancel", json={"message": "La salle est inondée, désolée."})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"

    public = client.get(f"/api/v1/events/{event.id}").get_json()
    assert public["status"] == "cancelled" and public["cancellation_message"] == "La salle est inondée, désolée."
    fresh(db)
    notice = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == registrant.email)
                                .order_by(OutboxMessage.id)).all()[-1]
    assert notice.subject.startswith("Annulé")
    problem_of(api.post(f"/api/v1/events/{event.id}/cancel", json={"message": "Encore"}), 422)
    problem_of(login(make_user()).post(f"/api/v1/events/{event.id}/cancel", json={"message": "x"}), 403)


# --- authentication, CSRF, documentation ------------------------------------------------------------------


def test_session_writes_need_the_csrf_header_and_bearer_tokens_do_not(database_url, db, make_user, event):
    from portal.api.auth import create_token

    member = make_user()
    _token, secret = create_token(member, "Site de l'association", now=real_now())
    db.session.commit()
    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    browser = csrf_app.test_client()
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get("/connexion").get_data(as_text=True))
    browser.post("/connexion", data={"email": member.email, "password": "correct horse battery staple",
                                     "csrf_token": form_token.group(1)})
    url = f"/api/v1/events/{event.id}/registrations"

    assert "CSRF" in problem_of(browser.post(url), 400)["detail"]
    fresh(db)
    assert db.session.scalar(select(func.count(Registration.id))) == 0

    response = csrf_app.test_client().post(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    fresh(db)
    assert db.session.scalar(select(Registration.user_id)) == member.id


def test_the_openapi_document_lists_the_event_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    expected = {
        "/api/v1/events": {"get", "post"},
        "/api/v1/events/{event_id}": {"get", "patch"},
        "/api/v1/events/{event_id}/registrations": {"post"},
        "/api/v1/events/{event_id}/registrations/mine": {"delete"},
        "/api/v1/events/{event_id}/publish": {"post"},
        "/api/v1/events/{event_id}/cancel": {"post"},
    }
    for path, methods in expected.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), path
    assert set(spec["paths"]["/api/v1/events"]["post"]["responses"]) >= {"201", "403", "409", "422"}
    assert set(spec["components"]["schemas"]["EventCreate"]["required"]) == {"title", "theme", "starts_at", "ends_at"}
    assert "required" not in spec["components"]["schemas"]["EventChange"]
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/events/{event_id}/registrations/mine" in docs


def test_an_all_day_event_runs_from_paris_midnight_to_midnight(login, organiser, upcoming_day):
    body = event_body(upcoming_day, all_day=True, starts_at=at(upcoming_day, 0).isoformat(),
                      ends_at=at(upcoming_day + timedelta(days=1), 0).isoformat())

    created = login(organiser).post("/api/v1/events", json=body).get_json()
    assert created["all_day"] is True
    starts_at = datetime.fromisoformat(created["starts_at"])
    assert starts_at == at(upcoming_day, 0)
    assert starts_at.astimezone(PARIS).time() == time(0)
