"""Stripe events, each applied at most once.

The event id is inserted into ``stripe_events`` in the transaction that applies
the event: a replay, or the same event delivered five times at once, meets the
primary key and changes nothing. Anything that cannot be applied now raises
TransientFailure, so that the endpoint answers 503 and Stripe retries.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.payments import notifications
from portal.payments.errors import TransientFailure
from portal.payments.models import (
    DocumentKind,
    Membership,
    MembershipStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StripeEvent,
)
from portal.payments.services import documents, lifecycle

HANDLED = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


class AlreadyApplied(Exception):
    pass


def apply(event: dict, *, now: datetime) -> str:
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(id=event["id"], type=event["type"], applied_at=now))
            db.session.flush()
    except IntegrityError as err:
        raise AlreadyApplied(event["id"]) from err
    handler = _HANDLERS.get(event["type"])
    outcome = handler(event["data"]["object"], event, now) if handler else "ignored"
    db.session.get(StripeEvent, event["id"]).outcome = outcome[:200]
    db.session.flush()
    return outcome


def _payment_from(obj: dict) -> Payment:
    metadata = obj.get("metadata") or {}
    payment_id = metadata.get("payment_id") or obj.get("client_reference_id")
    payment = db.session.get(Payment, int(payment_id)) if payment_id and str(payment_id).isdigit() else None
    if payment is None and obj.get("id"):
        payment = db.session.scalar(select(Payment).where(Payment.stripe_session_id == obj["id"]))
    if payment is None:
        # Not visible yet (the request that created it has not committed): Stripe will retry.
        raise TransientFailure(f"no payment for {obj.get('id')}")
    return payment


def _id(value):
    return value.get("id") if isinstance(value, dict) else value


def _checkout_completed(session: dict, event: dict, now: datetime) -> str:
    payment = _payment_from(session)
    if session.get("payment_status") in ("paid", "no_payment_required"):
        done = lifecycle.fulfil(payment.id, now=now, payment_intent=_id(session.get("payment_intent")),
                                invoice_id=_id(session.get("invoice")), subscription_id=_id(session.get("subscription")))
        return "fulfilled" if done else "already fulfilled"
    # Paid by a delayed method: keep the slot until Stripe says how it ended.
    if payment.status == PaymentStatus.PENDING:
        payment.hold_expires_at = None
        payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or _id(session.get("payment_intent"))
        db.session.flush()
    return "awaiting asynchronous payment"


def _async_succeeded(session: dict, event: dict, now: datetime) -> str:
    payment = _payment_from(session)
    done = lifecycle.fulfil(payment.id, now=now, payment_intent=_id(session.get("payment_intent")),
                            subscription_id=_id(session.get("subscription")))
    return "fulfilled" if done else "already fulfilled"


def _async_failed(session: dict, event: dict, now: datetime) -> str:
    payment = _payment_from(session)
    if _superseded(payment, session):
        return "superseded session"
    return "failed" if lifecycle.mark_failed(payment.id, now=now) else "nothing to do"


def _expired(session: dict, event: dict, now: datetime) -> str:
    payment = _payment_from(session)
    if _superseded(payment, session):
        return "superseded session"
    # "Expired" after "completed" (or after the sweep) finds nothing pending: no change.
    return "released" if lifecycle.release(payment.id, now=now) else "nothing to do"


def _superseded(payment, session: dict) -> bool:
    """A page of a payment still open that we closed ourselves (a date of a series was cancelled
    meanwhile) and may have replaced: its end says nothing about the payment, whose hold has its own
    deadline."""
    return payment.status == PaymentStatus.PENDING and session.get("id") != payment.stripe_session_id


def _charge_refunded(charge: dict, event: dict, now: datetime) -> str:
    intent = _id(charge.get("payment_intent"))
    if not intent:
        return "no payment intent"
    amount = lifecycle.apply_external_refund(intent, int(charge.get("amount_refunded") or 0), now=now)
    return f"refunded {amount}"


def _subscription_of_invoice(invoice: dict) -> tuple[str | None, dict]:
    subscription = _id(invoice.get("subscription"))
    details = invoice.get("subscription_details") or {}
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = subscription or _id(parent.get("subscription"))
    return subscription, details.get("metadata") or parent.get("metadata") or {}


def _invoice_paid(invoice: dict, event: dict, now: datetime) -> str:
    subscription_id, metadata = _subscription_of_invoice(invoice)
    if db.session.scalar(select(Payment.id).where(Payment.stripe_invoice_id == invoice["id"])) is not None:
        return "already recorded"
    if invoice.get("billing_reason") == "subscription_create" and metadata.get("payment_id"):
        done = lifecycle.fulfil(int(metadata["payment_id"]), now=now, invoice_id=invoice["id"],
                                subscription_id=subscription_id)
        if not done:
            payment = db.session.get(Payment, int(metadata["payment_id"]))
            if payment is not None and payment.stripe_invoice_id is None:
                payment.stripe_invoice_id = invoice["id"]
                db.session.flush()
        return "first period"
    membership = _membership(subscription_id)
    amount = int(invoice.get("amount_paid") or 0)
    payment = Payment(user_id=membership.user_id, product_id=membership.product_id, membership_id=membership.id,
                      description=membership.product.name if membership.product else "Adhésion",
                      category=_category(membership), amount_cents=amount, method=PaymentMethod.STRIPE,
                      status=PaymentStatus.PAID, paid_at=now, stripe_invoice_id=invoice["id"],
                      stripe_payment_intent_id=_id(invoice.get("payment_intent")),
                      vat_rate_bp=membership.product.vat_rate_bp if membership.product else 0,
                      created_at=now, updated_at=now)
    db.session.add(payment)
    db.session.flush()
    membership.status = MembershipStatus.ACTIVE
    period_end = (invoice.get("lines") or {}).get("data", [{}])[0].get("period", {}).get("end") if invoice.get("lines") else None
    if period_end:
        membership.current_period_end = datetime.fromtimestamp(int(period_end), UTC)
    receipt = documents.issue(payment, DocumentKind.RECEIPT, amount, now=now) if amount else None
    notifications.payment_received(payment, receipt, now=now)
    return "renewal recorded"


def _category(membership: Membership):
    from portal.payments.services.catalogue import category_of

    return category_of(membership.user)


def _membership(subscription_id: str | None) -> Membership:
    membership = None
    if subscription_id:
        membership = db.session.scalar(select(Membership).where(Membership.stripe_subscription_id == subscription_id))
    if membership is None:
        raise TransientFailure(f"no membership for {subscription_id}")
    return membership


def _invoice_failed(invoice: dict, event: dict, now: datetime) -> str:
    subscription_id, _metadata = _subscription_of_invoice(invoice)
    membership = _membership(subscription_id)
    if event.get("created", 0) >= membership.last_event_at and membership.status != MembershipStatus.CANCELLED:
        membership.status = MembershipStatus.PAST_DUE
        membership.last_event_at = event.get("created", 0)
        notifications.membership_payment_failed(membership, now=now)
    db.session.flush()
    return "past due"


STATUSES = {"active": MembershipStatus.ACTIVE, "trialing": MembershipStatus.ACTIVE,
            "past_due": MembershipStatus.PAST_DUE, "unpaid": MembershipStatus.PAST_DUE,
            "canceled": MembershipStatus.CANCELLED, "incomplete_expired": MembershipStatus.CANCELLED,
            "incomplete": MembershipStatus.INCOMPLETE}


def _subscription_changed(subscription: dict, event: dict, now: datetime) -> str:
    membership = _membership(subscription.get("id"))
    created = int(event.get("created") or 0)
    if membership.status == MembershipStatus.CANCELLED or created < membership.last_event_at:
        return "stale: ignored"  # an older state arriving late, or a subscription already ended
    deleted = event["type"] == "customer.subscription.deleted"
    membership.status = MembershipStatus.CANCELLED if deleted else STATUSES.get(subscription.get("status"),
                                                                               membership.status)
    from portal.payments.stripe_gateway import subscription_period_end

    end = subscription_period_end(subscription)
    if end:
        membership.current_period_end = datetime.fromtimestamp(end, UTC)
    membership.last_event_at = created
    membership.updated_at = now
    db.session.flush()
    return membership.status.value


_HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _async_succeeded,
    "checkout.session.async_payment_failed": _async_failed,
    "checkout.session.expired": _expired,
    "charge.refunded": _charge_refunded,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
}
