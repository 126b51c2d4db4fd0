"""Admins review the staff access log across all requests (RGPD) and edit or deactivate partners."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from portal.accompaniment.models import Partner
from portal.accompaniment.services import admin
from portal.accompaniment.services.triage import log_access
from tests.accompaniment.conftest import fresh
from tests.support import page

BODY = {"name": "Awa Diallo", "email": "awa@example.org", "title": "Traiteur malien", "theme": "travailler",
        "stage": "idea", "needs": ["funding"], "consent": True}
JOURNAL = "/admin/accompagnement/journal"


def rows_of(html: str) -> int:
    return html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") if "<tbody>" in html else 0


def test_opening_a_request_appears_in_the_admin_journal(db, make_request, make_staff, make_user, login):
    samir = make_staff(email="samir@example.org", name="Samir Staff")
    admin = make_user(roles=("member", "admin"))
    created = make_request()
    request_id, reference = created.id, created.reference
    admin_client = login(admin)
    assert login(samir).get(f"/equipe/accompagnement/demandes/{request_id}").status_code == 200
    journal = page(admin_client.get(JOURNAL))
    assert "Samir Staff" in journal and reference in journal and "consultation" in journal
    assert rows_of(journal) == 1


def test_the_journal_filters_by_person_and_by_paris_day(db, make_request, make_staff, make_user, login):
    samir = make_staff(email="samir@example.org", name="Samir Staff")
    lea = make_staff(email="lea@example.org", name="Léa Staff")
    first, second = make_request(), make_request(email="other@example.org")
    log_access([first.id], samir.id, "view", datetime(2026, 3, 10, 10, tzinfo=UTC))
    # 23:30 UTC on the 10th is already the 11th in Paris.
    log_access([second.id], lea.id, "export", datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    log_access([first.id], lea.id, "view", datetime(2026, 3, 12, 9, tzinfo=UTC))
    db.session.commit()
    client = login(make_user(roles=("member", "admin")))
    assert rows_of(page(client.get(JOURNAL))) == 3
    only_lea = page(client.get(JOURNAL, query_string={"person": lea.id}))
    assert rows_of(only_lea) == 2 and "Samir Staff</td>" not in only_lea
    from_11th = page(client.get(JOURNAL, query_string={"since": "2026-03-11"}))
    assert rows_of(from_11th) == 2 and "export CSV" in from_11th
    on_11th = page(client.get(JOURNAL, query_string={"since": "2026-03-11", "until": "2026-03-11"}))
    assert rows_of(on_11th) == 1 and second.reference in on_11th
    bad = client.get(JOURNAL, query_string={"since": "hier", "person": "x", "page": "z"})
    assert bad.status_code == 200 and rows_of(page(bad)) == 3


def test_the_journal_is_paginated_with_the_same_queries_whatever_the_volume(db, app, make_request, make_staff,
                                                                           make_user, login):
    staff = [make_staff(email=f"staff{i}@example.org") for i in range(3)]
    created = make_request()
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    log_access([created.id], staff[0].id, "view", start)
    db.session.commit()
    request_id, staff_ids = created.id, [s.id for s in staff]
    client = login(make_user(roles=("member", "admin")))

    def queries(query_string):
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(JOURNAL, query_string=query_string)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements), page(response)

    few, html = queries({})
    assert rows_of(html) == 1 and "Page suivante" not in html
    fresh(db)
    for n in range(1, 60):
        log_access([request_id], staff_ids[n % 3], "view", start + timedelta(minutes=n))
    db.session.commit()
    many, html = queries({})
    assert rows_of(html) == 50 and "Page suivante" in html and many == few
    second, html = queries({"page": "2"})
    assert rows_of(html) == 10 and "Page précédente" in html and second == few


def test_an_admin_edits_a_partner_and_a_duplicate_name_is_refused(db, make_partner, make_user, login):
    partner, _other = make_partner(), make_partner("ADIE")
    client = login(make_user(roles=("member", "admin")))
    url = f"/admin/accompagnement/partenaires/{partner.id}"
    assert "Initiative Seine Yvelines" in page(client.get(url))
    taken = client.post(url, data={"name": "adie", "contact_email": "a@b.example"})
    assert taken.status_code == 422 and "Un partenaire porte déjà ce nom" in page(taken)
    assert 'value="a@b.example"' in page(taken)
    assert client.post(url, data={"name": "", "website": "x"}).status_code == 422
    assert client.post(url, data={"name": "ISY", "contact_email": "", "website": "https://isy.example"}
                       ).status_code == 302
    fresh(db)
    edited = db.session.get(Partner, partner.id)
    assert (edited.name, edited.contact_email, edited.website) == ("ISY", None, "https://isy.example")
    assert client.get("/admin/accompagnement/partenaires/999999").status_code == 404


def test_a_deactivated_partner_token_is_refused_until_reactivated(db, client, make_partner, make_user, login, now):
    partner = make_partner()
    secret = admin.issue_partner_token(partner, now=now)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    admin_client = login(make_user(roles=("member", "admin")))
    assert admin_client.post(f"/admin/accompagnement/partenaires/{partner.id}/desactiver").status_code == 302
    assert "désactivé" in page(admin_client.get("/admin/accompagnement"))
    refused = client.post("/api/v1/project-requests", json=BODY, headers=headers)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 401
    fresh(db)
    assert db.session.get(Partner, partner.id).active is False
    assert partner.id not in [p.id for p in admin.partners(active_only=True)]
    assert admin_client.post(f"/admin/accompagnement/partenaires/{partner.id}/reactiver").status_code == 302
    assert client.post("/api/v1/project-requests", json=BODY, headers=headers).status_code == 201
    fresh(db)
    assert db.session.scalar(select(Partner.active).where(Partner.id == partner.id)) is True
