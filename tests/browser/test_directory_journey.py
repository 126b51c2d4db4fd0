"""Directory, volunteering and « mes données » on a phone, with an axe-core check on every page of them.

Test data is committed before the browser starts; ids and e-mails are read first, so that the test
thread never lazy-loads (and holds SQLite) while the live server writes.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.phone import assert_fits_phone, fresh, heading, log_in, nav
from tests.directory.conftest import make_organisation, make_profile, tags  # noqa: F401  (shared fixtures)
from tests.volunteers.conftest import make_call, organiser  # noqa: F401

pytestmark = pytest.mark.browser


def check(page: Page, axe, label: str) -> None:
    assert_fits_phone(page, label)
    axe(page, label)


@pytest.fixture
def scene(db, make_user, make_profile, make_organisation, make_call, organiser, tags):
    amina = make_user(name="Amina Diallo", email="amina@example.org")
    make_profile(amina, "members", presentation="Cuisinière, j'anime des ateliers.", languages=["wo"],
                 offer_tag_ids=[tags["Cuisine"].id], neighbourhood="Les Musiciens")
    school = make_organisation("École Jules Ferry", "public", presentation="Jardin pédagogique",
                               need_tag_ids=[tags["Cuisine"].id])
    call = make_call(skills=[tags["Cuisine"]], title="Repas solidaire")
    member = make_user(name="Mehdi Membre", email="mehdi@example.org")
    staff = make_user(name="Sonia Équipe", email="sonia@example.org", roles=("member", "staff"))
    from portal.db import utcnow
    from portal.directory import contact, services

    message = contact.send_message(member, services.own_profile(amina), subject="Bonjour",
                                   body="Un message à signaler", now=utcnow())
    db.session.commit()
    ids = {"report": message.report_token, "amina": amina.id, "school": school.slug, "call": call.id, "organiser": organiser.email,
           "cuisine": tags["Cuisine"].id}
    fresh(db)
    return ids


def test_search_profile_message_and_volunteer(page: Page, live_server, axe, db, scene):
    base = live_server.url
    page.goto(base + "/annuaire")
    expect(heading(page, "Annuaire des membres")).to_be_visible()
    check(page, axe, "annuaire (visiteur)")
    page.get_by_label("Rechercher").fill("ecole")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_contain_text("1 fiche")
    expect(page.get_by_text("Amina Diallo")).to_have_count(0)  # members only: not for visitors
    page.get_by_role("link", name="École Jules Ferry").click()
    expect(heading(page, "École Jules Ferry")).to_be_visible()
    check(page, axe, "fiche organisation")

    log_in(page, base, "mehdi@example.org")
    page.goto(base + "/annuaire")
    page.get_by_label("Rechercher").fill("cuisiniere")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_contain_text("1 fiche")
    check(page, axe, "résultats (membre)")
    page.get_by_role("link", name="Amina Diallo").click()
    expect(heading(page, "Amina Diallo")).to_be_visible()
    assert "amina@example.org" not in page.content()
    check(page, axe, "fiche personne")
    page.get_by_role("link", name="Écrire à Amina Diallo").click()
    expect(heading(page, "Écrire à Amina Diallo")).to_be_visible()
    check(page, axe, "écrire")
    page.get_by_role("button", name="Envoyer le message").click()  # empty: errors at the fields
    expect(page.get_by_text("Indiquez un objet.").first).to_be_visible()
    check(page, axe, "écrire (erreurs)")
    page.get_by_label("Objet").fill("Atelier cuisine")
    page.get_by_label("Message").fill("Bonjour, animeriez-vous un atelier à l'école ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status")).to_contain_text("Message envoyé")

    page.goto(base + "/benevolat")
    check(page, axe, "bénévolat")
    page.get_by_role("link", name="Devenir bénévole").click()
    expect(heading(page, "Mon engagement bénévole")).to_be_visible()
    check(page, axe, "devenir bénévole")
    page.get_by_label("Cuisine").check()
    page.get_by_label("samedi matin").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Vous faites partie des bénévoles")
    page.get_by_role("link", name="Repas solidaire").first.click()
    expect(heading(page, "Repas solidaire")).to_be_visible()
    check(page, axe, "appel")
    page.get_by_label("Un mot pour l'organisateur (facultatif)").fill("Disponible toute la matinée")
    page.get_by_role("button", name="Je me propose").click()
    expect(page.get_by_role("status")).to_contain_text("L'organisateur a reçu votre proposition")

    page.goto(base + f"/annuaire/organisations/{scene['school']}")
    check(page, axe, "fiche organisation (membre)")
    page.get_by_label("Un mot pour les responsables (facultatif)").fill("J'aimerais aider au jardin")
    page.get_by_role("button", name="Demander à rejoindre").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est envoyée")
    check(page, axe, "demande pour rejoindre")

    page.goto(base + "/annuaire/ma-fiche")
    check(page, axe, "ma fiche")
    page.goto(base + f"/annuaire/membres/{scene['amina']}/mise-en-relation")
    check(page, axe, "proposer une mise en relation")
    page.get_by_label("Pourquoi se connaître ?").fill("Un atelier cuisine à l'école")
    page.get_by_role("button", name="Envoyer la proposition").click()
    expect(heading(page, "Mise en relation")).to_be_visible()
    check(page, axe, "mise en relation")
    page.goto(base + "/mises-en-relation")
    check(page, axe, "mes mises en relation")
    page.goto(base + "/annuaire/organisations/nouvelle")
    check(page, axe, "nouvelle organisation")
    page.get_by_label("Nom de l'organisation").fill("Collectif des Parents")
    page.get_by_role("button", name="Créer").click()
    expect(heading(page, re.compile("Fiche de Collectif des Parents"))).to_be_visible()
    check(page, axe, "modifier l'organisation")
    page.goto(base + "/mes-donnees")
    check(page, axe, "mes données")
    page.goto(base + "/mes-donnees/supprimer-mon-compte")
    check(page, axe, "supprimer mon compte")


def test_organiser_and_staff_pages(page: Page, live_server, axe, db, scene):
    base = live_server.url
    page.goto(base + f"/annuaire/signaler/{scene['report']}")
    check(page, axe, "signaler un message")
    page.get_by_label("Pourquoi ce message pose-t-il problème ?").fill("Démarchage")
    page.get_by_role("button", name="Signaler à l’équipe").click()
    expect(heading(page, "Message signalé")).to_be_visible()
    check(page, axe, "message signalé")
    log_in(page, base, scene["organiser"])
    page.goto(base + f"/benevolat/appels/{scene['call']}")
    check(page, axe, "appel (organisatrice)")
    page.get_by_role("link", name="Modifier l’appel").click()
    expect(heading(page, "Modifier l’appel à bénévoles")).to_be_visible()
    check(page, axe, "modifier l'appel")
    page.get_by_label("Lieu").fill("Salle des fêtes")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("status").first).to_contain_text("L'appel est modifié")
    page.get_by_label("Message aux bénévoles").fill("La salle n'est plus disponible.")
    page.get_by_role("button", name="Annuler l’appel").click()
    expect(page.get_by_text("Cet appel est annulé.").first).to_be_visible()
    check(page, axe, "appel annulé")
    page.goto(base + "/benevolat/appels/nouveau")
    check(page, axe, "nouvel appel")
    page.get_by_role("button", name="Publier l’appel").click()
    expect(page.get_by_text("Donnez un titre à l'appel.").first).to_be_visible()
    check(page, axe, "nouvel appel (erreurs)")
    nav(page).get_by_role("button", name="Se déconnecter").click()

    log_in(page, base, "sonia@example.org")
    for path, label in (("/annuaire/equipe/organisations", "organisations"), ("/annuaire/equipe/mots-cles", "mots-clés"),
                        (f"/annuaire/equipe/mots-cles/{scene['cuisine']}", "modifier un mot-clé"),
                        ("/annuaire/equipe/signalements", "signalements"), ("/equipe/rgpd", "demandes RGPD"),
                        ("/donnees-personnelles/registre", "registre"),
                        (f"/annuaire/organisations/{scene['school']}", "fiche organisation (équipe)")):
        page.goto(base + path)
        check(page, axe, label)
    page.goto(base + f"/annuaire/organisations/{scene['school']}")
    page.get_by_role("button", name="Marquer comme vérifiée").click()
    expect(page.get_by_text("Organisation vérifiée par l’équipe")).to_be_visible()
