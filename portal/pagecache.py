"""Whole pages for visitors without an account, rendered once per data version and process.

Two such visitors asking for the same address in the same language see the same page. Such pages
usually hold no form needing a CSRF token (the language form needs none for visitors), so no session
is opened for them. When one does, it is rendered with a placeholder in place of the token and each
response puts the visitor's own token there (generated as usual). A page whose rendering reached a
real token some other way is never kept. Signed-in visitors, and anyone with a message waiting to be
shown, get a fresh render.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.versions import VersionedCache

PLACEHOLDER = "csrf" + secrets.token_hex(24)
pages = VersionedCache(maxsize=512)
_UNCACHEABLE = object()


def anonymous_page(version: Hashable, render: Callable[..., str]) -> str | None:
    """The page for this visitor, or None when it must be rendered for them alone.

    ``render(**context)`` renders the page, passing ``context`` to the template.
    """
    if current_user.is_authenticated or session.get("_flashes"):
        return None
    key = (request.script_root, request.full_path, str(get_locale()))
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    # A visitor who already holds a token: rendering must not show it. A visitor without one:
    # rendering must not create one. Either way such a page is theirs alone.
    token = generate_csrf() if field in session else None

    def compute():
        html = render(csrf_token=lambda: PLACEHOLDER)
        leaked = (token in html) if token else (field in session)
        return _UNCACHEABLE if leaked else html

    html = pages.get(key, version, compute)
    if html is _UNCACHEABLE:
        return None
    if PLACEHOLDER not in html:
        return html  # no form needing a token: nothing personal, no session opened
    return html.replace(PLACEHOLDER, token or generate_csrf())
