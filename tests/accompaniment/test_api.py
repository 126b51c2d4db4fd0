"""The JSON API: partner sites send requests with their token; staff list, read, assign and change status."""
from __future__ import annotations

from sqlalchemy import select

from portal.accompaniment.models import ProjectRequest, RequestStatus
from portal.accompaniment.services import admin, workflow
from tests.accompaniment.conftest import fresh

BODY = {"name": "Awa Diallo", "email": "awa@example.org", "title": "Traiteur malien", "theme": "travailler",
        "stage": "idea", "needs": ["funding"], "consent": True}


def partner_token(db, make_partner, now):
    partner = make_partner()
    secret = admin.issue_partner_token(partner, now=now)
    db.session.commit()
    return partner, {"Authorization": f"Bearer {secret}"}


def test_a_partner_site_sends_a_request_with_its_token(db, client, make_partner, now):
    partner, headers = partner_token(db, make_partner, now)
    response = client.post("/api/v1/project-requests", json=BODY, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reference"].startswith("PP-") and body["status"] == "new" and "/porteurs-de-projet/suivi/" in body["tracking_url"]
    fresh(db)
    created = db.session.scalar(select(ProjectRequest))
    assert created.source == "api" and created.source_partner_id == partner.id
    assert created.events[0].actor_label == partner.name


def test_the_partner_api_applies_the_same_rules_and_the_honeypot(db, client, make_partner, now):
    _partner, headers = partner_token(db, make_partner, now)
    refused = client.post("/api/v1/project-requests", json={**BODY, "email": None}, headers=headers)
    assert refused.status_code == 422 and "email" in refused.get_json()["errors"]
    bad = client.post("/api/v1/project-requests", json={**BODY, "theme": "cuisine", "consent": "peut-être"},
                      headers=headers)
    assert bad.status_code == 422 and {"theme", "consent"} <= set(bad.get_json()["errors"])
    trap = client.post("/api/v1/project-requests", json={**BODY, "site_web": "x"}, headers=headers)
    assert trap.status_code == 422 and "champ caché" in trap.get_json()["detail"]
    no_consent = client.post("/api/v1/project-requests", json={**BODY, "consent": False}, headers=headers)
    assert no_consent.status_code == 422 and "consent" in no_consent.get_json()["errors"]


def test_a_revoked_or_wrong_partner_token_is_refused(db, client, make_partner, now):
    partner, headers = partner_token(db, make_partner, now)
    admin.revoke_partner_token(db.session.get(type(partner), partner.id))
    db.session.commit()
    assert client.post("/api/v1/project-requests", json=BODY, headers=headers).status_code == 401
    assert client.post("/api/v1/project-requests", json=BODY,
                       headers={"Authorization": "Bearer chp_faux"}).status_code == 401


def _bearer(db, user, now):
    from portal.api.auth import create_token

    _token, secret = create_token(user, "test", now=now)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_staff_list_read_assign_and_change_status(db, client, make_request, make_staff, make_partner, now):
    staff, colleague = make_staff(), make_staff(name="Léa")
    partner = make_partner()
    created = make_request()
    workflow.add_note(created, "NOTE-INTERNE", actor=staff, now=now)
    db.session.commit()
    headers = _bearer(db, staff, now)
    listed = client.get("/api/v1/project-requests?queue=to_assign", headers=headers).get_json()
    assert [r["reference"] for r in listed] == [created.reference]
    read = client.get(f"/api/v1/project-requests/{created.id}", headers=headers).get_json()
    note = next(e for e in read["timeline"] if e["kind"] == "note")
    assert note["internal"] is True and read["version"] == 1
    assigned = client.post(f"/api/v1/project-requests/{created.id}/assign",
                           json={"assignee_id": colleague.id, "version": 1}, headers=headers)
    assert assigned.status_code == 200 and assigned.get_json()["assignee_id"] == colleague.id
    stale = client.post(f"/api/v1/project-requests/{created.id}/status", json={"status": "qualifying", "version": 1},
                        headers=headers)
    assert stale.status_code == 409 and "modifiée par quelqu'un d'autre" in stale.get_json()["detail"]
    forbidden = client.post(f"/api/v1/project-requests/{created.id}/status", json={"status": "launched", "version": 2},
                            headers=headers)
    assert forbidden.status_code == 422 and "status" in forbidden.get_json()["errors"]
    for status, version in (("qualifying", 2), ("referred", 3)):
        ok = client.post(f"/api/v1/project-requests/{created.id}/status",
                         json={"status": status, "version": version, "partner_id": partner.id}, headers=headers)
        assert ok.status_code == 200, ok.get_json()
    fresh(db)
    assert db.session.get(ProjectRequest, created.id).status == RequestStatus.REFERRED


def test_the_openapi_document_describes_the_project_request_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/project-requests", "/api/v1/project-requests/{request_id}",
                 "/api/v1/project-requests/{request_id}/assign", "/api/v1/project-requests/{request_id}/status"):
        assert path in spec["paths"], path
    assert "partner" in spec["components"]["securitySchemes"]


def test_a_partner_sending_too_many_requests_is_slowed_down(database_url, db, make_partner, now):
    from portal.accompaniment.services import spam
    from portal.extensions import limiter
    from tests.conftest import make_app
    from tests.support import IsolatedClient

    _partner, headers = partner_token(db, make_partner, now)
    limited = make_app(database_url, RATELIMIT_ENABLED=True)
    limited.test_client_class = IsolatedClient
    limiter.reset()
    try:
        client = limited.test_client()
        allowed = int(spam.API_LIMIT.split()[0])
        for n in range(allowed):
            assert client.post("/api/v1/project-requests", json={**BODY, "email": f"p{n}@example.org"},
                               headers=headers).status_code == 201
        refused = client.post("/api/v1/project-requests", json=BODY, headers=headers)
        assert refused.status_code == 429 and "pendant une heure" in refused.get_json()["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    finally:
        limiter.reset()
