"""The register_* steps of create_app(), each small and independent."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.db import check_connections_cheaply, configure_sqlite_engine, sqlite_write_intent
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def register_database(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        os.makedirs(app.instance_path, exist_ok=True)
        uri = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    import portal.models  # noqa: F401  (every table known to the metadata)

    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    cheap_checks = uri.startswith("postgresql") and options.get("pool_pre_ping")
    if cheap_checks:  # the same protection without a round trip per request (portal.db)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_pre_ping": False}

    db.init_app(app)
    from portal.directory.schema import outside_models

    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, include_object=outside_models)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        if cheap_checks:
            check_connections_cheaply(db.engine)
        from portal.versions import init_versions

        init_versions(app, db.engine)

    if not uri.startswith("sqlite"):
        return  # the write intent below only chooses how SQLite begins a transaction

    @app.before_request
    def _declare_write_intent():
        request.environ["portal.write_intent_token"] = sqlite_write_intent.set(
            request.method not in SAFE_METHODS
        )

    @app.teardown_request
    def _reset_write_intent(_exc):
        token = request.environ.pop("portal.write_intent_token", None)
        if token is not None:
            sqlite_write_intent.reset(token)


def register_extensions(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    skip_unlimited_endpoints(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Confirmez votre mot de passe pour continuer.")
    login_manager.needs_refresh_message_category = "info"


def skip_unlimited_endpoints(app: Flask) -> None:
    """Run Flask-Limiter's per-request hook only where a limit may apply.

    The hook resolves limits for every request even when a route has none, which cost more
    than some whole responses. Our limits are declared on views (``@limiter.limit``), whose
    own wrapper checks them; the hook still runs everywhere as soon as default, application,
    meta or blueprint limits are configured.
    """
    from flask_limiter.util import get_qualified_name

    hooks = app.before_request_funcs[None]
    check = limiter._check_request_limit
    if check not in hooks:
        return
    decisions: dict[str | None, bool] = {}

    def may_be_limited(endpoint: str | None) -> bool:
        manager = limiter.limit_manager
        if (manager._default_limits or manager._application_limits or manager._blueprint_limits
                or limiter._meta_limits):
            return True
        view = app.view_functions.get(endpoint or "")
        return bool(view) and (get_qualified_name(view) in limiter._marked_for_limiting
                               or manager.has_hints(endpoint))

    def check_where_limited():
        endpoint = request.endpoint
        limited = decisions.get(endpoint)
        if limited is None:
            limited = decisions[endpoint] = may_be_limited(endpoint)
        if limited:
            return check()
        return None

    hooks[hooks.index(check)] = check_where_limited


def register_i18n(app: Flask) -> None:
    from portal.i18n import init_i18n

    init_i18n(app, babel)


def register_security(app: Flask) -> None:
    from portal.security import init_security

    init_security(app)


def register_templates(app: Flask) -> None:
    from portal.static_assets import init_static_versions
    from portal.templating import init_templating

    init_templating(app)
    init_static_versions(app)


def register_errors(app: Flask) -> None:
    from portal.errors import init_error_handlers

    init_error_handlers(app)


def register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.main.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)

    from portal.spaces.admin_views import bp as spaces_admin_bp
    from portal.spaces.staff_views import bp as spaces_staff_bp
    from portal.spaces.views import bp as spaces_bp

    app.register_blueprint(spaces_bp)
    app.register_blueprint(spaces_staff_bp)
    app.register_blueprint(spaces_admin_bp)

    import portal.events.organiser_tools  # noqa: F401  (adds its routes to the organiser blueprint)
    from portal.events.feed_views import bp as event_feeds_bp
    from portal.events.organiser_views import bp as organiser_bp
    from portal.events.views import bp as events_bp

    app.register_blueprint(events_bp)
    app.register_blueprint(event_feeds_bp)
    app.register_blueprint(organiser_bp)

    from portal.accompaniment.admin_views import bp as accompaniment_admin_bp
    from portal.accompaniment.staff_views import bp as accompaniment_staff_bp
    from portal.accompaniment.views import bp as accompaniment_bp

    app.register_blueprint(accompaniment_bp)
    app.register_blueprint(accompaniment_staff_bp)
    app.register_blueprint(accompaniment_admin_bp)

    from portal.payments.staff_views import bp as payments_staff_bp
    from portal.payments.views import bp as payments_bp

    app.register_blueprint(payments_bp)
    app.register_blueprint(payments_staff_bp)

    import portal.impact.assumption_views  # noqa: F401  (adds its routes to the impact blueprint)
    import portal.impact.share_views  # noqa: F401  (adds its routes to the impact blueprint)
    from portal.impact.views import bp as impact_bp

    app.register_blueprint(impact_bp)

    from portal.directory.views import bp as directory_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.volunteers.views import bp as volunteers_bp

    app.register_blueprint(directory_bp)
    app.register_blueprint(volunteers_bp)
    app.register_blueprint(privacy_bp)

    register_api(app)


def register_api(app: Flask) -> None:
    from portal.api import api
    from portal.api.auth import user_from_request
    from portal.api.docs import bp as api_docs_bp
    from portal.api.guard import check_session_csrf
    from portal.events.api import bp as events_api_bp
    from portal.accompaniment.api import bp as accompaniment_api_bp
    from portal.spaces.api import bp as spaces_api_bp
    from portal.directory.api import bp as directory_api_bp
    from portal.volunteers.api import bp as volunteers_api_bp
    from portal.payments.api import bp as payments_api_bp

    app.config.update(
        API_TITLE="Portail des Chrysalides",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Jeton personnel créé sur la page « Mon compte »"},
        "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        "partner": {"type": "http", "scheme": "bearer",
                    "description": "Jeton d'une organisation partenaire (chp_…), créé par un admin"},
    }}, "security": [{"bearer": []}, {"session": []}]})
    login_manager.request_loader(user_from_request)
    for blueprint in (spaces_api_bp, events_api_bp, accompaniment_api_bp, directory_api_bp, volunteers_api_bp,
                      payments_api_bp):
        csrf.exempt(blueprint)
        # Registered on this app, not on the shared blueprint: Flask refuses
        # set-up calls on a blueprint once registered, so a second app failed.
        app.before_request_funcs.setdefault(blueprint.name, []).append(check_session_csrf)
        api.register_blueprint(blueprint)
    app.register_blueprint(api_docs_bp)


def register_commands(app: Flask) -> None:
    from portal.accounts.cli import tokens_cli, users_cli
    from portal.demo.cli import demo_cli
    from portal.i18n_cli import translations_cli
    from portal.mail.cli import mail_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(translations_cli)

    from portal.spaces.cli import bookings_cli

    app.cli.add_command(bookings_cli)

    from portal.events.cli import events_cli

    app.cli.add_command(events_cli)

    from portal.directory.cli import directory_cli

    app.cli.add_command(directory_cli)

    from portal.accompaniment.cli import accompaniment_cli

    app.cli.add_command(accompaniment_cli)

    from portal.payments.cli import payments_cli

    app.cli.add_command(payments_cli)


def register_conditional_answers(app: Flask) -> None:
    from portal.conditional import NotModifiedAnswers

    app.wsgi_app = NotModifiedAnswers(app.wsgi_app, app.extensions["portal_versions"])
    app.extensions["portal_not_modified"] = app.wsgi_app


def register_proxy(app: Flask) -> None:
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count
        )
