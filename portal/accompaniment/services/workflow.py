"""What the team and the holder do with a request: statuses, assignment, notes, messages, merges."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.accompaniment import notifications
from portal.accompaniment.labels import STATUS_LABELS, label
from portal.accompaniment.models import EventKind, ProjectRequest, RequestStatus
from portal.accompaniment.services.admin import get_partner, is_staff_user
from portal.accompaniment.services.timeline import change_request, check_version, record
from portal.accounts.models import User
from portal.errors import DomainError, NotFound, PermissionDenied
from portal.extensions import db

S = RequestStatus
# The only moves allowed; "waiting for the holder" is a pause one comes back from.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.NEW: frozenset({S.QUALIFYING, S.WAITING, S.CLOSED}),
    S.QUALIFYING: frozenset({S.ACCOMPANIED, S.WAITING, S.REFERRED, S.CLOSED}),
    S.ACCOMPANIED: frozenset({S.WAITING, S.LAUNCHED, S.REFERRED, S.CLOSED}),
    S.WAITING: frozenset({S.QUALIFYING, S.ACCOMPANIED, S.CLOSED}),
    S.LAUNCHED: frozenset(),
    S.REFERRED: frozenset(),
    S.CLOSED: frozenset(),
}
# Moving to these means the team has spoken with the holder: the first contact is made.
CONTACT_STATUSES = frozenset({S.QUALIFYING, S.ACCOMPANIED, S.WAITING, S.LAUNCHED, S.REFERRED})
MAX_TEXT = 5000


class InvalidTransition(DomainError):
    pass


def require_staff(actor) -> None:
    if not is_staff_user(actor):
        raise PermissionDenied(_l("Réservé à l'équipe d'accompagnement."))


def get_request(request_id: int) -> ProjectRequest:
    request = db.session.get(ProjectRequest, request_id)
    if request is None:
        raise NotFound(_l("Cette demande n'existe pas."))
    return request


def allowed_statuses(request: ProjectRequest) -> list[RequestStatus]:
    return [s for s in RequestStatus if s in TRANSITIONS[request.status]]


def _text(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Le message est vide."), field=field)
    if len(body) > MAX_TEXT:
        raise DomainError(_l("Le message est trop long (5 000 caractères au plus)."), field=field)
    return body


def _not_anonymised(request: ProjectRequest) -> None:
    if request.is_anonymised:
        raise DomainError(_l("Cette demande a été anonymisée : elle ne peut plus changer."))


def change_status(request: ProjectRequest, to: RequestStatus | str, *, actor, now: datetime,
                  expected_version: int | None = None, reason: str | None = None,
                  partner_id: int | None = None) -> None:
    require_staff(actor)
    check_version(request, expected_version)
    _not_anonymised(request)
    try:
        to = RequestStatus(to)
    except ValueError:
        raise InvalidTransition(_l("Statut inconnu."), field="status") from None
    if to not in TRANSITIONS[request.status]:
        raise InvalidTransition(
            _l("Une demande « %(current)s » ne peut pas passer à « %(target)s ».",
               current=label(STATUS_LABELS, request.status), target=label(STATUS_LABELS, to)), field="status")
    reason = (reason or "").strip() or None
    changes: dict = {"status": to, "status_reason": reason}
    data: dict = {}
    if to == S.CLOSED and not reason:
        raise DomainError(_l("Dites pourquoi la demande est close."), field="reason")
    if to == S.REFERRED:
        if not partner_id:
            raise DomainError(_l("Choisissez le partenaire vers qui la demande est orientée."), field="partner_id")
        partner = get_partner(partner_id)
        changes["partner_id"] = partner.id
        data["partner"] = partner.name
    if to in CONTACT_STATUSES and request.first_contact_at is None:
        changes["first_contact_at"] = now
    if to in (S.LAUNCHED, S.REFERRED, S.CLOSED):
        changes["closed_at"] = now
    change_request(request, EventKind.STATUS_CHANGED, changes, now=now, actor=actor,
                   expected_version=expected_version, body=reason or "", data=data or None)


def assign(request: ProjectRequest, assignee_id: int | None, *, actor, now: datetime,
           expected_version: int | None = None) -> None:
    require_staff(actor)
    check_version(request, expected_version)
    _not_anonymised(request)
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and not is_staff_user(assignee):
        raise DomainError(_l("Cette personne ne fait pas partie de l'équipe d'accompagnement."), field="assignee_id")
    if request.assignee_id == (assignee.id if assignee else None):
        return
    change_request(request, EventKind.ASSIGNED, {"assignee_id": assignee.id if assignee else None}, now=now,
                   actor=actor, expected_version=expected_version,
                   data={"assignee": assignee.display_name if assignee else None})
    if assignee is not None and assignee.id != actor.id:
        db.session.refresh(request)
        notifications.assignment_notice(request, assignee, now=now)


def add_note(request: ProjectRequest, body: str, *, actor, now: datetime) -> None:
    require_staff(actor)
    _not_anonymised(request)
    record(request, EventKind.NOTE, now=now, actor=actor, body=_text(body))
    db.session.flush()


def message_holder(request: ProjectRequest, body: str, *, actor, now: datetime) -> None:
    require_staff(actor)
    _not_anonymised(request)
    body = _text(body)
    changes = {"holder_waiting_since": None}
    if request.first_contact_at is None:
        changes["first_contact_at"] = now
    change_request(request, EventKind.MESSAGE_TO_HOLDER, changes, now=now, actor=actor, body=body)
    if request.email:
        notifications.reply_to_holder(request, body, actor.display_name, now=now)
    db.session.flush()


def holder_message(request: ProjectRequest, body: str, *, now: datetime) -> None:
    _not_anonymised(request)
    body = _text(body)
    changes = {} if request.holder_waiting_since else {"holder_waiting_since": now}
    change_request(request, EventKind.MESSAGE_FROM_HOLDER, changes, now=now, label=request.name, body=body)
    notifications.holder_replied(request, now=now)
    db.session.flush()


def possible_duplicates(request: ProjectRequest) -> list[ProjectRequest]:
    """Other requests with the same e-mail or phone number, not yet merged."""
    if request.is_anonymised:
        return []
    conditions = []
    if request.email:
        conditions.append(ProjectRequest.email == request.email)
    if request.phone_digits:
        conditions.append(ProjectRequest.phone_digits == request.phone_digits)
    if not conditions:
        return []
    return list(db.session.scalars(
        select(ProjectRequest).where(or_(*conditions), ProjectRequest.id != request.id,
                                     ProjectRequest.merged_into_id.is_(None), ProjectRequest.anonymised_at.is_(None))
        .order_by(ProjectRequest.submitted_at)))


def merge(duplicate: ProjectRequest, into: ProjectRequest, *, actor, now: datetime,
          expected_version: int | None = None) -> None:
    """The duplicate is closed and points to the request kept; its holder's link shows the kept one."""
    require_staff(actor)
    check_version(duplicate, expected_version)
    if duplicate.id == into.id or into.merged_into_id is not None:
        raise DomainError(_l("Choisissez une autre demande à garder."), field="into_id")
    if duplicate not in possible_duplicates(into):
        raise DomainError(_l("Ces deux demandes n'ont ni la même adresse e-mail ni le même téléphone."), field="into_id")
    if duplicate.is_final:
        raise DomainError(_l("Cette demande est déjà terminée : il n'y a rien à fusionner."))
    reason = str(_l("Doublon de %(reference)s", reference=into.reference))
    changes = {"status": S.CLOSED, "status_reason": reason, "closed_at": now, "merged_into_id": into.id}
    change_request(duplicate, EventKind.STATUS_CHANGED, changes, now=now, actor=actor,
                   expected_version=expected_version, body=reason)
    record(into, EventKind.MERGED, now=now, actor=actor, data={"from": duplicate.reference})
    db.session.flush()


def resolve_merged(request: ProjectRequest) -> ProjectRequest:
    seen = set()
    while request.merged_into is not None and request.id not in seen:
        seen.add(request.id)
        request = request.merged_into
    return request


def find_by_token(token: str) -> ProjectRequest | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(ProjectRequest).where(ProjectRequest.tracking_token == token))


def request_for_token(token: str) -> ProjectRequest:
    request = find_by_token(token)
    if request is None:
        raise NotFound(_l("Ce lien de suivi n'existe pas. Vérifiez qu'il est complet."))
    return request


def may_see(user, request: ProjectRequest) -> bool:
    """Staff, or the holder themselves (by account or confirmed e-mail)."""
    if user is None or not user.is_authenticated:
        return False
    if is_staff_user(user):
        return True
    return request.user_id == user.id or (bool(request.email) and user.email_confirmed
                                          and request.email == user.email.lower())


def requests_of(user) -> list[ProjectRequest]:
    conditions = [ProjectRequest.user_id == user.id]
    if user.email_confirmed:
        conditions.append(ProjectRequest.email == user.email.lower())
    return list(db.session.scalars(
        select(ProjectRequest).where(or_(*conditions), ProjectRequest.merged_into_id.is_(None))
        .order_by(ProjectRequest.submitted_at.desc())))
