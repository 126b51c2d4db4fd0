"""The staff access log across all requests, for RGPD review: who opened which request, and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.accompaniment.models import AccessLog, ProjectRequest
from portal.accounts.models import User
from portal.extensions import db
from portal.timeutil import paris_day_bounds


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    action: str
    user_name: str | None
    request_id: int
    reference: str


def entries(*, user_id: int | None = None, since: date | None = None, until: date | None = None,
            limit: int = 50, offset: int = 0) -> list[AccessRow]:
    """Newest first; one query whatever the page (the people and requests come in the same rows)."""
    query = (select(AccessLog.at, AccessLog.action, User.display_name, AccessLog.request_id, ProjectRequest.reference)
             .join(ProjectRequest, ProjectRequest.id == AccessLog.request_id)
             .outerjoin(User, User.id == AccessLog.user_id))
    if user_id:
        query = query.where(AccessLog.user_id == user_id)
    if since:
        query = query.where(AccessLog.at >= paris_day_bounds(since)[0])
    if until:
        query = query.where(AccessLog.at < paris_day_bounds(until)[1])
    query = query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit).offset(offset)
    return [AccessRow(*row) for row in db.session.execute(query)]


def people() -> list[tuple[int, str]]:
    """Everyone who appears in the log (including former staff), for the person filter."""
    query = (select(User.id, User.display_name).where(User.id.in_(select(AccessLog.user_id).distinct()))
             .order_by(User.display_name))
    return [tuple(row) for row in db.session.execute(query)]
