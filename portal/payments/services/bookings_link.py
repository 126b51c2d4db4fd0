"""What a payment does to its booking, and what a booking's creation or cancellation does to payments."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.errors import NotFound
from portal.extensions import db
from portal.payments.models import CreditBalance, Payment, PaymentBooking, PaymentMethod, PaymentStatus
from portal.payments.services import credits, lifecycle
from portal.payments.services.pricing import CREDITS, PAY, Quote
from portal.spaces.models import ACTIVE_STATUSES, Booking, BookingStatus


def after_booking_created(booking: Booking, quote: Quote, *, actor_id: int, now: datetime) -> None:
    """Consume the credits, or open the payment that holds the slot."""
    if quote.outcome == CREDITS:
        row = db.session.get(CreditBalance, quote.credit_balance_id)
        credits.consume(row, quote.credits_needed, reason=str(_l("Réservation n° %(id)s", id=booking.id)),
                        now=now, actor_id=actor_id, booking_id=booking.id)
    elif quote.outcome == PAY:
        lifecycle.new_payment(booking.user, quote, now=now, description=quote.label, booking_id=booking.id,
                              hold=True)


def open_series_payment(user, paid: list[tuple[Booking, Quote]], *, now: datetime) -> Payment | None:
    """One payment for the occurrences of a recurring booking that are to pay, each with its share."""
    if not paid:
        return None
    first = paid[0][1]
    label = str(_l("%(label)s — %(count)s dates", label=first.label, count=len(paid)))
    return lifecycle.new_payment(user, first, now=now, description=label, hold=True,
                                 covers=[(booking.id, quote.amount_cents) for booking, quote in paid])


def covered_bookings(payment_id: int) -> list[PaymentBooking]:
    return list(db.session.scalars(select(PaymentBooking).where(PaymentBooking.payment_id == payment_id)
                                   .order_by(PaymentBooking.booking_id)))


def dates_paid_by(payment_id: int) -> list[tuple[Booking, int]]:
    """The occurrences one payment covers, in date order, with each one's share."""
    return list(db.session.execute(
        select(Booking, PaymentBooking.amount_cents).join(PaymentBooking, PaymentBooking.booking_id == Booking.id)
        .where(PaymentBooking.payment_id == payment_id).order_by(Booking.starts_at)).tuples())


def confirm_paid_series(payment: Payment, *, now: datetime) -> bool:
    """Every occurrence still held (or still free) is confirmed; the shares of the others are given back."""
    links = covered_bookings(payment.id)
    ids = [link.booking_id for link in links]
    held = set(db.session.scalars(select(Booking.id).where(Booking.id.in_(ids),
                                                            Booking.status == BookingStatus.AWAITING_PAYMENT)))
    db.session.execute(
        update(Booking).where(Booking.id.in_(ids), Booking.status == BookingStatus.AWAITING_PAYMENT)
        .values(status=BookingStatus.CONFIRMED, updated_at=now, sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False))
    bookings = {b.id: b for b in db.session.scalars(select(Booking).where(Booking.id.in_(ids))
                                                     .execution_options(populate_existing=True))}
    delivered, newly_confirmed = 0, []
    for link in links:
        booking = bookings.get(link.booking_id)
        if booking is None:
            continue
        if booking.status == BookingStatus.CONFIRMED:  # just now, or already (booked to pay at the desk)
            delivered += link.amount_cents
            if booking.id in held:
                newly_confirmed.append(booking)
        elif _confirm(booking, now, notify=False):  # released when the hold ran out, and still free
            delivered += link.amount_cents
            newly_confirmed.append(booking)
    if not delivered:
        return False
    from portal.spaces import notifications

    notifications.series_booked(sorted(newly_confirmed, key=lambda b: b.starts_at), now=now)
    missing = payment.amount_cents - delivered
    if missing > 0:
        lifecycle.refund(payment, missing, now=now,
                         reason=str(_l("Dates de la série annulées ou plus disponibles")))
    return True


def confirm_paid_booking(payment: Payment, *, now: datetime) -> bool:
    """The booking becomes confirmed; if its hold had ended, it is taken again when still free."""
    booking = db.session.get(Booking, payment.booking_id)
    return booking is not None and _confirm(booking, now, notify=True)


def _confirm(booking: Booking, now: datetime, *, notify: bool) -> bool:
    if booking.status == BookingStatus.AWAITING_PAYMENT:
        booking.status = BookingStatus.CONFIRMED
        booking.updated_at = now
        booking.sequence += 1
        db.session.flush()
        if notify:
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
    if result.rowcount == 1 and notify:
        _notify_confirmed(booking, now)
    return result.rowcount == 1


def _notify_confirmed(booking: Booking, now: datetime) -> None:
    from portal.spaces import notifications

    notifications.booking_created(booking, now=now)


def release_bookings(payment: Payment, *, now: datetime) -> None:
    """The hold ended unpaid: the slots it held (one booking, or a series' occurrences) are freed."""
    ids = [payment.booking_id] if payment.booking_id is not None else [
        link.booking_id for link in covered_bookings(payment.id)]
    if not ids:
        return
    db.session.execute(
        update(Booking).where(Booking.id.in_(ids), Booking.status == BookingStatus.AWAITING_PAYMENT)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now, updated_at=now, sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False))
    # Bookings already in the session see the change.
    db.session.scalars(select(Booking).where(Booking.id.in_(ids)).execution_options(populate_existing=True)).all()


def lock_payment_of(booking_id: int) -> None:
    """Taken before a booking is cancelled: a payment webhook for the same payment waits, or is waited
    for, so the two never decide on the booking and the payment's share at the same time."""
    payment = lifecycle.payment_for_booking(booking_id)
    if payment is not None:
        db.session.execute(select(Payment.id).where(Payment.id == payment.id).with_for_update())
        db.session.refresh(payment)


def after_booking_cancelled(booking: Booking, *, within_rules: bool, actor_id: int | None, now: datetime) -> None:
    """Per the cancellation policy: money back (full, or the late share) or credits back."""
    from flask import current_app

    reason = str(_l("Annulation de la réservation n° %(id)s", id=booking.id))
    if within_rules:
        credits.give_back_for_booking(booking.id, reason=reason, now=now, actor_id=actor_id)
    payment = lifecycle.payment_for_booking(booking.id)
    if payment is None:
        return
    link = db.session.get(PaymentBooking, (payment.id, booking.id)) if payment.booking_id is None else None
    if payment.status == PaymentStatus.PENDING:
        if link is None:
            lifecycle.cancel_open_payment(payment, now=now)
        else:
            _drop_from_open_payment(payment, link, now)
        return
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return
    share = 100 if within_rules else current_app.config["PAYMENTS_LATE_REFUND_PERCENT"]
    amount = (link.amount_cents if link is not None else payment.amount_cents) * share // 100
    if amount > 0:
        lifecycle.refund(payment, amount, now=now, reason=reason)


def _drop_from_open_payment(payment: Payment, link: PaymentBooking, now: datetime) -> None:
    """One occurrence of a series not yet paid is cancelled: the payment no longer covers it.

    Its amount goes down unless a hosted payment page may still be paid at the old amount; then
    the difference is given back when the payment arrives (see confirm_paid_series).
    """
    share = link.amount_cents
    db.session.delete(link)
    db.session.flush()
    if not covered_bookings(payment.id):
        lifecycle.cancel_open_payment(payment, now=now)
        return
    if payment.stripe_session_id and not _session_closed(payment.stripe_session_id):
        return
    db.session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING)
        .values(amount_cents=Payment.amount_cents - share, stripe_session_id=None, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(payment)


def _session_closed(session_id: str) -> bool:
    """Expire the hosted page and make sure it can no longer be paid."""
    from portal.payments import stripe_gateway

    try:
        stripe_gateway.expire_checkout_session(session_id)
        return stripe_gateway.retrieve_checkout_session(session_id).status == "expired"
    except stripe_gateway.GatewayUnavailable:
        return False


def desk_payment_open(payment: Payment) -> bool:
    return payment.method == PaymentMethod.DESK and payment.status == PaymentStatus.PENDING


def give_up(actor, payment: Payment, *, now: datetime) -> None:
    """The person gives up paying: the booking, or every date the payment was for, is freed."""
    from portal.spaces.services.bookings import cancel_booking, get_booking

    if payment.booking_id is not None:
        cancel_booking(actor, get_booking(payment.booking_id, actor), now=now, notify=False)
        return
    dates = [booking for booking, _share in dates_paid_by(payment.id)]
    if not actor.is_staff and any(booking.user_id != actor.id for booking in dates):
        raise NotFound(_l("Cette réservation n'existe pas."))
    lifecycle.cancel_open_payment(payment, now=now)  # frees the dates held for it (and reloads them)
    for booking in dates:
        if booking.status in ACTIVE_STATUSES:  # booked and to pay at the desk
            cancel_booking(actor, booking, now=now, notify=False)
