from __future__ import annotations

from datetime import timedelta

import pytest

from tests.directory.conftest import deliver, make_profile, tags  # noqa: F401  (shared fixtures)


@pytest.fixture
def organiser(make_user):
    return make_user(name="Olga Organisatrice", roles=("member", "organiser"))


@pytest.fixture
def make_call(db, organiser):
    """make_call(wanted=2, skills=[tag], days=5, hour=18, language="") through the service."""
    from portal.db import utcnow
    from portal.timeutil import paris_datetime, paris_today
    from portal.volunteers import services
    from datetime import time

    def factory(*, wanted=2, skills=(), days=5, hour=18, language="", neighbourhood="", title="Distribution"):
        now = utcnow()
        day = paris_today(now) + timedelta(days=days)
        starts = paris_datetime(day, time(hour, 0))
        call = services.create_call(organiser, services.CallData(
            title=title, starts_at=starts, ends_at=starts + timedelta(hours=2), wanted=wanted,
            language=language, neighbourhood=neighbourhood, skill_ids=[t.id for t in skills]), now=now)
        db.session.commit()
        return call

    return factory


@pytest.fixture
def make_volunteer(db, make_user):
    from portal.db import utcnow
    from portal.volunteers import services

    def factory(name=None, *, skills=(), languages=(), slots=("0:morning",), neighbourhood=""):
        user = make_user(name=name)
        services.save_volunteer(user, services.VolunteerData(
            skill_ids=[t.id for t in skills], languages=list(languages), slots=list(slots),
            neighbourhood=neighbourhood), now=utcnow())
        db.session.commit()
        return user

    return factory
