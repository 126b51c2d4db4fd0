"""JSON API of volunteer calls: list the open calls, answer one."""
from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.api.guard import api_login_required
from portal.db import utcnow
from portal.extensions import db
from portal.urls import absolute_url
from portal.volunteers import services

bp = Blueprint("volunteers_api", __name__, url_prefix="/api/v1", description="Appels à bénévoles")


class CallSchema(Schema):
    id = fields.Int()
    title = fields.Str()
    description = fields.Str()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    place = fields.Str()
    neighbourhood = fields.Str()
    language = fields.Str()
    wanted = fields.Int()
    accepted_count = fields.Int()
    places_left = fields.Int()
    status = fields.Function(lambda c: c.status.value, metadata={"enum": ["open", "closed", "cancelled"]})
    skills = fields.Function(lambda c: [s.tag.slug for s in c.skills])
    organisation = fields.Function(lambda c: c.organisation.name if c.organisation else None)
    url = fields.Function(lambda c: absolute_url("volunteers.show_call", call_id=c.id))


class CallQuerySchema(Schema):
    matching = fields.Bool(load_default=False,
                           metadata={"description": "Seulement les appels qui correspondent à mes compétences"})


class AnswerInSchema(Schema):
    message = fields.Str(load_default="", validate=validate.Length(max=2000))


class AnswerSchema(Schema):
    id = fields.Int()
    call_id = fields.Int()
    status = fields.Function(lambda a: a.status.value,
                             metadata={"enum": ["pending", "accepted", "declined", "withdrawn"]})
    message = fields.Str()
    created_at = fields.AwareDateTime()


@bp.route("/volunteer-calls")
class Calls(MethodView):
    @bp.arguments(CallQuerySchema(), location="query")
    @bp.response(200, CallSchema(many=True))
    def get(self, args):
        """Appels à bénévoles ouverts, à venir"""
        volunteer = None
        if args["matching"] and current_user.is_authenticated:
            volunteer = services.volunteer_of(current_user)
        return services.open_calls(utcnow(), matching=volunteer)


@bp.route("/volunteer-calls/<int:call_id>/answers")
class Answers(MethodView):
    decorators = [api_login_required]

    @bp.arguments(AnswerInSchema())
    @bp.response(201, AnswerSchema)
    @bp.alt_response(409, description="Appel clos : problem+json")
    @bp.alt_response(422, description="Pas encore bénévole : problem+json")
    def post(self, data, call_id: int):
        """Se proposer pour un appel (il faut faire partie des bénévoles)"""
        call = services.get_call(call_id)
        answer = services.answer_call(current_user, call, data["message"], now=utcnow())
        db.session.commit()
        return answer
