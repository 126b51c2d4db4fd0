"""Credits under concurrency, pricing by category, tampered prices, holds, refunds, receipts without gaps."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support import PASSWORD


def _desk_area(db, desks):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory as C
    from portal.payments.models import ProductKind
    from portal.payments.services.catalogue import save_product
    from portal.spaces.services.admin import save_space
    from tests.payments.conftest import HOURS

    db.session.commit()
    space = save_space(None, {"slug": "plateau", "name": "Plateau", "kind": "desk_area", "capacity": desks,
                              "desks": desks, "bookable_by": "members", "slot_mode": "half_day",
                              "requires_approval": False, "active": True, "max_active_bookings": 50,
                              "max_duration_minutes": 15 * 60}, HOURS)
    save_product(None, kind=ProductKind.DAY_PASS, name="Journée", description="", space_id=space.id, credit_quantity=0,
                 vat_rate_bp=0, active=True, prices={C.INDIVIDUAL: 800, C.COMPANY: 1500}, now=utcnow())
    db.session.commit()
    return space


def test_2c_concurrent_bookings_against_c_credits_exactly_c_succeed(app, db, make_user, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import CreditBalance, CreditEntry, CreditKind
    from portal.payments.services import credits
    from portal.spaces.models import Booking
    from portal.spaces.services.bookings import create_booking

    C = 4
    space = _desk_area(db, 2 * C)
    user = make_user()
    credits.grant(CreditKind.DESK_DAY, C, reason="Budget de la ville", now=utcnow(), actor_id=None, user_id=user.id)
    db.session.commit()
    user_id, space_id = user.id, space.id
    day_start, day_end = tomorrow(7), tomorrow(21)
    outcomes, messages, barrier = [], [], threading.Barrier(2 * C)

    def book():
        from portal.accounts.models import User
        from portal.errors import DomainError
        from portal.extensions import db as tdb

        with app.app_context():
            barrier.wait(timeout=30)
            try:
                create_booking(tdb.session.get(User, user_id), space_id=space_id, starts_at=day_start, ends_at=day_end,
                               now=utcnow())
                tdb.session.commit()
                outcomes.append("booked")
            except DomainError as err:
                tdb.session.rollback()
                outcomes.append("refused")
                messages.append(str(err.message))
            except Exception as err:  # reported by the assertion below
                tdb.session.rollback()
                messages.append(repr(err))
            finally:
                tdb.session.remove()

    threads = [threading.Thread(target=book) for _ in range(2 * C)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    db.session.rollback()
    # Exactly C bookings are covered by credits; the others were refused (the credits went meanwhile)
    # or, having seen an empty balance, are to be paid at the desk: none is both.
    from portal.payments.models import Payment

    covered = set(db.session.scalars(select(CreditEntry.booking_id).where(CreditEntry.delta < 0)))
    charged = set(db.session.scalars(select(Payment.booking_id)))
    booked = set(db.session.scalars(select(Booking.id).where(Booking.status == "confirmed")))
    assert len(covered) == C and not covered & charged, messages
    assert booked == covered | charged
    assert outcomes.count("booked") == len(booked) and outcomes.count("refused") == 2 * C - len(booked), messages
    balance = db.session.scalar(select(CreditBalance).where(CreditBalance.user_id == user_id))
    assert balance.balance == 0
    assert db.session.scalar(select(func.sum(CreditEntry.delta))) == 0


def test_the_ledger_is_append_only_and_the_balance_never_negative(db, make_user):
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from portal.db import utcnow
    from portal.payments.errors import NotEnoughCredits
    from portal.payments.models import CreditEntry, CreditKind
    from portal.payments.services import credits

    user = make_user()
    entry = credits.grant(CreditKind.ROOM_HOUR, 2, reason="Heures gratuites annuelles", now=utcnow(), actor_id=None,
                          user_id=user.id)
    db.session.commit()
    with pytest.raises(NotEnoughCredits):
        credits.consume(credits.balance_row(CreditKind.ROOM_HOUR, user_id=user.id), 3, reason="essai", now=utcnow(),
                        actor_id=None)
    db.session.rollback()
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(CreditEntry.__table__.update().where(CreditEntry.id == entry.id).values(delta=50))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception):
        credits.grant(CreditKind.ROOM_HOUR, 1, reason="  ", now=utcnow(), actor_id=None, user_id=user.id)


def test_price_depends_on_the_category_set_by_staff(db, make_user, priced_room, tomorrow):
    from portal.payments.models import BookerCategory
    from portal.payments.services import catalogue, pricing

    space = priced_room()
    staff, company, resident = make_user(roles=("staff",)), make_user(), make_user()
    from portal.db import utcnow

    catalogue.set_category(staff, company, BookerCategory.COMPANY, note="Kbis vu", now=utcnow())
    catalogue.set_category(staff, resident, BookerCategory.SOLIDARITY, note="", now=utcnow())
    db.session.commit()
    with pytest.raises(Exception):
        catalogue.set_category(company, company, BookerCategory.SOLIDARITY, note="", now=utcnow())
    db.session.rollback()
    start, end = tomorrow(10), tomorrow(12)
    assert pricing.quote_booking(company, space, start, end).amount_cents == 10000
    assert pricing.quote_booking(resident, space, start, end).is_free
    assert pricing.quote_booking(make_user(), space, start, end).amount_cents == 4000


def test_tampered_price_and_category_in_the_form_and_api_are_ignored(app, db, make_user, priced_room, tomorrow):
    from portal.payments.models import Payment

    space = priced_room()
    user = make_user()
    client = app.test_client()
    client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    response = client.post("/reservations", data={
        "space_id": space.id, "starts_at": tomorrow(9).isoformat(), "ends_at": tomorrow(10).isoformat(),
        "idempotency_key": "k-form", "amount_cents": "0", "price": "0", "category": "solidarity"})
    assert response.status_code == 303
    response = client.post("/api/v1/bookings", json={
        "space_id": space.id, "starts_at": tomorrow(11).isoformat(), "ends_at": tomorrow(12).isoformat(),
        "price": 0, "category": "solidarity"}, headers={"Idempotency-Key": "k-api"})
    assert response.status_code == 422 and set(response.json["errors"]) == {"price", "category"}
    response = client.post("/api/v1/bookings", json={
        "space_id": space.id, "starts_at": tomorrow(11).isoformat(), "ends_at": tomorrow(12).isoformat()},
        headers={"Idempotency-Key": "k-api"})
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.rollback()
    amounts = db.session.scalars(select(Payment.amount_cents)).all()
    assert amounts == [2000, 2000]  # at the desk (no Stripe keys), at the individual rate


def test_without_stripe_keys_a_paid_room_is_booked_and_paid_at_the_desk(app, db, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import Document, Payment, PaymentMethod
    from portal.payments.services import lifecycle
    from portal.spaces.services.bookings import create_booking

    space = priced_room()
    user, staff = make_user(), make_user(roles=("staff",))
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    assert booking.status.value == "confirmed"
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    assert payment.method.value == "desk" and payment.hold_expires_at is None
    assert lifecycle.record_desk_payment(staff, payment, method=PaymentMethod.CASH, note="", now=utcnow())
    db.session.commit()
    assert db.session.scalar(select(func.count(Document.id))) == 1


def test_hold_expiry_by_the_sweep_releases_the_slot_and_the_webhook_after_does_nothing(app, db, stripe_on, make_user,
                                                                                       priced_room, tomorrow, post_event):
    from portal.db import utcnow
    from portal.payments.models import Payment
    from portal.payments.services import checkout
    from portal.spaces.services.bookings import create_booking
    from tests.payments.conftest import make_event

    space = priced_room()
    user = make_user()
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    assert booking.status.value == "awaiting_payment"
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    assert checkout.sweep(utcnow()) == (0, 0)
    assert checkout.sweep(utcnow() + timedelta(minutes=31)) == (1, 0)
    db.session.commit()
    db.session.refresh(booking)
    assert booking.status.value == "cancelled"
    other = make_user()
    taken = create_booking(other, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    assert taken.status.value == "awaiting_payment"
    session = {"id": "cs_x", "object": "checkout.session", "metadata": {"payment_id": str(payment.id)},
               "status": "expired"}
    assert post_event(make_event("checkout.session.expired", session)).json["outcome"] == "nothing to do"


def test_cancelling_within_the_policy_refunds_at_stripe_with_an_idempotency_key(app, db, stripe_on, paid_intent,
                                                                                  make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import Payment
    from portal.payments.services import lifecycle
    from portal.spaces.services.bookings import cancel_booking, create_booking

    space = priced_room()
    user = make_user()
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(16), ends_at=tomorrow(17), now=utcnow())
    db.session.flush()
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    assert lifecycle.fulfil(payment.id, now=utcnow(), payment_intent=paid_intent(2000))
    db.session.commit()
    cancel_booking(user, booking, now=utcnow())
    db.session.commit()
    db.session.refresh(payment)
    assert payment.status.value == "refunded" and payment.refunded_cents == 2000
    (refund,) = [r for r in stripe_on.requests if r["path"] == "/v1/refunds"]
    assert refund["idempotency_key"] == f"refund-{payment.id}-2000"
    assert refund["form"]["amount"] == "2000"


def test_cancelling_a_booking_paid_with_credits_gives_them_back_once(db, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import CreditKind
    from portal.payments.services import credits
    from portal.spaces.services.bookings import cancel_booking, create_booking

    space = priced_room()
    user = make_user()
    credits.grant(CreditKind.ROOM_HOUR, 2, reason="Heures offertes", now=utcnow(), actor_id=None, user_id=user.id)
    booking = create_booking(user, space_id=space.id, starts_at=tomorrow(16), ends_at=tomorrow(18), now=utcnow())
    db.session.commit()
    assert booking.status.value == "confirmed"
    assert credits.balance_of(CreditKind.ROOM_HOUR, user_id=user.id) == 0
    cancel_booking(user, booking, now=utcnow())
    db.session.commit()
    assert credits.balance_of(CreditKind.ROOM_HOUR, user_id=user.id) == 2
    assert credits.give_back_for_booking(booking.id, reason="encore", now=utcnow(), actor_id=None) == 0


def test_receipt_numbers_have_no_gap_when_a_payment_fails_midway(db, make_user):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory, Document, Payment, PaymentMethod
    from portal.payments.services import documents

    user = make_user()

    def payment():
        p = Payment(user_id=user.id, description="Carnet", category=BookerCategory.INDIVIDUAL, amount_cents=1000,
                    method=PaymentMethod.CASH, created_at=utcnow(), updated_at=utcnow())
        db.session.add(p)
        db.session.flush()
        return p

    documents.issue(payment(), "receipt", 1000, now=utcnow())
    db.session.commit()
    documents.issue(payment(), "receipt", 1000, now=utcnow())
    db.session.rollback()  # the payment failed after its number was taken
    documents.issue(payment(), "receipt", 1000, now=utcnow())
    db.session.commit()
    assert db.session.scalars(select(Document.sequence).order_by(Document.sequence)).all() == [1, 2]
    csv_text = documents.accountant_csv(utcnow().date() - timedelta(days=1), utcnow().date() + timedelta(days=1))
    lines = csv_text.lstrip("\ufeff").strip().split("\r\n")
    assert [line.split(";")[0] for line in lines[1:]] == ["CHR-000001", "CHR-000002"]
    from portal.payments.receipt_pdf import document_pdf

    assert document_pdf(db.session.scalar(select(Document).limit(1))).startswith(b"%PDF")


def test_a_morning_or_afternoon_of_room_hire_costs_the_half_day_price_when_cheaper(db, make_user, priced_room,
                                                                                  tomorrow):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory as C
    from portal.payments.models import Price, Product
    from portal.payments.services import catalogue, pricing

    space = priced_room()
    product = db.session.scalar(select(Product).where(Product.space_id == space.id))
    catalogue.save_product(product, kind=product.kind, name=product.name, description="", space_id=space.id,
                           credit_quantity=0, vat_rate_bp=0, active=True,
                           prices={C.INDIVIDUAL: 2000, C.COMPANY: 5000, C.SOLIDARITY: 0},
                           half_day_prices={C.INDIVIDUAL: 6000, C.COMPANY: 15000}, now=utcnow())
    db.session.commit()
    user = make_user()
    assert pricing.quote_booking(user, space, tomorrow(9), tomorrow(13)).amount_cents == 6000  # 4 h morning
    assert pricing.quote_booking(user, space, tomorrow(14), tomorrow(18)).amount_cents == 6000  # 4 h afternoon
    assert pricing.quote_booking(user, space, tomorrow(9), tomorrow(11)).amount_cents == 4000  # hourly is cheaper
    assert pricing.quote_booking(user, space, tomorrow(11), tomorrow(15)).amount_cents == 8000  # across the split
    assert pricing.quote_booking(user, space, tomorrow(8), tomorrow(13)).amount_cents == 10000  # over 4 h
    # Company rate (the fallback row) uses its own half-day price.
    company = make_user()
    catalogue.set_category(make_user(roles=("staff",)), company, C.COMPANY, note="", now=utcnow())
    db.session.commit()
    assert pricing.quote_booking(company, space, tomorrow(14), tomorrow(18)).amount_cents == 15000
    # The database refuses a negative half-day price.
    row = db.session.scalar(select(Price).where(Price.product_id == product.id, Price.category == C.INDIVIDUAL))
    row.half_day_amount_cents = -1
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()
