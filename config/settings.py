from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value is not None else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    """Defaults shared by every environment, overridable from the environment."""

    NAME = "base"

    def __init__(self) -> None:
        self.SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
        # None means "a SQLite file in the instance folder", resolved by the app factory.
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        self.SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 15000)

        self.PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.REDIS_URL = env("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True

        # Mail: "smtp" sends, "console" prints (development).
        self.MAIL_BACKEND = env("MAIL_BACKEND", "smtp")
        self.MAIL_SERVER = env("MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = env("MAIL_USERNAME")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD")
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = env(
            "MAIL_DEFAULT_SENDER", "Les Chrysalides <ne-pas-repondre@chrysalides.example>"
        )
        self.MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)

        self.STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
        self.STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
        self.STRIPE_API_BASE = env("STRIPE_API_BASE")  # another Stripe-compatible server (tests)
        # Hosted pages our "pay" and "manage my subscription" buttons lead to (CSP form-action).
        self.STRIPE_REDIRECT_ORIGINS = env("STRIPE_REDIRECT_ORIGINS", "https://checkout.stripe.com https://billing.stripe.com")
        # Receipts: the seller's legal details and VAT wording, printed on every receipt and credit note.
        self.PAYMENTS_SELLER_NAME = env("PAYMENTS_SELLER_NAME", "PTCE Vivre Les Mureaux — Les Chrysalides")
        self.PAYMENTS_SELLER_ADDRESS = env("PAYMENTS_SELLER_ADDRESS", "Les Mureaux (78130), France")
        self.PAYMENTS_SELLER_SIRET = env("PAYMENTS_SELLER_SIRET", "")
        self.PAYMENTS_SELLER_VAT_NUMBER = env("PAYMENTS_SELLER_VAT_NUMBER", "")
        self.PAYMENTS_VAT_WORDING = env("PAYMENTS_VAT_WORDING", "TVA non applicable, art. 293 B du CGI")
        self.PAYMENTS_LEGAL_MENTIONS = env(
            "PAYMENTS_LEGAL_MENTIONS", "Association loi 1901. Facture acquittée. Pas d'escompte pour paiement anticipé.")
        self.PAYMENTS_DOCUMENT_PREFIX = env("PAYMENTS_DOCUMENT_PREFIX", "CHR-")
        # Share of the price refunded when staff cancel after the space's cancellation deadline.
        self.PAYMENTS_LATE_REFUND_PERCENT = env_int("PAYMENTS_LATE_REFUND_PERCENT", 0)
        # A ticket cancelled at least this long before the event is refunded in full.
        self.PAYMENTS_TICKET_REFUND_HOURS = env_int("PAYMENTS_TICKET_REFUND_HOURS", 24)
        # The rule organisers price their tickets within (cents).
        self.PAYMENTS_TICKET_MAX_CENTS = env_int("PAYMENTS_TICKET_MAX_CENTS", 5000)

        # Number of proxies in front of the app whose X-Forwarded-* headers we trust.
        self.PROXY_COUNT = env_int("PROXY_COUNT", 0)

        # Project-holder form: a request sent sooner than this after its draft began is refused as automated.
        self.ACCOMPANIMENT_MIN_FILL_SECONDS = env_int("ACCOMPANIMENT_MIN_FILL_SECONDS", 5)
        # Impact reports: declared neighbourhoods containing one of these (comma-separated) count as
        # priority neighbourhoods (quartiers prioritaires de la politique de la ville).
        self.IMPACT_PRIORITY_NEIGHBOURHOODS = [
            name.strip() for name in env("IMPACT_PRIORITY_NEIGHBOURHOODS", "cinq quartiers,cinq-quartiers").split(",")
            if name.strip()
        ]

        self.BABEL_DEFAULT_LOCALE = "fr"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
        self.LANGUAGES = {"fr": "Français", "en": "English"}

        # OWASP password storage cheat sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
        self.ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 2)
        self.ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 19 * 1024)
        self.ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)
        self.PASSWORD_MIN_LENGTH = 12

        self.EMAIL_CONFIRM_MAX_AGE = timedelta(hours=48)
        self.PASSWORD_RESET_MAX_AGE = timedelta(hours=1)

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=14)
        self.HSTS = False

        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
        # Uploaded images (events, later profiles); None means "uploads" in the instance folder.
        self.UPLOAD_FOLDER = env("UPLOAD_FOLDER")
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session, not to a clock
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False

    def validate(self) -> None:
        """Refuse settings that would be unsafe in this environment."""


class DevelopmentConfig(BaseConfig):
    NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        self.MAIL_BACKEND = env("MAIL_BACKEND", "console")


class TestingConfig(BaseConfig):
    NAME = "testing"

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "testing-secret-key"
        self.WTF_CSRF_ENABLED = False
        self.RATELIMIT_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Cheap hashes keep the suite fast; production uses the OWASP figures.
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 1024
        self.MAIL_BACKEND = "smtp"
        self.MAIL_SERVER = "127.0.0.1"
        self.MAIL_PORT = 1  # nothing listens: tests that send start their own server


class ProductionConfig(BaseConfig):
    NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        self.HSTS = True
        self.PREFERRED_URL_SCHEME = "https"

    def validate(self) -> None:
        if not self.SECRET_KEY or self.SECRET_KEY == DEFAULT_SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
