"""Writing to a member through the portal: the address stays private, the message goes by e-mail.

Rate limits are counted in the database (messages of the last hour and day), so
they hold across processes; a recipient can report a message to the staff.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Role, User, UserRole
from portal.directory.models import ContactMessage, OrganisationMembership, Profile, ProfileKind
from portal.directory.services import can_view
from portal.errors import DomainError, NotFound
from portal.events.notifications import Translated
from portal.extensions import db
from portal.mail.services import queue_email
from portal.urls import absolute_url

PER_HOUR = 5
PER_DAY = 20


def recipients_of(profile: Profile) -> list[tuple[str, str, str]]:
    """(address, name, language) of whoever reads messages sent to this profile."""
    if profile.kind == ProfileKind.PERSON:
        user = profile.user
        return [(user.email, user.display_name, user.preferred_language)] if user.active else []
    organisation = profile.organisation
    if organisation.contact_email:
        return [(organisation.contact_email, organisation.name, "fr")]
    managers = db.session.scalars(select(User).join(OrganisationMembership, OrganisationMembership.user_id == User.id)
                                  .where(OrganisationMembership.organisation_id == organisation.id,
                                         OrganisationMembership.is_manager.is_(True), User.active.is_(True)))
    return [(u.email, u.display_name, u.preferred_language) for u in managers]


def check_rate(sender: User, now: datetime) -> None:
    hour, day = db.session.execute(select(
        func.count().filter(ContactMessage.created_at >= now - timedelta(hours=1)),
        func.count()).where(ContactMessage.sender_id == sender.id,
                            ContactMessage.created_at >= now - timedelta(days=1))).one()
    if hour >= PER_HOUR or day >= PER_DAY:
        raise DomainError(_l("Vous avez envoyé beaucoup de messages : réessayez un peu plus tard."), field="body")


def send_message(sender: User, profile: Profile, *, subject: str, body: str, now: datetime) -> ContactMessage:
    if not can_view(profile, sender):
        raise NotFound(_l("Cette fiche n'existe pas ou n'est pas visible."))
    if profile.kind == ProfileKind.PERSON and profile.user_id == sender.id:
        raise DomainError(_l("Vous ne pouvez pas vous écrire à vous-même."), field="body")
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise DomainError(_l("Indiquez un objet."), field="subject")
    if len(body) < 10:
        raise DomainError(_l("Écrivez un message d'au moins 10 caractères."), field="body")
    check_rate(sender, now)
    recipients = recipients_of(profile)
    if not recipients:
        raise DomainError(_l("Cette fiche ne peut pas recevoir de message pour le moment."), field="body")
    message = ContactMessage(sender_id=sender.id, profile_id=profile.id, subject=subject[:200], body=body,
                             created_at=now, report_token=secrets.token_urlsafe(24))
    db.session.add(message)
    db.session.flush()
    report_url = absolute_url("directory.report", token=message.report_token)
    for address, name, language in recipients:
        queue_email(
            to=address, subject=Translated(_l("Message de %(sender)s via l'annuaire : %(subject)s"),
                                           sender=sender.display_name, subject=message.subject),
            template="directory/notice", language=language, now=now, name=name,
            lines=[Translated(_l("%(sender)s vous écrit par l'annuaire des Chrysalides. Votre adresse ne lui a pas "
                                 "été communiquée ; pour répondre, écrivez-lui à %(email)s si vous le souhaitez."),
                              sender=sender.display_name, email=sender.email)],
            quote=body, report_url=report_url)
    return message


def message_for_report(token: str) -> ContactMessage:
    message = db.session.scalar(select(ContactMessage).where(ContactMessage.report_token == token))
    if message is None:
        raise NotFound(_l("Ce lien de signalement n'est pas valable."))
    return message


def staff_members() -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_([Role.STAFF, Role.ADMIN]), User.active.is_(True)).distinct().order_by(User.id)))


def report(message: ContactMessage, reason: str, *, now: datetime) -> None:
    if message.reported_at is not None:
        return
    message.reported_at = now
    message.report_reason = reason.strip()[:2000]
    sender = message.sender.display_name if message.sender else str(_l("compte supprimé"))
    for staff in staff_members():
        queue_email(
            to=staff.email, subject=Translated(_l("Signalement d'un message de l'annuaire (n° %(id)s)"), id=message.id),
            template="directory/notice", language=staff.preferred_language, now=now, name=staff.display_name,
            lines=[Translated(_l("Un message envoyé par %(sender)s a été signalé comme abusif."), sender=sender),
                   Translated(_l("Raison donnée : %(reason)s"), reason=message.report_reason or "—")],
            quote=f"{message.subject}\n\n{message.body}",
            action_url=absolute_url("directory.reports"), action_label=_l("Voir les signalements"))


def reported_messages() -> list[ContactMessage]:
    return list(db.session.scalars(select(ContactMessage).where(ContactMessage.reported_at.is_not(None))
                                   .order_by(ContactMessage.reported_at.desc()).limit(200)))


RETENTION = timedelta(days=365)


def purge_old_messages(now: datetime) -> int:
    """Messages are kept 12 months for abuse reports and rate limits, then deleted."""
    from sqlalchemy import delete

    return db.session.execute(delete(ContactMessage).where(ContactMessage.created_at < now - RETENTION)).rowcount
