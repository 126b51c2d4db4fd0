"""Event journeys on a phone, with an axe-core check on every page they cross.

The pages read the real clock: events are five days ahead (``upcoming_day``), inside every space's
booking window. Test data is committed before the browser starts; ids and e-mails are read first, so
that the test thread never lazy-loads (and holds SQLite) while the live server writes.
"""
from __future__ import annotations

import os
import re
import threading
from datetime import time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.events.models import Event, EventStatus, Registration, RegistrationStatus, Theme
from portal.events.services import registrations
from portal.spaces.models import Booking, BookingStatus
from portal.timeutil import paris_to_utc, paris_today
from tests.events.conftest import (  # noqa: F401  (fixtures shared with the events tests)
    EVERY_DAY,
    make_event,
    make_organiser,
    make_series,
    real_now,
    upcoming_day,
)
from tests.spaces.conftest import make_space  # noqa: F401  (the factory fixture)
from tests.support import first_link
from tests.browser.phone import PASSWORD, PHONE_WIDTH, assert_fits_phone, assert_tap_target, fresh, heading, log_in, nav

pytestmark = pytest.mark.browser

# EVENT_SCREENSHOTS=/tmp/dir keeps a full-page phone screenshot of every page checked.
SCREENSHOTS = os.environ.get("EVENT_SCREENSHOTS")


def assert_whole_week_shown(page: Page, label: str) -> None:
    """The month grid fits the phone: Sunday's column is on screen, nothing scrolls sideways inside."""
    sunday = page.get_by_role("columnheader").last
    expect(sunday).to_have_text("dim.")
    box = sunday.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH, f"{label}: Sunday is off screen ({box})"
    widths = page.evaluate("(() => { const t = document.querySelector('table.month').parentElement;"
                           " return [t.scrollWidth, t.clientWidth]; })()")
    assert widths[0] <= widths[1], f"{label}: the month scrolls sideways ({widths[0]} px in {widths[1]} px)"


def assert_spaced(locators, label: str, gap: float = 8) -> None:
    """Buttons side by side or wrapped under each other keep a gap: a thumb hits the one it aims at."""
    boxes = [locator.bounding_box() for locator in locators]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = max(b["x"] - (a["x"] + a["width"]), a["x"] - (b["x"] + b["width"]),
                        b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))
            assert apart >= gap, f"{label}: two buttons are {apart:.0f} px apart ({a} and {b})"


def check(page: Page, axe, label: str) -> None:
    """Every page: fits the phone, passes axe."""
    assert_fits_phone(page, label)
    if SCREENSHOTS:
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=os.path.join(SCREENSHOTS, f"events-{name}.png"), full_page=True)
    axe(page, label)


def posting(page: Page):
    return page.expect_response(lambda response: response.request.method == "POST")


# --- a resident finds an event by theme, registers in one tap, then cancels ---------------------------


def test_resident_finds_an_event_by_theme_registers_in_one_tap_and_cancels(
        page, live_server, db, make_user, make_event, upcoming_day, axe):
    make_user(email="awa@example.org", name="Awa Traoré")
    event = make_event(title="Repair café", theme=Theme.LIVING_TOGETHER, capacity=12, day=upcoming_day,
                       start=time(14), end=time(17), now=real_now(), accessibility="Accès de plain-pied")
    make_event(title="Atelier CV", theme=Theme.WORKING, capacity=8, day=upcoming_day, now=real_now())
    event_id = event.id
    fresh(db)
    log_in(page, live_server.url, "awa@example.org")

    agenda = nav(page).get_by_role("link", name="Agenda", exact=True)
    assert_tap_target(agenda, "the nav's “Agenda” link")
    agenda.tap()
    expect(heading(page, "Agenda")).to_be_visible()
    expect(page.get_by_role("link", name="Atelier CV")).to_be_visible()
    filters = page.get_by_text("Filtrer", exact=True)
    assert_tap_target(filters, "the “Filtrer” disclosure")
    expect(page.get_by_label("Thème")).to_be_hidden()
    check(page, axe, "agenda, filters closed")

    filters.tap()
    expect(page.get_by_label("Thème")).to_be_visible()
    check(page, axe, "agenda, filters open")
    page.get_by_label("Thème").select_option(label="Vivre ensemble")
    show = page.get_by_role("button", name="Afficher")
    assert_tap_target(show, "the “Afficher” button")
    show.tap()
    expect(page).to_have_url(re.compile(r"/evenements\?.*theme=vivre_ensemble"))
    expect(page.get_by_role("link", name="Repair café")).to_be_visible()
    expect(page.get_by_role("link", name="Atelier CV")).to_have_count(0)
    expect(page.get_by_label("Thème")).to_have_value("vivre_ensemble")  # the filters stay open, as chosen
    check(page, axe, "agenda filtered by theme")

    # The month view shows the same event, on its day.
    page.get_by_role("link", name="Vue du mois").tap()
    expect(heading(page, "Agenda du mois")).to_be_visible()
    if upcoming_day.replace(day=1) != paris_today(real_now()).replace(day=1):
        page.get_by_role("link", name="Mois suivant →").tap()
    month_link = page.get_by_role("table").get_by_role("link", name="Repair café")
    expect(month_link).to_be_visible()
    assert_whole_week_shown(page, "month view")
    check(page, axe, "month view")

    # A month without any event: still the whole week on screen (and no scrolling region without a link).
    page.get_by_role("link", name="Mois suivant →").tap()
    expect(page.get_by_role("table").get_by_role("link")).to_have_count(0)
    assert_whole_week_shown(page, "month view, no event")
    check(page, axe, "month view, no event")
    page.go_back()

    month_link.tap()
    expect(page).to_have_url(f"{live_server.url}/evenements/{event_id}")
    expect(heading(page, "Repair café")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("12 places libres / 12")
    register = page.get_by_role("button", name="M’inscrire")
    assert_tap_target(register, "the “M’inscrire” button")
    check(page, axe, "event page, before registering")

    register.tap()  # one tap: a member has nothing to fill in
    expect(page).to_have_url(f"{live_server.url}/evenements/{event_id}")
    expect(page.get_by_role("status")).to_have_text(
        "Vous êtes inscrit·e. Un e-mail de confirmation arrive avec l'événement pour votre agenda.")
    expect(page.locator("#inscription")).to_contain_text("Votre inscription : inscrit·e.")
    expect(page.locator(".facts")).to_contain_text("11 places libres / 12")
    expect(page.get_by_role("button", name="M’inscrire")).to_have_count(0)
    check(page, axe, "event page, registered")

    nav(page).get_by_role("link", name="Mes inscriptions").tap()
    expect(heading(page, "Mes inscriptions")).to_be_visible()
    mine = page.locator(".booking-item", has_text="Repair café")
    expect(mine).to_contain_text("inscrit·e")
    check(page, axe, "my registrations")

    mine.get_by_role("link", name=re.compile("Repair café")).tap()
    expect(heading(page, "Mon inscription")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Awa Traoré")
    cancel = page.get_by_role("button", name="Annuler mon inscription")
    assert_tap_target(cancel, "the “Annuler mon inscription” button")
    check(page, axe, "manage my registration")

    cancel.tap()
    expect(page.get_by_role("status")).to_have_text("Votre inscription est annulée.")
    expect(page.locator(".facts")).to_contain_text("annulée")
    expect(page.get_by_role("button", name="Annuler mon inscription")).to_have_count(0)
    check(page, axe, "manage my registration, cancelled")

    fresh(db)
    registration = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).one()
    assert registration.status == RegistrationStatus.CANCELLED
    assert db.session.get(Event, event_id).seats_taken == 0
    db.session.rollback()


# --- a guest registers with a name and an e-mail, and confirms from the e-mailed link -------------------


def test_guest_registers_with_name_and_email_then_confirms_from_the_email(
        page, live_server, db, make_user, make_event, upcoming_day, smtp, send_mail, axe):
    event = make_event(title="Balade contée", capacity=10, day=upcoming_day, start=time(10), end=time(12),
                       now=real_now())
    full = make_event(title="Visite du potager", capacity=1, day=upcoming_day, now=real_now())
    registrations.register_member(make_user(name="Bastien Morel"), full, now=real_now())
    db.session.commit()
    event_id, full_id = event.id, full.id
    send_mail()  # Bastien's confirmation goes out now: the inbox then holds only the guest's messages
    smtp.clear()
    fresh(db)

    page.goto(f"{live_server.url}/evenements/{event_id}")
    expect(heading(page, "Balade contée")).to_be_visible()
    expect(page.locator("#inscription").get_by_role("link", name="se connecter")).to_be_visible()
    check(page, axe, "event page, guest")

    # A mistyped address: the error sits next to the field, the name stays.
    page.get_by_label("Votre nom").fill("Inès Martin")
    page.get_by_label("Votre adresse e-mail").fill("ines.martin@example")
    with posting(page) as posted:
        page.get_by_role("button", name="M’inscrire").tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient une erreur à corriger.")
    email = page.get_by_label("Votre adresse e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=email).locator("#email-error")).to_have_text(
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bemail-error\b"))
    expect(page.get_by_label("Votre nom")).to_have_value("Inès Martin")
    expect(email).to_have_value("ines.martin@example")
    assert_tap_target(page.get_by_role("button", name="M’inscrire"), "the guest's “M’inscrire” button")
    check(page, axe, "event page, guest form with an error")

    email.fill("ines.martin@example.org")
    page.get_by_role("button", name="M’inscrire").tap()
    expect(heading(page, "Vérifiez vos e-mails")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Pour terminer votre inscription à « Balade contée »")
    check(page, axe, "check your inbox")

    assert send_mail().sent == 1
    [message] = smtp.to("ines.martin@example.org")
    assert message["Subject"] == "Confirmez votre inscription : Balade contée"
    link = first_link(message, "/confirmer")
    assert re.fullmatch(re.escape(live_server.url) + r"/evenements/inscription/[\w-]+/confirmer", link), link

    page.goto(link)
    expect(heading(page, "Balade contée")).to_be_visible()
    confirm = page.get_by_role("button", name="Confirmer mon inscription")
    assert_tap_target(confirm, "the confirm button")
    check(page, axe, "confirm a guest registration")

    confirm.tap()
    expect(heading(page, "Mon inscription")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "Vous êtes inscrit·e. Un e-mail de confirmation arrive avec l'événement pour votre agenda.")
    expect(page.locator(".facts")).to_contain_text("Inès Martin")
    expect(page.locator(".facts")).to_contain_text("inscrit·e")
    expect(page.get_by_role("button", name="Annuler mon inscription")).to_be_visible()
    check(page, axe, "guest registration, confirmed")

    fresh(db)
    guest = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).one()
    assert (guest.name, guest.status) == ("Inès Martin", RegistrationStatus.REGISTERED)
    db.session.rollback()

    # A full event: the guest joins the waiting list, and the button says so.
    page.goto(f"{live_server.url}/evenements/{full_id}")
    expect(heading(page, "Visite du potager")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("0 place libre / 1")
    waitlist = page.get_by_role("button", name=re.compile("^Rejoindre la liste d[’']attente$"))
    expect(waitlist).to_be_visible()
    expect(page.get_by_role("button", name="M’inscrire")).to_have_count(0)
    assert_tap_target(waitlist, "the waiting-list button")
    check(page, axe, "full event, guest")


# --- an organiser creates an event in a room, publishes it, and runs it --------------------------------


ICS_FILE = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Association Vélo//Agenda//FR\r
BEGIN:VEVENT\r
UID:velo-{day:%Y%m%d}@velo.example\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:{day:%Y%m%d}T100000\r
DTEND;TZID=Europe/Paris:{day:%Y%m%d}T120000\r
SUMMARY:Bourse aux vélos\r
LOCATION:Place de la Mairie\\, 78130 Les Mureaux\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_organiser_creates_an_event_in_a_room_publishes_it_and_runs_it(
        page, live_server, db, make_user, make_space, make_event, make_organiser, upcoming_day, axe):
    organiser = make_user(email="odile@example.org", name="Odile Organisatrice", roles=("member", "organiser"))
    organiser.trusted_organiser = True
    db.session.commit()
    room = make_space(name="Salle Baobab", hours=EVERY_DAY, slot_minutes=60)
    awa = make_user(name="Awa Traoré")
    bastien = make_user(name="Bastien Morel")
    make_user(email="chloe@example.org", name="Chloé Accueil", roles=("member", "staff"))
    untrusted = make_organiser(trusted=False, name="Ulysse Nouveau")
    make_event(title="Soirée jeux de société", organiser=untrusted, status="submitted", day=upcoming_day,
               now=real_now())
    room_id, awa_id, bastien_id = room.id, awa.id, bastien.id
    day = upcoming_day
    fresh(db)
    log_in(page, live_server.url, "odile@example.org")

    nav(page).get_by_role("link", name="Mes événements").tap()
    expect(heading(page, "Mes événements")).to_be_visible()
    check(page, axe, "organiser: my events, empty")
    new = page.get_by_role("link", name="Nouvel événement")
    assert_tap_target(new, "the “Nouvel événement” link")
    new.tap()
    expect(heading(page, "Nouvel événement")).to_be_visible()
    expect(page.get_by_label("Un espace des Chrysalides")).to_be_checked()
    check(page, axe, "organiser: new event form")

    page.get_by_label("Titre", exact=True).fill("Atelier réparation vélo")
    page.get_by_label("Description").fill("Apportez votre vélo : on le répare ensemble.")
    page.get_by_label("Thème").select_option(label="Vivre ensemble")
    page.get_by_label("Date de début").fill(day.isoformat())
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_label("Heure de fin").fill("13:00")  # before the start: refused
    page.get_by_label("Espace", exact=True).select_option(label="Salle Baobab")
    page.get_by_label("Inscription", exact=True).select_option("free")
    page.get_by_label("Nombre de places (vide : sans limite)").fill("20")
    save = page.get_by_role("button", name="Enregistrer")
    assert_tap_target(save, "the “Enregistrer” button")
    with posting(page) as posted:
        save.tap()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient une erreur à corriger.")
    end_time = page.get_by_label("Heure de fin")
    expect(end_time).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=end_time).locator(".field-error")).to_have_text(
        "La fin doit être après le début.")
    expect(page.get_by_label("Titre", exact=True)).to_have_value("Atelier réparation vélo")
    expect(page.get_by_label("Heure de début")).to_have_value("14:00")
    expect(page.get_by_label("Espace", exact=True)).to_have_value(str(room_id))
    check(page, axe, "organiser: new event form with an error")

    end_time.fill("16:00")
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page).to_have_url(re.compile(r"/organisateur/evenements/\d+$"))
    expect(page.get_by_role("status")).to_have_text(
        "Événement enregistré comme brouillon. Publiez-le quand il est prêt.")
    expect(heading(page, "Atelier réparation vélo")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Espace réservé : Salle Baobab")
    event_id = int(page.url.rsplit("/", 1)[1])
    publish = page.get_by_role("button", name="Publier")
    assert_tap_target(publish, "the “Publier” button")
    assert_spaced([publish, page.get_by_role("button", name="Supprimer le brouillon")], "the draft's buttons")
    check(page, axe, "organiser: draft event")

    publish.tap()
    expect(page.get_by_role("status")).to_have_text("Événement publié dans l'agenda.")
    expect(page.get_by_role("main")).to_contain_text("État : publié")
    expect(page.get_by_role("button", name="Publier")).to_have_count(0)
    check(page, axe, "organiser: published event")

    fresh(db)
    event = db.session.get(Event, event_id)
    assert event.status == EventStatus.PUBLISHED and event.space_id == room_id
    booking = db.session.get(Booking, event.booking_id)
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.starts_at, booking.ends_at) == (paris_to_utc(day, time(14)), paris_to_utc(day, time(16)))
    db.session.rollback()

    # The room is booked: members no longer see 14:00 or 15:00 offered that day.
    page.goto(f"{live_server.url}/reservations?date={day.isoformat()}&space={room_id}")
    card = page.locator(".space-card", has=page.get_by_role("heading", name="Salle Baobab"))
    expect(card.get_by_role("link", name="13:00 libre", exact=True)).to_be_visible()
    expect(card.get_by_role("link", name="16:00 libre", exact=True)).to_be_visible()
    expect(card.get_by_role("link", name="14:00 libre", exact=True)).to_have_count(0)
    expect(card.get_by_role("link", name="15:00 libre", exact=True)).to_have_count(0)
    check(page, axe, "bookings: the room's day, with the event's hours taken")

    # Two members register (through the service); the organiser follows them.
    fresh(db)
    event = db.session.get(Event, event_id)
    for user_id in (awa_id, bastien_id):
        registrations.register_member(db.session.get(User, user_id), event, now=real_now())
    db.session.commit()
    fresh(db)

    page.goto(f"{live_server.url}/organisateur/evenements/{event_id}")
    page.get_by_role("link", name="Inscriptions (2)").tap()
    expect(heading(page, re.compile("Inscriptions"))).to_be_visible()
    seats = page.get_by_role("table").first
    expect(seats).to_contain_text("Awa Traoré")
    expect(seats).to_contain_text("Bastien Morel")
    expect(page.locator(".facts")).to_contain_text("2 sur 20")
    for name in ("Pointage à l’entrée", "Écrire aux personnes inscrites", "Exporter la liste (tableur, CSV)",
                 "Feuille d’émargement (PDF)"):
        assert_tap_target(page.get_by_role("link", name=name), f"the “{name}” link")
    check(page, axe, "organiser: registrations")

    page.get_by_role("link", name="Pointage à l’entrée").tap()
    expect(heading(page, re.compile("Pointage à l’entrée"))).to_be_visible()
    expect(page.locator(".door-count")).to_have_text("0 présent·es sur 2 inscrit·es")
    present = page.get_by_role("button", name="Présent·e : Awa Traoré")
    assert_tap_target(present, "the door list's “Présent·e” button")
    check(page, axe, "organiser: door list")

    page.get_by_label("Rechercher par nom ou e-mail").fill("awa")
    page.get_by_role("button", name="Rechercher").tap()
    expect(page.get_by_role("main")).to_contain_text("1 personne trouvée pour « awa ».")
    check(page, axe, "organiser: door list, searched")
    page.get_by_role("button", name="Présent·e : Awa Traoré").tap()
    expect(page.get_by_role("status")).to_have_text("Arrivée de Awa Traoré enregistrée.")
    expect(page.locator(".door-item", has_text="Awa Traoré")).to_contain_text(re.compile(r"arrivé·e à \d\d:\d\d"))
    page.get_by_role("link", name="Afficher tout le monde").tap()
    expect(page.locator(".door-count")).to_have_text("1 présent·es sur 2 inscrit·es")
    expect(page.get_by_role("button", name="Présent·e : Bastien Morel")).to_be_visible()
    check(page, axe, "organiser: door list, one arrival")

    page.goto(f"{live_server.url}/organisateur/evenements/{event_id}/message")
    expect(heading(page, re.compile("Écrire aux personnes inscrites"))).to_be_visible()
    check(page, axe, "organiser: message form")
    with posting(page) as posted:
        page.get_by_role("button", name="Envoyer le message").tap()
    assert posted.value.status == 422
    expect(page.get_by_label("Objet")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Message", exact=True)).to_have_attribute("aria-invalid", "true")
    check(page, axe, "organiser: message form with errors")
    page.get_by_label("Objet").fill("Changement de salle")
    page.get_by_label("Message", exact=True).fill("Rendez-vous finalement dans la cour, derrière la salle Baobab.")
    page.get_by_role("button", name="Envoyer le message").tap()
    expect(page.get_by_role("status")).to_have_text("Message envoyé à 2 personnes.")

    # Importing a calendar: a preview first, then drafts.
    nav(page).get_by_role("link", name="Mes événements").tap()
    page.get_by_role("link", name="Importer un fichier .ics").tap()
    expect(heading(page, "Importer un fichier .ics")).to_be_visible()
    check(page, axe, "organiser: import form")
    import_day = day + timedelta(days=3)
    page.get_by_label("Fichier .ics").set_input_files(files=[{
        "name": "agenda.ics", "mimeType": "text/calendar", "buffer": ICS_FILE.format(day=import_day).encode()}])
    page.get_by_role("button", name="Voir ce qui sera importé").tap()
    expect(page.get_by_role("heading", name="Aperçu")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Bourse aux vélos")
    expect(page.get_by_role("table")).to_contain_text("sera créé (brouillon)")
    do_import = page.get_by_role("button", name="Importer : 1 à créer, 0 à mettre à jour")
    assert_tap_target(do_import, "the import button")
    check(page, axe, "organiser: import preview")
    do_import.tap()
    expect(heading(page, "Mes événements")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Import terminé. Brouillons créés : 1")
    expect(page.locator(".booking-list")).to_contain_text("Bourse aux vélos")
    check(page, axe, "organiser: my events, after the import")

    # The untrusted organiser's submission waits in the staff's moderation queue.
    nav(page).get_by_role("button", name="Se déconnecter").tap()
    expect(nav(page).get_by_role("link", name="Se connecter")).to_be_visible()
    log_in(page, live_server.url, "chloe@example.org")
    nav(page).get_by_role("link", name="Modération").tap()
    expect(heading(page, "Modération des événements")).to_be_visible()
    item = page.locator(".booking-item", has_text="Soirée jeux de société")
    expect(item).to_contain_text("Ulysse Nouveau")
    approve = item.get_by_role("button", name="Publier")
    decisions = (approve, item.get_by_role("button", name="Demander des changements"),
                 item.get_by_role("button", name="Refuser"))
    for button in decisions:
        assert_tap_target(button, "a moderation button")
    assert_spaced(decisions, "the moderation buttons")
    check(page, axe, "staff: moderation queue")
    approve.tap()
    expect(page.get_by_role("status")).to_have_text("Décision enregistrée ; l'organisateur est prévenu.")
    expect(page.get_by_text("Aucun événement à relire.")).to_be_visible()
    check(page, axe, "staff: moderation queue, empty")

    fresh(db)
    published = db.session.scalars(select(Event).where(Event.title == "Soirée jeux de société")).one()
    assert published.status == EventStatus.PUBLISHED
    arrived = db.session.scalars(select(Registration).where(Registration.user_id == awa_id)).one()
    assert arrived.checked_in_at is not None
    db.session.rollback()


# --- partners: the embeddable snippet, and an event's .ics -----------------------------------------


@pytest.fixture
def partner_site():
    """partner_site(html) → the URL of a page of a partner's site: a server of its own on loopback.

    (Chromium lets only a local page frame a loopback address, so the browser cannot make this page up.)
    """
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        pages["/agenda.html"] = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
                                 f"<title>Association partenaire</title></head><body>{html}</body></html>").encode()
        return f"http://127.0.0.1:{server.server_address[1]}/agenda.html"

    yield publish
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_embeddable_snippet_and_event_ics(page, live_server, db, make_event, upcoming_day, partner_site, axe):
    event = make_event(title="Café des langues", day=upcoming_day, start=time(10), end=time(12), now=real_now(),
                       organisation_name="Les Amis des langues")
    event_id = event.id
    fresh(db)

    # A partner's site (another origin) frames the snippet. A refused frame logs a console error,
    # which fails the test.
    page.goto(partner_site(f'<iframe title="Agenda des Chrysalides" src="{live_server.url}/evenements/integrer" '
                           'width="360" height="600"></iframe>'))
    framed = page.frame_locator("iframe")
    expect(framed.get_by_role("heading", name="Agenda des Chrysalides")).to_be_visible()
    expect(framed.get_by_role("link", name="Café des langues")).to_be_visible()

    response = page.goto(live_server.url + "/evenements/integrer")
    assert response.status == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    expect(heading(page, "Agenda des Chrysalides")).to_be_visible()
    link = page.get_by_role("link", name="Café des langues")
    expect(link).to_have_attribute("href", f"{live_server.url}/evenements/{event_id}")
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator("form, script")).to_have_count(0)
    check(page, axe, "embeddable snippet")

    page.goto(f"{live_server.url}/evenements/{event_id}")
    ics_link = page.get_by_role("link", name="Ajouter à mon agenda (.ics)")
    expect(ics_link).to_have_attribute("href", f"/evenements/{event_id}.ics")
    assert_tap_target(ics_link, "the .ics link")
    ics = page.request.get(f"{live_server.url}/evenements/{event_id}.ics")
    assert ics.status == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    body = ics.text()
    assert "BEGIN:VEVENT" in body and "SUMMARY:Café des langues" in body
    assert f"DTSTART;TZID=Europe/Paris:{upcoming_day:%Y%m%d}T100000" in body  # Paris wall-clock time
    check(page, axe, "event page with its .ics link")
