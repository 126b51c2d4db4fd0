"""Account rules, called directly with an explicit ``now``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import func, select

from portal.accounts import passwords, services, tokens
from portal.accounts.models import Role, User, UserSession
from portal.errors import DomainError
from portal.mail.models import OutboxMessage

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new sentence to remember"


def outbox(db, to: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id)))


def count_users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def token_from(message: OutboxMessage, path: str) -> str:
    for word in message.body_text.split():
        if path in word:
            return word.rsplit("/", 1)[1]
    raise AssertionError(f"no {path} link in {message.body_text!r}")


def sessions_of(db, user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


# --- sign-up and confirmation ------------------------------------------------------------


def test_register_creates_an_unconfirmed_member_and_queues_the_link(db, now):
    services.register(email="  Nadia@Example.ORG ", display_name=" Nadia ", password=PASSWORD, language="en", now=now)
    db.session.commit()

    user = services.find_user_by_email("nadia@example.org")
    assert user is not None
    assert (user.email, user.display_name, user.preferred_language) == ("nadia@example.org", "Nadia", "en")
    assert user.roles == {Role.MEMBER}
    assert not user.email_confirmed
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    (message,) = outbox(db, "nadia@example.org")
    assert message.subject == "Confirm your e-mail address"
    assert "/confirmer/" in message.body_text


def test_register_with_a_known_address_tells_the_owner_and_creates_nothing(db, make_user, now):
    owner = make_user(email="owner@example.org", password=PASSWORD)
    hash_before = owner.password_hash

    services.register(email="OWNER@example.org", display_name="Intrus", password="another long passphrase",
                      language="fr", now=now)
    db.session.commit()

    assert count_users(db) == 1
    assert owner.password_hash == hash_before and owner.display_name != "Intrus"
    (message,) = outbox(db, "owner@example.org")
    assert message.subject == "Votre compte sur le portail des Chrysalides"
    assert "/connexion" in message.body_text and "/confirmer/" not in message.body_text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "au moins 12 caractères"),
        ("password1234", "trop courant"),
        ("qwerty123456", "trop courant"),
        ("aaaaaaaaaaaaaaaa", "trop courant"),
        ("camille.dupont", "votre nom ou votre adresse"),
    ],
)
def test_register_refuses_weak_passwords(db, now, password, message):
    with pytest.raises(services.WeakPassword) as caught:
        services.register(email="camille.dupont@example.org", display_name="Camille Dupont", password=password,
                          language="fr", now=now)
    assert caught.value.field == "password"
    assert message in str(caught.value.message)
    assert count_users(db) == 0


def test_register_refuses_an_invalid_address(db, now):
    with pytest.raises(DomainError) as caught:
        services.register(email="not-an-address", display_name="X", password=PASSWORD, language="fr", now=now)
    assert caught.value.field == "email"


def test_confirmation_link_confirms_once_then_reports_already_confirmed(db, make_user, now):
    user = make_user(confirmed=False)
    services.send_confirmation(user, now=now)
    token = token_from(outbox(db, user.email)[-1], "/confirmer/")

    assert services.check_confirm_link(token, now=now) == user
    assert not user.email_confirmed  # checking is not confirming

    confirmed, already = services.confirm_email(token, now=now + timedelta(minutes=5))
    assert (confirmed, already) == (user, False)
    assert user.email_confirmed_at == now + timedelta(minutes=5)

    _, already = services.confirm_email(token, now=now + timedelta(minutes=6))
    assert already is True
    assert user.email_confirmed_at == now + timedelta(minutes=5)


def test_confirmation_link_expires_after_48_hours(db, make_user, now):
    user = make_user(confirmed=False)
    services.send_confirmation(user, now=now)
    token = token_from(outbox(db, user.email)[-1], "/confirmer/")

    services.check_confirm_link(token, now=now + timedelta(hours=47, minutes=59))
    with pytest.raises(services.BadLink) as caught:
        services.confirm_email(token, now=now + timedelta(hours=48, seconds=1))
    assert "expiré" in str(caught.value.message)
    assert not user.email_confirmed


def test_tampered_or_foreign_links_are_refused(db, make_user, now):
    user = make_user(confirmed=False)
    good = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email}, now=now,
                             lifetime=timedelta(hours=1))
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    with pytest.raises(services.BadLink, match="pas valide"):
        services.confirm_email(tampered, now=now)
    # A valid reset token is not a confirmation token.
    reset = tokens.make_token(tokens.RESET_PASSWORD, {"uid": user.id, "email": user.email}, now=now,
                              lifetime=timedelta(hours=1))
    with pytest.raises(services.BadLink, match="pas valide"):
        services.confirm_email(reset, now=now)
    # A link for a user who does not exist.
    ghost = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id + 999, "email": user.email}, now=now,
                              lifetime=timedelta(hours=1))
    with pytest.raises(services.BadLink, match="pas valide"):
        services.confirm_email(ghost, now=now)
    assert not user.email_confirmed


def test_confirmation_link_for_a_previous_address_is_refused(db, make_user, now):
    user = make_user(confirmed=False, email="old@example.org")
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": "other@example.org"}, now=now,
                              lifetime=timedelta(hours=1))
    with pytest.raises(services.BadLink, match="plus valable"):
        services.confirm_email(token, now=now)


# --- log-in and sessions -------------------------------------------------------------------


def test_authenticate_gives_one_error_for_unknown_address_wrong_password_and_deactivated(db, make_user, now):
    make_user(email="known@example.org", password=PASSWORD)
    make_user(email="gone@example.org", password=PASSWORD, active=False)
    errors = []
    for email, password in [("nobody@example.org", PASSWORD), ("known@example.org", "wrong password here"),
                            ("gone@example.org", PASSWORD)]:
        with pytest.raises(services.InvalidCredentials) as caught:
            services.authenticate(email, password, now=now)
        errors.append((caught.value.field, str(caught.value.message)))
    assert errors == [("password", "E-mail ou mot de passe incorrect.")] * 3


def test_authenticate_succeeds_case_insensitively_and_records_the_time(db, make_user, now):
    user = make_user(email="known@example.org", password=PASSWORD)
    assert services.authenticate(" Known@Example.org ", PASSWORD, now=now) == user
    assert user.last_login_at == now


def test_authenticate_before_confirmation_resends_the_link(db, make_user, now):
    user = make_user(confirmed=False, password=PASSWORD)
    with pytest.raises(services.EmailNotConfirmed):
        services.authenticate(user.email, PASSWORD, now=now)
    (message,) = outbox(db, user.email)
    assert "/confirmer/" in message.body_text
    assert user.last_login_at is None


def test_authenticate_rehashes_a_password_hashed_with_other_parameters(app, db, make_user, now):
    user = make_user(password=PASSWORD)
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    assert passwords.needs_rehash(old_hash)

    services.authenticate(user.email, PASSWORD, now=now)
    db.session.commit()

    assert user.password_hash != old_hash
    params = extract_parameters(user.password_hash)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"], app.config["ARGON2_PARALLELISM"])
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_a_session_token_loads_its_user_until_the_session_ends(db, make_user, now):
    user = make_user()
    token = services.start_session(user, now=now)
    db.session.commit()
    assert services.load_session_user(token) == user
    assert services.load_session_user(token + "x") is None

    services.end_session(token)
    db.session.commit()
    assert services.load_session_user(token) is None


def test_sessions_are_stored_hashed(db, make_user, now):
    user = make_user()
    token = services.start_session(user, now=now)
    db.session.commit()
    stored = db.session.scalar(select(UserSession.token_hash).where(UserSession.user_id == user.id))
    assert token not in stored and len(stored) == 64


# --- password reset and change ----------------------------------------------------------------


def test_reset_for_an_unknown_or_deactivated_address_sends_nothing(db, make_user, now):
    make_user(email="gone@example.org", active=False)
    services.request_password_reset("nobody@example.org", now=now)
    services.request_password_reset("gone@example.org", now=now)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_reset_link_works_once_ends_every_session_and_confirms_the_address(db, make_user, now):
    user = make_user(confirmed=False, password=PASSWORD)
    services.start_session(user, now=now)
    services.start_session(user, now=now)
    services.request_password_reset(user.email.upper(), now=now)
    db.session.commit()
    token = token_from(outbox(db, user.email)[-1], "/reinitialiser/")

    services.reset_password(token, NEW_PASSWORD, now=now + timedelta(minutes=10))
    db.session.commit()

    assert passwords.verify_password(user.password_hash, NEW_PASSWORD)
    assert user.email_confirmed
    assert sessions_of(db, user) == 0
    assert outbox(db, user.email)[-1].subject == "Votre mot de passe a été modifié"
    with pytest.raises(services.BadLink, match="déjà servi"):
        services.reset_password(token, "yet another long passphrase", now=now + timedelta(minutes=11))


def test_reset_link_expires_after_one_hour(db, make_user, now):
    user = make_user(password=PASSWORD)
    services.request_password_reset(user.email, now=now)
    token = token_from(outbox(db, user.email)[-1], "/reinitialiser/")

    services.check_reset_link(token, now=now + timedelta(minutes=59))
    with pytest.raises(services.BadLink, match="expiré"):
        services.reset_password(token, NEW_PASSWORD, now=now + timedelta(minutes=60, seconds=1))
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_reset_refuses_a_weak_password_and_keeps_the_link_usable(db, make_user, now):
    user = make_user(password=PASSWORD)
    services.request_password_reset(user.email, now=now)
    token = token_from(outbox(db, user.email)[-1], "/reinitialiser/")
    with pytest.raises(services.WeakPassword):
        services.reset_password(token, "password1234", now=now)
    services.check_reset_link(token, now=now)


def test_change_password_needs_the_current_one_and_keeps_only_this_session(db, make_user, now):
    user = make_user(password=PASSWORD)
    other = services.start_session(user, now=now)
    this = services.start_session(user, now=now)
    db.session.commit()

    with pytest.raises(DomainError) as caught:
        services.change_password(user, "not my password", NEW_PASSWORD, now=now)
    assert caught.value.field == "current_password"
    with pytest.raises(services.WeakPassword) as caught:
        services.change_password(user, PASSWORD, "password1234", now=now)
    assert caught.value.field == "new_password"
    assert passwords.verify_password(user.password_hash, PASSWORD)

    services.change_password(user, PASSWORD, NEW_PASSWORD, now=now)
    db.session.commit()
    assert passwords.verify_password(user.password_hash, NEW_PASSWORD)
    assert services.load_session_user(this) == user
    assert services.load_session_user(other) is None


# --- profile and e-mail change -------------------------------------------------------------------


def test_update_profile_trims_and_refuses_unknown_languages(db, make_user):
    user = make_user()
    services.update_profile(user, display_name="  Awa  ", phone="  ", language="en")
    assert (user.display_name, user.phone, user.preferred_language) == ("Awa", None, "en")
    with pytest.raises(DomainError) as caught:
        services.update_profile(user, display_name="Awa", phone=None, language="de")
    assert caught.value.field == "preferred_language"


def test_email_change_needs_the_password_and_a_different_address(db, make_user, now):
    user = make_user(email="me@example.org", password=PASSWORD)
    with pytest.raises(DomainError) as caught:
        services.request_email_change(user, "wrong password", "new@example.org", now=now)
    assert caught.value.field == "password"
    with pytest.raises(DomainError) as caught:
        services.request_email_change(user, PASSWORD, "ME@example.org", now=now)
    assert caught.value.field == "new_email"
    assert outbox(db, "new@example.org") == []


def test_email_change_is_confirmed_from_the_new_address_and_notifies_the_old(db, make_user, now):
    user = make_user(email="me@example.org", password=PASSWORD)
    services.request_email_change(user, PASSWORD, "New@Example.org", now=now)
    db.session.commit()
    assert user.email == "me@example.org"
    token = token_from(outbox(db, "new@example.org")[-1], "/compte/e-mail/confirmer/")

    assert services.check_email_change_link(token, now=now) == (user, "new@example.org")
    assert user.email == "me@example.org"
    services.confirm_email_change(token, now=now + timedelta(minutes=1))
    db.session.commit()

    assert user.email == "new@example.org"
    (notice,) = outbox(db, "me@example.org")
    assert notice.subject == "Votre adresse e-mail a été modifiée" and "new@example.org" in notice.body_text
    with pytest.raises(services.BadLink, match="déjà servi"):
        services.confirm_email_change(token, now=now + timedelta(minutes=2))


def test_email_change_to_a_taken_address_reveals_nothing_and_cannot_be_forced(db, make_user, now):
    user = make_user(email="me@example.org", password=PASSWORD)
    make_user(email="taken@example.org")
    services.request_email_change(user, PASSWORD, "taken@example.org", now=now)
    assert outbox(db, "taken@example.org") == []

    forged = tokens.make_token(tokens.CHANGE_EMAIL, {"uid": user.id, "old": user.email, "new": "taken@example.org"},
                               now=now, lifetime=timedelta(hours=1))
    with pytest.raises(services.BadLink, match="déjà utilisée"):
        services.confirm_email_change(forged, now=now)
    assert user.email == "me@example.org"


# --- administration -----------------------------------------------------------------------------


def test_search_users_matches_name_or_email_case_insensitively(db, make_user):
    zoe = make_user(name="Zoé Martin", email="zoe@example.org")
    paul = make_user(name="Paul Durand", email="paul.martinez@example.org")
    make_user(name="Inès Bakri", email="ines@example.org")
    assert services.search_users("MARTIN", page=1).items == [paul, zoe]
    assert services.search_users("zoe@", page=1).items == [zoe]
    assert services.search_users("", page=1).total == 3


def test_admin_cannot_demote_or_deactivate_themselves(db, make_user, now):
    admin = make_user(roles=("member", "admin"))
    with pytest.raises(DomainError):
        services.set_roles(admin, admin, {Role.MEMBER}, now=now)
    with pytest.raises(DomainError):
        services.set_active(admin, admin, False)
    assert admin.is_admin and admin.active


def test_roles_are_granted_and_removed(db, make_user, now):
    admin = make_user(roles=("member", "admin"))
    user = make_user()
    services.set_roles(admin, user, {Role.MEMBER, Role.STAFF, Role.ORGANISER}, now=now)
    db.session.commit()
    assert user.roles == {Role.MEMBER, Role.STAFF, Role.ORGANISER}
    services.set_roles(admin, user, {Role.MEMBER}, now=now)
    db.session.commit()
    assert user.roles == {Role.MEMBER}


def test_deactivation_ends_sessions_for_good(db, make_user, now):
    admin = make_user(roles=("member", "admin"))
    user = make_user()
    token = services.start_session(user, now=now)
    db.session.commit()

    services.set_active(admin, user, False)
    db.session.commit()
    assert sessions_of(db, user) == 0

    services.set_active(admin, user, True)
    db.session.commit()
    assert services.load_session_user(token) is None


def test_create_admin_creates_a_confirmed_admin_or_promotes_an_existing_account(db, make_user, now):
    created = services.create_admin(email="Boss@Example.org", display_name="Boss", password=PASSWORD, now=now)
    db.session.commit()
    assert created.email == "boss@example.org" and created.email_confirmed and created.roles == {Role.MEMBER, Role.ADMIN}

    member = make_user(email="member@example.org", confirmed=False, active=False)
    promoted = services.create_admin(email="member@example.org", display_name="ignored", password=NEW_PASSWORD, now=now)
    db.session.commit()
    assert promoted.id == member.id and promoted.is_admin and promoted.active and promoted.email_confirmed
    assert passwords.verify_password(promoted.password_hash, NEW_PASSWORD)
    assert count_users(db) == 2


def test_admin_search_treats_percent_and_underscore_literally(make_user):
    from portal.accounts.services import search_users

    make_user(name="Cent pour cent")
    make_user(name="Cinquante %")
    make_user(name="a_b")
    assert [u.display_name for u in search_users("%", page=1).items] == ["Cinquante %"]
    assert [u.display_name for u in search_users("_", page=1).items] == ["a_b"]


def test_removing_every_role_keeps_member(make_user, db, now):
    from portal.accounts.models import Role
    from portal.accounts.services import set_roles

    admin = make_user(roles=("member", "admin"))
    person = make_user(roles=("member", "staff"))
    set_roles(admin, person, set(), now=now)
    db.session.commit()
    assert person.roles == {Role.MEMBER}


def test_reset_for_unknown_address_queues_nothing(db, now):
    from sqlalchemy import func, select

    from portal.accounts.services import request_password_reset
    from portal.mail.models import OutboxMessage

    request_password_reset("nobody@example.org", now=now)
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
