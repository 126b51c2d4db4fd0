"""Admins: the response-time commitment, retention, teams, routing rules and partners."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from portal.accompaniment.forms import AccessLogFilterForm, MemberForm, PartnerForm, RuleForm, SettingsForm, TeamForm
from portal.accompaniment.services import access_log, admin
from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import REFUSED, committed
from portal.spaces.parsing import parse_int

bp = Blueprint("accompaniment_admin", __name__, url_prefix="/admin/accompagnement")


def _rule_form(*, submitted: bool) -> RuleForm:
    form = RuleForm() if submitted else RuleForm(formdata=None)
    form.target.choices = [SelectChoice("", _("Choisir…")),
                           *(SelectChoice(f"team:{t.id}", _("Équipe : %(name)s", name=t.name)) for t in admin.teams()),
                           *(SelectChoice(f"user:{u.id}", u.display_name) for u in admin.staff_members())]
    return form


def _render(status: int = 200, new_token: tuple | None = None, **forms):
    settings = admin.get_settings()
    return render_template(
        "accompaniment/admin/settings.html", settings=settings, teams=admin.teams(), rules=admin.rules(),
        partners=admin.partners(), new_token=new_token,
        settings_form=forms.get("settings_form") or SettingsForm(
            formdata=None, first_contact_days=settings.first_contact_days,
            retention_months=settings.retention_months),
        team_form=forms.get("team_form") or TeamForm(formdata=None),
        member_form=MemberForm(formdata=None), member_errors=forms.get("member_errors") or {},
        rule_form=forms.get("rule_form") or _rule_form(submitted=False),
        partner_form=forms.get("partner_form") or PartnerForm(formdata=None)), status


@bp.get("")
@role_required(Role.ADMIN)
def settings():
    return _render()


def _confirmed(message: str):
    """Back to the settings with a confirmation, once the change is committed."""
    flash(message, "success")
    return redirect(url_for("accompaniment_admin.settings"))


def _done(message: str):
    db.session.commit()
    return _confirmed(message)


@bp.post("/reglages")
@role_required(Role.ADMIN)
def save_settings():
    form = SettingsForm()
    if form.validate():
        saved = committed(lambda: admin.save_settings(first_contact_days=form.first_contact_days.data,
                                                      retention_months=form.retention_months.data), form)
        if saved is not REFUSED:
            return _confirmed(_("Réglages enregistrés."))
    return _render(422, settings_form=form)


@bp.post("/equipes")
@role_required(Role.ADMIN)
def create_team():
    form = TeamForm()
    if form.validate() and committed(lambda: admin.create_team(form.name.data, form.description.data),
                                     form) is not REFUSED:
        return _confirmed(_("Équipe créée."))
    return _render(422, team_form=form)


@bp.post("/equipes/<int:team_id>/membres")
@role_required(Role.ADMIN)
def add_member(team_id: int):
    team = admin.get_team(team_id)
    form = MemberForm()
    if form.validate():
        try:
            admin.add_member(team, form.email.data)
        except DomainError as err:
            db.session.rollback()
            return _render(422, member_errors={team_id: str(err.message)})
        return _done(_("Personne ajoutée à l'équipe."))
    return _render(422, member_errors={team_id: " ".join(str(e) for e in form.email.errors)})


@bp.post("/equipes/<int:team_id>/membres/<int:user_id>/retirer")
@role_required(Role.ADMIN)
def remove_member(team_id: int, user_id: int):
    admin.remove_member(admin.get_team(team_id), user_id)
    return _done(_("Personne retirée de l'équipe."))


@bp.post("/regles")
@role_required(Role.ADMIN)
def create_rule():
    form = _rule_form(submitted=True)
    if form.validate():
        kind, _sep, raw_id = (form.target.data or "").partition(":")
        target_id = int(raw_id) if raw_id.isdigit() else None
        created = committed(lambda: admin.create_rule(
            position=form.position.data, theme=form.theme.data, need=form.need.data, stage=form.stage.data,
            language=form.language.data, team_id=target_id if kind == "team" else None,
            user_id=target_id if kind == "user" else None), form)
        if created is not REFUSED:
            return _confirmed(_("Règle ajoutée."))
    return _render(422, rule_form=form)


@bp.post("/regles/<int:rule_id>/supprimer")
@role_required(Role.ADMIN)
def delete_rule(rule_id: int):
    admin.delete_rule(rule_id)
    return _done(_("Règle supprimée."))


@bp.post("/partenaires")
@role_required(Role.ADMIN)
def create_partner():
    form = PartnerForm()
    if form.validate() and committed(lambda: admin.create_partner(form.name.data, form.contact_email.data,
                                                                  form.website.data), form) is not REFUSED:
        return _confirmed(_("Partenaire ajouté."))
    return _render(422, partner_form=form)


@bp.post("/partenaires/<int:partner_id>/jeton")
@role_required(Role.ADMIN)
def issue_token(partner_id: int):
    partner = admin.get_partner(partner_id)
    secret = admin.issue_partner_token(partner, now=utcnow())
    db.session.commit()
    # Shown once, on this answer only; never stored in clear.
    response, status = _render(200, new_token=(partner.name, secret))
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/partenaires/<int:partner_id>/jeton/revoquer")
@role_required(Role.ADMIN)
def revoke_token(partner_id: int):
    admin.revoke_partner_token(admin.get_partner(partner_id))
    return _done(_("Le jeton du partenaire ne fonctionne plus."))


@bp.route("/partenaires/<int:partner_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_partner(partner_id: int):
    partner = admin.get_partner(partner_id)
    if request.method == "GET":
        form = PartnerForm(formdata=None, name=partner.name, contact_email=partner.contact_email,
                           website=partner.website)
        return render_template("accompaniment/admin/partner.html", partner=partner, form=form)
    form = PartnerForm()
    if form.validate() and committed(lambda: admin.update_partner(partner, form.name.data, form.contact_email.data,
                                                                  form.website.data), form) is not REFUSED:
        return _confirmed(_("Partenaire modifié."))
    return render_template("accompaniment/admin/partner.html", partner=partner, form=form), 422


@bp.post("/partenaires/<int:partner_id>/desactiver")
@role_required(Role.ADMIN)
def deactivate_partner(partner_id: int):
    admin.set_partner_active(admin.get_partner(partner_id), False)
    return _done(_("Partenaire désactivé : son jeton est refusé et il n'est plus proposé pour les orientations."))


@bp.post("/partenaires/<int:partner_id>/reactiver")
@role_required(Role.ADMIN)
def reactivate_partner(partner_id: int):
    admin.set_partner_active(admin.get_partner(partner_id), True)
    return _done(_("Partenaire réactivé."))


LOG_PAGE_SIZE = 50


@bp.get("/journal")
@role_required(Role.ADMIN)
def access_journal():
    form = AccessLogFilterForm(request.args)
    form.person.choices = [SelectChoice("", _("Tout le monde")),
                           *(SelectChoice(str(uid), name) for uid, name in access_log.people())]
    form.validate()
    page = max(parse_int(request.args.get("page"), 1) or 1, 1)
    rows = access_log.entries(user_id=parse_int(form.person.data, None),
                              since=None if form.since.errors else form.since.data,
                              until=None if form.until.errors else form.until.data,
                              limit=LOG_PAGE_SIZE + 1, offset=(page - 1) * LOG_PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("accompaniment/admin/access_log.html", form=form, rows=rows[:LOG_PAGE_SIZE],
                           more=len(rows) > LOG_PAGE_SIZE, page=page, args=args)
