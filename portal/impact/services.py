"""Le Lab's rules: funding lines and their links, partner access, share links, assumptions.

Services flush and never commit; the caller decides the transaction.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.accounts.models import Role, User, UserRole
from portal.errors import DomainError, NotFound
from portal.events.models import Event
from portal.extensions import db
from portal.impact.models import (
    AvoidedCostAssumption,
    CostDriver,
    FundingLine,
    FundingLineBooking,
    FundingLineEvent,
    FundingLinePartner,
    FundingLineRequest,
    ShareLink,
)
from portal.impact.periods import Period, containing, custom
from portal.spaces.models import Booking
from portal.timeutil import paris_to_utc, paris_today

MAX_SHARE_DAYS = 366
LINKS = {"event": (FundingLineEvent, "event_id"), "booking": (FundingLineBooking, "booking_id"),
         "request": (FundingLineRequest, "request_id")}


def _request_model():
    from portal.accompaniment.models import ProjectRequest

    return ProjectRequest


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


# --- periods -------------------------------------------------------------------------------------


def parse_period(kind: str | None, day: date | None, first: date | None, last: date | None, *, today: date) -> Period:
    """The period asked for; DomainError (with the field) when the custom dates do not make one."""
    kind = kind if kind in ("month", "quarter", "year", "custom") else "quarter"
    if kind != "custom":
        return containing(kind, day or today)
    if first is None:
        raise DomainError(_l("Indiquez la première date."), field="du")
    if last is None:
        raise DomainError(_l("Indiquez la dernière date."), field="au")
    if last < first:
        raise DomainError(_l("La dernière date doit suivre la première."), field="au")
    try:
        return custom(first, last)
    except ValueError:
        raise DomainError(_l("Choisissez au plus trois ans."), field="au") from None


# --- funding lines -------------------------------------------------------------------------------


@dataclass
class LineData:
    funder: str
    name: str
    description: str
    amount_cents: int | None
    starts_on: date
    ends_on: date
    themes: list[str]
    tags: list[str]
    space_ids: list[int]
    needs: list[str]
    active: bool


def save_line(line: FundingLine | None, data: LineData) -> FundingLine:
    if data.ends_on < data.starts_on:
        raise DomainError(_l("La fin doit suivre le début."), field="ends_on")
    if line is None:
        line = FundingLine()
        db.session.add(line)
    line.funder = data.funder.strip()
    line.name = data.name.strip()
    line.description = data.description.strip()
    line.amount_cents = data.amount_cents
    line.starts_on, line.ends_on = data.starts_on, data.ends_on
    line.themes = sorted(set(data.themes))
    line.tags = sorted({t.strip().lower() for t in data.tags if t.strip()})
    line.space_ids = sorted({int(i) for i in data.space_ids})
    line.needs = sorted(set(data.needs))
    line.active = data.active
    db.session.flush()
    return line


def lines_for(user: User) -> list[FundingLine]:
    statement = select(FundingLine).order_by(FundingLine.active.desc(), FundingLine.funder, FundingLine.name)
    if not user.is_staff:
        statement = statement.where(FundingLine.id.in_(
            select(FundingLinePartner.funding_line_id).where(FundingLinePartner.user_id == user.id)))
    return list(db.session.scalars(statement))


def line_for(user: User, line_id: int) -> FundingLine:
    """Staff see every line, a partner only the lines given to them; anything else does not exist."""
    line = db.session.get(FundingLine, line_id)
    if line is None:
        raise NotFound(_l("Ce financement n’existe pas."))
    if user.is_staff:
        return line
    if user.has_role(Role.PARTNER) and db.session.scalar(
            select(FundingLinePartner.id).where(FundingLinePartner.funding_line_id == line.id,
                                                FundingLinePartner.user_id == user.id)):
        return line
    raise NotFound(_l("Ce financement n’existe pas."))


def links_of(line: FundingLine) -> dict[str, list[int]]:
    out = {}
    for kind, (model, column) in LINKS.items():
        out[kind] = list(db.session.scalars(select(getattr(model, column)).where(model.funding_line_id == line.id)
                                            .order_by(getattr(model, column))))
    return out


def link_item(line: FundingLine, kind: str, item_id: int) -> None:
    if kind not in LINKS:
        raise DomainError(_l("Type d’élément inconnu."), field="kind")
    target = {"event": Event, "booking": Booking, "request": None}[kind] or _request_model()
    if db.session.get(target, item_id) is None:
        raise DomainError(_l("Aucun élément ne porte ce numéro."), field="item_id")
    model, column = LINKS[kind]
    exists = db.session.scalar(select(model.id).where(model.funding_line_id == line.id,
                                                      getattr(model, column) == item_id))
    if exists:
        raise DomainError(_l("Cet élément est déjà lié à ce financement."), field="item_id")
    db.session.add(model(funding_line_id=line.id, **{column: item_id}))
    db.session.flush()


def unlink_item(line: FundingLine, kind: str, item_id: int) -> None:
    if kind not in LINKS:
        raise NotFound(_l("Ce lien n’existe pas."))
    model, column = LINKS[kind]
    result = db.session.execute(delete(model).where(model.funding_line_id == line.id,
                                                    getattr(model, column) == item_id))
    if not result.rowcount:
        raise NotFound(_l("Ce lien n’existe pas."))


# --- partners ------------------------------------------------------------------------------------


def partners_of(line: FundingLine) -> list[User]:
    return list(db.session.scalars(select(User).join(FundingLinePartner, FundingLinePartner.user_id == User.id)
                                   .where(FundingLinePartner.funding_line_id == line.id).order_by(User.display_name)))


def add_partner(line: FundingLine, email: str, *, now: datetime) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise DomainError(_l("Aucun compte n’utilise cet e-mail. La personne doit d’abord créer son compte."),
                          field="email")
    if not user.has_role(Role.PARTNER):
        user.role_links.append(UserRole(role=Role.PARTNER, granted_at=now))
    if not db.session.scalar(select(FundingLinePartner.id).where(FundingLinePartner.funding_line_id == line.id,
                                                                 FundingLinePartner.user_id == user.id)):
        db.session.add(FundingLinePartner(funding_line_id=line.id, user_id=user.id, created_at=now))
    db.session.flush()
    return user


def remove_partner(line: FundingLine, user_id: int) -> None:
    result = db.session.execute(delete(FundingLinePartner).where(FundingLinePartner.funding_line_id == line.id,
                                                                 FundingLinePartner.user_id == user_id))
    if not result.rowcount:
        raise NotFound(_l("Ce partenaire n’a pas accès à ce financement."))


# --- share links ---------------------------------------------------------------------------------


def create_share_link(line: FundingLine, period: Period, expires_on: date, user: User | None, *,
                      now: datetime) -> tuple[ShareLink, str]:
    today = paris_today(now)
    if expires_on <= today:
        raise DomainError(_l("Choisissez une date d’expiration à venir."), field="expires_on")
    if expires_on > today + timedelta(days=MAX_SHARE_DAYS):
        raise DomainError(_l("Un lien vit un an au plus."), field="expires_on")
    secret = secrets.token_urlsafe(32)
    link = ShareLink(funding_line_id=line.id, token_hash=_digest(secret), period_kind=period.kind,
                     starts_on=period.start, ends_on=period.end,
                     expires_at=paris_to_utc(expires_on + timedelta(days=1), time(0)),
                     created_by_id=user.id if user else None, created_at=now)
    db.session.add(link)
    db.session.flush()
    return link, secret


def share_link(secret: str, *, now: datetime) -> ShareLink:
    """The live link for a secret; unknown, revoked and expired links all answer NotFound."""
    if not secret or len(secret) > 100:
        raise NotFound(_l("Ce lien n’existe pas ou a expiré."))
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == _digest(secret)))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise NotFound(_l("Ce lien n’existe pas ou a expiré."))
    return link


def share_links_of(line: FundingLine) -> list[ShareLink]:
    return list(db.session.scalars(select(ShareLink).where(ShareLink.funding_line_id == line.id)
                                   .order_by(ShareLink.created_at.desc())))


def revoke_share_link(link_id: int, *, now: datetime) -> ShareLink:
    link = db.session.get(ShareLink, link_id)
    if link is None:
        raise NotFound(_l("Ce lien n’existe pas."))
    if link.revoked_at is None:
        link.revoked_at = now
        db.session.flush()
    return link


def period_of(link: ShareLink) -> Period:
    return Period(link.period_kind, link.starts_on, link.ends_on)


# --- avoided-cost assumptions --------------------------------------------------------------------


def assumptions() -> list[AvoidedCostAssumption]:
    return list(db.session.scalars(select(AvoidedCostAssumption)
                                   .order_by(AvoidedCostAssumption.active.desc(), AvoidedCostAssumption.label)))


def get_assumption(assumption_id: int) -> AvoidedCostAssumption:
    assumption = db.session.get(AvoidedCostAssumption, assumption_id)
    if assumption is None:
        raise NotFound(_l("Cette hypothèse n’existe pas."))
    return assumption


def save_assumption(assumption: AvoidedCostAssumption | None, *, label: str, driver: str, unit_cost_cents: int,
                    source: str, active: bool) -> AvoidedCostAssumption:
    try:
        driver_value = CostDriver(driver)
    except ValueError:
        raise DomainError(_l("Choisissez à quoi s’applique le coût."), field="driver") from None
    if not source.strip():
        raise DomainError(_l("Citez la source du chiffre."), field="source")
    if assumption is None:
        assumption = AvoidedCostAssumption()
        db.session.add(assumption)
    assumption.label = label.strip()
    assumption.driver = driver_value
    assumption.unit_cost_cents = unit_cost_cents
    assumption.source = source.strip()
    assumption.active = active
    db.session.flush()
    return assumption
