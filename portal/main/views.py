from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import csrf, db
from portal.security import safe_next_url

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: answers fast, 503 when the database is unreachable."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/langue")
@csrf.exempt
def set_language():
    # For a visitor without an account the choice only lands in their own session: no token is
    # needed, so pages for visitors stay the same for everyone and open no session. For someone
    # signed in it changes their profile, which a forged request must not do.
    if current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
        if current_user.is_authenticated and current_user.preferred_language != language:
            current_user.preferred_language = language
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.home"))


@bp.get("/accessibilite")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/confidentialite")
def privacy():
    return render_template("main/privacy.html")
