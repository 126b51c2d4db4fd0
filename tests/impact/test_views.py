"""Who may open which report page, share links (an expired link is a 404), and what exports hold."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from portal.db import utcnow
from portal.impact import services
from portal.impact.periods import containing
from portal.timeutil import paris_today

ROLE_SETS = {
    "member": ("member",), "organiser": ("member", "organiser"), "staff": ("member", "staff"),
    "admin": ("member", "admin"), "partner": ("partner",), "other_partner": ("partner",),
}
ROLES = ("anonymous", *ROLE_SETS)
LOGIN = "login"


@pytest.fixture
def lines(db, make_user):
    today = paris_today(utcnow())
    data = dict(description="", amount_cents=None, starts_on=today - timedelta(days=200),
                ends_on=today + timedelta(days=200), themes=["travailler"], tags=[], space_ids=[], needs=[], active=True)
    mine = services.save_line(None, services.LineData(funder="Fondation A", name="Emploi", **data))
    other = services.save_line(None, services.LineData(funder="Fondation B", name="Jardin", **data))
    db.session.commit()
    return mine, other


def _login(client, auth, make_user, role, lines, now):
    if role == "anonymous":
        return
    user = make_user(roles=ROLE_SETS[role])
    if role in ("partner", "other_partner"):
        services.add_partner(lines[0] if role == "partner" else lines[1], user.email, now=now)
        from portal.extensions import db

        db.session.commit()
    response = auth.login(user)
    assert response.status_code == 302


# (path template, expected per role in ROLES order); {line} is the partner's line.
MATRIX = [
    ("/lab", (LOGIN, 403, 403, 200, 200, 403, 403)),
    ("/lab?periode=year", (LOGIN, 403, 403, 200, 200, 403, 403)),
    ("/lab/rapport.pdf", (LOGIN, 403, 403, 200, 200, 403, 403)),
    ("/lab/export.csv", (LOGIN, 403, 403, 200, 200, 403, 403)),
    ("/lab/dictionnaire.csv", (200, 200, 200, 200, 200, 200, 200)),
    ("/lab/financements", (LOGIN, 403, 403, 200, 200, 200, 200)),
    ("/lab/financements/{line}", (LOGIN, 403, 403, 200, 200, 200, 404)),
    ("/lab/financements/{line}/rapport.pdf", (LOGIN, 403, 403, 200, 200, 200, 404)),
    ("/lab/financements/{line}/export.csv", (LOGIN, 403, 403, 200, 200, 200, 404)),
    ("/lab/financements/{line}/modifier", (LOGIN, 403, 403, 403, 200, 403, 403)),
    ("/lab/financements/nouveau", (LOGIN, 403, 403, 403, 200, 403, 403)),
    ("/lab/hypotheses", (LOGIN, 403, 403, 403, 200, 403, 403)),
]


@pytest.mark.parametrize("role", ROLES)
def test_report_pages_answer_each_role(client, auth, make_user, lines, role):
    _login(client, auth, make_user, role, lines, utcnow())
    for template, expected in MATRIX:
        url = template.format(line=lines[0].id)
        want = expected[ROLES.index(role)]
        response = client.get(url)
        if want == LOGIN:
            assert response.status_code == 302 and urlsplit(response.location).path == "/connexion", url
        else:
            assert response.status_code == want, f"{url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ["member", "partner"])
def test_a_partner_or_member_changes_nothing(client, auth, make_user, lines, role):
    _login(client, auth, make_user, role, lines, utcnow())
    line_id = lines[0].id
    for url, data in ((f"/lab/financements/{line_id}/liens", {"kind": "event", "item_id": "1"}),
                      (f"/lab/financements/{line_id}/partages", {"expires_on": "2099-01-01"}),
                      (f"/lab/financements/{line_id}/partenaires", {"email": "x@example.org"}),
                      ("/lab/hypotheses", {"label": "x"})):
        assert client.post(url, data=data).status_code == 403, url


def _share(client, line_id, expires_on):
    period = containing("quarter", paris_today(utcnow()))
    response = client.post(f"/lab/financements/{line_id}/partages", data={
        "periode": "quarter", "du": period.start.isoformat(), "au": period.last_day.isoformat(),
        "expires_on": expires_on.isoformat()})
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    return re.search(r"/lab/partage/[A-Za-z0-9_-]+", page).group(0)


def test_a_share_link_opens_the_report_without_an_account_until_it_expires(app, db, client, auth, make_user, lines):
    from portal.impact.models import ShareLink

    auth.login(make_user(roles=("member", "staff")))
    url = _share(client, lines[0].id, paris_today(utcnow()) + timedelta(days=10))
    visitor = app.test_client()
    page = visitor.get(url)
    assert page.status_code == 200
    assert "Fondation A" in page.get_data(as_text=True)
    assert visitor.get(url + "/rapport.pdf").data.startswith(b"%PDF")
    assert visitor.get(url + "/export.csv").status_code == 200
    assert visitor.get(url + "x").status_code == 404  # a wrong secret
    db.session.rollback()  # see what the requests committed
    link = db.session.query(ShareLink).one()
    link.created_at = utcnow() - timedelta(days=20)  # as if made three weeks ago for ten days
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for suffix in ("", "/rapport.pdf", "/export.csv"):
        assert visitor.get(url + suffix).status_code == 404


def test_a_revoked_share_link_is_gone(app, db, client, auth, make_user, lines):
    from portal.impact.models import ShareLink

    auth.login(make_user(roles=("member", "staff")))
    url = _share(client, lines[0].id, paris_today(utcnow()) + timedelta(days=10))
    db.session.rollback()
    link_id = db.session.query(ShareLink.id).scalar()
    assert client.post(f"/lab/partages/{link_id}/revoquer").status_code == 303
    assert app.test_client().get(url).status_code == 404


def test_a_share_link_must_expire_in_the_future(client, auth, make_user, lines, db):
    from portal.impact.models import ShareLink

    auth.login(make_user(roles=("member", "staff")))
    period = containing("quarter", paris_today(utcnow()))
    response = client.post(f"/lab/financements/{lines[0].id}/partages", data={
        "periode": "quarter", "du": period.start.isoformat(), "au": period.last_day.isoformat(),
        "expires_on": (paris_today(utcnow()) - timedelta(days=1)).isoformat()}, follow_redirects=True)
    assert "Choisissez une date d’expiration à venir." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.query(ShareLink).count() == 0


def test_bad_custom_dates_are_told_next_to_the_field(client, auth, make_user):
    auth.login(make_user(roles=("member", "staff")))
    response = client.get("/lab?periode=custom&du=2026-05-01&au=2026-04-01")
    assert response.status_code == 422
    assert "La dernière date doit suivre la première." in response.get_data(as_text=True)
    assert client.get("/lab?periode=custom&du=pas-une-date").status_code == 422
    assert client.get("/lab?periode=n-importe&date=2026-02-30").status_code == 422


def test_exports_hide_small_counts_and_hold_no_personal_data(client, auth, make_user, world):
    staff = make_user(roles=("member", "staff"), name="Sam Équipe")
    auth.login(staff)
    query = "?periode=custom&du=2026-03-23&au=2026-03-29"
    csv_text = client.get("/lab/export.csv" + query).data.decode("utf-8-sig")
    assert "< 5" in csv_text
    for secret in ("Résident", "example.org", "Passante", "Organisatrice"):
        assert secret not in csv_text
    rows = [line.split(";") for line in csv_text.splitlines()[1:]]
    assert all(row[7] == "" for row in rows if row[8] in ("< 5", "masqué"))  # the value column is empty
    pdf = client.get("/lab/rapport.pdf" + query)
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"


def test_the_staff_dashboard_shows_exact_figures_and_accessible_charts(client, auth, make_user, world):
    auth.login(make_user(roles=("member", "staff")))
    html = client.get("/lab?periode=custom&du=2026-03-23&au=2026-03-29").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "hachures" in html  # the previous period is hatched, not only another colour
    assert "Données du graphique" in html
    assert "18,8" in html  # the coworking's occupancy, exact


def test_admin_defines_a_line_and_an_assumption_and_the_report_shows_the_estimate(client, auth, make_user, world):
    auth.login(make_user(roles=("member", "admin")))
    response = client.post("/lab/hypotheses", data={"label": "Journée de coworking", "driver": "desk_days",
                                                    "unit_cost": "25", "source": "Tarif public 2026", "active": "y"})
    assert response.status_code == 303
    response = client.post("/lab/financements/nouveau", data={
        "funder": "Fondation", "name": "Coworking solidaire", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "spaces": [str(world.spaces["A"].id)], "active": "y"})
    assert response.status_code == 303
    page = client.get(response.location + "?periode=custom&du=2026-03-23&au=2026-03-29").get_data(as_text=True)
    assert "Coûts évités (estimation)" in page
    assert "37,50" in page  # 1.5 desk-days × 25 €
    assert "Tarif public 2026" in page


def test_a_line_whose_end_comes_before_its_start_is_refused_at_the_field(client, auth, make_user):
    auth.login(make_user(roles=("member", "admin")))
    response = client.post("/lab/financements/nouveau", data={
        "funder": "Fondation", "name": "X", "starts_on": "2026-05-01", "ends_on": "2026-01-01"})
    assert response.status_code == 422
    assert "La fin doit suivre le début." in response.get_data(as_text=True)




def test_the_data_dictionary_defines_every_exported_table(app, world):
    from portal.impact.builder import build_report
    from portal.impact.exports import DEFINITIONS
    from portal.impact.scope import Scope
    from tests.impact.conftest import NOW, WEEK

    report = build_report(containing("month", WEEK), Scope(), now=NOW)
    exported = {table.key for _section, table in report.tables() if not table.staff_only}
    assert exported <= set(DEFINITIONS), exported - set(DEFINITIONS)
