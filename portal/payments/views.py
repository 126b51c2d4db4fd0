"""Members' pages: history and credits, buying, paying online, receipts; the Stripe webhook."""
from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from portal.db import sqlite_write_intent, utcnow
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.forms import REFUSED, committed, status_for
from portal.payments import stripe_gateway
from portal.payments.errors import TransientFailure
from portal.payments.forms import METHOD_LABELS, ButtonForm, DocumentForm, TicketPriceForm
from portal.payments.labels import money
from portal.payments.models import BookerCategory, Document, Membership, MembershipStatus, PaymentStatus
from portal.payments.receipt_pdf import document_pdf
from portal.payments.services import bookings_link, catalogue, checkout, credits, documents, lifecycle, pricing, webhooks
from portal.urls import absolute_url

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)


def parse_euros(text: str | None) -> int | None:
    """Cents from « 12,50 » or « 12.50 »; None when it is not an amount."""
    try:
        value = Decimal((text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    if value < 0 or value > 100000 or value.as_tuple().exponent < -2:
        return None
    return int(value * 100)


def stripe_origins() -> str:
    """Where our "pay" and "manage" buttons redirect: the form-action the CSP must allow on those pages."""
    from urllib.parse import urlsplit

    from flask import current_app

    origins = current_app.config["STRIPE_REDIRECT_ORIGINS"].split()
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return " ".join(origins)


def allowing_stripe_redirects(body: str, status: int = 200) -> Response:
    from portal.security import CONTENT_SECURITY_POLICY

    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {stripe_origins()}")
    return response


@bp.app_template_filter("money")
def _money_filter(cents) -> str:
    return money(cents)


@bp.app_context_processor
def _payment_helpers():
    from portal.payments.labels import MEMBERSHIP_STATUS_LABELS, PAYMENT_STATUS_LABELS

    def booking_quote(space, starts_at, ends_at):
        if not current_user.is_authenticated or current_user.is_staff:
            return None
        return pricing.quote_booking(current_user, space, starts_at, ends_at)

    def ticket_quote(event):
        from portal.payments.services.events_link import quote_ticket

        return quote_ticket(current_user if current_user.is_authenticated else None, event)

    def registration_payment(registration):
        from portal.payments.services.events_link import payment_for_registration

        return payment_for_registration(registration.id)

    return {
        "booking_quote": booking_quote,
        "ticket_quote": ticket_quote,
        "registration_payment": registration_payment,
        "ticket_receipt": lambda payment: documents.receipt_of(payment.id),
        "booking_payment": lambda booking: lifecycle.payment_for_booking(booking.id),
        "payment_status_label": lambda status: PAYMENT_STATUS_LABELS[getattr(status, "value", status)],
        "membership_status_label": lambda status: MEMBERSHIP_STATUS_LABELS[getattr(status, "value", status)],
        "payment_method_label": lambda method: METHOD_LABELS[getattr(method, "value", method)],
        "credit_label": lambda kind: credits.CREDIT_LABELS[kind],
        "category_label": lambda category: catalogue.CATEGORY_LABELS[BookerCategory(category)],
    }


@bp.get("/paiements")
@login_required
def my_payments():
    user = current_user
    memberships = db.session.query(Membership).filter(Membership.user_id == user.id).order_by(Membership.id.desc()).all()
    products = catalogue.list_products(active_only=True, kinds=catalogue.BUYABLE_KINDS)
    offers = [(p, pricing.quote_product(user, p)) for p in products]
    return allowing_stripe_redirects(render_template(
        "payments/my_payments.html", payments=lifecycle.payments_of(user.id), documents=documents.documents_of_user(user.id),
        balances=credits.balances(user_id=user.id), ledger=credits.ledger(user_id=user.id, limit=30),
        memberships=memberships, active=MembershipStatus, offers=[o for o in offers if o[1].amount_cents > 0],
        category=catalogue.category_of(user), profile=catalogue.profile_of(user), form=ButtonForm(),
        online=stripe_gateway.configured(),
    ))


@bp.post("/paiements/acheter/<int:product_id>")
@login_required
def buy_product(product_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for("payments.my_payments"), 303)
    payment = committed(lambda: checkout.buy(current_user, catalogue.get_product(product_id), now=utcnow()))
    if payment is REFUSED:
        return redirect(url_for("payments.my_payments"), 303)
    return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)


@bp.get("/paiements/<int:payment_id>")
@login_required
def show_payment(payment_id: int):
    payment = lifecycle.get_payment(payment_id, current_user)
    return allowing_stripe_redirects(render_template(
        "payments/show_payment.html", payment=payment, form=ButtonForm(), receipt=documents.receipt_of(payment.id),
        online=stripe_gateway.configured(), dates=bookings_link.dates_paid_by(payment.id)))


@bp.get("/reservations/<int:booking_id>/paiement")
@login_required
def pay_booking(booking_id: int):
    from portal.spaces.services.bookings import get_booking

    booking = get_booking(booking_id, current_user)
    payment = lifecycle.payment_for_booking(booking.id)
    if payment is None:
        return redirect(url_for("spaces.show_booking", booking_id=booking.id), 303)
    return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)


@bp.post("/paiements/<int:payment_id>/payer")
@login_required
def start_checkout(payment_id: int):
    payment = lifecycle.get_payment(payment_id, current_user)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)
    url = committed(lambda: checkout.start(
        payment, now=utcnow(),
        success_url=absolute_url("payments.payment_done", payment_id=payment.id) + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=absolute_url("payments.show_payment", payment_id=payment.id)))
    if url is REFUSED:
        return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)
    return redirect(url, 303)


@bp.get("/paiements/<int:payment_id>/merci")
@login_required
def payment_done(payment_id: int):
    """Stripe's return address: fulfilled here or by the webhook, whichever comes first."""
    sqlite_write_intent.set(True)  # this GET may write: take SQLite's write lock from the start
    db.session.rollback()
    payment = lifecycle.get_payment(payment_id, current_user)
    if checkout.come_back(payment, request.args.get("session_id"), now=utcnow()):
        db.session.commit()
    else:
        db.session.rollback()
    payment = lifecycle.get_payment(payment_id, current_user)
    if payment.status == PaymentStatus.PAID:
        flash(_("Paiement reçu, merci !"), "success")
        if payment.booking_id:
            return redirect(url_for("spaces.show_booking", booking_id=payment.booking_id), 303)
    else:
        flash(_("Votre paiement est en cours de confirmation : rechargez cette page dans un instant."), "info")
    return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)


@bp.post("/paiements/<int:payment_id>/abandonner")
@login_required
def abandon_payment(payment_id: int):
    payment = lifecycle.get_payment(payment_id, current_user)
    if ButtonForm().validate_on_submit():
        try:
            bookings_link.give_up(current_user, payment, now=utcnow())
        except (DomainError, stripe_gateway.GatewayUnavailable) as err:
            db.session.rollback()
            flash(str(getattr(err, "message", err)), "error")
        else:
            db.session.commit()
            flash(_("Paiement abandonné."), "success")
    return redirect(url_for("payments.show_payment", payment_id=payment.id), 303)


@bp.get("/paiements/documents/<int:document_id>.pdf")
@login_required
def document_download(document_id: int):
    doc = db.session.get(Document, document_id)
    if doc is None or not (current_user.is_staff or doc.user_id == current_user.id):
        abort(404)
    return _pdf_download(doc)


def _pdf_download(doc: Document) -> Response:
    response = Response(document_pdf(doc), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{doc.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/paiements/adhesion/gerer")
@login_required
def manage_membership():
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("payments.my_payments"), 303)
    try:
        url = checkout.portal_url(current_user, return_url=absolute_url("payments.my_payments"))
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("payments.my_payments"), 303)
    return redirect(url, 303)


@bp.route("/paiements/justificatif", methods=["GET", "POST"])
@login_required
def upload_document():
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        if committed(lambda: catalogue.store_document(current_user, upload.filename, upload.read(5 * 1024 * 1024 + 1),
                                                      now=utcnow()), form) is not REFUSED:
            flash(_("Justificatif envoyé : l'équipe l'examine, puis le supprime."), "success")
            return redirect(url_for("payments.my_payments"), 303)
    return render_template("payments/upload_document.html", form=form), status_for(form)


@bp.post("/paiements/webhook/stripe")
@csrf.exempt
def stripe_webhook():
    """Signature checked on the raw body; 200 only once the event is applied (or was already)."""
    try:
        event = stripe_gateway.parse_event(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except stripe_gateway.BadSignature:
        return {"error": "invalid signature"}, 400
    try:
        outcome = webhooks.apply(event, now=utcnow())
        db.session.commit()
    except webhooks.AlreadyApplied:
        db.session.rollback()
        return {"received": True, "outcome": "already applied"}, 200
    except (TransientFailure, stripe_gateway.GatewayUnavailable, OperationalError) as err:
        db.session.rollback()
        log.warning("stripe event %s not applied yet: %s", event.get("id"), err)
        return {"error": "retry later"}, 503
    except Exception:
        db.session.rollback()
        log.exception("stripe event %s failed", event.get("id"))
        return {"error": "not applied"}, 500
    return {"received": True, "outcome": outcome}, 200


def read_prices(form, prefix: str = "price_") -> dict | None:
    """Each category's amount from the form's <prefix><category> fields; None (errors set) when one is not an amount."""
    prices, bad = {}, False
    for category in BookerCategory:
        field = getattr(form, f"{prefix}{category.value}")
        if (field.data or "").strip():
            prices[category] = parse_euros(field.data)
            if prices[category] is None:
                field.errors = [*field.errors, _("Montant invalide (par exemple 12,50).")]
                bad = True
        else:
            prices[category] = None
    return None if bad else prices


@bp.route("/paiements/evenements/<int:event_id>/billet", methods=["GET", "POST"])
@login_required
def ticket_prices(event_id: int):
    """The organiser sets the ticket price of their event, per category, within the rules."""
    from portal.events.services.events import get_event, may_manage
    from portal.payments.services import events_link

    event = get_event(event_id, current_user)
    if not may_manage(current_user, event):
        abort(403)
    form = TicketPriceForm()
    product = events_link.ticket_product(event.id) or None
    if request.method == "GET" and product is not None:
        for price in product.prices:
            getattr(form, f"price_{price.category.value}").data = f"{price.amount_cents / 100:.2f}".replace(".", ",")
    if form.validate_on_submit():
        prices = read_prices(form)
        if prices is not None and committed(
                lambda: events_link.set_ticket_prices(current_user, event, prices, now=utcnow()), form) is not REFUSED:
            flash(_("Prix des billets enregistrés."), "success")
            return redirect(url_for("events.show_event", event_id=event.id), 303)
    from flask import current_app

    return render_template("payments/ticket_prices.html", form=form, event=event,
                           ceiling=current_app.config["PAYMENTS_TICKET_MAX_CENTS"]), status_for(form)


# --- a visitor without an account pays their event ticket, through their registration's secret link ---


def _guest_ticket(token: str):
    from portal.events.services.registrations import by_token
    from portal.payments.services.events_link import payment_for_registration

    registration = by_token(token)
    payment = payment_for_registration(registration.id)
    if payment is None:
        abort(404)
    return registration, payment


@bp.post("/evenements/inscription/<token>/payer")
def pay_ticket(token: str):
    from portal.payments.hooks import ticket_due

    registration, _payment = _guest_ticket(token)  # 404 when there is no ticket at all
    back = url_for("events.manage_registration", token=token)
    payment = ticket_due(registration)  # none once declined, cancelled or paid
    if payment is None or not ButtonForm().validate_on_submit():
        return redirect(back, 303)
    url = committed(lambda: checkout.start(
        payment, now=utcnow(),
        success_url=absolute_url("payments.ticket_paid", token=token) + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=absolute_url("events.manage_registration", token=token)))
    if url is REFUSED:
        return redirect(back, 303)
    return redirect(url, 303)


@bp.get("/evenements/inscription/<token>/paiement/merci")
def ticket_paid(token: str):
    """Stripe's return address for a ticket: fulfilled here or by the webhook, whichever comes first."""
    sqlite_write_intent.set(True)  # this GET may write: take SQLite's write lock from the start
    db.session.rollback()
    _registration, payment = _guest_ticket(token)
    if checkout.come_back(payment, request.args.get("session_id"), now=utcnow()):
        db.session.commit()
    else:
        db.session.rollback()
    registration, payment = _guest_ticket(token)
    if payment.status == PaymentStatus.PAID and registration.status.value == "pending":
        flash(_("Paiement reçu, merci ! L'organisation doit encore valider votre inscription."), "success")
    elif payment.status == PaymentStatus.PAID:
        flash(_("Paiement reçu, merci ! Votre place est confirmée."), "success")
    else:
        flash(_("Votre paiement est en cours de confirmation : rechargez cette page dans un instant."), "info")
    return redirect(url_for("events.manage_registration", token=token), 303)


@bp.get("/evenements/inscription/<token>/recu/<int:document_id>.pdf")
def ticket_document(token: str, document_id: int):
    from portal.events.services.registrations import by_token

    registration = by_token(token)
    doc = db.session.get(Document, document_id)
    if doc is None or doc.payment.registration_id != registration.id:  # any receipt or credit note of theirs
        abort(404)
    return _pdf_download(doc)
