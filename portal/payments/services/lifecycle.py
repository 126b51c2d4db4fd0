"""A payment's life: created (with a hold), paid once, released once, refunded within what was paid.

Each transition is one conditional UPDATE on ``payments``: when the webhook,
the success page and the scheduled sweep race, exactly one of them changes the
row and the others find nothing to do.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.payments import notifications
from portal.payments.errors import PaymentRefused
from portal.payments.models import (
    DESK_METHODS,
    DocumentKind,
    Membership,
    MembershipStatus,
    Payment,
    PaymentBooking,
    PaymentMethod,
    PaymentStatus,
    Product,
    ProductKind,
)
from portal.payments.services import credits, documents
from portal.payments.services.pricing import Quote

HOLD = timedelta(minutes=30)
PAYABLE = (PaymentStatus.PENDING, PaymentStatus.EXPIRED, PaymentStatus.FAILED)


def stripe_on() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def new_payment(user: User | None, quote: Quote, *, now: datetime, description: str, booking_id: int | None = None,
                registration_id: int | None = None, product: Product | None = None, hold: bool = False,
                covers: list[tuple[int, int]] | None = None) -> Payment:
    """``covers``: (booking id, share) of each booking one payment pays for; the amount is their sum."""
    online = stripe_on()
    payment = Payment(
        user_id=user.id if user is not None else None, product_id=quote.product_id, booking_id=booking_id,
        registration_id=registration_id, description=description[:300], category=quote.category,
        amount_cents=sum(share for _id, share in covers) if covers else quote.amount_cents,
        vat_rate_bp=quote.vat_rate_bp,
        method=PaymentMethod.STRIPE if online else PaymentMethod.DESK, status=PaymentStatus.PENDING,
        hold_expires_at=now + HOLD if (hold and online) else None, created_at=now, updated_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    for booking_id_, share in covers or ():
        db.session.add(PaymentBooking(payment_id=payment.id, booking_id=booking_id_, amount_cents=share))
    if covers:
        db.session.flush()
    return payment


def get_payment(payment_id: int, viewer: User) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or not (viewer.is_staff or payment.user_id == viewer.id):
        raise NotFound(_l("Ce paiement n'existe pas."))
    return payment


def payment_for_booking(booking_id: int) -> Payment | None:
    """The booking's own payment, or the one paying for its series."""
    in_series = select(PaymentBooking.payment_id).where(PaymentBooking.booking_id == booking_id)
    return db.session.scalar(select(Payment).where(or_(Payment.booking_id == booking_id, Payment.id.in_(in_series)))
                             .order_by(Payment.id.desc()).limit(1))


def payments_of(user_id: int, limit: int = 100) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.user_id == user_id)
                                   .order_by(Payment.id.desc()).limit(limit)))


def _transition(payment_id: int, allowed, **values) -> bool:
    result = db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status.in_(allowed)).values(**values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


# --- paid -------------------------------------------------------------------------------


def fulfil(payment_id: int, *, now: datetime, payment_intent: str | None = None, invoice_id: str | None = None,
           subscription_id: str | None = None, method: PaymentMethod | None = None,
           recorded_by: User | None = None, note: str = "") -> bool:
    """Mark paid and deliver what was bought. True the one time it happens, False afterwards."""
    values = {"status": PaymentStatus.PAID, "paid_at": now, "updated_at": now, "hold_expires_at": None}
    if payment_intent:
        values["stripe_payment_intent_id"] = payment_intent
    if invoice_id:
        values["stripe_invoice_id"] = invoice_id
    if method is not None:
        values["method"] = method
    if recorded_by is not None:
        values["recorded_by_id"] = recorded_by.id
    if note:
        values["note"] = note[:300]
    previous = db.session.scalar(select(Payment.status).where(Payment.id == payment_id))
    if previous not in (*PAYABLE, PaymentStatus.CANCELLED) or not _transition(payment_id, (previous,), **values):
        return False
    payment = db.session.get(Payment, payment_id)
    db.session.refresh(payment)
    receipt = documents.issue(payment, DocumentKind.RECEIPT, payment.amount_cents, now=now) if payment.amount_cents else None
    # Paid after the person gave up (the hosted page was still open): record it, then give it back.
    delivered = previous != PaymentStatus.CANCELLED and _deliver(payment, now=now, subscription_id=subscription_id)
    notifications.payment_received(payment, receipt, now=now)
    if not delivered:  # given up, or the slot went to someone else while the payment was late
        refund(payment, payment.amount_cents, now=now, reason=str(_l("Paiement reçu après annulation ou expiration")))
    return True


def _deliver(payment: Payment, *, now: datetime, subscription_id: str | None) -> bool:
    from portal.payments.services import bookings_link

    if payment.booking_id is not None:
        return bookings_link.confirm_paid_booking(payment, now=now)
    if payment.registration_id is not None:
        from portal.payments.services import events_link

        return events_link.registration_still_holds(payment)
    if bookings_link.covered_bookings(payment.id):
        return bookings_link.confirm_paid_series(payment, now=now)
    product = payment.product
    if product is not None and product.credit_kind is not None:
        credits.grant(product.credit_kind, product.credit_quantity, reason=str(_l("Achat : %(name)s", name=product.name)),
                      now=now, actor_id=payment.recorded_by_id, user_id=payment.user_id, payment_id=payment.id)
    if product is not None and product.kind == ProductKind.MEMBERSHIP:
        activate_membership(payment, subscription_id=subscription_id, now=now)
    return True


def activate_membership(payment: Payment, *, subscription_id: str | None, now: datetime) -> Membership:
    membership = None
    if subscription_id:
        membership = db.session.scalar(select(Membership).where(Membership.stripe_subscription_id == subscription_id))
    if membership is None and payment.membership_id:
        membership = db.session.get(Membership, payment.membership_id)
    if membership is None:
        membership = Membership(user_id=payment.user_id, product_id=payment.product_id,
                                stripe_subscription_id=subscription_id, created_at=now, updated_at=now)
        db.session.add(membership)
    membership.status = MembershipStatus.ACTIVE
    if subscription_id and not membership.stripe_subscription_id:
        membership.stripe_subscription_id = subscription_id
    if membership.current_period_end is None or membership.current_period_end < now:
        membership.current_period_end = now + timedelta(days=31)
    membership.updated_at = now
    db.session.flush()
    payment.membership_id = membership.id
    db.session.flush()
    return membership


def record_desk_payment(actor: User, payment: Payment, *, method: PaymentMethod, note: str, now: datetime) -> bool:
    """Cash, cheque or transfer taken at the reception: the same fulfilment as online."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Seule l'équipe enregistre les paiements à l'accueil."))
    if method not in DESK_METHODS:
        raise PaymentRefused(_l("Choisissez espèces, chèque ou virement."), field="method")
    if payment.status not in PAYABLE:
        raise PaymentRefused(_l("Ce paiement est déjà réglé ou annulé."))
    return fulfil(payment.id, now=now, method=method, recorded_by=actor, note=note)


def sell_at_desk(actor: User, customer: User, product: Product, *, method: PaymentMethod, note: str,
                 now: datetime) -> Payment:
    from portal.payments.services.pricing import quote_product

    quote = quote_product(customer, product)
    if quote.amount_cents <= 0 and product.credit_kind is None:
        raise PaymentRefused(_l("Ce produit est gratuit pour cette personne."))
    payment = new_payment(customer, quote, now=now, description=product.name, product=product)
    record_desk_payment(actor, payment, method=method, note=note, now=now)
    return payment


# --- not paid ---------------------------------------------------------------------------


def release(payment_id: int, *, now: datetime, status: PaymentStatus = PaymentStatus.EXPIRED) -> bool:
    """End a hold (session expired, sweep, cancellation): the slot is freed once."""
    if not _transition(payment_id, (PaymentStatus.PENDING,), status=status, updated_at=now, hold_expires_at=None):
        return False
    payment = db.session.get(Payment, payment_id)
    db.session.refresh(payment)
    if payment.registration_id is None and payment.membership_id is None:
        from portal.payments.services import bookings_link

        bookings_link.release_bookings(payment, now=now)
    if payment.registration_id is not None:
        from portal.payments.services import events_link

        events_link.release_registration(payment, now=now)
    return True


def mark_failed(payment_id: int, *, now: datetime) -> bool:
    """An asynchronous payment (bank debit) failed: the hold ends like an expiry."""
    return release(payment_id, now=now, status=PaymentStatus.FAILED)


def due_holds(now: datetime, limit: int = 200) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(
        Payment.status == PaymentStatus.PENDING, Payment.hold_expires_at.is_not(None),
        Payment.hold_expires_at <= now).order_by(Payment.hold_expires_at).limit(limit)))


# --- refunds ------------------------------------------------------------------------------


def refund(payment: Payment, amount_cents: int, *, now: datetime, reason: str, already_at_stripe: bool = False) -> int:
    """Give back up to what remains; a credit note for what was given. Returns the amount refunded."""
    amount_cents = min(amount_cents, payment.amount_cents - payment.refunded_cents)
    if amount_cents <= 0 or payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return 0
    before = payment.refunded_cents
    after = before + amount_cents
    status = PaymentStatus.REFUNDED if after >= payment.amount_cents else PaymentStatus.PARTIALLY_REFUNDED
    result = db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.refunded_cents == before)
        .values(refunded_cents=after, status=status, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return 0  # a concurrent refund changed it first
    db.session.refresh(payment)
    if payment.method == PaymentMethod.STRIPE and not already_at_stripe and payment.stripe_payment_intent_id:
        from portal.payments import stripe_gateway

        stripe_gateway.refund(payment_intent=payment.stripe_payment_intent_id, amount_cents=amount_cents,
                              idempotency_key=f"refund-{payment.id}-{after}", reason=reason)
    receipt = documents.receipt_of(payment.id)
    if receipt is not None:
        note = documents.issue(payment, DocumentKind.CREDIT_NOTE, amount_cents, now=now, corrects=receipt,
                               label=f"{payment.description} — {reason}")
        notifications.refund_issued(payment, note, now=now)
    return amount_cents


def apply_external_refund(payment_intent: str, total_refunded: int, *, now: datetime) -> int:
    """A refund made elsewhere (the Stripe dashboard): bring our record up to Stripe's total."""
    payment = db.session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == payment_intent))
    if payment is None:
        return 0
    missing = total_refunded - payment.refunded_cents
    if missing <= 0:
        return 0
    return refund(payment, missing, now=now, reason=str(_l("Remboursement fait depuis Stripe")), already_at_stripe=True)


def cancel_open_payment(payment: Payment, *, now: datetime) -> bool:
    """A person gives up before paying."""
    changed = release(payment.id, now=now, status=PaymentStatus.CANCELLED)
    if changed and payment.stripe_session_id:
        from portal.payments import stripe_gateway

        try:
            stripe_gateway.expire_checkout_session(payment.stripe_session_id)
        except stripe_gateway.GatewayUnavailable:
            pass  # the page expires by itself; a payment made there meanwhile is refunded on arrival
    return changed
