"""Admins manage spaces, their rules and opening hours, and closures."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.extensions import db
from portal.forms import REFUSED, committed, status_for
from portal.spaces.forms import CancelForm, ClosureForm, SpaceForm
from portal.spaces.services import admin, queries
from portal.qr import qr_svg
from portal.timeutil import paris_today
from portal.urls import absolute_url

bp = Blueprint("spaces_admin", __name__, url_prefix="/admin")


@bp.get("/espaces")
@role_required(Role.ADMIN)
def list_spaces():
    return render_template("spaces/admin/list_spaces.html", spaces=queries.list_spaces(active_only=False))


@bp.route("/espaces/nouveau", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_space():
    return _edit_space(None)


@bp.route("/espaces/<int:space_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_space(space_id: int):
    return _edit_space(queries.get_space(space_id, active_only=False))


def _edit_space(space):
    form = SpaceForm(obj=space)
    if request.method == "GET":
        if space is not None:
            form.kind.data = space.kind.value
            form.bookable_by.data = space.bookable_by.value
            form.slot_mode.data = space.slot_mode.value
            form.desks.data = len([r for r in space.resources if r.active]) if space.is_desk_area else None
            by_day = {h.weekday: h for h in space.opening_hours}
            for weekday, entry in enumerate(form.hours.entries):
                hours = by_day.get(weekday)
                entry.form.opens_at.data = hours.opens_at if hours else None
                entry.form.closes_at.data = hours.closes_at if hours else None
    if form.validate_on_submit():
        hours = [(entry.form.opens_at.data, entry.form.closes_at.data) for entry in form.hours.entries]
        saved = committed(lambda: admin.save_space(space, form.data, hours), form)
        if saved is not REFUSED:
            flash(_("L'espace « %(name)s » est enregistré.", name=saved.name), "success")
            return redirect(url_for("spaces_admin.list_spaces"), 303)
    return render_template("spaces/admin/edit_space.html", form=form, space=space), status_for(form)


@bp.route("/fermetures", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def closures():
    form = ClosureForm()
    form.space_id.choices = [SelectChoice(0, _("Tout le tiers-lieu"))] + [
        SelectChoice(s.id, s.name) for s in queries.list_spaces(active_only=False)]
    if form.validate_on_submit():
        added = committed(lambda: admin.add_closure(space_id=form.space_id.data or None, starts_on=form.starts_on.data,
                                                    ends_on=form.ends_on.data, reason=form.reason.data), form)
        if added is not REFUSED:
            flash(_("Fermeture enregistrée."), "success")
            return redirect(url_for("spaces_admin.closures"), 303)
    return render_template("spaces/admin/closures.html", form=form, delete_form=CancelForm(),
                           closures=admin.list_closures(paris_today(utcnow()))), status_for(form)


@bp.post("/fermetures/<int:closure_id>/supprimer")
@role_required(Role.ADMIN)
def delete_closure(closure_id: int):
    if CancelForm().validate_on_submit():
        admin.delete_closure(closure_id)
        db.session.commit()
        flash(_("Fermeture supprimée."), "success")
    return redirect(url_for("spaces_admin.closures"), 303)


@bp.get("/espaces/<int:space_id>/codes-qr")
@role_required(Role.ADMIN)
def print_desk_codes(space_id: int):
    """One QR code per desk, to print and stick on it: it opens "book this desk now"."""
    space = queries.get_space(space_id, active_only=False)
    codes = [(resource, qr_svg(absolute_url("spaces.desk", qr_token=resource.qr_token),
                               label=_("Code QR du %(desk)s", desk=resource.name)))
             for resource in queries.active_resources(space)]
    return render_template("spaces/admin/desk_codes.html", space=space, codes=codes)
