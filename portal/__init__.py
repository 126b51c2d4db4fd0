"""Le portail des Chrysalides."""
from __future__ import annotations

from flask import Flask

from config import BaseConfig, load_config


def create_app(
    config: BaseConfig | str | None = None, *, instance_path: str | None = None, **overrides
) -> Flask:
    """Application factory: configuration, extensions, blueprints, commands.

    ``instance_path`` replaces Flask's default instance folder (where the
    default SQLite database lives); ``overrides`` are configuration values.
    """
    from portal.setup import (
        register_blueprints,
        register_commands,
        register_conditional_answers,
        register_database,
        register_errors,
        register_extensions,
        register_i18n,
        register_proxy,
        register_security,
        register_templates,
    )

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path,
        template_folder="../templates",
        static_folder="../static",
    )
    if config is None or isinstance(config, str):
        config = load_config(config)
    app.config.from_object(config)
    app.config.update(overrides)

    register_database(app)
    register_extensions(app)
    register_i18n(app)
    register_security(app)
    register_templates(app)
    register_errors(app)
    register_blueprints(app)
    register_commands(app)
    register_conditional_answers(app)
    register_proxy(app)  # outermost: the layers inside see the client's address, scheme and host
    return app
