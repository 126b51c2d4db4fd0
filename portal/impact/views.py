"""Le Lab's pages: the staff dashboard, funding lines and their reports, share links, assumptions."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.events.forms import THEME_LABELS
from portal.extensions import db
from portal.forms import REFUSED, attempt, committed, show_domain_error, status_for
from portal.impact import services
from portal.impact.builder import build_report
from portal.impact.exports import dictionary_csv, report_csv
from portal.impact.forms import (
    ConfirmForm,
    FundingLineForm,
    LinkForm,
    PartnerForm,
    PeriodForm,
    ShareForm,
    UnlinkForm,
)
from portal.impact.models import FundingLine
from portal.impact.pdf import Heading, report_pdf
from portal.impact.presenter import money, period_dates, period_label, report_view
from portal.impact.scope import Scope
from portal.timeutil import paris_today

bp = Blueprint("impact", __name__, url_prefix="/lab")
READERS = (Role.STAFF, Role.ADMIN, Role.PARTNER)


@bp.context_processor
def _report_helpers():
    from portal.impact.forms import LINK_LABELS

    return {"period_dates": period_dates, "zip": zip, "one_day": timedelta(days=1), "link_labels": LINK_LABELS}


def _period_from_args():
    """The period of the query string, and the form to show (with its errors)."""
    form = PeriodForm(request.args)
    today = paris_today(utcnow())
    form.validate()
    try:
        period = services.parse_period(form.periode.data, form.date.data, form.du.data, form.au.data, today=today)
    except DomainError as err:
        show_domain_error(form, err)
        period = services.parse_period("quarter", today, None, None, today=today)
    return period, form


def _period_args(period) -> dict:
    if period.kind == "custom":
        return {"periode": "custom", "du": period.start.isoformat(), "au": period.last_day.isoformat()}
    return {"periode": period.kind, "date": period.start.isoformat()}


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "private, no-store"})


def _heading(report, line: FundingLine | None) -> Heading:
    lines = [(_("Période"), f"{period_label(report.period)} ({period_dates(report.period)})"),
             (_("Comparée à"), f"{period_label(report.previous)} ({period_dates(report.previous)})")]
    if line is not None:
        lines += scope_lines(line)
    title = _("Rapport d’impact — Les Chrysalides")
    subtitle = f"{line.funder} — {line.name}" if line else _("Tiers-lieu, événements, accompagnement, mise en relation")
    return Heading(title, subtitle, lines)


def scope_lines(line: FundingLine) -> list[tuple[str, str]]:
    from portal.impact.indicators.third_place import spaces_of

    out = [(_("Financeur"), line.funder),
           (_("Dates du financement"), _("du %(first)s au %(last)s", first=format_date(line.starts_on, "long"),
                                          last=format_date(line.ends_on, "long")))]
    if line.amount_cents is not None:
        out.append((_("Montant"), money(line.amount_cents)))
    if line.themes:
        out.append((_("Thèmes"), ", ".join(str(THEME_LABELS.get(t, t)) for t in line.themes)))
    if line.tags:
        out.append((_("Mots-clés"), ", ".join(line.tags)))
    if line.space_ids:
        out.append((_("Espaces"), ", ".join(s.name for s in spaces_of(line.space_ids))))
    if line.needs:
        out.append((_("Besoins"), ", ".join(_need_label(n) for n in line.needs)))
    return out


def _need_label(need: str) -> str:
    try:
        from portal.accompaniment.labels import NEED_LABELS
    except ImportError:
        return need
    return str(NEED_LABELS.get(need, need))


# --- the staff dashboard -------------------------------------------------------------------------


@bp.get("")
@role_required(Role.STAFF, Role.ADMIN)
def dashboard():
    period, form = _period_from_args()
    report = build_report(period, Scope(), now=utcnow())
    return render_template("impact/dashboard.html", form=form, report=report, view=report_view(report, funder=False),
                           period=period, args=_period_args(period), previous_args=_period_args(period.previous()),
                           next_args=_period_args(period.next())), status_for(form)


@bp.get("/rapport.pdf")
@role_required(Role.STAFF, Role.ADMIN)
def dashboard_pdf():
    period, _form = _period_from_args()
    report = build_report(period, Scope(), now=utcnow())
    body = report_pdf(_heading(report, None), report_view(report, funder=True), generated_at=report.generated_at)
    return _download(body, "application/pdf", f"rapport-impact-{period.start.isoformat()}.pdf")


@bp.get("/export.csv")
@role_required(Role.STAFF, Role.ADMIN)
def dashboard_csv():
    period, _form = _period_from_args()
    report = build_report(period, Scope(), now=utcnow())
    return _download(report_csv(report, report_view(report, funder=True)), "text/csv",
                     f"indicateurs-{period.start.isoformat()}.csv")


@bp.get("/dictionnaire.csv")
def dictionary():
    return _download(dictionary_csv(), "text/csv", "dictionnaire-des-donnees.csv")


# --- funding lines -------------------------------------------------------------------------------


def _line_form(form: FundingLineForm) -> FundingLineForm:
    from portal.spaces.services.queries import list_spaces

    form.spaces.choices = [SelectChoice(str(s.id), s.name) for s in list_spaces()]
    try:
        from portal.accompaniment.labels import NEED_LABELS
    except ImportError:
        NEED_LABELS = {}
    form.needs.choices = [SelectChoice(k, v) for k, v in NEED_LABELS.items()]
    return form


def _line_data(form: FundingLineForm) -> services.LineData:
    return services.LineData(
        funder=form.funder.data, name=form.name.data, description=form.description.data or "",
        amount_cents=services.cents(form.amount.data), starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        themes=[t for t in form.themes.data or [] if t in THEME_LABELS],
        tags=(form.tags.data or "").split(","),
        space_ids=[int(i) for i in form.spaces.data or [] if str(i).isdigit()],
        needs=[n for n in form.needs.data or [] if n in {c.value for c in form.needs.choices}],
        active=form.active.data)


@bp.get("/financements")
@role_required(*READERS)
def list_lines():
    return render_template("impact/list_lines.html", lines=services.lines_for(current_user))


@bp.route("/financements/nouveau", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_line():
    form = _line_form(FundingLineForm())
    if form.validate_on_submit():
        line = committed(lambda: services.save_line(None, _line_data(form)), form)
        if line is not REFUSED:
            flash(_("Financement enregistré."), "success")
            return redirect(url_for("impact.show_line", line_id=line.id), 303)
    return render_template("impact/edit_line.html", form=form, line=None), status_for(form)


@bp.route("/financements/<int:line_id>/modifier", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_line(line_id: int):
    line = services.line_for(current_user, line_id)
    form = FundingLineForm(obj=line) if request.method == "GET" else FundingLineForm()
    _line_form(form)
    if request.method == "GET":
        form.spaces.data = [str(i) for i in line.space_ids]
        form.tags.data = ", ".join(line.tags)
        form.amount.data = None if line.amount_cents is None else line.amount_cents / 100
    if form.validate_on_submit():
        if committed(lambda: services.save_line(line, _line_data(form)), form) is not REFUSED:
            flash(_("Financement enregistré."), "success")
            return redirect(url_for("impact.show_line", line_id=line.id), 303)
    return render_template("impact/edit_line.html", form=form, line=line), status_for(form)


def line_report(line: FundingLine, period):
    return build_report(period, Scope(line), now=utcnow())


@bp.get("/financements/<int:line_id>")
@role_required(*READERS)
def show_line(line_id: int):
    line = services.line_for(current_user, line_id)
    period, form = _period_from_args()
    report = line_report(line, period)
    staff = current_user.is_staff
    share_form = ShareForm(formdata=None, periode=period.kind, du=period.start.isoformat(),
                           au=period.last_day.isoformat(), expires_on=paris_today(utcnow()) + timedelta(days=30))
    return render_template(
        "impact/show_line.html", line=line, form=form, report=report, view=report_view(report, funder=True),
        period=period, args=_period_args(period), previous_args=_period_args(period.previous()),
        next_args=_period_args(period.next()), scope=scope_lines(line), staff=staff,
        links=services.links_of(line) if staff else None, partners=services.partners_of(line) if staff else None,
        shares=services.share_links_of(line) if staff else None, now=utcnow(),
        link_form=LinkForm(formdata=None), unlink_form=UnlinkForm(formdata=None), partner_form=PartnerForm(formdata=None),
        share_form=share_form, confirm_form=ConfirmForm(formdata=None)), status_for(form)


@bp.get("/financements/<int:line_id>/rapport.pdf")
@role_required(*READERS)
def line_pdf(line_id: int):
    line = services.line_for(current_user, line_id)
    period, _form = _period_from_args()
    return line_pdf_response(line, period)


def line_pdf_response(line, period) -> Response:
    report = line_report(line, period)
    body = report_pdf(_heading(report, line), report_view(report, funder=True), generated_at=report.generated_at)
    return _download(body, "application/pdf", f"rapport-{line.id}-{period.start.isoformat()}.pdf")


@bp.get("/financements/<int:line_id>/export.csv")
@role_required(*READERS)
def line_csv(line_id: int):
    line = services.line_for(current_user, line_id)
    period, _form = _period_from_args()
    return line_csv_response(line, period)


def line_csv_response(line, period) -> Response:
    report = line_report(line, period)
    return _download(report_csv(report, report_view(report, funder=True)), "text/csv",
                     f"indicateurs-{line.id}-{period.start.isoformat()}.csv")


def back_to_line(line_id: int):
    return redirect(url_for("impact.show_line", line_id=line_id, **{k: v for k, v in request.args.items()}), 303)


@bp.post("/financements/<int:line_id>/liens")
@role_required(Role.STAFF, Role.ADMIN)
def add_link(line_id: int):
    line = services.line_for(current_user, line_id)
    form = LinkForm()
    if form.validate_on_submit():
        attempt(lambda: services.link_item(line, form.kind.data, form.item_id.data), _("Élément lié au financement."))
    else:
        flash(_("Indiquez le type et le numéro de l’élément à lier."), "error")
    return back_to_line(line.id)


@bp.post("/financements/<int:line_id>/liens/supprimer")
@role_required(Role.STAFF, Role.ADMIN)
def remove_link(line_id: int):
    line = services.line_for(current_user, line_id)
    form = UnlinkForm()
    if not form.validate_on_submit() or not str(form.item_id.data).isdigit():
        flash(_("Ce lien n’existe pas."), "error")
        return back_to_line(line.id)
    services.unlink_item(line, form.kind.data, int(form.item_id.data))
    db.session.commit()
    flash(_("Lien retiré."), "success")
    return back_to_line(line.id)


@bp.post("/financements/<int:line_id>/partenaires")
@role_required(Role.ADMIN)
def add_partner(line_id: int):
    line = services.line_for(current_user, line_id)
    form = PartnerForm()
    if form.validate_on_submit():
        attempt(lambda: services.add_partner(line, form.email.data, now=utcnow()),
                lambda user: _("%(name)s peut lire le rapport de ce financement.", name=user.display_name))
    else:
        flash(_("Indiquez l’e-mail du compte partenaire."), "error")
    return back_to_line(line.id)


@bp.post("/financements/<int:line_id>/partenaires/<int:user_id>/retirer")
@role_required(Role.ADMIN)
def remove_partner(line_id: int, user_id: int):
    line = services.line_for(current_user, line_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_partner(line, user_id)
        db.session.commit()
        flash(_("Accès retiré."), "success")
    return back_to_line(line.id)
