"""The accompaniment team's side: queues, the request page, bulk actions, CSV export."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accompaniment.forms import (
    QUEUE_LABELS, AssignForm, BulkForm, FilterForm, MergeForm, MessageForm, NoteForm, StatusForm)
from portal.accompaniment.labels import STATUS_LABELS, label
from portal.accompaniment.models import RequestStatus
from portal.accompaniment.services import triage, workflow
from portal.accompaniment.services.admin import partners, staff_members
from portal.accompaniment.services.timeline import StaleRequest
from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import REFUSED, attempt, committed, show_domain_error
from portal.spaces.parsing import parse_int

bp = Blueprint("accompaniment_staff", __name__, url_prefix="/equipe/accompagnement")
STAFF = (Role.STAFF, Role.ADMIN)
PAGE_SIZE = 50


def _people_choices(empty_label) -> list[SelectChoice]:
    return [SelectChoice("", empty_label), *(SelectChoice(str(u.id), u.display_name) for u in staff_members())]


def _filters(form: FilterForm) -> triage.Filters:
    queue = request.args.get("file") or "new"
    return triage.Filters(
        queue=queue if queue in triage.QUEUES else "new", status=form.status.data or None,
        theme=form.theme.data or None, need=form.need.data or None,
        assignee_id=parse_int(form.assignee_id.data, None), since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None, q=form.q.data or None)


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    form.assignee_id.choices = _people_choices(_("Tout le monde"))
    form.validate()
    return form


@bp.get("", endpoint="triage")
@role_required(*STAFF)
def triage_page():
    now = utcnow()
    form = _filter_form()
    filters = _filters(form)
    page = max(parse_int(request.args.get("page"), 1) or 1, 1)
    rows = triage.search(filters, current_user, now, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    bulk = BulkForm()
    bulk.assignee_id.choices = _people_choices(_("(ne pas changer)"))
    bulk.status.choices = [SelectChoice("", _("(ne pas changer)")),
                           *(SelectChoice(s.value, label(STATUS_LABELS, s)) for s in RequestStatus)]
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("accompaniment/staff/triage.html", form=form, filters=filters, rows=rows[:PAGE_SIZE],
                           more=len(rows) > PAGE_SIZE, page=page, counts=triage.queue_counts(current_user, now),
                           queues=QUEUE_LABELS, bulk=bulk, args=args, now=now,
                           duplicates=triage.with_duplicates(rows[:PAGE_SIZE]))


def _log(request_ids: list[int], action: str, now) -> None:
    """Every staff access to a request is logged, in a transaction of its own."""
    user_id = current_user.id
    db.session.commit()  # end the read
    triage.log_access(request_ids, user_id, action, now)
    db.session.commit()


@bp.get("/export.csv")
@role_required(*STAFF)
def export_csv():
    now = utcnow()
    body, exported = triage.export_csv(_filters(_filter_form()), current_user, now)
    _log(exported, "export", now)
    response = Response("\ufeff" + body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="demandes-{now:%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/lot")
@role_required(*STAFF)
def bulk_action():
    form = BulkForm()
    ids = [i for i in (parse_int(v, None) for v in request.form.getlist("request_ids")) if i]
    assignee_id = parse_int(form.assignee_id.data, None)
    status = form.status.data or None
    back = redirect(url_for("accompaniment_staff.triage", **{k: v for k, v in request.args.items()}))
    if not assignee_id and not status:
        flash(_("Choisissez une personne ou un statut à appliquer."), "error")
        return back
    result = committed(lambda: triage.bulk(ids, actor=current_user, now=utcnow(), assignee_id=assignee_id,
                                           status=status, reason=form.reason.data))
    if result is REFUSED:
        return back
    if result.done:
        flash(_("Fait pour %(count)s demande(s) : %(refs)s.", count=len(result.done), refs=", ".join(result.done)),
              "success")
    for reference, why in result.failed:
        flash(_("%(reference)s n'a pas changé : %(why)s", reference=reference, why=why), "error")
    return back


def _page(req, *, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    assign = forms.get("assign") or AssignForm(formdata=None, version=req.version,
                                               assignee_id=str(req.assignee_id or ""))
    assign.assignee_id.choices = _people_choices(_("Personne (file « à attribuer »)"))
    change = forms.get("status") or StatusForm(formdata=None, version=req.version)
    change.status.choices = [SelectChoice("", _("Choisir…")),
                             *(SelectChoice(s.value, label(STATUS_LABELS, s)) for s in workflow.allowed_statuses(req))]
    change.partner_id.choices = [SelectChoice("", _("—")),
                                 *(SelectChoice(str(p.id), p.name) for p in partners(active_only=True))]
    return render_template(
        "accompaniment/staff/show_request.html", req=req, now=utcnow(), assign=assign, change=change,
        note=forms.get("note") or NoteForm(formdata=None), message=forms.get("message") or MessageForm(formdata=None),
        merge=MergeForm(formdata=None, version=req.version), duplicates=workflow.possible_duplicates(req),
        accesses=triage.access_log(req)), status


@bp.get("/demandes/<int:request_id>")
@role_required(*STAFF)
def show_request(request_id: int):
    _log([workflow.get_request(request_id).id], "view", utcnow())
    return _page(workflow.get_request(request_id))


def _after(request_id: int, anchor: str = ""):
    return redirect(url_for("accompaniment_staff.show_request", request_id=request_id) + anchor)


def _versioned(form) -> int | None:
    return parse_int(form.version.data, None)


def _act(req, key: str, form, action, success: str, anchor: str = ""):
    """Validate, run the service, commit; a conflict or a refusal is shown on the page, nothing overwritten."""
    if form.validate():
        try:
            action()
        except StaleRequest as err:
            db.session.rollback()
            flash(str(err.message), "error")
            return _after(req.id)
        except DomainError as err:
            db.session.rollback()
            req = workflow.get_request(req.id)
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(success, "success")
            return _after(req.id, anchor)
    return _page(req, forms={key: form}, status=422)


@bp.post("/demandes/<int:request_id>/note")
@role_required(*STAFF)
def add_note(request_id: int):
    req = workflow.get_request(request_id)
    form = NoteForm()
    return _act(req, "note", form, lambda: workflow.add_note(req, form.body.data, actor=current_user, now=utcnow()),
                _("Note ajoutée (visible par l'équipe seulement)."), "#historique")


@bp.post("/demandes/<int:request_id>/message")
@role_required(*STAFF)
def send_message(request_id: int):
    req = workflow.get_request(request_id)
    form = MessageForm()
    return _act(req, "message", form,
                lambda: workflow.message_holder(req, form.body.data, actor=current_user, now=utcnow()),
                _("Message envoyé au porteur."), "#historique")


@bp.post("/demandes/<int:request_id>/attribuer")
@role_required(*STAFF)
def assign(request_id: int):
    req = workflow.get_request(request_id)
    form = AssignForm()
    form.assignee_id.choices = []
    return _act(req, "assign", form, lambda: workflow.assign(
        req, parse_int(form.assignee_id.data, None), actor=current_user, now=utcnow(), expected_version=_versioned(form)),
        _("Attribution enregistrée."))


@bp.post("/demandes/<int:request_id>/statut")
@role_required(*STAFF)
def change_status(request_id: int):
    req = workflow.get_request(request_id)
    form = StatusForm()
    return _act(req, "status", form, lambda: workflow.change_status(
        req, form.status.data, actor=current_user, now=utcnow(), expected_version=_versioned(form),
        reason=form.reason.data, partner_id=parse_int(form.partner_id.data, None)), _("Statut changé."))


@bp.post("/demandes/<int:request_id>/fusionner")
@role_required(*STAFF)
def merge(request_id: int):
    duplicate = workflow.get_request(request_id)
    form = MergeForm()
    if not form.validate():
        flash(_("Rechargez la page et réessayez."), "error")
        return _after(duplicate.id)
    into = workflow.get_request(parse_int(form.into_id.data, 0) or 0)
    if not attempt(lambda: workflow.merge(duplicate, into, actor=current_user, now=utcnow(),
                                          expected_version=_versioned(form)),
                   lambda _result: _("Demande fusionnée dans %(reference)s.", reference=into.reference)):
        return _after(duplicate.id)
    return _after(into.id)
