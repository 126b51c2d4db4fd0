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
