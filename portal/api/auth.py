"""API authentication: the browser session, or a personal token (Authorization: Bearer …)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import Request, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import ApiToken, User
from portal.errors import DomainError, NotFound
from portal import versions
from portal.db import detached_copy
from portal.extensions import db
from portal.versions import VersionedCache

TOKEN_PREFIX = "chr_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, *, now: datetime) -> tuple[ApiToken, str]:
    """Returns the row and the secret, which is shown once and never stored."""
    name = (name or "").strip()[:80]
    if not name:
        raise DomainError(_l("Donnez un nom au jeton, par exemple le site qui l'utilisera."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), prefix=secret[:10], created_at=now)
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.created_at)
    ))


def revoke_token(user: User, token_id: int, *, now: datetime) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("Ce jeton n'existe pas."))
    token.revoked_at = now
    db.session.flush()


def user_from_request(request: Request) -> User | None:
    """Flask-Login's request loader: a valid, unrevoked bearer token of an active account."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = _digest(secret.strip())
    found = []
    snapshot = _known_tokens.get(digest, versions.stamp(*AUTH_TABLES), lambda: _look_up(digest, found))
    if snapshot is None:
        return None
    g.api_token_auth = True
    # Looked up just now, or a copy attached to this request's session without a query.
    return found[0] if found else db.session.merge(snapshot, load=False)


# Token → account, per process, while no token, account or role changes (revoking a token or
# deactivating an account writes one of these tables, which moves the version at once).
AUTH_TABLES = ("api_tokens", "users", "user_roles")
_known_tokens = VersionedCache(maxsize=1024)


def _look_up(digest: str, found: list) -> User | None:
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user).selectinload(User.role_links))
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    found.append(token.user)
    return detached_copy(token.user, "role_links")
