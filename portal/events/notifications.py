"""E-mails about events, queued in the outbox in each recipient's language."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.extensions import db
from portal.mail.services import Attachment, queue_email
from portal.urls import absolute_url


class Translated:
    """A translatable paragraph with values, rendered in the e-mail's language."""

    def __init__(self, text, **values):
        self.text, self.values = text, values

    def __str__(self) -> str:
        return str(self.text) % self.values if self.values else str(self.text)


SUBJECTS = {
    "registered": _l("Inscription confirmée : %(title)s"),
    "pending": _l("Inscription reçue, en attente de validation : %(title)s"),
    "waitlisted": _l("Liste d'attente : %(title)s"),
    "offered": _l("Une place s'est libérée : %(title)s"),
    "cancelled": _l("Inscription annulée : %(title)s"),
    "declined": _l("Inscription non retenue : %(title)s"),
    "expired": _l("Délai dépassé : %(title)s"),
}
LINES = {
    "registered": _l("Votre inscription est confirmée. Le fichier joint ajoute l'événement à votre agenda."),
    "pending": _l("L'organisateur doit valider votre inscription ; votre place est gardée en attendant. Vous recevrez sa réponse par e-mail."),
    "waitlisted": _l("L'événement est complet : vous êtes sur la liste d'attente. Si une place se libère, nous vous écrirons aussitôt."),
    "offered": _l("Une place s'est libérée pour vous ! Confirmez-la avant le %(deadline)s, sinon elle passera à la personne suivante."),
    "cancelled": _l("Votre inscription est annulée. Merci d'avoir libéré la place."),
    "declined": _l("L'organisateur n'a pas pu retenir votre inscription."),
    "expired": _l("Le délai pour confirmer la place est passé ; elle a été proposée à la personne suivante."),
}


def _ics(event, language: str) -> Attachment:
    from portal.events.ical import events_calendar

    with force_locale(language):
        data = events_calendar([event], name=str(_l("Événements des Chrysalides")))
    return Attachment(filename="evenement.ics", content_type="text/calendar; method=PUBLISH", data=data)


def _notice(*, to: str, language: str, name: str, event, kind: str, lines: list, now: datetime,
            action_url: str | None = None, action_label=None, attach: bool = False, subject=None) -> None:
    queue_email(
        to=to, subject=subject or Translated(SUBJECTS[kind], title=event.title),
        template="events/notice", language=language, now=now,
        attachments=[_ics(event, language)] if attach else None,
        name=name, event=event, lines=lines, event_url=absolute_url("events.show_event", event_id=event.id),
        action_url=action_url, action_label=action_label,
    )


def registration_changed(registration, *, now: datetime) -> None:
    kind = registration.status.value
    if kind not in LINES:
        return
    from flask_babel import format_datetime

    event = registration.event
    with force_locale(registration.email_language):
        deadline = format_datetime(registration.offer_expires_at, "short") if registration.offer_expires_at else ""
    line = Translated(LINES[kind], deadline=deadline)
    action_url = action_label = None
    if kind == "offered":
        action_url = absolute_url("events.confirm_offer", token=registration.token)
        action_label = _l("Confirmer ma place")
    elif kind in ("registered", "pending", "waitlisted"):
        action_url = absolute_url("events.manage_registration", token=registration.token)
        action_label = _l("Voir ou annuler mon inscription")
    from portal.payments.hooks import ticket_due

    lines = [line]
    ticket = ticket_due(registration) if kind in ("registered", "pending") else None
    if ticket is not None:
        from portal.payments.labels import money

        with force_locale(registration.email_language):
            amount, deadline = money(ticket.amount_cents), format_datetime(ticket.hold_expires_at, "short")
        lines.append(Translated(_l("Il reste à payer votre billet (%(amount)s) avant le %(deadline)s ; sans "
                                   "paiement, la place passera à la personne suivante."), amount=amount,
                                deadline=deadline))
        action_label = _l("Payer mon billet")
    _notice(to=registration.email, language=registration.email_language, name=registration.name, event=event,
            kind=kind, lines=lines, now=now, action_url=action_url, action_label=action_label,
            attach=kind == "registered")


def guest_confirm(registration, *, now: datetime) -> None:
    event = registration.event
    queue_email(
        to=registration.guest_email, subject=Translated(_l("Confirmez votre inscription : %(title)s"), title=event.title),
        template="events/notice", language=registration.language, now=now,
        name=registration.guest_name, event=event,
        lines=[Translated(_l("Pour confirmer votre inscription, ouvrez ce lien. Si vous n'avez rien demandé, ignorez ce message."))],
        event_url=absolute_url("events.show_event", event_id=event.id),
        action_url=absolute_url("events.confirm_guest", token=registration.token), action_label=_l("Confirmer mon inscription"),
    )


def guest_already_registered(registration, *, now: datetime) -> None:
    event = registration.event
    queue_email(
        to=registration.guest_email, subject=Translated(_l("Votre inscription : %(title)s"), title=event.title),
        template="events/notice", language=registration.language, now=now,
        name=registration.guest_name, event=event,
        lines=[Translated(_l("Vous êtes déjà inscrit·e à cet événement. Pour voir ou annuler votre inscription :"))],
        event_url=absolute_url("events.show_event", event_id=event.id),
        action_url=absolute_url("events.manage_registration", token=registration.token),
        action_label=_l("Voir ou annuler mon inscription"),
    )


def _registrants(event):
    from portal.events.models import SEAT_HOLDING, RegistrationStatus

    statuses = (*SEAT_HOLDING, RegistrationStatus.WAITLISTED)
    return [r for r in event.registrations if r.status in statuses]


def event_changed(event, *, now: datetime) -> None:
    """Calendar apps refresh feeds only every few hours: e-mail is what people see."""
    for registration in _registrants(event):
        queue_email(
            to=registration.email, subject=Translated(_l("Changement : %(title)s"), title=event.title),
            template="events/notice", language=registration.email_language, now=now, name=registration.name,
            event=event, lines=[Translated(_l("L'horaire ou le lieu de l'événement a changé. Voici les nouvelles informations ; le fichier joint met votre agenda à jour."))],
            event_url=absolute_url("events.show_event", event_id=event.id),
            action_url=absolute_url("events.manage_registration", token=registration.token),
            action_label=_l("Voir ou annuler mon inscription"),
            attachments=[_ics(event, registration.email_language)],
        )


def event_cancelled(event, *, now: datetime) -> None:
    for registration in _registrants(event):
        queue_email(
            to=registration.email, subject=Translated(_l("Annulé : %(title)s"), title=event.title),
            template="events/notice", language=registration.email_language, now=now, name=registration.name,
            event=event, lines=[Translated(_l("L'événement est annulé. Message de l'organisateur :")), event.cancellation_message or ""],
            event_url=absolute_url("events.show_event", event_id=event.id), action_url=None, action_label=None,
            attachments=[_ics(event, registration.email_language)],
        )


def event_submitted(event, *, now: datetime) -> None:
    staff = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.STAFF, User.active.is_(True))).all()
    for member in staff:
        queue_email(
            to=member.email, subject=Translated(_l("À modérer : %(title)s"), title=event.title),
            template="events/notice", language=member.preferred_language, now=now, name=member.display_name,
            event=event, lines=[Translated(_l("Un événement attend votre modération."))],
            event_url=absolute_url("events.show_event", event_id=event.id),
            action_url=absolute_url("organiser.moderation"), action_label=_l("Ouvrir la file de modération"),
        )


MODERATION_LINES = {
    "published": _l("Votre événement est publié dans l'agenda."),
    "changes_requested": _l("L'équipe vous demande des modifications avant publication :"),
    "refused": _l("L'équipe n'a pas retenu votre événement. Raison :"),
}


def event_moderated(event, *, now: datetime) -> None:
    organiser = event.organiser
    if organiser is None:
        return
    lines = [Translated(MODERATION_LINES[event.status.value])]
    if event.moderation_note:
        lines.append(event.moderation_note)
    queue_email(
        to=organiser.email, subject=Translated(_l("Modération : %(title)s"), title=event.title),
        template="events/notice", language=organiser.preferred_language, now=now, name=organiser.display_name,
        event=event, lines=lines, event_url=absolute_url("events.show_event", event_id=event.id),
        action_url=absolute_url("organiser.edit_event", event_id=event.id), action_label=_l("Voir l'événement"),
    )


def reminder(registration, *, now: datetime) -> None:
    event = registration.event
    queue_email(
        to=registration.email, subject=Translated(_l("Demain : %(title)s"), title=event.title),
        template="events/notice", language=registration.email_language, now=now, name=registration.name,
        event=event, lines=[Translated(_l("Petit rappel : vous êtes inscrit·e à cet événement demain. Un empêchement ? Libérez votre place pour la personne suivante."))],
        event_url=absolute_url("events.show_event", event_id=event.id),
        action_url=absolute_url("events.manage_registration", token=registration.token),
        action_label=_l("Voir ou annuler mon inscription"),
    )


def organiser_message(registration, *, subject: str, body: str, sender_name: str, now: datetime) -> None:
    event = registration.event
    queue_email(
        to=registration.email, subject=f"{event.title} — {subject}", template="events/notice",
        language=registration.email_language, now=now, name=registration.name, event=event,
        lines=[Translated(_l("Message de %(name)s, qui organise l'événement :"), name=sender_name), body],
        event_url=absolute_url("events.show_event", event_id=event.id), action_url=None, action_label=None,
    )
