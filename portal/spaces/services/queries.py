"""Read-side helpers: spaces, their hours, closures and active bookings, in few queries."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import versions
from portal.db import detached_copy
from portal.errors import NotFound
from portal.extensions import db
from portal.versions import VersionedCache
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
    if active_only:
        # Residents' paths (booking, its page and API): a copy kept per data version, attached to
        # this request's session without a query. Staff editing a space always read it afresh.
        loaded: list[Space] = []
        snapshot = _spaces.get(space_id, versions.stamp(*SPACE_TABLES), lambda: _space_snapshot(space_id, loaded))
        if loaded:
            space = loaded[0]
        else:
            space = db.session.merge(snapshot, load=False) if snapshot is not None else None
    else:
        space = _load_space(space_id)
    if space is None or (active_only and not space.active):
        raise NotFound(_l("Cet espace n'existe pas."))
    return space


SPACE_TABLES = ("spaces", "resources", "opening_hours")
_spaces = VersionedCache(maxsize=512)


def _load_space(space_id: int) -> Space | None:
    return db.session.scalar(
        select(Space)
        .options(selectinload(Space.resources), selectinload(Space.opening_hours))
        .where(Space.id == space_id)
    )


def _space_snapshot(space_id: int, loaded: list) -> Space | None:
    space = _load_space(space_id)
    if space is None:
        return None
    loaded.append(space)
    return detached_copy(space, "resources", "opening_hours")


def closures_between(first: date, last: date, space_ids: list[int] | None = None) -> dict[int | None, list[Closure]]:
    """Closures overlapping [first, last], keyed by space id (None: the whole place).

    Read-only copies, kept per data version: closures change rarely and are read by every
    booking and every availability computation.
    """
    rows = _closures.get((first, last), versions.stamp("closures"), lambda: _closure_rows(first, last))
    wanted = None if space_ids is None else set(space_ids)
    result: dict[int | None, list[Closure]] = defaultdict(list)
    for row in rows:
        if wanted is None or row.space_id is None or row.space_id in wanted:
            result[row.space_id].append(Closure(**row._asdict()))
    return result


_closures = VersionedCache(maxsize=512)


def _closure_rows(first: date, last: date) -> list:
    columns = list(Closure.__table__.columns)
    return list(db.session.execute(select(*columns).where(Closure.starts_on <= last, Closure.ends_on >= first)))


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
