"""Products, their price per booker category, and each person's category (set by staff only)."""
from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.payments.errors import PaymentRefused
from portal.payments.models import (
    DEFAULT_CATEGORY,
    BookerCategory,
    CreditKind,
    PaymentProfile,
    Price,
    Product,
    ProductKind,
)

CATEGORY_LABELS = {
    BookerCategory.INDIVIDUAL: _l("Membre individuel"),
    BookerCategory.PARTNER_ASSOCIATION: _l("Association partenaire"),
    BookerCategory.PTCE_MEMBER: _l("Organisation membre du PTCE"),
    BookerCategory.COMPANY: _l("Entreprise ou non-membre"),
    BookerCategory.SOLIDARITY: _l("Tarif solidaire"),
}
KIND_LABELS = {
    ProductKind.DAY_PASS: _l("Journée de bureau"),
    ProductKind.DESK_PACK: _l("Carnet de journées de bureau"),
    ProductKind.HOUR_PACK: _l("Carnet d'heures de salle"),
    ProductKind.MEMBERSHIP: _l("Adhésion mensuelle"),
    ProductKind.ROOM_HIRE: _l("Location de salle (à l'heure)"),
    ProductKind.TICKET: _l("Billet d'événement"),
}
BUYABLE_KINDS = (ProductKind.DESK_PACK, ProductKind.HOUR_PACK, ProductKind.MEMBERSHIP)
DOCUMENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


# --- categories -------------------------------------------------------------------------


def profile_of(user: User, *, create: bool = False) -> PaymentProfile | None:
    profile = db.session.scalar(select(PaymentProfile).where(PaymentProfile.user_id == user.id))
    if profile is None and create:
        try:
            with db.session.begin_nested():
                profile = PaymentProfile(user_id=user.id, category=DEFAULT_CATEGORY)
                db.session.add(profile)
                db.session.flush()
        except IntegrityError:
            profile = db.session.scalar(select(PaymentProfile).where(PaymentProfile.user_id == user.id))
    return profile


def category_of(user: User | None) -> BookerCategory:
    if user is None:
        return BookerCategory.COMPANY
    profile = profile_of(user)
    return profile.category if profile is not None else DEFAULT_CATEGORY


def set_category(actor: User, user: User, category: BookerCategory, *, note: str, now: datetime) -> PaymentProfile:
    """Staff decide the category; the supporting document, once reviewed, is deleted."""
    if not actor.is_staff:
        raise PermissionDenied(_l("Seule l'équipe peut changer une catégorie tarifaire."))
    profile = profile_of(user, create=True)
    profile.category = BookerCategory(category)
    profile.category_set_by_id = actor.id
    profile.category_note = (note or "").strip()[:300]
    profile.updated_at = now
    delete_document(profile)
    db.session.flush()
    return profile


def _document_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "justificatifs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_document(user: User, filename: str, data: bytes, *, now: datetime) -> PaymentProfile:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise PaymentRefused(_l("Envoyez un fichier PDF, JPEG ou PNG."), field="document")
    if not data:
        raise PaymentRefused(_l("Le fichier est vide."), field="document")
    if len(data) > 5 * 1024 * 1024:
        raise PaymentRefused(_l("Le fichier dépasse 5 Mo."), field="document")
    profile = profile_of(user, create=True)
    delete_document(profile)
    name = f"{user.id}-{secrets.token_hex(8)}{suffix}"
    (_document_dir() / name).write_bytes(data)
    profile.document_name = name
    profile.document_uploaded_at = now
    db.session.flush()
    return profile


def document_path(profile: PaymentProfile) -> Path | None:
    if not profile.document_name:
        return None
    path = _document_dir() / profile.document_name
    return path if path.exists() else None


def delete_document(profile: PaymentProfile) -> None:
    if profile.document_name:
        try:
            os.remove(_document_dir() / profile.document_name)
        except FileNotFoundError:
            pass
    profile.document_name = None
    profile.document_uploaded_at = None


def profiles_to_review() -> list[PaymentProfile]:
    return list(db.session.scalars(select(PaymentProfile).where(PaymentProfile.document_name.is_not(None))
                                   .order_by(PaymentProfile.document_uploaded_at)))


# --- products and prices ------------------------------------------------------------------


def list_products(*, active_only: bool = False, kinds=None) -> list[Product]:
    query = select(Product).options(selectinload(Product.prices)).order_by(Product.kind, Product.name)
    if active_only:
        query = query.where(Product.active.is_(True))
    if kinds:
        query = query.where(Product.kind.in_(kinds))
    return list(db.session.scalars(query))


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(_l("Ce produit n'existe pas."))
    return product


def save_product(product: Product | None, *, kind: ProductKind, name: str, description: str, space_id: int | None,
                 credit_quantity: int, vat_rate_bp: int, active: bool, prices: dict[BookerCategory, int | None],
                 now: datetime, event_id: int | None = None,
                 half_day_prices: dict[BookerCategory, int | None] | None = None) -> Product:
    """``half_day_prices`` (room hire): per category, the price of a morning or an afternoon; None keeps hourly only."""
    name = (name or "").strip()
    if not name:
        raise PaymentRefused(_l("Indiquez un nom."), field="name")
    kind = ProductKind(kind)
    if kind in (ProductKind.ROOM_HIRE, ProductKind.DAY_PASS):
        from portal.spaces.models import Space

        if not space_id or db.session.get(Space, space_id) is None:
            raise PaymentRefused(_l("Choisissez l'espace concerné."), field="space_id")
    if kind == ProductKind.TICKET:
        from portal.events.models import Event

        if not event_id or db.session.get(Event, event_id) is None:
            raise PaymentRefused(_l("Indiquez le numéro d'un événement existant."), field="event_id")
    if kind in (ProductKind.DESK_PACK, ProductKind.HOUR_PACK) and (credit_quantity or 0) <= 0:
        raise PaymentRefused(_l("Indiquez le nombre de crédits du carnet."), field="credit_quantity")
    if kind == ProductKind.ROOM_HIRE:
        for category, amount in (half_day_prices or {}).items():
            if amount is not None and prices.get(category) is None:
                raise PaymentRefused(_l("Indiquez aussi le prix à l'heure de cette catégorie."),
                                     field=f"half_day_{category.value}")
    if product is None:
        product = Product(created_at=now)
        db.session.add(product)
    product.kind = kind
    product.name = name[:120]
    product.description = (description or "").strip()
    product.space_id = space_id if kind in (ProductKind.ROOM_HIRE, ProductKind.DAY_PASS) else None
    product.event_id = event_id if kind == ProductKind.TICKET else None
    product.credit_kind = {ProductKind.DESK_PACK: CreditKind.DESK_DAY, ProductKind.HOUR_PACK: CreditKind.ROOM_HOUR}.get(kind)
    product.credit_quantity = credit_quantity or 0 if product.credit_kind else 0
    product.vat_rate_bp = vat_rate_bp or 0
    product.active = active
    product.updated_at = now
    existing = {p.category: p for p in product.prices}
    for category, amount in prices.items():
        if amount is None:
            if category in existing:
                product.prices.remove(existing[category])
        elif category in existing:
            existing[category].amount_cents = amount
        else:
            product.prices.append(Price(category=category, amount_cents=amount))
    if half_day_prices is not None or kind != ProductKind.ROOM_HIRE:
        for price in product.prices:
            price.half_day_amount_cents = (half_day_prices or {}).get(price.category) \
                if kind == ProductKind.ROOM_HIRE else None
    db.session.flush()
    return product


def price_for(product: Product, category: BookerCategory) -> int | None:
    """The category's price, or the non-member price when the category has none; None: not sold."""
    prices = {p.category: p.amount_cents for p in product.prices}
    if category in prices:
        return prices[category]
    return prices.get(BookerCategory.COMPANY)


def half_day_price_for(product: Product, category: BookerCategory) -> int | None:
    """The half-day price matching ``price_for``'s choice of row; None: hourly only."""
    prices = {p.category: p for p in product.prices}
    row = prices.get(category) or prices.get(BookerCategory.COMPANY)
    return row.half_day_amount_cents if row is not None else None


def product_for_space(space_id: int) -> Product | None:
    return db.session.scalar(
        select(Product).options(selectinload(Product.prices))
        .where(Product.space_id == space_id, Product.active.is_(True),
               Product.kind.in_((ProductKind.ROOM_HIRE, ProductKind.DAY_PASS)))
        .order_by(Product.id).limit(1))
