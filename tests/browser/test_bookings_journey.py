"""Booking journeys on a phone, with an axe-core check on every page they cross.

The pages read the real clock. Desk areas are open 00:00–23:59 every day, so their "Journée" slot is
still bookable today whatever the time (a desk slot stays bookable until it ends); the member's desk
area opens today a little after now, so that the booking can still be cancelled online. Rooms are
booked tomorrow, inside every space's booking window.
"""
from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.spaces.models import Booking, BookingStatus, Closure, Space
from portal.spaces.services import bookings
from portal.timeutil import PARIS, paris_to_utc, paris_today
from tests.spaces.conftest import make_space  # noqa: F401  (the factory fixture, shared with the bookings tests)
from tests.browser.phone import PASSWORD, PHONE_WIDTH, assert_fits_phone, assert_tap_target, fresh, heading, log_in, nav

pytestmark = pytest.mark.browser

ALL_DAY = {weekday: (time(0, 0), time(23, 59)) for weekday in range(7)}
EVERY_DAY = {weekday: (time(8, 30), time(19, 0)) for weekday in range(7)}
# BOOKING_SCREENSHOTS=/tmp keeps a phone screenshot of the slot list and of the confirm page.
SCREENSHOTS = os.environ.get("BOOKING_SCREENSHOTS")


def opening_soon_today():
    """Desk-area hours: open all day, except today, which opens at the next half hour.

    A desk slot stays bookable until it ends, but a member may cancel it online only before it
    starts (cancellation deadline 0 h): today's "Journée" must start a little later than now.
    """
    now = datetime.now(UTC).astimezone(PARIS)
    soon = now.replace(second=0, microsecond=0) + timedelta(minutes=15)
    opens = (soon + timedelta(minutes=(30 - soon.minute % 30) % 30)).time()
    if opens < now.time() or opens > time(23, 30):  # 23:15 or later: no time left to book and cancel
        pytest.skip("too close to midnight in Paris to book a desk for today that has not started")
    return {**ALL_DAY, now.weekday(): (opens, time(23, 59))}


def tomorrow() -> date:
    return paris_today(datetime.now(UTC)) + timedelta(days=1)


def book_directly(db, actor, space, day, start: time, end: time, **kwargs) -> Booking:
    """A booking made without the browser; committed, so the live server can write next."""
    fresh(db)
    booking = bookings.create_booking(actor, space_id=space.id, starts_at=paris_to_utc(day, start),
                                      ends_at=paris_to_utc(day, end), now=datetime.now(UTC), notify=False, **kwargs)
    db.session.commit()
    return booking


def slot_url(base_url: str, space_id: int, day, start: time, end: time) -> str:
    query = urlencode({"space": space_id, "start": paris_to_utc(day, start).isoformat(),
                       "end": paris_to_utc(day, end).isoformat()})
    return f"{base_url}/reservations/confirmer?{query}"


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


# --- a member books a desk for today in three taps, then cancels it ------------------------------------


def test_member_books_a_desk_today_in_three_taps_then_cancels_it(page, live_server, db, make_user, make_space, axe):
    member = make_user(email="awa@example.org", name="Awa Traoré")
    desks = make_space(kind="desk_area", desks=4, hours=opening_soon_today(), name="Coworking du rez-de-chaussée",
                       max_duration_minutes=24 * 60)
    make_space(name="Salle Baobab", hours=EVERY_DAY, amenities=["screen"], accessibility=["step_free"])
    member_id, desks_id = member.id, desks.id
    fresh(db)  # read what the browser needs first: no transaction stays open while it writes
    log_in(page, live_server.url, "awa@example.org")
    expect(page).to_have_url(live_server.url + "/")

    taps = 0
    reserve = nav(page).get_by_role("link", name="Réserver", exact=True)
    assert_tap_target(reserve, "the nav's “Réserver” link")
    reserve.tap()
    taps += 1
    expect(heading(page, "Réserver")).to_be_visible()
    expect(page.locator(".day-title")).to_contain_text("(aujourd’hui)")
    card = page.locator(".space-card", has=page.get_by_role("heading", name="Coworking du rez-de-chaussée"))
    day_slot = card.get_by_role("link", name=re.compile(r"^Journée 4 postes libres$"))
    expect(day_slot).to_be_visible()
    assert_tap_target(day_slot, "the “Journée” slot")
    assert_fits_phone(page, "/reservations")
    screenshot(page, "book-phone.png")
    axe(page, "book: today's slots")

    page.get_by_text("Choisir une date et filtrer").tap()
    expect(page.get_by_label("Type d'espace")).to_be_visible()
    assert_fits_phone(page, "/reservations, filters open")
    axe(page, "book: filters open")

    day_slot.tap()
    taps += 1
    expect(heading(page, "Confirmer la réservation")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Coworking du rez-de-chaussée")
    confirm = page.get_by_role("button", name="Confirmer la réservation")
    assert_tap_target(confirm, "the confirm button")
    assert_fits_phone(page, "confirm page")
    screenshot(page, "confirm-phone.png")
    axe(page, "confirm a desk")

    confirm.tap()
    taps += 1
    assert taps <= 3, f"booking a desk took {taps} taps from the home page"
    expect(page).to_have_url(re.compile(r"/reservations/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Réservation confirmée.")
    expect(page.locator(".status")).to_have_text("confirmée")
    expect(page.get_by_role("img", name=re.compile(r"Code QR de la réservation n° \d+"))).to_be_visible()
    booking_url = page.url
    assert_fits_phone(page, "booking page")
    axe(page, "booking, confirmed, with its QR code")

    fresh(db)
    booking = db.session.scalar(select(Booking).where(Booking.user_id == member_id))
    assert booking.status == BookingStatus.CONFIRMED and booking.resource.space_id == desks_id
    booking_id = booking.id
    db.session.rollback()  # no transaction left open while the browser goes on

    nav(page).get_by_role("link", name="Mes réservations").tap()
    expect(heading(page, "Mes réservations")).to_be_visible()
    upcoming = page.locator(".booking-list").first
    expect(upcoming).to_contain_text("Coworking du rez-de-chaussée")
    page.get_by_role("button", name="Créer l’adresse d’abonnement").tap()
    expect(page.get_by_role("status")).to_contain_text("Nouvelle adresse d'abonnement créée")
    expect(page.get_by_label("Adresse à copier")).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/calendrier/.+\.ics$"))
    assert_fits_phone(page, "my bookings")
    axe(page, "my bookings, with the calendar feed")

    page.get_by_role("link", name=re.compile("Coworking du rez-de-chaussée")).tap()
    expect(page).to_have_url(booking_url)
    page.get_by_role("button", name="Annuler cette réservation").tap()
    expect(page.get_by_role("status")).to_have_text("Réservation annulée.")
    expect(page.locator(".status")).to_have_text("annulée")
    expect(page.get_by_role("button", name="Annuler cette réservation")).to_have_count(0)
    axe(page, "booking, cancelled")

    fresh(db)
    assert db.session.get(Booking, booking_id).status == BookingStatus.CANCELLED
    db.session.rollback()


# --- what goes wrong: a slot taken meanwhile, a slot off the grid, a recurring booking ----------------


def test_conflict_refused_slot_recurring_booking_space_and_desk_pages(page, live_server, db, make_user, make_space, axe):
    member = make_user(name="Awa Traoré")
    other = make_user(name="Bastien Morel")
    room = make_space(name="Salle Baobab", hours=EVERY_DAY, floor="1er étage", amenities=["screen", "wifi"],
                      accessibility=["step_free", "hearing_loop"], accessibility_notes="Ascenseur à gauche de l'accueil")
    desks = make_space(kind="desk_area", desks=1, hours=ALL_DAY, name="Coworking", max_duration_minutes=24 * 60)
    member_email, room_id, desks_id, desk_token = member.email, room.id, desks.id, desks.resources[0].qr_token
    day = tomorrow()
    book_directly(db, other, room, day, time(10), time(11))
    log_in(page, live_server.url, member_email)

    # Taken by someone else after the slot list was shown: 409, and other slots to choose from.
    page.goto(slot_url(live_server.url, room_id, day, time(10), time(11)))
    expect(heading(page, "Confirmer la réservation")).to_be_visible()
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Confirmer la réservation").tap()
    assert posted.value.status == 409
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ce créneau n’est plus libre.")
    suggestions = alert.get_by_role("link", name=re.compile(r"^Salle Baobab, \d\d:\d\d–\d\d:\d\d$"))
    expect(suggestions.first).to_be_visible()
    assert suggestions.count() >= 1
    expect(page.get_by_role("button", name="Confirmer la réservation")).to_have_count(0)
    assert_fits_phone(page, "conflict")
    axe(page, "confirm: 409 conflict with suggestions")

    assert_tap_target(suggestions.first, "a suggested slot")
    suggestions.first.tap()
    expect(heading(page, "Confirmer la réservation")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("button", name="Confirmer la réservation")).to_be_visible()

    # The only desk is taken while the page is open, and nothing else is free: still a clear 409.
    page.goto(slot_url(live_server.url, desks_id, day, time(0), time(23, 59)))
    expect(page.get_by_label("Poste")).to_be_visible()
    book_directly(db, other, desks, day, time(0), time(23, 59))
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Confirmer la réservation").tap()
    assert posted.value.status == 409
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ce créneau n’est plus libre.")
    expect(alert).not_to_contain_text("Autres possibilités")
    expect(alert.get_by_role("link", name="Voir tous les créneaux de ce jour")).to_be_visible()
    expect(page.get_by_role("button", name="Confirmer la réservation")).to_have_count(0)
    axe(page, "confirm: 409 conflict, nothing else free")

    # A start off the room's 30-minute grid: 422, no form, a way back to the day's slots.
    response = page.goto(slot_url(live_server.url, room_id, day, time(10, 10), time(11, 10)))
    assert response.status == 422
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ce créneau ne peut pas être réservé.")
    expect(alert).to_contain_text("Choisissez un des créneaux proposés pour cet espace.")
    expect(alert.get_by_role("link", name="Voir tous les créneaux de ce jour")).to_be_visible()
    expect(page.get_by_role("button", name="Confirmer la réservation")).to_have_count(0)
    axe(page, "confirm: 422 refused slot")

    # Recurring: validation errors, then a preview where the taken date shows, then booking the rest.
    page.goto(live_server.url + "/reservations")
    page.get_by_role("link", name=re.compile("réservation récurrente")).tap()
    expect(heading(page, "Réservation récurrente")).to_be_visible()
    axe(page, "recurring booking form")

    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Voir les dates").tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient 3 erreurs à corriger.")
    expect(page.get_by_role("group", name="Jours")).to_contain_text("Cochez au moins un jour.")
    expect(page.get_by_label("Heure de début")).to_have_attribute("aria-invalid", "true")
    axe(page, "recurring booking form with errors")

    page.get_by_label("Espace").select_option(label="Salle Baobab")
    page.get_by_label("Première date").fill(day.isoformat())
    page.get_by_label("Heure de début").fill("10:00")
    page.get_by_label("Heure de fin").fill("11:00")
    weekday = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][day.weekday()]
    page.get_by_role("group", name="Jours").get_by_label(weekday, exact=True).check()
    page.get_by_label("Jusqu'au (6 mois au plus)").fill((day + timedelta(weeks=2)).isoformat())
    page.get_by_label("Objet (facultatif)").fill("Cours de français")
    page.get_by_role("button", name="Voir les dates").tap()
    expect(page.get_by_role("heading", name="Dates de la série")).to_be_visible()
    dates = page.locator(".occurrences li")
    expect(dates).to_have_count(3)
    expect(dates.nth(0)).to_contain_text("impossible")
    expect(dates.nth(1)).to_contain_text("libre")
    assert_fits_phone(page, "recurring preview")
    axe(page, "recurring booking preview")

    page.get_by_role("button", name="Réserver les 2 dates libres").tap()
    expect(heading(page, "Mes réservations")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Dates réservées : 2. Dates impossibles : 1.")

    # A space's page, and what a desk's printed QR code opens (no account needed to look).
    page.goto(f"{live_server.url}/espaces/{room_id}")
    expect(heading(page, "Salle Baobab")).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("8 personnes")
    expect(facts).to_contain_text("accès de plain-pied, boucle magnétique")
    axe(page, "space page")

    page.goto(f"{live_server.url}/poste/{desk_token}")
    expect(heading(page, re.compile(r"^Poste 1"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Journée libre$"))).to_be_visible()
    assert_fits_phone(page, "desk page")
    axe(page, "desk QR page")


# --- the reception: approvals, a walk-in booking, an arrival ---------------------------------------------


def test_staff_decides_requests_books_a_walk_in_and_checks_someone_in(page, live_server, db, make_user, make_space, axe):
    member = make_user(name="Awa Traoré")
    receptionist = make_user(name="Chloé Accueil", roles=("member", "staff"))
    hall = make_space(name="Salle Acacia", hours=EVERY_DAY, requires_approval=True)
    make_space(name="Salle Baobab", hours=EVERY_DAY)
    desks = make_space(kind="desk_area", desks=2, hours=ALL_DAY, name="Coworking", max_duration_minutes=24 * 60)
    day = tomorrow()
    first = book_directly(db, member, hall, day, time(10), time(11), title="Assemblée générale")
    second = book_directly(db, member, hall, day, time(14), time(15), title="Atelier couture")
    assert first.status == second.status == BookingStatus.PENDING
    today = paris_today(datetime.now(UTC))
    at_desk = book_directly(db, member, desks, today, time(0), time(23, 59))
    first_id, second_id = first.id, second.id
    check_in_path = f"/equipe/reservations/{at_desk.id}/arrivee/{at_desk.check_in_token}"
    receptionist_email = receptionist.email
    fresh(db)
    log_in(page, live_server.url, receptionist_email)

    nav(page).get_by_role("link", name="Tableau du jour").tap()
    expect(heading(page, "Tableau du jour")).to_be_visible()
    expect(page.get_by_role("heading", name="Demandes à valider (2)")).to_be_visible()
    assert_fits_phone(page, "staff board")
    arrival = page.get_by_role("row", name=re.compile("Coworking — Poste 1")).get_by_role("button", name="Pointer l’arrivée")
    box = arrival.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH, "the arrival button is off screen on a phone"
    axe(page, "staff board with pending requests")

    request = page.locator(".booking-item", has_text="Assemblée générale")
    request.get_by_text("Refuser…").tap()
    request.get_by_label("Raison du refus (envoyée à la personne)").fill("La salle est prise par l’équipe ce jour-là.")
    assert_tap_target(request.get_by_role("button", name="Refuser la demande"), "the decline button")
    axe(page, "staff board, decline form open")
    request.get_by_role("button", name="Refuser la demande").tap()
    expect(page.get_by_role("status")).to_have_text("Réservation refusée ; la personne est prévenue par e-mail.")
    expect(page.get_by_role("heading", name="Demande à valider (1)")).to_be_visible()

    request = page.locator(".booking-item", has_text="Atelier couture")
    assert_tap_target(request.get_by_role("button", name="Accepter"), "the accept button")
    request.get_by_role("button", name="Accepter").tap()
    expect(page.get_by_role("status")).to_have_text("Réservation acceptée ; la personne est prévenue par e-mail.")
    expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    axe(page, "staff board after the decisions")
    fresh(db)
    assert db.session.get(Booking, first_id).status == BookingStatus.DECLINED
    assert db.session.get(Booking, first_id).decision_reason == "La salle est prise par l’équipe ce jour-là."
    assert db.session.get(Booking, second_id).status == BookingStatus.CONFIRMED
    db.session.rollback()

    # A walk-in: first without saying for whom, then for a guest without an account.
    page.get_by_role("link", name="Réserver pour une personne à l’accueil").tap()
    expect(heading(page, "Réserver pour une personne à l’accueil")).to_be_visible()
    axe(page, "walk-in form")
    page.get_by_label("Espace").select_option(label="Salle Baobab")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Heure de début").fill("16:00")
    page.get_by_label("Heure de fin").fill("17:00")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Réserver", exact=True).tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Indiquez l'e-mail d'un membre ou le nom de la personne.")
    expect(page.get_by_label("Nom de la personne (sans compte)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Heure de début")).to_have_value("16:00")
    axe(page, "walk-in form with an error")

    page.get_by_label("Nom de la personne (sans compte)").fill("Fatou Diallo")
    page.get_by_label("Téléphone (facultatif)").fill("06 12 34 56 78")
    page.get_by_role("button", name="Réserver", exact=True).tap()
    expect(heading(page, "Les Chrysalides — confirmation de réservation")).to_be_visible()
    summary = page.locator(".printable")
    expect(summary).to_contain_text("Salle Baobab")
    expect(summary).to_contain_text("Fatou Diallo (06 12 34 56 78)")
    expect(summary).to_contain_text("16:00 – 17:00")
    expect(summary).to_contain_text("confirmée")
    axe(page, "printable confirmation")

    # What the booking's QR code opens on the reception's phone.
    page.goto(live_server.url + check_in_path)
    expect(heading(page, "Arrivée")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Awa Traoré")
    axe(page, "check-in page")
    page.get_by_role("button", name="Enregistrer l’arrivée de Awa Traoré").tap()
    expect(page.get_by_role("status")).to_have_text("Arrivée de Awa Traoré enregistrée.")
    expect(page.locator(".facts")).to_contain_text("Arrivée")
    expect(page.get_by_role("button", name=re.compile("Enregistrer l’arrivée"))).to_have_count(0)
    axe(page, "check-in page after the arrival")


# --- admins: spaces, closures, desks' QR codes; the API documentation and tokens -----------------------


def test_admin_manages_spaces_closures_qr_codes_and_api_tokens(page, live_server, db, make_user, make_space, axe):
    make_user(email="alix@example.org", name="Alix Admin", roles=("member", "admin"))
    make_space(kind="desk_area", desks=3, hours=EVERY_DAY, name="Coworking")
    log_in(page, live_server.url, "alix@example.org")

    nav(page).get_by_role("link", name="Espaces").tap()
    expect(heading(page, "Espaces")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Coworking")
    assert_fits_phone(page, "admin: spaces")
    axe(page, "admin: spaces")

    page.get_by_role("link", name="Ajouter un espace").tap()
    expect(heading(page, "Nouvel espace")).to_be_visible()
    axe(page, "admin: new space")
    page.get_by_label("Nom", exact=True).fill("Salle Acacia")
    page.get_by_label("Adresse courte (lettres, chiffres, tirets)").fill("Salle Acacia")
    page.get_by_label("Capacité (personnes)").fill("12")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Enregistrer").tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Utilisez des lettres minuscules, des chiffres et des tirets.")
    slug = page.get_by_label("Adresse courte (lettres, chiffres, tirets)")
    expect(slug).to_have_attribute("aria-invalid", "true")
    assert_fits_phone(page, "admin: new space with an error")
    axe(page, "admin: new space with an error")

    slug.fill("salle-acacia")
    page.locator("#hours-0-opens_at").fill("09:00")
    page.locator("#hours-0-closes_at").fill("18:00")
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page.get_by_role("status")).to_have_text("L'espace « Salle Acacia » est enregistré.")
    expect(page.get_by_role("table")).to_contain_text("Salle Acacia")
    fresh(db)
    acacia = db.session.scalar(select(Space).where(Space.slug == "salle-acacia"))
    assert acacia.capacity == 12 and [h.weekday for h in acacia.opening_hours] == [0]
    db.session.rollback()

    page.get_by_role("link", name="Coworking").tap()
    expect(heading(page, "Coworking")).to_be_visible()
    expect(page.get_by_label("Nombre de postes (coworking)")).to_have_value("3")
    axe(page, "admin: edit a space")

    page.get_by_role("link", name="Imprimer les codes QR des postes").tap()
    expect(heading(page, "Codes QR des postes — Coworking")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Code QR du Poste \d$"))).to_have_count(3)
    assert_fits_phone(page, "admin: desk QR codes")
    axe(page, "admin: desk QR codes")

    page.goto(live_server.url + "/admin/fermetures")
    expect(heading(page, "Fermetures")).to_be_visible()
    axe(page, "admin: closures")
    closing_day = tomorrow()
    page.get_by_label("Du", exact=True).fill(closing_day.isoformat())
    page.get_by_label("Au (inclus)").fill(closing_day.isoformat())
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Enregistrer la fermeture").tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif.")
    axe(page, "admin: closures with an error")
    page.get_by_label("Motif").fill("Jour férié")
    page.get_by_role("button", name="Enregistrer la fermeture").tap()
    expect(page.get_by_role("status")).to_have_text("Fermeture enregistrée.")
    expect(page.locator(".booking-list")).to_contain_text("Jour férié (tout le tiers-lieu)")
    axe(page, "admin: closures, one added")
    fresh(db)
    assert db.session.scalar(select(Closure.reason)) == "Jour férié"
    db.session.rollback()

    page.goto(live_server.url + "/api/v1/docs")
    expect(heading(page, re.compile("API du portail"))).to_be_visible()
    axe(page, "API documentation")

    page.goto(live_server.url + "/compte/jetons")
    expect(heading(page, "Jetons d’API")).to_be_visible()
    axe(page, "API tokens")
    page.get_by_label("Nom du jeton").fill("site de l'association")
    page.get_by_role("button", name="Créer le jeton").tap()
    expect(page.get_by_label("Jeton", exact=True)).to_have_value(re.compile(r".{20,}"))
    expect(page.locator(".booking-list")).to_contain_text("site de l'association")
    assert_fits_phone(page, "API tokens, one created")
    axe(page, "API tokens, one created")

