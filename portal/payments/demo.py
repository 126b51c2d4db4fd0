"""Demo products and price lists, and a few credits for the demo member."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.accounts.services import find_user_by_email
from portal.extensions import db
from portal.payments.models import BookerCategory as C
from portal.payments.models import CreditKind, CreditBalance, PaymentProfile, Price, Product, ProductKind
from portal.payments.services import credits
from portal.spaces.models import Space

# (kind, name, space slug, credits, {category: cents})
DEMO_PRODUCTS = [
    (ProductKind.DAY_PASS, "Journée coworking (démo)", "coworking", 0,
     {C.INDIVIDUAL: 800, C.PARTNER_ASSOCIATION: 500, C.PTCE_MEMBER: 500, C.COMPANY: 1500, C.SOLIDARITY: 0}),
    (ProductKind.DESK_PACK, "Carnet de 10 journées (démo)", None, 10,
     {C.INDIVIDUAL: 7000, C.PARTNER_ASSOCIATION: 4500, C.PTCE_MEMBER: 4500, C.COMPANY: 13000, C.SOLIDARITY: 1000}),
    (ProductKind.HOUR_PACK, "Carnet de 10 heures de salle (démo)", None, 10,
     {C.INDIVIDUAL: 9000, C.PARTNER_ASSOCIATION: 6000, C.PTCE_MEMBER: 5000, C.COMPANY: 25000}),
    (ProductKind.MEMBERSHIP, "Adhésion coworking mensuelle (démo)", None, 0,
     {C.INDIVIDUAL: 6000, C.PARTNER_ASSOCIATION: 4000, C.PTCE_MEMBER: 4000, C.COMPANY: 12000, C.SOLIDARITY: 1500}),
    (ProductKind.ROOM_HIRE, "Location Salle Seine (démo)", "salle-seine", 0,
     {C.INDIVIDUAL: 1500, C.PARTNER_ASSOCIATION: 800, C.PTCE_MEMBER: 0, C.COMPANY: 3500, C.SOLIDARITY: 0}),
]
# A morning or an afternoon costs less than four separate hours.
DEMO_HALF_DAYS = {"Location Salle Seine (démo)": {C.INDIVIDUAL: 5000, C.PARTNER_ASSOCIATION: 2500, C.COMPANY: 12000}}


def load_demo_payments(now: datetime) -> list[str]:
    lines = []
    for kind, name, slug, quantity, prices in DEMO_PRODUCTS:
        if db.session.scalar(select(Product).where(Product.name == name)) is not None:
            continue
        space = db.session.scalar(select(Space).where(Space.slug == slug)) if slug else None
        if slug and space is None:
            continue
        credit_kind = {ProductKind.DESK_PACK: CreditKind.DESK_DAY, ProductKind.HOUR_PACK: CreditKind.ROOM_HOUR}.get(kind)
        product = Product(kind=kind, name=name, space_id=space.id if space else None, credit_kind=credit_kind,
                          credit_quantity=quantity, created_at=now, updated_at=now)
        half_days = DEMO_HALF_DAYS.get(name, {})
        product.prices = [Price(category=c, amount_cents=a, half_day_amount_cents=half_days.get(c))
                          for c, a in prices.items()]
        db.session.add(product)
        lines.append(f"demo product {name}")
    db.session.flush()
    member = find_user_by_email("membre@demo.chrysalides.example")
    if member is not None and db.session.scalar(select(CreditBalance).where(CreditBalance.user_id == member.id)) is None:
        db.session.add(PaymentProfile(user_id=member.id, category=C.INDIVIDUAL, category_note="Démo"))
        credits.grant(CreditKind.DESK_DAY, 3, reason="Budget de la ville pour les habitants (démo)", now=now,
                      actor_id=None, user_id=member.id)
        lines.append("demo credits: 3 desk-days for the demo member, from the city budget")
    return lines
