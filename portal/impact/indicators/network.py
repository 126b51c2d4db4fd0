"""Mise en relation: the volunteer pool, volunteer calls posted and filled, volunteers taken on,
introductions proposed and accepted, and member organisations active in the period by type."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, or_, select

from portal.directory.models import Introduction, Organisation, OrganisationMembership
from portal.events.models import Event, Registration
from portal.extensions import db
from portal.impact.indicators.common import count_if, in_period, instant, per_period
from portal.impact.periods import Period
from portal.spaces.models import Booking
from portal.volunteers.models import Volunteer, VolunteerAnswer, VolunteerCall

KEYS = ("pool", "new_volunteers", "calls", "calls_filled", "placements", "introductions", "introductions_accepted")


def figures(periods: Sequence[Period]) -> dict[str, list[int]]:
    v, c, a, i = (Volunteer.__table__, VolunteerCall.__table__, VolunteerAnswer.__table__, Introduction.__table__)
    parts = []
    for n, p in enumerate(periods):
        posted = and_(in_period(c.c.created_at, p), c.c.status != "cancelled")
        parts += [
            select(count_if(and_(v.c.active.is_(True), v.c.created_at < instant(p.utc_end))))
            .scalar_subquery().label(f"pool_{n}"),
            select(count_if(in_period(v.c.created_at, p))).scalar_subquery().label(f"new_volunteers_{n}"),
            select(count_if(posted)).scalar_subquery().label(f"calls_{n}"),
            select(count_if(and_(posted, c.c.accepted_count >= c.c.wanted))).scalar_subquery()
            .label(f"calls_filled_{n}"),
            select(count_if(and_(a.c.status == "accepted", in_period(a.c.decided_at, p)))).scalar_subquery()
            .label(f"placements_{n}"),
            select(count_if(in_period(i.c.created_at, p))).scalar_subquery().label(f"introductions_{n}"),
            select(count_if(in_period(i.c.accepted_at, p))).scalar_subquery().label(f"introductions_accepted_{n}"),
        ]
    row = db.session.execute(select(*parts)).one()._mapping
    return {k: per_period(row, k, len(periods)) for k in KEYS}


def active_organisations(periods: Sequence[Period]) -> dict[str, list[int]]:
    """Type → organisations that posted a volunteer call, or whose members booked or came to an event."""
    o, m = Organisation.__table__, OrganisationMembership.__table__
    c, b, r, e = VolunteerCall.__table__, Booking.__table__, Registration.__table__, Event.__table__
    columns = []
    for n, p in enumerate(periods):
        called = exists().where(c.c.organisation_id == o.c.id, in_period(c.c.created_at, p))
        booked = exists().where(m.c.organisation_id == o.c.id, b.c.user_id == m.c.user_id,
                                b.c.status.in_(("confirmed", "released")), in_period(b.c.starts_at, p))
        came = exists().where(m.c.organisation_id == o.c.id, r.c.user_id == m.c.user_id, e.c.id == r.c.event_id,
                              e.c.status == "published", r.c.status.in_(("pending", "registered", "offered")),
                              in_period(e.c.starts_at, p))
        columns.append(count_if(or_(called, booked, came)).label(f"active_{n}"))
    statement = select(o.c.type, *columns).group_by(o.c.type)
    return {getattr(row.type, "value", row.type): per_period(row._mapping, "active", len(periods))
            for row in db.session.execute(statement)}


