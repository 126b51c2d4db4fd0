"""The account journeys on a phone, with an axe-core check on every page they cross."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.phone import nav
from tests.support import first_link

pytestmark = pytest.mark.browser

PASSWORD = "une chrysalide au printemps"


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Adresse e-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_sign_up_confirm_log_in_switch_to_english_and_log_out(page, live_server, smtp, send_mail, axe):
    email = "camille.martin@example.org"

    page.goto(live_server.url + "/")
    expect(heading(page, "Les Chrysalides, le tiers-lieu des Mureaux")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    axe(page, "home")

    page.get_by_role("main").get_by_role("link", name="Créer un compte").click()
    expect(page).to_have_url(live_server.url + "/inscription")
    expect(heading(page, "Créer un compte")).to_be_visible()
    axe(page, "sign-up form")

    # A first attempt with a password that is too short: the error sits next to the field.
    page.get_by_label("Nom affiché").fill("Camille Martin")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient une erreur à corriger.")
    password = page.get_by_label("Mot de passe", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-hint password-error")
    password_field = page.locator(".field", has=password)
    expect(password_field.locator("#password-error")).to_have_text(
        "Choisissez un mot de passe d'au moins 12 caractères."
    )
    expect(page.get_by_label("Nom affiché")).to_have_value("Camille Martin")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    expect(page.get_by_label("Langue préférée")).to_have_value("fr")
    axe(page, "sign-up form with an error")

    password.fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(live_server.url + "/inscription/verifiez-vos-e-mails")
    expect(heading(page, "Vérifiez vos e-mails")).to_be_visible()
    axe(page, "check your inbox")

    assert send_mail().sent == 1
    [message] = smtp.to(email)
    link = first_link(message, "/confirmer/")
    assert link.startswith(live_server.url + "/confirmer/")

    page.goto(link)
    expect(heading(page, "Confirmer votre adresse")).to_be_visible()
    axe(page, "confirm e-mail")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page).to_have_url(live_server.url + "/connexion")
    expect(page.get_by_role("status")).to_have_text(
        "Merci, votre adresse e-mail est confirmée. Vous pouvez vous connecter."
    )
    axe(page, "log-in form")

    log_in(page, email, PASSWORD)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("status")).to_have_text("Bienvenue, Camille Martin.")
    axe(page, "home, logged in")

    nav(page).get_by_role("link", name="Mon compte").click()
    expect(heading(page, "Mon compte")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(email)
    axe(page, "profile")

    page.get_by_role("link", name="Changer de mot de passe").click()
    expect(heading(page, "Changer de mot de passe")).to_be_visible()
    axe(page, "change password")
    page.go_back()

    page.get_by_role("link", name="Changer d’adresse e-mail").click()
    expect(heading(page, "Changer d’adresse e-mail")).to_be_visible()
    axe(page, "change e-mail")

    # The header switcher: back on the same page, now in English.
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer de langue").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + "/compte/e-mail")
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("en")
    axe(page, "change e-mail, in English")

    nav(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe(page, "home, logged out, in English")


def test_forgot_password_not_found_and_admin_pages(page, live_server, make_user, axe):
    admin_email = "admin@example.org"
    make_user(email=admin_email, name="Alix Admin", roles=("member", "admin"))
    make_user(email="dominique@example.org", name="Dominique Membre")

    page.goto(live_server.url + "/nulle-part")
    expect(heading(page, re.compile("Page introuvable"))).to_be_visible()
    axe(page, "404")

    page.goto(live_server.url + "/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(heading(page, "Mot de passe oublié")).to_be_visible()
    axe(page, "forgot password")

    page.goto(live_server.url + "/admin/utilisateurs")
    expect(page).to_have_url(re.compile(r"/connexion\?next="))
    log_in(page, admin_email, "correct horse battery staple")
    expect(page).to_have_url(live_server.url + "/admin/utilisateurs")
    expect(heading(page, "Utilisateurs")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("2 personnes")
    expect(page.get_by_role("table")).to_contain_text("Dominique Membre")
    axe(page, "admin: users")

    page.get_by_role("link", name="Dominique Membre").click()
    expect(heading(page, "Dominique Membre")).to_be_visible()
    axe(page, "admin: one user")
