"""What every phone journey uses: finding the page's parts, logging in, and the phone checks."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery staple"  # make_user's default
PHONE_WIDTH = 390


def heading(page: Page, name):
    return page.get_by_role("heading", level=1, name=name)


def nav(page: Page):
    """The main menu, with its folded menus ("Mon espace", "Équipe") opened by a tap, as a person would."""
    navigation = page.get_by_role("navigation", name=re.compile("Menu principal|Main menu"))
    closed = navigation.locator("details:not([open]) > summary")
    for _ in range(closed.count()):
        closed.first.click()
    return navigation


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("status")).to_contain_text("Bienvenue")


def fresh(db) -> None:
    """End the test thread's transaction: what the live server committed becomes visible."""
    db.session.rollback()
    db.session.expire_all()


def assert_fits_phone(page: Page, label: str) -> None:
    """Nothing scrolls sideways at 390 px."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{label}: the page is {widths[0]} px wide on a {widths[1]} px screen"


def assert_tap_target(locator, label: str) -> None:
    """At least 44 × 44 px, and on the screen."""
    box = locator.bounding_box()
    assert box is not None, f"{label} is not rendered"
    assert box["height"] >= 44 and box["width"] >= 44, f"{label} is {box['width']}×{box['height']} px"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, f"{label} is off screen on a phone"
