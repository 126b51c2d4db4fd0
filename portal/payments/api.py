"""JSON API for payments: quotes, the caller's payments and credits, and the way to pay online.

Amounts always come from the pricing service and the stored payment; nothing the client sends
about a price or a category is read.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema

from portal.api.guard import api_login_required
from portal.db import utcnow
from portal.errors import Conflict, NotFound
from portal.extensions import db
from portal.payments import stripe_gateway
from portal.payments.models import CreditKind, Payment, PaymentMethod, PaymentStatus
from portal.payments.services import checkout, credits, lifecycle, pricing
from portal.urls import absolute_url

bp = Blueprint("payments_api", __name__, url_prefix="/api/v1", description="Tarifs, paiements et crédits")

CURRENCY = "EUR"
LONGEST_QUOTE = 2 * 24 * 60  # minutes; longer bookings are refused by the rules anyway


def _value(member):
    return member.value if member is not None else None


class QuoteQuerySchema(Schema):
    space_id = fields.Int(load_default=None, metadata={"description": "Espace à réserver (avec starts_at et ends_at)"})
    starts_at = fields.AwareDateTime(load_default=None, metadata={"description": "ISO 8601 avec décalage UTC"})
    ends_at = fields.AwareDateTime(load_default=None)
    event_id = fields.Int(load_default=None, metadata={"description": "Événement auquel s'inscrire"})

    @validates_schema
    def _one_thing(self, data, **kwargs):
        if (data.get("space_id") is None) == (data.get("event_id") is None):
            raise ValidationError(_l("Indiquez soit un espace et un créneau, soit un événement."), field_name="space_id")
        if data.get("space_id") is not None:
            for name in ("starts_at", "ends_at"):
                if data.get(name) is None:
                    raise ValidationError(_l("Champ obligatoire."), field_name=name)
            minutes = (data["ends_at"] - data["starts_at"]).total_seconds() / 60
            if not 0 < minutes <= LONGEST_QUOTE:
                raise ValidationError(_l("La fin doit suivre le début, dans les 48 heures."), field_name="ends_at")


class QuoteSchema(Schema):
    outcome = fields.Str(metadata={"enum": [pricing.FREE, pricing.CREDITS, pricing.PAY],
                                   "description": "free : gratuit ; credits : couvert par des crédits ; pay : à payer"})
    amount_cents = fields.Int(metadata={"description": "À payer, en centimes TTC (0 si gratuit ou crédits)"})
    currency = fields.Function(lambda q: CURRENCY)
    category = fields.Function(lambda q: _value(q.category), allow_none=True,
                               metadata={"description": "Catégorie tarifaire fixée par l'équipe"})
    label = fields.Str()
    vat_rate_bp = fields.Int(metadata={"description": "Taux de TVA en points de base (2000 = 20 %)"})
    credit_kind = fields.Function(lambda q: _value(q.credit_kind), allow_none=True,
                                  metadata={"enum": [k.value for k in CreditKind]})
    credits_needed = fields.Int()
    paid_by_organisation = fields.Str(allow_none=True)
    online = fields.Bool(metadata={"description": "Vrai : payable en ligne ; faux : à régler à l'accueil"})


class PaymentSchema(Schema):
    id = fields.Int()
    description = fields.Str()
    amount_cents = fields.Int()
    refunded_cents = fields.Int()
    currency = fields.Function(lambda p: CURRENCY)
    category = fields.Function(lambda p: p.category.value)
    method = fields.Function(lambda p: p.method.value, metadata={"enum": [m.value for m in PaymentMethod]})
    status = fields.Function(lambda p: p.status.value, metadata={"enum": [s.value for s in PaymentStatus]})
    hold_expires_at = fields.AwareDateTime(allow_none=True,
                                           metadata={"description": "Le créneau est libéré après cette heure"})
    paid_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    booking_id = fields.Int(allow_none=True)
    registration_id = fields.Int(allow_none=True)
    product_id = fields.Int(allow_none=True)
    url = fields.Function(lambda p: absolute_url("payments.show_payment", payment_id=p.id))


class CheckoutSchema(Schema):
    checkout_url = fields.Str(metadata={"description": "Page de paiement Stripe Checkout où envoyer la personne"})
    payment = fields.Nested(PaymentSchema)


class CreditsSchema(Schema):
    kind = fields.Str(metadata={"enum": [k.value for k in CreditKind]})
    balance = fields.Int()
    organisation_id = fields.Int(allow_none=True, metadata={"description": "null : crédits personnels"})
    organisation_name = fields.Str(allow_none=True)


def _own_payment(payment_id: int) -> Payment:
    """Only the payer: staff handle other people's payments on the reception pages."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != current_user.id:
        raise NotFound(_l("Ce paiement n'existe pas."))
    return payment


@bp.route("/prices/quote")
class PriceQuote(MethodView):
    @api_login_required
    @bp.arguments(QuoteQuerySchema(), location="query")
    @bp.response(200, QuoteSchema)
    @bp.alt_response(404, description="Espace ou événement inconnu")
    @bp.alt_response(422, description="Données invalides : problem+json avec « errors »")
    def get(self, args):
        """Ce que coûterait à l'appelant la réservation d'un créneau ou l'inscription à un événement."""
        if args["space_id"] is not None:
            from portal.spaces.services.queries import get_space

            space = get_space(args["space_id"])
            return pricing.quote_booking(current_user, space, args["starts_at"], args["ends_at"])
        from portal.events.services.events import get_event
        from portal.payments.services.events_link import quote_ticket

        event = get_event(args["event_id"], current_user)
        return quote_ticket(current_user, event) or pricing.Quote(pricing.FREE)


@bp.route("/payments")
class Payments(MethodView):
    @api_login_required
    @bp.response(200, PaymentSchema(many=True))
    def get(self):
        """Les paiements de l'appelant, du plus récent au plus ancien."""
        return lifecycle.payments_of(current_user.id)


@bp.route("/payments/<int:payment_id>")
class PaymentById(MethodView):
    @api_login_required
    @bp.response(200, PaymentSchema)
    @bp.alt_response(404, description="Inconnu ou paiement d'une autre personne")
    def get(self, payment_id: int):
        """Un paiement de l'appelant."""
        return _own_payment(payment_id)


@bp.route("/payments/<int:payment_id>/checkout")
class PaymentCheckout(MethodView):
    @api_login_required
    @bp.response(200, CheckoutSchema)
    @bp.alt_response(404, description="Inconnu ou paiement d'une autre personne")
    @bp.alt_response(409, description="Rien à payer en ligne : problem+json")
    @bp.alt_response(503, description="Stripe ne répond pas : problem+json, réessayer plus tard")
    def post(self, payment_id: int):
        """L'adresse de la page Stripe Checkout pour un paiement en attente (la même tant qu'elle reste ouverte)."""
        payment = _own_payment(payment_id)
        if payment.status != PaymentStatus.PENDING:
            raise Conflict(_l("Rien à payer : ce paiement n'est plus en attente."))
        if payment.method != PaymentMethod.STRIPE or not stripe_gateway.configured():
            raise Conflict(_l("Le paiement en ligne n'est pas disponible : réglez à l'accueil."))
        url = checkout.start(
            payment, now=utcnow(),
            success_url=absolute_url("payments.payment_done", payment_id=payment.id) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=absolute_url("payments.show_payment", payment_id=payment.id))
        db.session.commit()
        return {"checkout_url": url, "payment": payment}


@bp.route("/credits")
class Credits(MethodView):
    @api_login_required
    @bp.response(200, CreditsSchema(many=True))
    def get(self):
        """Les soldes de crédits de l'appelant, puis ceux des organisations dont il fait partie."""
        rows = [{"kind": kind.value, "balance": balance, "organisation_id": None, "organisation_name": None}
                for kind, balance in credits.balances(user_id=current_user.id).items()]
        for organisation_id, name in pricing.organisations_of(current_user):
            rows += [{"kind": kind.value, "balance": balance, "organisation_id": organisation_id,
                      "organisation_name": name}
                     for kind, balance in credits.balances(organisation_id=organisation_id).items()]
        return rows
