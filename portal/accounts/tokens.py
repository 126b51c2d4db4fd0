"""Signed, expiring links sent by e-mail.

The expiry travels inside the signed payload and is checked against the ``now``
the caller passes, so the rule is the same in a page, a command and a test.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

CONFIRM_EMAIL = "confirm-email"
RESET_PASSWORD = "reset-password"
CHANGE_EMAIL = "change-email"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def make_token(purpose: str, payload: dict, *, now: datetime, lifetime: timedelta) -> str:
    return _serializer(purpose).dumps({**payload, "exp": int((now + lifetime).timestamp())})


def read_token(purpose: str, token: str, *, now: datetime) -> dict:
    try:
        payload = _serializer(purpose).loads(token)
    except BadSignature as err:
        raise TokenInvalid from err
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        raise TokenInvalid
    if now.timestamp() > payload["exp"]:
        raise TokenExpired
    return payload


def fingerprint(value: str) -> str:
    """A short digest binding a token to a value that changes once the token is used."""
    return hashlib.sha256(value.encode()).hexdigest()[:20]
