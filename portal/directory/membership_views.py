"""Asking to join an organisation, answering requests, leaving, handing over the management."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.db import utcnow
from portal.directory import memberships, services
from portal.directory.forms import ButtonForm, JoinForm
from portal.directory.models import JoinRequest
from portal.directory.views import _managed, bp
from portal.extensions import db
from portal.forms import attempt


def _done(message: str, endpoint: str, slug: str, action) -> object:
    attempt(action, message)
    return redirect(url_for(endpoint, slug=slug), 303)


@bp.post("/annuaire/organisations/<slug>/rejoindre")
@login_required
def ask_to_join(slug: str):
    organisation = services.organisation_by_slug(slug, current_user)
    form = JoinForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("directory.show_organisation", slug=slug), 303)
    return _done(_("Votre demande est envoyée aux responsables de l'organisation."), "directory.show_organisation",
                 slug, lambda: memberships.ask_to_join(current_user, organisation, form.message.data or "",
                                                       now=utcnow()))


@bp.post("/annuaire/organisations/<slug>/quitter")
@login_required
def leave_organisation(slug: str):
    organisation = services.organisation_by_slug(slug, current_user)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return _done(_("Vous ne faites plus partie de cette organisation."), "directory.show_organisation", slug,
                 lambda: memberships.leave(current_user, organisation, current_user))


@bp.post("/annuaire/organisations/<slug>/demandes/<int:join_id>/decision")
@login_required
def decide_join(slug: str, join_id: int):
    organisation = _managed(slug)
    join = db.session.get(JoinRequest, join_id)
    if join is None or join.organisation_id != organisation.id:
        abort(404)
    if not ButtonForm().validate_on_submit() or request.form.get("accept") not in ("1", "0"):
        abort(400)
    accept = request.form["accept"] == "1"
    return _done(_("Demande acceptée ; la personne est prévenue par e-mail.") if accept
                 else _("Demande refusée ; la personne est prévenue par e-mail."), "directory.edit_organisation", slug,
                 lambda: memberships.decide_join(current_user, join, accept, now=utcnow()))


@bp.post("/annuaire/organisations/<slug>/membres/<int:user_id>/responsable")
@login_required
def set_manager(slug: str, user_id: int):
    organisation = _managed(slug)
    user = db.session.get(User, user_id) or abort(404)
    if not ButtonForm().validate_on_submit() or request.form.get("manager") not in ("1", "0"):
        abort(400)
    manager = request.form["manager"] == "1"
    return _done(_("La gestion de l'organisation est mise à jour."), "directory.edit_organisation", slug,
                 lambda: memberships.set_manager(current_user, organisation, user, manager))
