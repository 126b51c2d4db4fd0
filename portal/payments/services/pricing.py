"""One pricing rule for bookings (and anything else with a price): free, covered by credits, or to pay.

The amount is always computed here from the booker's category and the price
list; nothing sent by a form or the API is trusted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.payments.models import BookerCategory, CreditBalance, CreditKind, ProductKind
from portal.payments.services import catalogue
from portal.timeutil import to_paris

FREE = "free"
CREDITS = "credits"
PAY = "pay"


@dataclass(frozen=True)
class Quote:
    outcome: str
    amount_cents: int = 0
    category: BookerCategory | None = None
    product_id: int | None = None
    label: str = ""
    vat_rate_bp: int = 0
    credit_kind: CreditKind | None = None
    credits_needed: int = 0
    credit_balance_id: int | None = None
    paid_by_organisation: str | None = None  # name of the organisation whose credits are used
    online: bool = False  # to pay through Stripe now; otherwise at the reception

    @property
    def is_free(self) -> bool:
        return self.outcome == FREE

    @property
    def needs_payment(self) -> bool:
        return self.outcome == PAY


def credits_needed(kind: CreditKind, minutes: int) -> int:
    return 1 if kind == CreditKind.DESK_DAY else max(1, math.ceil(minutes / 60))


def quote_booking(user: User | None, space, starts_at: datetime, ends_at: datetime, *, lock: bool = False) -> Quote:
    """``lock``: when booking for real, the credit balance is locked before the booking row is written
    (always in that order, so concurrent bookings queue on the balance instead of deadlocking)."""
    product = catalogue.product_for_space(space.id)
    if product is None:
        return Quote(FREE)
    category = catalogue.category_of(user)
    unit = catalogue.price_for(product, category)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if product.kind == ProductKind.ROOM_HIRE:
        amount = round((unit or 0) * minutes / 60)
        half_day = catalogue.half_day_price_for(product, category)
        if half_day is not None and is_half_day(space, starts_at, ends_at):
            amount = min(amount, half_day)
    else:
        amount = unit or 0
    if amount <= 0:
        return Quote(FREE, category=category, product_id=product.id)
    kind = CreditKind.DESK_DAY if space.is_desk_area else CreditKind.ROOM_HOUR
    needed = credits_needed(kind, minutes)
    label = f"{product.name} — {space.name}"
    if user is not None:
        source = _credit_source(user, kind, needed, lock=lock)
        if source is not None:
            balance_id, organisation = source
            return Quote(CREDITS, 0, category, product.id, label, product.vat_rate_bp, kind, needed, balance_id,
                         organisation)
    return Quote(PAY, amount, category, product.id, label, product.vat_rate_bp, kind, needed,
                 online=bool(current_app.config.get("STRIPE_SECRET_KEY")))


HALF_DAY = timedelta(hours=4)


def is_half_day(space, starts_at: datetime, ends_at: datetime) -> bool:
    """Up to 4 h, on one Paris day, wholly in the morning or wholly in the afternoon of the space's split."""
    if ends_at - starts_at > HALF_DAY:
        return False
    start, end = to_paris(starts_at), to_paris(ends_at)
    if start.date() != end.date() and end.time() != time(0, 0):
        return False
    split = space.half_day_split or time(13, 0)
    return (end.date() == start.date() and end.time() <= split) or start.time() >= split


def _balance_query(lock: bool):
    query = select(CreditBalance).execution_options(populate_existing=True)
    return query.with_for_update() if lock else query


def _credit_source(user: User, kind: CreditKind, needed: int, *, lock: bool) -> tuple[int, str | None] | None:
    """The person's own credits first, then those of an organisation they belong to."""
    own = db.session.scalar(_balance_query(lock).where(CreditBalance.user_id == user.id, CreditBalance.kind == kind))
    if own is not None and own.balance >= needed:
        return own.id, None
    for organisation_id, name in organisations_of(user):
        row = db.session.scalar(_balance_query(lock).where(CreditBalance.organisation_id == organisation_id,
                                                            CreditBalance.kind == kind))
        if row is not None and row.balance >= needed:
            return row.id, name
    return None


def organisations_of(user: User) -> list[tuple[int, str]]:
    try:
        from portal.directory.models import Organisation, OrganisationMembership
    except ImportError:  # the directory is not installed: no organisation credits
        return []
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).join(
            OrganisationMembership, OrganisationMembership.organisation_id == Organisation.id)
        .where(OrganisationMembership.user_id == user.id).order_by(Organisation.name))
    return [(row[0], row[1]) for row in rows]


def quote_product(user: User, product) -> Quote:
    category = catalogue.category_of(user)
    amount = catalogue.price_for(product, category)
    if amount is None:
        return Quote(FREE, category=category, product_id=product.id, label=product.name)
    return Quote(PAY if amount > 0 else FREE, amount, category, product.id, product.name, product.vat_rate_bp,
                 online=bool(current_app.config.get("STRIPE_SECRET_KEY")))
