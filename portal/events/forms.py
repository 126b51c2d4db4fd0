from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import MultiCheckboxField, choices_of
from portal.spaces.forms import WEEKDAY_CHOICES

THEME_LABELS = {
    "vivre_ensemble": _l("Vivre ensemble"),
    "travailler": _l("Travailler"),
    "visiter_rencontrer": _l("Visiter / Rencontrer"),
}
AUDIENCE_LABELS = {"public": _l("Tout public"), "members": _l("Membres seulement")}
REGISTRATION_LABELS = {
    "none": _l("Sans inscription (entrée libre)"),
    "free": _l("Inscription libre"),
    "approval": _l("Inscription validée par l'organisateur"),
}
# Languages often spoken in Les Mureaux; any other can be added to this list.
LANGUAGE_LABELS = {
    "fr": _l("français"), "en": _l("anglais"), "ar": _l("arabe"), "es": _l("espagnol"), "pt": _l("portugais"),
    "tr": _l("turc"), "wo": _l("wolof"), "bm": _l("bambara"), "soninke": _l("soninké"), "ro": _l("roumain"),
    "lsf": _l("langue des signes française"),
}
FREQUENCY_LABELS = {
    "": _l("Une seule fois"),
    "weekly": _l("Chaque semaine (ou toutes les N semaines)"),
    "monthly_date": _l("Chaque mois, à la même date"),
    "monthly_weekday": _l("Chaque mois, le même jour de la semaine (ex. 2e mardi)"),
}


class EventForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à l'événement.")), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20000)],
        description=_l("Texte simple : une ligne vide sépare les paragraphes, les liens deviennent cliquables."))
    theme = SelectField(_l("Thème"), choices=choices_of(THEME_LABELS))
    tags = StringField(_l("Mots-clés (séparés par des virgules)"), validators=[Optional(), Length(max=300)],
                       description=_l("Par exemple : cuisine, jeunesse, emploi"))
    organisation_name = StringField(_l("Au nom de l'organisation (facultatif)"), validators=[Optional(), Length(max=200)])
    image = FileField(_l("Image (JPEG, PNG ou WebP, 5 Mo au plus)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp", "gif"], _l("Format d'image non accepté : utilisez JPEG, PNG ou WebP.")),
        FileSize(max_size=5 * 1024 * 1024, message=_l("L'image dépasse 5 Mo. Choisissez une image plus légère."))])
    all_day = BooleanField(_l("Toute la journée"))
    start_date = DateField(_l("Date de début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    start_time = TimeField(_l("Heure de début"), validators=[Optional()])
    end_date = DateField(_l("Date de fin"), validators=[Optional()],
                         description=_l("Vide : le même jour."))
    end_time = TimeField(_l("Heure de fin"), validators=[Optional()])
    place = RadioField(_l("Lieu"), choices=[SelectChoice("space", _l("Un espace des Chrysalides")),
                                            SelectChoice("address", _l("Une autre adresse"))], default="space")
    space_id = SelectField(_l("Espace"), choices=[], validate_choice=False, validators=[Optional()])
    address = TextAreaField(_l("Adresse (si ailleurs)"), validators=[Optional(), Length(max=500)])
    audience = SelectField(_l("Public"), choices=choices_of(AUDIENCE_LABELS))
    languages = MultiCheckboxField(_l("Langues parlées"), choices=choices_of(LANGUAGE_LABELS), default=["fr"])
    accessibility = TextAreaField(_l("Accessibilité"), validators=[Optional(), Length(max=2000)],
                                  description=_l("Par exemple : accès de plain-pied, interprète LSF, boucle magnétique."))
    registration_mode = SelectField(_l("Inscription"), choices=choices_of(REGISTRATION_LABELS))
    capacity = IntegerField(_l("Nombre de places (vide : sans limite)"), validators=[Optional(), NumberRange(min=1, max=10000)])
    deadline_date = DateField(_l("Clôture des inscriptions (date, facultatif)"), validators=[Optional()])
    deadline_time = TimeField(_l("Clôture des inscriptions (heure)"), validators=[Optional()])
    is_free = BooleanField(_l("Gratuit"), default=True)
    price_info = StringField(_l("Tarifs (si payant)"), validators=[Optional(), Length(max=300)])
    frequency = SelectField(_l("Répétition"), choices=choices_of(FREQUENCY_LABELS), validators=[Optional()])
    interval = IntegerField(_l("Toutes les … (semaines ou mois)"), default=1, validators=[Optional(), NumberRange(min=1, max=12)])
    weekdays = MultiCheckboxField(_l("Jours (répétition chaque semaine)"), choices=[SelectChoice(str(i), label) for i, label in enumerate(
        [c.label for c in WEEKDAY_CHOICES])])
    until = DateField(_l("Jusqu'au"), validators=[Optional()])
    count = IntegerField(_l("Ou nombre de séances"), validators=[Optional(), NumberRange(min=1, max=104)])
    scope = RadioField(_l("Appliquer à"), choices=[SelectChoice("this", _l("cette séance seulement")),
                                                   SelectChoice("series", _l("cette séance et les suivantes de la série"))],
                       default="this")


class GuestRegistrationForm(FlaskForm):
    name = StringField(_l("Votre nom"), validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("Votre adresse e-mail"), validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=254)],
                       description=_l("Pour confirmer l'inscription et vous prévenir d'un changement."),
                       render_kw={"autocomplete": "email", "inputmode": "email"})


class ButtonForm(FlaskForm):
    """A button posting nothing but its CSRF token."""


class CancelEventForm(FlaskForm):
    message = TextAreaField(_l("Message aux personnes inscrites"), validators=[Optional(), Length(max=2000)])


class ModerationForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Message à l'organisateur"), validators=[Optional(), Length(max=2000)])
    trust = BooleanField(_l("Faire confiance à cet organisateur (publication directe ensuite)"))


class MessageForm(FlaskForm):
    subject = StringField(_l("Objet"), validators=[DataRequired(_l("Indiquez l'objet.")), Length(max=150)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Écrivez le message.")), Length(max=5000)])
    include_waitlist = BooleanField(_l("Écrire aussi à la liste d'attente"))


class RegistrationDecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(("approve", "decline"))])


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier .ics"), validators=[
        FileAllowed(["ics"], _l("Choisissez un fichier .ics exporté de votre agenda.")),
        FileSize(max_size=2 * 1024 * 1024, message=_l("Le fichier dépasse 2 Mo."))])
    theme = SelectField(_l("Thème des événements importés"), choices=choices_of(THEME_LABELS))
    payload = HiddenField()


class AgendaFilterForm(FlaskForm):
    class Meta:
        csrf = False

    theme = SelectField(_l("Thème"), choices=[SelectChoice("", _l("Tous"))] + choices_of(THEME_LABELS), validators=[Optional()])
    audience = SelectField(_l("Public"), choices=[SelectChoice("", _l("Tous"))] + choices_of(AUDIENCE_LABELS), validators=[Optional()])
    price = SelectField(_l("Prix"), choices=[SelectChoice("", _l("Tous")), SelectChoice("free", _l("Gratuit")),
                                            SelectChoice("paid", _l("Payant"))], validators=[Optional()])
    language = SelectField(_l("Langue"), choices=[SelectChoice("", _l("Toutes"))] + choices_of(LANGUAGE_LABELS), validators=[Optional()])
    this_week = BooleanField(_l("Cette semaine"))
