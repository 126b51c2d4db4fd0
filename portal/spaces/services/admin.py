"""Spaces, opening hours and closures, as admins manage them."""
from __future__ import annotations

import re
import secrets
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.db import utcnow
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.spaces.models import (
    ACCESSIBILITY,
    AMENITIES,
    Audience,
    Closure,
    OpeningHours,
    Resource,
    SlotMode,
    Space,
    SpaceKind,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SETTINGS = (
    "name", "description", "capacity", "floor", "accessibility_notes", "requires_approval", "active",
    "slot_minutes", "max_days_ahead", "min_notice_minutes", "max_duration_minutes", "max_active_bookings",
    "cancellation_deadline_hours", "no_show_release_minutes",
)


def save_space(space: Space | None, data: dict, hours: list[tuple[time | None, time | None]]) -> Space:
    """Create or update a space from validated form data; ``hours`` has 7 (opens, closes) pairs."""
    slug = (data.get("slug") or "").strip().lower()
    if not SLUG.match(slug):
        raise DomainError(_l("Utilisez des lettres minuscules, des chiffres et des tirets."), field="slug")
    clash = db.session.scalar(select(Space).where(Space.slug == slug))
    if clash is not None and clash is not space:
        raise DomainError(_l("Cette adresse courte est déjà prise."), field="slug")
    for weekday, (opens, closes) in enumerate(hours):
        if (opens is None) != (closes is None) or (opens and closes and closes <= opens):
            raise DomainError(_l("Indiquez une ouverture et une fermeture (après l'ouverture), ou aucune des deux pour un jour fermé."), field="hours")
    creating = space is None
    if creating:
        space = Space(slug=slug)
        db.session.add(space)
    space.slug = slug
    for name in SETTINGS:
        if name in data:
            setattr(space, name, data[name])
    space.description = space.description or ""
    space.floor = space.floor or ""
    space.accessibility_notes = space.accessibility_notes or ""
    space.kind = SpaceKind(data["kind"])
    space.bookable_by = Audience(data["bookable_by"])
    space.slot_mode = SlotMode(data["slot_mode"])
    space.amenities = [a for a in data.get("amenities", []) if a in AMENITIES]
    space.accessibility = [a for a in data.get("accessibility", []) if a in ACCESSIBILITY]

    existing = {h.weekday: h for h in space.opening_hours}
    for weekday, (opens, closes) in enumerate(hours):
        row = existing.get(weekday)
        if opens is None:
            if row is not None:
                space.opening_hours.remove(row)
        elif row is None:
            space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=opens, closes_at=closes))
        else:
            row.opens_at, row.closes_at = opens, closes

    # Availability caches key on spaces' last change: hours and desks count as a change.
    space.updated_at = utcnow()
    wanted = (data.get("desks") or 1) if space.kind == SpaceKind.DESK_AREA else 1
    _resize_resources(space, wanted)
    db.session.flush()
    return space


def _resize_resources(space: Space, wanted: int) -> None:
    """Add desks, or retire the last ones (kept for the history of their bookings)."""
    resources = sorted(space.resources, key=lambda r: r.position)
    for position, resource in enumerate(resources, start=1):
        resource.active = position <= wanted
    for position in range(len(resources) + 1, wanted + 1):
        name = f"Poste {position}" if space.kind == SpaceKind.DESK_AREA else space.name
        space.resources.append(Resource(name=name, position=position, qr_token=secrets.token_urlsafe(12)))
    if space.kind != SpaceKind.DESK_AREA and resources:
        resources[0].name = space.name


def list_closures(today: date) -> list[Closure]:
    return list(db.session.scalars(select(Closure).where(Closure.ends_on >= today).order_by(Closure.starts_on)))


def add_closure(*, space_id: int | None, starts_on: date, ends_on: date, reason: str) -> Closure:
    if ends_on < starts_on:
        raise DomainError(_l("Le dernier jour doit être après le premier."), field="ends_on")
    if space_id is not None and db.session.get(Space, space_id) is None:
        raise NotFound(_l("Cet espace n'existe pas."))
    closure = Closure(space_id=space_id, starts_on=starts_on, ends_on=ends_on, reason=reason.strip())
    db.session.add(closure)
    db.session.flush()
    return closure


def delete_closure(closure_id: int) -> None:
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(_l("Cette fermeture n'existe pas."))
    db.session.delete(closure)
    db.session.flush()
