"""Bookings pages through the test client: statuses, redirects, permissions, messages.

The pages read the real clock, so these tests book a few days ahead on spaces open every day.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.spaces.models import Booking, BookingStatus, Closure, SlotMode, Space, SpaceKind
from portal.spaces.services import bookings
from portal.timeutil import paris_to_utc, paris_today
from tests.conftest import AuthActions
from tests.support import hidden_inputs, page

EVERY_DAY = {weekday: (time(8, 30), time(19, 0)) for weekday in range(7)}


def fresh(db):
    """End the test's own transaction so that what requests committed is visible."""
    db.session.rollback()


def booking_count(db) -> int:
    fresh(db)
    return db.session.scalar(select(func.count(Booking.id)))


@pytest.fixture
def day():
    """A day a few days ahead, inside every space's booking window."""
    return paris_today(datetime.now(UTC)) + timedelta(days=3)


@pytest.fixture
def room(make_space):
    return make_space(name="Salle Baobab", hours=EVERY_DAY, capacity=8)


@pytest.fixture
def login(app, db):
    """login(user) → a client of its own, logged in as that user."""

    def log_in(user):
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, page(response)
        fresh(db)  # the log-in wrote: a read begun before it could not write any more (SQLite)
        return client

    return log_in


@pytest.fixture
def member(make_user):
    return make_user(name="Awa Traoré")


@pytest.fixture
def member_client(login, member):
    return login(member)


def slot_query(space, day, start_hour, end_hour, **extra):
    return {"space": space.id, "start": paris_to_utc(day, time(start_hour)).isoformat(),
            "end": paris_to_utc(day, time(end_hour)).isoformat(), **extra}


def confirm_and_post(client, space, day, start_hour=10, end_hour=11, **overrides):
    confirm = client.get("/reservations/confirmer", query_string=slot_query(space, day, start_hour, end_hour))
    assert confirm.status_code == 200, page(confirm)
    data = {**hidden_inputs(confirm), "title": "", **overrides}
    return client.post("/reservations", data=data)


def booking_id_from(response) -> int:
    assert response.status_code == 303, page(response)
    match = re.fullmatch(r"/reservations/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def book_directly(db, user, space, day, start_hour=10, end_hour=11, **kwargs) -> Booking:
    fresh(db)
    booking = bookings.create_booking(user, space_id=space.id, starts_at=paris_to_utc(day, time(start_hour)),
                                      ends_at=paris_to_utc(day, time(end_hour)), now=datetime.now(UTC),
                                      notify=False, **kwargs)
    db.session.commit()
    return booking


# --- finding a slot and booking it -----------------------------------------------------------------


def test_anyone_sees_the_slots_and_is_asked_to_log_in(client, room, day):
    response = client.get("/reservations", query_string={"date": day.isoformat()})
    assert response.status_code == 200
    text = page(response)
    assert "Connectez-vous pour réserver un créneau." in text
    assert "/connexion?next=" in text
    assert "Salle Baobab" in text
    assert f"/reservations/confirmer?space={room.id}" in text  # free slots are links to book them


def test_booking_a_room_end_to_end(db, member_client, member, room, day):
    listing = page(member_client.get("/reservations", query_string={"date": day.isoformat()}))
    assert "/reservations/confirmer?space=" in listing

    confirm = member_client.get("/reservations/confirmer", query_string=slot_query(room, day, 10, 11))
    assert confirm.status_code == 200
    assert "Confirmer la réservation" in page(confirm)
    fields = hidden_inputs(confirm)
    assert fields["space_id"] == str(room.id) and len(fields["idempotency_key"]) >= 16

    response = member_client.post("/reservations", data={**fields, "title": "Réunion du collectif"})
    booking_id = booking_id_from(response)

    shown = member_client.get(f"/reservations/{booking_id}")
    assert shown.status_code == 200
    assert "Réservation confirmée." in page(shown)
    assert "Réunion du collectif" in page(shown)
    fresh(db)
    booking = db.session.get(Booking, booking_id)
    assert booking.user_id == member.id and booking.status == BookingStatus.CONFIRMED
    assert booking.starts_at == paris_to_utc(day, time(10))


def test_a_taken_slot_answers_409_with_suggestions(db, member_client, make_user, make_space, room, day):
    make_space(name="Salle Seine", hours=EVERY_DAY, capacity=12)
    confirm = member_client.get("/reservations/confirmer", query_string=slot_query(room, day, 10, 11))
    book_directly(db, make_user(), room, day, 10, 11)  # someone else is quicker

    response = member_client.post("/reservations", data=hidden_inputs(confirm))
    assert response.status_code == 409
    text = page(response)
    assert "Ce créneau n’est plus libre." in text
    assert "Salle Seine, 10:00–11:00" in text
    assert "Salle Baobab, 09:00–10:00" in text or "Salle Baobab, 11:00–12:00" in text
    assert booking_count(db) == 1


@pytest.mark.parametrize("tamper, message", [
    (lambda room, day: {"starts_at": paris_to_utc(day, time(10, 10)).isoformat()}, "Choisissez un des créneaux proposés"),
    (lambda room, day: {"ends_at": paris_to_utc(day, time(9)).isoformat()}, "La fin doit être après le début."),
    (lambda room, day: {"ends_at": paris_to_utc(day, time(23)).isoformat()}, "Salle Baobab est ouvert de 08:30 à 19:00"),
])
def test_tampered_times_answer_422(db, member_client, room, day, tamper, message):
    response = confirm_and_post(member_client, room, day, **tamper(room, day))
    assert response.status_code == 422
    assert message in page(response)
    assert booking_count(db) == 0


@pytest.mark.parametrize("field, value", [("space_id", "999999"), ("starts_at", "demain à dix heures"),
                                          ("ends_at", "2026-13-45T99:00")])
def test_unreadable_space_or_time_books_nothing(db, member_client, room, day, field, value):
    response = confirm_and_post(member_client, room, day, **{field: value})
    # Nothing to show the form again with: back to the slots, with the reason.
    assert response.status_code == 303
    assert response.headers["Location"] == "/reservations"
    assert "flash--error" in page(member_client.get("/reservations"))
    assert booking_count(db) == 0


def test_a_naive_time_in_the_link_is_refused(member_client, room, day):
    query = slot_query(room, day, 10, 11, start=f"{day.isoformat()}T10:00:00")
    response = member_client.get("/reservations/confirmer", query_string=query)
    assert response.status_code == 303
    assert "Indiquez l'heure avec son fuseau horaire." in page(member_client.get("/reservations"))


def test_the_confirmation_page_refuses_a_closed_slot(member_client, make_space, day):
    weekdays_only = make_space(hours={day.weekday(): (time(8, 30), time(12))})
    response = member_client.get("/reservations/confirmer", query_string=slot_query(weekdays_only, day, 13, 14))
    assert response.status_code == 422
    assert "Ce créneau ne peut pas être réservé." in page(response)


def test_someone_elses_booking_is_not_found(db, member_client, make_user, room, day):
    theirs = book_directly(db, make_user(), room, day)
    assert member_client.get(f"/reservations/{theirs.id}").status_code == 404
    assert member_client.get(f"/reservations/{theirs.id}/calendrier.ics").status_code == 404
    assert member_client.post(f"/reservations/{theirs.id}/annuler").status_code == 404
    assert member_client.get("/reservations/999999").status_code == 404
    fresh(db)
    assert db.session.get(Booking, theirs.id).status == BookingStatus.CONFIRMED


def test_a_double_submit_books_once(db, member_client, room, day):
    confirm = member_client.get("/reservations/confirmer", query_string=slot_query(room, day, 10, 11))
    data = hidden_inputs(confirm)
    first = member_client.post("/reservations", data=data)
    second = member_client.post("/reservations", data=data)
    assert booking_id_from(first) == booking_id_from(second)
    assert booking_count(db) == 1


def test_a_desk_can_be_chosen(db, member_client, make_space, day):
    desks = make_space(kind="desk_area", desks=3, hours=EVERY_DAY, name="Coworking")
    query = {"space": desks.id, "start": paris_to_utc(day, time(8, 30)).isoformat(),
             "end": paris_to_utc(day, time(13)).isoformat()}
    confirm = member_client.get("/reservations/confirmer", query_string=query)
    assert "N'importe quel poste libre" in page(confirm)
    chosen = desks.resources[2]
    response = member_client.post("/reservations", data={**hidden_inputs(confirm), "resource_id": str(chosen.id)})
    booking_id = booking_id_from(response)
    fresh(db)
    assert db.session.get(Booking, booking_id).resource_id == chosen.id


# --- my bookings, cancelling, calendar ---------------------------------------------------------------


def test_my_bookings_lists_mine_and_i_can_cancel(db, member_client, member, make_user, room, day):
    someone_else = make_user()
    booking_id = booking_id_from(confirm_and_post(member_client, room, day, 14, 15))
    book_directly(db, someone_else, room, day, 16, 17)

    listing = page(member_client.get("/mes-reservations"))
    assert f"/reservations/{booking_id}" in listing
    assert listing.count('class="booking-item"') == 1
    assert "confirmée" in listing

    response = member_client.post(f"/reservations/{booking_id}/annuler")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/reservations/{booking_id}"
    assert "Réservation annulée." in page(member_client.get(response.headers["Location"]))
    fresh(db)
    booking = db.session.get(Booking, booking_id)
    assert booking.status == BookingStatus.CANCELLED and booking.sequence == 1
    assert "Aucune réservation à venir." in page(member_client.get("/mes-reservations"))


def test_a_booking_downloads_as_ics(member_client, room, day):
    booking_id = booking_id_from(confirm_and_post(member_client, room, day, 10, 11))
    response = member_client.get(f"/reservations/{booking_id}/calendrier.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert f"DTSTART;TZID=Europe/Paris:{day.strftime('%Y%m%d')}T100000" in body


def test_the_personal_feed_can_be_created_changed_and_revoked(db, client, member_client, member, room, day):
    booking_id_from(confirm_and_post(member_client, room, day, 10, 11))
    assert client.get("/calendrier/nothing-here.ics").status_code == 404

    response = member_client.post("/mes-reservations/calendrier")
    assert response.status_code == 303
    fresh(db)
    token = db.session.get(User, member.id).calendar_token
    assert token and token in page(member_client.get("/mes-reservations"))

    feed = client.get(f"/calendrier/{token}.ics")  # no log-in: calendar apps have no session
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in body and "TZID=Europe/Paris" in body
    assert f"DTSTART;TZID=Europe/Paris:{day.strftime('%Y%m%d')}T100000" in body
    assert client.get(f"/calendrier/{token}x.ics").status_code == 404

    member_client.post("/mes-reservations/calendrier")
    fresh(db)
    new_token = db.session.get(User, member.id).calendar_token
    assert new_token != token
    assert client.get(f"/calendrier/{token}.ics").status_code == 404
    assert client.get(f"/calendrier/{new_token}.ics").status_code == 200

    assert member_client.post("/mes-reservations/calendrier/supprimer").status_code == 303
    assert client.get(f"/calendrier/{new_token}.ics").status_code == 404
    fresh(db)
    assert db.session.get(User, member.id).calendar_token is None


def test_a_recurring_booking_is_previewed_then_booked(db, member_client, room, day):
    form = {"space_id": str(room.id), "starts_on": day.isoformat(), "until": (day + timedelta(weeks=2)).isoformat(),
            "start_time": "10:00", "end_time": "11:00", "weekdays": [str(day.weekday())], "interval_weeks": "1",
            "title": "Cours de français"}
    assert member_client.get("/reservations/recurrente").status_code == 200
    preview = member_client.post("/reservations/recurrente", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert page(preview).count("<strong>libre</strong>") == 3
    assert booking_count(db) == 0

    response = member_client.post("/reservations/recurrente", data={**form, "action": "confirm"})
    assert response.status_code == 303 and response.headers["Location"] == "/mes-reservations"
    assert booking_count(db) == 3


# --- desks' QR codes ----------------------------------------------------------------------------------


def test_a_desk_qr_code_opens_its_page(client, make_space):
    desks = make_space(kind="desk_area", desks=2, hours=EVERY_DAY, name="Coworking")
    response = client.get(f"/poste/{desks.resources[1].qr_token}")
    assert response.status_code == 200
    assert "Poste 2" in page(response) and "Coworking" in page(response)
    assert client.get("/poste/not-a-desk").status_code == 404


# --- the reception ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(login, make_user):
    return login(make_user(roles=("member", "staff"), name="Accueil"))


def test_the_staff_board_shows_the_day_and_pending_requests(db, staff_client, make_user, make_space, room, day):
    workshop = make_space(kind="workshop", name="Atelier", requires_approval=True, hours=EVERY_DAY)
    book_directly(db, make_user(name="Karim Benali"), room, day, 10, 11)
    pending = book_directly(db, make_user(name="Lucie Martin"), workshop, day, 14, 15)
    assert pending.status == BookingStatus.PENDING

    response = staff_client.get("/equipe/tableau", query_string={"date": day.isoformat()})
    assert response.status_code == 200
    text = page(response)
    assert "Karim Benali" in text and "Salle Baobab" in text
    assert "Demande à valider (1)" in text and "Lucie Martin" in text
    assert f"/equipe/reservations/{pending.id}/decision" in text

    decided = staff_client.post(f"/equipe/reservations/{pending.id}/decision", data={"decision": "decline", "reason": ""})
    assert decided.status_code == 303
    fresh(db)
    assert db.session.get(Booking, pending.id).status == BookingStatus.PENDING  # a refusal needs a reason

    decided = staff_client.post(f"/equipe/reservations/{pending.id}/decision", data={"decision": "approve"})
    assert decided.status_code == 303
    fresh(db)
    assert db.session.get(Booking, pending.id).status == BookingStatus.CONFIRMED


def test_a_walk_in_booking_for_a_guest_prints_a_confirmation(db, staff_client, room, day):
    assert staff_client.get("/equipe/reservations/nouvelle").status_code == 200
    response = staff_client.post("/equipe/reservations/nouvelle", data={
        "space_id": str(room.id), "day": day.isoformat(), "start_time": "15:00", "end_time": "16:30",
        "guest_name": "Fatou Sow", "guest_phone": "06 12 34 56 78", "idempotency_key": "walk-in-1",
    })
    assert response.status_code == 303
    match = re.fullmatch(r"/equipe/reservations/(\d+)/imprimer", response.headers["Location"])
    assert match

    printed = staff_client.get(response.headers["Location"])
    assert printed.status_code == 200
    assert "Fatou Sow" in page(printed) and "06 12 34 56 78" in page(printed)
    fresh(db)
    booking = db.session.get(Booking, int(match.group(1)))
    assert booking.user_id is None and booking.guest_name == "Fatou Sow"
    assert (booking.starts_at, booking.ends_at) == (paris_to_utc(day, time(15)), paris_to_utc(day, time(16, 30)))


def test_a_walk_in_needs_a_name_or_an_account(db, staff_client, room, day):
    response = staff_client.post("/equipe/reservations/nouvelle", data={
        "space_id": str(room.id), "day": day.isoformat(), "start_time": "15:00", "end_time": "16:00"})
    assert response.status_code == 422
    assert "Indiquez l'e-mail d'un membre ou le nom de la personne." in page(response)
    assert booking_count(db) == 0


def test_a_check_in_link_with_a_wrong_token_is_not_found(db, staff_client, member, room, day):
    booking = book_directly(db, member, room, day)
    assert staff_client.get(f"/equipe/reservations/{booking.id}/arrivee/{booking.check_in_token}").status_code == 200
    assert staff_client.get(f"/equipe/reservations/{booking.id}/arrivee/wrong").status_code == 404


# --- administration -----------------------------------------------------------------------------------


def space_form(**overrides):
    data = {
        "name": "Salle Acacia", "slug": "salle-acacia", "kind": "meeting_room", "capacity": "10", "desks": "",
        "bookable_by": "members", "slot_mode": "grid", "active": "y", "slot_minutes": "30", "max_days_ahead": "60",
        "min_notice_minutes": "0", "max_duration_minutes": "240", "max_active_bookings": "5",
        "cancellation_deadline_hours": "2", "no_show_release_minutes": "", "amenities": ["screen", "wifi"],
    }
    for weekday in range(7):
        open_day = weekday < 5
        data[f"hours-{weekday}-opens_at"] = "09:00" if open_day else ""
        data[f"hours-{weekday}-closes_at"] = "18:00" if open_day else ""
    return {**data, **overrides}


def test_an_admin_creates_a_space_and_a_closure(db, login, make_user, client, day):
    admin = login(make_user(roles=("member", "admin")))
    assert admin.get("/admin/espaces/nouveau").status_code == 200

    response = admin.post("/admin/espaces/nouveau", data=space_form())
    assert response.status_code == 303, page(response)
    assert response.headers["Location"] == "/admin/espaces"
    assert "Salle Acacia" in page(admin.get("/admin/espaces"))
    fresh(db)
    space = db.session.scalar(select(Space).where(Space.slug == "salle-acacia"))
    assert space.kind == SpaceKind.MEETING_ROOM and space.slot_mode == SlotMode.GRID and space.active
    assert space.max_active_bookings == 5 and space.amenities == ["screen", "wifi"]
    assert [(h.weekday, h.opens_at, h.closes_at) for h in space.opening_hours] == [
        (weekday, time(9), time(18)) for weekday in range(5)]
    assert len(space.resources) == 1

    monday = day + timedelta(days=7 - day.weekday())
    response = admin.post("/admin/fermetures", data={"space_id": str(space.id), "starts_on": monday.isoformat(),
                                                      "ends_on": monday.isoformat(), "reason": "Peinture"})
    assert response.status_code == 303, page(response)
    fresh(db)
    (closure,) = db.session.scalars(select(Closure)).all()
    assert (closure.space_id, closure.starts_on, closure.ends_on) == (space.id, monday, monday)
    assert "Fermé : Peinture" in page(client.get("/reservations", query_string={"date": monday.isoformat()}))


def test_the_space_form_refuses_half_filled_hours_and_taken_slugs(db, login, make_user, make_space):
    admin = login(make_user(roles=("member", "admin")))
    response = admin.post("/admin/espaces/nouveau", data=space_form(**{"hours-0-closes_at": ""}))
    assert response.status_code == 422
    taken = make_space()
    response = admin.post("/admin/espaces/nouveau", data=space_form(slug=taken.slug))
    assert response.status_code == 422
    assert "Cette adresse courte est déjà prise." in page(response)
    fresh(db)
    assert db.session.scalar(select(func.count(Space.id))) == 1


@pytest.mark.parametrize("method, path", [
    ("get", "/equipe/tableau"), ("get", "/equipe/reservations/nouvelle"), ("post", "/equipe/reservations/nouvelle"),
    ("post", "/equipe/reservations/1/decision"), ("get", "/equipe/reservations/1/imprimer"),
    ("get", "/admin/espaces"), ("get", "/admin/espaces/nouveau"), ("post", "/admin/espaces/nouveau"),
    ("get", "/admin/fermetures"), ("post", "/admin/fermetures"),
])
def test_members_may_not_open_staff_and_admin_pages(client, member_client, method, path):
    assert getattr(member_client, method)(path).status_code == 403
    anonymous = getattr(client, method)(path)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/connexion")


def test_staff_may_not_open_admin_pages(staff_client):
    assert staff_client.get("/admin/espaces").status_code == 403
    assert staff_client.get("/admin/fermetures").status_code == 403


def test_member_checks_in_from_the_booking_page_during_the_slot(app, db, make_user, make_space):
    """A resident says "I'm here" from their phone; staff see it on the board."""
    from datetime import UTC, datetime, timedelta

    from portal.spaces.models import Booking, BookingStatus

    member = make_user()
    space = make_space(kind="meeting_room")
    now = datetime.now(UTC)
    booking = Booking(resource_id=space.resources[0].id, user_id=member.id, booked_by_id=member.id,
                      starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=50),
                      status=BookingStatus.CONFIRMED, check_in_token="tok-self-check-in", created_at=now,
                      updated_at=now)
    db.session.add(booking)
    db.session.commit()
    booking_id = booking.id
    client = app.test_client()
    client.post("/connexion", data={"email": member.email, "password": "correct horse battery staple"})
    page = client.get(f"/reservations/{booking_id}").get_data(as_text=True)
    assert "Je suis arrivé·e" in page
    response = client.post(f"/reservations/{booking_id}/arrivee")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Booking, booking_id).checked_in_at is not None
    assert "Je suis arrivé·e" not in client.get(f"/reservations/{booking_id}").get_data(as_text=True)


def test_another_member_cannot_check_in_someone_elses_booking(app, db, make_user, make_space):
    from datetime import UTC, datetime, timedelta

    from portal.spaces.models import Booking, BookingStatus

    owner, other = make_user(), make_user()
    space = make_space(kind="meeting_room")
    now = datetime.now(UTC)
    booking = Booking(resource_id=space.resources[0].id, user_id=owner.id, booked_by_id=owner.id,
                      starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=50),
                      status=BookingStatus.CONFIRMED, check_in_token="tok-other", created_at=now, updated_at=now)
    db.session.add(booking)
    db.session.commit()
    booking_id = booking.id
    client = app.test_client()
    client.post("/connexion", data={"email": other.email, "password": "correct horse battery staple"})
    assert client.post(f"/reservations/{booking_id}/arrivee").status_code == 404
    db.session.rollback()
    assert db.session.get(Booking, booking_id).checked_in_at is None
