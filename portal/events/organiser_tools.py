"""The organiser's tools around an event: registrations, the door, exports, a message, importing a calendar.

Routes of the ``organiser`` blueprint (defined in organiser_views); portal.setup imports
this module before registering the blueprint.
"""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.events import attendance_sheet as sheet
from portal.events.forms import ButtonForm, ImportForm, MessageForm, RegistrationDecisionForm
from portal.events.ical import location_of
from portal.events.models import Theme
from portal.events.organiser_views import ORGANISERS, bp
from portal.events.services import events as event_service
from portal.events.services import ics_import, organiser, registrations
from portal.events.views import registration_status_label
from portal.extensions import db
from portal.forms import show_domain_error, status_for

NO_STORE = {"Cache-Control": "no-store"}  # lists of people: never kept by a shared cache


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE})


@bp.get("/evenements/<int:event_id>/inscriptions", endpoint="registrations")
@role_required(*ORGANISERS)
def registrations_page(event_id: int):  # not named "registrations": that is the service module
    event = event_service.managed_event(event_id, current_user)
    return render_template("events/organiser/registrations.html", event=event,
                           board=organiser.registration_board(event), form=RegistrationDecisionForm())


@bp.post("/evenements/<int:event_id>/inscriptions/<int:registration_id>/decision")
@role_required(*ORGANISERS)
def decide_registration(event_id: int, registration_id: int):
    event = event_service.managed_event(event_id, current_user)
    registration = organiser.managed_registration(event, registration_id)
    form = RegistrationDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choisissez d'accepter ou de refuser l'inscription."), "error")
        return redirect(url_for("organiser.registrations", event_id=event_id), 303)
    approve = form.decision.data == "approve"
    try:
        registrations.decide(current_user, registration, approve=approve, now=utcnow())
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
    else:
        db.session.commit()
        if approve:
            flash(_("Inscription de %(name)s acceptée ; la personne est prévenue par e-mail.",
                    name=registration.name), "success")
        else:
            flash(_("Inscription de %(name)s refusée ; la personne est prévenue par e-mail.",
                    name=registration.name), "success")
    return redirect(url_for("organiser.registrations", event_id=event_id), 303)


@bp.get("/evenements/<int:event_id>/pointage")
@role_required(*ORGANISERS)
def door_list(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    query = (request.args.get("q") or "").strip()[:100]
    everyone = organiser.door_list(event)
    shown = organiser.search(everyone, query) if query else everyone
    return render_template("events/organiser/door_list.html", event=event, people=shown, query=query,
                           total=len(everyone), present=sum(1 for r in everyone if r.checked_in_at),
                           form=ButtonForm())


@bp.post("/evenements/<int:event_id>/inscriptions/<int:registration_id>/arrivee")
@role_required(*ORGANISERS)
def check_in(event_id: int, registration_id: int):
    event = event_service.managed_event(event_id, current_user)
    registration = organiser.managed_registration(event, registration_id)
    query = (request.form.get("q") or "").strip()[:100]
    if ButtonForm().validate_on_submit():
        try:
            registrations.check_in(current_user, registration, now=utcnow())
        except DomainError as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            db.session.commit()
            flash(_("Arrivée de %(name)s enregistrée.", name=registration.name), "success")
    return redirect(url_for("organiser.door_list", event_id=event_id, q=query or None,
                            _anchor=f"personne-{registration.id}"), 303)


@bp.get("/evenements/<int:event_id>/inscriptions.csv")
@role_required(*ORGANISERS)
def export_csv(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    return _download(organiser.attendees_csv(event, registration_status_label), "text/csv; charset=utf-8",
                     organiser.export_filename(event, "csv"))


@bp.get("/evenements/<int:event_id>/emargement.pdf")
@role_required(*ORGANISERS)
def attendance_sheet(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    names = [r.name for r in organiser.door_list(event)]
    data = sheet.attendance_sheet(sheet.describe(event, place=location_of(event)), names)
    return _download(data, "application/pdf", organiser.export_filename(event, "pdf", prefix="emargement"))


@bp.route("/evenements/<int:event_id>/message", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def message_registrants(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            count = organiser.message_registrants(current_user, event, subject=form.subject.data, body=form.body.data,
                                                  include_waitlist=form.include_waitlist.data, now=utcnow())
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            if count:
                flash(ngettext("Message envoyé à %(num)s personne.", "Message envoyé à %(num)s personnes.", count),
                      "success")
            else:
                flash(_("Personne à prévenir : aucun message envoyé."), "info")
            return redirect(url_for("organiser.registrations", event_id=event_id), 303)
    board = organiser.registration_board(event)
    return render_template("events/organiser/message_registrants.html", event=event, form=form,
                           seated=len(board.seated), waiting=len(board.waiting)), status_for(form)


@bp.route("/import", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def import_events():
    """Upload → preview (the events read, signed into the page) → confirm: drafts are created."""
    form = ImportForm()
    secret_key = current_app.config["SECRET_KEY"]
    if form.validate_on_submit():
        now = utcnow()
        try:
            if form.payload.data:
                items = ics_import.load_items(form.payload.data, user_id=current_user.id, secret_key=secret_key)
                result = ics_import.apply_import(current_user, items, theme=Theme(form.theme.data), now=now)
            else:
                if not form.file.data:
                    raise DomainError(_("Choisissez un fichier .ics exporté de votre agenda."), field="file")
                parsed = ics_import.parse_ics(form.file.data.stream.read(ics_import.MAX_FILE_BYTES + 1), now=now)
                plan = ics_import.plan_import(current_user, parsed.items, now=now, theme=Theme(form.theme.data))
                form.payload.data = ics_import.sign_items(parsed.items, user_id=current_user.id, secret_key=secret_key)
                return render_template("events/organiser/import_events.html", form=form, parsed=parsed, plan=plan,
                                       actions=ics_import.Action)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            db.session.commit()
            _flash_import(result)
            return redirect(url_for("organiser.my_events"), 303)
    return render_template("events/organiser/import_events.html", form=form, parsed=None, plan=None,
                           actions=ics_import.Action), status_for(form)


def _flash_import(result: ics_import.ImportResult) -> None:
    flash(_("Import terminé. Brouillons créés : %(created)s ; mis à jour : %(updated)s ; inchangés : %(unchanged)s ; "
            "ignorés : %(skipped)s.", created=len(result.created), updated=len(result.updated),
            unchanged=result.unchanged, skipped=result.skipped), "success")
    for title, reason in result.failures:
        flash(_("« %(title)s » n'a pas été importé : %(reason)s", title=title, reason=reason), "error")
