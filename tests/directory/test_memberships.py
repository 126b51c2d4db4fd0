"""Joining an organisation on request, leaving it and handing over its management; an organisation
is never left without a manager, even when two managers leave at the same instant."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from tests.support import text_body


def _managers(db, organisation_id):
    from portal.directory.models import OrganisationMembership

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OrganisationMembership).where(
        OrganisationMembership.organisation_id == organisation_id, OrganisationMembership.is_manager.is_(True)))


def test_member_asks_to_join_and_a_manager_accepts_or_declines(client, auth, db, make_user, make_organisation,
                                                                deliver, smtp):
    from portal.directory.models import JoinRequest, OrganisationMembership

    manager = make_user(name="Maud Responsable", email="maud@example.org")
    organisation = make_organisation("Les Amis du Jardin", "members", manager=manager)
    slug, organisation_id = organisation.slug, organisation.id
    asking, refused = make_user(name="Amine Demande"), make_user(name="Rita Refusée")
    for person in (asking, refused):
        auth.login(person)
        assert client.post(f"/annuaire/organisations/{slug}/rejoindre",
                           data={"message": "J'aimerais aider"}).status_code == 303
        page = client.get(f"/annuaire/organisations/{slug}").get_data(as_text=True)
        assert "Votre demande est en attente" in page
        auth.logout()
    deliver()
    notices = smtp.to(manager.email)
    assert len(notices) == 2 and "Amine Demande demande à rejoindre" in text_body(notices[0])

    db.session.rollback()
    joins = {j.user_id: j.id for j in db.session.scalars(select(JoinRequest))}
    db.session.rollback()
    outsider = make_user(name="Olivier Extérieur")
    auth.login(outsider)
    assert client.post(f"/annuaire/organisations/{slug}/demandes/{joins[asking.id]}/decision",
                       data={"accept": "1"}).status_code == 403
    auth.logout()

    auth.login(manager)
    page = client.get(f"/annuaire/organisations/{slug}/modifier").get_data(as_text=True)
    assert "Accepter Amine Demande" in page and "Refuser Rita Refusée" in page
    assert client.post(f"/annuaire/organisations/{slug}/demandes/{joins[asking.id]}/decision",
                       data={"accept": "1"}).status_code == 303
    assert client.post(f"/annuaire/organisations/{slug}/demandes/{joins[refused.id]}/decision",
                       data={"accept": "0"}).status_code == 303
    twice = client.post(f"/annuaire/organisations/{slug}/demandes/{joins[refused.id]}/decision",
                        data={"accept": "1"}, follow_redirects=True)
    assert "déjà été traitée" in twice.get_data(as_text=True)
    db.session.rollback()
    members = set(db.session.scalars(select(OrganisationMembership.user_id).where(
        OrganisationMembership.organisation_id == organisation_id)))
    assert members == {manager.id, asking.id}
    deliver()
    assert "est acceptée" in text_body(smtp.to(asking.email)[-1])
    assert "n'a pas été acceptée" in text_body(smtp.to(refused.email)[-1])


def test_the_last_manager_cannot_leave_but_can_hand_over(client, auth, db, make_user, make_organisation):
    from portal.db import utcnow
    from portal.directory import services
    from portal.directory.models import OrganisationMembership

    manager = make_user(name="Maud Responsable")
    organisation = make_organisation("Les Amis du Jardin", "public", manager=manager)
    slug, organisation_id = organisation.slug, organisation.id
    member = make_user(name="Paul Membre")
    services.join_organisation(manager, organisation, member, role="bénévole", manager=False, now=utcnow())
    db.session.commit()

    auth.login(manager)
    refused = client.post(f"/annuaire/organisations/{slug}/quitter", data={}, follow_redirects=True)
    assert "au moins un responsable" in refused.get_data(as_text=True)
    demoted = client.post(f"/annuaire/organisations/{slug}/membres/{manager.id}/responsable", data={"manager": "0"},
                          follow_redirects=True)
    assert "au moins un responsable" in demoted.get_data(as_text=True)
    removed = client.post(f"/annuaire/organisations/{slug}/membres/{manager.id}/retirer", data={},
                          follow_redirects=True)
    assert "au moins un responsable" in removed.get_data(as_text=True)
    assert _managers(db, organisation_id) == 1

    # Hand over: the member becomes manager, then the former manager steps down and leaves.
    assert client.post(f"/annuaire/organisations/{slug}/membres/{member.id}/responsable",
                       data={"manager": "1"}).status_code == 303
    assert client.post(f"/annuaire/organisations/{slug}/membres/{manager.id}/responsable",
                       data={"manager": "0"}).status_code == 303
    assert client.post(f"/annuaire/organisations/{slug}/quitter", data={}).status_code == 303
    db.session.rollback()
    rows = db.session.execute(select(OrganisationMembership.user_id, OrganisationMembership.is_manager).where(
        OrganisationMembership.organisation_id == organisation_id)).all()
    assert [tuple(r) for r in rows] == [(member.id, True)]


def test_transfer_in_the_service(db, make_user, make_organisation):
    from portal.db import utcnow
    from portal.directory import memberships, services
    from portal.errors import Conflict

    manager, member = make_user(), make_user()
    organisation = make_organisation("Atelier Vélo", manager=manager)
    services.join_organisation(manager, organisation, member, role="", manager=False, now=utcnow())
    db.session.commit()
    with pytest.raises(Conflict):
        memberships.leave(manager, organisation, manager)
    db.session.rollback()
    memberships.transfer(manager, organisation, member)
    db.session.commit()
    assert services.is_manager(member, organisation.id) and not services.is_manager(manager, organisation.id)


def test_two_managers_leaving_at_once_leave_one(app, db, make_user, make_organisation):
    """The first leave holds the organisation's lock until it commits; the second then finds itself the
    last manager and is refused."""
    from portal.accounts.models import User
    from portal.db import utcnow
    from portal.directory import memberships, services
    from portal.directory.models import Organisation
    from portal.errors import Conflict

    first, second = make_user(), make_user()
    organisation = make_organisation("Maison des Familles", manager=first)
    services.join_organisation(first, organisation, second, role="", manager=True, now=utcnow())
    db.session.commit()
    organisation_id, first_id, second_id = organisation.id, first.id, second.id
    outcome = {}

    def other_leaves():
        with app.app_context():
            try:
                memberships.leave(db.session.get(User, second_id), db.session.get(Organisation, organisation_id),
                                  db.session.get(User, second_id))
                db.session.commit()
                outcome["second"] = "left"
            except Conflict:
                db.session.rollback()
                outcome["second"] = "refused"
            finally:
                db.session.remove()

    memberships.leave(first, organisation, first)  # holds the lock, not yet committed
    thread = threading.Thread(target=other_leaves)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()  # waiting for the lock
    db.session.commit()
    thread.join(timeout=30)
    assert outcome == {"second": "refused"}
    assert _managers(db, organisation_id) == 1
    assert services.is_manager(db.session.get(User, second_id), organisation_id)
    assert not services.is_manager(db.session.get(User, first_id), organisation_id)


# --- the manager deletes their account ------------------------------------------------------------


def _outbox_to(db, address):
    from portal.mail.models import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == address)))


def _delete(db, user):
    from portal.db import utcnow
    from portal.privacy.services import delete_account

    summary = delete_account(user, now=utcnow())
    db.session.commit()
    return summary


def _members_joining(db, organisation, manager, *people):
    from datetime import timedelta

    from portal.db import utcnow
    from portal.directory import services

    for rank, person in enumerate(people, start=1):
        services.join_organisation(manager, organisation, person, role="", manager=False,
                                   now=utcnow() + timedelta(minutes=rank))
    db.session.commit()


def test_the_longest_standing_active_member_takes_over_from_a_deleted_manager(db, make_user, make_organisation):
    from portal.accounts.models import User
    from portal.directory import services

    manager = make_user(name="Maud Responsable")
    organisation = make_organisation("Atelier Vélo", manager=manager)
    gone, eldest, newest = make_user(), make_user(email="eldest@example.org"), make_user(email="newest@example.org")
    _members_joining(db, organisation, manager, gone, eldest, newest)
    gone.active = False  # an account that can no longer sign in cannot manage
    db.session.commit()
    organisation_id = organisation.id

    summary = _delete(db, manager)

    assert summary["responsabilités transmises"] == 1
    assert _managers(db, organisation_id) == 1
    assert services.is_manager(db.session.get(User, eldest.id), organisation_id)
    assert not services.is_manager(db.session.get(User, manager.id), organisation_id)
    assert _outbox_to(db, "eldest@example.org") == ["Vous êtes responsable de Atelier Vélo"]
    assert _outbox_to(db, "newest@example.org") == []


def test_another_manager_remains_after_a_deletion_and_nobody_is_promoted(db, make_user, make_organisation):
    from portal.db import utcnow
    from portal.directory import services

    manager, other_manager, member = make_user(), make_user(), make_user(email="member@example.org")
    organisation = make_organisation("Repair Café", manager=manager)
    services.join_organisation(manager, organisation, other_manager, role="", manager=True, now=utcnow())
    _members_joining(db, organisation, manager, member)
    organisation_id = organisation.id

    summary = _delete(db, manager)

    assert "responsabilités transmises" not in summary
    assert _managers(db, organisation_id) == 1
    assert services.is_manager(other_manager, organisation_id)
    assert _outbox_to(db, "member@example.org") == []


def test_an_organisation_left_with_nobody_is_handed_to_the_team(db, make_user, make_organisation):
    from portal.accounts.models import User
    from portal.directory import services
    from portal.directory.models import Organisation

    staff = make_user(roles=("staff",), email="equipe@example.org")
    manager = make_user()
    organisation = make_organisation("Collectif Seul", manager=manager)
    organisation_id = organisation.id

    summary = _delete(db, manager)

    assert summary["organisations confiées à l'équipe"] == 1
    assert _managers(db, organisation_id) == 0
    assert _outbox_to(db, "equipe@example.org") == ["Collectif Seul n'a plus de responsable"]
    assert services.may_edit_organisation(db.session.get(User, staff.id), db.session.get(Organisation, organisation_id))
