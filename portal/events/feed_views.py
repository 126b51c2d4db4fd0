"""Calendar feeds: public, per theme, organiser and space, and personal; .ics per event.

Every feed answers conditional requests (ETag, Last-Modified → 304) and keeps
its body per data version, so polling clients cost no query while nothing changes.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime as http_date
from functools import lru_cache

from flask import Blueprint, Response, abort, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import versions
from portal.conditional import share_not_modified
from portal.db import utcnow
from portal.events import ical
from portal.events.models import Theme
from portal.events.services import agenda
from portal.events.services.events import get_event
from portal.spaces.services import feeds as personal_feeds
from portal.spaces.services.cache import VersionedCache

bp = Blueprint("event_feeds", __name__)
feed_bodies = VersionedCache(maxsize=128)
feed_stamps = VersionedCache(maxsize=256)
FEED_TABLES = ("events", "spaces", "event_series")


def _feed(name, cache_key: tuple, **scope) -> Response:
    now = utcnow()
    stamp, minute = versions.stamp(*FEED_TABLES), int(now.timestamp()) // 60
    # The database stamp (count, last change, day) is read once per data version and minute in
    # each process: ETag and Last-Modified stay the same whichever worker answers.
    version = feed_stamps.get(cache_key, (stamp, minute),
                              lambda: agenda.feed_version(audience_public=True, now=now, **scope))
    language = str(get_locale())
    etag = hashlib.sha256(repr((cache_key, language, version)).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        share_not_modified(FEED_TABLES, stamp, minute, etag)
    else:
        body = feed_bodies.get((cache_key, language), version, lambda: ical.events_calendar(
            agenda.feed_events(audience_public=True, now=now, **scope), name=str(name)))
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = 'inline; filename="evenements.ics"'
    response.set_etag(etag)
    if version[1]:
        response.headers["Last-Modified"] = _http_date(version[1])
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")  # names and labels are in the asker's language
    return response


@lru_cache(maxsize=64)
def _http_date(iso: str) -> str:
    return http_date(datetime.fromisoformat(iso), usegmt=True)


@bp.get("/evenements/flux.ics")
def public_feed():
    # Lazy names: translated only when a body is built, not for each conditional request.
    return _feed(_l("Agenda des Chrysalides"), ("public",))


@bp.get("/evenements/flux/theme/<theme>.ics")
def theme_feed(theme: str):
    if theme not in {t.value for t in Theme}:
        abort(404)
    return _feed(_l("Agenda des Chrysalides — %(theme)s", theme=str(ical.THEME_LABELS[theme])), ("theme", theme),
                 theme=theme)


@bp.get("/evenements/flux/organisateur/<int:organiser_id>.ics")
def organiser_feed(organiser_id: int):
    return _feed(_l("Agenda des Chrysalides — organisateur"), ("organiser", organiser_id), organiser_id=organiser_id)


@bp.get("/evenements/flux/espace/<int:space_id>.ics")
def space_feed(space_id: int):
    return _feed(_l("Agenda des Chrysalides — espace"), ("space", space_id), space_id=space_id)


@bp.get("/calendrier/<token>/evenements.ics")
def personal_feed(token: str):
    user = personal_feeds.user_for_feed(token)
    if user is None:
        abort(404)
    with force_locale(user.preferred_language):
        body = ical.events_calendar(agenda.personal_events(user, utcnow()), name=_("Mes événements aux Chrysalides"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/evenements/<int:event_id>.ics")
def event_ics(event_id: int):
    event = get_event(event_id, current_user)
    response = Response(ical.events_calendar([event], name=event.title), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="evenement-{event.id}.ics"'
    return response
