"""Spam protection without third-party scripts: a hidden field, a minimum filling time, a rate limit.

Each refusal says, in plain words, what happened and what to do.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse

from portal.errors import DomainError

HONEYPOT_FIELD = "site_web"
SUBMIT_LIMIT = "5 per hour"
API_LIMIT = "60 per hour"
MESSAGE_LIMIT = "30 per hour"
DRAFT_LIMIT = "30 per hour"  # new drafts from one address: a robot cannot fill the table


class SpamRefused(DomainError):
    status_code = 422
    retry_after: int | None = None  # seconds, when a rate limit refused


def check_honeypot(value: str | None) -> None:
    if value:
        raise SpamRefused(_l("Votre demande n'a pas été envoyée : un champ caché, que seuls les robots remplissent, "
                             "n'était pas vide. Si vous êtes une personne, videz le champ « Site web » puis réessayez, "
                             "ou appelez les Chrysalides."))


def check_timing(started_at: datetime | None, now: datetime) -> None:
    minimum = timedelta(seconds=current_app.config.get("ACCOMPANIMENT_MIN_FILL_SECONDS", 5))
    if started_at is None or now - started_at < minimum:
        raise SpamRefused(_l("Votre demande est arrivée trop vite pour avoir été écrite par une personne, "
                             "alors nous ne l'avons pas envoyée. Relisez-la tranquillement, puis envoyez-la à nouveau : "
                             "tout ce que vous avez écrit est gardé."))


TOO_MANY_REQUESTS = _l("Beaucoup de demandes sont parties de cette connexion en peu de temps, alors nous bloquons "
                       "les envois pendant une heure. Votre brouillon est gardé : réessayez plus tard, ou appelez "
                       "les Chrysalides.")
TOO_MANY_DRAFTS = _l("Beaucoup de formulaires ont été commencés depuis cette connexion en peu de temps, alors nous "
                     "bloquons les nouveaux pendant une heure. Réessayez plus tard, ou appelez les Chrysalides.")
TOO_MANY_FROM_PARTNER = _l("Ce site partenaire a envoyé trop de demandes en une heure ; les suivantes sont refusées "
                           "pendant une heure. Réessayez plus tard.")
TOO_MANY_MESSAGES = _l("Vous avez envoyé beaucoup de messages en peu de temps. L'équipe a bien reçu les précédents : "
                       "attendez un peu avant d'écrire à nouveau.")


def check_rate(key: str, limit: str = SUBMIT_LIMIT, message=TOO_MANY_REQUESTS) -> None:
    """Counted in Flask-Limiter's storage (Redis in production), so every worker shares it."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    from portal.extensions import limiter

    item = parse(limit)
    if not limiter.limiter.hit(item, "accompaniment", key):
        refusal = SpamRefused(message)
        reset_at = limiter.limiter.get_window_stats(item, "accompaniment", key).reset_time
        refusal.retry_after = max(1, int(reset_at - time.time()))
        raise refusal
