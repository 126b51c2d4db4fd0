"""Paying on a phone: a pack bought online then used to book a desk; a paid room through Checkout.

Stripe is the loopback pair of tests/payments (localstripe and the Checkout stand-in): the
browser is sent to the stand-in's hosted page, the test completes the session there as the
customer would and delivers the signed webhook, then the browser comes back to the portal.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.payments.models import BookerCategory, Payment, ProductKind
from portal.timeutil import paris_to_utc, paris_today
from tests.browser.phone import assert_fits_phone, fresh, heading, log_in
from tests.payments.conftest import (  # noqa: F401  (fixtures shared with the payments tests)
    make_event,
    paid_intent,
    post_event,
    priced_room,
    stripe_client,
    stripe_on,
    stripe_servers,
)
from tests.spaces.conftest import make_space  # noqa: F401

pytestmark = pytest.mark.browser
ALL_DAY = {weekday: (time(0, 0), time(23, 59)) for weekday in range(7)}


def _pay_on_checkout(page: Page, db, stripe_on, paid_intent, post_event, payment_id: int) -> None:
    """On the hosted page: the customer pays; Stripe then calls our webhook."""
    expect(page).to_have_url(re.compile("^" + re.escape(stripe_on.url + "/checkout/")))
    fresh(db)
    payment = db.session.get(Payment, payment_id)
    session = stripe_on.complete(payment.stripe_session_id, payment_intent=paid_intent(payment.amount_cents))
    assert post_event(make_event("checkout.session.completed", session)).status_code == 200
    page.goto(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))


def test_member_buys_a_pack_online_then_books_a_desk_with_credits(page: Page, live_server, db, make_user, make_space,
                                                                  stripe_on, paid_intent, post_event, axe):
    from portal.db import utcnow
    from portal.payments.services.catalogue import save_product

    desks = make_space(kind="desk_area", desks=4, hours=ALL_DAY, name="Plateau payant", max_duration_minutes=24 * 60)
    save_product(None, kind=ProductKind.DAY_PASS, name="Journée", description="", space_id=desks.id, credit_quantity=0,
                 vat_rate_bp=0, active=True, prices={BookerCategory.INDIVIDUAL: 800}, now=utcnow())
    pack = save_product(None, kind=ProductKind.DESK_PACK, name="Carnet de 10 journées", description="Dix journées",
                        space_id=None, credit_quantity=10, vat_rate_bp=0, active=True,
                        prices={BookerCategory.INDIVIDUAL: 7000}, now=utcnow())
    db.session.commit()
    member = make_user(name="Awa Membre")
    log_in(page, live_server.url, member.email)

    page.goto(live_server.url + "/paiements")
    expect(heading(page, "Mes paiements")).to_be_visible()
    axe(page, "my payments, nothing yet")
    assert_fits_phone(page, "my payments")
    page.get_by_role("button", name="Acheter Carnet de 10 journées").click()
    expect(heading(page, re.compile("Paiement n°"))).to_be_visible()
    axe(page, "payment to make")
    fresh(db)
    payment = db.session.scalar(select(Payment).where(Payment.product_id == pack.id))
    assert payment.amount_cents == 7000
    page.get_by_role("button", name="Payer").click()
    _pay_on_checkout(page, db, stripe_on, paid_intent, post_event, payment.id)
    expect(page.get_by_role("status")).to_contain_text("Paiement reçu")
    page.goto(live_server.url + "/paiements")
    expect(page.get_by_text("10 journées de bureau", exact=True)).to_be_visible()
    axe(page, "my payments, with credits and a receipt")

    day = paris_today(datetime.now(UTC)) + timedelta(days=1)
    start, end = paris_to_utc(day, time(0, 0)), paris_to_utc(day, time(23, 59))
    page.goto(f"{live_server.url}/reservations/confirmer?space={desks.id}&start={start.isoformat()}&end={end.isoformat()}")
    expect(page.get_by_text("Couvert par vos crédits")).to_be_visible()
    axe(page, "confirm a desk covered by credits")
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(page.get_by_role("status")).to_contain_text("Réservation confirmée")
    page.goto(live_server.url + "/paiements")
    expect(page.get_by_text("9 journées de bureau", exact=True)).to_be_visible()


def test_member_books_a_paid_room_pays_on_checkout_and_comes_back_confirmed(page: Page, live_server, db, make_user,
                                                                            priced_room, stripe_on, paid_intent,
                                                                            post_event, axe):
    space = priced_room("Salle Seine payante")
    member = make_user(name="Bruno Entreprise")
    log_in(page, live_server.url, member.email)
    day = paris_today(datetime.now(UTC)) + timedelta(days=1)
    start, end = paris_to_utc(day, time(10)), paris_to_utc(day, time(11))
    page.goto(f"{live_server.url}/reservations/confirmer?space={space.id}&start={start.isoformat()}&end={end.isoformat()}")
    expect(page.get_by_text("À payer maintenant")).to_be_visible()
    axe(page, "confirm a paid room")
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(heading(page, re.compile("Paiement n°"))).to_be_visible()
    expect(page.get_by_text("Créneau gardé jusqu’à")).to_be_visible()
    axe(page, "payment holding the room")
    assert_fits_phone(page, "payment page")
    fresh(db)
    payment = db.session.scalar(select(Payment).where(Payment.user_id == member.id))
    page.get_by_role("button", name="Payer").click()
    _pay_on_checkout(page, db, stripe_on, paid_intent, post_event, payment.id)
    expect(heading(page, re.compile("Réservation n°"))).to_be_visible()
    expect(page.get_by_text("confirmée")).to_be_visible()
    expect(page.get_by_text("payé")).to_be_visible()
    axe(page, "booking paid and confirmed")


def test_staff_and_admin_payment_pages_are_accessible(page: Page, live_server, db, make_user, axe):
    staff = make_user(roles=("member", "staff", "admin"), name="Sam Équipe")
    member = make_user(name="Chloé Résidente")
    log_in(page, live_server.url, staff.email)
    for path, title in (("/equipe/paiements", "Paiements à l’accueil"), (f"/equipe/paiements/personnes/{member.id}",
                        "Paiements de Chloé Résidente"), ("/admin/produits", "Produits et tarifs"),
                        ("/admin/produits/nouveau", "Nouveau produit")):
        page.goto(live_server.url + path)
        expect(heading(page, title)).to_be_visible()
        axe(page, path)
        assert_fits_phone(page, path)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe(page, "product form with errors")


def test_visitor_without_an_account_registers_confirms_and_pays_a_ticket(page: Page, live_server, db, make_user,
                                                                         stripe_on, paid_intent, post_event, axe):
    """The pay button leaves for the hosted page from the registration's secret page: the browser
    must let that form go there (Content-Security-Policy form-action)."""
    from portal.events.models import Registration
    from tests.payments.test_tickets import _paid_event

    event = _paid_event(db, make_user, capacity=5)
    page.goto(f"{live_server.url}/evenements/{event.id}")
    expect(page.get_by_text(re.compile("Billet : 12,00\u00a0€, à payer en ligne une fois votre inscription"))).to_be_visible()
    page.get_by_label("Votre nom").fill("Nadia Visiteuse")
    page.get_by_label("Votre adresse e-mail").fill("nadia@example.org")
    page.get_by_role("button", name="M’inscrire").click()
    fresh(db)
    registration = db.session.scalar(select(Registration).where(Registration.guest_email == "nadia@example.org"))

    page.goto(f"{live_server.url}/evenements/inscription/{registration.token}/confirmer")  # the e-mailed link
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.get_by_role("heading", name="Billet")).to_be_visible()
    axe(page, "visitor's registration with a ticket to pay")
    assert_fits_phone(page, "visitor's registration")
    fresh(db)
    payment = db.session.scalar(select(Payment).where(Payment.registration_id == registration.id))
    page.get_by_role("button", name=re.compile("Payer mon billet en ligne")).click()
    _pay_on_checkout(page, db, stripe_on, paid_intent, post_event, payment.id)

    expect(page.get_by_role("status")).to_contain_text("Paiement reçu")
    expect(page.get_by_text(re.compile("Billet : 12,00\u00a0€ — payé"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Télécharger le reçu"))).to_be_visible()
    axe(page, "visitor's ticket paid")
