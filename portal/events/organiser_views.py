"""Organisers publish and manage their events; staff moderate."""
from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.events.forms import ButtonForm, CancelEventForm, EventForm, ModerationForm
from portal.events.images import store_image
from portal.events.models import EventAudience, EventStatus, RegistrationMode, Theme
from portal.events.services import events as event_service
from portal.events.services.events import EventData
from portal.events.services.recurrence import Recurrence
from portal.extensions import db
from portal.forms import attempt, show_domain_error, status_for
from portal.spaces.errors import BookingConflict
from portal.spaces.services import queries as space_queries
from portal.timeutil import paris_to_utc, paris_today, to_paris

bp = Blueprint("organiser", __name__, url_prefix="/organisateur")
ORGANISERS = (Role.ORGANISER, Role.STAFF, Role.ADMIN)


def _space_choices(form: EventForm) -> None:
    from wtforms.fields.choices import SelectChoice

    form.space_id.choices = [SelectChoice("", _("Choisir un espace"))] + [
        SelectChoice(str(s.id), s.name) for s in space_queries.list_spaces()]


def event_data(form: EventForm) -> EventData:
    """Form fields (Paris wall-clock) → the service's data (aware UTC instants)."""
    start_day = form.start_date.data
    end_day = form.end_date.data or start_day
    if form.all_day.data:
        starts_at, ends_at = paris_to_utc(start_day, time(0)), paris_to_utc(end_day + timedelta(days=1), time(0))
    else:
        if form.start_time.data is None:
            raise DomainError(_("Indiquez l'heure de début (ou cochez « Toute la journée »)."), field="start_time")
        if form.end_time.data is None:
            raise DomainError(_("Indiquez l'heure de fin."), field="end_time")
        starts_at = paris_to_utc(start_day, form.start_time.data)
        ends_at = paris_to_utc(end_day, form.end_time.data)
    deadline = None
    if form.deadline_date.data:
        deadline = paris_to_utc(form.deadline_date.data, form.deadline_time.data or time(23, 59))
    space_id = int(form.space_id.data) if form.place.data == "space" and form.space_id.data else None
    if form.place.data == "space" and space_id is None:
        raise DomainError(_("Choisissez l'espace des Chrysalides (ou « Une autre adresse »)."), field="space_id")
    image = None
    if form.image.data:
        image = store_image(form.image.data.stream, Path(current_app.config["UPLOAD_FOLDER"]))
    return EventData(
        title=form.title.data or "", theme=Theme(form.theme.data), starts_at=starts_at, ends_at=ends_at,
        description=form.description.data or "", tags=(form.tags.data or "").split(","),
        organisation_name=form.organisation_name.data or "", all_day=form.all_day.data, space_id=space_id,
        address=form.address.data or "", audience=EventAudience(form.audience.data),
        languages=form.languages.data or [], accessibility=form.accessibility.data or "",
        capacity=form.capacity.data, registration_mode=RegistrationMode(form.registration_mode.data),
        registration_deadline=deadline, is_free=form.is_free.data, price_info=form.price_info.data or "",
        image=image,
    )


# The services name instants; the form asks for a date and a time of each: a refusal shows next to
# the field the organiser fills in (the time, or the date for an all-day event).
FORM_FIELD_OF = {"starts_at": "start_time", "ends_at": "end_time", "registration_deadline": "deadline_date"}
ALL_DAY_FIELD_OF = {"starts_at": "start_date", "ends_at": "end_date", "registration_deadline": "deadline_date"}


def _show_error(form: EventForm, err: DomainError) -> None:
    fields = ALL_DAY_FIELD_OF if form.all_day.data else FORM_FIELD_OF
    err.field = fields.get(err.field, err.field)
    show_domain_error(form, err)


def recurrence_of(form: EventForm) -> Recurrence | None:
    if not form.frequency.data:
        return None
    return Recurrence(frequency=form.frequency.data, interval=form.interval.data or 1,
                      weekdays=tuple(int(d) for d in form.weekdays.data or ()), until=form.until.data,
                      count=form.count.data)


@bp.get("/evenements")
@role_required(*ORGANISERS)
def my_events():
    return render_template("events/organiser/my_events.html",
                           events=event_service.events_of_organiser(current_user, utcnow()), button=ButtonForm())


@bp.route("/evenements/nouveau", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_event():
    form = EventForm()
    _space_choices(form)
    if request.method == "GET":
        form.start_date.data = paris_today(utcnow()) + timedelta(days=7)
    if form.validate_on_submit():
        try:
            created = event_service.create_event(current_user, event_data(form), now=utcnow(),
                                                 recurrence=recurrence_of(form))
        except BookingConflict as err:
            db.session.rollback()
            _show_error(form, err)
            return render_template("events/organiser/edit_event.html", form=form, event=None, suggestions=err.suggestions), 409
        except DomainError as err:
            db.session.rollback()
            _show_error(form, err)
        else:
            db.session.commit()
            if len(created) > 1:
                flash(_("Série enregistrée comme brouillon : %(count)s séances.", count=len(created)), "success")
            else:
                flash(_("Événement enregistré comme brouillon. Publiez-le quand il est prêt."), "success")
            return redirect(url_for("organiser.edit_event", event_id=created[0].id), 303)
    return render_template("events/organiser/edit_event.html", form=form, event=None, suggestions=[]), status_for(form)


@bp.route("/evenements/<int:event_id>", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_event(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    form = EventForm(obj=None)
    _space_choices(form)
    if request.method == "GET":
        _fill(form, event)
    if form.validate_on_submit():
        try:
            event_service.update_event(current_user, event, event_data(form), now=utcnow(),
                                       whole_series=form.scope.data == "series")
        except BookingConflict as err:
            db.session.rollback()
            _show_error(form, err)
            return render_template("events/organiser/edit_event.html", form=form, event=event,
                                   suggestions=err.suggestions, button=ButtonForm(), cancel_form=CancelEventForm()), 409
        except DomainError as err:
            db.session.rollback()
            _show_error(form, err)
        else:
            db.session.commit()
            flash(_("Modifications enregistrées."), "success")
            return redirect(url_for("organiser.edit_event", event_id=event.id), 303)
    return render_template("events/organiser/edit_event.html", form=form, event=event, suggestions=[],
                           button=ButtonForm(), cancel_form=CancelEventForm()), status_for(form)


def _fill(form: EventForm, event) -> None:
    start, end = to_paris(event.starts_at), to_paris(event.ends_at)
    form.title.data, form.description.data = event.title, event.description_html
    form.theme.data, form.tags.data = event.theme.value, ", ".join(event.tags or [])
    form.organisation_name.data, form.all_day.data = event.organisation_name, event.all_day
    form.start_date.data, form.start_time.data = start.date(), start.time().replace(tzinfo=None)
    if event.all_day:
        form.end_date.data = (end - timedelta(seconds=1)).date()
    else:
        form.end_date.data, form.end_time.data = end.date(), end.time().replace(tzinfo=None)
    form.place.data = "space" if event.space_id else "address"
    form.space_id.data = str(event.space_id) if event.space_id else ""
    form.address.data, form.audience.data = event.address, event.audience.value
    form.languages.data, form.accessibility.data = event.languages, event.accessibility
    form.registration_mode.data, form.capacity.data = event.registration_mode.value, event.capacity
    if event.registration_deadline:
        deadline = to_paris(event.registration_deadline)
        form.deadline_date.data, form.deadline_time.data = deadline.date(), deadline.time().replace(tzinfo=None)
    form.is_free.data, form.price_info.data = event.is_free, event.price_info


@bp.post("/evenements/<int:event_id>/publier")
@role_required(*ORGANISERS)
def publish_event(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    if ButtonForm().validate_on_submit():
        attempt(lambda: event_service.publish(current_user, event, now=utcnow()),
                lambda _result: _("Événement publié dans l'agenda.") if event.status == EventStatus.PUBLISHED
                else _("Événement envoyé à l'équipe pour relecture. Vous serez prévenu·e par e-mail."))
    return redirect(url_for("organiser.edit_event", event_id=event_id), 303)


@bp.post("/evenements/<int:event_id>/annuler")
@role_required(*ORGANISERS)
def cancel_event(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    form = CancelEventForm()
    if form.validate_on_submit():
        attempt(lambda: event_service.cancel_event(current_user, event, form.message.data or "", now=utcnow()),
                _("Événement annulé ; les personnes inscrites sont prévenues."))
    return redirect(url_for("organiser.edit_event", event_id=event_id), 303)


@bp.post("/evenements/<int:event_id>/supprimer")
@role_required(*ORGANISERS)
def delete_event(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    if ButtonForm().validate_on_submit():
        if not attempt(lambda: event_service.delete_draft(current_user, event, now=utcnow()), _("Brouillon supprimé.")):
            return redirect(url_for("organiser.edit_event", event_id=event_id), 303)
    return redirect(url_for("organiser.my_events"), 303)


@bp.get("/moderation")
@role_required(Role.STAFF, Role.ADMIN)
def moderation():
    return render_template("events/organiser/moderation.html", events=event_service.moderation_queue(),
                           form=ModerationForm())


@bp.post("/moderation/<int:event_id>")
@role_required(Role.STAFF, Role.ADMIN)
def moderate(event_id: int):
    event = event_service.managed_event(event_id, current_user)
    form = ModerationForm()
    if form.validate_on_submit():
        attempt(lambda: event_service.moderate(current_user, event, form.decision.data, form.note.data, now=utcnow(),
                                               trust=form.trust.data),
                _("Décision enregistrée ; l'organisateur est prévenu."))
    return redirect(url_for("organiser.moderation"), 303)



