"""The third place: occupancy (booked hours ÷ open hours, closures excluded), use against booking
(check-ins, no-shows), walk-ins. The people who booked are counted in indicators/reach.py."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from portal.extensions import db
from portal.impact.indicators.common import (
    count_if,
    instant,
    per_period,
    sum_if,
)
from portal.impact.periods import Period
from portal.impact.scope import Scope
from portal.impact.sql import hours_between, least, next_day, weekday_of
from portal.payments.models import PaymentProfile
from portal.spaces.models import MAX_BOOKING_LENGTH, Booking, Closure, OpeningHours, Resource, Space

BOOKED = "confirmed"  # held and not released: the time was the booker's
NO_SHOW = "released"  # freed by the no-show command
FULL_DAY_HOURS = 5  # a desk booking longer than this is a whole desk-day, a shorter one half a day


def _days(periods: Sequence[Period]):
    """The calendar as a recursive CTE of (day, weekday, period index): a year is 366 short rows made
    by the database, and the statement stays the same size (and cached) whatever the period."""
    first = min(p.start for p in periods)
    last = max(p.end for p in periods)
    if first >= last:
        return None
    anchor = select(literal(first, Date).label("day"))
    days = anchor.cte("calendar", recursive=True)
    days = days.union_all(select(next_day(days.c.day)).where(next_day(days.c.day) < literal(last, Date)))
    which = case(*[(and_(days.c.day >= literal(p.start, Date), days.c.day < literal(p.end, Date)), i)
                   for i, p in enumerate(periods)], else_=None)
    return select(days.c.day, weekday_of(days.c.day).label("weekday"), which.label("period")).cte("calendar_days")


def open_hours(periods: Sequence[Period], scope: Scope) -> dict[int, list[float]]:
    """Space id → open hours of its active bookable units per period, closed days left out."""
    days = _days(periods)
    if days is None:
        return {}
    units = (select(Resource.space_id, func.count().label("units"))
             .where(Resource.active.is_(True)).group_by(Resource.space_id).subquery())
    closed = exists().where(or_(Closure.space_id == Space.id, Closure.space_id.is_(None)),
                            days.c.day >= Closure.starts_on, days.c.day <= Closure.ends_on)
    hours = hours_between(OpeningHours.opens_at, OpeningHours.closes_at) * units.c.units
    statement = (
        select(Space.id, *[sum_if(days.c.period == i, hours).label(f"open_{i}") for i in range(len(periods))])
        .select_from(days)
        .join(OpeningHours, OpeningHours.weekday == days.c.weekday)
        .join(Space, Space.id == OpeningHours.space_id)
        .join(units, units.c.space_id == Space.id)
        .where(Space.active.is_(True), ~closed, scope.spaces(Space.id))
        .group_by(Space.id)
    )
    return {row.id: [float(v) for v in per_period(row._mapping, "open", len(periods))]
            for row in db.session.execute(statement)}


def _periods_relation(periods: Sequence[Period]):
    """(p, since, until) for each period, as a CTE of literal rows."""
    rows = [select(literal(i).label("p"), instant(period.utc_start).label("since"),
                   instant(period.utc_end).label("until")) for i, period in enumerate(periods)]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).cte("report_periods")


def bookings_by_space(periods: Sequence[Period], scope: Scope, now) -> dict[int, dict]:
    """Space id → booked hours (clipped to each period) and counts of bookings by outcome.

    Bookings are grouped by space, period of their start and status (each row read once); a
    booking that runs into the next period adds its hours there through a small second part that
    reads only the bookings started just before each period (index on starts_at)."""
    b = Booking.__table__
    n = len(periods)
    # The periods as a tiny relation joined on starts_at: the group keys are then plain columns whose
    # statistics the planner knows (a few dozen groups → one hash aggregate in memory), where a CASE
    # expression over starts_at made it expect one group per row and sort every booking on disk.
    bounds = _periods_relation(periods)
    zero = literal(0)
    profile = PaymentProfile.__table__
    walk_in = b.c.user_id.is_(None)
    main = (
        select(Resource.space_id.label("space"), bounds.c.p, cast(b.c.status, String).label("state"),
               cast(profile.c.category, String).label("category"), walk_in.label("walk_in"),
               func.count().label("n"),
               func.coalesce(func.sum(hours_between(b.c.starts_at, least(b.c.ends_at, bounds.c.until))), 0).label("hours"),
               count_if(b.c.checked_in_at.is_not(None)).label("checkins"),
               count_if(and_(b.c.checked_in_at.is_(None), b.c.ends_at <= instant(now))).label("unchecked"),
               count_if(and_(b.c.checked_in_at.is_(None), b.c.ends_at > instant(now))).label("future"),
               func.coalesce(func.sum(case((hours_between(b.c.starts_at, b.c.ends_at) > FULL_DAY_HOURS, 1.0),
                                           else_=0.5)), 0).label("desk_days"))
        .select_from(b.join(bounds, and_(b.c.starts_at >= bounds.c.since, b.c.starts_at < bounds.c.until))
                     .join(Resource, Resource.id == b.c.resource_id)
                     .outerjoin(profile, profile.c.user_id == b.c.user_id))
        .where(scope.bookings(b, Resource.space_id))
        .group_by(Resource.space_id, bounds.c.p, b.c.status, profile.c.category, walk_in))
    parts = [main]
    for i, period in enumerate(periods):
        start, end = instant(period.utc_start), instant(period.utc_end)
        parts.append(
            select(Resource.space_id.label("space"), literal(i).label("p"), literal_column("'spill'").label("state"),
                   literal_column("''"), literal(False), zero,
                   func.coalesce(func.sum(hours_between(start, least(b.c.ends_at, end))), 0), zero, zero, zero, zero)
            .select_from(b.join(Resource, Resource.id == b.c.resource_id))
            .where(b.c.status == BOOKED, b.c.starts_at >= instant(period.utc_start - MAX_BOOKING_LENGTH),
                   b.c.starts_at < start, b.c.ends_at > start, scope.bookings(b, Resource.space_id))
            .group_by(Resource.space_id))
    keys = ("hours", "bookings", "cancelled", "checkins", "noshows", "unchecked", "future", "walkins", "desk_days")
    out: dict[int, dict] = {}
    # The rows are groups (space × period × status), a few dozen whatever the volume.
    for row in db.session.execute(union_all(*parts)):
        if row.p is None:
            continue
        figures = out.setdefault(row.space, {**{key: [0] * n for key in keys}, "categories": {}})
        i = int(row.p)
        state = getattr(row.state, "value", row.state)
        if state == BOOKED:
            booker = getattr(row.category, "value", row.category) or ("walk_in" if row.walk_in else "individual")
            figures["categories"].setdefault(booker, [0] * n)[i] += row.n
            if row.walk_in:
                figures["walkins"][i] += row.n
            figures["hours"][i] += float(row.hours)
            figures["bookings"][i] += row.n
            for key in ("checkins", "unchecked", "future"):
                figures[key][i] += getattr(row, key)
            figures["desk_days"][i] += float(row.desk_days)
        elif state == "spill":
            figures["hours"][i] += float(row.hours)
        elif state == "cancelled":
            figures["cancelled"][i] += row.n
        elif state == NO_SHOW:
            figures["noshows"][i] += row.n
    return out


def spaces_of(ids) -> list[Space]:
    if not ids:
        return []
    return list(db.session.scalars(select(Space).where(Space.id.in_(ids)).order_by(Space.kind, Space.name)))
