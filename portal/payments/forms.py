from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal.payments.models import DESK_METHODS, BookerCategory, CreditKind, ProductKind
from portal.payments.services.catalogue import CATEGORY_LABELS, KIND_LABELS
from portal.payments.services.credits import CREDIT_LABELS

METHOD_LABELS = {"cash": _l("Espèces"), "cheque": _l("Chèque"), "transfer": _l("Virement"), "stripe": _l("Carte (en ligne)"),
                 "desk": _l("À régler à l'accueil")}


class ButtonForm(FlaskForm):
    pass


class DocumentForm(FlaskForm):
    document = FileField(_l("Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)"), validators=[FileRequired(_l("Choisissez un fichier."))])


class CategoryForm(FlaskForm):
    category = SelectField(_l("Catégorie tarifaire"), choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in BookerCategory])
    note = StringField(_l("Note (pièce vue, organisation...)"), validators=[Optional(), Length(max=300)])


class GrantForm(FlaskForm):
    kind = SelectField(_l("Type de crédit"), choices=[SelectChoice(k.value, CREDIT_LABELS[k]) for k in CreditKind])
    quantity = IntegerField(_l("Nombre"), validators=[InputRequired(_l("Indiquez un nombre.")), NumberRange(min=1, max=1000)])
    reason = StringField(_l("Raison (financeur, budget...)"), validators=[DataRequired(_l("Indiquez la raison de l'attribution.")), Length(max=300)])


class OrganisationGrantForm(GrantForm):
    organisation_id = SelectField(_l("Organisation"), choices=[])


class DeskPaymentForm(FlaskForm):
    method = SelectField(_l("Moyen de paiement"), choices=[SelectChoice(m.value, METHOD_LABELS[m.value]) for m in DESK_METHODS])
    note = StringField(_l("Référence (n° de chèque, de virement...)"), validators=[Optional(), Length(max=300)])


class DeskSaleForm(DeskPaymentForm):
    email = StringField(_l("E-mail de la personne"), validators=[DataRequired(_l("Indiquez l'e-mail.")), Email(_l("Adresse e-mail invalide.")), Length(max=254)])
    product_id = SelectField(_l("Produit"), choices=[])


class RefundForm(FlaskForm):
    amount = StringField(_l("Montant à rembourser (€)"), validators=[DataRequired(_l("Indiquez un montant.")), Length(max=12)])
    reason = StringField(_l("Raison"), validators=[DataRequired(_l("Indiquez la raison.")), Length(max=200)])


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    first = DateField(_l("Du"), validators=[InputRequired(_l("Indiquez une date."))])
    last = DateField(_l("Au"), validators=[InputRequired(_l("Indiquez une date."))])


class ProductForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in ProductKind])
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez un nom.")), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    space_id = SelectField(_l("Espace (journée ou location)"), choices=[], validate_choice=False)
    event_id = IntegerField(_l("N° de l'événement (billet)"), validators=[Optional(), NumberRange(min=1)])
    credit_quantity = IntegerField(_l("Crédits du carnet"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    vat_rate = StringField(_l("Taux de TVA (%)"), default="0", validators=[Optional(), Length(max=6)])
    active = BooleanField(_l("En vente"), default=True)
    price_individual = StringField(_l("Prix membre individuel (€)"), validators=[Optional(), Length(max=12)])
    price_partner_association = StringField(_l("Prix association partenaire (€)"), validators=[Optional(), Length(max=12)])
    price_ptce_member = StringField(_l("Prix organisation membre du PTCE (€)"), validators=[Optional(), Length(max=12)])
    price_company = StringField(_l("Prix entreprise ou non-membre (€)"), validators=[Optional(), Length(max=12)])
    price_solidarity = StringField(_l("Prix tarif solidaire (€, 0 : gratuit)"), validators=[Optional(), Length(max=12)])
    # Room hire: a morning or an afternoon (up to 4 h) costs at most this amount.
    half_day_individual = StringField(_l("Demi-journée membre individuel (€)"), validators=[Optional(), Length(max=12)])
    half_day_partner_association = StringField(_l("Demi-journée association partenaire (€)"),
                                               validators=[Optional(), Length(max=12)])
    half_day_ptce_member = StringField(_l("Demi-journée organisation membre du PTCE (€)"),
                                       validators=[Optional(), Length(max=12)])
    half_day_company = StringField(_l("Demi-journée entreprise ou non-membre (€)"),
                                   validators=[Optional(), Length(max=12)])
    half_day_solidarity = StringField(_l("Demi-journée tarif solidaire (€)"), validators=[Optional(), Length(max=12)])


class TicketPriceForm(FlaskForm):
    price_individual = StringField(_l("Prix membre individuel (€)"), validators=[Optional(), Length(max=12)])
    price_partner_association = StringField(_l("Prix association partenaire (€)"), validators=[Optional(), Length(max=12)])
    price_ptce_member = StringField(_l("Prix organisation membre du PTCE (€)"), validators=[Optional(), Length(max=12)])
    price_company = StringField(_l("Prix entreprise ou non-membre (€)"), validators=[Optional(), Length(max=12)])
    price_solidarity = StringField(_l("Prix tarif solidaire (€, 0 : gratuit)"), validators=[Optional(), Length(max=12)])
