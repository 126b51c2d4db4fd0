"""The few calls bookings make into payments: price before the insert, then charge or refund."""
from __future__ import annotations

from datetime import datetime

from portal.payments.services import bookings_link, events_link, pricing


def quote_for_booking(actor, holder, space, starts_at: datetime, ends_at: datetime, *, staff: bool,
                      for_event: bool) -> pricing.Quote | None:
    """None when payments do not apply: staff booking for someone, an event's room, a free space."""
    if staff or for_event or holder is None:
        return None
    quote = pricing.quote_booking(holder, space, starts_at, ends_at, lock=True)
    return None if quote.is_free else quote


def holds_for_payment(quote: pricing.Quote | None) -> bool:
    """Online payment: the booking waits for it; at the desk, it is booked and paid later."""
    return quote is not None and quote.needs_payment and quote.online


def booking_created(booking, quote: pricing.Quote | None, *, actor_id: int, now: datetime,
                    series_payment: list | None = None) -> None:
    """Credits are used at once. What is to pay opens a payment, or, for an occurrence of a recurring
    booking (``series_payment`` given), waits for ``series_booked`` to open one payment for all."""
    if quote is None:
        return
    if series_payment is not None and quote.outcome == pricing.PAY:
        series_payment.append((booking, quote))
        return
    bookings_link.after_booking_created(booking, quote, actor_id=actor_id, now=now)


def series_booked(user, series_payment: list, *, now: datetime):
    """The one payment for the occurrences of a recurring booking that are to pay (None when none is)."""
    return bookings_link.open_series_payment(user, series_payment, now=now)


def before_booking_cancelled(booking) -> None:
    bookings_link.lock_payment_of(booking.id)


def booking_cancelled(booking, *, within_rules: bool, actor_id: int | None, now: datetime) -> None:
    bookings_link.after_booking_cancelled(booking, within_rules=within_rules, actor_id=actor_id, now=now)


def registration_created(registration, *, now: datetime) -> None:
    """A paid event: the seat is held while the ticket is paid (online), or it is paid at the door/desk."""
    events_link.after_registration(registration, now=now)


def registration_cancelled(registration, *, now: datetime, in_full: bool = False) -> None:
    events_link.after_registration_cancelled(registration, now=now, in_full=in_full)


def event_cancelled(event, *, now: datetime) -> None:
    events_link.after_event_cancelled(event, now=now)


def open_online_payment_id(registration) -> int | None:
    """Where to send a member who just registered to a paid event: the ticket to pay now."""
    payment = ticket_due(registration)
    return payment.id if payment is not None else None


def ticket_due(registration):
    """The ticket still to pay online for this registration (its seat is held until the payment's deadline)."""
    if not registration.holds_seat or registration.event.is_cancelled:
        return None
    payment = events_link.payment_for_registration(registration.id)
    if payment is None or payment.status.value != "pending" or payment.method.value != "stripe":
        return None
    return payment
