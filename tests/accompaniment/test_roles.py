"""Who may open what: anonymous, member, organiser, the holder, another holder, staff and admin,
on every page and API endpoint of project requests.

The holder's tracking link is a secret key: whoever holds it sees the request (that is its purpose);
everything else is for staff, and the holder reaches their own requests through "my requests".
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal.accompaniment.services import admin
from portal.accompaniment.services.intake import submit_request
from portal.db import utcnow
from tests.accompaniment.conftest import request_data
from tests.conftest import AuthActions
from tests.route_samples import routes

ROLES = ("anonymous", "member", "organiser", "holder", "other_holder", "staff", "admin")
ROLE_SETS = {"member": ("member",), "organiser": ("member", "organiser"), "holder": ("member",),
             "other_holder": ("member",), "staff": ("member", "staff"), "admin": ("member", "admin")}
L = "login"  # a redirect to the log-in page
R = "redirect"  # any other redirect: the action was accepted

PUBLIC_200 = (200,) * 7
STAFF_ONLY = (L, 403, 403, 403, 403, 200, 200)
ADMIN_ONLY = (L, 403, 403, 403, 403, 403, 200)
API_STAFF = (401, 403, 403, 403, 403, 200, 200)

# (method, rule) → expected per role, for a request made by "holder", its real tracking token,
# and forms filled in as a real page would send them.
EXPECTED = {
    ("GET", "/porteurs-de-projet"): PUBLIC_200,
    ("GET", "/porteurs-de-projet/etape/<int:step>"): PUBLIC_200,
    ("POST", "/porteurs-de-projet/etape/<int:step>"): (R,) * 7,
    ("POST", "/porteurs-de-projet/brouillon/effacer"): (R,) * 7,
    ("GET", "/porteurs-de-projet/suivi/<token>"): PUBLIC_200,
    ("POST", "/porteurs-de-projet/suivi/<token>/message"): (R,) * 7,
    ("POST", "/porteurs-de-projet/suivi/<token>/mes-donnees"): PUBLIC_200,
    ("GET", "/porteurs-de-projet/suivi/<token>/effacer"): PUBLIC_200,
    ("POST", "/porteurs-de-projet/suivi/<token>/effacer"): (422,) * 7,  # not confirmed: nothing deleted
    ("GET", "/mes-demandes"): (L, 200, 200, 200, 200, 200, 200),
    ("GET", "/equipe/accompagnement"): STAFF_ONLY,
    ("GET", "/equipe/accompagnement/export.csv"): STAFF_ONLY,
    ("POST", "/equipe/accompagnement/lot"): (L, 403, 403, 403, 403, R, R),
    ("GET", "/equipe/accompagnement/demandes/<int:request_id>"): STAFF_ONLY,
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/note"): (L, 403, 403, 403, 403, R, R),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/message"): (L, 403, 403, 403, 403, R, R),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/attribuer"): (L, 403, 403, 403, 403, R, R),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/statut"): (L, 403, 403, 403, 403, R, R),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/fusionner"): (L, 403, 403, 403, 403, R, R),
    ("GET", "/admin/accompagnement"): ADMIN_ONLY,
    ("POST", "/admin/accompagnement/reglages"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/equipes"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/equipes/<int:team_id>/membres"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/equipes/<int:team_id>/membres/<int:user_id>/retirer"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/regles"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/regles/<int:rule_id>/supprimer"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/partenaires"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/jeton"): ADMIN_ONLY,
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/jeton/revoquer"): (L, 403, 403, 403, 403, 403, R),
    ("GET", "/admin/accompagnement/partenaires/<int:partner_id>"): ADMIN_ONLY,
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/desactiver"): (L, 403, 403, 403, 403, 403, R),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/reactiver"): (L, 403, 403, 403, 403, 403, R),
    ("GET", "/admin/accompagnement/journal"): ADMIN_ONLY,
    ("POST", "/api/v1/project-requests"): (401, 403, 403, 403, 403, 201, 201),
    ("GET", "/api/v1/project-requests"): API_STAFF,
    ("GET", "/api/v1/project-requests/<int:request_id>"): API_STAFF,
    ("POST", "/api/v1/project-requests/<int:request_id>/assign"): API_STAFF,
    ("POST", "/api/v1/project-requests/<int:request_id>/status"): API_STAFF,
}
OURS = ("/porteurs-de-projet", "/mes-demandes", "/equipe/accompagnement", "/admin/accompagnement",
        "/api/v1/project-requests")


class World:
    """The holder's request and the objects the URLs name, made once per test."""

    def __init__(self, db, make_user, make_staff, role):
        self.holder = make_user(email="awa@example.org")
        self.staff_member = make_staff(email="membre-equipe@example.org")
        self.request = submit_request(request_data(), now=utcnow(), user=self.holder)
        self.duplicate = submit_request(request_data(title="Le même"), now=utcnow())
        self.team = admin.create_team("Équipe")
        admin.add_member(self.team, self.staff_member.email)
        self.rule = admin.create_rule(position=1, theme=None, need=None, stage=None, language=None,
                                      team_id=self.team.id, user_id=None)
        self.partner = admin.create_partner("Partenaire")
        db.session.commit()
        self.values = {"step": 1, "token": self.request.tracking_token, "request_id": self.duplicate.id,
                       "team_id": self.team.id, "user_id": self.staff_member.id, "rule_id": self.rule.id,
                       "partner_id": self.partner.id}
        self.version = self.duplicate.version

    def form_for(self, rule: str) -> dict:
        forms = {
            "/porteurs-de-projet/etape/<int:step>": {"name": "Awa", "email": "awa@example.org", "language": "fr",
                                                     "contact_channel": "email"},
            "/porteurs-de-projet/suivi/<token>/message": {"body": "Bonjour"},
            "/equipe/accompagnement/lot": {"request_ids": [str(self.duplicate.id)],
                                           "assignee_id": str(self.staff_member.id)},
            "/equipe/accompagnement/demandes/<int:request_id>/note": {"body": "Note"},
            "/equipe/accompagnement/demandes/<int:request_id>/message": {"body": "Bonjour"},
            "/equipe/accompagnement/demandes/<int:request_id>/attribuer": {
                "assignee_id": str(self.staff_member.id), "version": str(self.version)},
            "/equipe/accompagnement/demandes/<int:request_id>/statut": {"status": "qualifying",
                                                                         "version": str(self.version)},
            "/equipe/accompagnement/demandes/<int:request_id>/fusionner": {"into_id": str(self.request.id),
                                                                            "version": str(self.version)},
            "/admin/accompagnement/reglages": {"first_contact_days": "4", "retention_months": "24"},
            "/admin/accompagnement/equipes": {"name": "Nouvelle"},
            "/admin/accompagnement/equipes/<int:team_id>/membres": {"email": "membre-equipe-2@example.org"},
            "/admin/accompagnement/regles": {"position": "5", "target": f"team:{self.team.id}"},
            "/admin/accompagnement/partenaires": {"name": "Autre partenaire"},
            "/admin/accompagnement/partenaires/<int:partner_id>": {"name": "Partenaire renommé"},
        }
        return forms.get(rule, {})

    def json_for(self, rule: str) -> dict | None:
        return {
            "/api/v1/project-requests": {"name": "Awa", "email": "awa@example.org", "title": "Projet",
                                         "theme": "travailler", "stage": "idea", "needs": ["funding"],
                                         "consent": True},
            "/api/v1/project-requests/<int:request_id>/assign": {"assignee_id": self.staff_member.id,
                                                                 "version": self.version},
            "/api/v1/project-requests/<int:request_id>/status": {"status": "qualifying", "version": self.version},
        }.get(rule)


CASES = [pytest.param(method, rule, role, id=f"{method} {rule} as {role}")
         for (method, rule) in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("method", "rule_text", "role"), CASES)
def test_each_role_gets_what_the_table_says(app, db, client, make_user, make_staff, method, rule_text, role):
    world = World(db, make_user, make_staff, role)
    if role == "admin" and rule_text.endswith("/membres"):
        make_staff(email="membre-equipe-2@example.org")
    if role != "anonymous":
        user = world.holder if role == "holder" else make_user(roles=ROLE_SETS[role])
        assert AuthActions(client).login(user).status_code == 302
    rule = next(r for m, r in routes(app) if r.rule == rule_text and m == method)
    url = rule.build({name: world.values[name] for name in rule.arguments}, append_unknown=False)[1]
    expected = EXPECTED[(method, rule_text)][ROLES.index(role)]
    payload = world.json_for(rule_text)
    if method == "GET":
        response = client.get(url)
    elif payload is not None:
        response = client.open(url, method=method, json=payload)
    else:
        response = client.open(url, method=method, data=world.form_for(rule_text))
    assert response.status_code != 500
    if expected == L:
        assert response.status_code == 302 and urlsplit(response.location).path == "/connexion"
    elif expected == R:
        assert response.status_code in (302, 303), (response.status_code, response.get_data(as_text=True)[:500])
        assert urlsplit(response.location).path != "/connexion"
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]


def test_every_route_of_project_requests_is_in_the_table(app):
    ours = {(m, r.rule) for m, r in routes(app) if r.rule.startswith(OURS)}
    assert ours == set(EXPECTED), ours ^ set(EXPECTED)


def test_my_requests_show_the_holders_own_request_only(db, client, make_user, make_staff):
    world = World(db, make_user, make_staff, "holder")
    other = make_user(email="autre@example.org")
    AuthActions(client).login(world.holder)
    assert world.request.reference in client.get("/mes-demandes").get_data(as_text=True)
    AuthActions(client).logout()
    AuthActions(client).login(other)
    assert world.request.reference not in client.get("/mes-demandes").get_data(as_text=True)
