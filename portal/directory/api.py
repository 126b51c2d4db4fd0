"""JSON API of the directory: the same visibility rules as the pages (anonymous → public profiles only)."""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.db import utcnow
from portal.directory import search, services
from portal.directory.labels import LANGUAGE_LABELS, ORGANISATION_TYPE_LABELS, THEME_LABELS
from portal.directory.models import Profile, ProfileKind
from portal.urls import absolute_url

bp = Blueprint("directory_api", __name__, url_prefix="/api/v1", description="Annuaire des membres")

UNKNOWN_VALUE = _l("Valeur inconnue ; valeurs possibles : {choices}.")


def _url(profile: Profile) -> str:
    if profile.kind == ProfileKind.PERSON:
        return absolute_url("directory.show_person", user_id=profile.user_id)
    return absolute_url("directory.show_organisation", slug=profile.organisation.slug)


def _photo(profile: Profile) -> str | None:
    return absolute_url("directory.photo", profile_id=profile.id, name=profile.photo) if profile.photo else None


class TagSchema(Schema):
    slug = fields.Str()
    label = fields.Str()


class CardSchema(Schema):
    kind = fields.Function(lambda p: p.kind.value, metadata={"enum": ["person", "organisation"]})
    id = fields.Function(lambda p: p.user_id if p.kind == ProfileKind.PERSON else p.organisation_id,
                         metadata={"description": "Identifiant du membre (personne) ou de l'organisation"})
    name = fields.Str()
    organisation_type = fields.Function(lambda p: p.organisation.type.value if p.organisation else None)
    verified = fields.Function(lambda p: bool(p.organisation and p.organisation.verified))
    neighbourhood = fields.Str()
    town = fields.Str()
    languages = fields.Function(lambda p: p.language_codes)
    themes = fields.Function(lambda p: p.theme_values)
    offers = fields.Function(lambda p: [{"slug": t.slug, "label": t.label} for t in p.offer_tags])
    needs = fields.Function(lambda p: [{"slug": t.slug, "label": t.label} for t in p.need_tags])
    photo_url = fields.Function(_photo)
    url = fields.Function(_url)


class ProfileSchema(CardSchema):
    presentation = fields.Str()
    offers_text = fields.Str()
    needs_text = fields.Str()
    website = fields.Str()
    social_links = fields.Function(lambda p: [line.strip() for line in p.social_links.splitlines() if line.strip()])
    email = fields.Function(lambda p: _contact(p)["email"], allow_none=True,
                            metadata={"description": "Seulement pour les membres connectés, si partagé"})
    phone = fields.Function(lambda p: _contact(p)["phone"], allow_none=True,
                            metadata={"description": "Seulement pour les membres connectés, si partagé"})


class MemberLinkSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    role = fields.Str()


class EventLinkSchema(Schema):
    id = fields.Int()
    title = fields.Str()
    starts_at = fields.AwareDateTime()
    url = fields.Function(lambda e: absolute_url("events.show_event", event_id=e.id))


class OrganisationSchema(ProfileSchema):
    members = fields.Function(lambda p: MemberLinkSchema(many=True).dump(
        [{"id": member.user_id, "name": member.name, "role": membership.role}
         for membership, member in services.public_members(p.organisation, current_user)]))
    upcoming_events = fields.Function(lambda p: EventLinkSchema(many=True).dump(
        services.upcoming_events(p.organisation, current_user, utcnow())))


class DirectoryPageSchema(Schema):
    total = fields.Int()
    page = fields.Int()
    pages = fields.Int()
    results = fields.List(fields.Nested(CardSchema))


class DirectoryQuerySchema(Schema):
    q = fields.Str(load_default="", validate=validate.Length(max=200))
    kind = fields.Str(load_default="", validate=validate.OneOf(["", "person", "organisation"], error=UNKNOWN_VALUE))
    organisation_type = fields.Str(load_default="", validate=validate.OneOf(["", *ORGANISATION_TYPE_LABELS],
                                                                             error=UNKNOWN_VALUE))
    theme = fields.Str(load_default="", validate=validate.OneOf(["", *THEME_LABELS], error=UNKNOWN_VALUE))
    tag = fields.Str(load_default="", validate=validate.Length(max=80))
    direction = fields.Str(load_default="", validate=validate.OneOf(["", "offer", "need"], error=UNKNOWN_VALUE))
    language = fields.Str(load_default="", validate=validate.OneOf(["", *LANGUAGE_LABELS], error=UNKNOWN_VALUE))
    neighbourhood = fields.Str(load_default="", validate=validate.Length(max=120))
    volunteers = fields.Bool(load_default=False)
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=10_000, error=_l("Entre {min} et {max}.")))


def _contact(profile: Profile) -> dict:
    if services.shows_contact(profile, current_user):
        contact = services.contact_of(profile)
        return {"email": contact["email"] or None, "phone": contact["phone"] or None}
    return {"email": None, "phone": None}


@bp.route("/directory")
class Directory(MethodView):
    @bp.arguments(DirectoryQuerySchema(), location="query")
    @bp.response(200, DirectoryPageSchema)
    def get(self, args):
        """Rechercher dans l'annuaire (visiteurs : fiches publiques seulement)"""
        results = search.search(search.Filters(**{k: v for k, v in args.items() if k != "page"}), current_user,
                                page=args["page"])
        return {"total": results.total, "page": results.page, "pages": results.pages, "results": results.profiles}


@bp.route("/members/<int:user_id>")
class Member(MethodView):
    @bp.response(200, ProfileSchema)
    @bp.alt_response(404, description="Fiche inexistante ou non visible")
    def get(self, user_id: int):
        """Fiche d'un membre"""
        return services.person_profile(user_id, current_user)


@bp.route("/organisations/<int:organisation_id>")
class OrganisationView(MethodView):
    @bp.response(200, OrganisationSchema)
    @bp.alt_response(404, description="Fiche inexistante ou non visible")
    def get(self, organisation_id: int):
        """Fiche d'une organisation, ses membres visibles et ses prochains événements"""
        return services.organisation_by_id(organisation_id, current_user).profile
