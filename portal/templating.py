"""Jinja globals shared by every page."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape


def endpoint_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def nl2br(value) -> Markup:
    """Escaped text whose line breaks survive in HTML (messages typed by people)."""
    return Markup("<br>").join(escape(str(value)).split("\n"))


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    app.jinja_env.filters["nl2br"] = nl2br

    @app.context_processor
    def _globals():
        return {
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "languages": app.config["LANGUAGES"],
            "endpoint_exists": endpoint_exists,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "url_for": url_for,
        }
