"""Paid event tickets: the seat is held while the ticket is paid, released when the hold runs out."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from tests.payments.conftest import make_event


def _paid_event(db, make_user, capacity=1):
    from portal.db import utcnow
    from portal.events.models import RegistrationMode, Theme
    from portal.events.services import events as event_service
    from portal.payments.models import BookerCategory, ProductKind
    from portal.payments.services.catalogue import save_product
    from portal.timeutil import paris_to_utc, paris_today

    now = utcnow()
    day = paris_today(now) + timedelta(days=10)
    organiser = make_user(roles=("member", "organiser"))
    organiser.trusted_organiser = True
    data = event_service.EventData(title="Atelier payant", theme=Theme.WORKING, starts_at=paris_to_utc(day, time(18)),
                                   ends_at=paris_to_utc(day, time(20)), address="Place de la Mairie",
                                   registration_mode=RegistrationMode.FREE, capacity=capacity)
    (event,) = event_service.create_event(organiser, data, now=now)
    event_service.publish(organiser, event, now=now)
    save_product(None, kind=ProductKind.TICKET, name="Billet atelier", description="", space_id=None, credit_quantity=0,
                 vat_rate_bp=0, active=True, prices={BookerCategory.INDIVIDUAL: 1200, BookerCategory.SOLIDARITY: 0},
                 now=now, event_id=event.id)
    db.session.commit()
    return event


def test_an_unpaid_ticket_releases_its_seat_to_the_waiting_list(app, db, stripe_on, make_user):
    from portal.db import utcnow
    from portal.events.services import registrations
    from portal.payments.models import Payment
    from portal.payments.services import checkout

    event = _paid_event(db, make_user)
    first, second = make_user(), make_user()
    mine = registrations.register_member(first, event, now=utcnow())
    waiting = registrations.register_member(second, event, now=utcnow())
    db.session.commit()
    assert (mine.status.value, waiting.status.value) == ("registered", "waitlisted")
    payment = db.session.scalar(select(Payment).where(Payment.registration_id == mine.id))
    assert payment.amount_cents == 1200 and payment.hold_expires_at is not None
    assert checkout.sweep(utcnow() + timedelta(minutes=31)) == (1, 0)
    db.session.commit()
    db.session.refresh(mine)
    db.session.refresh(waiting)
    assert mine.status.value == "cancelled"
    assert waiting.status.value == "offered"


def test_a_paid_ticket_keeps_its_seat_and_gets_a_receipt(app, db, stripe_on, make_user, paid_intent, post_event):
    from portal.db import utcnow
    from portal.events.services import registrations
    from portal.payments.models import Document, Payment

    event = _paid_event(db, make_user)
    member = make_user()
    registration = registrations.register_member(member, event, now=utcnow())
    db.session.commit()
    payment = db.session.scalar(select(Payment).where(Payment.registration_id == registration.id))
    session = {"id": "cs_ticket", "object": "checkout.session", "metadata": {"payment_id": str(payment.id)},
               "payment_status": "paid", "status": "complete", "payment_intent": paid_intent(1200)}
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    db.session.rollback()
    db.session.refresh(registration)
    assert registration.status.value == "registered"
    assert db.session.scalar(select(Document).where(Document.payment_id == payment.id)).amount_cents == 1200
    registrations.cancel(registration, now=utcnow())  # ten days ahead: refunded in full
    db.session.commit()
    db.session.refresh(payment)
    assert payment.status.value == "refunded"


def test_the_organiser_prices_tickets_within_the_rules(app, db, make_user):
    from portal.payments.services.events_link import quote_ticket
    from tests.support import PASSWORD, page

    event = _paid_event(db, make_user)
    organiser = event.organiser
    client = app.test_client()
    client.post("/connexion", data={"email": organiser.email, "password": PASSWORD})
    url = f"/paiements/evenements/{event.id}/billet"
    assert "12,00" in page(client.get(url))
    too_much = client.post(url, data={"price_individual": "80"})
    assert too_much.status_code == 422 and "Un billet coûte au plus 50 €." in page(too_much)
    unfair = client.post(url, data={"price_individual": "5", "price_solidarity": "8"})
    assert unfair.status_code == 422 and "Le tarif solidaire ne peut pas dépasser les autres tarifs." in page(unfair)
    assert client.post(url, data={"price_individual": "8", "price_solidarity": "2"}).status_code == 303
    db.session.rollback()  # end the test's read: the server wrote meanwhile
    member = make_user()
    assert quote_ticket(member, event).amount_cents == 800
    other = make_user(roles=("member", "organiser"))
    intruder = app.test_client()
    intruder.post("/connexion", data={"email": other.email, "password": PASSWORD})
    assert intruder.post(url, data={"price_individual": "1"}).status_code == 403
