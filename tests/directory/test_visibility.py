"""Visibility matrix: each profile visibility × each viewer, on every place a profile can appear.

Hidden profiles never leak: not on pages, in search results or their counts, in the
API, on organisation pages, in filter choices or in suggestions.
"""
from __future__ import annotations

import re

import pytest

VISIBILITIES = ("hidden", "members", "public")
VIEWERS = ("anonymous", "member", "staff", "self")

# viewer → visibilities whose profile page it may open
PAGE = {"anonymous": {"public"}, "member": {"members", "public"}, "staff": {"members", "public"},
        "self": {"hidden", "members", "public"}}
# viewer → visibilities listed in search results, counts, organisation pages and suggestions (never hidden)
LISTED = {"anonymous": {"public"}, "member": {"members", "public"}, "staff": {"members", "public"},
          "self": {"members", "public"}}


@pytest.fixture
def world(make_user, make_profile, make_organisation, tags):
    """A person with a distinctive word in their profile, member of a public organisation that needs what they offer."""
    def build(visibility):
        person = make_user(name="Zéphyrine Quatrevents", email="zephyrine@example.org")
        person.phone = "06 11 22 33 44"
        make_profile(person, visibility, presentation="Traductrice xylophoniste", neighbourhood="Quartier Secret",
                     languages=["wo"], offer_tag_ids=[tags["Traduction"].id], share_contact=True)
        organisation = make_organisation("Maison des Langues", "public", need_tag_ids=[tags["Traduction"].id])
        from portal.db import utcnow
        from portal.directory import services
        from portal.extensions import db

        services.join_organisation(organisation.memberships[0].user, organisation, person, role="bénévole",
                                   manager=False, now=utcnow())
        db.session.commit()
        return person, organisation

    return build


def _login(viewer, person, make_user, auth):
    if viewer == "self":
        auth.login(person)
    elif viewer == "member":
        auth.login(make_user(roles=("member",)))
    elif viewer == "staff":
        auth.login(make_user(roles=("member", "staff")))


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_person_profile_everywhere(client, auth, make_user, world, visibility, viewer):
    person, organisation = world(visibility)
    _login(viewer, person, make_user, auth)
    may_open = visibility in PAGE[viewer]
    listed = visibility in LISTED[viewer]

    page = client.get(f"/annuaire/membres/{person.id}")
    assert page.status_code == (200 if may_open else 404)
    api = client.get(f"/api/v1/members/{person.id}")
    assert api.status_code == (200 if may_open else 404)
    if not may_open:
        assert "Zéphyrine" not in page.get_data(as_text=True) and "Zéphyrine" not in api.get_data(as_text=True)

    # search results and their count, on the page and in the API
    html = client.get("/annuaire?q=xylophoniste").get_data(as_text=True)
    assert ("Zéphyrine" in html) == listed
    assert re.search(r"(\d+) fiches? trouvées?", html).group(1) == ("1" if listed else "0")
    found = client.get("/api/v1/directory?q=xylophoniste").get_json()
    assert found["total"] == (1 if listed else 0)
    assert [r["name"] for r in found["results"]] == (["Zéphyrine Quatrevents"] if listed else [])
    # the language filter counts people: the hidden one is not counted either
    by_language = client.get("/api/v1/directory?language=wo&kind=person").get_json()
    assert by_language["total"] == (1 if listed else 0)
    # filter choices are built from visible profiles only
    assert ("Quartier Secret" in client.get("/annuaire").get_data(as_text=True)) == listed

    # the organisation's page and its API list the member only if visible
    org_html = client.get(f"/annuaire/organisations/{organisation.slug}").get_data(as_text=True)
    assert ("Zéphyrine" in org_html) == listed
    org_api = client.get(f"/api/v1/organisations/{organisation.id}").get_json()
    assert [m["name"] for m in org_api["members"]] == (["Zéphyrine Quatrevents"] if listed else [])
    # the organisation needs translation: the person is suggested only if visible
    suggestions = org_html.split("Suggestions", 1)[1] if "Suggestions" in org_html else ""
    assert ("Zéphyrine" in suggestions) == listed

    # contact details: never public, shown to members only because the person shares them
    shows_contact = viewer == "self" or (may_open and viewer in ("member", "staff"))
    if may_open:
        assert ("zephyrine@example.org" in page.get_data(as_text=True)) == shows_contact
        assert (api.get_json()["email"] == "zephyrine@example.org") == shows_contact


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", ("anonymous", "member", "staff", "manager"))
def test_organisation_profile(client, auth, make_user, make_organisation, visibility, viewer):
    manager = make_user()
    organisation = make_organisation("Fondation Cèdre", visibility, manager=manager,
                                     contact_email="contact@cedre.example", presentation="Jardins partagés")
    if viewer == "manager":
        auth.login(manager)
    else:
        _login(viewer, None, make_user, auth)
    may_open = viewer == "manager" or visibility in PAGE["member" if viewer == "staff" else viewer]
    listed = visibility in LISTED["member" if viewer in ("staff", "manager") else viewer]
    assert client.get(f"/annuaire/organisations/{organisation.slug}").status_code == (200 if may_open else 404)
    assert client.get(f"/api/v1/organisations/{organisation.id}").status_code == (200 if may_open else 404)
    assert client.get("/api/v1/directory?q=cedre").get_json()["total"] == (1 if listed else 0)
    if may_open:
        body = client.get(f"/api/v1/organisations/{organisation.id}").get_json()
        # the organisation did not choose to share its contact: only its managers see it
        assert (body["email"] is None) == (viewer != "manager")


def test_new_profile_is_hidden_until_chosen(client, auth, make_user):
    person = make_user(name="Nouvelle Personne")
    auth.login(person)
    page = client.get("/annuaire/ma-fiche").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="hidden"', page), "a new profile starts hidden"
    response = client.post("/annuaire/ma-fiche", data={"visibility": "hidden", "presentation": "Bonjour"})
    assert response.status_code == 303
    from portal.directory.models import Profile
    from portal.extensions import db
    from sqlalchemy import select

    db.session.rollback()  # end the test's read snapshot
    profile = db.session.scalar(select(Profile).where(Profile.user_id == person.id))
    assert profile.visibility.value == "hidden" and profile.consent_at is None
    client.post("/annuaire/ma-fiche", data={"visibility": "public", "presentation": "Bonjour"})
    db.session.rollback()
    profile = db.session.scalar(select(Profile).where(Profile.user_id == person.id))
    assert profile.visibility.value == "public" and profile.consent_at is not None


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_exports_hold_the_profile_only_for_its_owner(client, auth, db, make_user, world, visibility):
    import io
    import zipfile

    person, organisation = world(visibility)
    manager_email = organisation.memberships[0].user.email
    viewer = make_user()
    db.session.rollback()

    def export_of(user_or_email):
        auth.login(user_or_email)
        archive = zipfile.ZipFile(io.BytesIO(client.post("/mes-donnees/export").data))
        auth.logout()
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())

    own = export_of(person)
    assert "xylophoniste" in own and f'"visibility": "{visibility}"' in own
    for other in (viewer, manager_email):  # a member, and the manager of the person's organisation
        assert "xylophoniste" not in export_of(other) and "Zéphyrine" not in export_of(other)
