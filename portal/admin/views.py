from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts.models import Role
from portal.admin.forms import ROLE_LABELS, ActivationForm, RolesForm
from portal.auth import role_required
from portal.db import utcnow
from portal.forms import attempt

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/utilisateurs")
@role_required(Role.ADMIN)
def list_users():
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int) or 1
    pagination = accounts.search_users(query, page=max(page, 1))
    return render_template("admin/list_users.html", pagination=pagination, query=query, role_labels=ROLE_LABELS)


@bp.get("/utilisateurs/<int:user_id>")
@role_required(Role.ADMIN)
def show_user(user_id: int):
    user = accounts.get_user(user_id)
    roles_form = RolesForm(roles=[role.value for role in user.roles])
    return render_template(
        "admin/show_user.html",
        user=user,
        roles_form=roles_form,
        activation_form=ActivationForm(),
        role_labels=ROLE_LABELS,
    )


@bp.post("/utilisateurs/<int:user_id>/roles")
@role_required(Role.ADMIN)
def update_roles(user_id: int):
    user = accounts.get_user(user_id)
    form = RolesForm()
    if form.validate_on_submit():
        attempt(lambda: accounts.set_roles(current_user, user, {Role(value) for value in form.roles.data or ()},
                                           now=utcnow()),
                lambda _result: _("Les rôles de %(name)s sont enregistrés.", name=user.display_name))
    else:
        flash(_("Choix de rôles invalide."), "error")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/utilisateurs/<int:user_id>/activation")
@role_required(Role.ADMIN)
def update_activation(user_id: int):
    user = accounts.get_user(user_id)
    form = ActivationForm()
    if form.validate_on_submit():
        attempt(lambda: accounts.set_active(current_user, user, form.active.data == "1"),
                lambda _result: (_("Le compte de %(name)s est réactivé.", name=user.display_name) if user.active
                                 else _("Le compte de %(name)s est désactivé.", name=user.display_name)))
    return redirect(url_for("admin.show_user", user_id=user.id))
