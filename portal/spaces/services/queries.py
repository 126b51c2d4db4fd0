"""Read-side helpers: spaces, their hours, closures and active bookings, in few queries."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.spaces.models import (
    ACTIVE_STATUSES,
    MAX_BOOKING_LENGTH,
    Booking,
    Closure,
    Resource,
    Space,
)


def list_spaces(*, active_only: bool = True) -> list[Space]:
    query = (
        select(Space)
        .options(selectinload(Space.resources), selectinload(Space.opening_hours))
        .order_by(Space.kind, Space.name)
    )
    if active_only:
        query = query.where(Space.active.is_(True))
    return list(db.session.scalars(query))


def get_space(space_id: int, *, active_only: bool = True) -> Space:
    space = db.session.scalar(
        select(Space)
        .options(selectinload(Space.resources), selectinload(Space.opening_hours))
        .where(Space.id == space_id)
    )
    if space is None or (active_only and not space.active):
        raise NotFound(_l("Cet espace n'existe pas."))
    return space


def closures_between(first: date, last: date, space_ids: list[int] | None = None) -> dict[int | None, list[Closure]]:
    """Closures overlapping [first, last], keyed by space id (None: the whole place)."""
    query = select(Closure).where(Closure.starts_on <= last, Closure.ends_on >= first)
    if space_ids is not None:
        query = query.where(or_(Closure.space_id.is_(None), Closure.space_id.in_(space_ids)))
    result: dict[int | None, list[Closure]] = defaultdict(list)
    for closure in db.session.scalars(query):
        result[closure.space_id].append(closure)
    return result


def closure_for(space_id: int, day: date, closures: dict[int | None, list[Closure]]) -> Closure | None:
    for closure in [*closures.get(None, []), *closures.get(space_id, [])]:
        if closure.starts_on <= day <= closure.ends_on:
            return closure
    return None


def active_bookings_between(resource_ids: list[int], start: datetime, end: datetime) -> list[Booking]:
    """Active bookings overlapping [start, end).

    The lower bound on ``starts_at`` (no booking lasts longer than
    MAX_BOOKING_LENGTH) keeps the (resource_id, starts_at) index scan to a few
    rows however long the history grows.
    """
    if not resource_ids:
        return []
    return list(
        db.session.scalars(
            select(Booking).where(
                Booking.resource_id.in_(resource_ids),
                Booking.status.in_(ACTIVE_STATUSES),
                *overlapping(start, end),
            )
        )
    )


def overlapping(start: datetime, end: datetime) -> tuple:
    """WHERE clauses for bookings overlapping [start, end), index-friendly."""
    return (Booking.starts_at < end, Booking.starts_at > start - MAX_BOOKING_LENGTH, Booking.ends_at > start)


def active_resources(space: Space) -> list[Resource]:
    return [resource for resource in space.resources if resource.active]


def resource_by_qr(token: str) -> Resource | None:
    if not token or len(token) > 40:
        return None
    return db.session.scalar(
        select(Resource).options(selectinload(Resource.space).selectinload(Space.opening_hours))
        .where(Resource.qr_token == token, Resource.active.is_(True))
    )
