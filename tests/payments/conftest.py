"""Stripe on loopback, signed webhooks, and a priced room and desk area."""
from __future__ import annotations

import json
import time as clock
from datetime import time, timedelta

import pytest
import stripe

from tests.payments.stripe_servers import CheckoutServer, LocalStripe

WEBHOOK_SECRET = "whsec_test_chrysalides"
SECRET_KEY = "sk_test_chrysalides"
HOURS = [(time(7, 0), time(21, 0))] * 7


@pytest.fixture(scope="session")
def stripe_servers():
    localstripe = LocalStripe().start()
    checkout = CheckoutServer(localstripe).start()
    yield checkout
    checkout.stop()
    localstripe.stop()


@pytest.fixture
def stripe_on(app, stripe_servers):
    """The portal pointed at the loopback Stripe, with fresh state there."""
    stripe_servers.reset()
    stripe_servers.localstripe.reset()
    saved = {k: app.config.get(k) for k in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=stripe_servers.url)
    yield stripe_servers
    app.config.update(saved)


@pytest.fixture
def stripe_client(stripe_servers):
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_servers.localstripe.url})


@pytest.fixture
def paid_intent(stripe_client):
    """A real succeeded PaymentIntent at localstripe, as a card payment on Checkout leaves behind."""

    def make(amount: int) -> str:
        method = stripe_client.v1.payment_methods.create(params={
            "type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
        intent = stripe_client.v1.payment_intents.create(params={
            "amount": amount, "currency": "eur", "payment_method": method["id"], "confirm": True})
        assert intent["status"] == "succeeded"
        return intent["id"]

    return make


_counter = iter(range(1, 1_000_000))


def make_event(event_type: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_test_{next(_counter)}_{int(clock.time() * 1000)}", "object": "event",
            "type": event_type, "created": created or int(clock.time()), "livemode": False,
            "data": {"object": obj}, "api_version": "2025-01-01"}


def signed(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp or int(clock.time()))
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


@pytest.fixture
def post_event(app):
    def post(event: dict, **kwargs):
        payload, headers = signed(event, **kwargs)
        return app.test_client().post("/paiements/webhook/stripe", data=payload, headers=headers)

    return post


@pytest.fixture
def priced_room(db):
    """A meeting room hired at 20 €/h (individual), 50 €/h (company), free for the solidarity rate."""
    from portal.payments.models import BookerCategory as C
    from portal.payments.models import ProductKind
    from portal.payments.services.catalogue import save_product
    from portal.db import utcnow
    from portal.spaces.services.admin import save_space

    made = {}

    def make(name="Salle payante", **rules):
        if name in made:
            return made[name]
        db.session.commit()
        data = {"slug": name.lower().replace(" ", "-"), "name": name, "kind": "meeting_room", "capacity": 8,
                "bookable_by": "members", "slot_mode": "grid", "requires_approval": False, "active": True,
                "cancellation_deadline_hours": 2, **rules}
        space = save_space(None, data, HOURS)
        save_product(None, kind=ProductKind.ROOM_HIRE, name=f"Location {name}", description="", space_id=space.id,
                     credit_quantity=0, vat_rate_bp=0, active=True,
                     prices={C.INDIVIDUAL: 2000, C.COMPANY: 5000, C.SOLIDARITY: 0}, now=utcnow())
        db.session.commit()
        made[name] = space
        return space

    return make


@pytest.fixture
def tomorrow():
    from portal.db import utcnow
    from portal.timeutil import paris_to_utc, paris_today

    day = paris_today(utcnow()) + timedelta(days=1)
    return lambda hour, minute=0: paris_to_utc(day, time(hour, minute))
