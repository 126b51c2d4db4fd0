"""The project holder's side: the form in four steps, the tracking page, "my requests"."""
from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accompaniment.forms import STEP_FORMS, STEP_TITLES, ConfirmForm, DeleteForm, MessageForm
from portal.accompaniment.labels import (
    ACCESS_LABELS, EMAIL_LABELS,
    CHANNEL_LABELS, HEARD_LABELS, LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, STATUS_HOLDER_TEXT, STATUS_LABELS,
    THEME_LABELS, label)
from portal.accompaniment.services import drafts, privacy, spam, workflow
from portal.accompaniment.services.admin import get_settings
from portal.accompaniment.services.intake import RequestData, submit_request
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import REFUSED, committed, show_domain_error

bp = Blueprint("accompaniment", __name__)

DRAFT_COOKIE = "porteur_brouillon"
SENT_COOKIE = "porteur_envoyee"  # for ten minutes: a double tap on "Envoyer" shows the request sent
LAST_STEP = len(STEP_FORMS)


@bp.app_context_processor
def _accompaniment_labels():
    return {"pp_labels": {"themes": THEME_LABELS, "stages": STAGE_LABELS, "needs": NEED_LABELS,
                          "channels": CHANNEL_LABELS, "languages": LANGUAGE_LABELS, "heard": HEARD_LABELS,
                          "statuses": STATUS_LABELS, "holder_status": STATUS_HOLDER_TEXT},
            "pp_label": label, "access_labels": ACCESS_LABELS, "email_labels": EMAIL_LABELS,
            # The deadline is the midnight after the last working day: people read that last day.
            "pp_due": lambda r: r.first_contact_due_at - timedelta(seconds=1)}


def _field_step(field: str | None) -> int:
    for step, form_class in STEP_FORMS.items():
        if field and hasattr(form_class, field):
            return step
    return LAST_STEP


def _draft():
    return drafts.get_draft(request.cookies.get(DRAFT_COOKIE))


def _with_draft_cookie(response, draft):
    response.set_cookie(DRAFT_COOKIE, draft.token, max_age=30 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/porteurs-de-projet")
    return response


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _fields(form) -> dict:
    return {name: value for name, value in form.data.items() if name not in ("csrf_token", "site_web")}


@bp.get("/porteurs-de-projet")
def start():
    draft = _draft()
    return _no_store(make_response(render_template(
        "accompaniment/start.html", draft=draft, retention_months=get_settings().retention_months)))


def _render_step(step: int, form, draft, status: int = 200):
    summary = _summary(draft.data if draft else {}) if step == LAST_STEP else None
    response = make_response(render_template(
        "accompaniment/form_step.html", form=form, step=step, steps=STEP_TITLES, last_step=LAST_STEP,
        reached=draft.step if draft else 1, summary=summary, retention_months=get_settings().retention_months),
        status)
    return _no_store(response)


@bp.route("/porteurs-de-projet/etape/<int:step>", methods=["GET", "POST"])
def form_step(step: int):
    if step not in STEP_FORMS:
        return redirect(url_for("accompaniment.form_step", step=1))
    draft = _draft()
    reached = draft.step if draft else 1
    if step == LAST_STEP and request.method == "POST" and draft is None:
        return submit(STEP_FORMS[LAST_STEP](), None)
    if step > reached:
        return redirect(url_for("accompaniment.form_step", step=reached))
    form_class = STEP_FORMS[step]
    if request.method == "GET":
        data = dict(draft.data) if draft else {}
        if step == 1 and not data and current_user.is_authenticated:
            data = {"name": current_user.display_name, "email": current_user.email, "phone": current_user.phone or ""}
        return _render_step(step, form_class(data=data), draft)
    form = form_class()
    if step == LAST_STEP:
        return submit(form, draft)
    going_back = request.form.get("action") == "back"
    valid = form.validate()
    if draft is None:
        try:
            spam.check_rate(f"draft:{request.remote_addr or 'unknown'}", spam.DRAFT_LIMIT, spam.TOO_MANY_DRAFTS)
        except spam.SpamRefused as err:
            form.form_errors.append(str(err.message))
            return _render_step(step, form, None, 429)
    draft = drafts.save(draft, _fields(form), step=step + 1 if valid else step, now=utcnow())
    db.session.commit()
    if going_back:
        response = redirect(url_for("accompaniment.form_step", step=max(step - 1, 1)))
    elif valid:
        response = redirect(url_for("accompaniment.form_step", step=step + 1))
    else:
        response = _render_step(step, form, draft, 422)
    return _with_draft_cookie(response, draft)


def _request_data(data: dict, consent: bool) -> RequestData:
    return RequestData(
        name=data.get("name") or "", email=data.get("email") or None, phone=data.get("phone") or None,
        language=data.get("language") or "fr", contact_channel=data.get("contact_channel") or "",
        title=data.get("title") or "", description=data.get("description") or "", theme=data.get("theme") or "",
        stage=data.get("stage") or "", place=data.get("place") or "", needs=list(data.get("needs") or []),
        needs_other=data.get("needs_other") or "", heard_from=data.get("heard_from") or "", consent=consent)


def submit(form: ConfirmForm, draft):
    if draft is None:
        sent = request.cookies.get(SENT_COOKIE)
        if sent and workflow.find_by_token(sent) is not None:
            # A second tap on "Envoyer": the request left with the first one.
            return redirect(url_for("accompaniment.track", token=sent, nouvelle=1))
        flash(_("Votre brouillon n'a pas été retrouvé (il a peut-être expiré). Recommencez, ce sera rapide."), "error")
        return redirect(url_for("accompaniment.form_step", step=1))
    if not form.validate():
        return _render_step(LAST_STEP, form, draft, 422)
    now = utcnow()
    try:
        spam.check_honeypot(form.site_web.data)
        spam.check_timing(draft.created_at, now)
        spam.check_rate(request.remote_addr or "unknown")
        created = submit_request(_request_data(draft.data, bool(form.consent.data)), now=now,
                                 user=current_user if current_user.is_authenticated else None)
    except spam.SpamRefused as err:
        db.session.rollback()
        form.form_errors.append(str(err.message))
        return _render_step(LAST_STEP, form, _draft(), 429 if err.retry_after else 422)
    except DomainError as err:
        db.session.rollback()
        draft = _draft()
        step = _field_step(err.field)
        step_form = STEP_FORMS[step](formdata=None, data=draft.data)
        show_domain_error(step_form, err)
        return _render_step(step, step_form, draft, 422)
    drafts.discard(draft)
    db.session.commit()
    response = redirect(url_for("accompaniment.track", token=created.tracking_token, nouvelle=1))
    response.delete_cookie(DRAFT_COOKIE, path="/porteurs-de-projet")
    response.set_cookie(SENT_COOKIE, created.tracking_token, max_age=600, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/porteurs-de-projet")
    return response


@bp.post("/porteurs-de-projet/brouillon/effacer")
def discard_draft():
    drafts.discard(_draft())
    db.session.commit()
    flash(_("Votre brouillon est effacé."), "success")
    response = redirect(url_for("accompaniment.start"))
    response.delete_cookie(DRAFT_COOKIE, path="/porteurs-de-projet")
    return response


def _summary(data: dict) -> list[tuple[int, str, str]]:
    """(step, question, answer) for the last step's "check before sending"."""
    rows = []
    for step in range(1, LAST_STEP):
        form = STEP_FORMS[step](formdata=None, data=data, meta={"csrf": False})
        for field in form:
            value = data.get(field.name)
            if field.type in ("RadioField", "SelectField", "MultiCheckboxField"):
                labels = {str(c.value): str(c.label) for c in field.choices}
                if field.type == "MultiCheckboxField":
                    value = ", ".join(labels.get(v, v) for v in value or [])
                else:
                    value = labels.get(str(value or ""), "")
            rows.append((step, str(field.label.text), value or "—"))
    return rows


# --- tracking -------------------------------------------------------------------------


def _tracking_response(html: str, status: int = 200):
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the key: never leak it
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _tracked(token: str):
    original = workflow.request_for_token(token)
    return original, workflow.resolve_merged(original)


@bp.get("/porteurs-de-projet/suivi/<token>")
def track(token: str):
    original, shown = _tracked(token)
    return _render_track(token, original, shown, MessageForm())


def _render_track(token, original, shown, form, status: int = 200):
    return _tracking_response(render_template(
        "accompaniment/track.html", token=token, original=original, req=shown, form=form,
        thread=privacy.holder_timeline(shown), just_sent=request.args.get("nouvelle") == "1",
        retention_months=get_settings().retention_months), status)


@bp.post("/porteurs-de-projet/suivi/<token>/message")
def holder_reply(token: str):
    original, shown = _tracked(token)
    form = MessageForm()
    if form.validate():
        def send() -> None:
            spam.check_rate(f"message:{shown.id}", spam.MESSAGE_LIMIT, spam.TOO_MANY_MESSAGES)
            workflow.holder_message(shown, form.body.data, now=utcnow())

        if committed(send, form) is not REFUSED:
            flash(_("Votre message est envoyé à l'équipe."), "success")
            return redirect(url_for("accompaniment.track", token=token) + "#messages")
    return _render_track(token, original, shown, form, 422)


@bp.post("/porteurs-de-projet/suivi/<token>/mes-donnees")
def my_data(token: str):
    _original, shown = _tracked(token)
    data = privacy.holder_data(shown, now=utcnow())
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{shown.reference}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/porteurs-de-projet/suivi/<token>/effacer", methods=["GET", "POST"])
def delete_my_data(token: str):
    _original, shown = _tracked(token)
    form = DeleteForm()
    if request.method == "POST" and form.validate():
        privacy.delete_on_request(shown, now=utcnow())
        db.session.commit()
        flash(_("Vos données sont effacées. L'équipe ne peut plus vous contacter au sujet de cette demande."), "success")
        return redirect(url_for("accompaniment.track", token=token))
    return _tracking_response(render_template("accompaniment/delete.html", token=token, req=shown, form=form),
                              422 if form.errors else 200)


@bp.get("/mes-demandes")
@login_required
def my_requests():
    return render_template("accompaniment/my_requests.html", requests=workflow.requests_of(current_user))
