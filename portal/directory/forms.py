from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.directory.labels import (
    KIND_LABELS,
    LANGUAGE_LABELS,
    ORGANISATION_TYPE_LABELS,
    TAG_CATEGORY_LABELS,
    THEME_LABELS,
    VISIBILITY_LABELS,
)
from portal.forms import MultiCheckboxField, choices_of

ANY = _l("Tous")


class SearchForm(FlaskForm):
    """The directory's search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Rechercher"), validators=[Optional(), Length(max=200)],
                    description=_l("Un nom, un savoir-faire, une langue… (les accents ne comptent pas)"))
    kind = SelectField(_l("Personnes ou organisations"), choices=[SelectChoice("", ANY), *choices_of(KIND_LABELS)],
                       validators=[Optional()])
    organisation_type = SelectField(_l("Type d'organisation"),
                                    choices=[SelectChoice("", ANY), *choices_of(ORGANISATION_TYPE_LABELS)],
                                    validators=[Optional()])
    theme = SelectField(_l("Thème"), choices=[SelectChoice("", ANY), *choices_of(THEME_LABELS)],
                        validators=[Optional()])
    tag = SelectField(_l("Mot-clé"), choices=[], validate_choice=False, validators=[Optional()])
    direction = SelectField(_l("Propose ou cherche"), choices=[
        SelectChoice("", _l("Propose ou cherche")), SelectChoice("offer", _l("Propose")),
        SelectChoice("need", _l("Cherche"))], validators=[Optional()])
    language = SelectField(_l("Langue parlée"), choices=[SelectChoice("", _l("Toutes")), *choices_of(LANGUAGE_LABELS)],
                           validators=[Optional()])
    neighbourhood = SelectField(_l("Quartier ou ville"), choices=[], validate_choice=False, validators=[Optional()])
    volunteers = BooleanField(_l("Bénévoles disponibles uniquement"))
    page = IntegerField(validators=[Optional()])


class ProfileForm(FlaskForm):
    visibility = RadioField(_l("Qui peut voir ma fiche ?"), choices=choices_of(VISIBILITY_LABELS), default="hidden",
                            validators=[InputRequired(_l("Choisissez une visibilité."))],
                            description=_l("Vous pouvez changer d'avis à tout moment. La date de votre choix est "
                                           "enregistrée."))
    share_contact = BooleanField(_l("Montrer mon e-mail et mon téléphone aux membres connectés"),
                                 description=_l("Jamais au public. Sinon, les membres vous écrivent par le portail "
                                                "sans voir votre adresse."))
    presentation = TextAreaField(_l("Présentation courte"), validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Photo ou logo (JPEG, PNG ou WebP, 5 Mo au plus)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp", "gif"], _l("Format d'image non accepté : utilisez JPEG, PNG ou WebP.")),
        FileSize(max_size=5 * 1024 * 1024, message=_l("L'image dépasse 5 Mo. Choisissez une image plus légère."))])
    remove_photo = BooleanField(_l("Retirer la photo actuelle"))
    themes = MultiCheckboxField(_l("Thèmes"), choices=choices_of(THEME_LABELS))
    neighbourhood = StringField(_l("Quartier"), validators=[Optional(), Length(max=120)],
                                description=_l("Par exemple : Les Musiciens, Cité Renault, centre-ville"))
    town = StringField(_l("Ville"), validators=[Optional(), Length(max=120)])
    languages = MultiCheckboxField(_l("Langues parlées"), choices=choices_of(LANGUAGE_LABELS))
    offer_tags = MultiCheckboxField(_l("Ce que je propose"), choices=[], coerce=int)
    offers_text = TextAreaField(_l("Ce que je propose, en quelques mots"), validators=[Optional(), Length(max=2000)])
    need_tags = MultiCheckboxField(_l("Ce que je cherche"), choices=[], coerce=int)
    needs_text = TextAreaField(_l("Ce que je cherche, en quelques mots"), validators=[Optional(), Length(max=2000)])
    website = StringField(_l("Site web"), validators=[Optional(), Length(max=300)],
                          description=_l("Adresse complète, commençant par https://"))
    social_links = TextAreaField(_l("Réseaux sociaux (une adresse par ligne)"), validators=[Optional(), Length(max=2000)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Nom de l'organisation"), validators=[DataRequired(_l("Indiquez le nom de l'organisation.")),
                                                               Length(max=200)])
    type = SelectField(_l("Type"), choices=choices_of(ORGANISATION_TYPE_LABELS))
    contact_email = EmailField(_l("E-mail de contact (facultatif)"), validators=[
        Optional(), Email(_l("Adresse e-mail invalide.")), Length(max=254)],
        description=_l("Reçoit les messages envoyés par l'annuaire ; sinon, ce sont les responsables."))
    contact_phone = StringField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=40)])
    role = StringField(_l("Mon rôle dans l'organisation"), validators=[Optional(), Length(max=120)],
                       description=_l("Par exemple : présidente, salarié, bénévole"))


class MemberForm(FlaskForm):
    email = EmailField(_l("E-mail du compte à ajouter"), validators=[
        DataRequired(_l("Indiquez l'e-mail de la personne.")), Email(_l("Adresse e-mail invalide."))])
    role = StringField(_l("Son rôle"), validators=[Optional(), Length(max=120)])
    is_manager = BooleanField(_l("Peut modifier la fiche de l'organisation"))


class JoinForm(FlaskForm):
    message = TextAreaField(_l("Un mot pour les responsables (facultatif)"),
                            validators=[Optional(), Length(max=2000)])


class ContactForm(FlaskForm):
    subject = StringField(_l("Objet"), validators=[DataRequired(_l("Indiquez un objet.")), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Écrivez votre message.")), Length(max=5000)],
                         description=_l("Votre adresse e-mail sera donnée à la personne pour qu'elle puisse vous "
                                        "répondre."))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("Pourquoi ce message pose-t-il problème ?"), validators=[Optional(), Length(max=2000)])


class ButtonForm(FlaskForm):
    pass


class VerifyForm(FlaskForm):
    verified = HiddenField(validators=[DataRequired()])


class TagForm(FlaskForm):
    label = StringField(_l("Libellé"), validators=[DataRequired(_l("Indiquez un libellé.")), Length(max=80)])
    category = SelectField(_l("Catégorie"), choices=choices_of(TAG_CATEGORY_LABELS))


class IntroductionForm(FlaskForm):
    other_email = EmailField(_l("Présenter cette personne à… (e-mail d'un autre membre)"), validators=[
        Optional(), Email(_l("Adresse e-mail invalide."))],
        description=_l("Laissez vide pour demander une mise en relation avec vous."))
    reason = TextAreaField(_l("Pourquoi se connaître ?"), validators=[
        DataRequired(_l("Expliquez en quelques mots pourquoi ces personnes gagneraient à se connaître.")),
        Length(max=2000)])


class AnswerForm(FlaskForm):
    accept = HiddenField(validators=[DataRequired()])
