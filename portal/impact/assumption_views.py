"""Avoided-cost assumptions, defined by admins with their source. Routes of the impact blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.accounts.models import Role
from portal.auth import role_required
from portal.forms import REFUSED, committed, status_for
from portal.impact import services
from portal.impact.builder import DRIVER_LABELS
from portal.impact.forms import AssumptionForm
from portal.impact.presenter import money
from portal.impact.views import bp


def _assumption_form(form: AssumptionForm) -> AssumptionForm:
    form.driver.choices = [SelectChoice(k.value, v) for k, v in DRIVER_LABELS.items()]
    return form


def _saved(form: AssumptionForm, assumption) -> bool:
    """Creates (assumption None) or changes an assumption; a refusal goes next to its field."""
    if committed(lambda: services.save_assumption(assumption, label=form.label.data, driver=form.driver.data,
                                                  unit_cost_cents=services.cents(form.unit_cost.data),
                                                  source=form.source.data, active=form.active.data),
                 form) is REFUSED:
        return False
    flash(_("Hypothèse enregistrée."), "success")
    return True


@bp.route("/hypotheses", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def assumptions():
    form = _assumption_form(AssumptionForm())
    if form.validate_on_submit() and _saved(form, None):
        return redirect(url_for("impact.assumptions"), 303)
    return render_template("impact/assumptions.html", form=form, assumptions=services.assumptions(),
                           driver_labels=DRIVER_LABELS, money=money), status_for(form)


@bp.route("/hypotheses/<int:assumption_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_assumption(assumption_id: int):
    assumption = services.get_assumption(assumption_id)
    if request.method == "GET":
        form = AssumptionForm(obj=assumption)
        form.driver.data = assumption.driver.value
        form.unit_cost.data = assumption.unit_cost_cents / 100
    else:
        form = AssumptionForm()
    _assumption_form(form)
    if form.validate_on_submit() and _saved(form, assumption):
        return redirect(url_for("impact.assumptions"), 303)
    return render_template("impact/edit_assumption.html", form=form, assumption=assumption), status_for(form)


