"""Profiles of people and organisations, memberships, the shared tag list and the verified badge."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.directory.labels import LANGUAGE_LABELS, ORGANISATION_TYPE_LABELS, THEME_LABELS
from portal.directory.models import (
    Organisation,
    OrganisationMembership,
    OrganisationType,
    Profile,
    ProfileKind,
    ProfileLanguage,
    ProfileTag,
    ProfileTheme,
    Tag,
    TagCategory,
    TagDirection,
    Visibility,
)
from portal.errors import DomainError, NotFound, PermissionDenied
from portal.extensions import db


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100] or "x"


# --- who sees what --------------------------------------------------------------


def visible_levels(viewer) -> tuple[str, ...]:
    """Visibilities a viewer may see in listings. Hidden is never listed, not even for staff."""
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        return (Visibility.PUBLIC.value, Visibility.MEMBERS.value)
    return (Visibility.PUBLIC.value,)


def owns(profile: Profile, viewer) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if profile.kind == ProfileKind.PERSON:
        return profile.user_id == viewer.id
    return is_manager(viewer, profile.organisation_id)


def can_view(profile: Profile, viewer) -> bool:
    return owns(profile, viewer) or profile.visibility.value in visible_levels(viewer)


def shows_contact(profile: Profile, viewer) -> bool:
    """E-mail and phone: never public, shown to members only when the owner says so."""
    if owns(profile, viewer):
        return True
    return (profile.share_contact and profile.visibility != Visibility.HIDDEN
            and viewer is not None and getattr(viewer, "is_authenticated", False))


def contact_of(profile: Profile) -> dict:
    if profile.kind == ProfileKind.PERSON:
        return {"email": profile.user.email, "phone": profile.user.phone or ""}
    return {"email": profile.organisation.contact_email or "", "phone": profile.organisation.contact_phone or ""}


def is_manager(user, organisation_id: int | None) -> bool:
    if organisation_id is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(OrganisationMembership.id).where(
        OrganisationMembership.user_id == user.id, OrganisationMembership.organisation_id == organisation_id,
        OrganisationMembership.is_manager.is_(True))) is not None


def may_edit_organisation(user, organisation: Organisation) -> bool:
    return bool(user.is_authenticated and (user.is_staff or is_manager(user, organisation.id)))


# --- reading --------------------------------------------------------------------


def person_profile(user_id: int, viewer) -> Profile:
    profile = db.session.scalar(select(Profile).where(Profile.user_id == user_id))
    if profile is None or not can_view(profile, viewer):
        raise NotFound(_l("Cette fiche n'existe pas ou n'est pas visible."))
    return profile


def organisation_by_slug(slug: str, viewer) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or organisation.profile is None or not can_view(organisation.profile, viewer):
        raise NotFound(_l("Cette fiche n'existe pas ou n'est pas visible."))
    return organisation


def organisation_by_id(organisation_id: int, viewer) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.profile is None or not can_view(organisation.profile, viewer):
        raise NotFound(_l("Cette fiche n'existe pas ou n'est pas visible."))
    return organisation


def profile_by_id(profile_id: int, viewer) -> Profile:
    profile = db.session.get(Profile, profile_id)
    if profile is None or not can_view(profile, viewer):
        raise NotFound(_l("Cette fiche n'existe pas ou n'est pas visible."))
    return profile


def own_profile(user: User) -> Profile | None:
    return db.session.scalar(select(Profile).where(Profile.user_id == user.id))


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.label)))


def organisations_of(user: User) -> list[OrganisationMembership]:
    return list(db.session.scalars(select(OrganisationMembership).where(OrganisationMembership.user_id == user.id)
                                   .join(Organisation).order_by(Organisation.name)))


def public_members(organisation: Organisation, viewer) -> list[tuple[OrganisationMembership, Profile]]:
    """Members whose own profile the viewer may see: a hidden person is never listed."""
    rows = db.session.execute(
        select(OrganisationMembership, Profile)
        .join(Profile, Profile.user_id == OrganisationMembership.user_id)
        .where(OrganisationMembership.organisation_id == organisation.id,
               Profile.visibility.in_(visible_levels(viewer)))
        .order_by(Profile.name))
    return [tuple(row) for row in rows]


def upcoming_events(organisation: Organisation, viewer, now: datetime, limit: int = 10) -> list:
    """Published events given in the organisation's name or organised by one of its managers."""
    from sqlalchemy import func, or_

    from portal.events.models import Event, EventAudience, EventStatus

    managers = select(OrganisationMembership.user_id).where(
        OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.is_manager.is_(True))
    query = (select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.ends_at >= now,
        or_(func.lower(Event.organisation_name) == organisation.name.lower(), Event.organiser_id.in_(managers)))
        .order_by(Event.starts_at).limit(limit))
    if not getattr(viewer, "is_authenticated", False):
        query = query.where(Event.audience == EventAudience.PUBLIC)
    return list(db.session.scalars(query))


# --- writing --------------------------------------------------------------------


@dataclass
class ProfileData:
    visibility: str = Visibility.HIDDEN.value
    share_contact: bool = False
    presentation: str = ""
    neighbourhood: str = ""
    town: str = ""
    website: str = ""
    social_links: str = ""
    offers_text: str = ""
    needs_text: str = ""
    offer_tag_ids: list[int] = field(default_factory=list)
    need_tag_ids: list[int] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)


URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check(data: ProfileData) -> None:
    if data.visibility not in {v.value for v in Visibility}:
        raise DomainError(_l("Choisissez une visibilité."), field="visibility")
    if data.website and not URL.match(data.website):
        raise DomainError(_l("Indiquez une adresse commençant par https://"), field="website")
    for line in data.social_links.splitlines():
        if line.strip() and not URL.match(line.strip()):
            raise DomainError(_l("Chaque lien doit commencer par https://"), field="social_links")
    unknown = set(data.languages) - set(LANGUAGE_LABELS)
    if unknown:
        raise DomainError(_l("Langue inconnue."), field="languages")
    if set(data.themes) - set(THEME_LABELS):
        raise DomainError(_l("Thème inconnu."), field="themes")


def _search_text(profile: Profile, tags: dict[int, Tag], data: ProfileData) -> str:
    """What the full-text index reads: the text of the profile, tags and languages in words."""
    parts = [data.presentation, data.neighbourhood, data.town, data.offers_text, data.needs_text]
    parts += [tags[i].label for i in data.offer_tag_ids + data.need_tag_ids if i in tags]
    parts += [str(LANGUAGE_LABELS[code]) for code in data.languages]
    parts += [str(THEME_LABELS[theme]) for theme in data.themes]
    if profile.organisation is not None:
        parts.append(str(ORGANISATION_TYPE_LABELS[profile.organisation.type.value]))
    return "\n".join(p for p in parts if p)


def save_profile(profile: Profile, data: ProfileData, *, now: datetime) -> Profile:
    check(data)
    tags = {t.id: t for t in db.session.scalars(select(Tag).where(
        Tag.id.in_(data.offer_tag_ids + data.need_tag_ids)))}
    previous = profile.visibility
    profile.visibility = Visibility(data.visibility)
    if profile.visibility != Visibility.HIDDEN and (previous != profile.visibility or profile.consent_at is None):
        profile.consent_at = now  # the consent to be seen, with its date
    for name in ("share_contact", "presentation", "neighbourhood", "town", "website", "social_links",
                 "offers_text", "needs_text"):
        value = getattr(data, name)
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.name = profile.user.display_name if profile.kind == ProfileKind.PERSON else profile.organisation.name
    wanted = {(i, TagDirection.OFFER) for i in data.offer_tag_ids if i in tags}
    wanted |= {(i, TagDirection.NEED) for i in data.need_tag_ids if i in tags}
    profile.tags = [link for link in profile.tags if (link.tag_id, link.direction) in wanted]
    have = {(link.tag_id, link.direction) for link in profile.tags}
    profile.tags += [ProfileTag(tag_id=i, direction=d) for i, d in sorted(wanted - have)]
    profile.languages = [link for link in profile.languages if link.code in data.languages]
    profile.languages += [ProfileLanguage(code=c) for c in sorted(set(data.languages) - set(profile.language_codes))]
    profile.themes = [link for link in profile.themes if link.theme in data.themes]
    profile.themes += [ProfileTheme(theme=t) for t in sorted(set(data.themes) - set(profile.theme_values))]
    profile.search_text = _search_text(profile, tags, data)
    profile.updated_at = now
    db.session.flush()
    return profile


def profile_for_user(user: User, *, now: datetime) -> Profile:
    profile = own_profile(user)
    if profile is None:
        profile = Profile(kind=ProfileKind.PERSON, user=user, user_id=user.id, name=user.display_name,
                          visibility=Visibility.HIDDEN, created_at=now, updated_at=now)
        db.session.add(profile)
        db.session.flush()
    return profile


def current_data(profile: Profile) -> ProfileData:
    return ProfileData(
        visibility=profile.visibility.value, share_contact=profile.share_contact, presentation=profile.presentation,
        neighbourhood=profile.neighbourhood, town=profile.town, website=profile.website,
        social_links=profile.social_links, offers_text=profile.offers_text, needs_text=profile.needs_text,
        offer_tag_ids=[t.id for t in profile.offer_tags], need_tag_ids=[t.id for t in profile.need_tags],
        languages=profile.language_codes, themes=profile.theme_values)


def set_photo(profile: Profile, stream, *, now: datetime) -> None:
    from portal.events.images import store_image

    folder = Path(current_app.config["UPLOAD_FOLDER"])
    name = store_image(stream, folder)
    remove_photo(profile)
    profile.photo = name
    profile.updated_at = now


def remove_photo(profile: Profile) -> None:
    if profile.photo:
        (Path(current_app.config["UPLOAD_FOLDER"]) / profile.photo).unlink(missing_ok=True)
        profile.photo = None


def create_organisation(actor: User, *, name: str, type_: str, contact_email: str = "", contact_phone: str = "",
                        role: str = "", now: datetime) -> Organisation:
    name = name.strip()
    if not name:
        raise DomainError(_l("Indiquez le nom de l'organisation."), field="name")
    if type_ not in ORGANISATION_TYPE_LABELS:
        raise DomainError(_l("Choisissez un type d'organisation."), field="type")
    base = slugify(name)
    slug, n = base, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    organisation = Organisation(name=name, slug=slug, type=OrganisationType(type_),
                                contact_email=contact_email.strip().lower() or None,
                                contact_phone=contact_phone.strip() or None, created_at=now, updated_at=now)
    organisation.memberships.append(OrganisationMembership(user_id=actor.id, role=role.strip(), is_manager=True,
                                                           created_at=now))
    organisation.profile = Profile(kind=ProfileKind.ORGANISATION, name=name, visibility=Visibility.HIDDEN,
                                   created_at=now, updated_at=now)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, *, name: str, type_: str, contact_email: str,
                        contact_phone: str, now: datetime) -> None:
    if not name.strip():
        raise DomainError(_l("Indiquez le nom de l'organisation."), field="name")
    if type_ not in ORGANISATION_TYPE_LABELS:
        raise DomainError(_l("Choisissez un type d'organisation."), field="type")
    organisation.name = name.strip()
    organisation.type = OrganisationType(type_)
    organisation.contact_email = contact_email.strip().lower() or None
    organisation.contact_phone = contact_phone.strip() or None
    organisation.updated_at = now


def set_verified(actor: User, organisation: Organisation, verified: bool, *, now: datetime) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_l("Réservé à l'équipe."))
    organisation.verified = verified
    organisation.verified_at = now if verified else None
    organisation.verified_by_id = actor.id if verified else None


def join_organisation(actor: User, organisation: Organisation, user: User, *, role: str, manager: bool,
                      now: datetime) -> OrganisationMembership:
    if not may_edit_organisation(actor, organisation):
        raise PermissionDenied(_l("Seuls les responsables de l'organisation peuvent ajouter des membres."))
    membership = db.session.scalar(select(OrganisationMembership).where(
        OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id == user.id))
    if membership is None:
        membership = OrganisationMembership(organisation_id=organisation.id, user_id=user.id, created_at=now)
        db.session.add(membership)
    membership.role = role.strip()
    # Taking the management away goes through memberships.set_manager, which keeps at least one manager.
    membership.is_manager = bool(membership.is_manager) or manager
    db.session.flush()
    return membership


def save_tag(actor: User, *, label: str, category: str, tag: Tag | None = None, now: datetime) -> Tag:
    if not actor.is_staff:
        raise PermissionDenied(_l("Réservé à l'équipe."))
    label = label.strip()
    if not label:
        raise DomainError(_l("Indiquez un libellé."), field="label")
    if category not in {c.value for c in TagCategory}:
        raise DomainError(_l("Choisissez une catégorie."), field="category")
    slug = slugify(label)
    clash = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if clash is not None and clash is not tag:
        raise DomainError(_l("Ce mot-clé existe déjà."), field="label")
    if tag is None:
        tag = Tag(created_at=now)
        db.session.add(tag)
    tag.label, tag.slug, tag.category = label, slug, TagCategory(category)
    db.session.flush()
    return tag


def refresh_search_text_for_tag(tag: Tag) -> None:
    """A renamed tag: profiles using it are re-indexed (one statement per profile, staff action, rare)."""
    profiles = db.session.scalars(select(Profile).join(ProfileTag).where(ProfileTag.tag_id == tag.id)).unique()
    for profile in profiles:
        data = current_data(profile)
        tags = {t.id: t for t in profile.offer_tags + profile.need_tags}
        profile.search_text = _search_text(profile, tags, data)
