"""Every state-changing route of project requests refuses a request without a valid CSRF token
(the same check as tests/test_csrf.py, on these routes only, so it runs on its own)."""
from __future__ import annotations

import pytest

from tests.route_samples import Samples, sample_url
from tests.test_csrf import csrf_app, is_refused, login, state_changing_routes  # noqa: F401

OURS = ("/porteurs-de-projet", "/equipe/accompagnement", "/admin/accompagnement", "/api/v1/project-requests")


@pytest.mark.parametrize("who", ["anonymous", "admin"])
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_project_request_routes_refuse_a_request_without_a_valid_token(csrf_app, db, make_user, who, token):  # noqa: F811
    from portal.accompaniment.models import ProjectRequest

    samples = Samples(make_user)
    targets = [(method, rule, sample_url(rule, samples)) for method, rule in state_changing_routes(csrf_app)
               if rule.rule.startswith(OURS)]
    request_id = samples.project_request().id
    admin_user = make_user(roles=("member", "admin")) if who == "admin" else None
    db.session.rollback()
    client = csrf_app.test_client()
    if admin_user:
        login(client, admin_user)
    data = {"missing": {}, "forged": {"csrf_token": "IjAxMjM0NTY3ODlhYmNkZWYi.forged.signature"}}[token]
    data |= {"body": "Pirate", "name": "Pirate", "status": "closed", "reason": "x", "version": "1", "confirm": "y",
             "first_contact_days": "9", "retention_months": "1"}
    accepted = []
    for method, rule, url in targets:
        response = client.open(url, method=method, data=data)
        if not is_refused(response, rule, logged_in=who != "anonymous"):
            accepted.append(f"{method} {rule.rule} → {response.status_code}")
    assert len(targets) >= 20
    assert not accepted, "accepted without a valid CSRF token:\n" + "\n".join(accepted)
    db.session.rollback()
    assert db.session.get(ProjectRequest, request_id).version == 1
