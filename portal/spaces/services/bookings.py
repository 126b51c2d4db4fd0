"""Create, cancel, approve and check in bookings. The database has the last word on overlaps."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.payments import hooks as payment_hooks
from portal.spaces import notifications
from portal.spaces.errors import BookingConflict, BookingRefused, Suggestion
from portal.spaces.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    Resource,
    SlotMode,
    Space,
)
from portal.spaces.services import queries, rules
from portal.spaces.services.availability import day_availability
from portal.timeutil import to_paris


@dataclass(frozen=True)
class Guest:
    """A resident booked at the reception, without an account or an e-mail."""

    name: str
    phone: str | None = None


def is_overlap_violation(err: IntegrityError) -> bool:
    sqlstate = getattr(err.orig, "sqlstate", None)
    return sqlstate == "23P01" or "booking_overlap" in str(err.orig)


def is_idempotency_violation(err: IntegrityError) -> bool:
    return "idempotency_key" in str(err.orig)


def find_by_idempotency_key(actor: User, key: str) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(Booking.booked_by_id == actor.id, Booking.idempotency_key == key)
    )


def create_booking(
    actor: User,
    *,
    space_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    title: str = "",
    resource_id: int | None = None,
    idempotency_key: str | None = None,
    on_behalf_of: User | Guest | None = None,
    series: BookingSeries | None = None,
    notify: bool = True,
    quota_checked: bool = False,
    for_event: bool = False,
    series_payment: list | None = None,
) -> Booking:
    """Hold a slot for ``actor`` (or, for staff, on behalf of someone).

    Returns the existing booking when ``idempotency_key`` was already used by
    this actor, so a double tap books once. ``series_payment`` collects what an
    occurrence of a recurring booking is to pay, paid once for the whole series.
    """
    if idempotency_key:
        existing = find_by_idempotency_key(actor, idempotency_key)
        if existing is not None:
            return existing
    space = queries.get_space(space_id)
    staff = actor.is_staff
    if on_behalf_of is not None and not staff:
        raise PermissionDenied(_l("Seule l'équipe peut réserver pour quelqu'un d'autre."))
    holder = on_behalf_of if isinstance(on_behalf_of, User) else (None if on_behalf_of else actor)
    if not staff:
        rules.check_may_book(actor, space)
    if for_event:  # an event keeps to opening hours and closures, not to the room's slot grid
        rules.check_event_times(space, starts_at, ends_at, now)
    else:
        rules.check_times(space, starts_at, ends_at, now, staff=staff)
    if holder is not None and not staff and not quota_checked and not for_event:
        rules.check_quota(holder, space, now)
    resources = queries.active_resources(space)
    if resource_id is not None and resource_id not in {r.id for r in resources}:
        raise BookingRefused(_l("Ce poste n'existe pas dans cet espace."), field="resource_id")

    status = BookingStatus.PENDING if space.requires_approval and not staff else BookingStatus.CONFIRMED
    quote = payment_hooks.quote_for_booking(actor, holder, space, starts_at, ends_at, staff=staff, for_event=for_event)
    if payment_hooks.holds_for_payment(quote):
        status = BookingStatus.AWAITING_PAYMENT
    for _attempt in range(len(resources) + 1):
        candidates = _free_resource_ids(resources, starts_at, ends_at, preferred=resource_id)
        if not candidates:
            break
        booking = Booking(
            resource_id=candidates[0],
            user_id=holder.id if holder is not None else None,
            booked_by_id=actor.id,
            guest_name=on_behalf_of.name if isinstance(on_behalf_of, Guest) else None,
            guest_phone=on_behalf_of.phone if isinstance(on_behalf_of, Guest) else None,
            title=title.strip()[:200],
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            series_id=series.id if series is not None else None,
            idempotency_key=idempotency_key or None,
            check_in_token=secrets.token_urlsafe(16),
            created_at=now,
            updated_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(booking)
                db.session.flush()
        except IntegrityError as err:
            if idempotency_key and is_idempotency_violation(err):
                existing = find_by_idempotency_key(actor, idempotency_key)
                if existing is not None:
                    return existing
            if not is_overlap_violation(err):
                raise
            if resource_id is not None:
                break
            continue  # another request took this desk meanwhile: try the next free one
        payment_hooks.booking_created(booking, quote, actor_id=actor.id, now=now, series_payment=series_payment)
        if notify and status != BookingStatus.AWAITING_PAYMENT:
            notifications.booking_created(booking, now=now)
        return booking
    if idempotency_key:
        # The slot may have been taken by a twin request with the same key that
        # committed after our first look: that is this booking, not a conflict.
        existing = find_by_idempotency_key(actor, idempotency_key)
        if existing is not None:
            return existing
    raise BookingConflict(
        _l("Ce créneau est déjà pris. Voici d'autres possibilités."),
        suggestions=suggest_alternatives(actor, space, starts_at, ends_at, now),
    )


def _free_resource_ids(resources: list[Resource], starts_at, ends_at, preferred: int | None) -> list[int]:
    ids = [r.id for r in resources] if preferred is None else [preferred]
    taken = {b.resource_id for b in queries.active_bookings_between(ids, starts_at, ends_at)}
    return [i for i in ids if i not in taken]


def suggest_alternatives(actor: User, space: Space, starts_at: datetime, ends_at: datetime, now: datetime) -> list[Suggestion]:
    """The nearest free slots of the same length in this space, then other spaces that fit."""
    day = to_paris(starts_at).date()
    duration = ends_at - starts_at
    spaces = queries.list_spaces()
    availability = {a.space.id: a for a in day_availability(spaces, day, now, staff=actor.is_staff)}
    suggestions: list[Suggestion] = []

    same = availability.get(space.id)
    if same is not None and same.is_open:
        options = []
        for slot in same.slots:
            if not slot.open_for_booking or slot.starts_at == starts_at:
                continue
            end = slot.starts_at + duration
            if _range_free(same, slot.starts_at, end):
                options.append(Suggestion(space.id, space.name, slot.starts_at, end))
        options.sort(key=lambda s: abs(s.starts_at - starts_at))
        suggestions.extend(options[:3])

    others = []
    for other in spaces:
        if other.id == space.id or not _fits_instead(other, space) or not rules.may_book(actor, other):
            continue
        day_other = availability.get(other.id)
        if day_other is not None and day_other.is_open and _range_free(day_other, starts_at, ends_at):
            others.append(Suggestion(other.id, other.name, starts_at, ends_at))
    others.sort(key=lambda s: s.space_name)
    suggestions.extend(others[:3])
    return suggestions


def _range_free(availability, start: datetime, end: datetime) -> bool:
    """True when one resource is free over the whole of [start, end), on the space's grid."""
    if availability.space.slot_mode == SlotMode.HALF_DAY:
        return any(s.starts_at == start and s.ends_at == end and s.bookable for s in availability.slots)
    covering = [s for s in availability.slots if s.starts_at < end and s.ends_at > start]
    if not covering or covering[0].starts_at != start or covering[-1].ends_at != end:
        return False
    if not all(s.open_for_booking for s in covering):
        return False
    return bool(set.intersection(*(set(s.free_resource_ids) for s in covering)))


def _fits_instead(other: Space, space: Space) -> bool:
    if space.is_desk_area:
        return other.is_desk_area
    return not other.is_desk_area and other.capacity >= space.capacity


# --- reading ------------------------------------------------------------------------


def get_booking(booking_id: int, viewer: User) -> Booking:
    """A booking its holder, its booker or staff may see; anyone else gets "not found"."""
    booking = db.session.scalar(
        select(Booking)
        .options(joinedload(Booking.resource).joinedload(Resource.space), joinedload(Booking.user))
        .where(Booking.id == booking_id)
    )
    if booking is None or not (viewer.is_staff or booking.user_id == viewer.id):
        raise NotFound(_l("Cette réservation n'existe pas."))
    return booking


def bookings_of(user: User, now: datetime, *, upcoming: bool, limit: int = 50) -> list[Booking]:
    query = (
        select(Booking)
        .options(joinedload(Booking.resource).joinedload(Resource.space))
        .where(Booking.user_id == user.id)
    )
    if upcoming:
        query = query.where(Booking.ends_at > now, Booking.status.in_(ACTIVE_STATUSES)).order_by(Booking.starts_at)
    else:
        query = query.where((Booking.ends_at <= now) | Booking.status.notin_(ACTIVE_STATUSES)).order_by(
            Booking.starts_at.desc()
        )
    return list(db.session.scalars(query.limit(limit)))


# --- changing -------------------------------------------------------------------------


def cancel_booking(actor: User, booking: Booking, *, now: datetime, notify: bool = True, force: bool = False) -> None:
    """``force``: the event holding this booking moves or ends, whatever the cancellation deadline."""
    staff = actor.is_staff
    if not staff and booking.user_id != actor.id:
        raise NotFound(_l("Cette réservation n'existe pas."))
    payment_hooks.before_booking_cancelled(booking)  # the payment first, then the booking, as its webhook does
    db.session.refresh(booking)
    rules.check_cancellable(booking, now, staff=staff or force)
    within_rules = True
    if staff or force:
        try:
            rules.check_cancellable(booking, now, staff=False)
        except BookingRefused:
            within_rules = False
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()
    payment_hooks.booking_cancelled(booking, within_rules=within_rules, actor_id=actor.id, now=now)
    if notify:
        notifications.booking_cancelled(booking, now=now)


RELEASE_STEP = timedelta(minutes=15)


def can_leave_early(booking: Booking, now: datetime) -> bool:
    """A confirmed booking under way, with at least one quarter of an hour left to give back."""
    if not (booking.status == BookingStatus.CONFIRMED and booking.starts_at <= now
            and _release_end(booking, now) < booking.ends_at):
        return False
    from portal.events.models import Event  # an event's room stays held for the whole event

    return db.session.scalar(select(Event.id).where(Event.booking_id == booking.id).limit(1)) is None


def _release_end(booking: Booking, now: datetime) -> datetime:
    """Now, rounded up to the next quarter of an hour from the start (never before the start + 15 min)."""
    steps = -(-(now - booking.starts_at) // RELEASE_STEP)
    return booking.starts_at + max(steps, 1) * RELEASE_STEP


def leave_early(actor: User, booking: Booking, *, now: datetime) -> datetime:
    """The holder leaves: the rest of the slot is given back to others. Nothing is refunded
    (the booking was used); credits and payments stay as they are. Returns the new end."""
    if not actor.is_staff and booking.user_id != actor.id:
        raise NotFound(_l("Cette réservation n'existe pas."))
    if not can_leave_early(booking, now):
        raise BookingRefused(_l("Cette réservation n'est pas en cours : il n'y a rien à libérer."))
    booking.ends_at = _release_end(booking, now)
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()
    return booking.ends_at


def decide_booking(actor: User, booking_id: int, *, approve: bool, reason: str | None, now: datetime) -> Booking:
    """Confirm or decline a pending booking. A conditional update: one decision only."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Seule l'équipe peut valider une réservation."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise BookingRefused(_l("Indiquez la raison du refus : elle est envoyée à la personne."), field="reason")
    values = {
        "status": BookingStatus.CONFIRMED if approve else BookingStatus.DECLINED,
        "decision_reason": reason or None,
        "decided_by_id": actor.id,
        "updated_at": now,
        "sequence": Booking.sequence + 1,
    }
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BookingRefused(_l("Cette demande a déjà été traitée."))
    booking = db.session.get(Booking, booking_id)
    db.session.refresh(booking)
    notifications.booking_decided(booking, now=now)
    return booking


def can_check_in(booking: Booking, now: datetime) -> bool:
    return (booking.status == BookingStatus.CONFIRMED and booking.checked_in_at is None
            and booking.starts_at - timedelta(hours=1) <= now < booking.ends_at)


def current_booking_on(resource: Resource, user: User, now: datetime) -> Booking | None:
    """The holder's booking of this desk that is about to start or running."""
    return db.session.scalar(
        select(Booking).where(
            Booking.resource_id == resource.id, Booking.user_id == user.id,
            Booking.status == BookingStatus.CONFIRMED,
            *queries.overlapping(now, now + timedelta(hours=1)),
        ).order_by(Booking.starts_at).limit(1)
    )


def check_in(actor: User, booking: Booking, *, now: datetime) -> None:
    if not actor.is_staff and booking.user_id != actor.id:
        raise NotFound(_l("Cette réservation n'existe pas."))
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingRefused(_l("Seule une réservation confirmée peut être pointée."))
    if not (booking.starts_at - timedelta(hours=1) <= now < booking.ends_at):
        raise BookingRefused(_l("L'arrivée se pointe le jour même, pendant le créneau réservé."))
    if booking.checked_in_at is None:
        booking.checked_in_at = now
        db.session.flush()


def search_bookings(*, space_id: int | None, day, user_id: int | None, limit: int = 500) -> list[Booking]:
    """Staff search: by space, Paris day and person."""
    from portal.timeutil import paris_day_bounds

    query = select(Booking).options(joinedload(Booking.resource).joinedload(Resource.space)).join(Resource)
    if space_id:
        query = query.where(Resource.space_id == space_id)
    if day:
        start, end = paris_day_bounds(day)
        query = query.where(*queries.overlapping(start, end))
    if user_id:
        query = query.where(Booking.user_id == user_id)
    return list(db.session.scalars(query.order_by(Booking.starts_at).limit(limit)))
