"""Retention, anonymisation, and what a holder may ask about their data."""
from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from portal.accompaniment.labels import label, NEED_LABELS, STATUS_LABELS, THEME_LABELS, STAGE_LABELS
from portal.accompaniment.models import (
    HOLDER_VISIBLE_KINDS, EventKind, ProjectRequest, RequestDraft, RequestEvent, RequestStatus)
from portal.accompaniment.services.admin import get_settings
from portal.accompaniment.services.timeline import change_request, record
from portal.extensions import db

DRAFT_LIFETIME = timedelta(days=30)
ANONYMOUS = "—"


def anonymise(request: ProjectRequest, *, now: datetime, why: str) -> None:
    """Remove everything that names or reaches the holder; keep what the statistics need
    (theme, stage, needs, dates, status)."""
    if request.is_anonymised:
        return
    db.session.execute(
        update(RequestEvent).where(RequestEvent.request_id == request.id)
        .values(body="", data=None, actor_label=""))
    change_request(request, EventKind.ANONYMISED, {
        "name": ANONYMOUS, "email": None, "phone": None, "phone_digits": None, "description": "",
        "title": str(_l("Demande anonymisée")), "place": "", "needs_other": "", "user_id": None,
        "status_reason": request.status_reason and ANONYMOUS, "holder_waiting_since": None,
        "anonymised_at": now}, now=now, label="", body=why)


def anonymise_expired(now: datetime) -> int:
    """Requests finished longer ago than the retention period; also forgets old drafts."""
    cutoff = now - relativedelta(months=get_settings().retention_months)
    expired = list(db.session.scalars(
        select(ProjectRequest).where(ProjectRequest.closed_at < cutoff, ProjectRequest.anonymised_at.is_(None))))
    for request in expired:
        anonymise(request, now=now, why="retention")
    db.session.execute(delete(RequestDraft).where(RequestDraft.updated_at < now - DRAFT_LIFETIME))
    db.session.flush()
    return len(expired)


def holder_data(request: ProjectRequest, *, now: datetime) -> dict:
    """Everything the holder gave and every exchange they can see — never the team's internal notes."""
    record(request, EventKind.DATA_EXPORTED, now=now, label=request.name)
    db.session.flush()
    return {
        "reference": request.reference, "submitted_at": request.submitted_at.isoformat(),
        "status": label(STATUS_LABELS, request.status), "name": request.name, "email": request.email,
        "phone": request.phone, "language": request.language, "contact_channel": request.contact_channel,
        "title": request.title, "description": request.description, "theme": label(THEME_LABELS, request.theme),
        "stage": label(STAGE_LABELS, request.stage), "place": request.place,
        "needs": [label(NEED_LABELS, n) for n in request.needs], "needs_other": request.needs_other,
        "heard_from": request.heard_from, "consent_at": request.consent_at.isoformat(),
        "contact_person": request.assignee.display_name if request.assignee else None,
        "messages": [{"at": e.at.isoformat(), "from": e.actor_label, "text": e.body}
                     for e in request.events if e.kind in (EventKind.MESSAGE_TO_HOLDER, EventKind.MESSAGE_FROM_HOLDER)],
        "retention": str(_l("Les données sont anonymisées %(months)s mois après la fin de la demande.",
                            months=get_settings().retention_months)),
    }


def delete_on_request(request: ProjectRequest, *, now: datetime) -> None:
    """The holder asked for deletion: the request is closed (recorded) and anonymised at once."""
    if request.is_anonymised:
        return
    if not request.is_final:
        reason = str(_l("Données supprimées à la demande du porteur"))
        change_request(request, EventKind.STATUS_CHANGED, {"status": RequestStatus.CLOSED, "status_reason": reason,
                                                           "closed_at": now}, now=now, label=request.name, body=reason)
    anonymise(request, now=now, why="holder_request")
    db.session.flush()


def holder_timeline(request: ProjectRequest) -> list[RequestEvent]:
    return [e for e in request.events if e.kind in HOLDER_VISIBLE_KINDS]
