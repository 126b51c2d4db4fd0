"""Turning query-string and form values into dates and instants, refusing junk politely."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from portal.spaces.errors import BookingRefused


def parse_instant(raw: str | None, field: str) -> datetime:
    """ISO 8601 with an offset; a '+' turned into a space by a URL is put back."""
    text = (raw or "").strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BookingRefused(_l("Cette heure n'est pas lisible."), field=field) from None
    if value.tzinfo is None:
        raise BookingRefused(_l("Indiquez l'heure avec son fuseau horaire."), field=field)
    return value


def parse_day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def parse_int(raw, default: int | None = None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default
