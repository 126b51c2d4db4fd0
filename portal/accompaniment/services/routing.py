"""Which team or person a new request goes to."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accompaniment.models import OPEN_STATUSES, ProjectRequest, RoutingRule, Team
from portal.accompaniment.services.admin import is_staff_user
from portal.extensions import db


@dataclass(frozen=True)
class Route:
    rule: RoutingRule | None
    team: Team | None
    assignee: object | None  # a User, or None: the shared "to assign" queue


def matches(rule: RoutingRule, request: ProjectRequest) -> bool:
    return ((rule.theme is None or rule.theme == request.theme)
            and (rule.need is None or rule.need in (request.needs or []))
            and (rule.stage is None or rule.stage == request.stage)
            and (rule.language is None or rule.language == request.language))


def open_load(user_ids: list[int]) -> dict[int, int]:
    """Open requests each person holds (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(ProjectRequest.assignee_id, func.count())
        .where(ProjectRequest.assignee_id.in_(user_ids), ProjectRequest.status.in_(list(OPEN_STATUSES)))
        .group_by(ProjectRequest.assignee_id))
    load = dict.fromkeys(user_ids, 0)
    load.update({user_id: count for user_id, count in rows})
    return load


def least_loaded(team: Team):
    """The active member with the fewest open requests; on a tie, the one who joined first."""
    members = [m.user for m in sorted(team.members, key=lambda m: m.id) if is_staff_user(m.user)]
    if not members:
        return None
    load = open_load([m.id for m in members])
    return min(members, key=lambda user: load[user.id])


def route(request: ProjectRequest) -> Route:
    active = db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position, RoutingRule.id))
    for rule in active:
        if not matches(rule, request):
            continue
        if rule.user_id is not None:
            if is_staff_user(rule.user):
                return Route(rule, None, rule.user)
            continue  # a person who left the team: the next rule decides
        return Route(rule, rule.team, least_loaded(rule.team))
    return Route(None, None, None)
