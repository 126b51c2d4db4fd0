"""The payments API: quotes from the one pricing service, the caller's own payments and credits, Checkout."""
from __future__ import annotations

from sqlalchemy import select

from tests.payments.test_tickets import _paid_event
from tests.support import PASSWORD


def _client(app, user):
    client = app.test_client()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return client


def _quote(client, space, start, end, **extra):
    return client.get("/api/v1/prices/quote", query_string={
        "space_id": space.id, "starts_at": start.isoformat(), "ends_at": end.isoformat(), **extra})


def test_quotes_come_from_the_pricing_service_and_ignore_prices_sent_by_the_client(app, db, make_user, priced_room,
                                                                                   tomorrow):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory, CreditKind
    from portal.payments.services import catalogue, credits

    space = priced_room()
    member, company, staff = make_user(), make_user(), make_user(roles=("staff",))
    catalogue.set_category(staff, company, BookerCategory.COMPANY, note="", now=utcnow())
    db.session.commit()
    client = _client(app, member)
    response = _quote(client, space, tomorrow(9), tomorrow(11), amount_cents=0, price=0, category="solidarity")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["outcome"] == "pay" and response.json["amount_cents"] == 4000
    assert response.json["category"] == "individual" and response.json["currency"] == "EUR"
    assert response.json["online"] is False  # no Stripe keys: paid at the reception
    assert _quote(_client(app, company), space, tomorrow(9), tomorrow(11)).json["amount_cents"] == 10000

    db.session.rollback()  # a fresh snapshot before writing after the requests
    credits.grant(CreditKind.ROOM_HOUR, 2, reason="Heures offertes", now=utcnow(), actor_id=staff.id, user_id=member.id)
    db.session.commit()
    covered = _quote(client, space, tomorrow(9), tomorrow(11)).json
    assert covered["outcome"] == "credits" and covered["amount_cents"] == 0 and covered["credits_needed"] == 2
    assert covered["credit_kind"] == "room_hour"

    db.session.rollback()
    event = _paid_event(db, make_user)
    ticket = client.get("/api/v1/prices/quote", query_string={"event_id": event.id, "price": 0}).json
    assert ticket["outcome"] == "pay" and ticket["amount_cents"] == 1200


def test_quote_errors_are_problems(app, db, make_user, priced_room, tomorrow):
    client = _client(app, make_user())
    space = priced_room()
    response = client.get("/api/v1/prices/quote")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    response = _quote(client, space, tomorrow(11), tomorrow(9))
    assert response.status_code == 422 and "ends_at" in response.json["errors"]
    response = client.get("/api/v1/prices/quote", query_string={"space_id": 999999, "starts_at": tomorrow(9).isoformat(),
                                                                "ends_at": tomorrow(10).isoformat()})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert app.test_client().get("/api/v1/prices/quote").status_code == 401


def test_payments_and_checkout_are_for_their_owner_only(app, db, stripe_on, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import Payment
    from portal.payments.services import lifecycle
    from portal.spaces.services.bookings import create_booking

    space = priced_room()
    owner, other, staff = make_user(), make_user(), make_user(roles=("staff",))
    booking = create_booking(owner, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    owner_client = _client(app, owner)

    listed = owner_client.get("/api/v1/payments").json
    assert [p["id"] for p in listed] == [payment.id]
    assert listed[0]["status"] == "pending" and listed[0]["amount_cents"] == 2000 and listed[0]["booking_id"] == booking.id
    assert owner_client.get(f"/api/v1/payments/{payment.id}").json["hold_expires_at"]
    for intruder in (other, staff):
        client = _client(app, intruder)
        assert client.get("/api/v1/payments").json == []
        assert client.get(f"/api/v1/payments/{payment.id}").status_code == 404
        response = client.post(f"/api/v1/payments/{payment.id}/checkout")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert stripe_on.created() == []

    # A price in the body is not read: the session is for the stored amount.
    response = owner_client.post(f"/api/v1/payments/{payment.id}/checkout", json={"amount_cents": 1})
    assert response.status_code == 200, response.get_data(as_text=True)
    url = response.json["checkout_url"]
    assert url.startswith(stripe_on.url + "/checkout/")
    (created,) = stripe_on.created()
    assert created["form"]["line_items[0][price_data][unit_amount]"] == "2000"
    again = owner_client.post(f"/api/v1/payments/{payment.id}/checkout")
    assert again.json["checkout_url"] == url and len(stripe_on.created()) == 1  # the open session is reused

    db.session.rollback()
    payment = db.session.get(Payment, payment.id)
    stripe_on.complete(payment.stripe_session_id, payment_intent="pi_api")
    assert lifecycle.fulfil(payment.id, now=utcnow(), payment_intent="pi_api")
    db.session.commit()
    response = owner_client.post(f"/api/v1/payments/{payment.id}/checkout")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert owner_client.get(f"/api/v1/payments/{payment.id}").json["status"] == "paid"


def test_checkout_answers_503_when_stripe_is_unreachable_and_409_without_online_payment(app, db, stripe_on, make_user,
                                                                                      priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import Payment, PaymentStatus
    from portal.spaces.services.bookings import create_booking
    from tests.support import free_port

    space = priced_room()
    owner = make_user()
    booking = create_booking(owner, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    payment_id = db.session.scalar(select(Payment.id).where(Payment.booking_id == booking.id))
    client = _client(app, owner)
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    response = client.post(f"/api/v1/payments/{payment_id}/checkout")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json" and response.json["status"] == 503
    db.session.rollback()
    payment = db.session.get(Payment, payment_id)
    assert payment.status == PaymentStatus.PENDING and payment.stripe_session_id is None

    app.config["STRIPE_SECRET_KEY"] = None  # keys removed: the hold is paid at the reception
    response = client.post(f"/api/v1/payments/{payment_id}/checkout")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"


def test_credits_lists_own_balances(app, db, make_user):
    from portal.db import utcnow
    from portal.payments.models import CreditKind
    from portal.payments.services import credits

    member = make_user()
    credits.grant(CreditKind.DESK_DAY, 3, reason="Budget de la ville", now=utcnow(), actor_id=None, user_id=member.id)
    db.session.commit()
    rows = _client(app, member).get("/api/v1/credits").json
    own = {row["kind"]: row["balance"] for row in rows if row["organisation_id"] is None}
    assert own == {"desk_day": 3, "room_hour": 0}
    db.session.rollback()
    stranger = make_user()
    others = _client(app, stranger).get("/api/v1/credits").json
    assert {row["kind"]: row["balance"] for row in others} == {"desk_day": 0, "room_hour": 0}
    assert app.test_client().get("/api/v1/credits").status_code == 401


def test_the_openapi_document_lists_the_payment_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    expected = {
        "/api/v1/prices/quote": {"get"},
        "/api/v1/payments": {"get"},
        "/api/v1/payments/{payment_id}": {"get"},
        "/api/v1/payments/{payment_id}/checkout": {"post"},
        "/api/v1/credits": {"get"},
    }
    for path, methods in expected.items():
        assert methods == set(spec["paths"][path]) - {"parameters"}, path
    assert set(spec["paths"]["/api/v1/payments/{payment_id}/checkout"]["post"]["responses"]) >= {"200", "404", "409",
                                                                                                "503"}
    assert {p["name"] for p in spec["paths"]["/api/v1/prices/quote"]["get"]["parameters"]} == {
        "space_id", "starts_at", "ends_at", "event_id"}
