"""Share links: created and revoked by staff, opened by a funder without an account (an unknown,
revoked or expired link is a 404). Routes of the impact blueprint."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import REFUSED, committed
from portal.impact import services
from portal.impact.forms import ConfirmForm, ShareForm
from portal.impact.presenter import report_view
from portal.impact.views import back_to_line, line_csv_response, line_pdf_response, line_report, bp, scope_lines


@bp.post("/financements/<int:line_id>/partages")
@role_required(Role.STAFF, Role.ADMIN)
def create_share(line_id: int):
    line = services.line_for(current_user, line_id)
    form = ShareForm()
    if form.validate_on_submit():
        created = committed(lambda: services.create_share_link(line, _posted_period(form), form.expires_on.data,
                                                               current_user, now=utcnow()))
        if created is not REFUSED:
            _link, secret = created
            flash(_("Lien de partage créé, à copier maintenant (il ne sera plus affiché) : %(url)s",
                    url=url_for("impact.shared_report", token=secret, _external=True)), "success")
    else:
        flash(_("Indiquez une date d’expiration valide."), "error")
    return back_to_line(line.id)


def _posted_period(form: ShareForm):
    try:
        first, last = date.fromisoformat(form.du.data or ""), date.fromisoformat(form.au.data or "")
    except ValueError:
        raise DomainError(_("La période à partager n’est pas valide.")) from None
    if form.periode.data in ("month", "quarter", "year"):
        return services.parse_period(form.periode.data, first, None, None, today=first)
    return services.parse_period("custom", None, first, last, today=first)


@bp.post("/partages/<int:link_id>/revoquer")
@role_required(Role.STAFF, Role.ADMIN)
def revoke_share(link_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    link = services.revoke_share_link(link_id, now=utcnow())
    db.session.commit()
    flash(_("Lien de partage révoqué."), "success")
    return redirect(url_for("impact.show_line", line_id=link.funding_line_id), 303)


# --- what a share link opens (no account) ---------------------------------------------------------


@bp.get("/partage/<token>")
def shared_report(token: str):
    link = services.share_link(token, now=utcnow())
    period = services.period_of(link)
    report = line_report(link.funding_line, period)
    return render_template("impact/shared_report.html", line=link.funding_line, link=link, report=report,
                           view=report_view(report, funder=True), period=period, scope=scope_lines(link.funding_line),
                           token=token)


@bp.get("/partage/<token>/rapport.pdf")
def shared_pdf(token: str):
    link = services.share_link(token, now=utcnow())
    return line_pdf_response(link.funding_line, services.period_of(link))


@bp.get("/partage/<token>/export.csv")
def shared_csv(token: str):
    link = services.share_link(token, now=utcnow())
    return line_csv_response(link.funding_line, services.period_of(link))


