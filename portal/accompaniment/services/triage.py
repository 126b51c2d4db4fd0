"""The staff's queues, filters, search, bulk actions and CSV export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accompaniment.labels import (
    CHANNEL_LABELS, HEARD_LABELS, LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, STATUS_LABELS, THEME_LABELS, label)
from portal.accompaniment.models import OPEN_STATUSES, AccessLog, ProjectRequest, RequestStatus
from portal.accompaniment.services import workflow
from portal.accompaniment.services.timeline import StaleRequest
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import paris_day_bounds, to_paris

QUEUES = ("new", "mine", "to_assign", "overdue", "all")


@dataclass
class Filters:
    queue: str = "new"
    status: str | None = None
    theme: str | None = None
    need: str | None = None
    assignee_id: int | None = None
    since: date | None = None
    until: date | None = None
    q: str | None = None


def _open():
    return ProjectRequest.status.in_([s.value for s in OPEN_STATUSES])


def queue_condition(queue: str, actor, now: datetime):
    if queue == "new":
        return ProjectRequest.status == RequestStatus.NEW
    if queue == "mine":
        return (ProjectRequest.assignee_id == actor.id) & _open()
    if queue == "to_assign":
        return ProjectRequest.assignee_id.is_(None) & _open()
    if queue == "overdue":
        return overdue_condition(now)
    return None


def overdue_condition(now: datetime):
    return ProjectRequest.first_contact_at.is_(None) & _open() & (ProjectRequest.first_contact_due_at < now)


def _query(filters: Filters, actor, now: datetime):
    query = select(ProjectRequest)
    condition = queue_condition(filters.queue, actor, now)
    if condition is not None:
        query = query.where(condition)
    if filters.status:
        query = query.where(ProjectRequest.status == filters.status)
    if filters.theme:
        query = query.where(ProjectRequest.theme == filters.theme)
    if filters.need:
        # The JSON list is stored as text on both databases: look for the quoted value.
        query = query.where(cast(ProjectRequest.needs, String).like(f'%"{filters.need}"%'))
    if filters.assignee_id:
        query = query.where(ProjectRequest.assignee_id == filters.assignee_id)
    if filters.since:
        query = query.where(ProjectRequest.submitted_at >= paris_day_bounds(filters.since)[0])
    if filters.until:
        query = query.where(ProjectRequest.submitted_at < paris_day_bounds(filters.until)[1])
    if filters.q:
        term = f"%{filters.q.strip().lower()[:100]}%"
        query = query.where(or_(*(func.lower(column).like(term) for column in (
            ProjectRequest.reference, ProjectRequest.name, ProjectRequest.email, ProjectRequest.phone,
            ProjectRequest.title, ProjectRequest.place))))
    return query


def search(filters: Filters, actor, now: datetime, *, limit: int = 50, offset: int = 0) -> list[ProjectRequest]:
    workflow.require_staff(actor)
    query = (_query(filters, actor, now).options(selectinload(ProjectRequest.assignee))
             .order_by(ProjectRequest.first_contact_due_at if filters.queue == "overdue"
                       else ProjectRequest.submitted_at.desc(), ProjectRequest.id.desc())
             .limit(limit).offset(offset))
    return list(db.session.scalars(query))


def with_duplicates(rows: list[ProjectRequest]) -> set[int]:
    """Ids of the rows whose e-mail or phone another open request shares (two queries)."""
    found: set[int] = set()
    for column, attribute in ((ProjectRequest.email, "email"), (ProjectRequest.phone_digits, "phone_digits")):
        values = {getattr(r, attribute) for r in rows if getattr(r, attribute)}
        if not values:
            continue
        shared = set(db.session.scalars(
            select(column).where(column.in_(values), ProjectRequest.merged_into_id.is_(None),
                                 ProjectRequest.anonymised_at.is_(None))
            .group_by(column).having(func.count() > 1)))
        found |= {r.id for r in rows if getattr(r, attribute) in shared}
    return found


def queue_counts(actor, now: datetime) -> dict[str, int]:
    counts = {}
    for queue in QUEUES:
        condition = queue_condition(queue, actor, now)
        query = select(func.count()).select_from(ProjectRequest)
        if condition is not None:
            query = query.where(condition)
        counts[queue] = db.session.scalar(query)
    return counts


def log_access(request_ids: list[int], user_id: int, action: str, now: datetime) -> None:
    """Takes ids, not objects: callers end their read first, so on SQLite this INSERT opens its own
    write transaction instead of upgrading a read one (which fails at once if another writer came between)."""
    for request_id in request_ids:
        db.session.add(AccessLog(request_id=request_id, user_id=user_id, at=now, action=action))
    db.session.flush()


def access_log(request: ProjectRequest, limit: int = 20) -> list[AccessLog]:
    return list(db.session.scalars(select(AccessLog).options(selectinload(AccessLog.user))
                                   .where(AccessLog.request_id == request.id)
                                   .order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)))


@dataclass
class BulkResult:
    done: list[str]
    failed: list[tuple[str, str]]  # reference, why


def bulk(request_ids: list[int], *, actor, now: datetime, assignee_id: int | None = None,
         status: str | None = None, reason: str | None = None) -> BulkResult:
    """Each request on its own savepoint: one refusal does not undo the others."""
    workflow.require_staff(actor)
    if not request_ids:
        raise DomainError(_l("Cochez au moins une demande."), field="request_ids")
    result = BulkResult([], [])
    for request_id in request_ids[:200]:
        request = db.session.get(ProjectRequest, request_id)
        if request is None:
            continue
        try:
            with db.session.begin_nested():
                if assignee_id:
                    workflow.assign(request, assignee_id, actor=actor, now=now)
                if status:
                    workflow.change_status(request, status, actor=actor, now=now, reason=reason)
        except (DomainError, StaleRequest) as err:
            result.failed.append((request.reference, str(err.message)))
        else:
            result.done.append(request.reference)
    return result


CSV_COLUMNS = ("reference", "submitted_at", "status", "assignee", "name", "email", "phone", "language",
               "contact_channel", "title", "theme", "stage", "place", "needs", "heard_from", "first_contact_due",
               "first_contact_at", "overdue")


def export_csv(filters: Filters, actor, now: datetime) -> tuple[str, list[int]]:
    """The filtered list, as the holder gave it plus the team's status, and the ids exported (to log).
    Never notes nor messages."""
    requests = search(filters, actor, now, limit=5000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in requests:
        writer.writerow([_cell(value) for value in ([
            r.reference, to_paris(r.submitted_at).strftime("%Y-%m-%d %H:%M"), label(STATUS_LABELS, r.status),
            r.assignee.display_name if r.assignee else "", r.name, r.email or "", r.phone or "",
            label(LANGUAGE_LABELS, r.language), label(CHANNEL_LABELS, r.contact_channel), r.title,
            label(THEME_LABELS, r.theme), label(STAGE_LABELS, r.stage), r.place,
            "; ".join(label(NEED_LABELS, n) for n in r.needs), label(HEARD_LABELS, r.heard_from),
            to_paris(r.first_contact_due_at - timedelta(seconds=1)).strftime("%Y-%m-%d"),
            to_paris(r.first_contact_at).strftime("%Y-%m-%d %H:%M") if r.first_contact_at else "",
            "1" if r.is_overdue(now) else "0",
        ])])
    return out.getvalue(), [r.id for r in requests]


def _cell(value) -> str:
    """Text typed by holders must not run as a formula in a spreadsheet."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
