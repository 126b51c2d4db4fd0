"""JSON API for events: the agenda, registrations, and organisers' events — the same services as the pages."""
from __future__ import annotations

from dataclasses import replace

from flask import url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from portal.api.guard import api_login_required, api_role_required
from portal.db import commit_keeping_loaded, utcnow
from portal.errors import NotFound
from portal.events import ical
from portal.events.forms import LANGUAGE_LABELS
from portal.events.models import EventAudience, RegistrationMode, Theme
from portal.events.services import agenda, registrations
from portal.events.services import events as event_service
from portal.events.services.events import EventData
from portal.extensions import db
from portal.urls import absolute_url

bp = Blueprint("events_api", __name__, url_prefix="/api/v1", description="Événements et inscriptions")
ORGANISERS = event_service.ORGANISER_ROLES

UNKNOWN_VALUE = _l("Valeur inconnue ; valeurs possibles : {choices}.")


def _one_of(enum_class) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum_class], error=UNKNOWN_VALUE)


class EventSchema(Schema):
    id = fields.Int()
    title = fields.Str()
    description_html = fields.Str(metadata={"description": "HTML nettoyé (paragraphes, listes, liens)"})
    theme = fields.Function(lambda e: e.theme.value, metadata={"enum": [t.value for t in Theme]})
    tags = fields.List(fields.Str())
    organisation_name = fields.Str()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    all_day = fields.Bool()
    space_id = fields.Int(allow_none=True)
    address = fields.Str()
    location = fields.Function(ical.location_of)
    audience = fields.Function(lambda e: e.audience.value, metadata={"enum": [a.value for a in EventAudience]})
    languages = fields.List(fields.Str())
    accessibility = fields.Str()
    registration_mode = fields.Function(lambda e: e.registration_mode.value,
                                        metadata={"enum": [m.value for m in RegistrationMode]})
    registration_deadline = fields.AwareDateTime(allow_none=True)
    capacity = fields.Int(allow_none=True)
    seats_left = fields.Int(allow_none=True)
    is_free = fields.Bool()
    price_info = fields.Str()
    status = fields.Function(lambda e: e.status.value)
    cancellation_message = fields.Str(allow_none=True)
    series_id = fields.Int(allow_none=True)
    url = fields.Function(lambda e: absolute_url("events.show_event", event_id=e.id))
    ical_url = fields.Function(lambda e: absolute_url("event_feeds.event_ics", event_id=e.id))


class EventListQuerySchema(Schema):
    first = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "Premier jour (Europe/Paris) ; par défaut, à venir"})
    last = fields.Date(data_key="to", load_default=None, metadata={"description": "Dernier jour (Europe/Paris)"})
    theme = fields.Str(load_default=None, validate=_one_of(Theme))
    audience = fields.Str(load_default=None, validate=_one_of(EventAudience))
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=200, error=_l("Entre {min} et {max}.")))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("first") and data.get("last") and data["last"] < data["first"]:
            raise ValidationError(_l("Le dernier jour doit suivre le premier."), field_name="to")


class EventCreateSchema(Schema):
    """The fields of EventData. Times carry their UTC offset; an all-day event runs from midnight
    to midnight in Europe/Paris. Give either space_id (a space of Les Chrysalides) or address."""

    title = fields.Str(required=True, validate=validate.Length(max=200))
    theme = fields.Str(required=True, validate=_one_of(Theme))
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 avec décalage UTC"})
    ends_at = fields.AwareDateTime(required=True)
    description = fields.Str(validate=validate.Length(max=20000),
                             metadata={"description": "Texte simple ou HTML simple, nettoyé à l'enregistrement"})
    tags = fields.List(fields.Str(validate=validate.Length(max=40)), validate=validate.Length(max=12))
    organisation_name = fields.Str(validate=validate.Length(max=200))
    all_day = fields.Bool()
    space_id = fields.Int(allow_none=True)
    address = fields.Str(validate=validate.Length(max=500))
    audience = fields.Str(validate=_one_of(EventAudience))
    languages = fields.List(fields.Str(validate=validate.OneOf(list(LANGUAGE_LABELS), error=UNKNOWN_VALUE)))
    accessibility = fields.Str(validate=validate.Length(max=2000))
    capacity = fields.Int(allow_none=True)
    registration_mode = fields.Str(validate=_one_of(RegistrationMode))
    registration_deadline = fields.AwareDateTime(allow_none=True)
    is_free = fields.Bool()
    price_info = fields.Str(validate=validate.Length(max=300))

    @post_load
    def _enums(self, data, **kwargs):
        for name, enum_class in (("theme", Theme), ("audience", EventAudience), ("registration_mode", RegistrationMode)):
            if name in data:
                data[name] = enum_class(data[name])
        return data


class EventChangeSchema(EventCreateSchema):
    """Only the fields sent change. To move an event from a space to an address, send "space_id": null."""

    whole_series = fields.Bool(load_default=False, metadata={
        "description": "Appliquer aussi aux séances suivantes de la série (sauf celles modifiées à part)"})

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class CancelEventSchema(Schema):
    message = fields.Str(load_default="", validate=validate.Length(max=5000),
                         metadata={"description": "Envoyé par e-mail aux personnes inscrites (obligatoire si publié)"})


class RegistrationSchema(Schema):
    id = fields.Int()
    event_id = fields.Int()
    status = fields.Function(lambda r: r.status.value, metadata={
        "description": "registered, pending (validation de l'organisateur), waitlisted, offered, cancelled…"})
    offer_expires_at = fields.AwareDateTime(allow_none=True)


@bp.route("/events")
class Events(MethodView):
    @bp.arguments(EventListQuerySchema(), location="query")
    @bp.response(200, EventSchema(many=True))
    def get(self, args):
        """Les événements publiés (et annulés) ; sans connexion, seulement ceux ouverts à tous."""
        filters = agenda.AgendaFilters(theme=args["theme"], audience=args["audience"], first=args["first"],
                                       last=args["last"])
        return agenda.search(current_user, filters, utcnow(), limit=args["limit"])

    @api_role_required(*ORGANISERS)
    @bp.arguments(EventCreateSchema())
    @bp.response(201, EventSchema)
    @bp.alt_response(403, description="Réservé aux organisateurs")
    @bp.alt_response(409, description="Espace pris : problem+json avec « suggestions »")
    @bp.alt_response(422, description="Données invalides : problem+json avec « errors »")
    def post(self, data):
        """Créer un événement (brouillon) ; un espace des Chrysalides est réservé pour lui."""
        (event,) = event_service.create_event(current_user, EventData(**data), now=utcnow())
        db.session.commit()
        return event, 201, {"Location": url_for("events_api.EventById", event_id=event.id)}


@bp.route("/events/<int:event_id>")
class EventById(MethodView):
    @bp.response(200, EventSchema)
    def get(self, event_id: int):
        """Un événement : publié ou annulé ; réservé aux membres s'il l'est ; brouillon pour son organisateur."""
        return event_service.get_event(event_id, current_user)

    @api_role_required(*ORGANISERS)
    @bp.arguments(EventChangeSchema())
    @bp.response(200, EventSchema)
    @bp.alt_response(409, description="Espace pris : problem+json avec « suggestions »")
    @bp.alt_response(422, description="Données invalides : problem+json avec « errors »")
    def patch(self, changes, event_id: int):
        """Modifier un événement (seulement les champs envoyés) ; l'horaire ou le lieu changé prévient les inscrits."""
        event = event_service.managed_event(event_id, current_user)
        whole_series = changes.pop("whole_series", False)
        data = replace(event_service.current_data(event), **changes)
        event_service.update_event(current_user, event, data, now=utcnow(), whole_series=whole_series)
        db.session.commit()
        return event


@bp.route("/events/<int:event_id>/publish")
class EventPublication(MethodView):
    @api_role_required(*ORGANISERS)
    @bp.response(200, EventSchema)
    @bp.alt_response(422, description="Déjà envoyé : problem+json")
    def post(self, event_id: int):
        """Publier (organisateur de confiance, équipe) ou envoyer en relecture : voir « status »."""
        event = event_service.managed_event(event_id, current_user)
        event_service.publish(current_user, event, now=utcnow())
        db.session.commit()
        return event


@bp.route("/events/<int:event_id>/cancel")
class EventCancellation(MethodView):
    @api_role_required(*ORGANISERS)
    @bp.arguments(CancelEventSchema())
    @bp.response(200, EventSchema)
    @bp.alt_response(422, description="Message manquant ou déjà annulé : problem+json")
    def post(self, data, event_id: int):
        """Annuler : l'événement reste visible comme annulé, les inscrits reçoivent le message."""
        event = event_service.managed_event(event_id, current_user)
        event_service.cancel_event(current_user, event, data["message"], now=utcnow())
        db.session.commit()
        return event


@bp.route("/events/<int:event_id>/registrations")
class EventRegistrations(MethodView):
    decorators = [api_login_required]

    @bp.response(201, RegistrationSchema)
    @bp.alt_response(200, schema=RegistrationSchema, success=True,
                     description="Déjà inscrit·e : l'inscription existante, inchangée")
    @bp.alt_response(422, description="Inscriptions fermées : problem+json")
    def post(self, event_id: int):
        """S'inscrire : « registered », « pending » (validation de l'organisateur) ou « waitlisted » (complet)."""
        event = event_service.get_event(event_id, current_user)
        before = registrations.existing_registration(event, user=current_user)
        already = before is not None and before.status in registrations.ACTIVE
        registration = registrations.register_member(current_user, event, now=utcnow())
        commit_keeping_loaded(db.session)  # the response shows the registration as written
        return registration, 200 if already else 201


@bp.route("/events/<int:event_id>/registrations/mine")
class MyRegistration(MethodView):
    decorators = [api_login_required]

    @bp.response(200, RegistrationSchema)
    def delete(self, event_id: int):
        """Annuler mon inscription ; la place libérée est proposée à la liste d'attente."""
        event = event_service.get_event(event_id, current_user)
        registration = registrations.existing_registration(event, user=current_user)
        if registration is None:
            raise NotFound(_l("Vous n'êtes pas inscrit·e à cet événement."))
        registrations.cancel(registration, now=utcnow(), actor=current_user)
        db.session.commit()
        return registration
