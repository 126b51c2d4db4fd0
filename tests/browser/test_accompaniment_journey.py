"""A project holder on a phone, without an account, submits a request and follows it; a staff member
assigns and answers. axe-core runs on every page of project requests that the journeys cross.

Test data is committed before the browser starts; ids and e-mails are read first, so that the test
thread never lazy-loads (and holds SQLite) while the live server writes.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accompaniment.models import ProjectRequest, RequestStatus
from portal.accompaniment.services import admin
from tests.browser.phone import assert_fits_phone, assert_tap_target, fresh, heading, log_in, nav

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_form(app):
    previous = app.config.get("ACCOMPANIMENT_MIN_FILL_SECONDS")
    app.config["ACCOMPANIMENT_MIN_FILL_SECONDS"] = 0
    yield
    app.config["ACCOMPANIMENT_MIN_FILL_SECONDS"] = 5 if previous is None else previous


def check(page: Page, axe, label: str) -> None:
    assert_fits_phone(page, label)
    axe(page, label)


def test_a_holder_submits_follows_and_replies_while_staff_assign_and_answer(
        page, browser, browser_context_args, live_server, db, make_user, axe, quick_form):
    samir = make_user(email="samir@example.org", name="Samir Équipe", roles=("member", "staff"))
    lea = make_user(email="lea@example.org", name="Léa Conseillère", roles=("member", "staff"))
    admin_user = make_user(email="alice@example.org", name="Alice Admin", roles=("member", "admin"))
    team = admin.create_team("Création d'activité")
    admin.add_member(team, samir.email)
    admin.create_rule(position=1, theme="travailler", need=None, stage=None, language=None, team_id=team.id,
                      user_id=None)
    db.session.commit()
    fresh(db)
    base = live_server.url

    # The holder, no account: from the home page to the form.
    page.goto(base + "/")
    page.get_by_role("link", name="Proposer un projet").tap()
    expect(heading(page, "Vous avez un projet ? Parlez-nous-en")).to_be_visible()
    check(page, axe, "start page")
    start = page.get_by_role("link", name="Commencer")
    assert_tap_target(start, "the “Commencer” button")
    start.tap()

    # Step 1, with a mistake on the way: no way to be reached.
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    check(page, axe, "step 1")
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_role("button", name="Continuer").tap()
    expect(page.locator("#email-error")).to_contain_text("Donnez au moins un moyen de vous joindre")
    expect(page.get_by_label("Votre nom")).to_have_value("Awa Diallo")
    check(page, axe, "step 1 with an error")
    page.get_by_label("Votre adresse e-mail (si vous en avez une)").fill("awa@example.org")
    page.get_by_role("button", name="Continuer").tap()

    # Step 2: typed, then the page reloads (or the connection drops) before "Continuer".
    expect(page.get_by_text("Étape 2 sur 4")).to_be_visible()
    page.get_by_label("Le nom de votre projet, en quelques mots").fill("Traiteur de cuisine malienne")
    page.get_by_label("Votre projet, avec vos mots").fill("Je cuisine pour les fêtes du quartier.")
    page.get_by_label("Travailler").check()
    page.get_by_label("C'est une idée").check()
    page.reload()
    expect(page.get_by_label("Le nom de votre projet, en quelques mots")).to_have_value("Traiteur de cuisine malienne")
    expect(page.get_by_label("Votre projet, avec vos mots")).to_have_value("Je cuisine pour les fêtes du quartier.")
    expect(page.get_by_label("Travailler")).to_be_checked()
    check(page, axe, "step 2 after a reload")
    page.get_by_label("Votre quartier ou votre ville").fill("Les Mureaux")
    page.get_by_role("button", name="Continuer").tap()

    # Step 3, then the summary.
    expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()
    page.get_by_label("De l'argent, un financement").check()
    page.get_by_label("Choisir un statut (association, entreprise…)").check()
    check(page, axe, "step 3")
    # The connection drops as "Continuer" is tapped: back online, the step still holds the boxes ticked.
    page.context.set_offline(True)
    page.get_by_role("button", name="Continuer").tap()
    page.wait_for_timeout(500)
    page.context.set_offline(False)
    page.goto(base + "/porteurs-de-projet/etape/3")
    expect(page.get_by_label("De l'argent, un financement")).to_be_checked()
    expect(page.get_by_label("Choisir un statut (association, entreprise…)")).to_be_checked()
    page.get_by_role("button", name="Continuer").tap()
    expect(page.get_by_text("Étape 4 sur 4")).to_be_visible()
    expect(page.locator(".pp-summary")).to_contain_text("Traiteur de cuisine malienne")
    check(page, axe, "step 4, check and send")
    page.get_by_label("J'accepte que l'équipe garde ces informations pour m'aider dans mon projet.").check()
    send = page.get_by_role("button", name="Envoyer ma demande")
    assert_tap_target(send, "the “Envoyer ma demande” button")
    send.tap()

    # The tracking page: the reference, the status in plain words, the contact person.
    expect(page.get_by_text("Votre demande est envoyée. Merci !")).to_be_visible()
    tracking_url = page.url
    fresh(db)
    created = db.session.scalar(select(ProjectRequest))
    reference, request_id = created.reference, created.id
    assert created.assignee_id == samir.id
    expect(page.locator(".pp-reference")).to_have_text(reference)
    expect(page.locator(".facts")).to_contain_text("Samir Équipe")
    check(page, axe, "tracking page, just sent")

    # Staff, on a phone too: the queue, the request, assign to a colleague, answer.
    staff_context = browser.new_context(**browser_context_args)
    staff_page = staff_context.new_page()
    try:
        log_in(staff_page, base, "samir@example.org")
        nav(staff_page).get_by_role("link", name="Demandes des porteurs").tap()
        expect(heading(staff_page, "Demandes des porteurs de projet")).to_be_visible()
        check(staff_page, axe, "triage, new requests")
        staff_page.get_by_role("link", name="Traiteur de cuisine malienne").tap()
        expect(heading(staff_page, f"{reference} Traiteur de cuisine malienne")).to_be_visible()
        check(staff_page, axe, "request page")
        staff_page.get_by_label("Attribuer à").select_option(label="Léa Conseillère")
        staff_page.get_by_role("button", name="Attribuer", exact=True).tap()
        expect(staff_page.get_by_role("status")).to_contain_text("Attribution enregistrée.")
        staff_page.get_by_label("Votre message").fill("Bonjour Awa, pouvez-vous passer jeudi à 14 h ?")
        staff_page.get_by_role("button", name="Envoyer au porteur").tap()
        expect(staff_page.get_by_role("status")).to_contain_text("Message envoyé au porteur.")
        staff_page.get_by_label("Nouveau statut").select_option(label="En cours d'étude")
        staff_page.get_by_role("button", name="Changer le statut").tap()
        expect(staff_page.get_by_role("status")).to_contain_text("Statut changé.")
        check(staff_page, axe, "request page after answering")
    finally:
        staff_context.close()

    # The holder reads the answer and replies.
    page.goto(tracking_url.split("?")[0])
    expect(page.locator(".pp-thread")).to_contain_text("pouvez-vous passer jeudi à 14 h ?")
    expect(page.locator(".facts")).to_contain_text("Léa Conseillère")
    page.get_by_label("Votre message").fill("Oui, jeudi me va. Merci !")
    page.get_by_role("button", name="Envoyer le message").tap()
    expect(page.get_by_role("status")).to_contain_text("Votre message est envoyé à l'équipe.")
    expect(page.locator(".pp-thread")).to_contain_text("Oui, jeudi me va.")
    check(page, axe, "tracking page after replying")
    page.get_by_role("link", name="Effacer mes données").tap()
    expect(heading(page, "Effacer mes données")).to_be_visible()
    check(page, axe, "delete my data, confirmation")

    fresh(db)
    kept = db.session.get(ProjectRequest, request_id)
    assert kept.status == RequestStatus.QUALIFYING and kept.assignee_id == lea.id
    assert kept.holder_waiting_since is not None

    # The admin's settings page passes axe too.
    admin_page = browser.new_context(**browser_context_args)
    try:
        other = admin_page.new_page()
        log_in(other, base, admin_user.email)
        other.goto(base + "/admin/accompagnement")
        expect(heading(other, "Réglages de l’accompagnement")).to_be_visible()
        check(other, axe, "admin settings")
        other.goto(base + "/mes-demandes")
        check(other, axe, "my requests")
    finally:
        admin_page.close()


def test_an_admin_reviews_the_access_journal_and_deactivates_a_partner(
        page, live_server, db, make_user, axe):
    from datetime import UTC, datetime

    from portal.accompaniment.models import Partner
    from portal.accompaniment.services.intake import RequestData, submit_request
    from portal.accompaniment.services.triage import log_access

    samir = make_user(email="samir@example.org", name="Samir Équipe", roles=("member", "staff"))
    admin_user = make_user(email="alice@example.org", name="Alice Admin", roles=("member", "admin"))
    created = submit_request(RequestData(name="Awa Diallo", email="awa@example.org", title="Traiteur",
                                         theme="travailler", stage="idea", needs=["funding"], consent=True),
                             now=datetime.now(UTC))
    partner = admin.create_partner("ADIE")
    db.session.flush()
    log_access([created.id], samir.id, "view", datetime.now(UTC))
    db.session.commit()
    reference, partner_id, admin_email = created.reference, partner.id, admin_user.email
    base = live_server.url
    log_in(page, base, admin_email)
    page.goto(base + "/admin/accompagnement")
    page.get_by_role("link", name="Journal des consultations des demandes (RGPD)").tap()
    expect(heading(page, "Journal des consultations des demandes")).to_be_visible()
    expect(page.locator("table")).to_contain_text(reference)
    page.get_by_label("Personne").select_option(label="Samir Équipe")
    page.get_by_role("button", name="Filtrer").tap()
    expect(page.locator("table")).to_contain_text("Samir Équipe")
    check(page, axe, "access journal")
    page.goto(base + f"/admin/accompagnement/partenaires/{partner_id}")
    expect(heading(page, "Modifier le partenaire")).to_be_visible()
    check(page, axe, "edit partner")
    page.get_by_label("Nom du partenaire").fill("ADIE Yvelines")
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page.get_by_role("status")).to_contain_text("Partenaire modifié.")
    page.get_by_role("button", name="Désactiver : ADIE Yvelines").tap()
    expect(page.get_by_role("status")).to_contain_text("Partenaire désactivé")
    check(page, axe, "settings with a deactivated partner")
    fresh(db)
    assert db.session.get(Partner, partner_id).active is False
