"""A project holder's request arrives: checks, reference, routing, acknowledgement."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.accompaniment import notifications
from portal.accompaniment.labels import CHANNEL_LABELS, HEARD_LABELS, LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, THEME_LABELS
from portal.accompaniment.models import EventKind, ProjectRequest, RequestStatus
from portal.accompaniment.services import routing
from portal.accompaniment.services.admin import get_settings
from portal.accompaniment.services.timeline import record
from portal.accompaniment.services.workdays import first_contact_deadline
from portal.errors import DomainError
from portal.extensions import db

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone
AUTOMATIC = _l("Routage automatique")


@dataclass
class RequestData:
    name: str
    title: str
    theme: str
    stage: str
    email: str | None = None
    phone: str | None = None
    language: str = "fr"
    contact_channel: str = "email"
    description: str = ""
    place: str = ""
    needs: list[str] = field(default_factory=list)
    needs_other: str = ""
    heard_from: str = ""
    consent: bool = False


def phone_digits(phone: str | None) -> str | None:
    """+33 6 12 34 56 78 and 06.12.34.56.78 are the same number."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits or None


def check(data: RequestData) -> None:
    """The rules shared by the form and the API; each refusal names its field."""
    if not (data.name or "").strip():
        raise DomainError(_l("Écrivez votre nom (ou un prénom)."), field="name")
    if not (data.email or "").strip() and not phone_digits(data.phone):
        raise DomainError(_l("Donnez au moins un moyen de vous joindre : une adresse e-mail ou un numéro de téléphone."),
                          field="email")
    if data.phone and not 6 <= len(phone_digits(data.phone) or "") <= 15:
        raise DomainError(_l("Ce numéro de téléphone semble incomplet. Exemple : 06 12 34 56 78."), field="phone")
    if data.contact_channel == "email" and not (data.email or "").strip():
        raise DomainError(_l("Vous préférez être contacté·e par e-mail : écrivez votre adresse e-mail, "
                             "ou choisissez un autre moyen."), field="email")
    if data.contact_channel in ("phone", "sms", "whatsapp") and not phone_digits(data.phone):
        raise DomainError(_l("Vous préférez le téléphone : écrivez votre numéro, ou choisissez un autre moyen."),
                          field="phone")
    if not (data.title or "").strip():
        raise DomainError(_l("Donnez un titre court à votre projet."), field="title")
    for value, labels, name in ((data.theme, THEME_LABELS, "theme"), (data.stage, STAGE_LABELS, "stage"),
                                (data.language, LANGUAGE_LABELS, "language"),
                                (data.contact_channel, CHANNEL_LABELS, "contact_channel"),
                                (data.heard_from, HEARD_LABELS, "heard_from")):
        if value not in labels:
            raise DomainError(_l("Choisissez une réponse dans la liste."), field=name)
    if not data.needs:
        raise DomainError(_l("Cochez au moins un besoin (ou « Autre chose »)."), field="needs")
    if any(need not in NEED_LABELS for need in data.needs):
        raise DomainError(_l("Choisissez une réponse dans la liste."), field="needs")
    if "other" in data.needs and not (data.needs_other or "").strip():
        raise DomainError(_l("Vous avez coché « Autre chose » : dites-nous en quelques mots de quoi il s'agit."),
                          field="needs_other")
    if not data.consent:
        raise DomainError(_l("Pour que l'équipe puisse vous répondre, cochez la case d'accord."), field="consent")


def new_reference(now: datetime) -> str:
    return f"PP-{now.year}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def submit_request(data: RequestData, *, now: datetime, user=None, partner=None) -> ProjectRequest:
    check(data)
    settings = get_settings()
    request = ProjectRequest(
        reference=new_reference(now), tracking_token=secrets.token_urlsafe(32), user_id=getattr(user, "id", None),
        name=data.name.strip()[:120], email=(data.email or "").strip().lower() or None,
        phone=(data.phone or "").strip() or None, phone_digits=phone_digits(data.phone),
        language=data.language, contact_channel=data.contact_channel, title=data.title.strip()[:160],
        description=(data.description or "").strip(), theme=data.theme, stage=data.stage,
        place=(data.place or "").strip()[:120], needs=list(dict.fromkeys(data.needs)),
        needs_other=(data.needs_other or "").strip()[:300] if "other" in data.needs else "",
        heard_from=data.heard_from, consent_at=now, source="api" if partner else "form",
        source_partner_id=getattr(partner, "id", None), status=RequestStatus.NEW, submitted_at=now,
        first_contact_due_at=first_contact_deadline(now, settings.first_contact_days), version=1,
        created_at=now, updated_at=now,
    )
    target = routing.route(request)
    request.team_id = target.team.id if target.team else None
    request.assignee_id = target.assignee.id if target.assignee else None
    db.session.add(request)
    db.session.flush()
    record(request, EventKind.SUBMITTED, now=now, actor=user,
           label=partner.name if partner else request.name,
           data={"source": request.source})
    if target.rule is not None:
        record(request, EventKind.ASSIGNED, now=now, label=str(AUTOMATIC), data={
            "rule_id": target.rule.id, "team": target.team.name if target.team else None,
            "assignee": target.assignee.display_name if target.assignee else None})
    db.session.flush()
    db.session.refresh(request)
    if request.email:
        notifications.acknowledgement(request, now=now)
    if target.assignee is not None:
        notifications.assignment_notice(request, target.assignee, now=now)
    db.session.flush()
    return request
