"""Signed webhooks from the official library against a booking paid through the loopback Checkout."""
from __future__ import annotations

import threading
import time as clock

from sqlalchemy import func, select

from tests.payments.conftest import make_event
from tests.support import PASSWORD


def _awaiting_booking(db, make_user, priced_room, tomorrow, hour=10):
    from portal.db import utcnow
    from portal.spaces.services.bookings import create_booking

    user = make_user()
    space = priced_room()
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(hour), ends_at=tomorrow(hour + 1), now=utcnow())
    db.session.commit()
    return user, booking


def _start_checkout(app, user, payment_id):
    client = app.test_client()
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.post(f"/paiements/{payment_id}/payer")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client, response.headers["Location"]


def _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow, hour=10):
    from portal.payments.models import Payment

    user, booking = _awaiting_booking(db, make_user, priced_room, tomorrow, hour)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    client, location = _start_checkout(app, user, payment.id)
    db.session.rollback()
    db.session.expire_all()
    payment = db.session.get(Payment, payment.id)
    session = stripe_on.complete(payment.stripe_session_id, payment_intent=paid_intent(payment.amount_cents))
    return user, booking, payment, session, client


def _state(db, booking_id, payment_id):
    from portal.mail.models import OutboxMessage
    from portal.payments.models import Document, Payment
    from portal.spaces.models import Booking

    db.session.rollback()
    db.session.expire_all()
    payment = db.session.get(Payment, payment_id)
    return (db.session.get(Booking, booking_id).status.value, payment.status.value,
            db.session.scalar(select(func.count(Document.id)).where(Document.payment_id == payment_id)),
            db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.subject == "Paiement reçu",
                                                                         OutboxMessage.recipient == payment.user.email)))


def test_checkout_sends_our_price_with_idempotency_key_and_no_card_data(db, app, stripe_on, make_user, priced_room, tomorrow):
    from portal.payments.models import Payment

    user, booking = _awaiting_booking(db, make_user, priced_room, tomorrow)
    assert booking.status.value == "awaiting_payment"
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    _client, location = _start_checkout(app, user, payment.id)
    assert location.startswith(stripe_on.url + "/checkout/")
    (sent,) = stripe_on.created()
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "2000"
    assert sent["form"]["metadata[payment_id]"] == str(payment.id)
    assert sent["idempotency_key"].startswith(f"checkout-{payment.id}-")
    assert int(sent["form"]["expires_at"]) >= int(clock.time()) + 29 * 60


def test_bad_signature_and_stale_timestamp_are_refused_without_change(db, app, stripe_on, paid_intent, make_user,
                                                                        priced_room, tomorrow, post_event):
    user, booking, payment, session, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    event = make_event("checkout.session.completed", session)
    assert post_event(event, secret="whsec_wrong").status_code == 400
    assert post_event(event, timestamp=int(clock.time()) - 3600).status_code == 400
    assert _state(db, booking.id, payment.id) == ("awaiting_payment", "pending", 0, 0)


def test_same_event_once_twice_five_times_at_once_is_applied_once(db, app, stripe_on, paid_intent, make_user,
                                                                  priced_room, tomorrow, post_event):
    user, booking, payment, session, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    event = make_event("checkout.session.completed", session)
    assert post_event(event).status_code == 200
    assert post_event(event).status_code == 200
    assert _state(db, booking.id, payment.id) == ("confirmed", "paid", 1, 1)

    # another booking, its event delivered five times at the same moment
    user2, booking2, payment2, session2, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room,
                                                           tomorrow, hour=14)
    event2 = make_event("checkout.session.completed", session2)
    statuses, barrier = [], threading.Barrier(5)

    def deliver():
        barrier.wait(timeout=30)
        statuses.append(post_event(event2).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert statuses == [200] * 5
    assert _state(db, booking2.id, payment2.id) == ("confirmed", "paid", 1, 1)


def test_success_page_and_webhook_at_the_same_moment_fulfil_once(db, app, stripe_on, paid_intent, make_user,
                                                                 priced_room, tomorrow, post_event):
    user, booking, payment, session, client = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    event = make_event("checkout.session.completed", session)
    results, barrier = {}, threading.Barrier(2)

    def webhook():
        barrier.wait(timeout=30)
        results["webhook"] = post_event(event).status_code

    def success_page():
        barrier.wait(timeout=30)
        results["page"] = client.get(f"/paiements/{payment.id}/merci?session_id={session['id']}").status_code

    threads = [threading.Thread(target=webhook), threading.Thread(target=success_page)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert results == {"webhook": 200, "page": 303}
    assert _state(db, booking.id, payment.id) == ("confirmed", "paid", 1, 1)


def test_expired_after_completed_changes_nothing(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow,
                                                 post_event):
    user, booking, payment, session, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    assert post_event(make_event("checkout.session.completed", session)).status_code == 200
    expired = {**session, "status": "expired", "payment_status": "unpaid"}
    response = post_event(make_event("checkout.session.expired", expired))
    assert response.status_code == 200 and response.json["outcome"] == "nothing to do"
    assert _state(db, booking.id, payment.id) == ("confirmed", "paid", 1, 1)


def test_expired_before_payment_releases_the_slot_once(db, app, stripe_on, make_user, priced_room, tomorrow, post_event):
    from portal.payments.models import Payment

    user, booking = _awaiting_booking(db, make_user, priced_room, tomorrow)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    _start_checkout(app, user, payment.id)
    db.session.rollback()
    db.session.expire_all()
    session = stripe_on.session(db.session.get(Payment, payment.id).stripe_session_id)
    assert post_event(make_event("checkout.session.expired", {**session, "status": "expired"})).json["outcome"] == "released"
    assert _state(db, booking.id, payment.id)[:2] == ("cancelled", "expired")


def test_event_for_a_payment_not_yet_visible_is_answered_503(db, stripe_on, post_event):
    session = {"id": "cs_unknown", "object": "checkout.session", "metadata": {"payment_id": "999999"},
               "payment_status": "paid", "payment_intent": "pi_x"}
    assert post_event(make_event("checkout.session.completed", session)).status_code == 503
    from portal.payments.models import StripeEvent

    db.session.rollback()
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0  # Stripe's retry will be applied


def test_dashboard_refund_of_one_of_two_charges(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow,
                                                post_event, stripe_client):
    from portal.payments.models import Document, DocumentKind, Payment

    _u, booking1, payment1, session1, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    _u2, booking2, payment2, session2, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room,
                                                         tomorrow, hour=15)
    for session in (session1, session2):
        assert post_event(make_event("checkout.session.completed", session)).status_code == 200
    # refunded in the Stripe dashboard: localstripe holds the real refund
    stripe_client.v1.refunds.create(params={"payment_intent": session2["payment_intent"], "amount": 2000})
    charge = {"id": "ch_test", "object": "charge", "payment_intent": session2["payment_intent"], "amount": 2000,
              "amount_refunded": 2000, "refunded": True}
    event = make_event("charge.refunded", charge)
    assert post_event(event).status_code == 200
    assert post_event(event).status_code == 200
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Payment, payment1.id).status.value == "paid"
    assert db.session.get(Payment, payment2.id).status.value == "refunded"
    notes = db.session.scalars(select(Document).where(Document.kind == DocumentKind.CREDIT_NOTE)).all()
    assert [(n.payment_id, n.amount_cents) for n in notes] == [(payment2.id, 2000)]
    refunds_we_sent = [r for r in stripe_on.requests if r["path"] == "/v1/refunds"]
    assert refunds_we_sent == []  # nothing refunded twice


def test_subscription_events_out_of_order_keep_the_newest_state(db, app, stripe_on, make_user, post_event):
    from portal.payments.models import Membership, MembershipStatus

    user = make_user()
    membership = Membership(user_id=user.id, status=MembershipStatus.ACTIVE, stripe_subscription_id="sub_test")
    db.session.add(membership)
    db.session.commit()
    now = int(clock.time())
    deleted = make_event("customer.subscription.deleted", {"id": "sub_test", "object": "subscription",
                                                           "status": "canceled"}, created=now)
    late_update = make_event("customer.subscription.updated", {"id": "sub_test", "object": "subscription",
                                                               "status": "active"}, created=now - 60)
    assert post_event(deleted).status_code == 200
    assert post_event(late_update).json["outcome"] == "stale: ignored"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status == MembershipStatus.CANCELLED


def test_paid_after_the_sweep_released_the_slot_takes_it_back_when_still_free(db, app, stripe_on, paid_intent,
                                                                            make_user, priced_room, tomorrow, post_event):
    from datetime import timedelta

    from portal.db import utcnow
    from portal.payments.models import Payment

    user, booking, payment, session, _ = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room, tomorrow)
    db.session.execute(Payment.__table__.update().where(Payment.__table__.c.id == payment.id)
                       .values(stripe_session_id="cs_elsewhere"))  # the sweep cannot ask Stripe: it releases
    db.session.commit()
    from portal.payments.services import checkout

    app.config["STRIPE_SECRET_KEY"], key = None, app.config["STRIPE_SECRET_KEY"]
    try:
        assert checkout.sweep(utcnow() + timedelta(hours=2)) == (1, 0)
    finally:
        app.config["STRIPE_SECRET_KEY"] = key
    db.session.commit()
    assert _state(db, booking.id, payment.id)[:2] == ("cancelled", "expired")
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    assert _state(db, booking.id, payment.id) == ("confirmed", "paid", 1, 1)


def test_paid_after_giving_up_is_recorded_and_refunded(db, app, stripe_on, paid_intent, make_user, priced_room,
                                                       tomorrow, post_event):
    user, booking, payment, session, client = _paid_session(db, app, stripe_on, paid_intent, make_user, priced_room,
                                                            tomorrow)
    assert client.post(f"/paiements/{payment.id}/abandonner").status_code == 303
    assert _state(db, booking.id, payment.id)[:2] == ("cancelled", "cancelled")
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    state = _state(db, booking.id, payment.id)
    assert state[:3] == ("cancelled", "refunded", 2)  # receipt and credit note
    (refund,) = [r for r in stripe_on.requests if r["path"] == "/v1/refunds"]
    assert refund["form"]["payment_intent"] == session["payment_intent"] and refund["idempotency_key"]
