from __future__ import annotations

import pytest


@pytest.fixture
def tags(db):
    """A few tags of the shared list, made by a staff member through the service."""
    from portal.db import utcnow
    from portal.directory.services import save_tag

    class Staff:
        is_staff = True

    made = {label: save_tag(Staff(), label=label, category="skill", now=utcnow())
            for label in ("Cuisine", "Traduction", "Jardinage", "Comptabilité", "Salle de réunion")}
    db.session.commit()
    return made


@pytest.fixture
def make_profile(db):
    """make_profile(user, "public", presentation=..., languages=[...], offer_tag_ids=[...]) through the service."""
    from portal.db import utcnow
    from portal.directory import services

    def factory(user, visibility="public", **data):
        now = utcnow()
        profile = services.profile_for_user(user, now=now)
        services.save_profile(profile, services.ProfileData(visibility=visibility, **data), now=now)
        db.session.commit()
        return profile

    return factory


@pytest.fixture
def make_organisation(db, make_user):
    """make_organisation("Fondation X", "public", manager=user, type_="association", **profile_data)."""
    from portal.db import utcnow
    from portal.directory import services

    def factory(name, visibility="public", *, manager=None, type_="association", contact_email="", **data):
        now = utcnow()
        manager = manager or make_user()
        organisation = services.create_organisation(manager, name=name, type_=type_, contact_email=contact_email,
                                                    now=now)
        services.save_profile(organisation.profile, services.ProfileData(visibility=visibility, **data), now=now)
        db.session.commit()
        return organisation

    return factory


@pytest.fixture
def deliver(db, send_mail):
    """Send the outbox now, from a fresh snapshot of the database (the test's own may be older)."""
    def run():
        db.session.rollback()
        return send_mail()

    return run
