"""Stripe Checkout: start a hosted payment, come back from it, sweep holds that ran out."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.extensions import db
from portal.payments import stripe_gateway
from portal.payments.errors import PaymentRefused, PaymentServiceUnavailable, TransientFailure
from portal.payments.models import Payment, PaymentMethod, PaymentStatus, Product, ProductKind
from portal.payments.payer import payer_of
from portal.payments.services import catalogue, lifecycle
from portal.payments.services.pricing import quote_product

# Stripe refuses a Checkout session that expires in less than 30 minutes.
SESSION_LIFETIME = timedelta(minutes=30)
HOLD_GRACE = timedelta(minutes=2)


def buy(user: User, product: Product, *, now: datetime) -> Payment:
    """A pack or a membership: the price comes from the person's category, never from the form."""
    if not product.active or product.kind not in catalogue.BUYABLE_KINDS:
        raise PaymentRefused(_l("Ce produit n'est pas en vente en ligne."))
    quote = quote_product(user, product)
    if quote.amount_cents <= 0:
        raise PaymentRefused(_l("Ce produit est gratuit pour vous : adressez-vous à l'accueil."))
    return lifecycle.new_payment(user, quote, now=now, description=product.name, product=product)


def _customer(user: User, now: datetime) -> str:
    profile = catalogue.profile_of(user, create=True)
    if not profile.stripe_customer_id:
        profile.stripe_customer_id = stripe_gateway.create_customer(
            email=user.email, name=user.display_name, user_id=user.id, idempotency_key=f"customer-{user.id}")
        profile.updated_at = now
        db.session.flush()
    return profile.stripe_customer_id


def start(payment: Payment, *, now: datetime, success_url: str, cancel_url: str) -> str:
    """The URL of the hosted payment page; the same open session is reused while it lasts."""
    if payment.status != PaymentStatus.PENDING:
        raise PaymentRefused(_l("Ce paiement n'est plus en attente."))
    if payment.method != PaymentMethod.STRIPE or not stripe_gateway.configured():
        raise PaymentRefused(_l("Le paiement en ligne n'est pas disponible : réglez à l'accueil."))
    try:
        if payment.stripe_session_id:
            session = stripe_gateway.retrieve_checkout_session(payment.stripe_session_id)
            if session.status == "open" and session.url:
                return session.url
            if session.status == "complete":
                raise PaymentRefused(_l("Ce paiement est déjà fait ; sa confirmation arrive dans un instant."))
        _settle_series_amount(payment, now)
        expires_at = now + SESSION_LIFETIME
        recurring = payment.product is not None and payment.product.kind == ProductKind.MEMBERSHIP
        session = stripe_gateway.create_checkout_session(
            payment_id=payment.id, label=payment.description, amount_cents=payment.amount_cents,
            customer=_customer(payment.user, now) if payment.user is not None else None,
            email=payer.email if payment.user is None and (payer := payer_of(payment)) else None,
            success_url=success_url, cancel_url=cancel_url, expires_at=expires_at, recurring=recurring,
            idempotency_key=f"checkout-{payment.id}-{int(expires_at.timestamp())}",
        )
    except stripe_gateway.GatewayUnavailable as err:
        raise PaymentServiceUnavailable(_l("Le service de paiement ne répond pas. Réessayez dans un instant.")) from err
    payment.stripe_session_id = session.id
    if payment.hold_expires_at is not None:
        # The slot stays held as long as the payment page can still be paid.
        payment.hold_expires_at = max(payment.hold_expires_at, expires_at + HOLD_GRACE)
    payment.updated_at = now
    db.session.flush()
    return session.url


def _settle_series_amount(payment: Payment, now: datetime) -> None:
    """A new payment page asks for the dates still covered, even if an earlier page could not be closed
    in time to lower the amount when a date was cancelled."""
    from portal.payments.services.bookings_link import covered_bookings

    links = covered_bookings(payment.id) if payment.booking_id is None else []
    if links and sum(link.amount_cents for link in links) != payment.amount_cents:
        payment.amount_cents = sum(link.amount_cents for link in links)
        payment.updated_at = now
        db.session.flush()


def come_back(payment: Payment, session_id: str | None, *, now: datetime) -> bool:
    """The success page asks Stripe itself (the query string proves nothing) and fulfils like the webhook."""
    if payment.status != PaymentStatus.PENDING or not payment.stripe_session_id:
        return False
    if session_id and session_id != payment.stripe_session_id:
        return False
    try:
        session = stripe_gateway.retrieve_checkout_session(payment.stripe_session_id)
    except stripe_gateway.GatewayUnavailable:
        return False  # the webhook will do it
    if session.payment_status not in ("paid", "no_payment_required"):
        return False
    return lifecycle.fulfil(payment.id, now=now, payment_intent=session.payment_intent,
                            subscription_id=session.subscription)


def sweep(now: datetime) -> tuple[int, int]:
    """Release holds that ran out (the expiry webhook may come first: then nothing is left to do).

    A session paid at the last second is fulfilled instead. Returns (released, fulfilled).
    """
    released = fulfilled = 0
    for payment in lifecycle.due_holds(now):
        if payment.stripe_session_id and stripe_gateway.configured():
            try:
                session = stripe_gateway.retrieve_checkout_session(payment.stripe_session_id)
                if session.payment_status in ("paid", "no_payment_required"):
                    fulfilled += lifecycle.fulfil(payment.id, now=now, payment_intent=session.payment_intent,
                                                  subscription_id=session.subscription)
                    continue
                if session.status == "open":
                    stripe_gateway.expire_checkout_session(payment.stripe_session_id)
            except stripe_gateway.GatewayUnavailable as err:
                raise TransientFailure(str(err)) from err
        released += lifecycle.release(payment.id, now=now)
    return released, fulfilled


def portal_url(user: User, *, return_url: str) -> str:
    profile = catalogue.profile_of(user)
    if profile is None or not profile.stripe_customer_id:
        raise PaymentRefused(_l("Aucun abonnement en ligne à gérer."))
    try:
        return stripe_gateway.create_portal_session(customer=profile.stripe_customer_id, return_url=return_url)
    except stripe_gateway.GatewayUnavailable as err:
        raise PaymentRefused(_l("Le service de paiement ne répond pas. Réessayez dans un instant.")) from err
