"""Access declared at the view: log-in and roles."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.accounts.models import Role


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
