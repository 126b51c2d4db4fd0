from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import support

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    if os.path.exists(support.CHROMIUM):
        return
    if support.strict():
        raise pytest.UsageError(f"{support.CHROMIUM} is missing: browser tests cannot run in strict mode")
    skip = pytest.mark.skip(reason=f"{support.CHROMIUM} not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        url = support.create_pg_database(base)
        yield url
        support.drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"


_EXTRA_APPS: list = []


def make_app(database_url: str, **overrides):
    """Another app on a database (own settings); its connections are closed after the test."""
    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    _EXTRA_APPS.append(app)
    return app


@pytest.fixture(autouse=True)
def _dispose_extra_apps():
    """Close pools of apps built inside a test, before the garbage collector finds them open
    (psycopg would warn, and filterwarnings = error turns that into a random failure)."""
    yield
    from portal.extensions import db

    while _EXTRA_APPS:
        extra = _EXTRA_APPS.pop()
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


@pytest.fixture(autouse=True)
def _app_context_and_clean_tables(request, app):
    from portal.db import sqlite_write_intent
    from portal.extensions import db

    # The test thread only reads between its commits: it must never hold
    # SQLite's write lock while a live server in another thread needs it.
    token = sqlite_write_intent.set(False)
    with app.app_context():
        yield
        db.session.rollback()
        support.empty_all_tables(db)
        db.session.remove()
    sqlite_write_intent.reset(token)


@pytest.fixture
def db(app):
    from portal.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now():
    return datetime.now(UTC)


@pytest.fixture
def make_user(db):
    """Factory: make_user(roles=("staff",), email=..., password=...) → confirmed, active user."""
    from portal.accounts import passwords
    from portal.accounts.models import Role, User, UserRole

    counter = iter(range(1, 10_000))

    def factory(*, email=None, name=None, password="correct horse battery staple", roles=("member",),
                confirmed=True, language="fr", active=True):
        n = next(counter)
        now = datetime.now(UTC)
        user = User(
            email=(email or f"person{n}@example.org").lower(),
            display_name=name or f"Personne {n}",
            preferred_language=language,
            password_hash=passwords.hash_password(password),
            email_confirmed_at=now if confirmed else None,
            active=active,
            created_at=now,
            updated_at=now,
        )
        for role in roles:
            user.role_links.append(UserRole(role=Role(role), granted_at=now))
        db.session.add(user)
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password="correct horse battery staple", remember=False):
        email = getattr(user_or_email, "email", user_or_email)
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/connexion", data=data)

    def logout(self):
        return self.client.post("/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback; the app sends to it while the test runs."""
    server = support.SmtpServer().start()
    previous = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = server.port
    yield server.mailbox
    app.config["MAIL_PORT"] = previous
    server.stop()


@pytest.fixture
def send_mail(app):
    """Run the outbox sender once, as `flask mail send-pending` does."""
    from portal.db import utcnow
    from portal.mail.services import send_pending

    def run(now_fn=utcnow):
        return send_pending(now_fn)

    return run


@pytest.fixture(scope="session")
def axe_source():
    path = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        if support.strict():
            raise RuntimeError("node_modules/axe-core is missing: run npm ci")
        pytest.skip("axe-core not installed (npm ci)")
    return path.read_text()


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL", "")
    return [f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}",
            f"chromium: {'yes' if shutil.which('chromium') or os.path.exists(support.CHROMIUM) else 'no'}"]


@pytest.fixture(scope="session", autouse=True)
def _isolated_test_clients(app):
    """app.test_client() gives clients whose requests each get their own app context."""
    app.test_client_class = support.IsolatedClient


@pytest.fixture(scope="session", autouse=True)
def _close_pooled_connections(app):
    """Close the session app's pooled connections before its database is dropped.

    Otherwise the dropped PostgreSQL database's connections are garbage-collected
    at exit and psycopg's ResourceWarning fails the run (filterwarnings = error).
    """
    yield
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()
