"""The only module that talks to Stripe (through the official library).

Every call that creates something carries an idempotency key chosen by the
caller, so a retried request never creates a second session or refund.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import stripe
from flask import current_app


class GatewayUnavailable(Exception):
    """Stripe did not answer, or answered with an error worth retrying later."""


class BadSignature(Exception):
    """A webhook whose signature or timestamp does not check out."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    payment_intent: str | None
    subscription: str | None
    customer: str | None


def configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def _client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    options = {"max_network_retries": 0}
    if base:
        options["base_addresses"] = {"api": base}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], **options)


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as err:
        raise GatewayUnavailable(str(err)) from err
    except stripe.StripeError as err:
        if getattr(err, "http_status", None) and err.http_status >= 500:
            raise GatewayUnavailable(str(err)) from err
        raise


def _value(obj, key):
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return None
    if value is not None and not isinstance(value, str):
        value = value["id"]  # an expanded object where Stripe usually returns an id
    return value


def _session(obj) -> CheckoutSession:
    return CheckoutSession(
        id=obj["id"], url=_value(obj, "url"), status=_value(obj, "status") or "open",
        payment_status=_value(obj, "payment_status") or "unpaid",
        payment_intent=_value(obj, "payment_intent"), subscription=_value(obj, "subscription"),
        customer=_value(obj, "customer"),
    )


def create_customer(*, email: str, name: str, user_id: int, idempotency_key: str) -> str:
    customer = _call(_client().v1.customers.create,
                     params={"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
                     options={"idempotency_key": idempotency_key})
    return customer["id"]


def create_checkout_session(*, payment_id: int, label: str, amount_cents: int, customer: str | None,
                            email: str | None, success_url: str, cancel_url: str, expires_at: datetime | None,
                            recurring: bool, idempotency_key: str) -> CheckoutSession:
    price_data = {"currency": "eur", "unit_amount": amount_cents, "product_data": {"name": label}}
    if recurring:
        price_data["recurring"] = {"interval": "month"}
    params = {
        "mode": "subscription" if recurring else "payment",
        "line_items": [{"quantity": 1, "price_data": price_data}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(payment_id),
        "metadata": {"payment_id": str(payment_id)},
    }
    if customer:
        params["customer"] = customer
    elif email:
        params["customer_email"] = email
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    if recurring:
        params["subscription_data"] = {"metadata": {"payment_id": str(payment_id)}}
    else:
        params["payment_intent_data"] = {"metadata": {"payment_id": str(payment_id)}}
    session = _call(_client().v1.checkout.sessions.create, params=params,
                    options={"idempotency_key": idempotency_key})
    return _session(session)


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    return _session(_call(_client().v1.checkout.sessions.retrieve, session_id))


def expire_checkout_session(session_id: str) -> None:
    """Close a session whose hold we released, so that it can no longer be paid."""
    try:
        _call(_client().v1.checkout.sessions.expire, session_id)
    except stripe.InvalidRequestError:
        pass  # already complete or expired: the webhook tells us which


def refund(*, payment_intent: str, amount_cents: int, idempotency_key: str, reason: str | None = None) -> str:
    params = {"payment_intent": payment_intent, "amount": amount_cents}
    if reason:
        params["metadata"] = {"reason": reason[:450]}
    result = _call(_client().v1.refunds.create, params=params, options={"idempotency_key": idempotency_key})
    return result["id"]


def retrieve_subscription(subscription_id: str) -> dict:
    sub = _call(_client().v1.subscriptions.retrieve, subscription_id)
    return {"id": sub["id"], "status": _value(sub, "status"), "customer": _value(sub, "customer"),
            "current_period_end": _period_end(sub)}


def cancel_subscription(subscription_id: str) -> None:
    """End a subscription now (the person left); one already ended is fine."""
    try:
        _call(_client().v1.subscriptions.cancel, subscription_id)
    except stripe.InvalidRequestError as err:
        if getattr(err, "http_status", None) != 404:
            raise


def _period_end(sub) -> int | None:
    try:
        return int(sub["current_period_end"])
    except (KeyError, TypeError, ValueError):
        try:
            return int(sub["items"]["data"][0]["current_period_end"])
        except (KeyError, TypeError, ValueError, IndexError):
            return None


def create_portal_session(*, customer: str, return_url: str) -> str:
    session = _call(_client().v1.billing_portal.sessions.create,
                    params={"customer": customer, "return_url": return_url})
    return session["url"]


def parse_event(payload: bytes, signature: str | None) -> dict:
    """The verified event as plain data, or BadSignature."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise BadSignature("missing secret or signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as err:
        raise BadSignature(str(err)) from err
    return event.to_dict()


subscription_period_end = _period_end
