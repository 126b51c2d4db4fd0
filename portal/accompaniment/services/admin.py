"""What admins configure: the commitment, teams, routing rules and partner organisations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accompaniment.labels import LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, THEME_LABELS
from portal.accompaniment.models import AccompanimentSettings, Partner, RoutingRule, Team, TeamMember
from portal.accounts.models import Role, User
from portal.errors import DomainError, NotFound
from portal.extensions import db

PARTNER_TOKEN_PREFIX = "chp_"  # personal tokens start with chr_: the two never mix


def get_settings() -> AccompanimentSettings:
    settings = db.session.get(AccompanimentSettings, 1)
    if settings is None:
        settings = AccompanimentSettings(id=1)
        db.session.add(settings)
        db.session.flush()
    return settings


def save_settings(*, first_contact_days: int, retention_months: int) -> AccompanimentSettings:
    if not 1 <= first_contact_days <= 30:
        raise DomainError(_l("Entre 1 et 30 jours ouvrés."), field="first_contact_days")
    if not 1 <= retention_months <= 120:
        raise DomainError(_l("Entre 1 et 120 mois."), field="retention_months")
    settings = get_settings()
    settings.first_contact_days = first_contact_days
    settings.retention_months = retention_months
    db.session.flush()
    return settings


def staff_members() -> list[User]:
    from portal.accounts.models import UserRole

    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([Role.STAFF, Role.ADMIN]), User.active.is_(True))
        .distinct().order_by(User.display_name)))


def is_staff_user(user: User | None) -> bool:
    return user is not None and user.active and user.has_role(Role.STAFF, Role.ADMIN)


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def create_team(name: str, description: str = "") -> Team:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Donnez un nom à l'équipe."), field="name")
    if db.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())):
        raise DomainError(_l("Une équipe porte déjà ce nom."), field="name")
    team = Team(name=name, description=(description or "").strip())
    db.session.add(team)
    db.session.flush()
    return team


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound(_l("Cette équipe n'existe pas."))
    return team


def add_member(team: Team, email: str) -> TeamMember:
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if not is_staff_user(user):
        raise DomainError(_l("Aucun membre de l'équipe (rôle « équipe ») n'a cette adresse."), field="email")
    if any(m.user_id == user.id for m in team.members):
        raise DomainError(_l("Cette personne fait déjà partie de l'équipe."), field="email")
    member = TeamMember(team=team, user_id=user.id)
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(team: Team, user_id: int) -> None:
    for member in team.members:
        if member.user_id == user_id:
            db.session.delete(member)
            db.session.flush()
            return
    raise NotFound(_l("Cette personne ne fait pas partie de l'équipe."))


def rules() -> list[RoutingRule]:
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def create_rule(*, position: int, theme: str | None, need: str | None, stage: str | None, language: str | None,
                team_id: int | None, user_id: int | None) -> RoutingRule:
    checks = ((theme, THEME_LABELS, "theme"), (need, NEED_LABELS, "need"), (stage, STAGE_LABELS, "stage"),
              (language, LANGUAGE_LABELS, "language"))
    for value, labels, field in checks:
        if value and value not in labels:
            raise DomainError(_l("Valeur inconnue."), field=field)
    if bool(team_id) == bool(user_id):
        raise DomainError(_l("Choisissez une équipe ou une personne (une seule)."), field="target")
    if team_id:
        get_team(team_id)
    if user_id and not is_staff_user(db.session.get(User, user_id)):
        raise DomainError(_l("Cette personne ne fait pas partie de l'équipe d'accompagnement."), field="target")
    rule = RoutingRule(position=position, theme=theme or None, need=need or None, stage=stage or None,
                       language=language or None, team_id=team_id or None, user_id=user_id or None)
    db.session.add(rule)
    db.session.flush()
    return rule


def delete_rule(rule_id: int) -> None:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(_l("Cette règle n'existe pas."))
    db.session.delete(rule)
    db.session.flush()


def partners(active_only: bool = False) -> list[Partner]:
    query = select(Partner).order_by(Partner.name)
    if active_only:
        query = query.where(Partner.active.is_(True))
    return list(db.session.scalars(query))


def create_partner(name: str, contact_email: str | None = None, website: str | None = None) -> Partner:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Donnez le nom du partenaire."), field="name")
    if db.session.scalar(select(Partner.id).where(func.lower(Partner.name) == name.lower())):
        raise DomainError(_l("Un partenaire porte déjà ce nom."), field="name")
    partner = Partner(name=name, contact_email=(contact_email or "").strip() or None,
                      website=(website or "").strip() or None)
    db.session.add(partner)
    db.session.flush()
    return partner


def update_partner(partner: Partner, name: str, contact_email: str | None = None, website: str | None = None) -> None:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Donnez le nom du partenaire."), field="name")
    if db.session.scalar(select(Partner.id).where(func.lower(Partner.name) == name.lower(), Partner.id != partner.id)):
        raise DomainError(_l("Un partenaire porte déjà ce nom."), field="name")
    partner.name = name
    partner.contact_email = (contact_email or "").strip() or None
    partner.website = (website or "").strip() or None
    db.session.flush()


def set_partner_active(partner: Partner, active: bool) -> None:
    """A deactivated partner keeps its history (referrals) but its token is refused and it is no longer offered."""
    partner.active = active
    db.session.flush()


def get_partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(_l("Ce partenaire n'existe pas."))
    return partner


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_partner_token(partner: Partner, *, now: datetime) -> str:
    """A new secret for the partner's site (the previous one stops working); shown once, stored hashed."""
    secret = PARTNER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    partner.token_hash = _digest(secret)
    partner.token_prefix = secret[:10]
    partner.token_created_at = now
    db.session.flush()
    return secret


def revoke_partner_token(partner: Partner) -> None:
    partner.token_hash = partner.token_prefix = partner.token_created_at = None
    db.session.flush()


def partner_from_authorization(header: str | None) -> Partner | None:
    """``Authorization: Bearer chp_…`` of an active partner, else None."""
    scheme, _, secret = (header or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PARTNER_TOKEN_PREFIX) or len(secret) > 100:
        return None
    return db.session.scalar(select(Partner).where(Partner.token_hash == _digest(secret), Partner.active.is_(True)))
