"""Domain exceptions and the HTTP error handlers."""
from __future__ import annotations

import logging
from datetime import UTC
import time

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, limiter

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused an action. ``field`` names the form field it concerns."""

    status_code = 422

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


ERROR_TEXTS = {
    400: (_l("Requête invalide"), _l("La demande n'a pas pu être comprise. Rechargez la page et réessayez.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas le droit d'ouvrir cette page.")),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou n'existe plus.")),
    405: (_l("Action impossible"), _l("Cette action n'est pas possible à cette adresse.")),
    413: (_l("Fichier trop volumineux"), _l("Le fichier ou le formulaire envoyé est trop volumineux.")),
    429: (_l("Trop de tentatives"), _l("Vous avez fait trop de tentatives en peu de temps.")),
    500: (_l("Erreur du serveur"), _l("Une erreur inattendue s'est produite. Rien n'a été enregistré ; réessayez dans un instant.")),
}


def render_error(status: int, detail: str | None = None, retry_after: int | None = None):
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    html = render_template(
        "errors/error.html",
        status=status,
        title=title,
        text=detail or text,
        retry_after=retry_after,
    )
    return html, status


def init_error_handlers(app: Flask) -> None:
    from portal.api.problems import is_api_request, problem, validation_errors

    @app.errorhandler(CSRFError)
    def _csrf_error(err):
        db.session.rollback()
        if is_api_request():
            return problem(400, _l("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."))
        return render_error(400, _l("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."))

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        db.session.rollback()
        if is_api_request():
            extra = {}
            suggestions = getattr(err, "suggestions", None)
            if suggestions is not None:
                extra["suggestions"] = [
                    {"space_id": s.space_id, "space_name": s.space_name,
                     "starts_at": s.starts_at.astimezone(UTC).isoformat(),
                     "ends_at": s.ends_at.astimezone(UTC).isoformat()} for s in suggestions]
            errors = {err.field: [str(err.message)]} if err.field else None
            return problem(err.status_code, str(err.message), errors=errors, **extra)
        status = err.status_code if err.status_code in ERROR_TEXTS else 400
        return render_error(status, str(err.message) if status not in (403, 404) else None)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        db.session.rollback()
        retry_after = None
        if err.code == 429:
            retry_after = _retry_after_seconds()
        if is_api_request():
            response = problem(err.code, errors=validation_errors(getattr(err, "data", None)))
            if retry_after:
                response.headers["Retry-After"] = str(retry_after)
            if err.code == 405 and getattr(err, "valid_methods", None):
                response.headers["Allow"] = ", ".join(err.valid_methods)
            return response
        body, status = render_error(err.code if err.code in ERROR_TEXTS else 500, retry_after=retry_after)
        response = app.make_response((body, status))
        if err.code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if is_api_request():
            return problem(500)
        return render_error(500)


def _retry_after_seconds() -> int | None:
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, int(current.reset_at - time.time()))
