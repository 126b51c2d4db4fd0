"""Le Lab on a phone: a staff member opens the impact figures, changes the period, opens a chart's data
table, then a funder reads the shared report without an account; axe-core on every page crossed."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.phone import assert_fits_phone, fresh, heading, log_in, nav
from tests.impact.conftest import world  # noqa: F401  (the hand-built data set)

pytestmark = pytest.mark.browser


def test_staff_reads_the_figures_of_a_week_and_shares_them(page: Page, live_server, db, make_user, world, axe):  # noqa: F811
    from portal.db import utcnow
    from portal.impact import services
    from portal.timeutil import paris_today

    staff = make_user(email="sam@example.org", roles=("member", "staff"), name="Sam Équipe")
    today = paris_today(utcnow())
    line = services.save_line(None, services.LineData(
        funder="Fondation du quartier", name="Forum emploi", description="", amount_cents=None,
        starts_on=today.replace(year=today.year - 1), ends_on=today.replace(year=today.year + 1),
        themes=["travailler"], tags=[], space_ids=[world.spaces["B"].id], needs=[], active=True))
    db.session.commit()
    email, line_id = staff.email, line.id
    fresh(db)

    log_in(page, live_server.url, email)
    nav(page).get_by_role("link", name="Le Lab").tap()
    expect(heading(page, "Le Lab : chiffres d’impact")).to_be_visible()
    assert_fits_phone(page, "dashboard")
    axe(page, "impact dashboard, this quarter")

    page.get_by_label("Période", exact=True).select_option("custom")
    page.get_by_label("Du (dates choisies)").fill("2026-03-23")
    page.get_by_label("Au (inclus)").fill("2026-03-29")
    page.get_by_role("button", name="Afficher la période").tap()
    expect(page.locator(".lead")).to_contain_text("23 mars 2026")
    chart = page.get_by_role("img", name=re.compile(r"^Occupation par espace"))
    expect(chart).to_be_visible()
    assert_fits_phone(page, "dashboard, a week")
    axe(page, "impact dashboard, custom week")

    details = page.locator("details.chart-data").first
    details.locator("summary").tap()
    table = details.get_by_role("table").first
    expect(table).to_be_visible()
    expect(table).to_contain_text("Coworking")
    expect(table).to_contain_text("18,8")
    assert_fits_phone(page, "dashboard, data table open")
    axe(page, "impact dashboard, a chart's data table open")

    page.goto(f"{live_server.url}/lab/financements/{line_id}?periode=custom&du=2026-03-23&au=2026-03-29")
    expect(heading(page, re.compile("Fondation du quartier"))).to_be_visible()
    axe(page, "a funding line's report")
    page.get_by_role("button", name="Créer le lien").tap()
    flash = page.get_by_role("status")
    expect(flash).to_contain_text("Lien de partage créé")
    shared = re.search(r"http://\S+/lab/partage/[A-Za-z0-9_-]+", flash.inner_text()).group(0)

    page.context.clear_cookies()
    page.goto(shared)
    expect(heading(page, re.compile("Rapport d’impact"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("< 5")
    assert_fits_phone(page, "shared report")
    axe(page, "the shared report, read without an account")
