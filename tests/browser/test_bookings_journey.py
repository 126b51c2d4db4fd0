"""Booking journeys on a phone, with an axe-core check on every page they cross.

The pages read the real clock: the desk area is open all day every day, so its "Journée" slot is
still bookable today whatever the time the test runs (a desk slot stays bookable until it ends);
rooms are booked tomorrow, inside every space's booking window.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.spaces.models import Booking, BookingStatus, Closure, Space
from portal.spaces.services import bookings
from portal.timeutil import paris_to_utc, paris_today
from tests.spaces.conftest import make_space  # noqa: F401  (the factory fixture, shared with the bookings tests)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # make_user's default
ALL_DAY = {weekday: (time(0, 0), time(23, 59)) for weekday in range(7)}
EVERY_DAY = {weekday: (time(8, 30), time(19, 0)) for weekday in range(7)}
PHONE_WIDTH = 390


def heading(page: Page, name):
    return page.get_by_role("heading", level=1, name=name)


def nav(page: Page):
    return page.get_by_role("navigation", name="Menu principal")


def log_in(page: Page, base_url: str, user) -> None:
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail", exact=True).fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("status")).to_contain_text("Bienvenue")


def fresh(db):
    """End the test thread's transaction: what the live server committed becomes visible."""
    db.session.rollback()


def tomorrow() -> datetime.date:
    return paris_today(datetime.now(UTC)) + timedelta(days=1)


def book_directly(db, actor, space, day, start: time, end: time, **kwargs) -> Booking:
    """A booking made without the browser; committed, so the live server can write next."""
    fresh(db)
    booking = bookings.create_booking(actor, space_id=space.id, starts_at=paris_to_utc(day, start),
                                      ends_at=paris_to_utc(day, end), now=datetime.now(UTC), notify=False, **kwargs)
    db.session.commit()
    return booking


def slot_url(base_url: str, space_id: int, day, start: time, end: time) -> str:
    from urllib.parse import urlencode

    query = urlencode({"space": space_id, "start": paris_to_utc(day, start).isoformat(),
                       "end": paris_to_utc(day, end).isoformat()})
    return f"{base_url}/reservations/confirmer?{query}"


def assert_fits_phone(page: Page, label: str) -> None:
    """Nothing scrolls sideways at 390 px."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{label}: the page is {widths[0]} px wide on a {widths[1]} px screen"


def assert_tap_target(locator, label: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{label} is not rendered"
    assert box["height"] >= 44 and box["width"] >= 44, f"{label} is {box['width']}×{box['height']} px"


# --- a member books a desk for today in three taps, then cancels it ------------------------------------


def test_member_books_a_desk_today_in_three_taps_then_cancels_it(page, live_server, db, make_user, make_space, axe):
    member = make_user(name="Awa Traoré")
    desks = make_space(kind="desk_area", desks=4, hours=ALL_DAY, name="Coworking du rez-de-chaussée",
                       max_duration_minutes=24 * 60)
    make_space(name="Salle Baobab", hours=EVERY_DAY, amenities=["screen"], accessibility=["step_free"])
    desks_id = desks.id
    log_in(page, live_server.url, member)
    expect(page).to_have_url(live_server.url + "/")

    taps = 0
    reserve = nav(page).get_by_role("link", name="Réserver", exact=True)
    assert_tap_target(reserve, "the nav's “Réserver” link")
    reserve.tap()
    taps += 1
    expect(heading(page, "Réserver")).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_contain_text(["aujourd’hui"])
    card = page.locator(".space-card", has=page.get_by_role("heading", name="Coworking du rez-de-chaussée"))
    day_slot = card.get_by_role("link", name=re.compile(r"^Journée 4 postes libres$"))
    expect(day_slot).to_be_visible()
    assert_tap_target(day_slot, "the “Journée” slot")
    assert_fits_phone(page, "/reservations")
    page.screenshot(path="/tmp/book-phone.png", full_page=True)
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
    page.screenshot(path="/tmp/confirm-phone.png", full_page=True)
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
    booking = db.session.scalar(select(Booking).where(Booking.user_id == member.id))
    assert booking.status == BookingStatus.CONFIRMED and booking.resource.space_id == desks_id
    booking_id = booking.id
    db.session.rollback()

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
