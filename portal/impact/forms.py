"""Le Lab's forms: syntax only; rules live in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.events.forms import THEME_LABELS
from portal.forms import MultiCheckboxField, choices_of

PERIOD_LABELS = {"month": _l("Mois"), "quarter": _l("Trimestre"), "year": _l("Année"), "custom": _l("Dates choisies")}
LINK_LABELS = {"event": _l("Événement"), "booking": _l("Réservation"), "request": _l("Demande de porteur de projet")}


class PeriodForm(FlaskForm):
    """The period chooser (GET, no CSRF)."""

    class Meta:
        csrf = False

    periode = SelectField(_l("Période"), choices=choices_of(PERIOD_LABELS), default="quarter")
    date = DateField(_l("Une date de la période"), validators=[Optional()],
                     description=_l("Le mois, le trimestre ou l’année qui contient cette date."))
    du = DateField(_l("Du (dates choisies)"), validators=[Optional()])
    au = DateField(_l("Au (inclus)"), validators=[Optional()])


class FundingLineForm(FlaskForm):
    funder = StringField(_l("Financeur"), validators=[DataRequired(_l("Indiquez le financeur.")), Length(max=200)],
                         description=_l("Par exemple : Fondation de France, Département des Yvelines."))
    name = StringField(_l("Nom du financement"), validators=[DataRequired(_l("Donnez un nom au financement.")),
                                                             Length(max=200)])
    description = TextAreaField(_l("Ce que couvre la subvention"), validators=[Optional(), Length(max=5000)])
    amount = DecimalField(_l("Montant (euros, facultatif)"), places=2,
                          validators=[Optional(), NumberRange(min=0, max=100_000_000)])
    starts_on = DateField(_l("Début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    ends_on = DateField(_l("Fin (incluse)"), validators=[InputRequired(_l("Indiquez la date de fin."))])
    themes = MultiCheckboxField(_l("Thèmes couverts"), choices=choices_of(THEME_LABELS),
                                description=_l("Les événements et demandes de ces thèmes entrent dans le rapport."))
    tags = StringField(_l("Mots-clés d’événements (séparés par des virgules)"), validators=[Optional(), Length(max=500)])
    spaces = MultiCheckboxField(_l("Espaces couverts"), choices=[], validate_choice=False,
                                description=_l("Les réservations et événements de ces espaces entrent dans le rapport."))
    needs = MultiCheckboxField(_l("Besoins des porteurs de projet couverts"), choices=[], validate_choice=False)
    active = BooleanField(_l("Financement en cours"), default=True)


class LinkForm(FlaskForm):
    kind = SelectField(_l("Type d’élément"), choices=choices_of(LINK_LABELS))
    item_id = IntegerField(_l("Numéro"), validators=[InputRequired(_l("Indiquez le numéro.")),
                                                     NumberRange(min=1, message=_l("Un numéro positif."))])


class UnlinkForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    item_id = HiddenField(validators=[DataRequired()])


class PartnerForm(FlaskForm):
    email = EmailField(_l("E-mail du compte partenaire"), validators=[DataRequired(_l("Indiquez l’e-mail.")),
                                                                     Length(max=254)])


class ShareForm(FlaskForm):
    periode = HiddenField()
    du = HiddenField()
    au = HiddenField()
    expires_on = DateField(_l("Le lien expire le"), validators=[InputRequired(_l("Indiquez une date d’expiration."))],
                           description=_l("Après cette date, le lien ne mène plus à rien."))


class ConfirmForm(FlaskForm):
    pass


class AssumptionForm(FlaskForm):
    label = StringField(_l("Hypothèse"), validators=[DataRequired(_l("Nommez l’hypothèse.")), Length(max=200)],
                        description=_l("Par exemple : coût de référence d’une journée de coworking."))
    driver = SelectField(_l("S’applique à"), choices=[])
    unit_cost = DecimalField(_l("Coût de référence par unité (euros)"), places=2,
                             validators=[InputRequired(_l("Indiquez un montant.")), NumberRange(min=0, max=10_000_000)])
    source = TextAreaField(_l("Source du chiffre"), validators=[DataRequired(_l("Citez la source du chiffre.")),
                                                               Length(max=2000)],
                           description=_l("Étude, rapport ou tarif d’où vient le montant, avec sa date."))
    active = BooleanField(_l("Utilisée dans les rapports"), default=True)
