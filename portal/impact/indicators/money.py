"""Money, when payments are used: revenue by product and by payer category, reductions granted against
the individual member's price, and credits given (not bought) by kind and by holder."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, cast, func, literal, literal_column, select, String, union_all

from portal.extensions import db
from portal.impact.indicators.common import count_if, in_period, instant, per_period, span, sum_if
from portal.impact.periods import Period
from portal.payments.models import CreditBalance, CreditEntry, Payment, Price, Product

CASHED = ("paid", "partially_refunded", "refunded")


def revenue(periods: Sequence[Period]) -> dict[str, dict[str, dict[str, list]]]:
    """dimension ('product' or 'category') → key → {'cents': [...], 'count': [...]} per period."""
    pay, prod = Payment.__table__, Product.__table__
    first, last = span(periods)
    where = and_(pay.c.status.in_(CASHED), pay.c.paid_at >= instant(first), pay.c.paid_at < instant(last))
    net = pay.c.amount_cents - pay.c.refunded_cents
    kind = func.coalesce(cast(prod.c.kind, String), literal_column("'other'"))

    def measures():
        out = []
        for i, p in enumerate(periods):
            out += [sum_if(in_period(pay.c.paid_at, p), net).label(f"cents_{i}"),
                    count_if(in_period(pay.c.paid_at, p)).label(f"count_{i}")]
        return out

    by_product = (select(literal("product").label("dimension"), kind.label("key"), *measures())
                  .select_from(pay.outerjoin(prod, prod.c.id == pay.c.product_id)).where(where)
                  .group_by(literal_column("key")))
    by_category = (select(literal("category").label("dimension"), cast(pay.c.category, String).label("key"),
                          *measures()).where(where).group_by(pay.c.category))
    out: dict = {"product": {}, "category": {}}
    for row in db.session.execute(union_all(by_product, by_category)):
        out[row.dimension][row.key] = {"cents": per_period(row._mapping, "cents", len(periods)),
                                       "count": per_period(row._mapping, "count", len(periods))}
    return out


def reductions(periods: Sequence[Period]) -> dict[str, list]:
    """What payers at a reduced category did not pay, against the individual member's price."""
    pay, price = Payment.__table__, Price.__table__
    first, last = span(periods)
    gap = price.c.amount_cents - pay.c.amount_cents
    reduced = and_(pay.c.category != "individual", gap > 0)
    columns = []
    for i, p in enumerate(periods):
        columns += [sum_if(and_(in_period(pay.c.paid_at, p), reduced), gap).label(f"cents_{i}"),
                    count_if(and_(in_period(pay.c.paid_at, p), reduced)).label(f"count_{i}")]
    statement = (select(*columns).select_from(pay.join(price, and_(price.c.product_id == pay.c.product_id,
                                                                   price.c.category == "individual")))
                 .where(pay.c.status.in_(CASHED), pay.c.paid_at >= instant(first), pay.c.paid_at < instant(last)))
    row = db.session.execute(statement).one()._mapping
    return {"cents": per_period(row, "cents", len(periods)), "count": per_period(row, "count", len(periods))}


def credits_given(periods: Sequence[Period]) -> dict[str, dict[str, list]]:
    """Credit kind → holder ('person' or 'organisation') → units given by staff (not bought) per period;
    under the key "grants", how many times credits were given, per kind."""
    entry, balance = CreditEntry.__table__, CreditBalance.__table__
    first, last = span(periods)
    holder = case((balance.c.organisation_id.is_not(None), literal_column("'organisation'")),
                  else_=literal_column("'person'"))
    statement = (select(cast(balance.c.kind, String).label("kind"), holder.label("holder"),
                        *[sum_if(in_period(entry.c.created_at, p), entry.c.delta).label(f"units_{i}")
                          for i, p in enumerate(periods)],
                        *[count_if(in_period(entry.c.created_at, p)).label(f"grants_{i}")
                          for i, p in enumerate(periods)])
                 .select_from(entry.join(balance, balance.c.id == entry.c.balance_id))
                 .where(entry.c.delta > 0, entry.c.payment_id.is_(None), entry.c.created_at >= instant(first),
                        entry.c.created_at < instant(last))
                 .group_by(balance.c.kind, literal_column("holder")))
    out: dict = {}
    grants: dict = {}
    for row in db.session.execute(statement):
        out.setdefault(row.kind, {})[row.holder] = per_period(row._mapping, "units", len(periods))
        counts = per_period(row._mapping, "grants", len(periods))
        grants[row.kind] = [a + b for a, b in zip(grants.get(row.kind, [0] * len(periods)), counts, strict=True)]
    if grants:
        out["grants"] = grants
    return out


def list_prices() -> dict[str, float]:
    """The individual member's price of a desk-day (day pass) and of a room hour (room hire), averaged
    over the active products: what given credits are worth at list price."""
    prod, price = Product.__table__, Price.__table__
    statement = (select(cast(prod.c.kind, String).label("kind"), func.avg(price.c.amount_cents).label("cents"))
                 .select_from(prod.join(price, price.c.product_id == prod.c.id))
                 .where(prod.c.active.is_(True), price.c.category == "individual",
                        prod.c.kind.in_(("day_pass", "room_hire")))
                 .group_by(prod.c.kind))
    unit = {"day_pass": "desk_day", "room_hire": "room_hour"}
    return {unit[row.kind]: float(row.cents) for row in db.session.execute(statement)}
