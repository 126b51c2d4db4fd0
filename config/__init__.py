"""Settings classes, chosen by the PORTAL_ENV environment variable.

Every secret and every URL comes from the environment; the classes only hold
safe defaults for development and tests.
"""
from __future__ import annotations

import os

from config.settings import (
    BaseConfig,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
)

CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> BaseConfig:
    """Return an instance of the settings class named by ``name`` or ``PORTAL_ENV``."""
    name = name or os.environ.get("PORTAL_ENV", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"PORTAL_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}"
        ) from None
    config = config_class()
    config.validate()
    return config


__all__ = ["load_config", "BaseConfig", "DevelopmentConfig", "TestingConfig", "ProductionConfig"]
