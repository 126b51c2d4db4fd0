"""The credit ledger: append-only lines, and a balance row the database keeps at zero or more.

A debit is one conditional UPDATE of the balance row (``balance - n``); the CHECK
``balance >= 0`` refuses it when the credits are not there, whatever the
concurrency, and the ledger line is written in the same transaction.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.payments.errors import NotEnoughCredits, PaymentRefused
from portal.payments.models import CreditBalance, CreditEntry, CreditKind

CREDIT_LABELS = {CreditKind.DESK_DAY: _l("journées de bureau"), CreditKind.ROOM_HOUR: _l("heures de salle")}


def _owner_filter(user_id: int | None, organisation_id: int | None):
    if user_id is not None:
        return CreditBalance.user_id == user_id
    return CreditBalance.organisation_id == organisation_id


def balance_row(kind: CreditKind, *, user_id: int | None = None, organisation_id: int | None = None,
                create: bool = False) -> CreditBalance | None:
    query = select(CreditBalance).where(_owner_filter(user_id, organisation_id), CreditBalance.kind == kind)
    row = db.session.scalar(query)
    if row is None and create:
        try:
            with db.session.begin_nested():
                row = CreditBalance(user_id=user_id, organisation_id=organisation_id, kind=kind, balance=0)
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # created by a concurrent request meanwhile
            row = db.session.scalar(query)
    return row


def balance_of(kind: CreditKind, *, user_id: int | None = None, organisation_id: int | None = None) -> int:
    row = balance_row(kind, user_id=user_id, organisation_id=organisation_id)
    return row.balance if row is not None else 0


def balances(*, user_id: int | None = None, organisation_id: int | None = None) -> dict[CreditKind, int]:
    rows = db.session.scalars(select(CreditBalance).where(_owner_filter(user_id, organisation_id)))
    found = {row.kind: row.balance for row in rows}
    return {kind: found.get(kind, 0) for kind in CreditKind}


def _move(row: CreditBalance, delta: int, *, reason: str, now: datetime, actor_id: int | None,
          booking_id: int | None = None, payment_id: int | None = None) -> CreditEntry:
    try:
        with db.session.begin_nested():
            new_balance = db.session.execute(
                update(CreditBalance).where(CreditBalance.id == row.id)
                .values(balance=CreditBalance.balance + delta).returning(CreditBalance.balance)
            ).scalar_one()
    except IntegrityError as err:
        if "never_negative" in str(err.orig) or "23514" == getattr(err.orig, "sqlstate", None):
            raise NotEnoughCredits(_l("Vous n'avez plus assez de crédits pour cette réservation.")) from err
        raise
    entry = CreditEntry(balance_id=row.id, delta=delta, balance_after=new_balance, reason=reason[:300],
                        booking_id=booking_id, payment_id=payment_id, created_by_id=actor_id, created_at=now)
    db.session.add(entry)
    db.session.flush()
    db.session.expire(row, ["balance"])
    return entry


def grant(kind: CreditKind, quantity: int, *, reason: str, now: datetime, actor_id: int | None,
          user_id: int | None = None, organisation_id: int | None = None, payment_id: int | None = None) -> CreditEntry:
    """Add credits (a pack bought, a partner's budget, yearly free hours), always with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused(_l("Indiquez la raison de l'attribution."), field="reason")
    if quantity <= 0:
        raise PaymentRefused(_l("Indiquez un nombre de crédits positif."), field="quantity")
    row = balance_row(kind, user_id=user_id, organisation_id=organisation_id, create=True)
    return _move(row, quantity, reason=reason, now=now, actor_id=actor_id, payment_id=payment_id)


def consume(row: CreditBalance, quantity: int, *, reason: str, now: datetime, actor_id: int | None,
            booking_id: int | None = None) -> CreditEntry:
    return _move(row, -quantity, reason=reason, now=now, actor_id=actor_id, booking_id=booking_id)


def give_back_for_booking(booking_id: int, *, reason: str, now: datetime, actor_id: int | None) -> int:
    """Return what a booking consumed, once: the net of its ledger lines must come back to zero."""
    ids = set(db.session.scalars(select(CreditEntry.balance_id).where(CreditEntry.booking_id == booking_id)))
    if not ids:
        return 0
    # Lock the balances first: a twin cancellation waits here, then reads a net of zero.
    db.session.execute(select(CreditBalance.id).where(CreditBalance.id.in_(ids)).with_for_update())
    entries = list(db.session.scalars(select(CreditEntry).where(CreditEntry.booking_id == booking_id)
                                       .execution_options(populate_existing=True)))
    by_row: dict[int, int] = {}
    for entry in entries:
        by_row[entry.balance_id] = by_row.get(entry.balance_id, 0) + entry.delta
    returned = 0
    for balance_id, net in by_row.items():
        if net < 0:
            row = db.session.get(CreditBalance, balance_id)
            _move(row, -net, reason=reason, now=now, actor_id=actor_id, booking_id=booking_id)
            returned += -net
    return returned


def ledger(*, user_id: int | None = None, organisation_id: int | None = None, limit: int = 100) -> list[CreditEntry]:
    return list(db.session.scalars(
        select(CreditEntry).join(CreditBalance).where(_owner_filter(user_id, organisation_id))
        .order_by(CreditEntry.id.desc()).limit(limit)))


def organisations() -> list[tuple[int, str]]:
    try:
        from portal.directory.models import Organisation
    except ImportError:
        return []
    return [(row[0], row[1]) for row in db.session.execute(select(Organisation.id, Organisation.name)
                                                           .order_by(Organisation.name).limit(500))]


def organisation_balances() -> list[tuple[str, CreditKind, int]]:
    try:
        from portal.directory.models import Organisation
    except ImportError:
        return []
    rows = db.session.execute(select(Organisation.name, CreditBalance.kind, CreditBalance.balance)
                              .join(CreditBalance, CreditBalance.organisation_id == Organisation.id)
                              .order_by(Organisation.name, CreditBalance.kind))
    return [(row[0], row[1], row[2]) for row in rows]
