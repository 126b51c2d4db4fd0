"""JSON API for spaces and bookings: the same services as the pages."""
from __future__ import annotations

from datetime import date

from flask import Response, current_app, url_for
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.api.guard import api_login_required
from portal.db import commit_keeping_loaded, utcnow
from portal.extensions import db
from portal.spaces.services import availability, bookings, queries
from portal.spaces.services import cache as availability_cache
from portal.timeutil import paris_today

bp = Blueprint("spaces_api", __name__, url_prefix="/api/v1", description="Espaces et réservations")


class SpaceSchema(Schema):
    id = fields.Int()
    slug = fields.Str()
    name = fields.Str()
    kind = fields.Function(lambda s: s.kind.value)
    description = fields.Str()
    capacity = fields.Int()
    floor = fields.Str()
    amenities = fields.List(fields.Str())
    accessibility = fields.List(fields.Str())
    bookable_by = fields.Function(lambda s: s.bookable_by.value)
    requires_approval = fields.Bool()
    slot_mode = fields.Function(lambda s: s.slot_mode.value)
    slot_minutes = fields.Int()
    bookable_units = fields.Function(lambda s: len(queries.active_resources(s)))
    opening_hours = fields.Function(lambda s: [
        {"weekday": h.weekday, "opens_at": h.opens_at.strftime("%H:%M"), "closes_at": h.closes_at.strftime("%H:%M")}
        for h in s.opening_hours])


class AvailabilityQuerySchema(Schema):
    date = fields.Date(load_default=None, metadata={"description": "Jour (Europe/Paris), aujourd'hui par défaut"})


class FreeSlotSchema(Schema):
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    part = fields.Str(allow_none=True)


class UnitAvailabilitySchema(Schema):
    id = fields.Int()
    name = fields.Str()
    free_slots = fields.List(fields.Nested(FreeSlotSchema))


class AvailabilitySchema(Schema):
    space_id = fields.Int()
    date = fields.Date()
    open = fields.Bool()
    closed_reason = fields.Str(allow_none=True)
    units = fields.List(fields.Nested(UnitAvailabilitySchema))


class BookingCreateSchema(Schema):
    space_id = fields.Int(required=True)
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 avec décalage UTC"})
    ends_at = fields.AwareDateTime(required=True)
    title = fields.Str(load_default="", validate=validate.Length(max=200))
    resource_id = fields.Int(load_default=None, allow_none=True)


class BookingSchema(Schema):
    id = fields.Int()
    space_id = fields.Function(lambda b: b.resource.space_id)
    space_name = fields.Function(lambda b: b.resource.space.name)
    resource_id = fields.Int()
    resource_name = fields.Function(lambda b: b.resource.name)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    status = fields.Function(lambda b: b.status.value)
    title = fields.Str()
    series_id = fields.Int(allow_none=True)
    checked_in = fields.Function(lambda b: b.checked_in_at is not None)
    sequence = fields.Int()


class BookingListQuerySchema(Schema):
    space_id = fields.Int(load_default=None, metadata={"description": "Équipe : filtrer par espace"})
    date = fields.Date(load_default=None, metadata={"description": "Équipe : filtrer par jour"})
    user_id = fields.Int(load_default=None, metadata={"description": "Équipe : filtrer par personne"})
    upcoming = fields.Bool(load_default=True)


@bp.route("/spaces")
class Spaces(MethodView):
    @bp.response(200, SpaceSchema(many=True))
    def get(self):
        """Les espaces réservables."""
        return queries.list_spaces()


@bp.route("/spaces/<int:space_id>")
class SpaceById(MethodView):
    @bp.response(200, SpaceSchema)
    def get(self, space_id: int):
        """Un espace."""
        return queries.get_space(space_id)


@bp.route("/spaces/<int:space_id>/availability")
class SpaceAvailability(MethodView):
    @bp.arguments(AvailabilityQuerySchema(), location="query")
    @bp.response(200, AvailabilitySchema)
    def get(self, args, space_id: int):
        """Créneaux libres par unité réservable (poste ou salle) pour un jour."""
        now = utcnow()
        day: date = args["date"] or paris_today(now)
        staff = current_user.is_authenticated and current_user.is_staff
        # The JSON itself is kept per data version: serialising it again cost more than the rest.
        body = availability_cache.availability_api.get(
            key=(space_id, day, staff), version=availability_cache.day_version(day, now),
            compute=lambda: current_app.json.response(
                AvailabilitySchema().dump(_availability(space_id, day, now, staff))).get_data(),
        )
        return Response(body, status=200, mimetype=current_app.json.mimetype)


def _availability(space_id: int, day: date, now, staff: bool) -> dict:
    space = queries.get_space(space_id)
    result = availability.day_availability([space], day, now, staff=staff)[0]
    units = []
    for resource in queries.active_resources(space):
        units.append({"id": resource.id, "name": resource.name, "free_slots": [
            {"starts_at": s.starts_at, "ends_at": s.ends_at, "part": s.part}
            for s in result.slots if s.open_for_booking and resource.id in s.free_resource_ids]})
    return {"space_id": space.id, "date": day, "open": result.is_open,
            "closed_reason": result.closed_reason, "units": units}


@bp.route("/bookings")
class Bookings(MethodView):
    decorators = [api_login_required]

    @bp.arguments(BookingListQuerySchema(), location="query")
    @bp.response(200, BookingSchema(many=True))
    def get(self, args):
        """Mes réservations ; l'équipe peut filtrer par espace, jour et personne."""
        now = utcnow()
        if current_user.is_staff and (args["space_id"] or args["date"] or args["user_id"]):
            return bookings.search_bookings(space_id=args["space_id"], day=args["date"], user_id=args["user_id"])
        return bookings.bookings_of(current_user, now, upcoming=args["upcoming"], limit=200)

    @bp.arguments(BookingCreateSchema())
    @bp.response(201, BookingSchema)
    @bp.alt_response(409, description="Créneau pris : problem+json avec « suggestions »")
    @bp.alt_response(422, description="Données invalides : problem+json avec « errors »")
    def post(self, data):
        """Réserver. L'en-tête Idempotency-Key évite une double réservation."""
        from flask import request

        booking = bookings.create_booking(
            current_user, space_id=data["space_id"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            now=utcnow(), title=data["title"], resource_id=data["resource_id"],
            idempotency_key=(request.headers.get("Idempotency-Key") or "").strip()[:80] or None,
        )
        commit_keeping_loaded(db.session)  # the response shows the booking as written
        return booking, 201, {"Location": url_for("spaces_api.BookingById", booking_id=booking.id)}


@bp.route("/bookings/<int:booking_id>")
class BookingById(MethodView):
    decorators = [api_login_required]

    @bp.response(200, BookingSchema)
    def get(self, booking_id: int):
        """Une réservation (la sienne, ou toutes pour l'équipe)."""
        return bookings.get_booking(booking_id, current_user)

    @bp.response(200, BookingSchema)
    def delete(self, booking_id: int):
        """Annuler une réservation, dans le respect du délai d'annulation."""
        booking = bookings.get_booking(booking_id, current_user)
        bookings.cancel_booking(current_user, booking, now=utcnow())
        db.session.commit()
        return booking



