"""Settings: production refuses unsafe secrets, the default database, the proxy set-up."""
from __future__ import annotations

import pytest
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config
from config.settings import DEFAULT_SECRET_KEY

GOOD_KEY = "9f8e7d6c5b4a3928170615243342516a7b8c9d0e"  # 40 characters, as `secrets.token_hex(20)` gives


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return monkeypatch


def dispose(app):
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("secret_key", [None, "", DEFAULT_SECRET_KEY, "trop-court-1234567890"])
def test_production_refuses_a_missing_default_or_short_secret_key(production_env, secret_key):
    from portal import create_app

    if secret_key is not None:
        production_env.setenv("SECRET_KEY", secret_key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()  # what wsgi.py does: the server does not start


def test_an_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "prod")
    with pytest.raises(RuntimeError, match="PORTAL_ENV"):
        load_config()


def test_production_with_a_long_random_key_starts_with_secure_cookies_and_hsts(production_env):
    from portal import create_app

    production_env.setenv("SECRET_KEY", GOOD_KEY)
    config = load_config()
    assert config.NAME == "production"
    assert config.SECRET_KEY == GOOD_KEY
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE

    app = create_app()
    try:
        assert not app.testing and app.config["WTF_CSRF_ENABLED"] is not False
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.headers["Strict-Transport-Security"].startswith("max-age=")
        # The log-in page puts the CSRF token in the session: its cookie must be Secure.
        login_page = client.get("/connexion")
        cookie = login_page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        dispose(app)


def test_the_testing_app_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_default_database_is_a_sqlite_file_in_the_instance_folder_with_wal_and_busy_timeout(monkeypatch, tmp_path):
    from portal import create_app
    from portal.extensions import db

    for name in ("PORTAL_ENV", "DATABASE_URL", "SQLITE_BUSY_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    app = create_app(instance_path=str(instance))  # development, as `make run`
    try:
        expected_file = instance / "portal.sqlite3"
        assert app.instance_path == str(instance)
        assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected_file}"
        with app.app_context(), db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert expected_file.exists()
    finally:
        dispose(app)


def _app_showing_the_client(tmp_path, proxy_count: int):
    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'proxy.sqlite3'}",
                     PROXY_COUNT=proxy_count)
    app.add_url_rule("/_client", "client_seen", lambda: f"{request.remote_addr} {request.scheme} {request.host}")
    return app


FORWARDED = {
    # A client may send its own X-Forwarded-For; the proxy appends the address it saw.
    "X-Forwarded-For": "198.51.100.66, 203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "portail.example.org",
}


def test_with_one_proxy_the_app_trusts_the_address_the_proxy_appended(tmp_path):
    app = _app_showing_the_client(tmp_path, proxy_count=1)
    try:
        assert isinstance(app.wsgi_app, ProxyFix)
        response = app.test_client().get("/_client", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.get_data(as_text=True) == "203.0.113.9 https portail.example.org"
    finally:
        dispose(app)


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path):
    app = _app_showing_the_client(tmp_path, proxy_count=0)
    try:
        assert not isinstance(app.wsgi_app, ProxyFix)
        response = app.test_client().get("/_client", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.get_data(as_text=True) == "127.0.0.1 http localhost"
    finally:
        dispose(app)
