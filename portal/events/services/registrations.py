"""Registrations, the waiting list and its promotions.

Whether a seat is free is decided by the database: the seat counter kept by
triggers must stay within the capacity (ck_events_never_over_full). A
registration that would break it becomes a place on the waiting list.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.accounts.services import check_email_syntax
from portal.errors import DomainError, NotFound
from portal.events import notifications
from portal.events.models import (
    SEAT_HOLDING,
    Event,
    EventAudience,
    EventStatus,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from portal.extensions import db
from portal.payments import hooks as payment_hooks

OFFER_WINDOW = timedelta(hours=24)
ACTIVE = (*SEAT_HOLDING, RegistrationStatus.WAITLISTED, RegistrationStatus.UNCONFIRMED)


def is_capacity_violation(err: IntegrityError) -> bool:
    return "never_over_full" in str(err.orig)


def check_open(event: Event, now: datetime) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise DomainError(_l("Les inscriptions ne sont pas ouvertes pour cet événement."))
    if event.registration_mode == RegistrationMode.NONE:
        raise DomainError(_l("Cet événement est en accès libre, sans inscription."))
    if event.starts_at <= now or (event.registration_deadline and event.registration_deadline <= now):
        raise DomainError(_l("Les inscriptions sont closes."))


def _seat_status(event: Event) -> RegistrationStatus:
    return RegistrationStatus.PENDING if event.registration_mode == RegistrationMode.APPROVAL else RegistrationStatus.REGISTERED


def _take_seat_or_wait(registration: Registration, wanted: RegistrationStatus, now: datetime) -> None:
    """Try the seat inside a savepoint; if the database says the event is full, join the waiting list."""
    event = registration.event
    if event.capacity is not None:
        db.session.refresh(event, ["seats_taken"])
        if event.seats_taken >= event.capacity or _someone_waiting(event, registration):
            registration.status = RegistrationStatus.WAITLISTED
            registration.updated_at = now
            db.session.flush()
            return
    try:
        with db.session.begin_nested():
            registration.status = wanted
            registration.updated_at = now
            db.session.flush()
    except IntegrityError as err:
        if not is_capacity_violation(err):
            raise
        registration.status = RegistrationStatus.WAITLISTED
        db.session.flush()
    db.session.refresh(event, ["seats_taken"])


def _someone_waiting(event: Event, registration: Registration) -> bool:
    """A freed seat goes to the waiting list first, never to a newcomer.

    Only people still waiting count: an offer already holds its own seat (seats_taken).
    """
    return db.session.scalar(
        select(Registration.id).where(Registration.event_id == event.id,
                                      Registration.status == RegistrationStatus.WAITLISTED,
                                      Registration.id != (registration.id or 0)).limit(1)
    ) is not None


def _insert(event: Event, *, now: datetime, **person) -> Registration:
    """A new, unconfirmed row in its own savepoint: a twin request's row makes it fail cleanly.

    The row is linked by id, not through ``event.registrations``, so that a failed
    insert leaves nothing pending in the session.
    """
    registration = Registration(event_id=event.id, token=secrets.token_urlsafe(24),
                                status=RegistrationStatus.UNCONFIRMED, created_at=now, updated_at=now, **person)
    with db.session.begin_nested():
        db.session.add(registration)
        db.session.flush()
    return registration


def existing_registration(event: Event, *, user: User | None = None, email: str | None = None) -> Registration | None:
    query = select(Registration).where(Registration.event_id == event.id)
    query = query.where(Registration.user_id == user.id) if user else query.where(Registration.guest_email == email)
    return db.session.scalar(query)


def register_member(user: User, event: Event, *, now: datetime) -> Registration:
    """One tap: registered, pending the organiser's approval, or on the waiting list."""
    check_open(event, now)
    registration = existing_registration(event, user=user)
    if registration is not None and registration.status in ACTIVE:
        return registration
    if registration is None:
        try:
            registration = _insert(event, user_id=user.id, now=now)
        except IntegrityError:  # the same person tapped twice at once: the other request won
            existing = existing_registration(event, user=user)
            if existing is None:
                raise
            return existing
    else:
        registration.created_at = now  # back to the end of the queue
    _take_seat_or_wait(registration, _seat_status(event), now)
    payment_hooks.registration_created(registration, now=now)
    notifications.registration_changed(registration, now=now)
    return registration


def register_guest(event: Event, *, name: str, email: str, now: datetime, language: str = "fr") -> Registration:
    """A visitor without an account: kept unconfirmed until they click the e-mailed link."""
    check_open(event, now)
    if event.audience == EventAudience.MEMBERS:
        raise DomainError(_l("Cet événement est réservé aux membres : connectez-vous pour vous inscrire."))
    name = name.strip()[:120]
    if not name:
        raise DomainError(_l("Indiquez votre nom."), field="name")
    email = check_email_syntax(email)
    registration = existing_registration(event, email=email)
    if registration is not None and registration.status in ACTIVE and registration.status != RegistrationStatus.UNCONFIRMED:
        notifications.guest_already_registered(registration, now=now)  # no enumeration: same answer on screen
        return registration
    if registration is None:
        try:
            registration = _insert(event, guest_name=name, guest_email=email, language=language, now=now)
        except IntegrityError:
            existing = existing_registration(event, email=email)
            if existing is None:
                raise
            return existing
    else:
        registration.guest_name, registration.status, registration.created_at = name, RegistrationStatus.UNCONFIRMED, now
    db.session.flush()
    notifications.guest_confirm(registration, now=now)
    return registration


def by_token(token: str) -> Registration:
    registration = db.session.scalar(
        select(Registration).options(joinedload(Registration.event)).where(Registration.token == token)
    ) if token and len(token) <= 48 else None
    if registration is None:
        raise NotFound(_l("Ce lien d'inscription n'est pas valable."))
    return registration


def confirm_guest(token: str, *, now: datetime) -> Registration:
    registration = by_token(token)
    if registration.status != RegistrationStatus.UNCONFIRMED:
        return registration
    check_open(registration.event, now)
    _take_seat_or_wait(registration, _seat_status(registration.event), now)
    payment_hooks.registration_created(registration, now=now)
    notifications.registration_changed(registration, now=now)
    return registration


def confirm_offer(token: str, *, now: datetime) -> Registration:
    """A promoted person takes the place offered to them, before the deadline."""
    registration = by_token(token)
    if registration.status in (RegistrationStatus.REGISTERED, RegistrationStatus.PENDING):
        return registration
    if registration.status == RegistrationStatus.EXPIRED:
        raise DomainError(_l("Le délai pour confirmer est passé : la place est proposée à la personne suivante."))
    if registration.status != RegistrationStatus.OFFERED:
        raise DomainError(_l("Aucune place ne vous est proposée pour cet événement."))
    if registration.offer_expires_at <= now:
        raise DomainError(_l("Le délai pour confirmer est passé : la place est proposée à la personne suivante."))
    registration.status = _seat_status(registration.event)  # the organiser still approves, if they do
    registration.offer_expires_at = None
    registration.updated_at = now
    db.session.flush()
    payment_hooks.registration_created(registration, now=now)  # a paid event: the ticket is due now
    notifications.registration_changed(registration, now=now)
    return registration


def cancel(registration: Registration, *, now: datetime, actor: User | None = None) -> None:
    """By the person (link or page) or the organiser; a freed seat goes to the next in line."""
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED, RegistrationStatus.EXPIRED):
        return
    freed = registration.holds_seat
    registration.status = RegistrationStatus.CANCELLED
    registration.offer_expires_at = None
    registration.updated_at = now
    db.session.flush()
    payment_hooks.registration_cancelled(registration, now=now)
    notifications.registration_changed(registration, now=now)
    if freed:
        promote_waiting(registration.event, now=now)


def promote_waiting(event: Event, *, now: datetime) -> list[Registration]:
    """Offer free seats to the waiting list in order; each offer holds the seat until its deadline."""
    promoted = []
    if event.is_cancelled or event.starts_at <= now:
        return promoted
    waiting = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id)))
    deadline = min(now + OFFER_WINDOW, event.starts_at - timedelta(hours=1))
    for registration in waiting:
        if deadline <= now:
            break
        try:
            with db.session.begin_nested():
                registration.status = RegistrationStatus.OFFERED
                registration.offer_expires_at = deadline
                registration.updated_at = now
                db.session.flush()
        except IntegrityError as err:
            if not is_capacity_violation(err):
                raise
            break  # full again
        promoted.append(registration)
        notifications.registration_changed(registration, now=now)
    db.session.refresh(event, ["seats_taken"])
    return promoted


def expire_offers(now: datetime) -> int:
    """Scheduled: offers not confirmed in time pass to the next person."""
    expired = list(db.session.scalars(
        select(Registration).options(joinedload(Registration.event))
        .where(Registration.status == RegistrationStatus.OFFERED, Registration.offer_expires_at <= now)))
    events = {}
    for registration in expired:
        registration.status = RegistrationStatus.EXPIRED
        registration.updated_at = now
        events[registration.event_id] = registration.event
    db.session.flush()
    for registration in expired:
        notifications.registration_changed(registration, now=now)
    for event in events.values():
        promote_waiting(event, now=now)
    return len(expired)


def decide(actor: User, registration: Registration, *, approve: bool, now: datetime) -> None:
    """The organiser approves or declines a pending registration."""
    from portal.events.services.events import may_manage

    if not may_manage(actor, registration.event):
        raise NotFound(_l("Cette inscription n'existe pas."))
    if registration.status != RegistrationStatus.PENDING:
        raise DomainError(_l("Cette inscription a déjà été traitée."))
    registration.status = RegistrationStatus.REGISTERED if approve else RegistrationStatus.DECLINED
    registration.updated_at = now
    db.session.flush()
    if not approve:
        payment_hooks.registration_cancelled(registration, now=now, in_full=True)
    notifications.registration_changed(registration, now=now)
    if not approve:
        promote_waiting(registration.event, now=now)


def check_in(actor: User, registration: Registration, *, now: datetime) -> None:
    from portal.events.services.events import may_manage

    if not may_manage(actor, registration.event):
        raise NotFound(_l("Cette inscription n'existe pas."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise DomainError(_l("Seule une personne inscrite peut être pointée."))
    registration.checked_in_at = registration.checked_in_at or now
    db.session.flush()


def registrations_of(user: User, now: datetime) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).options(joinedload(Registration.event))
        .join(Event).where(Registration.user_id == user.id, Event.ends_at > now - timedelta(days=60))
        .order_by(Event.starts_at)))


def attendees(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).options(joinedload(Registration.user))
        .where(Registration.event_id == event.id).order_by(Registration.status, Registration.created_at, Registration.id)))
