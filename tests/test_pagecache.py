"""Pages for visitors without an account: the same for everyone, and no session opened for them."""
from __future__ import annotations

from tests.conftest import make_app


def test_a_visitor_gets_cached_pages_without_a_session_cookie(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    for path in ("/evenements", "/reservations", "/annuaire"):
        first = app.test_client().get(path)
        second = app.test_client().get(path)
        assert first.status_code == second.status_code == 200, path
        assert first.data == second.data, path
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers, path
        assert 'name="csrf_token"' not in first.get_data(as_text=True), path
