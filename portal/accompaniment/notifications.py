"""E-mails about project requests, queued in the outbox in each recipient's language.

Every e-mail sent is recorded on the request's timeline. Internal notes never
go into an e-mail: only the holder's own data and the team's messages.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from portal.accompaniment.labels import CHANNEL_LABELS, label
from portal.accompaniment.models import EventKind
from portal.events.notifications import Translated
from portal.mail.services import queue_email
from portal.urls import absolute_url

TEAM_NAME = _l("l'équipe d'accompagnement des Chrysalides")


def _sent(request, *, to: str, what: str, now: datetime) -> None:
    from portal.accompaniment.services.timeline import record

    record(request, EventKind.EMAIL_SENT, now=now, label="", data={"to": to, "what": what})


def tracking_url(request) -> str:
    return absolute_url("accompaniment.track", token=request.tracking_token)


def staff_url(request) -> str:
    return absolute_url("accompaniment_staff.show_request", request_id=request.id)


def _due_day(request, language: str) -> str:
    # The deadline is midnight after the last working day: show that last day.
    with force_locale(language):
        return format_date(request.first_contact_due_at - timedelta(seconds=1), "full")


def holder_language(request) -> str:
    """The holder's language when the portal speaks it, else French."""
    return request.language if request.language in current_app.config["LANGUAGES"] else "fr"


def acknowledgement(request, *, now: datetime) -> None:
    language = holder_language(request)
    who = request.assignee.display_name if request.assignee is not None else TEAM_NAME
    with force_locale(language):
        channel = label(CHANNEL_LABELS, request.contact_channel).lower()
    queue_email(
        to=request.email, subject=Translated(_l("Demande reçue : %(reference)s"), reference=request.reference),
        template="accompaniment/notice", language=language, now=now, name=request.name,
        lines=[
            Translated(_l("Merci ! Votre demande « %(title)s » est bien arrivée."), title=request.title),
            Translated(_l("Son numéro : %(reference)s. Gardez-le, il sert si vous appelez."), reference=request.reference),
            Translated(_l("%(who)s vous contactera (%(channel)s) au plus tard le %(day)s."), who=who, channel=channel,
                       day=_due_day(request, language)),
            Translated(_l("Pour suivre votre demande et écrire à l'équipe, gardez ce lien secret :")),
        ],
        action_url=tracking_url(request), action_label=_l("Suivre ma demande"),
    )
    _sent(request, to=request.email, what="acknowledgement", now=now)


def assignment_notice(request, assignee, *, now: datetime) -> None:
    queue_email(
        to=assignee.email, subject=Translated(_l("Nouvelle demande pour vous : %(reference)s"), reference=request.reference),
        template="accompaniment/notice", language=assignee.preferred_language, now=now, name=assignee.display_name,
        lines=[
            Translated(_l("Une demande de porteur de projet vous est attribuée : « %(title)s »."), title=request.title),
            Translated(_l("Premier contact à faire au plus tard le %(day)s."),
                       day=_due_day(request, assignee.preferred_language)),
        ],
        action_url=staff_url(request), action_label=_l("Ouvrir la demande"),
    )
    _sent(request, to=assignee.email, what="assignment", now=now)


def reply_to_holder(request, body: str, sender_name: str, *, now: datetime) -> None:
    language = holder_language(request)
    queue_email(
        to=request.email, subject=Translated(_l("Réponse de l'équipe : %(reference)s"), reference=request.reference),
        template="accompaniment/notice", language=language, now=now, name=request.name,
        lines=[Translated(_l("%(name)s vous a écrit au sujet de votre demande « %(title)s » :"), name=sender_name,
                          title=request.title), body],
        action_url=tracking_url(request), action_label=_l("Lire et répondre"),
    )
    _sent(request, to=request.email, what="reply", now=now)


def holder_replied(request, *, now: datetime) -> None:
    assignee = request.assignee
    if assignee is None or not assignee.active:
        return  # the daily digest shows it to the whole team
    queue_email(
        to=assignee.email, subject=Translated(_l("Le porteur a répondu : %(reference)s"), reference=request.reference),
        template="accompaniment/notice", language=assignee.preferred_language, now=now, name=assignee.display_name,
        lines=[Translated(_l("%(name)s a écrit un message au sujet de « %(title)s »."), name=request.name,
                          title=request.title)],
        action_url=staff_url(request), action_label=_l("Ouvrir la demande"),
    )
    _sent(request, to=assignee.email, what="holder_reply", now=now)


def digest(user, *, overdue: list, new: list, waiting: list, unassigned: list, now: datetime) -> None:
    total = len(overdue) + len(new) + len(waiting) + len(unassigned)
    queue_email(
        to=user.email, subject=Translated(_l("Accompagnement : %(count)s demande(s) à traiter"), count=total),
        template="accompaniment/digest", language=user.preferred_language, now=now, name=user.display_name,
        sections=[
            (_l("En retard (premier contact dépassé)"), overdue),
            (_l("Le porteur attend une réponse"), waiting),
            (_l("Nouvelles depuis hier"), new),
            (_l("À attribuer"), unassigned),
        ],
        staff_url=staff_url, triage_url=absolute_url("accompaniment_staff.triage"),
    )
