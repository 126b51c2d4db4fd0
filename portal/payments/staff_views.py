"""Reception and administration: desk payments, categories, credit grants, refunds, export, products."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal.accounts.models import Role, User
from portal.accounts.services import find_user_by_email
from portal.auth import role_required
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import REFUSED, attempt, committed, status_for
from portal.payments import stripe_gateway
from portal.payments.forms import (
    CategoryForm,
    DeskPaymentForm,
    DeskSaleForm,
    GrantForm,
    OrganisationGrantForm,
    PeriodForm,
    ProductForm,
    RefundForm,
)
from portal.payments.models import BookerCategory, CreditKind, Payment, PaymentMethod, PaymentStatus, ProductKind
from portal.payments.services import catalogue, credits, documents, lifecycle
from portal.payments.views import parse_euros, read_prices
from portal.timeutil import paris_today

bp = Blueprint("payments_staff", __name__)


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _sale_form() -> DeskSaleForm:
    form = DeskSaleForm()
    form.product_id.choices = [SelectChoice(str(p.id), p.name) for p in catalogue.list_products(active_only=True)
                               if p.kind in catalogue.BUYABLE_KINDS or p.kind == ProductKind.DAY_PASS]
    return form


def _organisation_form() -> OrganisationGrantForm:
    form = OrganisationGrantForm(prefix="org")
    form.organisation_id.choices = [SelectChoice(str(i), name) for i, name in credits.organisations()]
    return form


@bp.post("/equipe/paiements/organisations/credits")
@role_required(Role.STAFF, Role.ADMIN)
def grant_organisation():
    """A PTCE member organisation's yearly free hours, a partner's budget for its people."""
    form = _organisation_form()
    if form.validate_on_submit():
        granted = committed(lambda: credits.grant(CreditKind(form.kind.data), form.quantity.data,
                                                  reason=form.reason.data, now=utcnow(), actor_id=_current().id,
                                                  organisation_id=int(form.organisation_id.data)), form)
        if granted is not REFUSED:
            flash(_("Crédits attribués."), "success")
            return redirect(url_for("payments_staff.desk"), 303)
    return _render_desk(org_form=form), 422


@bp.get("/equipe/paiements")
@role_required(Role.STAFF, Role.ADMIN)
def desk():
    return _render_desk()


def _render_desk(*, sale_form=None, org_form=None):
    # Who pays is shown for each: loaded in one query per kind, not one per payment.
    payer = (selectinload(Payment.user), selectinload(Payment.registration))
    open_payments = list(db.session.scalars(select(Payment).options(*payer)
                                            .where(Payment.status == PaymentStatus.PENDING)
                                            .order_by(Payment.created_at).limit(200)))
    today = paris_today(utcnow())
    return render_template("payments/staff/desk.html", open_payments=open_payments, pay_form=DeskPaymentForm(),
                           sale_form=sale_form or _sale_form(), org_form=org_form or _organisation_form(),
                           organisation_balances=credits.organisation_balances(),
                           to_review=catalogue.profiles_to_review(),
                           period=PeriodForm(first=today.replace(day=1), last=today),
                           recent=list(db.session.scalars(select(Payment).options(*payer)
                                                          .where(Payment.status != PaymentStatus.PENDING)
                                                          .order_by(Payment.updated_at.desc()).limit(30))))


@bp.post("/equipe/paiements/<int:payment_id>/encaisser")
@role_required(Role.STAFF, Role.ADMIN)
def record_payment(payment_id: int):
    form = DeskPaymentForm()
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    if form.validate_on_submit():
        attempt(lambda: lifecycle.record_desk_payment(_current(), payment, method=PaymentMethod(form.method.data),
                                                      note=form.note.data or "", now=utcnow()),
                _("Paiement enregistré, reçu émis."))
    else:
        flash(_("Choisissez un moyen de paiement."), "error")
    return redirect(url_for("payments_staff.desk"), 303)


@bp.post("/equipe/paiements/vente")
@role_required(Role.STAFF, Role.ADMIN)
def sell():
    form = _sale_form()
    if form.validate_on_submit():
        customer = find_user_by_email(form.email.data or "")

        def sell_to_customer() -> None:
            if customer is None:
                raise DomainError(_("Aucun compte avec cet e-mail."), field="email")
            lifecycle.sell_at_desk(_current(), customer, catalogue.get_product(int(form.product_id.data)),
                                   method=PaymentMethod(form.method.data), note=form.note.data or "", now=utcnow())

        if committed(sell_to_customer, form) is not REFUSED:
            flash(_("Vente enregistrée, reçu émis."), "success")
            return redirect(url_for("payments_staff.desk"), 303)
    return _render_desk(sale_form=form), 422


@bp.route("/equipe/paiements/personnes/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def person(user_id: int):
    user = _person(user_id)
    profile = catalogue.profile_of(user)
    category_form = CategoryForm(prefix="cat", category=(profile.category.value if profile else "individual"))
    grant_form = GrantForm(prefix="grant")
    now = utcnow()
    action = request.form.get("action")
    if action == "category" and category_form.validate_on_submit():
        catalogue.set_category(_current(), user, BookerCategory(category_form.category.data),
                               note=category_form.note.data or "", now=now)
        db.session.commit()
        flash(_("Catégorie enregistrée ; le justificatif éventuel est supprimé."), "success")
        return redirect(url_for("payments_staff.person", user_id=user.id), 303)
    if action == "grant" and grant_form.validate_on_submit():
        granted = committed(lambda: credits.grant(CreditKind(grant_form.kind.data), grant_form.quantity.data,
                                                  reason=grant_form.reason.data, now=now, actor_id=_current().id,
                                                  user_id=user.id), grant_form)
        if granted is not REFUSED:
            flash(_("Crédits attribués."), "success")
            return redirect(url_for("payments_staff.person", user_id=user.id), 303)
    return render_template("payments/staff/person.html", person=user, profile=profile, category_form=category_form,
                           grant_form=grant_form, balances=credits.balances(user_id=user.id),
                           ledger=credits.ledger(user_id=user.id), payments=lifecycle.payments_of(user.id),
                           refund_form=RefundForm()), status_for(category_form) if action == "category" else status_for(grant_form)


@bp.get("/equipe/paiements/personnes/<int:user_id>/justificatif")
@role_required(Role.STAFF, Role.ADMIN)
def person_document(user_id: int):
    profile = catalogue.profile_of(_person(user_id))
    path = catalogue.document_path(profile) if profile is not None else None
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"justificatif{path.suffix}")


@bp.post("/equipe/paiements/<int:payment_id>/rembourser")
@role_required(Role.STAFF, Role.ADMIN)
def refund_payment(payment_id: int):
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    form = RefundForm()
    amount = parse_euros(form.amount.data) if form.validate_on_submit() else None
    if not amount:
        flash(_("Indiquez un montant valide et une raison."), "error")
    else:
        try:
            done = lifecycle.refund(payment, amount, now=utcnow(), reason=form.reason.data)
        except stripe_gateway.GatewayUnavailable:
            db.session.rollback()
            flash(_("Le service de paiement ne répond pas. Réessayez dans un instant."), "error")
        else:
            db.session.commit()
            if done:
                flash(_("Remboursement enregistré, avoir émis."), "success")
            else:
                flash(_("Rien à rembourser sur ce paiement."), "error")
    return redirect(url_for("payments_staff.person", user_id=payment.user_id) if payment.user_id
                    else url_for("payments_staff.desk"), 303)


@bp.get("/equipe/paiements/export.csv")
@role_required(Role.STAFF, Role.ADMIN)
def export_csv():
    form = PeriodForm(request.args)
    if not form.validate() or form.first.data > form.last.data or form.last.data - form.first.data > timedelta(days=400):
        flash(_("Choisissez une période valide (au plus un an)."), "error")
        return redirect(url_for("payments_staff.desk"), 303)
    body = documents.accountant_csv(form.first.data, form.last.data)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="pieces-{form.first.data.isoformat()}-{form.last.data.isoformat()}.csv"')
    return response


# --- administration: products and price lists ------------------------------------------------


@bp.get("/admin/produits")
@role_required(Role.ADMIN)
def products():
    return render_template("payments/admin/products.html", products=catalogue.list_products(),
                           category_keys=[c.value for c in BookerCategory])


def _product_form(product=None) -> ProductForm:
    from portal.spaces.services.queries import list_spaces

    form = ProductForm(obj=None)
    if product is not None and request.method == "GET":
        form.kind.data = product.kind.value
        form.name.data = product.name
        form.description.data = product.description
        form.space_id.data = str(product.space_id or "")
        form.event_id.data = product.event_id
        form.credit_quantity.data = product.credit_quantity
        form.vat_rate.data = f"{product.vat_rate_bp / 100:g}"
        form.active.data = product.active
        for price in product.prices:
            getattr(form, f"price_{price.category.value}").data = f"{price.amount_cents / 100:.2f}".replace(".", ",")
            if price.half_day_amount_cents is not None:
                getattr(form, f"half_day_{price.category.value}").data = \
                    f"{price.half_day_amount_cents / 100:.2f}".replace(".", ",")
    form.space_id.choices = [SelectChoice("", _("Aucun"))] + [SelectChoice(str(s.id), s.name) for s in list_spaces()]
    return form


@bp.route("/admin/produits/nouveau", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/admin/produits/<int:product_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_product(product_id: int | None):
    product = catalogue.get_product(product_id) if product_id else None
    form = _product_form(product)
    valid = form.validate_on_submit()
    if request.method == "POST":  # amounts are checked even when another field is wrong: all errors at once
        prices, half_days = read_prices(form), read_prices(form, prefix="half_day_")
        bad = not valid or prices is None or half_days is None
        vat = parse_euros(form.vat_rate.data or "0")
        if vat is None or vat > 10000:
            form.vat_rate.errors = [*form.vat_rate.errors, _("Taux invalide (par exemple 20).")]
            bad = True
        if not bad:
            saved = committed(lambda: catalogue.save_product(
                product, kind=ProductKind(form.kind.data), name=form.name.data, description=form.description.data,
                space_id=int(form.space_id.data) if (form.space_id.data or "").isdigit() else None,
                credit_quantity=form.credit_quantity.data or 0, vat_rate_bp=vat, active=form.active.data,
                prices=prices, now=utcnow(), event_id=form.event_id.data, half_day_prices=half_days), form)
            if saved is not REFUSED:
                flash(_("Produit enregistré."), "success")
                return redirect(url_for("payments_staff.products"), 303)
    return render_template("payments/admin/edit_product.html", form=form, product=product), status_for(form)


def _current() -> User:
    from flask_login import current_user

    return current_user._get_current_object()
