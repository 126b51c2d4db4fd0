from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from portal.forms import MultiCheckboxField, choices_of

WEEKDAY_CHOICES = [
    SelectChoice("0", _l("lundi")), SelectChoice("1", _l("mardi")), SelectChoice("2", _l("mercredi")),
    SelectChoice("3", _l("jeudi")), SelectChoice("4", _l("vendredi")), SelectChoice("5", _l("samedi")),
    SelectChoice("6", _l("dimanche")),
]
KIND_LABELS = {
    "desk_area": _l("Coworking (postes)"),
    "meeting_room": _l("Salle de réunion"),
    "hall": _l("Grande salle"),
    "workshop": _l("Atelier"),
}
AMENITY_LABELS = {
    "screen": _l("écran"), "videoconference": _l("visioconférence"), "whiteboard": _l("tableau blanc"),
    "kitchen": _l("cuisine"), "sound": _l("sonorisation"), "wifi": _l("wifi"), "printer": _l("imprimante"),
    "tools": _l("outillage"),
}
ACCESSIBILITY_LABELS = {
    "step_free": _l("accès de plain-pied"), "hearing_loop": _l("boucle magnétique"),
    "accessible_toilet": _l("toilettes accessibles"), "quiet": _l("espace calme"),
}
PART_LABELS = {"morning": _l("Matin"), "afternoon": _l("Après-midi"), "day": _l("Journée")}


class FilterForm(FlaskForm):
    """The filters of the "Réserver" page (GET, no CSRF)."""

    class Meta:
        csrf = False

    date = DateField(_l("Date"), validators=[Optional()])
    kind = SelectField(_l("Type d'espace"), choices=[SelectChoice("", _l("Tous")), *choices_of(KIND_LABELS)], validators=[Optional()])
    capacity = IntegerField(_l("Nombre de personnes"), validators=[Optional(), NumberRange(min=1, max=500)])
    amenity = SelectField(_l("Équipement"), choices=[SelectChoice("", _l("Indifférent")), *choices_of(AMENITY_LABELS)], validators=[Optional()])
    step_free = BooleanField(_l("Accès de plain-pied uniquement"))


class BookingForm(FlaskForm):
    """Confirmation of one slot. Times arrive as ISO 8601 with their offset."""

    space_id = HiddenField(validators=[DataRequired()])
    starts_at = HiddenField(validators=[DataRequired()])
    ends_at = HiddenField(validators=[DataRequired()])
    resource_id = SelectField(_l("Poste"), choices=[], validate_choice=False, validators=[Optional()])
    title = StringField(_l("Objet (facultatif)"), validators=[Optional(), Length(max=200)],
                        description=_l("Par exemple « Réunion de l'association ». Visible par l'équipe."))
    idempotency_key = HiddenField()


class RoomBookingTimeForm(FlaskForm):
    """Choose a duration for a room after tapping a start time."""

    class Meta:
        csrf = False

    duration = SelectField(_l("Durée"), choices=[], validate_choice=False)


class CancelForm(FlaskForm):
    pass


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Raison (obligatoire pour un refus)"), validators=[Optional(), Length(max=1000)])


class RecurringForm(FlaskForm):
    space_id = SelectField(_l("Espace"), choices=[], coerce=int, validators=[InputRequired()])
    starts_on = DateField(_l("Première date"), validators=[InputRequired(_l("Indiquez la première date."))])
    start_time = TimeField(_l("Heure de début"), validators=[InputRequired(_l("Indiquez l'heure de début."))])
    end_time = TimeField(_l("Heure de fin"), validators=[InputRequired(_l("Indiquez l'heure de fin."))])
    weekdays = MultiCheckboxField(_l("Jours"), choices=WEEKDAY_CHOICES,
                                  validators=[DataRequired(_l("Cochez au moins un jour."))])
    interval_weeks = SelectField(_l("Fréquence"), coerce=int, choices=[
        SelectChoice(1, _l("toutes les semaines")), SelectChoice(2, _l("toutes les 2 semaines")),
        SelectChoice(3, _l("toutes les 3 semaines")), SelectChoice(4, _l("toutes les 4 semaines"))], default=1)
    until = DateField(_l("Jusqu'au (6 mois au plus)"), validators=[InputRequired(_l("Indiquez la date de fin."))])
    title = StringField(_l("Objet (facultatif)"), validators=[Optional(), Length(max=200)])
    idempotency_key = HiddenField()


class WalkInForm(FlaskForm):
    """Staff book at the reception for a resident, with or without an account."""

    space_id = SelectField(_l("Espace"), choices=[], coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date."))])
    start_time = TimeField(_l("Heure de début"), validators=[InputRequired(_l("Indiquez l'heure de début."))])
    end_time = TimeField(_l("Heure de fin"), validators=[InputRequired(_l("Indiquez l'heure de fin."))])
    member_email = StringField(_l("E-mail du membre (s'il a un compte)"), validators=[Optional(), Length(max=254)],
                               render_kw={"autocomplete": "off", "inputmode": "email"})
    guest_name = StringField(_l("Nom de la personne (sans compte)"), validators=[Optional(), Length(max=120)])
    guest_phone = TelField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("Objet (facultatif)"), validators=[Optional(), Length(max=200)])
    idempotency_key = HiddenField()


class DayHoursForm(Form):
    """Opening hours of one weekday; both empty means closed."""

    opens_at = TimeField(_l("Ouverture"), validators=[Optional()])
    closes_at = TimeField(_l("Fermeture"), validators=[Optional()])


class SpaceForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Adresse courte (lettres, chiffres, tirets)"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Type"), choices=choices_of(KIND_LABELS))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    capacity = IntegerField(_l("Capacité (personnes)"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    desks = IntegerField(_l("Nombre de postes (coworking)"), validators=[Optional(), NumberRange(min=1, max=200)])
    floor = StringField(_l("Étage"), validators=[Optional(), Length(max=40)])
    amenities = MultiCheckboxField(_l("Équipements"), choices=choices_of(AMENITY_LABELS))
    accessibility = MultiCheckboxField(_l("Accessibilité"), choices=choices_of(ACCESSIBILITY_LABELS))
    accessibility_notes = TextAreaField(_l("Précisions sur l'accessibilité"), validators=[Optional(), Length(max=2000)])
    bookable_by = SelectField(_l("Qui peut réserver"), choices=[
        SelectChoice("members", _l("les membres")), SelectChoice("organisers", _l("les organisateurs")),
        SelectChoice("staff", _l("l'équipe seulement"))])
    requires_approval = BooleanField(_l("L'équipe doit valider chaque réservation"))
    active = BooleanField(_l("Réservable"), default=True)
    slot_mode = SelectField(_l("Créneaux"), choices=[SelectChoice("grid", _l("grille de minutes (salles)")),
                                                     SelectChoice("half_day", _l("demi-journées (postes)"))])
    slot_minutes = IntegerField(_l("Pas de la grille (minutes)"), validators=[InputRequired(), NumberRange(min=5, max=240)], default=30)
    max_days_ahead = IntegerField(_l("Réservable jusqu'à (jours à l'avance)"), validators=[InputRequired(), NumberRange(min=0, max=730)], default=30)
    min_notice_minutes = IntegerField(_l("Délai minimum avant le début (minutes)"), validators=[InputRequired(), NumberRange(min=0, max=100000)], default=0)
    max_duration_minutes = IntegerField(_l("Durée maximale (minutes)"), validators=[InputRequired(), NumberRange(min=5, max=1440)], default=480)
    max_active_bookings = IntegerField(_l("Réservations à venir par personne (maximum)"), validators=[InputRequired(), NumberRange(min=1, max=1000)], default=10)
    cancellation_deadline_hours = IntegerField(_l("Annulation en ligne jusqu'à (heures avant)"), validators=[InputRequired(), NumberRange(min=0, max=2000)], default=0)
    no_show_release_minutes = IntegerField(_l("Libérer si personne n'est arrivé après (minutes, vide : jamais)"), validators=[Optional(), NumberRange(min=5, max=1440)])
    hours = FieldList(FormField(DayHoursForm), min_entries=7, max_entries=7)


class ClosureForm(FlaskForm):
    space_id = SelectField(_l("Espace"), coerce=int, choices=[])
    starts_on = DateField(_l("Du"), validators=[InputRequired(_l("Indiquez le premier jour."))])
    ends_on = DateField(_l("Au (inclus)"), validators=[InputRequired(_l("Indiquez le dernier jour."))])
    reason = StringField(_l("Motif"), validators=[DataRequired(_l("Indiquez le motif.")), Length(max=200)],
                         description=_l("Par exemple « Jour férié » ou « Travaux »."))
