"""RFC 9457 problem details for every API error, with a translated ``detail``."""
from __future__ import annotations

from flask import Response, json, request
from flask_babel import lazy_gettext as _l

from portal.errors import ERROR_TEXTS

API_PREFIX = "/api/"
EXTRA_TITLES = {
    401: (_l("Authentification requise"), _l("Connectez-vous ou fournissez un jeton d'API (Authorization: Bearer …).")),
    409: (_l("Conflit"), _l("La ressource a changé ou le créneau est pris.")),
    422: (_l("Données invalides"), _l("Certaines valeurs sont invalides ; voir « errors ».")),
    503: (_l("Service indisponible"), _l("Un service extérieur ne répond pas ; réessayez dans un instant.")),
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, errors: dict | None = None, **extra) -> Response:
    title, default_detail = EXTRA_TITLES.get(status) or ERROR_TEXTS.get(status) or ERROR_TEXTS[500]
    body = {"type": "about:blank", "title": str(title), "status": status, "detail": str(detail or default_detail)}
    if errors:
        body["errors"] = {field: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
                          for field, messages in errors.items()}
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def validation_errors(data: dict | None) -> dict:
    """Flatten webargs' {"json": {"field": [...]}} into {"field": [...]}."""
    messages = (data or {}).get("messages") or {}
    flat: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            for field, msgs in location_errors.items():
                flat[field] = _flatten(msgs)
    return flat


# marshmallow's messages, in the caller's language.
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("Champ obligatoire."),
    "Not a valid integer.": _l("Nombre entier attendu."),
    "Not a valid date.": _l("Date invalide (AAAA-MM-JJ attendu)."),
    "Not a valid datetime.": _l("Date et heure invalides (ISO 8601 attendu)."),
    "Not a valid aware datetime.": _l("Indiquez l'heure avec son décalage UTC, par exemple 2026-03-02T09:00:00+01:00."),
    "Not a valid string.": _l("Texte attendu."),
    "Not a valid boolean.": _l("Valeur vrai/faux attendue."),
    "Unknown field.": _l("Champ inconnu."),
    "Field may not be null.": _l("Ce champ ne peut pas être vide."),
    "Invalid input type.": _l("Type de données invalide."),
}


def _translate(message) -> str:
    text = str(message)
    if text.startswith("Longer than maximum length"):
        return str(_l("Texte trop long."))
    return str(MARSHMALLOW_MESSAGES.get(text, text))


def _flatten(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    return [_translate(messages)]
