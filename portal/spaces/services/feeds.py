"""Personal calendar feed: a secret URL, revocable and regenerable."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.extensions import db
from portal.spaces.models import Booking, Resource


def regenerate_feed_token(user: User) -> str:
    """A new secret; the previous URL stops working at once."""
    user.calendar_token = secrets.token_urlsafe(24)
    db.session.flush()
    return user.calendar_token


def revoke_feed_token(user: User) -> None:
    user.calendar_token = None
    db.session.flush()


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(User).where(User.calendar_token == token, User.active.is_(True)))


def feed_bookings(user: User, now: datetime) -> list[Booking]:
    """A year back and everything ahead, cancelled ones included so that clients drop them."""
    return list(db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.resource).joinedload(Resource.space))
        .where(Booking.user_id == user.id, Booking.ends_at > now - timedelta(days=365))
        .order_by(Booking.starts_at)
    ))
