"""The reception's pages: the day board, approvals, walk-in bookings, check-in."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.accounts.models import Role
from portal.accounts.services import find_user_by_email
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import attempt, show_domain_error, status_for
from portal.spaces.errors import BookingConflict, BookingRefused
from portal.spaces.forms import CancelForm, DecisionForm, WalkInForm
from portal.spaces.parsing import parse_day
from portal.spaces.services import bookings, queries, staff
from portal.timeutil import paris_to_utc, paris_today

bp = Blueprint("spaces_staff", __name__, url_prefix="/equipe")


@bp.get("/tableau")
@role_required(Role.STAFF, Role.ADMIN)
def board():
    now = utcnow()
    today = paris_today(now)
    day = parse_day(request.args.get("date"), today)
    data = staff.day_board(day)
    return render_template(
        "spaces/staff/board.html", board=data, day=day, today=today, now=now,
        previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        decision_form=DecisionForm(), check_in_form=CancelForm(), stale_jobs=data.stale_jobs(now),
    )


@bp.post("/reservations/<int:booking_id>/decision")
@role_required(Role.STAFF, Role.ADMIN)
def decide(booking_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        attempt(lambda: bookings.decide_booking(current_user, booking_id, approve=form.decision.data == "approve",
                                                reason=form.reason.data, now=utcnow()),
                lambda booking: _("Réservation acceptée ; la personne est prévenue par e-mail.")
                if booking.status.value == "confirmed"
                else _("Réservation refusée ; la personne est prévenue par e-mail."))
    return redirect(url_for("spaces_staff.board"), 303)


@bp.route("/reservations/<int:booking_id>/arrivee/<token>", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def check_in(booking_id: int, token: str):
    """What the booking's QR code opens on the reception's phone."""
    booking = bookings.get_booking(booking_id, current_user)
    if booking.check_in_token != token:
        return render_template("errors/error.html", status=404, title=_("Page introuvable"),
                               text=_("Ce code QR ne correspond à aucune réservation."), retry_after=None), 404
    form = CancelForm()
    if form.validate_on_submit():
        attempt(lambda: bookings.check_in(current_user, booking, now=utcnow()),
                lambda _result: _("Arrivée de %(name)s enregistrée.", name=booking.holder_name))
        return redirect(url_for("spaces_staff.check_in", booking_id=booking_id, token=token), 303)
    return render_template("spaces/staff/check_in.html", booking=booking, form=form)


@bp.route("/reservations/nouvelle", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def walk_in():
    now = utcnow()
    form = WalkInForm()
    spaces = queries.list_spaces()
    form.space_id.choices = [SelectChoice(s.id, s.name) for s in spaces]
    if request.method == "GET":
        form.day.data = paris_today(now)
        form.idempotency_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            holder = _walk_in_holder(form)
            booking = bookings.create_booking(
                current_user, space_id=form.space_id.data,
                starts_at=paris_to_utc(form.day.data, form.start_time.data),
                ends_at=paris_to_utc(form.day.data, form.end_time.data),
                now=now, title=form.title.data or "", on_behalf_of=holder,
                idempotency_key=form.idempotency_key.data or None,
            )
        except BookingConflict as err:
            db.session.rollback()
            show_domain_error(form, err)
            return render_template("spaces/staff/walk_in.html", form=form, suggestions=err.suggestions), 409
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            return redirect(url_for("spaces_staff.print_booking", booking_id=booking.id), 303)
    return render_template("spaces/staff/walk_in.html", form=form, suggestions=[]), status_for(form)


def _walk_in_holder(form: WalkInForm):
    email = (form.member_email.data or "").strip()
    if email:
        user = find_user_by_email(email)
        if user is None:
            raise BookingRefused(_("Aucun compte n'utilise cette adresse. Laissez le champ vide et indiquez le nom."),
                                 field="member_email")
        return user
    name = (form.guest_name.data or "").strip()
    if not name:
        raise BookingRefused(_("Indiquez l'e-mail d'un membre ou le nom de la personne."), field="guest_name")
    return bookings.Guest(name=name, phone=(form.guest_phone.data or "").strip() or None)


@bp.get("/reservations/<int:booking_id>/imprimer")
@role_required(Role.STAFF, Role.ADMIN)
def print_booking(booking_id: int):
    booking = bookings.get_booking(booking_id, current_user)
    return render_template("spaces/staff/print_booking.html", booking=booking, space=booking.resource.space)
