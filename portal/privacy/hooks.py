"""Hooks of the packages that existed before the privacy package (spaces, events, directory)."""
from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.privacy.registry import register


def _photo_files(user) -> dict[str, bytes]:
    from portal.directory.models import Profile

    name = db.session.scalar(select(Profile.photo).where(Profile.user_id == user.id))
    path = Path(current_app.config["UPLOAD_FOLDER"]) / name if name else None
    return {f"fichiers/{name}": path.read_bytes()} if path and path.is_file() else {}


def _erase_directory(user, now: datetime) -> dict[str, int]:
    from portal.directory.memberships import hand_over
    from portal.directory.models import Profile
    from portal.directory.services import remove_photo

    summary = hand_over(user, now=now)
    profile = db.session.scalar(select(Profile).where(Profile.user_id == user.id))
    if profile is not None and profile.photo:
        remove_photo(profile)
        summary["photo"] = 1
    return summary


def _cancel_bookings(user, now: datetime) -> dict[str, int]:
    """Slots still to come are freed through the booking service, so refunds or credits follow the
    payment rules; past bookings stay for the statistics."""
    from portal.spaces.models import ACTIVE_STATUSES, Booking
    from portal.spaces.services.bookings import cancel_booking

    bookings = db.session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.starts_at > now, Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.id)).all()
    for booking in bookings:
        # force: leaving the portal is always allowed; past the deadline the payment rules decide the refund
        cancel_booking(user, booking, now=now, notify=False, force=True)
    return {"réservations à venir annulées": len(bookings)}


def _cancel_registrations(user, now: datetime) -> dict[str, int]:
    """Seats of events still to come are given back through the registration service: the next person
    on the waiting list is offered the seat and a paid registration is refunded."""
    from portal.events.models import Event, Registration, RegistrationStatus
    from portal.events.services.registrations import cancel
    from portal.privacy.services import DELETED_NAME

    mine = or_(Registration.user_id == user.id, Registration.guest_email == user.email)  # as a visitor too
    registrations = db.session.scalars(select(Registration).join(Event).where(
        mine, Event.starts_at > now,
        Registration.status.not_in([RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED,
                                    RegistrationStatus.EXPIRED]))
        .order_by(Registration.id)).all()
    for registration in registrations:
        cancel(registration, now=now, actor=user)
    # A registration made as a visitor must keep a name and an address (the table's check): placeholders
    # that lead nowhere replace them, and its secret link stops working.
    as_visitor = db.session.scalars(select(Registration).where(
        Registration.user_id.is_(None), Registration.guest_email == user.email)).all()
    for registration in as_visitor:
        registration.guest_name = DELETED_NAME
        registration.guest_email = f"supprime-{registration.id}@invalid.invalid"
        registration.token = secrets.token_urlsafe(24)
    db.session.flush()
    return {"inscriptions à venir annulées": len(registrations)}


def _withdraw_volunteering(user, now: datetime) -> dict[str, int]:
    from portal.volunteers.models import AnswerStatus, VolunteerAnswer, VolunteerCall
    from portal.volunteers.services import withdraw

    answers = db.session.scalars(select(VolunteerAnswer).join(VolunteerCall).where(
        VolunteerAnswer.user_id == user.id, VolunteerCall.starts_at > now,
        VolunteerAnswer.status.in_([AnswerStatus.PENDING, AnswerStatus.ACCEPTED]))).all()
    for answer in answers:
        withdraw(user, answer.call, now=now)
    return {"propositions de bénévolat retirées": len(answers)}


register("directory", files=_photo_files, erase=_erase_directory)
register("spaces", erase=_cancel_bookings)
register("events", erase=_cancel_registrations)
register("volunteers", erase=_withdraw_volunteering)


def _anonymise_requests(user, now: datetime) -> dict[str, int]:
    """Project-holder requests are anonymised by their own package's rule (statistics are kept)."""
    from sqlalchemy import or_

    from portal.accompaniment.models import ProjectRequest, RequestEvent
    from portal.accompaniment.services.privacy import anonymise

    requests = db.session.scalars(select(ProjectRequest).where(
        or_(ProjectRequest.user_id == user.id, ProjectRequest.email == user.email))).all()
    for request in requests:
        anonymise(request, now=now, why="account_deleted")
    # A team member's name on the timeline of other people's requests
    db.session.execute(update(RequestEvent).where(RequestEvent.actor_id == user.id).values(actor_label=""))
    return {"demandes d'accompagnement anonymisées": len(requests)}


register("accompaniment", erase=_anonymise_requests)
