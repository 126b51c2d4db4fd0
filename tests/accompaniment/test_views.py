"""The holder's form, tracking page and "my requests"; the team's pages; the admin page."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from portal.accompaniment.models import EventKind, ProjectRequest, RequestDraft, RequestStatus
from portal.accompaniment.services import workflow
from tests.accompaniment.conftest import fresh
from tests.support import page

STEP1 = {"name": "Awa Diallo", "email": "awa@example.org", "phone": "", "language": "fr", "contact_channel": "email"}
STEP2 = {"title": "Traiteur malien", "description": "Cuisine pour les fêtes.", "theme": "travailler",
         "stage": "idea", "place": "Les Mureaux"}
STEP3 = {"needs": ["funding", "legal"], "needs_other": "", "heard_from": "association"}


def fill(client, *, consent=True, extra=None):
    for step, data in ((1, STEP1), (2, STEP2), (3, STEP3)):
        response = client.post(f"/porteurs-de-projet/etape/{step}", data=data)
        assert response.status_code == 302, (step, page(response)[:3000])
    return client.post("/porteurs-de-projet/etape/4", data={"consent": "y" if consent else "", **(extra or {})})


def test_the_start_page_explains_the_steps_and_what_is_kept(client):
    html = page(client.get("/porteurs-de-projet"))
    assert "4 petites étapes" in html and "24 mois" in html and "Commencer" in html


def test_a_holder_submits_in_four_steps_and_lands_on_the_tracking_page(db, client, smtp, send_mail):
    response = fill(client)
    assert response.status_code == 302 and "/porteurs-de-projet/suivi/" in response.location
    created = db.session.scalar(select(ProjectRequest))
    html = page(client.get(response.location))
    assert created.reference in html and "Votre demande est envoyée" in html
    assert "Nouvelle" in html and "L’équipe d’accompagnement" in html
    assert db.session.scalar(select(func.count()).select_from(RequestDraft)) == 0  # the draft is gone
    send_mail()
    (ack,) = smtp.to("awa@example.org")
    assert created.reference in str(ack["Subject"])


def test_the_draft_survives_a_reload_and_a_new_visit(client):
    client.post("/porteurs-de-projet/etape/1", data=STEP1)
    client.post("/porteurs-de-projet/etape/2", data={**STEP2, "title": ""})  # an error: kept anyway
    reloaded = page(client.get("/porteurs-de-projet/etape/2"))
    assert "Cuisine pour les fêtes." in reloaded and 'value="Les Mureaux"' in reloaded
    assert 'value="Awa Diallo"' in page(client.get("/porteurs-de-projet/etape/1"))
    assert "Reprendre mon brouillon" in page(client.get("/porteurs-de-projet"))


def test_a_validation_error_keeps_every_field_and_says_what_to_fix_next_to_it(client):
    client.post("/porteurs-de-projet/etape/1", data=STEP1)
    response = client.post("/porteurs-de-projet/etape/2", data={**STEP2, "title": "", "theme": ""})
    html = page(response)
    assert response.status_code == 422
    assert 'id="title-error"' in html and "Donnez un titre court à votre projet." in html
    assert 'aria-describedby="theme-error"' in html or 'id="theme-error"' in html
    assert "Cuisine pour les fêtes." in html and 'value="Les Mureaux"' in html


def test_steps_cannot_be_skipped(client):
    response = client.get("/porteurs-de-projet/etape/3")
    assert response.status_code == 302 and response.location.endswith("/porteurs-de-projet/etape/1")


def test_no_way_to_reach_the_holder_is_said_on_the_first_step(client):
    response = client.post("/porteurs-de-projet/etape/1", data={**STEP1, "email": ""})
    html = page(response)
    assert response.status_code == 422 and "Donnez au moins un moyen de vous joindre" in html
    assert 'value="Awa Diallo"' in html


def test_a_refusal_found_at_sending_brings_back_the_step_of_its_field(client):
    client.post("/porteurs-de-projet/etape/1", data={**STEP1, "phone": "12"})
    client.post("/porteurs-de-projet/etape/2", data=STEP2)
    client.post("/porteurs-de-projet/etape/3", data=STEP3)
    response = client.post("/porteurs-de-projet/etape/4", data={"consent": "y"})
    html = page(response)
    assert response.status_code == 422 and "Étape 1 sur 4" in html
    assert "semble incomplet" in html and 'value="Awa Diallo"' in html and 'id="phone-error"' in html


def test_the_consent_is_required(client, db):
    response = fill(client, consent=False)
    assert response.status_code == 422 and "cochez la case d'accord" in page(response)
    assert db.session.scalar(select(func.count()).select_from(ProjectRequest)) == 0


def test_the_honeypot_refuses_and_says_why(client, db):
    response = fill(client, extra={"site_web": "http://spam.example"})
    assert response.status_code == 422 and "un champ caché" in page(response)
    assert db.session.scalar(select(func.count()).select_from(ProjectRequest)) == 0


def test_a_form_sent_too_fast_is_refused_and_kept(app, client, db):
    app.config["ACCOMPANIMENT_MIN_FILL_SECONDS"] = 60
    response = fill(client)
    html = page(response)
    assert response.status_code == 422 and "trop vite" in html and "tout ce que vous avez écrit est gardé" in html
    assert db.session.scalar(select(func.count()).select_from(ProjectRequest)) == 0
    assert db.session.scalar(select(func.count()).select_from(RequestDraft)) == 1


def test_the_rate_limit_stops_a_flood_with_a_plain_explanation(database_url, db):
    from portal.extensions import limiter
    from tests.conftest import make_app
    from tests.support import IsolatedClient

    limited = make_app(database_url, RATELIMIT_ENABLED=True, ACCOMPANIMENT_MIN_FILL_SECONDS=0)
    limited.test_client_class = IsolatedClient
    limiter.reset()
    try:
        for _ in range(5):
            assert fill(limited.test_client()).status_code == 302
        refused = fill(limited.test_client())
        assert refused.status_code == 429 and "bloquons les envois pendant une heure" in page(refused)
    finally:
        limiter.reset()


def test_the_tracking_page_shows_messages_but_never_internal_notes(db, client, make_request, make_staff):
    staff = make_staff(name="Samir")
    created = make_request()
    workflow.add_note(created, "NOTE-INTERNE-SECRETE", actor=staff, now=created.submitted_at)
    workflow.message_holder(created, "Bonjour, passez jeudi ?", actor=staff, now=created.submitted_at)
    db.session.commit()
    response = client.get(f"/porteurs-de-projet/suivi/{created.tracking_token}")
    html = page(response)
    assert response.headers["Referrer-Policy"] == "no-referrer" and "no-store" in response.headers["Cache-Control"]
    assert "Bonjour, passez jeudi ?" in html and "Samir" in html
    assert "NOTE-INTERNE-SECRETE" not in html
    assert client.get("/porteurs-de-projet/suivi/pas-le-bon-jeton").status_code == 404


def test_the_holder_replies_and_the_team_sees_it_waiting(db, client, make_request, make_staff, make_rule):
    staff = make_staff()
    make_rule(user=staff)
    created = make_request()
    response = client.post(f"/porteurs-de-projet/suivi/{created.tracking_token}/message", data={"body": "Merci !"})
    assert response.status_code == 302
    fresh(db)
    created = db.session.get(ProjectRequest, created.id)
    assert created.holder_waiting_since is not None and created.events[-2].kind == EventKind.MESSAGE_FROM_HOLDER
    empty = client.post(f"/porteurs-de-projet/suivi/{created.tracking_token}/message", data={"body": ""})
    assert empty.status_code == 422 and "Le message est vide." in page(empty)


def test_the_holder_downloads_their_data_and_asks_for_deletion(db, client, make_request):
    created = make_request()
    token = created.tracking_token
    data = client.post(f"/porteurs-de-projet/suivi/{token}/mes-donnees")
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    assert json.loads(data.get_data(as_text=True))["email"] == "awa@example.org"
    assert client.post(f"/porteurs-de-projet/suivi/{token}/effacer", data={}).status_code == 422
    assert client.post(f"/porteurs-de-projet/suivi/{token}/effacer", data={"confirm": "y"}).status_code == 302
    fresh(db)
    gone = db.session.get(ProjectRequest, created.id)
    assert gone.is_anonymised and gone.status == RequestStatus.CLOSED
    assert "ont été effacées" in page(client.get(f"/porteurs-de-projet/suivi/{token}"))


def test_my_requests_lists_the_holders_requests_only(make_request, make_user, login):
    holder = make_user(email="awa@example.org")
    mine = make_request()
    make_request(email="autre@example.org", title="Pas à moi")
    html = page(login(holder).get("/mes-demandes"))
    assert mine.reference in html and "Pas à moi" not in html


# --- the team --------------------------------------------------------------------------------


def test_the_triage_queues_filters_and_search(db, make_request, make_staff, login):
    staff = make_staff()
    one = make_request(title="Atelier vélo", theme="vivre_ensemble", needs=["space"])
    two = make_request(title="Épicerie solidaire", email="b@example.org")
    client = login(staff)
    html = page(client.get("/equipe/accompagnement"))
    assert "Atelier vélo" in html and "Épicerie solidaire" in html and "À attribuer (2)" in html
    assert html.count("Doublon possible") == 2  # the same e-mail, the same phone
    assert "Atelier vélo" not in page(client.get("/equipe/accompagnement?file=all&theme=travailler"))
    assert "Épicerie solidaire" not in page(client.get("/equipe/accompagnement?file=all&need=space"))
    found = page(client.get(f"/equipe/accompagnement?file=all&q={two.reference.lower()}"))
    assert "Épicerie solidaire" in found and "Atelier vélo" not in found
    assert "Aucune demande ici" in page(client.get("/equipe/accompagnement?file=mine"))
    assert page(client.get("/equipe/accompagnement?file=all&since=pas-une-date")).count(one.title) == 1


def test_the_request_page_logs_each_staff_view(db, make_request, make_staff, login):
    from portal.accompaniment.models import AccessLog

    staff = make_staff(name="Samir")
    created = make_request()
    client = login(staff)
    html = page(client.get(f"/equipe/accompagnement/demandes/{created.id}"))
    assert "Traiteur malien" in html and "Demande reçue" in html and "E-mail envoyé" in html
    fresh(db)
    logs = db.session.scalars(select(AccessLog)).all()
    assert [(log.user_id, log.action) for log in logs] == [(staff.id, "view")]


def test_staff_note_message_assign_and_status_from_the_request_page(db, make_request, make_staff, make_partner, login):
    staff, colleague = make_staff(name="Samir"), make_staff(name="Léa")
    partner = make_partner()
    created = make_request()
    client = login(staff)
    base = f"/equipe/accompagnement/demandes/{created.id}"
    assert client.post(f"{base}/note", data={"body": "À rappeler mardi"}).status_code == 302
    assert client.post(f"{base}/message", data={"body": "Bonjour Awa"}).status_code == 302
    assert client.post(f"{base}/attribuer", data={"assignee_id": str(colleague.id), "version": "2"}).status_code == 302
    assert client.post(f"{base}/statut", data={"status": "qualifying", "version": "3"}).status_code == 302
    refused = client.post(f"{base}/statut", data={"status": "launched", "version": "4"})
    assert refused.status_code == 422 and "ne peut pas passer" in page(refused)
    assert client.post(f"{base}/statut", data={"status": "referred", "partner_id": str(partner.id),
                                               "version": "4"}).status_code == 302
    fresh(db)
    created = db.session.get(ProjectRequest, created.id)
    assert created.status == RequestStatus.REFERRED and created.assignee_id == colleague.id
    assert [e.kind.value for e in created.events if e.kind != EventKind.EMAIL_SENT] == [
        "submitted", "note", "message_to_holder", "assigned", "status_changed", "status_changed"]


def test_a_stale_page_is_told_that_the_request_changed(db, make_request, make_staff, login):
    created = make_request()
    staff_a, staff_b = make_staff(), make_staff()
    first, second = login(staff_a), login(staff_b)
    base = f"/equipe/accompagnement/demandes/{created.id}"
    assert first.post(f"{base}/statut", data={"status": "qualifying", "version": "1"}).status_code == 302
    response = second.post(f"{base}/statut", data={"status": "closed", "reason": "doublon", "version": "1"},
                           follow_redirects=True)
    assert "modifiée par quelqu'un d'autre" in page(response)
    fresh(db)
    assert db.session.get(ProjectRequest, created.id).status == RequestStatus.QUALIFYING


def test_bulk_assign_and_status_from_the_to_assign_queue(db, make_request, make_staff, login):
    staff, colleague = make_staff(), make_staff(name="Léa")
    a, b = make_request(), make_request(email="b@example.org")
    client = login(staff)
    response = client.post("/equipe/accompagnement/lot?file=to_assign",
                           data={"request_ids": [str(a.id), str(b.id)], "assignee_id": str(colleague.id),
                                 "status": "qualifying"})
    assert response.status_code == 302
    fresh(db)
    assert {r.assignee_id for r in db.session.scalars(select(ProjectRequest))} == {colleague.id}
    again = client.post("/equipe/accompagnement/lot", data={"request_ids": [str(a.id)], "status": "launched"},
                        follow_redirects=True)
    assert "n'a pas changé" in page(again)


def test_the_csv_export_follows_the_filters_and_never_holds_notes_or_messages(db, make_request, make_staff, login):
    staff = make_staff()
    created = make_request(title="=HYPERLINK(\"x\")")
    make_request(title="Autre thème", theme="vivre_ensemble", email="b@example.org")
    workflow.add_note(created, "NOTE-INTERNE-SECRETE", actor=staff, now=created.submitted_at)
    workflow.message_holder(created, "MESSAGE-AU-PORTEUR", actor=staff, now=created.submitted_at)
    db.session.commit()
    response = login(staff).get("/equipe/accompagnement/export.csv?file=all&theme=travailler")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and created.reference in body and "Autre thème" not in body
    assert "NOTE-INTERNE-SECRETE" not in body and "MESSAGE-AU-PORTEUR" not in body
    assert "'=HYPERLINK" in body  # a formula typed by a holder stays text


def test_merge_from_the_request_page(db, make_request, make_staff, login):
    first = make_request()
    second = make_request(title="Le même projet")
    client = login(make_staff())
    html = page(client.get(f"/equipe/accompagnement/demandes/{second.id}"))
    assert "Doublons possibles" in html and first.reference in html
    response = client.post(f"/equipe/accompagnement/demandes/{second.id}/fusionner",
                           data={"into_id": str(first.id), "version": str(second.version)})
    assert response.status_code == 302
    fresh(db)
    assert db.session.get(ProjectRequest, second.id).merged_into_id == first.id


# --- admin -------------------------------------------------------------------------------------


def test_admin_sets_the_commitment_teams_rules_and_partner_tokens(db, make_user, make_staff, login):
    from portal.accompaniment.models import Partner, RoutingRule, Team
    from portal.accompaniment.services.admin import get_settings, partner_from_authorization

    staff = make_staff(email="samir@example.org")
    client = login(make_user(roles=("member", "admin")))
    assert client.get("/admin/accompagnement").status_code == 200
    assert client.post("/admin/accompagnement/reglages", data={"first_contact_days": "5",
                                                               "retention_months": "12"}).status_code == 302
    bad = client.post("/admin/accompagnement/reglages", data={"first_contact_days": "0", "retention_months": "12"})
    assert bad.status_code == 422 and "Entre 1 et 30" in page(bad)
    assert client.post("/admin/accompagnement/equipes", data={"name": "Emploi"}).status_code == 302
    fresh(db)
    team = db.session.scalar(select(Team))
    unknown = client.post(f"/admin/accompagnement/equipes/{team.id}/membres", data={"email": "nobody@example.org"})
    assert unknown.status_code == 422 and "Aucun membre de l'équipe" in page(unknown)
    assert client.post(f"/admin/accompagnement/equipes/{team.id}/membres",
                       data={"email": staff.email}).status_code == 302
    assert client.post("/admin/accompagnement/regles", data={"position": "1", "theme": "travailler",
                                                              "target": f"team:{team.id}"}).status_code == 302
    assert client.post("/admin/accompagnement/partenaires", data={"name": "ADIE"}).status_code == 302
    fresh(db)
    partner = db.session.scalar(select(Partner))
    issued = page(client.post(f"/admin/accompagnement/partenaires/{partner.id}/jeton"))
    secret = issued.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    fresh(db)
    assert secret.startswith("chp_") and partner_from_authorization(f"Bearer {secret}").name == "ADIE"
    assert get_settings().first_contact_days == 5 and db.session.scalar(select(RoutingRule)).team_id == team.id


def test_a_double_tap_on_send_sends_once_and_shows_the_request(db, client):
    first = fill(client)
    second = client.post("/porteurs-de-projet/etape/4", data={"consent": "y"})
    assert second.status_code == 302 and second.location == first.location
    assert db.session.scalar(select(func.count()).select_from(ProjectRequest)) == 1


def test_going_back_keeps_what_each_step_holds(client):
    client.post("/porteurs-de-projet/etape/1", data=STEP1)
    client.post("/porteurs-de-projet/etape/2", data=STEP2)
    back = client.post("/porteurs-de-projet/etape/3", data={**STEP3, "action": "back"})
    assert back.status_code == 302 and back.location.endswith("/porteurs-de-projet/etape/2")
    step3 = page(client.get("/porteurs-de-projet/etape/3"))
    assert re.search(r'<input checked [^>]*value="funding"', step3)
    assert not re.search(r'<input [^>]*required[^>]*value="funding"', step3)  # a group: no box is required alone


def test_new_drafts_from_one_address_are_limited(database_url):
    from portal.extensions import limiter
    from tests.conftest import make_app
    from tests.support import IsolatedClient

    limited = make_app(database_url, RATELIMIT_ENABLED=True)
    limited.test_client_class = IsolatedClient
    limiter.reset()
    try:
        for _ in range(30):
            assert limited.test_client().post("/porteurs-de-projet/etape/1", data=STEP1).status_code == 302
        refused = limited.test_client().post("/porteurs-de-projet/etape/1", data=STEP1)
        assert refused.status_code == 429 and "bloquons les nouveaux pendant une heure" in page(refused)
        assert 'value="Awa Diallo"' in page(refused)
    finally:
        limiter.reset()
