"""Event pages through the test client: the agenda, an event's page, registering with or
without an account, the organiser's pages. Pages read the real clock: events are days ahead."""
from __future__ import annotations

import re
from datetime import time, timedelta
from urllib.parse import quote

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from portal.events.models import Event, EventAudience, EventStatus, Registration, RegistrationStatus, Theme
from portal.events.services import events as event_service
from portal.events.services import registrations
from portal.spaces.models import Booking, BookingStatus
from portal.timeutil import paris_to_utc, paris_today
from tests.events.conftest import ADDRESS, EVERY_DAY, fresh, real_now
from tests.support import first_link, hidden_inputs, link_path, page

MEMBERS_ONLY_MESSAGE = "Cet événement est réservé aux membres : connectez-vous pour le voir."


def agenda_days(response) -> list[tuple[str, list[str]]]:
    """The agenda as (day heading, [event titles]) in page order."""
    text = page(response)
    days = []
    for section in re.findall(r'<section class="agenda-day">(.*?)</section>', text, re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1).strip()
        titles = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h3>(.*?)</h3>", section, re.S)]
        days.append((heading, titles))
    return days


def visible_text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response))).replace(" .", ".")


def listed_titles(response) -> set[str]:
    return {title for _day, titles in agenda_days(response) for title in titles}


def full_date(day) -> str:
    return format_date(day, "full", locale="fr")


def event_form(day, **overrides) -> dict:
    """What the organiser's form posts."""
    return {
        "title": "Atelier vélo", "description": "Réparez votre vélo avec nous.", "theme": "vivre_ensemble",
        "tags": "vélo, réparation", "start_date": day.isoformat(), "start_time": "18:00", "end_time": "20:00",
        "place": "address", "address": ADDRESS, "audience": "public", "languages": ["fr"],
        "registration_mode": "free", "capacity": "12", "is_free": "y", "frequency": "", "interval": "1",
        "scope": "this", **overrides,
    }


@pytest.fixture
def soon(make_event, upcoming_day):
    """make_event on the real clock, on a day five days ahead unless told otherwise."""

    def make(**kwargs):
        kwargs.setdefault("day", upcoming_day)
        return make_event(now=real_now(), **kwargs)

    return make


@pytest.fixture
def member(make_user):
    return make_user(name="Awa Traoré")


# --- the agenda -------------------------------------------------------------------------------------------


def test_the_agenda_groups_events_by_day_in_order(client, soon, upcoming_day):
    next_day = upcoming_day + timedelta(days=1)
    soon(title="Balade au bord de Seine", day=next_day, start=time(9), end=time(11))
    soon(title="Atelier vélo", start=time(18), end=time(20))
    soon(title="Café des langues", start=time(10), end=time(12))

    response = client.get("/evenements")

    assert response.status_code == 200
    assert agenda_days(response) == [
        (full_date(upcoming_day), ["Café des langues", "Atelier vélo"]),
        (full_date(next_day), ["Balade au bord de Seine"]),
    ]
    assert "10:00 – 12:00" in page(response)


def test_drafts_submitted_and_past_events_stay_out_of_the_agenda(client, soon, make_organiser):
    soon(title="Publié")
    soon(title="Brouillon", status="draft")
    soon(title="En relecture", status="submitted", organiser=make_organiser(trusted=False))
    now = real_now()
    soon(title="Terminé hier", starts_at=now - timedelta(days=1, hours=2), ends_at=now - timedelta(days=1))

    assert listed_titles(client.get("/evenements")) == {"Publié"}


def test_the_agenda_filters(db, client, login, member, soon, upcoming_day):
    soon(title="Repair café", theme=Theme.LIVING_TOGETHER, languages=["fr"], is_free=True)
    soon(title="Atelier CV", theme=Theme.WORKING, languages=["fr", "ar"], is_free=False, price_info="5 €")
    soon(title="Assemblée des membres", theme=Theme.LIVING_TOGETHER, audience=EventAudience.MEMBERS,
         languages=["fr", "en"])
    soon(title="Semaine prochaine", day=upcoming_day + timedelta(days=8), theme=Theme.VISITING_MEETING)
    now = real_now()
    soon(title="En ce moment", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
         theme=Theme.VISITING_MEETING)

    def titles(query, user_client=client):
        response = user_client.get("/evenements", query_string=query)
        assert response.status_code == 200
        return listed_titles(response)

    everything_public = {"Repair café", "Atelier CV", "Semaine prochaine", "En ce moment"}
    assert titles({}) == everything_public
    assert titles({"theme": "travailler"}) == {"Atelier CV"}
    assert titles({"theme": "vivre_ensemble"}) == {"Repair café"}
    assert titles({"price": "paid"}) == {"Atelier CV"}
    assert titles({"price": "free"}) == everything_public - {"Atelier CV"}
    assert titles({"language": "ar"}) == {"Atelier CV"}
    assert titles({"this_week": "y"}) == {"En ce moment"} | (
        {"Repair café", "Atelier CV"} if upcoming_day.isocalendar()[:2] == paris_today(now).isocalendar()[:2] else set())
    member_client = login(member)
    assert titles({}, member_client) == everything_public | {"Assemblée des membres"}
    assert titles({"audience": "members"}, member_client) == {"Assemblée des membres"}
    assert titles({"audience": "public"}, member_client) == everything_public
    assert titles({"language": "en"}, member_client) == {"Assemblée des membres"}
    assert titles({"audience": "members"}) == set()


def test_the_month_view(db, client, soon, upcoming_day, make_organiser):
    organiser = make_organiser()
    soon(title="Fête de quartier", organiser=organiser)
    cancelled = soon(title="Concert", organiser=organiser, start=time(20), end=time(22))
    event_service.cancel_event(organiser, cancelled, "Artiste malade.", now=real_now())
    db.session.commit()
    soon(title="Dans quarante jours", day=upcoming_day + timedelta(days=40))

    response = client.get("/evenements/mois", query_string={"m": upcoming_day.strftime("%Y-%m")})

    assert response.status_code == 200
    text = page(response)
    assert format_date(upcoming_day, "MMMM yyyy", locale="fr") in text
    cell = re.search(r'<td class="(?:| today)">\s*<span class="month-day">%d</span>(.*?)</td>' % upcoming_day.day,
                     text, re.S)  # this month's cell, not a neighbouring month's day of the same number
    cell_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell.group(1)))
    assert "Fête de quartier" in cell_text and "Annulé : Concert" in cell_text
    assert "Dans quarante jours" not in text
    later = client.get("/evenements/mois", query_string={"m": (upcoming_day + timedelta(days=40)).strftime("%Y-%m")})
    assert "Dans quarante jours" in page(later)


# --- an event's page ------------------------------------------------------------------------------------------


def test_anyone_sees_a_public_event(client, soon):
    event = soon(title="Repair café", capacity=10)

    response = client.get(f"/evenements/{event.id}")

    assert response.status_code == 200
    text = page(response)
    assert "Repair café" in text
    assert "10 places libres / 10" in text
    assert 'name="email"' in text  # a visitor registers with a name and an e-mail


def test_a_members_only_event_is_not_found_for_visitors_with_a_message(client, login, member, soon):
    event = soon(title="Assemblée des membres", audience=EventAudience.MEMBERS, capacity=30)

    response = client.get(f"/evenements/{event.id}")

    assert response.status_code == 404
    assert MEMBERS_ONLY_MESSAGE in page(response)
    assert "Assemblée des membres" not in page(response)
    shown = login(member).get(f"/evenements/{event.id}")
    assert shown.status_code == 200
    assert "Assemblée des membres" in page(shown)


def test_drafts_are_not_found_but_their_organiser_previews_them(client, login, soon, make_organiser):
    organiser = make_organiser()
    draft = soon(title="Brouillon secret", status="draft", organiser=organiser)

    assert client.get(f"/evenements/{draft.id}").status_code == 404
    preview = login(organiser).get(f"/evenements/{draft.id}")
    assert preview.status_code == 200
    assert "Aperçu : cet événement n’est pas encore publié." in page(preview)


def test_a_member_registers_in_one_tap(db, login, member, soon):
    event = soon(title="Repair café", capacity=2)
    member_client = login(member)
    assert "M’inscrire" in page(member_client.get(f"/evenements/{event.id}"))

    response = member_client.post(f"/evenements/{event.id}/inscription")

    assert response.status_code == 303
    assert response.location == f"/evenements/{event.id}"
    shown = visible_text(member_client.get(response.location))
    assert "Vous êtes inscrit·e." in shown
    assert "Votre inscription : inscrit·e." in shown
    assert "1 place libre / 2" in shown
    fresh(db)
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.user_id, registration.status) == (member.id, RegistrationStatus.REGISTERED)
    again = member_client.post(f"/evenements/{event.id}/inscription")
    assert again.status_code == 303
    fresh(db)
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_a_full_event_offers_the_waiting_list(db, login, member, make_user, soon):
    event = soon(capacity=1)
    registrations.register_member(make_user(), event, now=real_now())
    db.session.commit()
    member_client = login(member)
    assert "Rejoindre la liste d’attente" in page(member_client.get(f"/evenements/{event.id}"))

    response = member_client.post(f"/evenements/{event.id}/inscription", follow_redirects=True)

    assert "vous êtes sur la liste d'attente" in page(response)
    assert "Votre inscription : sur liste d'attente." in visible_text(response)


def test_a_guest_registers_and_confirms_from_the_e_mailed_link(db, client, soon, smtp, send_mail):
    event = soon(title="Balade contée", capacity=10)

    response = client.post(f"/evenements/{event.id}/inscription",
                           data={"name": "Inès Martin", "email": "ines.martin@example.org"})

    assert response.status_code == 200
    assert "Vérifiez vos e-mails" in page(response)
    assert "Pour terminer votre inscription à « Balade contée »" in page(response)
    fresh(db)
    guest = db.session.scalars(select(Registration)).one()
    assert guest.status == RegistrationStatus.UNCONFIRMED
    assert send_mail().sent == 1
    (message,) = smtp.to("ines.martin@example.org")
    assert message["Subject"] == "Confirmez votre inscription : Balade contée"
    link = link_path(first_link(message, "/confirmer"))
    assert link == f"/evenements/inscription/{guest.token}/confirmer"

    landing = client.get(link)  # a mail scanner opening the link confirms nothing
    assert landing.status_code == 200
    assert "Confirmer mon inscription" in page(landing)
    fresh(db)
    assert db.session.get(Registration, guest.id).status == RegistrationStatus.UNCONFIRMED

    confirmed = client.post(link)

    assert confirmed.status_code == 303
    assert confirmed.location == f"/evenements/inscription/{guest.token}"
    fresh(db)
    assert db.session.get(Registration, guest.id).status == RegistrationStatus.REGISTERED
    assert db.session.get(Event, event.id).seats_taken == 1
    shown = page(client.get(confirmed.location))
    assert "Vous êtes inscrit·e." in shown and "Annuler mon inscription" in shown


def test_a_guest_form_with_errors_keeps_what_was_typed(db, client, soon):
    event = soon(capacity=10)

    response = client.post(f"/evenements/{event.id}/inscription", data={"name": "Inès Martin", "email": ""})

    assert response.status_code == 422
    assert "Saisissez votre adresse e-mail." in page(response)
    assert 'value="Inès Martin"' in page(response)
    fresh(db)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_visitor_cannot_register_for_a_members_only_event(db, client, soon):
    event = soon(audience=EventAudience.MEMBERS, capacity=10)

    response = client.post(f"/evenements/{event.id}/inscription", data={"name": "Inès", "email": "ines@example.org"})

    assert response.status_code == 404
    fresh(db)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_my_registrations(login, member, make_user, soon, db):
    mine = soon(title="Repair café", capacity=5)
    full = soon(title="Atelier couture", capacity=1)
    soon(title="Pas pour moi", capacity=5)
    registrations.register_member(make_user(), full, now=real_now())
    registrations.register_member(member, mine, now=real_now())
    registrations.register_member(member, full, now=real_now())
    db.session.commit()

    response = login(member).get("/mes-inscriptions")

    assert response.status_code == 200
    text = re.sub(r"\s+", " ", page(response))
    assert "Repair café" in text and "Atelier couture" in text and "Pas pour moi" not in text
    assert re.search(r"Repair café.*?inscrit·e", text)
    assert re.search(r"Atelier couture.*?sur liste d'attente", text)


def test_my_registrations_need_an_account(client):
    response = client.get("/mes-inscriptions")

    assert response.status_code == 302
    assert response.location.startswith("/connexion")


def test_cancelling_from_the_link_frees_the_seat_for_the_next_person(db, client, soon, make_user):
    event = soon(capacity=1)
    leaving = registrations.register_member(make_user(), event, now=real_now())
    waiting = registrations.register_member(make_user(), event, now=real_now())
    db.session.commit()
    manage = f"/evenements/inscription/{leaving.token}"
    assert "Annuler mon inscription" in page(client.get(manage))

    response = client.post(f"{manage}/annuler")

    assert response.status_code == 303 and response.location == manage
    shown = page(client.get(manage))
    assert "Votre inscription est annulée." in shown
    assert "annulée" in shown and "Annuler mon inscription" not in shown
    fresh(db)
    assert db.session.get(Registration, leaving.id).status == RegistrationStatus.CANCELLED
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.OFFERED
    offer = client.get(f"/evenements/inscription/{waiting.token}/place")
    assert "Confirmer ma place" in page(offer)
    assert client.post(f"/evenements/inscription/{waiting.token}/place").status_code == 303
    fresh(db)
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.REGISTERED


def test_an_unknown_registration_link_is_not_found(client):
    assert client.get("/evenements/inscription/pas-un-jeton").status_code == 404
    assert client.post("/evenements/inscription/pas-un-jeton/annuler").status_code == 404


# --- the organiser's pages ------------------------------------------------------------------------------------


def test_an_organiser_creates_edits_and_submits_then_staff_approve(db, login, make_organiser, make_user, upcoming_day):
    organiser = make_organiser(trusted=False, name="Fatou Diallo")
    staff = make_user(roles=("member", "staff"))
    organiser_client = login(organiser)
    assert organiser_client.get("/organisateur/evenements/nouveau").status_code == 200

    created = organiser_client.post("/organisateur/evenements/nouveau", data=event_form(upcoming_day))

    assert created.status_code == 303, page(created)
    fresh(db)
    event = db.session.scalars(select(Event)).one()
    assert created.location == f"/organisateur/evenements/{event.id}"
    edit_page = page(organiser_client.get(created.location))
    assert "Événement enregistré comme brouillon." in edit_page and "brouillon" in edit_page
    assert 'value="Atelier vélo"' in edit_page

    edited = organiser_client.post(created.location, data=event_form(upcoming_day, title="Atelier vélo et rollers",
                                                                    start_time="17:30"))
    assert edited.status_code == 303, page(edited)
    fresh(db)
    event = db.session.get(Event, event.id)
    assert event.title == "Atelier vélo et rollers"
    assert event.starts_at == paris_to_utc(upcoming_day, time(17, 30))
    assert event.organiser_id == organiser.id and event.status == EventStatus.DRAFT

    submitted = organiser_client.post(f"/organisateur/evenements/{event.id}/publier")
    assert submitted.status_code == 303
    shown = page(organiser_client.get(submitted.location))
    assert "Événement envoyé à l'équipe pour relecture." in shown
    assert "en relecture" in shown
    fresh(db)
    assert db.session.get(Event, event.id).status == EventStatus.SUBMITTED

    staff_client = login(staff)
    queue = staff_client.get("/organisateur/moderation")
    assert queue.status_code == 200
    assert "Atelier vélo et rollers" in page(queue) and "Fatou Diallo" in page(queue)
    approved = staff_client.post(f"/organisateur/moderation/{event.id}", data={"decision": "approve", "note": ""})
    assert approved.status_code == 303
    fresh(db)
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert "Aucun événement à relire." in page(staff_client.get("/organisateur/moderation"))


def test_a_trusted_organiser_publishes_from_the_page(db, login, make_organiser, upcoming_day, client):
    organiser_client = login(make_organiser(trusted=True))
    created = organiser_client.post("/organisateur/evenements/nouveau", data=event_form(upcoming_day))
    event_id = int(created.location.rsplit("/", 1)[1])

    published = organiser_client.post(f"/organisateur/evenements/{event_id}/publier", follow_redirects=True)

    assert "Événement publié dans l'agenda." in page(published)
    assert "Atelier vélo" in listed_titles(client.get("/evenements"))


def test_a_member_is_not_an_organiser(login, member):
    member_client = login(member)

    assert member_client.get("/organisateur/evenements/nouveau").status_code == 403
    assert member_client.get("/organisateur/moderation").status_code == 403


def test_an_organiser_cannot_edit_someone_elses_event(login, soon, make_organiser):
    event = soon()

    response = login(make_organiser()).get(f"/organisateur/evenements/{event.id}")

    assert response.status_code == 404


def test_validation_errors_keep_the_typed_values(db, login, make_organiser, upcoming_day):
    organiser_client = login(make_organiser())

    missing_title = organiser_client.post("/organisateur/evenements/nouveau", data=event_form(
        upcoming_day, title="", description="Apportez vos outils.", address="12 rue des Tilleuls, Les Mureaux"))

    assert missing_title.status_code == 422
    text = page(missing_title)
    assert "Donnez un titre à l'événement." in text
    assert "Apportez vos outils." in text
    assert "12 rue des Tilleuls, Les Mureaux" in text
    assert f'value="{upcoming_day.isoformat()}"' in text

    ends_first = organiser_client.post("/organisateur/evenements/nouveau", data=event_form(
        upcoming_day, title="Atelier à l'envers", start_time="18:00", end_time="17:00"))

    assert ends_first.status_code == 422
    text = page(ends_first)
    assert "La fin doit être après le début." in text
    assert 'value="Atelier à l\'envers"' in text or 'value="Atelier à l&#39;envers"' in ends_first.get_data(as_text=True)
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_an_event_in_a_room_shows_the_room_booked_that_day(db, login, make_organiser, make_space, make_user,
                                                          upcoming_day):
    room = make_space(name="Salle Baobab", hours=EVERY_DAY, slot_minutes=60)
    organiser_client = login(make_organiser())

    created = organiser_client.post("/organisateur/evenements/nouveau", data=event_form(
        upcoming_day, place="space", space_id=str(room.id), address="", start_time="14:00", end_time="16:00"))

    assert created.status_code == 303, page(created)
    fresh(db)
    event = db.session.scalars(select(Event)).one()
    booking = db.session.get(Booking, event.booking_id)
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.starts_at, booking.ends_at) == (paris_to_utc(upcoming_day, time(14)),
                                                    paris_to_utc(upcoming_day, time(16)))

    member_client = login(make_user())
    listing = page(member_client.get("/reservations", query_string={"date": upcoming_day.isoformat(),
                                                                    "space": room.id}))

    def offered(hour):
        return f"start={quote(paris_to_utc(upcoming_day, time(hour)).isoformat())}" in listing

    assert offered(13) and offered(16)
    assert not offered(14) and not offered(15)
    confirm = member_client.get("/reservations/confirmer", query_string={
        "space": room.id, "start": paris_to_utc(upcoming_day, time(14)).isoformat(),
        "end": paris_to_utc(upcoming_day, time(15)).isoformat()})
    taken = member_client.post("/reservations", data=hidden_inputs(confirm))
    assert taken.status_code == 409
    assert "Ce créneau n’est plus libre." in page(taken)
