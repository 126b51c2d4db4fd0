"""Organisation pages: managers edit them and their members; staff verify them; upcoming events are listed."""
from __future__ import annotations

from datetime import time, timedelta


def _event_for(db, organiser, organisation_name):
    from portal.db import utcnow
    from portal.events.models import RegistrationMode, Theme
    from portal.events.services import events as event_service
    from portal.timeutil import paris_to_utc, paris_today

    now = utcnow()
    day = paris_today(now) + timedelta(days=8)
    organiser.trusted_organiser = True
    data = event_service.EventData(
        title="Portes ouvertes du jardin", theme=Theme.LIVING_TOGETHER, starts_at=paris_to_utc(day, time(14)),
        ends_at=paris_to_utc(day, time(17)), address="Rue des Jardins, Les Mureaux",
        registration_mode=RegistrationMode.NONE, organisation_name=organisation_name)
    (event,) = event_service.create_event(organiser, data, now=now)
    event_service.publish(organiser, event, now=now)
    db.session.commit()
    return event


def test_page_lists_upcoming_events_and_offers(client, db, make_user, make_organisation, tags):
    organisation = make_organisation("Jardins Partagés", "public", offer_tag_ids=[tags["Jardinage"].id],
                                     offers_text="Parcelles à partager")
    _event_for(db, make_user(roles=("member", "organiser")), "Jardins partagés")
    html = client.get(f"/annuaire/organisations/{organisation.slug}").get_data(as_text=True)
    assert "Portes ouvertes du jardin" in html and "Jardinage" in html and "Parcelles à partager" in html
    body = client.get(f"/api/v1/organisations/{organisation.id}").get_json()
    assert [e["title"] for e in body["upcoming_events"]] == ["Portes ouvertes du jardin"]
    assert [t["slug"] for t in body["offers"]] == ["jardinage"]


def test_managers_edit_and_manage_members(client, auth, db, make_user, make_organisation):
    manager = make_user(name="Maya Responsable")
    newcomer = make_user(name="Nina Nouvelle", email="nina@example.org")
    organisation = make_organisation("Atelier Vélo", "members", manager=manager)
    slug = organisation.slug
    db.session.rollback()
    auth.login(make_user())
    assert client.get(f"/annuaire/organisations/{slug}/modifier").status_code == 403
    auth.logout()
    auth.login(manager)
    assert client.get(f"/annuaire/organisations/{slug}/modifier").status_code == 200
    response = client.post(f"/annuaire/organisations/{slug}/modifier", data={
        "name": "Atelier Vélo Solidaire", "type": "association", "visibility": "public",
        "presentation": "Réparation de vélos", "website": "pas une adresse"})
    assert response.status_code == 422
    assert "Indiquez une adresse commençant par https://" in response.get_data(as_text=True)
    response = client.post(f"/annuaire/organisations/{slug}/modifier", data={
        "name": "Atelier Vélo Solidaire", "type": "association", "visibility": "public",
        "presentation": "Réparation de vélos", "website": "https://velo.example"})
    assert response.status_code == 303
    client.post(f"/annuaire/organisations/{slug}/membres",
                data={"member-email": "nina@example.org", "member-role": "mécanicienne"})
    auth.logout()
    from portal.directory.models import OrganisationMembership
    from sqlalchemy import select

    db.session.rollback()
    roles = {m.user_id: m.role for m in db.session.scalars(select(OrganisationMembership))}
    assert roles[newcomer.id] == "mécanicienne"
    db.session.rollback()
    # the renamed organisation is found under its new name
    assert client.get("/api/v1/directory?q=solidaire").get_json()["total"] == 1


def test_staff_verify(client, auth, db, make_user, make_organisation):
    organisation = make_organisation("Maison de Quartier", "public")
    slug = organisation.slug
    staff = make_user(roles=("member", "staff"))
    db.session.rollback()
    auth.login(make_user())
    assert client.post(f"/annuaire/organisations/{slug}/verification", data={"verified": "1"}).status_code == 403
    auth.logout()
    auth.login(staff)
    assert client.post(f"/annuaire/organisations/{slug}/verification", data={"verified": "1"}).status_code == 303
    assert "Organisation vérifiée par l’équipe" in client.get(f"/annuaire/organisations/{slug}").get_data(as_text=True)
    assert client.get(f"/api/v1/organisations/{organisation.id}").get_json()["verified"] is True
