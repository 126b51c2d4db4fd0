"""What a payment does to its booking, and what a booking's creation or cancellation does to payments."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.payments.models import CreditBalance, Payment, PaymentMethod, PaymentStatus
from portal.payments.services import credits, lifecycle
from portal.payments.services.pricing import CREDITS, PAY, Quote
from portal.spaces.models import Booking, BookingStatus


def after_booking_created(booking: Booking, quote: Quote, *, actor_id: int, now: datetime) -> None:
    """Consume the credits, or open the payment that holds the slot."""
    if quote.outcome == CREDITS:
        row = db.session.get(CreditBalance, quote.credit_balance_id)
        credits.consume(row, quote.credits_needed, reason=str(_l("Réservation n° %(id)s", id=booking.id)),
                        now=now, actor_id=actor_id, booking_id=booking.id)
    elif quote.outcome == PAY:
        lifecycle.new_payment(booking.user, quote, now=now, description=quote.label, booking_id=booking.id,
                              hold=True)


def confirm_paid_booking(payment: Payment, *, now: datetime) -> bool:
    """The booking becomes confirmed; if its hold had ended, it is taken again when still free."""
    booking = db.session.get(Booking, payment.booking_id)
    if booking is None:
        return False
    if booking.status == BookingStatus.AWAITING_PAYMENT:
        booking.status = BookingStatus.CONFIRMED
        booking.updated_at = now
        booking.sequence += 1
        db.session.flush()
        _notify_confirmed(booking, now)
        return True
    if booking.status == BookingStatus.CONFIRMED:
        return True
    if booking.status != BookingStatus.CANCELLED or booking.ends_at <= now:
        return False
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                update(Booking).where(Booking.id == booking.id, Booking.status == BookingStatus.CANCELLED)
                .values(status=BookingStatus.CONFIRMED, cancelled_at=None, updated_at=now,
                        sequence=Booking.sequence + 1).execution_options(synchronize_session=False))
    except IntegrityError:
        return False  # someone else has the slot now
    db.session.refresh(booking)
    if result.rowcount == 1:
        _notify_confirmed(booking, now)
    return result.rowcount == 1


def _notify_confirmed(booking: Booking, now: datetime) -> None:
    from portal.spaces import notifications

    notifications.booking_created(booking, now=now)


def release_booking(payment: Payment, *, now: datetime) -> None:
    db.session.execute(
        update(Booking).where(Booking.id == payment.booking_id, Booking.status == BookingStatus.AWAITING_PAYMENT)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now, updated_at=now, sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False))
    booking = db.session.get(Booking, payment.booking_id)
    if booking is not None:
        db.session.refresh(booking)


def after_booking_cancelled(booking: Booking, *, within_rules: bool, actor_id: int | None, now: datetime) -> None:
    """Per the cancellation policy: money back (full, or the late share) or credits back."""
    from flask import current_app

    reason = str(_l("Annulation de la réservation n° %(id)s", id=booking.id))
    if within_rules:
        credits.give_back_for_booking(booking.id, reason=reason, now=now, actor_id=actor_id)
    payment = lifecycle.payment_for_booking(booking.id)
    if payment is None:
        return
    if payment.status == PaymentStatus.PENDING:
        lifecycle.cancel_open_payment(payment, now=now)
        return
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return
    share = 100 if within_rules else current_app.config["PAYMENTS_LATE_REFUND_PERCENT"]
    amount = payment.amount_cents * share // 100
    if amount > 0:
        lifecycle.refund(payment, amount, now=now, reason=reason)


def desk_payment_open(payment: Payment) -> bool:
    return payment.method == PaymentMethod.DESK and payment.status == PaymentStatus.PENDING
