"""Whole pages for visitors without an account, rendered once per data version and process.

Two such visitors asking for the same address in the same language see the same page, except for
the CSRF token of the language form. The page is rendered with a placeholder in place of the token,
and each response puts the visitor's own token there (generated as usual, so the session cookie is
the same as without the cache). A page whose rendering reached the real token some other way is
never kept. Signed-in visitors, and anyone with a message waiting to be shown, get a fresh render.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import request, session
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
    token = generate_csrf()

    def compute():
        html = render(csrf_token=lambda: PLACEHOLDER)
        return _UNCACHEABLE if token in html else html

    html = pages.get(key, version, compute)
    if html is _UNCACHEABLE:
        return None
    return html.replace(PLACEHOLDER, token)
