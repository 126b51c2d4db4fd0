"""Events: how many by theme, registrations, attendance (checked in), unmet demand (waiting
lists), unique and first-time participants, organisers and co-organising organisations."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, and_, cast, func, literal, select, union_all

from portal.events.models import Event, Registration
from portal.extensions import db
from portal.impact.indicators.common import count_if, distinct_if, in_period, instant, per_period, span
from portal.impact.periods import Period
from portal.impact.scope import Scope

HELD = "published"
SEAT = ("pending", "registered", "offered")
UNMET = ("waitlisted", "expired")  # asked for a seat and never had one
TOTAL = "__total__"


def _person(r):
    """One key per person: the account's id, or the guest's e-mail (holds an @, so never an id)."""
    return func.coalesce(cast(r.c.user_id, String), func.lower(r.c.guest_email))


def _themed(statement_for, themes_column):
    """The same aggregate grouped by theme and for all themes together, in one statement
    (distinct counts do not add up across themes)."""
    by_theme = statement_for(themes_column.label("theme")).group_by(themes_column)
    overall = statement_for(literal(TOTAL).label("theme"))
    return union_all(by_theme, overall)


def events_by_theme(periods: Sequence[Period], scope: Scope) -> dict[str, dict]:
    e = Event.__table__
    first, last = span(periods)

    def statement(theme):
        columns = []
        for i, p in enumerate(periods):
            starts = in_period(e.c.starts_at, p)
            columns += [
                count_if(and_(starts, e.c.status == HELD)).label(f"events_{i}"),
                count_if(and_(starts, e.c.status == "cancelled")).label(f"cancelled_{i}"),
                distinct_if(and_(starts, e.c.status == HELD), e.c.organiser_id).label(f"organisers_{i}"),
                distinct_if(and_(starts, e.c.status == HELD, e.c.organisation_name != ""),
                            func.lower(e.c.organisation_name)).label(f"organisations_{i}"),
            ]
        return (select(theme, *columns).where(e.c.starts_at >= instant(first), e.c.starts_at < instant(last),
                                              scope.events(e)))

    keys = ("events", "cancelled", "organisers", "organisations")
    return {row.theme: {k: per_period(row._mapping, k, len(periods)) for k in keys}
            for row in db.session.execute(_themed(statement, cast(e.c.theme, String)))}


def registrations_by_theme(periods: Sequence[Period], scope: Scope) -> dict[str, dict]:
    e, r = Event.__table__, Registration.__table__
    first, last = span(periods)
    person = _person(r)

    def statement(theme):
        columns = []
        for i, p in enumerate(periods):
            starts = in_period(e.c.starts_at, p)
            seat = and_(starts, r.c.status.in_(SEAT))
            columns += [
                count_if(seat).label(f"registrations_{i}"),
                count_if(and_(starts, r.c.checked_in_at.is_not(None))).label(f"attended_{i}"),
                count_if(and_(starts, r.c.status.in_(UNMET))).label(f"waitlisted_{i}"),
                distinct_if(seat, person).label(f"participants_{i}"),
            ]
        return (select(theme, *columns).select_from(r).join(e, e.c.id == r.c.event_id)
                .where(e.c.status == HELD, e.c.starts_at >= instant(first), e.c.starts_at < instant(last),
                       scope.events(e)))

    keys = ("registrations", "attended", "waitlisted", "participants")
    return {row.theme: {k: per_period(row._mapping, k, len(periods)) for k in keys}
            for row in db.session.execute(_themed(statement, cast(e.c.theme, String)))}


def first_time_participants(periods: Sequence[Period], scope: Scope) -> list[int]:
    """People whose first seat at a held event (in scope) is in the period."""
    e, r = Event.__table__, Registration.__table__
    _first, last = span(periods)
    firsts = (select(_person(r).label("person"), func.min(e.c.starts_at).label("first_at"))
              .select_from(r).join(e, e.c.id == r.c.event_id)
              .where(e.c.status == HELD, r.c.status.in_(SEAT), e.c.starts_at < instant(last), scope.events(e))
              .group_by(_person(r)).subquery())
    statement = select(*[count_if(in_period(firsts.c.first_at, p)).label(f"first_{i}")
                         for i, p in enumerate(periods)]).select_from(firsts)
    return per_period(db.session.execute(statement).one()._mapping, "first", len(periods))


