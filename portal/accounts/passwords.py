"""Password hashing (Argon2id) and the strength rule: long enough, not common."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("timing-equaliser-password")


def burn_verification_time(password: str) -> None:
    """Spend the time a real verification takes, so unknown e-mails answer as fast as known ones."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from public breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, min_length: int, personal: tuple[str, ...] = ()) -> str | None:
    """Return a translated reason why ``password`` is refused, or None.

    NIST SP 800-63B / ANSSI: a minimum length, no composition rules, and a
    block-list of passwords that attackers try first.
    """
    if len(password) < min_length:
        return str(_l("Choisissez un mot de passe d'au moins %(n)d caractères.", n=min_length))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return str(_l("Ce mot de passe est trop courant ; choisissez-en un autre, par exemple une phrase de plusieurs mots."))
    for item in personal:
        item = (item or "").strip().lower()
        if any(len(candidate) >= 4 and lowered == candidate for candidate in (item, item.split("@")[0])):
            return str(_l("Le mot de passe ne doit pas reprendre votre nom ou votre adresse e-mail."))
    return None
