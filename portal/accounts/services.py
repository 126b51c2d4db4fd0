"""Account rules: sign-up, confirmation, log-in, sessions, passwords, e-mail, roles.

Nothing here reads the request: callers pass the acting user and ``now``.
Services flush; the caller commits once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts import passwords, tokens
from portal.accounts.models import Role, User, UserRole, UserSession
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.mail.services import queue_email
from portal.urls import absolute_url


class InvalidCredentials(DomainError):
    def __init__(self):
        super().__init__(_l("E-mail ou mot de passe incorrect."), field="password")


class EmailNotConfirmed(DomainError):
    def __init__(self):
        super().__init__(
            _l("Confirmez d'abord votre adresse e-mail : nous venons de vous renvoyer le lien."),
            field="email",
        )


class WeakPassword(DomainError):
    pass


class BadLink(DomainError):
    """An e-mailed link that is invalid, already used or expired."""


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def check_email_syntax(raw: str) -> str:
    try:
        return normalise_email(validate_email(raw.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as err:
        raise DomainError(_l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), field="email") from err


def check_password(password: str, *, field: str = "password", personal: tuple[str, ...] = ()) -> None:
    problem = passwords.password_problem(
        password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], personal=personal
    )
    if problem:
        raise WeakPassword(problem, field=field)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("Cette personne n'existe pas."))
    return user


# --- sign-up and confirmation -------------------------------------------------


def register(*, email: str, display_name: str, password: str, language: str, now: datetime) -> None:
    """Create an unconfirmed account and e-mail the confirmation link.

    For an address that already has an account, the owner is told by e-mail
    instead; the caller answers the same in both cases (no enumeration).
    """
    email = check_email_syntax(email)
    check_password(password, personal=(email, display_name))
    existing = find_user_by_email(email)
    if existing is not None:
        passwords.burn_verification_time(password)  # same cost as hashing below
        queue_email(
            to=existing.email,
            subject=_l("Votre compte sur le portail des Chrysalides"),
            template="accounts/already_registered",
            language=existing.preferred_language,
            now=now,
            user=existing,
            login_url=absolute_url("accounts.login"),
            reset_url=absolute_url("accounts.forgot_password"),
        )
        return
    user = User(
        email=email,
        display_name=display_name.strip(),
        preferred_language=language,
        password_hash=passwords.hash_password(password),
        created_at=now,
        updated_at=now,
    )
    user.role_links.append(UserRole(role=Role.MEMBER, granted_at=now))
    db.session.add(user)
    db.session.flush()
    send_confirmation(user, now=now)


def send_confirmation(user: User, *, now: datetime) -> None:
    token = tokens.make_token(
        tokens.CONFIRM_EMAIL,
        {"uid": user.id, "email": user.email},
        now=now,
        lifetime=current_app.config["EMAIL_CONFIRM_MAX_AGE"],
    )
    queue_email(
        to=user.email,
        subject=_l("Confirmez votre adresse e-mail"),
        template="accounts/confirm_email",
        language=user.preferred_language,
        now=now,
        user=user,
        confirm_url=absolute_url("accounts.confirm_email", token=token),
        hours=int(current_app.config["EMAIL_CONFIRM_MAX_AGE"].total_seconds() // 3600),
    )


def _user_from_link(purpose: str, token: str, now: datetime) -> tuple[User, dict]:
    try:
        payload = tokens.read_token(purpose, token, now=now)
    except tokens.TokenExpired as err:
        raise BadLink(_l("Ce lien a expiré. Demandez-en un nouveau.")) from err
    except tokens.TokenInvalid as err:
        raise BadLink(_l("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from err
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        raise BadLink(_l("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."))
    return user, payload


def check_confirm_link(token: str, *, now: datetime) -> User:
    user, payload = _user_from_link(tokens.CONFIRM_EMAIL, token, now)
    if payload.get("email") != user.email:
        raise BadLink(_l("Ce lien n'est plus valable pour ce compte."))
    return user


def confirm_email(token: str, *, now: datetime) -> tuple[User, bool]:
    """Confirm the address. Returns the user and whether it was already confirmed."""
    user = check_confirm_link(token, now=now)
    if user.email_confirmed_at is not None:
        return user, True
    user.email_confirmed_at = now
    db.session.flush()
    return user, False


# --- log-in and sessions ----------------------------------------------------------


def authenticate(email: str, password: str, *, now: datetime) -> User:
    user = find_user_by_email(email)
    if user is None:
        passwords.burn_verification_time(password)
        raise InvalidCredentials
    if not passwords.verify_password(user.password_hash, password) or not user.active:
        raise InvalidCredentials
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if not user.email_confirmed:
        send_confirmation(user, now=now)
        raise EmailNotConfirmed
    user.last_login_at = now
    db.session.flush()
    return user


def _hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash_session_token(token), created_at=now))
    db.session.flush()
    user.current_session_token = token
    return token


def load_session_user(token: str) -> User | None:
    session_row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user).selectinload(User.role_links))
        .where(UserSession.token_hash == _hash_session_token(token))
    )
    if session_row is None or not session_row.user.active:
        return None
    user = session_row.user
    user.current_session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash_session_token(token)))


def end_other_sessions(user: User, keep_token: str | None) -> None:
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != _hash_session_token(keep_token))
    db.session.execute(query)


# --- passwords ----------------------------------------------------------------------


def request_password_reset(email: str, *, now: datetime) -> None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        # Build (and drop) the same e-mail so unknown addresses answer as slowly as known ones.
        with db.session.no_autoflush:
            stand_in = User(email="", display_name="", preferred_language="fr", password_hash="")
            message = queue_email(to="", subject=_l("Choisir un nouveau mot de passe"),
                                  template="accounts/reset_password", language="fr", now=now, user=stand_in,
                                  reset_url=absolute_url("accounts.forgot_password"), minutes=0)
            db.session.expunge(message)
        return
    token = tokens.make_token(
        tokens.RESET_PASSWORD,
        {"uid": user.id, "ph": tokens.fingerprint(user.password_hash)},
        now=now,
        lifetime=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )
    queue_email(
        to=user.email,
        subject=_l("Choisir un nouveau mot de passe"),
        template="accounts/reset_password",
        language=user.preferred_language,
        now=now,
        user=user,
        reset_url=absolute_url("accounts.reset_password", token=token),
        minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60),
    )


def check_reset_link(token: str, *, now: datetime) -> User:
    user, payload = _user_from_link(tokens.RESET_PASSWORD, token, now)
    if payload.get("ph") != tokens.fingerprint(user.password_hash) or not user.active:
        raise BadLink(_l("Ce lien a déjà servi. Demandez-en un nouveau si besoin."))
    return user


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    user = check_reset_link(token, now=now)
    check_password(new_password, personal=(user.email, user.display_name))
    user.password_hash = passwords.hash_password(new_password)
    # The link proved the address: a reset also confirms it.
    user.email_confirmed_at = user.email_confirmed_at or now
    end_other_sessions(user, keep_token=None)
    _notify_password_changed(user, now=now)
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str, *, now: datetime) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise DomainError(_l("Le mot de passe actuel est incorrect."), field="current_password")
    check_password(new_password, field="new_password", personal=(user.email, user.display_name))
    user.password_hash = passwords.hash_password(new_password)
    end_other_sessions(user, keep_token=user.current_session_token)
    _notify_password_changed(user, now=now)
    db.session.flush()


def _notify_password_changed(user: User, *, now: datetime) -> None:
    queue_email(
        to=user.email,
        subject=_l("Votre mot de passe a été modifié"),
        template="accounts/password_changed",
        language=user.preferred_language,
        now=now,
        user=user,
        reset_url=absolute_url("accounts.forgot_password"),
    )


# --- profile and e-mail change ------------------------------------------------------


def update_profile(user: User, *, display_name: str, phone: str | None, language: str) -> None:
    if language not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Cette langue n'est pas proposée."), field="preferred_language")
    user.display_name = display_name.strip()
    user.phone = (phone or "").strip() or None
    user.preferred_language = language
    db.session.flush()


def request_email_change(user: User, password: str, new_email: str, *, now: datetime) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise DomainError(_l("Le mot de passe est incorrect."), field="password")
    new_email = check_email_syntax(new_email)
    if new_email == user.email:
        raise DomainError(_l("C'est déjà votre adresse actuelle."), field="new_email")
    token = tokens.make_token(
        tokens.CHANGE_EMAIL,
        {"uid": user.id, "old": user.email, "new": new_email},
        now=now,
        lifetime=current_app.config["EMAIL_CONFIRM_MAX_AGE"],
    )
    # Whether the new address is taken is only revealed to its owner, by e-mail.
    if find_user_by_email(new_email) is not None:
        return
    queue_email(
        to=new_email,
        subject=_l("Confirmez votre nouvelle adresse e-mail"),
        template="accounts/change_email",
        language=user.preferred_language,
        now=now,
        user=user,
        new_email=new_email,
        confirm_url=absolute_url("accounts.confirm_email_change", token=token),
    )


def check_email_change_link(token: str, *, now: datetime) -> tuple[User, str]:
    user, payload = _user_from_link(tokens.CHANGE_EMAIL, token, now)
    if payload.get("old") != user.email:
        raise BadLink(_l("Ce lien a déjà servi."))
    new_email = str(payload.get("new", ""))
    if find_user_by_email(new_email) is not None:
        raise BadLink(_l("Cette adresse est déjà utilisée par un autre compte."))
    return user, new_email


def confirm_email_change(token: str, *, now: datetime) -> User:
    user, new_email = check_email_change_link(token, now=now)
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = now
    queue_email(
        to=old_email,
        subject=_l("Votre adresse e-mail a été modifiée"),
        template="accounts/email_changed",
        language=user.preferred_language,
        now=now,
        user=user,
        new_email=new_email,
    )
    db.session.flush()
    return user


# --- administration -----------------------------------------------------------------


def search_users(query: str | None, *, page: int, per_page: int = 25):
    statement = select(User).order_by(User.display_name, User.id)
    if query:
        escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            or_(func.lower(User.display_name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
        )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def set_roles(actor: User, user: User, roles: set[Role], *, now: datetime) -> None:
    if actor.id == user.id and Role.ADMIN not in roles:
        raise DomainError(_l("Vous ne pouvez pas retirer votre propre rôle d'administrateur."), field="roles")
    roles = set(roles) | {Role.MEMBER}  # everyone with an account is a member
    current = {link.role: link for link in user.role_links}
    for role, link in current.items():
        if role not in roles:
            user.role_links.remove(link)
    for role in roles - set(current):
        user.role_links.append(UserRole(role=role, granted_at=now))
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id and not active:
        raise DomainError(_l("Vous ne pouvez pas désactiver votre propre compte."), field="active")
    user.active = active
    if not active:
        end_other_sessions(user, keep_token=None)
    db.session.flush()


def create_admin(*, email: str, display_name: str, password: str, now: datetime) -> User:
    email = check_email_syntax(email)
    check_password(password, personal=(email, display_name))
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email, display_name=display_name, preferred_language="fr",
                    password_hash=passwords.hash_password(password), created_at=now, updated_at=now)
        db.session.add(user)
    else:
        user.password_hash = passwords.hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or now
    user.active = True
    for role in (Role.MEMBER, Role.ADMIN):
        if role not in user.roles:
            user.role_links.append(UserRole(role=role, granted_at=now))
    db.session.flush()
    return user
