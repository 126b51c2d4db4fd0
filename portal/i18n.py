"""Language and time-zone selection, and the formatting helpers templates use."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, format_time, get_locale, gettext
from flask_login import current_user

PARIS = "Europe/Paris"
PARIS_TZ = ZoneInfo(PARIS)


def available_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Profile language, else the remembered choice, else Accept-Language, else French."""
    if not has_request_context():  # a CLI command or the mail sender
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = available_languages()
    if current_user and current_user.is_authenticated:
        preferred = getattr(current_user, "preferred_language", None)
        if preferred in languages:
            return preferred
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone() -> str:
    return PARIS


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _wtforms_translations():
    """WTForms' own messages in the request's language, each catalogue read from disk once.

    Flask-WTF parses the catalogue file again on every request that builds a form.
    """
    if not has_request_context():
        return None
    return _wtforms_catalogue(str(get_locale()))


def init_i18n(app: Flask, babel: Babel) -> None:
    import flask_wtf.i18n

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    flask_wtf.i18n._get_translations = _wtforms_translations
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if isinstance(value, datetime) else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    app.jinja_env.filters["time"] = lambda value, fmt="short": format_time(value, fmt) if value else ""
    app.jinja_env.filters["paris_date_iso"] = lambda value: value.astimezone(PARIS_TZ).date().isoformat()
    app.jinja_env.filters["duration"] = format_duration


def format_duration(value: timedelta) -> str:
    """1 h, 1 h 30, 45 min — the way French timetables write it (and English ones read fine)."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return gettext("%(hours)s h %(minutes)02d", hours=hours, minutes=minutes)
    if hours:
        return gettext("%(hours)s h", hours=hours)
    return gettext("%(minutes)s min", minutes=minutes)
