"""« Mes données » : export, account deletion, and the staff log of these requests."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.accounts import passwords
from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.forms import status_for
from portal.payments.stripe_gateway import GatewayUnavailable
from portal.privacy import services
from portal.privacy.forms import ButtonForm, DeleteAccountForm
from portal.privacy.retention import TABLES

bp = Blueprint("privacy", __name__)


@bp.get("/mes-donnees")
@login_required
def my_data():
    return render_template("privacy/my_data.html", button=ButtonForm(), tables=services.rows_about(current_user))


@bp.post("/mes-donnees/export")
@login_required
@limiter.limit("10 per hour")
def export():
    if not ButtonForm().validate_on_submit():
        abort(400)
    now = utcnow()
    content = services.export_zip(current_user, now=now)
    db.session.commit()
    name = f"mes-donnees-chrysalides-{now:%Y-%m-%d}.zip"
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/mes-donnees/supprimer-mon-compte", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not passwords.verify_password(current_user.password_hash, form.password.data):
            form.password.errors = [*form.password.errors, _("Mot de passe incorrect.")]
        else:
            try:
                services.delete_account(current_user, now=utcnow())
            except GatewayUnavailable:
                db.session.rollback()
                flash(_("Votre abonnement n'a pas pu être résilié auprès de notre prestataire de paiement, "
                        "donc votre compte n'a pas été supprimé. Réessayez dans quelques minutes."), "error")
                return render_template("privacy/delete_account.html", form=form), 503
            db.session.commit()
            logout_user()
            return render_template("privacy/deleted.html")
    return render_template("privacy/delete_account.html", form=form), status_for(form)


@bp.get("/equipe/rgpd")
@role_required(Role.STAFF, Role.ADMIN)
def requests_log():
    return render_template("privacy/requests_log.html", requests=services.requests_log())


@bp.get("/donnees-personnelles/registre")
@role_required(Role.STAFF, Role.ADMIN)
def register():
    return render_template("privacy/register.html", tables=TABLES)
