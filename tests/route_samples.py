"""Sample values for URL parameters, shared by the route matrix and the CSRF test.

A route with a new parameter name (``<int:event_id>``...) needs one entry in
PARAMETERS: a function that receives the test's Samples and returns a value
(add a method to Samples when the value is an object to create).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time, timedelta

import pytest
from werkzeug.routing import Rule

# Passes the URL converter but matches nothing: a signed link says 400, a feed 404.
INVALID_TOKEN = "pas-un-jeton-valide"

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Samples:
    """The objects URL parameters point to, made on first use through the services.

    They belong to somebody other than the person making the request, so the
    answers show who may see or change another person's things.
    """

    def __init__(self, make_user):
        self._make_user = make_user
        self._cache: dict[str, object] = {}

    def _once(self, key: str, make: Callable[[], object]):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def user(self):
        return self._once("user", lambda: self._make_user(name="Camille Exemple", roles=("member",)))

    def space(self):
        """A meeting room any member may book, open every day."""

        def make():
            from portal.extensions import db
            from portal.spaces.services.admin import save_space

            data = {"slug": "salle-exemple", "name": "Salle exemple", "kind": "meeting_room", "capacity": 8,
                    "bookable_by": "members", "slot_mode": "grid", "requires_approval": False, "active": True}
            space = save_space(None, data, [(time(8, 0), time(20, 0))] * 7)
            db.session.commit()
            return space

        return self._once("space", make)

    def booking(self):
        """Tomorrow 10:00-11:00 (Paris) in the sample room, held by the sample user."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.spaces.services.bookings import create_booking
            from portal.timeutil import paris_to_utc, paris_today

            now = utcnow()
            day = paris_today(now) + timedelta(days=1)
            booking = create_booking(self.user(), space_id=self.space().id, starts_at=paris_to_utc(day, time(10)),
                                     ends_at=paris_to_utc(day, time(11)), now=now, notify=False)
            db.session.commit()
            return booking

        return self._once("booking", make)

    def closure(self):
        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.spaces.services.admin import add_closure
            from portal.timeutil import paris_today

            day = paris_today(utcnow()) + timedelta(days=10)
            closure = add_closure(space_id=None, starts_on=day, ends_on=day, reason="Inventaire")
            db.session.commit()
            return closure

        return self._once("closure", make)

    def api_token(self):
        def make():
            from portal.api.auth import create_token
            from portal.db import utcnow
            from portal.extensions import db

            token, _secret = create_token(self.user(), "Site du collectif", now=utcnow())
            db.session.commit()
            return token

        return self._once("api_token", make)


    def organiser(self):
        return self._once("organiser", lambda: self._make_user(name="Orla Organisatrice",
                                                               roles=("member", "organiser")))

    def event(self):
        """A published public event in ten days, open to registration, by the sample organiser."""

        def make():
            from portal.db import utcnow
            from portal.events.models import RegistrationMode, Theme
            from portal.events.services import events as event_service
            from portal.extensions import db
            from portal.timeutil import paris_to_utc, paris_today

            now = utcnow()
            day = paris_today(now) + timedelta(days=10)
            organiser = self.organiser()
            organiser.trusted_organiser = True
            data = event_service.EventData(
                title="Atelier exemple", theme=Theme.LIVING_TOGETHER, starts_at=paris_to_utc(day, time(18)),
                ends_at=paris_to_utc(day, time(20)), address="Place de la Mairie, Les Mureaux",
                registration_mode=RegistrationMode.FREE, capacity=20)
            (event,) = event_service.create_event(organiser, data, now=now)
            event_service.publish(organiser, event, now=now)
            db.session.commit()
            return event

        return self._once("event", make)

    def registration(self):
        """The sample user's registration to the sample event."""

        def make():
            from portal.db import utcnow
            from portal.events.services import registrations
            from portal.extensions import db

            registration = registrations.register_member(self.user(), self.event(), now=utcnow())
            db.session.commit()
            return registration

        return self._once("registration", make)

    def product(self):
        """A pack of desk-days on sale at 70 € (individual rate)."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.payments.models import BookerCategory, ProductKind
            from portal.payments.services.catalogue import save_product

            product = save_product(None, kind=ProductKind.DESK_PACK, name="Carnet exemple", description="",
                                   space_id=None, credit_quantity=10, vat_rate_bp=0, active=True,
                                   prices={BookerCategory.INDIVIDUAL: 7000}, now=utcnow())
            db.session.commit()
            return product

        return self._once("product", make)

    def payment(self):
        """The sample user's pack, waiting to be paid."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.payments.services.checkout import buy

            payment = buy(self.user(), self.product(), now=utcnow())
            db.session.commit()
            return payment

        return self._once("payment", make)

    def project_request(self):
        """A project holder's request from someone else (the sample user's e-mail), not assigned."""

        def make():
            from portal.accompaniment.services.intake import RequestData, submit_request
            from portal.db import utcnow
            from portal.extensions import db

            created = submit_request(RequestData(
                name="Camille Exemple", email=self.user().email, title="Projet exemple", theme="travailler",
                stage="idea", needs=["funding"], consent=True), now=utcnow())
            db.session.commit()
            return created

        return self._once("project_request", make)

    def accompaniment_team(self):
        def make():
            from portal.accompaniment.services.admin import create_team
            from portal.extensions import db

            team = create_team("Équipe exemple")
            db.session.commit()
            return team

        return self._once("accompaniment_team", make)

    def routing_rule(self):
        def make():
            from portal.accompaniment.services.admin import create_rule
            from portal.extensions import db

            rule = create_rule(position=1, theme="travailler", need=None, stage=None, language=None,
                               team_id=self.accompaniment_team().id, user_id=None)
            db.session.commit()
            return rule

        return self._once("routing_rule", make)

    def partner(self):
        def make():
            from portal.accompaniment.services.admin import create_partner
            from portal.extensions import db

            partner = create_partner("Partenaire exemple")
            db.session.commit()
            return partner

        return self._once("partner", make)

    def funding_line(self):
        """A funder's grant covering the "travailler" theme this year."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.impact.services import LineData, save_line
            from portal.timeutil import paris_today

            today = paris_today(utcnow())
            line = save_line(None, LineData(
                funder="Fondation exemple", name="Emploi des jeunes", description="", amount_cents=None,
                starts_on=today.replace(month=1, day=1), ends_on=today.replace(month=12, day=31),
                themes=["travailler"], tags=[], space_ids=[], needs=[], active=True))
            db.session.commit()
            return line

        return self._once("funding_line", make)

    def share_link(self):
        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.impact.periods import containing
            from portal.impact.services import create_share_link
            from portal.timeutil import paris_today

            today = paris_today(utcnow())
            link, _secret = create_share_link(self.funding_line(), containing("quarter", today),
                                              today + timedelta(days=30), None, now=utcnow())
            db.session.commit()
            return link

        return self._once("share_link", make)

    def avoided_cost(self):
        def make():
            from portal.extensions import db
            from portal.impact.services import save_assumption

            assumption = save_assumption(None, label="Journée de coworking", driver="desk_days",
                                         unit_cost_cents=2500, source="Tarif public", active=True)
            db.session.commit()
            return assumption

        return self._once("avoided_cost", make)

    def organisation(self):
        """A public organisation managed by someone else, with a public profile."""

        def make():
            from portal.db import utcnow
            from portal.directory import services
            from portal.extensions import db

            now = utcnow()
            manager = self._make_user(name="Maud Responsable", roles=("member",))
            organisation = services.create_organisation(manager, name="Association Exemple", type_="association",
                                                        now=now)
            services.save_profile(organisation.profile, services.ProfileData(visibility="public"), now=now)
            db.session.commit()
            return organisation

        return self._once("organisation", make)

    def join_request(self):
        """The sample user asked to join the sample organisation."""

        def make():
            from portal.db import utcnow
            from portal.directory import memberships
            from portal.extensions import db

            join = memberships.ask_to_join(self.user(), self.organisation(), "Bonjour", now=utcnow())
            db.session.commit()
            return join

        return self._once("join_request", make)

    def tag(self):
        def make():
            from portal.db import utcnow
            from portal.directory.models import Tag
            from portal.extensions import db

            tag = Tag(label="Cuisine", slug="cuisine", created_at=utcnow())
            db.session.add(tag)
            db.session.commit()
            return tag

        return self._once("tag", make)

    def introduction(self):
        """The sample user asked to be introduced to the sample organiser; nobody has answered yet."""

        def make():
            from portal.db import utcnow
            from portal.directory.models import Introduction
            from portal.extensions import db

            intro = Introduction(proposer_id=self.user().id, first_user_id=self.user().id,
                                 second_user_id=self.organiser().id, reason="Projet commun", created_at=utcnow())
            db.session.add(intro)
            db.session.commit()
            return intro

        return self._once("introduction", make)

    def volunteer_call(self):
        """An open call for two volunteers in ten days, posted by the sample organiser."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.timeutil import paris_to_utc, paris_today
            from portal.volunteers import services

            now = utcnow()
            day = paris_today(now) + timedelta(days=10)
            call = services.create_call(self.organiser(), services.CallData(
                title="Distribution alimentaire", starts_at=paris_to_utc(day, time(14)),
                ends_at=paris_to_utc(day, time(17)), wanted=2), now=now)
            db.session.commit()
            return call

        return self._once("volunteer_call", make)

    def volunteer_answer(self):
        """The sample user, in the volunteer pool, answered the sample call."""

        def make():
            from portal.db import utcnow
            from portal.extensions import db
            from portal.volunteers import services

            now = utcnow()
            services.save_volunteer(self.user(), services.VolunteerData(slots=["0:morning"]), now=now)
            answer = services.answer_call(self.user(), self.volunteer_call(), "", now=now)
            db.session.commit()
            return answer

        return self._once("volunteer_answer", make)


PARAMETERS: dict[str, Callable[[Samples], object]] = {
    "user_id": lambda samples: samples.user().id,
    "token": lambda samples: INVALID_TOKEN,
    "space_id": lambda samples: samples.space().id,
    "booking_id": lambda samples: samples.booking().id,
    "closure_id": lambda samples: samples.closure().id,
    "token_id": lambda samples: samples.api_token().id,
    "qr_token": lambda samples: samples.space().resources[0].qr_token,
    "event_id": lambda samples: samples.event().id,
    "registration_id": lambda samples: samples.registration().id,
    "organiser_id": lambda samples: samples.organiser().id,
    "theme": lambda samples: "travailler",
    "name": lambda samples: "absente.jpg",  # an uploaded image: no such file
    "slug": lambda samples: samples.organisation().slug,
    "organisation_id": lambda samples: samples.organisation().id,
    "profile_id": lambda samples: samples.organisation().profile.id,
    "tag_id": lambda samples: samples.tag().id,
    "intro_id": lambda samples: samples.introduction().id,
    "join_id": lambda samples: samples.join_request().id,
    "call_id": lambda samples: samples.volunteer_call().id,
    "answer_id": lambda samples: samples.volunteer_answer().id,
    "step": lambda samples: 1,
    "request_id": lambda samples: samples.project_request().id,
    "team_id": lambda samples: samples.accompaniment_team().id,
    "rule_id": lambda samples: samples.routing_rule().id,
    "partner_id": lambda samples: samples.partner().id,
    "product_id": lambda samples: samples.product().id,
    "payment_id": lambda samples: samples.payment().id,
    "document_id": lambda samples: 999999,  # no such receipt
    "line_id": lambda samples: samples.funding_line().id,
    "link_id": lambda samples: samples.share_link().id,
    "assumption_id": lambda samples: samples.avoided_cost().id,
}


def sample_url(rule: Rule, samples: Samples) -> str:
    missing = sorted(set(rule.arguments) - set(PARAMETERS))
    if missing:
        pytest.fail(f"{rule.rule}: add a sample value for {missing} to PARAMETERS in {__name__}")
    values = {name: PARAMETERS[name](samples) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def routes(app) -> Iterator[tuple[str, Rule]]:
    """Every (method, rule) the application answers, without static files, HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield method, rule
