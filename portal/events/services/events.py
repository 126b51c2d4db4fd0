"""Events: create, edit (one occurrence or the series), publish, moderate, cancel.

An event in a space of Les Chrysalides holds a booking of that space through
the bookings service: the same "never twice" guarantee applies, and moving the
event moves the booking (or reports the conflict and changes nothing).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role, User
from portal.errors import DomainError, NotFound, PermissionDenied
from portal.events import notifications
from portal.events.models import (
    Event,
    EventAudience,
    EventSeries,
    EventStatus,
    RegistrationMode,
    Theme,
)
from portal.events.sanitize import clean_description
from portal.events.services import registrations
from portal.events.services.recurrence import Recurrence, occurrence_days
from portal.extensions import db
from portal.payments import hooks as payment_hooks
from portal.spaces.errors import BookingConflict, BookingRefused
from portal.spaces.services import bookings as booking_service
from portal.timeutil import paris_to_utc, to_paris

ORGANISER_ROLES = (Role.ORGANISER, Role.STAFF, Role.ADMIN)
PLACE_FIELDS = ("starts_at", "ends_at", "space_id", "address", "all_day")


@dataclass
class EventData:
    """What an organiser fills in; times are aware datetimes."""

    title: str
    theme: Theme
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    tags: list[str] = field(default_factory=list)
    organisation_name: str = ""
    all_day: bool = False
    space_id: int | None = None
    address: str = ""
    audience: EventAudience = EventAudience.PUBLIC
    languages: list[str] = field(default_factory=list)
    accessibility: str = ""
    capacity: int | None = None
    registration_mode: RegistrationMode = RegistrationMode.NONE
    registration_deadline: datetime | None = None
    is_free: bool = True
    price_info: str = ""
    image: str | None = None


def is_organiser(user: User) -> bool:
    return user.is_authenticated and user.has_role(*ORGANISER_ROLES)


def may_manage(user: User, event: Event) -> bool:
    return user.is_authenticated and (user.is_staff or event.organiser_id == user.id)


def current_data(event: Event) -> EventData:
    """What the event says now, as the organiser would fill it in: the base of a partial change."""
    return EventData(
        title=event.title, theme=event.theme, starts_at=event.starts_at, ends_at=event.ends_at,
        description=event.description_html, tags=list(event.tags or []), organisation_name=event.organisation_name,
        all_day=event.all_day, space_id=event.space_id, address=event.address, audience=event.audience,
        languages=list(event.languages or []), accessibility=event.accessibility, capacity=event.capacity,
        registration_mode=event.registration_mode, registration_deadline=event.registration_deadline,
        is_free=event.is_free, price_info=event.price_info,
    )


def check_data(data: EventData) -> None:
    if not data.title.strip():
        raise DomainError(_l("Donnez un titre à l'événement."), field="title")
    if data.ends_at <= data.starts_at:
        raise DomainError(_l("La fin doit être après le début."), field="ends_at")
    if data.ends_at - data.starts_at > timedelta(days=14):
        raise DomainError(_l("Un événement dure au plus 14 jours ; utilisez une série pour un rendez-vous régulier."),
                          field="ends_at")
    if data.space_id is None and not data.address.strip():
        raise DomainError(_l("Choisissez un espace des Chrysalides ou indiquez une adresse."), field="address")
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(_l("La capacité doit être d'au moins une personne."), field="capacity")
    if data.registration_deadline is not None and data.registration_deadline > data.starts_at:
        raise DomainError(_l("La clôture des inscriptions doit précéder le début."), field="registration_deadline")


def _new_uid() -> str:
    return f"event-{secrets.token_hex(10)}@chrysalides-portal"


def _apply(event: Event, data: EventData) -> None:
    event.title = data.title.strip()[:200]
    event.description_html = clean_description(data.description)
    event.theme = data.theme
    event.tags = sorted({t.strip().lower()[:40] for t in data.tags if t.strip()})[:12]
    event.organisation_name = data.organisation_name.strip()[:200]
    event.starts_at, event.ends_at, event.all_day = data.starts_at, data.ends_at, data.all_day
    event.space_id = data.space_id
    event.address = data.address.strip() if data.space_id is None else ""
    event.audience = data.audience
    event.languages = [lang for lang in data.languages if lang][:10]
    event.accessibility = data.accessibility.strip()
    event.capacity = data.capacity if data.registration_mode != RegistrationMode.NONE else None
    event.registration_mode = data.registration_mode
    event.registration_deadline = data.registration_deadline
    event.is_free = data.is_free
    event.price_info = data.price_info.strip()[:300]
    if data.image:
        event.image = data.image


def _book_place(actor: User, event: Event, now: datetime) -> None:
    """Hold the space for the event, replacing a previous hold. Raises on conflict, changes nothing then."""
    old = event.booking
    with db.session.begin_nested():
        if old is not None and old.is_active and old.ends_at > now:
            booking_service.cancel_booking(actor, old, now=now, notify=False, force=True)
        event.booking_id = None
        if event.space_id is not None and not event.is_cancelled:
            booking = booking_service.create_booking(
                actor, space_id=event.space_id, starts_at=event.starts_at, ends_at=event.ends_at, now=now,
                title=event.title, notify=False, for_event=True,
            )
            event.booking_id = booking.id
            event.booking = booking


def create_event(actor: User, data: EventData, *, now: datetime, recurrence: Recurrence | None = None) -> list[Event]:
    """A draft (or a series of drafts), with the space held for each occurrence."""
    if not is_organiser(actor):
        raise PermissionDenied(_l("Seuls les organisateurs peuvent publier des événements."))
    check_data(data)
    days = [to_paris(data.starts_at).date()]
    series = None
    if recurrence is not None:
        days = occurrence_days(days[0], recurrence)
        series = EventSeries(frequency=recurrence.frequency, interval=recurrence.interval,
                             weekdays=list(recurrence.weekdays) or None, until=recurrence.until,
                             count=recurrence.count, created_at=now)
        db.session.add(series)
        db.session.flush()
    events = []
    for day in days:
        occurrence = shifted(data, day)
        event = Event(uid=_new_uid(), organiser_id=actor.id, status=EventStatus.DRAFT, created_at=now,
                      updated_at=now, series_id=series.id if series else None, seats_taken=0, sequence=0)
        _apply(event, occurrence)
        db.session.add(event)
        db.session.flush()
        try:
            _book_place(actor, event, now)
        except (BookingConflict, BookingRefused) as err:
            raise _place_error(err, day) from err
        events.append(event)
    return events


def shifted(data: EventData, day: date) -> EventData:
    """The same Paris wall-clock times on another day (DST-proof)."""
    start_local, end_local = to_paris(data.starts_at), to_paris(data.ends_at)
    span_days = (end_local.date() - start_local.date()).days
    starts = paris_to_utc(day, start_local.time().replace(tzinfo=None))
    ends = paris_to_utc(day + timedelta(days=span_days), end_local.time().replace(tzinfo=None))
    deadline = None
    if data.registration_deadline is not None:
        deadline = starts - (data.starts_at - data.registration_deadline)
    return replace(data, starts_at=starts, ends_at=ends, registration_deadline=deadline)


def _place_error(err: DomainError, day: date) -> DomainError:
    from flask_babel import format_date

    message = _l("L'espace n'est pas disponible le %(date)s : %(reason)s", date=format_date(day, "long"),
                 reason=err.message)
    conflict = BookingConflict(message, suggestions=getattr(err, "suggestions", []), field="space_id")
    return conflict


def get_event(event_id: int, viewer: User | None) -> Event:
    """A published (or cancelled) event anyone may see; members-only ones need an account;
    drafts and moderation only for their organiser and staff."""
    event = db.session.scalar(
        select(Event).options(joinedload(Event.space), joinedload(Event.organiser)).where(Event.id == event_id)
    )
    if event is None:
        raise NotFound(_l("Cet événement n'existe pas."))
    visible = event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED)
    if viewer is not None and may_manage(viewer, event):
        return event
    if not visible:
        raise NotFound(_l("Cet événement n'existe pas."))
    if event.audience == EventAudience.MEMBERS and (viewer is None or not viewer.is_authenticated):
        raise NotFound(_l("Cet événement est réservé aux membres : connectez-vous pour le voir."))
    return event


def managed_event(event_id: int, actor: User) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not may_manage(actor, event):
        raise NotFound(_l("Cet événement n'existe pas."))
    return event


def update_event(actor: User, event: Event, data: EventData, *, now: datetime, whole_series: bool = False) -> list[Event]:
    """Change one occurrence, or every later occurrence of its series not edited on its own."""
    if not may_manage(actor, event):
        raise NotFound(_l("Cet événement n'existe pas."))
    check_data(data)
    targets = [event]
    if whole_series and event.series_id is not None:
        targets = list(db.session.scalars(
            select(Event).where(Event.series_id == event.series_id, Event.starts_at >= event.starts_at,
                                Event.status != EventStatus.CANCELLED,
                                (Event.detached.is_(False)) | (Event.id == event.id))
            .order_by(Event.starts_at)))
    changed = []
    with db.session.begin_nested():  # all or nothing: a conflict on one occurrence leaves every one as it was
        for target in targets:
            occurrence = data if target.id == event.id else shifted(data, to_paris(target.starts_at).date()
                                                                 + (to_paris(data.starts_at).date()
                                                                    - to_paris(event.starts_at).date()))
            before = {name: getattr(target, name) for name in PLACE_FIELDS}
            capacity_before = target.capacity
            if data.capacity is not None and data.capacity < target.seats_taken:
                raise DomainError(_l("%(count)s places sont déjà prises : la capacité ne peut pas être plus petite.",
                                     count=target.seats_taken), field="capacity")
            _apply(target, occurrence)
            target.updated_at = now
            if not whole_series:
                target.detached = target.series_id is not None
            moved = any(before[name] != getattr(target, name) for name in PLACE_FIELDS)
            if moved:
                target.sequence += 1
                try:
                    _book_place(actor, target, now)
                except (BookingConflict, BookingRefused) as err:
                    raise _place_error(err, to_paris(target.starts_at).date()) from err
                if target.status == EventStatus.PUBLISHED:
                    notifications.event_changed(target, now=now)
            if capacity_before is not None and (target.capacity is None or target.capacity > capacity_before):
                registrations.promote_waiting(target, now=now)  # new seats go to the waiting list first
            changed.append(target)
    db.session.flush()
    return changed


def publish(actor: User, event: Event, *, now: datetime) -> Event:
    """Trusted organisers and staff publish at once; others submit for moderation.
    A series goes out whole: its other drafts follow the occurrence published."""
    if not may_manage(actor, event):
        raise NotFound(_l("Cet événement n'existe pas."))
    unpublished = (EventStatus.DRAFT, EventStatus.CHANGES_REQUESTED)
    if event.status not in unpublished:
        raise DomainError(_l("Cet événement a déjà été envoyé."))
    targets = [event]
    if event.series_id is not None:
        targets += list(db.session.scalars(select(Event).where(
            Event.series_id == event.series_id, Event.id != event.id, Event.status.in_(unpublished))))
    trusted = actor.is_staff or actor.trusted_organiser
    for target in targets:
        target.status = EventStatus.PUBLISHED if trusted else EventStatus.SUBMITTED
        target.published_at = now if trusted else None
        target.updated_at = now
    db.session.flush()
    if not trusted:
        notifications.event_submitted(event, now=now)
    return event


MODERATION = {"approve": EventStatus.PUBLISHED, "changes": EventStatus.CHANGES_REQUESTED, "refuse": EventStatus.REFUSED}


def moderate(actor: User, event: Event, decision: str, note: str | None, *, now: datetime, trust: bool = False) -> Event:
    if not actor.is_staff:
        raise PermissionDenied(_l("Seule l'équipe modère les événements."))
    if event.status != EventStatus.SUBMITTED:
        raise DomainError(_l("Cet événement n'attend pas de modération."))
    if decision not in MODERATION:
        raise DomainError(_l("Décision inconnue."), field="decision")
    note = (note or "").strip()
    if decision != "approve" and not note:
        raise DomainError(_l("Expliquez à l'organisateur ce qu'il faut changer ou pourquoi c'est refusé."), field="note")
    targets = [event]
    if event.series_id is not None:  # a series is moderated whole, as it was submitted
        targets += list(db.session.scalars(select(Event).where(
            Event.series_id == event.series_id, Event.id != event.id, Event.status == EventStatus.SUBMITTED)))
    for target in targets:
        target.status = MODERATION[decision]
        target.moderation_note = note or None
        target.updated_at = now
        if decision == "approve":
            target.published_at = now
        booking = target.booking
        if decision == "refuse" and booking is not None and booking.is_active and booking.ends_at > now:
            booking_service.cancel_booking(actor, booking, now=now, notify=False, force=True)
    if decision == "approve" and trust and event.organiser is not None:
        event.organiser.trusted_organiser = True
    db.session.flush()
    notifications.event_moderated(event, now=now)
    return event


def cancel_event(actor: User, event: Event, message: str, *, now: datetime) -> Event:
    """A cancelled event stays visible as cancelled; registrants get the organiser's message."""
    if not may_manage(actor, event):
        raise NotFound(_l("Cet événement n'existe pas."))
    if event.is_cancelled:
        raise DomainError(_l("Cet événement est déjà annulé."))
    message = (message or "").strip()
    if event.status == EventStatus.PUBLISHED and not message:
        raise DomainError(_l("Écrivez un mot aux personnes inscrites : il leur est envoyé par e-mail."), field="message")
    was_published = event.status == EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.cancellation_message = message or None
    event.sequence += 1
    event.updated_at = now
    if event.booking is not None and event.booking.is_active and event.booking.ends_at > now:
        booking_service.cancel_booking(actor, event.booking, now=now, notify=False, force=True)
    db.session.flush()
    payment_hooks.event_cancelled(event, now=now)  # tickets refunded in full
    if was_published:
        notifications.event_cancelled(event, now=now)
    return event


def delete_draft(actor: User, event: Event, *, now: datetime) -> None:
    if not may_manage(actor, event) or event.status not in (EventStatus.DRAFT, EventStatus.CHANGES_REQUESTED):
        raise DomainError(_l("Seul un brouillon peut être supprimé ; annulez plutôt l'événement."))
    if event.booking is not None and event.booking.is_active and event.booking.ends_at > now:
        booking_service.cancel_booking(actor, event.booking, now=now, notify=False, force=True)
    db.session.delete(event)
    db.session.flush()


def moderation_queue() -> list[Event]:
    return list(db.session.scalars(
        select(Event).options(joinedload(Event.organiser), joinedload(Event.space))
        .where(Event.status == EventStatus.SUBMITTED).order_by(Event.starts_at)))


def events_of_organiser(user: User, now: datetime) -> list[Event]:
    return list(db.session.scalars(
        select(Event).options(joinedload(Event.space))
        .where(Event.organiser_id == user.id, Event.ends_at > now - timedelta(days=90))
        .order_by(Event.starts_at).limit(300)))



