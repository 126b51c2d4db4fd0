"""The holder's form in four short steps, and the team's forms. Syntax only; the rules are in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, EmailField, HiddenField, IntegerField, RadioField, SelectField, StringField,
    TelField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, StopValidation, Email, InputRequired, Length, NumberRange, Optional

from portal.accompaniment.labels import (
    CHANNEL_LABELS, HEARD_LABELS, LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, STATUS_LABELS, THEME_LABELS)
from portal.forms import MultiCheckboxField, choices_of

CHOOSE = _l("Choisissez une réponse.")
NO_NEED = _l("Cochez au moins un besoin (ou « Autre chose »).")
REACH = _l("Donnez au moins un moyen de vous joindre : une adresse e-mail ou un numéro de téléphone.")
REACH_BY_EMAIL = _l("Vous préférez être contacté·e par e-mail : écrivez votre adresse e-mail, ou choisissez un autre moyen.")
REACH_BY_PHONE = _l("Vous préférez le téléphone : écrivez votre numéro, ou choisissez un autre moyen.")
ANY = SelectChoice("", _l("Tous"))


def at_least_one(form, field) -> None:
    """Not DataRequired: that would mark every checkbox of the group as required."""
    if not field.data:
        raise StopValidation(str(NO_NEED))


def _with_any(labels: dict) -> list[SelectChoice]:
    return [ANY, *choices_of(labels)]


class IdentityForm(FlaskForm):
    name = StringField(_l("Votre nom"), validators=[DataRequired(_l("Écrivez votre nom (ou un prénom).")),
                                                    Length(max=120)],
                       description=_l("Un prénom suffit."), render_kw={"autocomplete": "name"})
    email = EmailField(_l("Votre adresse e-mail (si vous en avez une)"),
                       validators=[Optional(), Email(_l("Cette adresse e-mail n'est pas complète. Exemple : nom@exemple.fr")),
                                   Length(max=254)], render_kw={"autocomplete": "email"})
    phone = TelField(_l("Votre numéro de téléphone (si vous préférez)"), validators=[Optional(), Length(max=40)],
                     description=_l("Donnez l'e-mail, le téléphone, ou les deux."), render_kw={"autocomplete": "tel"})
    language = SelectField(_l("La langue que vous préférez"), choices=choices_of(LANGUAGE_LABELS), default="fr",
                           description=_l("Si possible, quelqu'un qui parle cette langue vous répondra."))
    contact_channel = RadioField(_l("Comment voulez-vous être contacté·e ?"), choices=choices_of(CHANNEL_LABELS),
                                 default="email", validators=[InputRequired(CHOOSE)])

    def validate(self, extra_validators=None) -> bool:
        """Said at this step rather than at the end: without a way to answer, nothing else matters."""
        valid = super().validate(extra_validators)
        email, phone = (self.email.data or "").strip(), (self.phone.data or "").strip()
        if not email and not phone and not self.email.errors:
            self.email.errors = [*self.email.errors, str(REACH)]
            return False
        if self.contact_channel.data == "email" and not email and not self.email.errors:
            self.email.errors = [*self.email.errors, str(REACH_BY_EMAIL)]
            return False
        if self.contact_channel.data in ("phone", "sms", "whatsapp") and not phone and not self.phone.errors:
            self.phone.errors = [*self.phone.errors, str(REACH_BY_PHONE)]
            return False
        return valid


class ProjectForm(FlaskForm):
    title = StringField(_l("Le nom de votre projet, en quelques mots"),
                        validators=[DataRequired(_l("Donnez un titre court à votre projet.")), Length(max=160)],
                        description=_l("Par exemple : « Traiteur de cuisine malienne »."))
    description = TextAreaField(_l("Votre projet, avec vos mots"), validators=[Optional(), Length(max=5000)],
                                description=_l("Ce que vous voulez faire, pour qui. Quelques phrases suffisent."))
    theme = RadioField(_l("C'est plutôt pour…"), choices=choices_of(THEME_LABELS), validators=[InputRequired(CHOOSE)])
    stage = RadioField(_l("Où en est votre projet ?"), choices=choices_of(STAGE_LABELS),
                       validators=[InputRequired(CHOOSE)])
    place = StringField(_l("Votre quartier ou votre ville"), validators=[Optional(), Length(max=120)],
                        description=_l("Par exemple : Les Mureaux, quartier Cinq-Quartiers."))


class NeedsForm(FlaskForm):
    needs = MultiCheckboxField(_l("De quoi avez-vous besoin ?"), choices=choices_of(NEED_LABELS),
                               validators=[at_least_one],
                               description=_l("Cochez tout ce qui compte pour vous."))
    needs_other = StringField(_l("Autre chose : précisez"), validators=[Optional(), Length(max=300)])
    heard_from = SelectField(_l("Comment avez-vous connu les Chrysalides ?"), choices=choices_of(HEARD_LABELS),
                             default="", validators=[Optional()])


class ConfirmForm(FlaskForm):
    consent = BooleanField(_l("J'accepte que l'équipe garde ces informations pour m'aider dans mon projet."),
                           validators=[DataRequired(_l("Pour que l'équipe puisse vous répondre, cochez la case d'accord."))])

    # The field robots fill in (its name is HONEYPOT_FIELD); people never see it: hidden by CSS, out of the tab order.
    site_web = StringField(_l("Site web (laissez vide)"), validators=[Optional()],
                           render_kw={"tabindex": "-1", "autocomplete": "off"})

STEP_FORMS = {1: IdentityForm, 2: ProjectForm, 3: NeedsForm, 4: ConfirmForm}
STEP_TITLES = {1: _l("Vous"), 2: _l("Votre projet"), 3: _l("Vos besoins"), 4: _l("Vérifier et envoyer")}


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Votre message"), validators=[DataRequired(_l("Le message est vide.")), Length(max=5000)])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note interne (visible par l'équipe seulement)"),
                         validators=[DataRequired(_l("La note est vide.")), Length(max=5000)])


class VersionedForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])


class AssignForm(VersionedForm):
    assignee_id = SelectField(_l("Attribuer à"), choices=[], validate_choice=False, validators=[Optional()])


class StatusForm(VersionedForm):
    status = SelectField(_l("Nouveau statut"), choices=[], validate_choice=False,
                         validators=[DataRequired(_l("Choisissez un statut."))])
    partner_id = SelectField(_l("Partenaire (si orientée)"), choices=[], validate_choice=False, validators=[Optional()])
    reason = TextAreaField(_l("Raison (obligatoire pour clore)"), validators=[Optional(), Length(max=2000)])


class MergeForm(VersionedForm):
    into_id = HiddenField(validators=[DataRequired()])


class ButtonForm(FlaskForm):
    """A button posting nothing but its CSRF token."""


class DeleteForm(FlaskForm):
    confirm = BooleanField(_l("Oui, je veux que mes données soient effacées."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer."))])


class BulkForm(FlaskForm):
    assignee_id = SelectField(_l("Attribuer à"), choices=[], validate_choice=False, validators=[Optional()])
    status = SelectField(_l("Changer le statut"), choices=[], validate_choice=False, validators=[Optional()])
    reason = StringField(_l("Raison (pour clore)"), validators=[Optional(), Length(max=2000)])


QUEUE_LABELS = {
    "new": _l("Nouvelles"),
    "mine": _l("Les miennes"),
    "to_assign": _l("À attribuer"),
    "overdue": _l("En retard"),
    "all": _l("Toutes"),
}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    file = HiddenField()
    q = StringField(_l("Rechercher (numéro, nom, e-mail, téléphone, titre)"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Statut"), choices=_with_any(STATUS_LABELS), validators=[Optional()])
    theme = SelectField(_l("Thème"), choices=_with_any(THEME_LABELS), validators=[Optional()])
    need = SelectField(_l("Besoin"), choices=_with_any(NEED_LABELS), validators=[Optional()])
    assignee_id = SelectField(_l("Personne"), choices=[], validate_choice=False, validators=[Optional()])
    since = DateField(_l("Reçues depuis le"), validators=[Optional()])
    until = DateField(_l("Reçues jusqu'au"), validators=[Optional()])


class SettingsForm(FlaskForm):
    first_contact_days = IntegerField(_l("Premier contact en (jours ouvrés)"), validators=[
        InputRequired(_l("Indiquez un nombre de jours.")), NumberRange(min=1, max=30, message=_l("Entre 1 et 30."))],
        description=_l("Les samedis, dimanches et jours fériés ne comptent pas."))
    retention_months = IntegerField(_l("Anonymiser les demandes terminées après (mois)"), validators=[
        InputRequired(_l("Indiquez un nombre de mois.")), NumberRange(min=1, max=120, message=_l("Entre 1 et 120."))])


class TeamForm(FlaskForm):
    name = StringField(_l("Nom de l'équipe"), validators=[DataRequired(_l("Donnez un nom à l'équipe.")), Length(max=120)])
    description = StringField(_l("Description (facultatif)"), validators=[Optional(), Length(max=500)])


class MemberForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail de la personne"), validators=[
        DataRequired(_l("Indiquez une adresse e-mail.")), Length(max=254)])


class RuleForm(FlaskForm):
    position = IntegerField(_l("Ordre (les petits nombres passent d'abord)"), default=100,
                            validators=[InputRequired(_l("Indiquez un nombre.")), NumberRange(min=0, max=10000)])
    theme = SelectField(_l("Thème"), choices=[SelectChoice("", _l("Tous")), *choices_of(THEME_LABELS)], validators=[Optional()])
    need = SelectField(_l("Besoin"), choices=[SelectChoice("", _l("Tous")), *choices_of(NEED_LABELS)], validators=[Optional()])
    stage = SelectField(_l("Avancement"), choices=[SelectChoice("", _l("Tous")), *choices_of(STAGE_LABELS)], validators=[Optional()])
    language = SelectField(_l("Langue"), choices=[SelectChoice("", _l("Toutes")), *choices_of(LANGUAGE_LABELS)],
                           validators=[Optional()])
    target = SelectField(_l("Envoyer à"), choices=[], validate_choice=False,
                         validators=[DataRequired(_l("Choisissez une équipe ou une personne."))])


class PartnerForm(FlaskForm):
    name = StringField(_l("Nom du partenaire"), validators=[DataRequired(_l("Donnez le nom du partenaire.")),
                                                            Length(max=160)])
    contact_email = EmailField(_l("E-mail de contact (facultatif)"),
                               validators=[Optional(), Email(_l("Adresse e-mail invalide.")), Length(max=254)])
    website = StringField(_l("Site web (facultatif)"), validators=[Optional(), Length(max=300)])


class AccessLogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    person = SelectField(_l("Personne"), choices=[], validate_choice=False, validators=[Optional()])
    since = DateField(_l("Depuis le"), validators=[Optional()])
    until = DateField(_l("Jusqu'au"), validators=[Optional()])
