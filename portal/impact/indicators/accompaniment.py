"""Accompaniment of project holders: requests by theme, need, stage, channel and neighbourhood; time to
first contact (median, share within the commitment); outcomes and partners; the funnel to launch.

Requests are counted in the period they were submitted (a cohort); merged duplicates are left out.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, cast, exists, func, literal, literal_column, or_, select, union_all

from portal.accompaniment.models import Partner, ProjectRequest, RequestEvent
from portal.extensions import db
from portal.impact.indicators.common import count_if, in_period, instant, per_period, span
from portal.impact.periods import Period
from portal.impact.scope import Scope
from portal.impact.sql import hours_between, json_has_any

NOT_SAID = ""


def _base(periods, scope: Scope):
    r = ProjectRequest.__table__
    first, last = span(periods)
    return r, and_(r.c.merged_into_id.is_(None), r.c.submitted_at >= instant(first), r.c.submitted_at < instant(last),
                   scope.requests(r.c.id, r.c.theme, r.c.needs, r.c.submitted_at))


def by_dimension(periods: Sequence[Period], scope: Scope) -> dict[str, dict[str, list[int]]]:
    """dimension → value → count per period, for theme, stage, channel, place and outcome."""
    r, where = _base(periods, scope)
    partner = select(Partner.name).where(Partner.id == r.c.partner_id).scalar_subquery()
    # Written inline (not bound) so that PostgreSQL sees the same expression in SELECT and GROUP BY.
    outcome = case((r.c.status == literal_column("'referred'"),
                    literal_column("'referred:'") + func.coalesce(partner, literal_column("''"))),
                   else_=cast(r.c.status, r.c.contact_channel.type))
    dimensions = {"theme": r.c.theme, "stage": r.c.stage, "channel": r.c.contact_channel,
                  "place": func.lower(func.trim(r.c.place)), "outcome": outcome}
    parts = []
    for name, column in dimensions.items():
        parts.append(select(literal(name).label("dimension"), column.label("value"),
                            *[count_if(in_period(r.c.submitted_at, p)).label(f"n_{i}") for i, p in enumerate(periods)])
                     .where(where).group_by(column))
    out: dict[str, dict[str, list[int]]] = {name: {} for name in dimensions}
    for row in db.session.execute(union_all(*parts)):
        out[row.dimension][row.value or NOT_SAID] = per_period(row._mapping, "n", len(periods))
    return out


def by_need(periods: Sequence[Period], scope: Scope, needs: Sequence[str]) -> dict[str, list[int]]:
    """A request may state several needs: these counts do not add up to the requests."""
    r, where = _base(periods, scope)
    columns = [count_if(and_(in_period(r.c.submitted_at, p), json_has_any(r.c.needs, [need]))).label(f"{need}_{i}")
               for need in needs for i, p in enumerate(periods)]
    if not columns:
        return {}
    row = db.session.execute(select(*columns).where(where)).one()._mapping
    return {need: per_period(row, need, len(periods)) for need in needs}


def first_contact(periods: Sequence[Period], scope: Scope) -> dict[str, list]:
    """Median hours to the first contact (among contacted requests) and how many were contacted within
    the commitment, of the requests submitted in each period."""
    r, where = _base(periods, scope)
    which = case(*[(in_period(r.c.submitted_at, p), i) for i, p in enumerate(periods)], else_=None)
    delays = (select(which.label("p"), hours_between(r.c.submitted_at, r.c.first_contact_at).label("h"))
              .where(where, r.c.first_contact_at.is_not(None)).subquery())
    ranked = select(delays.c.p, delays.c.h,
                    func.row_number().over(partition_by=delays.c.p, order_by=delays.c.h).label("rn"),
                    func.count().over(partition_by=delays.c.p).label("c")).subquery()
    medians = (select(ranked.c.p.label("p"), func.avg(ranked.c.h).label("median"), func.max(ranked.c.c).label("n"))
               .where(or_(ranked.c.rn == (ranked.c.c + 1) // 2, ranked.c.rn == (ranked.c.c + 2) // 2))
               .group_by(ranked.c.p))
    within = select(*[count_if(and_(in_period(r.c.submitted_at, p), r.c.first_contact_at <= r.c.first_contact_due_at))
                      .label(f"within_{i}") for i, p in enumerate(periods)],
                    *[count_if(and_(in_period(r.c.submitted_at, p), r.c.first_contact_at.is_not(None)))
                      .label(f"contacted_{i}") for i, p in enumerate(periods)]).where(where)
    median = [None] * len(periods)
    for row in db.session.execute(medians):
        if row.p is not None:
            median[int(row.p)] = float(row.median)
    counts = db.session.execute(within).one()._mapping
    return {"median_hours": median, "within": per_period(counts, "within", len(periods)),
            "contacted": per_period(counts, "contacted", len(periods))}


def funnel(periods: Sequence[Period], scope: Scope) -> dict[str, list[int]]:
    """Of the requests submitted in each period: contacted, accompanied at some point, launched."""
    r, where = _base(periods, scope)
    e = RequestEvent.__table__
    accompanied = or_(r.c.status.in_(("accompanied", "launched")),
                      exists().where(e.c.request_id == r.c.id, e.c.to_status == "accompanied"))
    columns = []
    for i, p in enumerate(periods):
        cohort = in_period(r.c.submitted_at, p)
        columns += [count_if(cohort).label(f"received_{i}"),
                    count_if(and_(cohort, r.c.first_contact_at.is_not(None))).label(f"contacted_{i}"),
                    count_if(and_(cohort, accompanied)).label(f"accompanied_{i}"),
                    count_if(and_(cohort, r.c.status == "launched")).label(f"launched_{i}")]
    row = db.session.execute(select(*columns).where(where)).one()._mapping
    return {k: per_period(row, k, len(periods)) for k in ("received", "contacted", "accompanied", "launched")}


def changes_in_period(periods: Sequence[Period], scope: Scope) -> dict[str, list[int]]:
    """Requests that became accompanied, or launched, during each period (whenever submitted)."""
    r = ProjectRequest.__table__
    e = RequestEvent.__table__
    first, last = span(periods)
    in_scope = scope.requests(r.c.id, r.c.theme, r.c.needs, r.c.submitted_at)
    columns = []
    for i, p in enumerate(periods):
        when = in_period(e.c.at, p)
        columns += [func.count(func.distinct(case((and_(when, e.c.to_status == "accompanied"), e.c.request_id))))
                    .label(f"accompanied_{i}"),
                    func.count(func.distinct(case((and_(when, e.c.to_status == "launched"), e.c.request_id))))
                    .label(f"launched_{i}")]
    statement = (select(*columns).select_from(e).join(r, r.c.id == e.c.request_id)
                 .where(e.c.kind == "status_changed", e.c.at >= instant(first), e.c.at < instant(last), in_scope,
                        r.c.merged_into_id.is_(None)))
    row = db.session.execute(statement).one()._mapping
    return {k: per_period(row, k, len(periods)) for k in ("accompanied", "launched")}
