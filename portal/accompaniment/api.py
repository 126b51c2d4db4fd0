"""JSON API for project requests: partner sites send requests; staff list, read, assign, change status.

A partner organisation's site authenticates with its own token (``Authorization: Bearer chp_…``),
issued by an admin on the accompaniment settings page. It is not a person's token: it may only
create requests, which are recorded as sent by that partner.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.accompaniment.labels import CHANNEL_LABELS, HEARD_LABELS, LANGUAGE_LABELS, NEED_LABELS, STAGE_LABELS, THEME_LABELS
from portal.accompaniment.models import RequestStatus
from portal.accompaniment.notifications import tracking_url
from portal.accompaniment.services import spam, triage, workflow
from portal.accompaniment.services.admin import is_staff_user, partner_from_authorization
from portal.accompaniment.services.intake import RequestData, submit_request
from portal.api.guard import api_role_required
from portal.api.problems import problem
from portal.db import utcnow
from portal.extensions import db

bp = Blueprint("accompaniment_api", __name__, url_prefix="/api/v1",
               description="Demandes des porteurs de projet (accompagnement)")
STAFF = ("staff", "admin")
UNKNOWN_VALUE = _l("Valeur inconnue ; valeurs possibles : {choices}.")


def _one_of(labels: dict) -> validate.OneOf:
    return validate.OneOf(list(labels), error=UNKNOWN_VALUE)


class ProjectRequestCreateSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=40))
    language = fields.Str(load_default="fr", validate=_one_of(LANGUAGE_LABELS))
    contact_channel = fields.Str(load_default="email", validate=_one_of(CHANNEL_LABELS))
    title = fields.Str(required=True, validate=validate.Length(min=1, max=160))
    description = fields.Str(load_default="", validate=validate.Length(max=5000))
    theme = fields.Str(required=True, validate=_one_of(THEME_LABELS))
    stage = fields.Str(required=True, validate=_one_of(STAGE_LABELS))
    place = fields.Str(load_default="", validate=validate.Length(max=120))
    needs = fields.List(fields.Str(validate=_one_of(NEED_LABELS)), required=True,
                        validate=validate.Length(min=1, max=len(NEED_LABELS)))
    needs_other = fields.Str(load_default="", validate=validate.Length(max=300))
    heard_from = fields.Str(load_default="partner_site", validate=_one_of(HEARD_LABELS))
    consent = fields.Bool(required=True, metadata={
        "description": "Le porteur a accepté que l'équipe garde ses données (texte du formulaire) ; doit être vrai"})
    site_web = fields.Str(load_default="", metadata={
        "description": "Champ piège : laissez-le vide (un robot le remplit, la demande est alors refusée)"})


class ProjectRequestCreatedSchema(Schema):
    id = fields.Int()
    reference = fields.Str()
    status = fields.Function(lambda r: r.status.value)
    tracking_url = fields.Function(tracking_url, metadata={"description": "Lien secret de suivi, à donner au porteur"})
    first_contact_due_at = fields.AwareDateTime()


class ProjectRequestSchema(Schema):
    id = fields.Int()
    reference = fields.Str()
    status = fields.Function(lambda r: r.status.value, metadata={"enum": [s.value for s in RequestStatus]})
    status_reason = fields.Str(allow_none=True)
    version = fields.Int(metadata={"description": "À renvoyer pour attribuer ou changer le statut"})
    name = fields.Str()
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    language = fields.Str()
    contact_channel = fields.Str()
    title = fields.Str()
    description = fields.Str()
    theme = fields.Str()
    stage = fields.Str()
    place = fields.Str()
    needs = fields.List(fields.Str())
    needs_other = fields.Str()
    heard_from = fields.Str()
    source = fields.Str()
    submitted_at = fields.AwareDateTime()
    first_contact_due_at = fields.AwareDateTime()
    first_contact_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Function(lambda r: r.is_overdue(utcnow()))
    assignee_id = fields.Int(allow_none=True)
    team_id = fields.Int(allow_none=True)
    partner_id = fields.Int(allow_none=True)
    merged_into_id = fields.Int(allow_none=True)
    anonymised = fields.Function(lambda r: r.is_anonymised)


class TimelineEventSchema(Schema):
    at = fields.AwareDateTime()
    kind = fields.Function(lambda e: e.kind.value)
    actor = fields.Str(attribute="actor_label")
    from_status = fields.Str(allow_none=True)
    to_status = fields.Str(allow_none=True)
    body = fields.Str()
    internal = fields.Function(lambda e: not e.visible_to_holder,
                               metadata={"description": "Vrai pour ce que le porteur ne voit pas (notes internes…)"})


class ProjectRequestDetailSchema(ProjectRequestSchema):
    timeline = fields.List(fields.Nested(TimelineEventSchema), attribute="events")


class ProjectRequestListQuerySchema(Schema):
    queue = fields.Str(load_default="all", validate=validate.OneOf(triage.QUEUES, error=UNKNOWN_VALUE))
    status = fields.Str(load_default=None, validate=validate.OneOf([s.value for s in RequestStatus], error=UNKNOWN_VALUE))
    theme = fields.Str(load_default=None, validate=_one_of(THEME_LABELS))
    need = fields.Str(load_default=None, validate=_one_of(NEED_LABELS))
    assignee_id = fields.Int(load_default=None)
    q = fields.Str(load_default=None, validate=validate.Length(max=100))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200, error=_l("Entre {min} et {max}.")))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0))


class AssignSchema(Schema):
    assignee_id = fields.Int(required=True, allow_none=True, metadata={"description": "null : file « à attribuer »"})
    version = fields.Int(required=True, metadata={"description": "La version lue ; 409 si la demande a changé depuis"})


class StatusChangeSchema(Schema):
    status = fields.Str(required=True, validate=validate.OneOf([s.value for s in RequestStatus], error=UNKNOWN_VALUE))
    reason = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    partner_id = fields.Int(load_default=None, allow_none=True)
    version = fields.Int(required=True)


def partner_or_staff(view):
    """Before the body is read: 401 without credentials, 403 for a person outside the team."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.accompaniment_partner = partner_from_authorization(request.headers.get("Authorization"))
        if g.accompaniment_partner is None:
            if not current_user.is_authenticated:
                return problem(401)
            if not is_staff_user(current_user):
                return problem(403, _l("Réservé aux partenaires (jeton de partenaire) et à l'équipe."))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/project-requests")
class ProjectRequests(MethodView):
    @partner_or_staff
    @bp.arguments(ProjectRequestCreateSchema())
    @bp.response(201, ProjectRequestCreatedSchema)
    @bp.alt_response(401, description="Ni jeton de partenaire ni connexion")
    @bp.alt_response(403, description="Connecté·e mais ni partenaire ni équipe")
    @bp.alt_response(422, description="Données invalides ou refusées (anti-spam) : problem+json avec « errors »")
    @bp.alt_response(429, description="Trop de demandes envoyées par ce partenaire en une heure")
    @bp.doc(security=[{"partner": []}, {"bearer": []}, {"session": []}])
    def post(self, data):
        """Envoyer la demande d'un porteur de projet (site d'un partenaire, jeton de partenaire ; ou équipe)."""
        partner = g.accompaniment_partner
        spam.check_honeypot(data.pop("site_web", ""))
        if partner is not None:
            try:
                spam.check_rate(f"partner:{partner.id}", spam.API_LIMIT, spam.TOO_MANY_FROM_PARTNER)
            except spam.SpamRefused as err:
                response = problem(429, str(err.message))
                response.headers["Retry-After"] = str(err.retry_after or 3600)
                return response
        created = submit_request(RequestData(**data), now=utcnow(), partner=partner,
                                 user=None if partner else current_user)
        db.session.commit()
        return created, 201, {"Location": url_for("accompaniment_api.ProjectRequestById", request_id=created.id)}

    @api_role_required(*STAFF)
    @bp.arguments(ProjectRequestListQuerySchema(), location="query")
    @bp.response(200, ProjectRequestSchema(many=True))
    def get(self, args):
        """Les demandes d'une file (new, mine, to_assign, overdue, all), filtrées ; équipe seulement."""
        filters = triage.Filters(queue=args["queue"], status=args["status"], theme=args["theme"], need=args["need"],
                                 assignee_id=args["assignee_id"], q=args["q"])
        return triage.search(filters, current_user, utcnow(), limit=args["limit"], offset=args["offset"])


@bp.route("/project-requests/<int:request_id>")
class ProjectRequestById(MethodView):
    @api_role_required(*STAFF)
    @bp.response(200, ProjectRequestDetailSchema)
    def get(self, request_id: int):
        """Une demande et son historique (les notes internes sont marquées « internal ») ; la lecture est journalisée."""
        workflow.get_request(request_id)  # 404 before anything is logged
        user_id = current_user.id
        db.session.commit()  # end the read: the log's INSERT opens its own write transaction
        triage.log_access([request_id], user_id, "api", utcnow())
        db.session.commit()
        return workflow.get_request(request_id)


@bp.route("/project-requests/<int:request_id>/assign")
class ProjectRequestAssignment(MethodView):
    @api_role_required(*STAFF)
    @bp.arguments(AssignSchema())
    @bp.response(200, ProjectRequestSchema)
    @bp.alt_response(409, description="La demande a changé depuis la version envoyée")
    def post(self, data, request_id: int):
        """Attribuer à une personne de l'équipe (ou remettre dans la file « à attribuer »)."""
        found = workflow.get_request(request_id)
        workflow.assign(found, data["assignee_id"], actor=current_user, now=utcnow(), expected_version=data["version"])
        db.session.commit()
        return found


@bp.route("/project-requests/<int:request_id>/status")
class ProjectRequestStatus(MethodView):
    @api_role_required(*STAFF)
    @bp.arguments(StatusChangeSchema())
    @bp.response(200, ProjectRequestSchema)
    @bp.alt_response(409, description="La demande a changé depuis la version envoyée")
    @bp.alt_response(422, description="Passage de statut interdit, raison ou partenaire manquant")
    def post(self, data, request_id: int):
        """Changer le statut (transitions permises seulement) ; « closed » demande une raison, « referred » un partenaire."""
        found = workflow.get_request(request_id)
        workflow.change_status(found, data["status"], actor=current_user, now=utcnow(),
                               expected_version=data["version"], reason=data["reason"], partner_id=data["partner_id"])
        db.session.commit()
        return found
