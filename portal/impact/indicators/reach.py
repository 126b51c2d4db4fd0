"""People reached: residents (who booked), participants (who held a seat at an event) and project
holders — how many, how many new, and the neighbourhoods and languages they declared. Counted,
never listed.

One statement: bookings and registrations are first reduced to one row per person (first time ever
in scope, and in which periods they came), then joined to what each person declared. Every booking
is read once, instead of once per figure.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, func, literal, literal_column, select, union_all

from portal.accompaniment.models import ProjectRequest
from portal.directory.models import Profile, ProfileLanguage
from portal.events.models import Event, Registration
from portal.extensions import db
from portal.impact.indicators.common import count_if, in_period, instant, per_period, period_index, span
from portal.impact.periods import Period
from portal.impact.scope import Scope
from portal.spaces.models import Booking, Resource
from portal.volunteers.models import Volunteer

GROUPS = ("residents", "participants", "holders")
BLANK = literal_column("''")


def _people(periods, scope: Scope):
    """group → CTE of one row per person: first_at (ever, in scope) and came_i (1 when seen in period i)."""
    b, res = Booking.__table__, Resource.__table__
    r, e = Registration.__table__, Event.__table__
    _first, last = span(periods)

    def came(column):
        return [func.max(case((in_period(column, p), 1), else_=0)).label(f"came_{i}") for i, p in enumerate(periods)]

    # The resource (for its space) matters only to a funding line's scope: the whole report reads bookings alone.
    booked = b if scope.is_everything else b.join(res, res.c.id == b.c.resource_id)
    residents = (select(b.c.user_id.label("person"), func.min(b.c.starts_at).label("first_at"), *came(b.c.starts_at))
                 .select_from(booked)
                 .where(b.c.user_id.is_not(None), b.c.status.in_(("confirmed", "released")),
                        b.c.starts_at < instant(last), scope.bookings(b, res.c.space_id))
                 .group_by(b.c.user_id).cte("resident_people"))
    participants = (select(r.c.user_id.label("person"), func.min(e.c.starts_at).label("first_at"),
                           *came(e.c.starts_at))
                    .select_from(r.join(e, e.c.id == r.c.event_id))
                    .where(r.c.user_id.is_not(None), e.c.status == "published",
                           r.c.status.in_(("pending", "registered", "offered")),
                           e.c.starts_at < instant(last), scope.events(e))
                    .group_by(r.c.user_id).cte("participant_people"))
    return {"residents": residents, "participants": participants}


def people(periods: Sequence[Period], scope: Scope) -> dict:
    """{'totals': group → {'unique': [...], 'new': [...]},
        'areas': group → neighbourhood ('' when not given) → [...],
        'languages': group → code → [...]}, per period."""
    n = len(periods)
    profile, volunteer, spoken = Profile.__table__, Volunteer.__table__, ProfileLanguage.__table__
    zeros = [literal(0).label(f"new_{i}") for i in range(n)]
    parts = []
    for group, cte in _people(periods, scope).items():
        came = [count_if(cte.c[f"came_{i}"] == 1).label(f"n_{i}") for i in range(n)]
        parts.append(select(literal(group).label("grp"), literal("total").label("kind"), BLANK.label("item"), *came,
                            *[count_if(in_period(cte.c.first_at, p)).label(f"new_{i}") for i, p in enumerate(periods)])
                     .select_from(cte))
        area = func.coalesce(func.nullif(func.lower(func.trim(profile.c.neighbourhood)), BLANK),
                             func.nullif(func.lower(func.trim(volunteer.c.neighbourhood)), BLANK), BLANK)
        parts.append(select(literal(group).label("grp"), literal("area").label("kind"), area.label("item"), *came,
                            *zeros)
                     .select_from(cte.outerjoin(profile, profile.c.user_id == cte.c.person)
                                  .outerjoin(volunteer, volunteer.c.user_id == cte.c.person))
                     .group_by(literal_column("item")))
        parts.append(select(literal(group).label("grp"), literal("language").label("kind"),
                            spoken.c.code.label("item"), *came, *zeros)
                     .select_from(cte.join(profile, profile.c.user_id == cte.c.person)
                                  .join(spoken, spoken.c.profile_id == profile.c.id))
                     .group_by(spoken.c.code))
    q = ProjectRequest.__table__
    first, last = span(periods)
    where = and_(q.c.merged_into_id.is_(None), q.c.submitted_at >= instant(first), q.c.submitted_at < instant(last),
                 scope.requests(q.c.id, q.c.theme, q.c.needs, q.c.submitted_at))
    which = period_index(q.c.submitted_at, periods)
    submitted = [count_if(which == i).label(f"n_{i}") for i in range(n)]
    area = func.coalesce(func.nullif(func.lower(func.trim(q.c.place)), BLANK), BLANK)
    parts.append(select(literal("holders").label("grp"), literal("area").label("kind"), area.label("item"),
                        *submitted, *zeros).where(where).group_by(literal_column("item")))
    parts.append(select(literal("holders").label("grp"), literal("language").label("kind"),
                        q.c.language.label("item"), *submitted, *zeros).where(where).group_by(q.c.language))
    out = {"totals": {}, "areas": {g: {} for g in GROUPS}, "languages": {g: {} for g in GROUPS}}
    for row in db.session.execute(union_all(*parts)):
        counts = per_period(row._mapping, "n", n)
        if row.kind == "total":
            out["totals"][row.grp] = {"unique": counts, "new": per_period(row._mapping, "new", n)}
        elif row.kind == "area":
            out["areas"][row.grp][row.item or ""] = counts
        else:
            out["languages"][row.grp][row.item] = counts
    for group in ("residents", "participants"):
        out["totals"].setdefault(group, {"unique": [0] * n, "new": [0] * n})
    return out
