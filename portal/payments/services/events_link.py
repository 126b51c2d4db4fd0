"""Tickets: a paid event's registration holds its seat while the ticket is paid, like a booking its slot."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.payments.models import Payment, PaymentStatus, Product, ProductKind
from portal.payments.services import catalogue, lifecycle
from portal.payments.services.pricing import PAY, Quote


def ticket_product(event_id: int) -> Product | None:
    return db.session.scalar(select(Product).options(selectinload(Product.prices))
                             .where(Product.event_id == event_id, Product.kind == ProductKind.TICKET,
                                    Product.active.is_(True)).limit(1))


def quote_ticket(user, event) -> Quote | None:
    """The ticket's price for this person; a visitor without an account pays the individual rate."""
    product = ticket_product(event.id)
    if product is None:
        return None
    category = catalogue.category_of(user) if user is not None else catalogue.DEFAULT_CATEGORY
    amount = catalogue.price_for(product, category) or 0
    if amount <= 0:
        return None
    return Quote(PAY, amount, category, product.id, str(_l("Billet : %(title)s", title=event.title)),
                 product.vat_rate_bp, online=lifecycle.stripe_on())


def payment_for_registration(registration_id: int) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.registration_id == registration_id)
                             .order_by(Payment.id.desc()).limit(1))


def after_registration(registration, *, now: datetime) -> None:
    """Called whenever a registration may have come to hold a seat (registered, confirmed, offer taken)."""
    if not registration.holds_seat:
        return
    existing = payment_for_registration(registration.id)
    if existing is not None and existing.status in (PaymentStatus.PENDING, PaymentStatus.PAID):
        return
    quote = quote_ticket(registration.user, registration.event)
    if quote is None or (registration.user is None and not quote.online):
        return  # without online payment, a visitor pays at the door: there is no account to record it against
    lifecycle.new_payment(registration.user, quote, now=now, description=quote.label,
                          registration_id=registration.id, hold=True)


def registration_still_holds(payment: Payment) -> bool:
    from portal.events.models import Registration

    registration = db.session.get(Registration, payment.registration_id)
    return registration is not None and registration.holds_seat and not registration.event.is_cancelled


def release_registration(payment: Payment, *, now: datetime) -> None:
    from portal.events.models import Registration
    from portal.events.services import registrations

    registration = db.session.get(Registration, payment.registration_id)
    if registration is not None and registration.holds_seat:
        registrations.cancel(registration, now=now)


def after_registration_cancelled(registration, *, now: datetime, in_full: bool = False) -> None:
    """The person leaves: money back per the ticket policy. ``in_full`` when it is not their doing
    (the organiser declined them or cancelled the event)."""
    payment = payment_for_registration(registration.id)
    if payment is None:
        return
    _close_ticket(payment, registration.event, now=now, in_full=in_full, reason=str(_l("Désinscription")))


def after_event_cancelled(event, *, now: datetime) -> int:
    """Every ticket of a cancelled event: open ones closed, paid ones refunded in full. Returns how many."""
    from portal.events.models import Registration

    payments = db.session.scalars(select(Payment).join(Registration, Registration.id == Payment.registration_id)
                                  .where(Registration.event_id == event.id,
                                         Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.PAID,
                                                             PaymentStatus.PARTIALLY_REFUNDED)))).all()
    for payment in payments:
        _close_ticket(payment, event, now=now, in_full=True, reason=str(_l("Événement annulé")))
    return len(payments)


def _close_ticket(payment: Payment, event, *, now: datetime, in_full: bool, reason: str) -> None:
    if payment.status == PaymentStatus.PENDING:
        lifecycle.cancel_open_payment(payment, now=now)
        return
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return
    early = event.starts_at - now >= timedelta(hours=current_app.config["PAYMENTS_TICKET_REFUND_HOURS"])
    share = 100 if in_full or early else current_app.config["PAYMENTS_LATE_REFUND_PERCENT"]
    amount = payment.amount_cents * share // 100
    if amount > 0:
        lifecycle.refund(payment, amount, now=now, reason=reason)


def set_ticket_prices(actor, event, prices: dict, *, now: datetime) -> Product | None:
    """The organiser prices their event within the rules: at most the configured ceiling, and the
    solidarity rate never above the others. All prices empty or zero: the event is free again."""
    from portal.events.services.events import may_manage
    from portal.errors import PermissionDenied
    from portal.payments.errors import PaymentRefused
    from portal.payments.models import BookerCategory

    if not may_manage(actor, event):
        raise PermissionDenied(_l("Seule l'organisation de l'événement fixe le prix des billets."))
    ceiling = current_app.config["PAYMENTS_TICKET_MAX_CENTS"]
    for category, amount in prices.items():
        if amount is not None and amount > ceiling:
            raise PaymentRefused(_l("Un billet coûte au plus %(amount)s €.", amount=ceiling // 100),
                                 field=f"price_{category.value}")
    solidarity = prices.get(BookerCategory.SOLIDARITY)
    others = [a for c, a in prices.items() if c != BookerCategory.SOLIDARITY and a is not None]
    if solidarity is not None and others and solidarity > min(others):
        raise PaymentRefused(_l("Le tarif solidaire ne peut pas dépasser les autres tarifs."), field="price_solidarity")
    product = ticket_product(event.id)
    if product is None and not any(prices.values()):
        return None
    return catalogue.save_product(product, kind=ProductKind.TICKET, name=str(_l("Billet : %(title)s", title=event.title)),
                                  description="", space_id=None, credit_quantity=0, vat_rate_bp=0,
                                  active=any(prices.values()), prices=prices, now=now, event_id=event.id)
