"""The daily digest: each staff member is told what is overdue, new, waiting or unassigned."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accompaniment import notifications
from portal.accompaniment.models import ProjectRequest, RequestStatus
from portal.accompaniment.services.admin import staff_members
from portal.accompaniment.services.triage import _open, overdue_condition
from portal.extensions import db


def send_digests(now: datetime) -> int:
    """One e-mail per staff member with something to see; nothing when everything is answered."""
    overdue = list(db.session.scalars(select(ProjectRequest).where(overdue_condition(now))
                                      .order_by(ProjectRequest.first_contact_due_at)))
    new = list(db.session.scalars(select(ProjectRequest).where(
        ProjectRequest.status == RequestStatus.NEW, ProjectRequest.submitted_at >= now - timedelta(days=1))
        .order_by(ProjectRequest.submitted_at)))
    waiting = list(db.session.scalars(select(ProjectRequest).where(
        ProjectRequest.holder_waiting_since.is_not(None), _open()).order_by(ProjectRequest.holder_waiting_since)))
    unassigned = list(db.session.scalars(select(ProjectRequest).where(
        ProjectRequest.assignee_id.is_(None), _open(), ProjectRequest.merged_into_id.is_(None))
        .order_by(ProjectRequest.submitted_at)))
    sent = 0
    for user in staff_members():
        def mine_or_nobodys(requests):
            return [r for r in requests if r.assignee_id in (user.id, None)]

        sections = dict(overdue=mine_or_nobodys(overdue), new=mine_or_nobodys(new),
                        waiting=mine_or_nobodys(waiting), unassigned=unassigned)
        if not any(sections.values()):
            continue
        notifications.digest(user, now=now, **sections)
        sent += 1
    db.session.flush()
    return sent
