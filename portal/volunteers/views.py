"""Volunteer pool and volunteer calls: pages for volunteers and for the people who post calls."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.db import utcnow
from portal.directory import services as directory
from portal.directory.models import Organisation, OrganisationMembership
from portal.extensions import db
from portal.forms import REFUSED, attempt, committed, status_for
from portal.timeutil import paris_to_utc, to_paris
from portal.volunteers import services
from portal.volunteers.forms import AnswerForm, ButtonForm, CallForm, CancelCallForm, VolunteerForm
from portal.volunteers.models import VolunteerAnswer

bp = Blueprint("volunteers", __name__)


def _skill_choices() -> list[SelectChoice]:
    return [SelectChoice(t.id, t.label) for t in directory.all_tags()]


@bp.get("/benevolat")
def index():
    now = utcnow()
    volunteer = services.volunteer_of(current_user) if current_user.is_authenticated else None
    matching = services.open_calls(now, matching=volunteer) if volunteer and volunteer.active else []
    return render_template("volunteers/index.html", volunteer=volunteer, matching=matching,
                           calls=services.open_calls(now),
                           my_calls=services.calls_of(current_user) if services.may_call(current_user) else [],
                           my_answers=services.my_answers(current_user) if current_user.is_authenticated else [],
                           may_call=services.may_call(current_user))


@bp.route("/benevolat/mon-engagement", methods=["GET", "POST"])
@login_required
def join():
    volunteer = services.volunteer_of(current_user)
    if request.method == "GET" and volunteer is not None:
        form = VolunteerForm(data={
            "skills": [s.tag_id for s in volunteer.skills], "languages": volunteer.language_codes,
            "slots": [f"{a.weekday}:{a.period.value}" for a in volunteer.availability],
            "neighbourhood": volunteer.neighbourhood, "note": volunteer.note, "active": volunteer.active})
    else:
        form = VolunteerForm()
    form.skills.choices = _skill_choices()
    if form.validate_on_submit():
        data = services.VolunteerData(
            neighbourhood=form.neighbourhood.data or "", note=form.note.data or "",
            skill_ids=list(form.skills.data or []), languages=list(form.languages.data or []),
            slots=list(form.slots.data or []), active=bool(form.active.data))
        if committed(lambda: services.save_volunteer(current_user, data, now=utcnow()), form) is not REFUSED:
            flash(_("Merci ! Vous faites partie des bénévoles. Voici les appels qui vous correspondent."), "success")
            return redirect(url_for("volunteers.index"), 303)
    return render_template("volunteers/join.html", form=form, volunteer=volunteer,
                           button=ButtonForm()), status_for(form)


@bp.post("/benevolat/quitter")
@login_required
def leave():
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.leave_pool(current_user)
    db.session.commit()
    flash(_("Vous ne faites plus partie des bénévoles. Vos informations de bénévole sont effacées."), "success")
    return redirect(url_for("volunteers.index"), 303)


def _organisation_choices() -> list[SelectChoice]:
    query = select(Organisation).order_by(Organisation.name)
    if not current_user.is_staff:
        query = query.join(OrganisationMembership).where(OrganisationMembership.user_id == current_user.id)
    return [SelectChoice("", _("Aucune"))] + [SelectChoice(str(o.id), o.name) for o in db.session.scalars(query)]


def _call_data(form: CallForm) -> services.CallData:
    organisation_id = form.organisation_id.data
    return services.CallData(
        title=form.title.data, description=form.description.data or "",
        starts_at=paris_to_utc(form.day.data, form.start_time.data),
        ends_at=paris_to_utc(form.day.data, form.end_time.data), wanted=form.wanted.data,
        place=form.place.data or "", neighbourhood=form.neighbourhood.data or "",
        language=form.language.data or "", skill_ids=list(form.skills.data or []),
        organisation_id=int(organisation_id) if organisation_id and organisation_id.isdigit() else None)


@bp.route("/benevolat/appels/nouveau", methods=["GET", "POST"])
@login_required
def new_call():
    if not services.may_call(current_user):
        abort(403)
    form = CallForm()
    form.skills.choices = _skill_choices()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        data = _call_data(form)
        call = committed(lambda: services.create_call(current_user, data, now=utcnow()), form)
        if call is not REFUSED:
            flash(_("L'appel est publié. Voici les bénévoles qui pourraient y répondre."), "success")
            return redirect(url_for("volunteers.show_call", call_id=call.id), 303)
    return render_template("volunteers/new_call.html", form=form), status_for(form)


@bp.get("/benevolat/appels/<int:call_id>")
def show_call(call_id: int):
    call = services.get_call(call_id)
    manage = services.may_manage(current_user, call)
    return render_template(
        "volunteers/show_call.html", call=call, manage=manage, cancel_form=CancelCallForm(),
        answers=services.answers_to(call) if manage else [],
        suggested=services.suggest_volunteers(call) if manage and call.status.value == "open" else [],
        mine=services.my_answer(current_user, call), form=AnswerForm(), button=ButtonForm(),
        volunteer=services.volunteer_of(current_user) if current_user.is_authenticated else None, now=utcnow())


@bp.post("/benevolat/appels/<int:call_id>/repondre")
@login_required
def answer(call_id: int):
    call = services.get_call(call_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("volunteers.show_call", call_id=call_id), 303)
    attempt(lambda: services.answer_call(current_user, call, form.message.data or "", now=utcnow()),
            _("Merci ! L'organisateur a reçu votre proposition et vous répondra."))
    return redirect(url_for("volunteers.show_call", call_id=call_id), 303)


@bp.post("/benevolat/appels/<int:call_id>/retirer")
@login_required
def withdraw(call_id: int):
    call = services.get_call(call_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.withdraw(current_user, call, now=utcnow())
    db.session.commit()
    flash(_("Votre proposition est retirée."), "success")
    return redirect(url_for("volunteers.show_call", call_id=call_id), 303)


@bp.post("/benevolat/reponses/<int:answer_id>/decision")
@login_required
def decide(answer_id: int):
    answer_row = db.session.get(VolunteerAnswer, answer_id) or abort(404)
    if not services.may_manage(current_user, answer_row.call):
        abort(403)
    if not ButtonForm().validate_on_submit() or request.form.get("accept") not in ("1", "0"):
        abort(400)
    attempt(lambda: services.decide(current_user, answer_row, request.form["accept"] == "1", now=utcnow()),
            _("Décision enregistrée ; le ou la bénévole est prévenu·e par e-mail."))
    return redirect(url_for("volunteers.show_call", call_id=answer_row.call_id), 303)


@bp.post("/benevolat/appels/<int:call_id>/clore")
@login_required
def close(call_id: int):
    call = services.get_call(call_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not services.may_manage(current_user, call):
        abort(403)
    attempt(lambda: services.close_call(current_user, call, now=utcnow()), _("L'appel est clos."))
    return redirect(url_for("volunteers.show_call", call_id=call_id), 303)


@bp.route("/benevolat/appels/<int:call_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_call(call_id: int):
    call = services.get_call(call_id)
    if not services.may_manage(current_user, call):
        abort(403)
    if call.status.value == "cancelled":
        flash(_("Cet appel est annulé."), "error")
        return redirect(url_for("volunteers.show_call", call_id=call_id), 303)
    if request.method == "GET":
        starts, ends = to_paris(call.starts_at), to_paris(call.ends_at)
        form = CallForm(data={
            "title": call.title, "description": call.description, "day": starts.date(),
            "start_time": starts.time(), "end_time": ends.time(), "place": call.place,
            "neighbourhood": call.neighbourhood, "wanted": call.wanted, "language": call.language,
            "skills": [s.tag_id for s in call.skills], "organisation_id": str(call.organisation_id or "")})
    else:
        form = CallForm()
    form.skills.choices = _skill_choices()
    form.organisation_id.choices = _organisation_choices()
    if call.organisation_id and all(c.value != str(call.organisation_id) for c in form.organisation_id.choices):
        form.organisation_id.choices.append(SelectChoice(str(call.organisation_id), call.organisation.name))
    if form.validate_on_submit():
        if committed(lambda: services.update_call(current_user, call, _call_data(form), now=utcnow()),
                     form) is not REFUSED:
            flash(_("L'appel est modifié ; les bénévoles qui ont répondu sont prévenus si la date ou le lieu change."),
                  "success")
            return redirect(url_for("volunteers.show_call", call_id=call_id), 303)
    return render_template("volunteers/new_call.html", form=form, call=call), status_for(form)


@bp.post("/benevolat/appels/<int:call_id>/annuler")
@login_required
def cancel(call_id: int):
    call = services.get_call(call_id)
    if not services.may_manage(current_user, call):
        abort(403)
    form = CancelCallForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("volunteers.show_call", call_id=call_id), 303)
    attempt(lambda: services.cancel_call(current_user, call, form.message.data, now=utcnow()),
            _("L'appel est annulé ; les bénévoles qui avaient répondu ont reçu votre message."))
    return redirect(url_for("volunteers.show_call", call_id=call_id), 303)
