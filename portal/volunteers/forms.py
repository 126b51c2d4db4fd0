from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.directory.labels import LANGUAGE_LABELS, PERIOD_LABELS, WEEKDAY_LABELS
from portal.forms import MultiCheckboxField, choices_of

SLOT_CHOICES = [SelectChoice(f"{day}:{period}", f"{WEEKDAY_LABELS[day]} {PERIOD_LABELS[period]}")
                for day in WEEKDAY_LABELS for period in PERIOD_LABELS]


class VolunteerForm(FlaskForm):
    skills = MultiCheckboxField(_l("Ce que je sais faire"), choices=[], coerce=int)
    slots = MultiCheckboxField(_l("Quand je suis disponible"), choices=SLOT_CHOICES)
    neighbourhood = StringField(_l("Mon quartier"), validators=[Optional(), Length(max=120)])
    languages = MultiCheckboxField(_l("Langues parlées"), choices=choices_of(LANGUAGE_LABELS))
    note = TextAreaField(_l("Quelques mots (facultatif)"), validators=[Optional(), Length(max=2000)],
                         description=_l("Ce que vous aimez faire, vos contraintes…"))
    active = BooleanField(_l("Je suis disponible pour des appels"), default=True)


class CallForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Donnez un titre à l'appel.")), Length(max=200)])
    description = TextAreaField(_l("Ce qu'il y a à faire"), validators=[Optional(), Length(max=5000)])
    day = DateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date."))])
    start_time = TimeField(_l("Heure de début"), validators=[InputRequired(_l("Indiquez l'heure de début."))])
    end_time = TimeField(_l("Heure de fin"), validators=[InputRequired(_l("Indiquez l'heure de fin."))])
    place = StringField(_l("Lieu"), validators=[Optional(), Length(max=200)])
    neighbourhood = StringField(_l("Quartier"), validators=[Optional(), Length(max=120)])
    wanted = IntegerField(_l("Nombre de bénévoles recherchés"), default=1, validators=[
        InputRequired(_l("Indiquez un nombre.")), NumberRange(min=1, max=500, message=_l("Entre 1 et 500 personnes."))])
    skills = MultiCheckboxField(_l("Compétences souhaitées"), choices=[], coerce=int)
    language = SelectField(_l("Langue utile"), choices=[SelectChoice("", _l("Aucune en particulier")),
                                                        *choices_of(LANGUAGE_LABELS)], validators=[Optional()])
    organisation_id = SelectField(_l("Au nom de l'organisation"), choices=[],
                                  validators=[Optional()])


class CancelCallForm(FlaskForm):
    message = TextAreaField(_l("Message aux bénévoles"), validators=[
        DataRequired(_l("Expliquez en quelques mots pourquoi l'appel est annulé : ce message est envoyé aux bénévoles.")),
        Length(max=2000)], description=_l("Envoyé par e-mail aux personnes qui ont répondu, et affiché sur la page."))


class AnswerForm(FlaskForm):
    message = TextAreaField(_l("Un mot pour l'organisateur (facultatif)"), validators=[Optional(), Length(max=2000)])


class ButtonForm(FlaskForm):
    pass
