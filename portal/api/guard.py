"""Access rules shared by the API blueprints."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from portal.api.problems import problem
from flask_babel import lazy_gettext as _l

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def api_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return problem(401)
        return view(*args, **kwargs)

    return wrapped


def api_role_required(*roles):
    """401 without credentials, 403 without one of the roles (the service checks the object)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return problem(401)
            if not current_user.has_role(*roles):
                return problem(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def check_session_csrf():
    """Session-authenticated writes need the CSRF token (header X-CSRFToken); bearer tokens do not."""
    if request.method not in UNSAFE_METHODS:
        return None
    if not current_user.is_authenticated:  # also runs the bearer-token loader
        return None  # the view answers 401
    if g.get("api_token_auth"):
        return None
    from flask import current_app

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (ValidationError, CSRFError):
        return problem(400, _l("Jeton CSRF absent ou invalide : envoyez-le dans l’en-tête X-CSRFToken."))
    return None
