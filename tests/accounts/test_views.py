"""Account pages end to end: the test client, real e-mails through the SMTP fixture."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import func, select

from portal.accounts import passwords, tokens
from portal.accounts.models import Role, User, UserSession
from tests.conftest import AuthActions
from tests.support import first_link, link_path, page, text_body, without_csrf

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new sentence to remember"


def fresh(db):
    """End the test's own transaction so that what requests committed is visible."""
    db.session.rollback()


def deliver(db, send_mail, **kwargs):
    """Run the outbox sender in a fresh transaction, as its own process would."""
    fresh(db)
    return send_mail(**kwargs)


def count_users(db) -> int:
    fresh(db)
    return db.session.scalar(select(func.count()).select_from(User))


def user_by_email(db, email: str) -> User | None:
    fresh(db)
    return db.session.scalar(select(User).where(User.email == email))


def logged_in_client(app, user, password=PASSWORD):
    other = app.test_client()
    response = AuthActions(other).login(user, password)
    assert response.status_code == 302, page(response)
    return other


def is_logged_in(client) -> bool:
    response = client.get("/compte")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion"), response.status
    return False


def field_error(response, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page(response), re.S)
    assert match, f"no error shown next to {field}"
    return match.group(1)


# --- sign-up and confirmation -------------------------------------------------------------------


def test_signup_confirm_and_log_in(client, db, smtp, send_mail):
    assert client.get("/inscription").status_code == 200
    response = client.post("/inscription", data={
        "display_name": "Nadia Benali", "email": "Nadia@Example.org", "password": PASSWORD, "preferred_language": "fr",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/verifiez-vos-e-mails"
    assert client.get(response.headers["Location"]).status_code == 200

    assert deliver(db, send_mail).sent == 1
    (message,) = smtp.to("nadia@example.org")
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    confirm = link_path(first_link(message, "/confirmer/"))

    # Logging in first is refused, and the link is sent again.
    response = client.post("/connexion", data={"email": "nadia@example.org", "password": PASSWORD})
    assert response.status_code == 422
    assert "Confirmez d'abord votre adresse e-mail" in page(response)
    assert not is_logged_in(client)
    assert deliver(db, send_mail).sent == 1
    assert len(smtp.to("nadia@example.org")) == 2

    # The link shows a button; GET changes nothing.
    response = client.get(confirm)
    assert response.status_code == 200
    assert re.search(r'<form method="post">.*Confirmer mon adresse</button>', page(response), re.S)
    assert not user_by_email(db, "nadia@example.org").email_confirmed

    response = client.post(confirm)
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert "Merci, votre adresse e-mail est confirmée" in page(client.get("/connexion"))
    assert user_by_email(db, "nadia@example.org").email_confirmed

    response = client.post("/connexion", data={"email": "nadia@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Bienvenue, Nadia Benali." in page(client.get("/"))
    assert "nadia@example.org" in page(client.get("/compte"))


def test_reused_confirmation_link_says_already_confirmed(client, db, make_user, now):
    user = make_user(confirmed=False)
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email}, now=now,
                              lifetime=timedelta(hours=48))
    assert client.post(f"/confirmer/{token}").status_code == 302
    confirmed_at = user_by_email(db, user.email).email_confirmed_at

    response = client.post(f"/confirmer/{token}", follow_redirects=True)
    assert response.status_code == 200
    assert "Votre adresse était déjà confirmée" in page(response)
    assert user_by_email(db, user.email).email_confirmed_at == confirmed_at
    assert client.get(f"/confirmer/{token}").status_code == 200


@pytest.mark.parametrize(("age", "message"), [
    (timedelta(hours=48, minutes=1), "Ce lien a expiré. Demandez-en un nouveau."),
    (None, "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."),
])
def test_expired_or_tampered_confirmation_link_shows_a_400_page(client, db, make_user, now, age, message):
    user = make_user(confirmed=False)
    issued = now - age if age else now
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email}, now=issued,
                              lifetime=timedelta(hours=48))
    if age is None:
        token = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    for response in (client.get(f"/confirmer/{token}"), client.post(f"/confirmer/{token}")):
        assert response.status_code == 400
        assert message in page(response)
    assert not user_by_email(db, user.email).email_confirmed


def test_signup_with_a_registered_address_answers_the_same_and_tells_the_owner(app, client, db, make_user, smtp,
                                                                              send_mail):
    make_user(email="owner@example.org", name="Owner")
    before = count_users(db)
    form = {"display_name": "Someone", "password": PASSWORD, "preferred_language": "fr"}

    known = client.post("/inscription", data={**form, "email": "OWNER@example.org"})
    new = app.test_client().post("/inscription", data={**form, "email": "newcomer@example.org"})

    assert (known.status_code, known.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert count_users(db) == before + 1  # only the newcomer
    assert deliver(db, send_mail).sent == 2
    (notice,) = smtp.to("owner@example.org")
    assert notice["Subject"] == "Votre compte sur le portail des Chrysalides"
    assert "/connexion" in text_body(notice) and "/confirmer/" not in text_body(notice)
    assert "/confirmer/" in text_body(smtp.to("newcomer@example.org")[0])


def test_signup_with_a_weak_password_keeps_the_other_fields(client, db):
    for password, message in [("short", "au moins 12 caractères"), ("password1234", "trop courant")]:
        response = client.post("/inscription", data={
            "display_name": "Camille Dupont", "email": "camille@example.org", "password": password,
            "preferred_language": "en",
        })
        assert response.status_code == 422
        assert message in field_error(response, "password")
        html = page(response)
        assert 'value="Camille Dupont"' in html and 'value="camille@example.org"' in html
        assert re.search(r'<option[^>]*selected[^>]*value="en"|<option[^>]*value="en"[^>]*selected', html)
        assert f'value="{password}"' not in html
    assert count_users(db) == 0


# --- log-in and log-out -------------------------------------------------------------------------


def test_login_gives_the_same_answer_for_unknown_address_wrong_password_and_deactivated(client, make_user):
    make_user(email="known@example.org")
    make_user(email="gone@example.org", active=False)
    answers = set()
    for email, password in [("nobody@example.org", PASSWORD), ("known@example.org", "not the password"),
                            ("gone@example.org", PASSWORD)]:
        response = client.post("/connexion", data={"email": email, "password": password})
        answers.add((response.status_code, field_error(response, "password")))
        assert not is_logged_in(client)
    assert answers == {(422, "E-mail ou mot de passe incorrect.")}


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "http:/evil.example", " //evil.example", "/\t/evil.example",
])
def test_login_redirects_only_to_local_paths(client, make_user, target):
    user = make_user()
    response = client.get("/connexion", query_string={"next": target})
    assert 'name="next" type="hidden" value=""' in page(response)

    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_goes_back_to_the_page_asked_for(client, make_user):
    user = make_user()
    response = client.get("/compte?onglet=securite")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"])
    assert 'value="/compte?onglet=securite"' in page(login_page)

    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "next": "/compte?onglet=securite"})
    assert response.headers["Location"] == "/compte?onglet=securite"


def test_remember_me_sets_an_http_only_cookie(app, make_user):
    user = make_user()
    plain = app.test_client()
    AuthActions(plain).login(user)
    assert plain.get_cookie("remember_token") is None

    remembered = app.test_client()
    response = AuthActions(remembered).login(user, remember=True)
    set_cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in set_cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session_cookie = [c for c in set_cookies if c.startswith("session=")]
    assert session_cookie and "HttpOnly" in session_cookie[0]


def test_logout_ends_the_session_on_the_server(app, client, auth, make_user):
    user = make_user()
    auth.login(user, remember=True)
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value

    # Before log-out, either copied cookie opens the account from another client.
    for name, value in [("session", session_cookie), ("remember_token", remember_cookie)]:
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert is_logged_in(thief), name

    response = auth.logout()
    assert response.status_code == 302
    assert not is_logged_in(client)
    for name, value in [("session", session_cookie), ("remember_token", remember_cookie)]:
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not is_logged_in(thief), name


def test_logout_needs_a_post(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/deconnexion").status_code == 405
    assert is_logged_in(client)


def test_login_rehashes_a_password_hashed_with_other_parameters(app, client, auth, db, make_user):
    user = make_user()
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old_hash, email = user.password_hash, user.email

    assert auth.login(email).status_code == 302

    new_hash = user_by_email(db, email).password_hash
    assert new_hash != old_hash
    params = extract_parameters(new_hash)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"], app.config["ARGON2_PARALLELISM"])
    assert not passwords.needs_rehash(new_hash)
    auth.logout()
    assert auth.login(email).status_code == 302


# --- password reset -----------------------------------------------------------------------------


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(app, db, make_user, smtp, send_mail):
    make_user(email="known@example.org")
    known = app.test_client().post("/mot-de-passe-oublie", data={"email": "known@example.org"})
    unknown = app.test_client().post("/mot-de-passe-oublie", data={"email": "unknown@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(unknown.get_data(as_text=True))
    assert deliver(db, send_mail).sent == 1
    assert [m["To"] for m in smtp.messages] == ["known@example.org"]
    assert smtp.messages[0]["Subject"] == "Choisir un nouveau mot de passe"


def test_reset_link_works_once_and_ends_every_session(app, client, db, make_user, smtp, send_mail):
    user = make_user(email="forgetful@example.org")
    elsewhere = logged_in_client(app, user)
    client.post("/mot-de-passe-oublie", data={"email": "forgetful@example.org"})
    deliver(db, send_mail)
    reset = link_path(first_link(smtp.to("forgetful@example.org")[0], "/reinitialiser/"))

    assert client.get(reset).status_code == 200
    response = client.post(reset, data={"password": "password1234"})
    assert response.status_code == 422 and "trop courant" in field_error(response, "password")
    assert is_logged_in(elsewhere)

    response = client.post(reset, data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"

    assert not is_logged_in(elsewhere)
    fresh(db)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    for response in (client.get(reset), client.post(reset, data={"password": "yet another long passphrase"})):
        assert response.status_code == 400
        assert "Ce lien a déjà servi" in page(response)
    assert AuthActions(client).login(user.email, PASSWORD).status_code == 422
    assert AuthActions(client).login(user.email, NEW_PASSWORD).status_code == 302
    deliver(db, send_mail)
    assert smtp.to("forgetful@example.org")[-1]["Subject"] == "Votre mot de passe a été modifié"


def test_reset_link_expires_after_one_hour(app, client, db, make_user, now):
    user = make_user()

    def link(age):
        token = tokens.make_token(tokens.RESET_PASSWORD, {"uid": user.id, "ph": tokens.fingerprint(user.password_hash)},
                                  now=now - age, lifetime=app.config["PASSWORD_RESET_MAX_AGE"])
        return f"/reinitialiser/{token}"

    assert client.get(link(timedelta(minutes=59))).status_code == 200
    response = client.post(link(timedelta(minutes=61)), data={"password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "Ce lien a expiré" in page(response)
    assert passwords.verify_password(user_by_email(db, user.email).password_hash, PASSWORD)


# --- account pages ------------------------------------------------------------------------------


def test_change_password_needs_the_current_one_and_ends_only_the_other_sessions(app, client, auth, db, make_user,
                                                                               smtp, send_mail):
    user = make_user()
    auth.login(user)
    elsewhere = logged_in_client(app, user)

    response = client.post("/compte/mot-de-passe", data={"current_password": "wrong", "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert field_error(response, "current_password") == "Le mot de passe actuel est incorrect."
    for weak, message in [("short", "au moins 12 caractères"), ("password1234", "trop courant"),
                          ("1qaz2wsx3edc", "trop courant")]:
        response = client.post("/compte/mot-de-passe", data={"current_password": PASSWORD, "new_password": weak})
        assert response.status_code == 422
        assert message in field_error(response, "new_password")
    assert is_logged_in(elsewhere)

    response = client.post("/compte/mot-de-passe", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/compte"
    assert is_logged_in(client)
    assert not is_logged_in(elsewhere)
    assert passwords.verify_password(user_by_email(db, user.email).password_hash, NEW_PASSWORD)
    deliver(db, send_mail)
    assert [m["Subject"] for m in smtp.to(user.email)] == ["Votre mot de passe a été modifié"]


def test_change_email_is_confirmed_from_the_new_address(client, auth, db, make_user, smtp, send_mail):
    user = make_user(email="old@example.org")
    auth.login(user)
    assert client.get("/compte/e-mail").status_code == 200

    response = client.post("/compte/e-mail", data={"new_email": "new@example.org", "password": "wrong"})
    assert response.status_code == 422
    assert field_error(response, "password") == "Le mot de passe est incorrect."
    assert 'value="new@example.org"' in page(response)

    response = client.post("/compte/e-mail", data={"new_email": "New@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert deliver(db, send_mail).sent == 1
    assert smtp.to("old@example.org") == []
    confirm = link_path(first_link(smtp.to("new@example.org")[0], "/compte/e-mail/confirmer/"))

    response = client.get(confirm)
    assert response.status_code == 200 and "new@example.org" in page(response)
    assert user_by_email(db, "old@example.org") is not None

    response = client.post(confirm)
    assert response.status_code == 302 and response.headers["Location"] == "/compte"
    assert user_by_email(db, "old@example.org") is None
    assert user_by_email(db, "new@example.org").email_confirmed
    assert deliver(db, send_mail).sent == 1
    (notice,) = smtp.to("old@example.org")
    assert notice["Subject"] == "Votre adresse e-mail a été modifiée"
    assert client.post(confirm).status_code == 400

    auth.logout()
    assert auth.login("new@example.org").status_code == 302


def test_profile_update_and_language(client, auth, db, make_user):
    user = make_user(name="Awa")
    auth.login(user)
    assert '<html lang="fr"' in page(client.get("/compte"))

    response = client.post("/compte", data={"display_name": "Awa Diallo", "phone": "not a phone",
                                            "preferred_language": "fr"})
    assert response.status_code == 422
    assert "Saisissez un numéro de téléphone" in field_error(response, "phone")
    assert 'value="not a phone"' in page(response) and 'value="Awa Diallo"' in page(response)
    assert user_by_email(db, user.email).display_name == "Awa"

    response = client.post("/compte", data={"display_name": "Awa Diallo", "phone": "+33 6 12 34 56 78",
                                            "preferred_language": "en"})
    assert response.status_code == 302
    saved = user_by_email(db, user.email)
    assert (saved.display_name, saved.phone, saved.preferred_language) == ("Awa Diallo", "+33 6 12 34 56 78", "en")
    html = page(client.get("/compte"))
    assert '<html lang="en"' in html and "My account" in html


def test_account_pages_need_a_login(client):
    for path in ("/compte", "/compte/mot-de-passe", "/compte/e-mail"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion?next=")


# --- administration -----------------------------------------------------------------------------


def test_only_admins_reach_the_user_list(client, auth, make_user):
    staff = make_user(roles=("member", "staff"))
    admin = make_user(roles=("member", "admin"))
    response = client.get("/admin/utilisateurs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")

    auth.login(staff)
    assert client.get("/admin/utilisateurs").status_code == 403
    auth.logout()

    auth.login(admin)
    assert client.get("/admin/utilisateurs").status_code == 200
    assert client.get("/admin/utilisateurs/999999").status_code == 404


def test_admin_searches_by_name(client, auth, make_user):
    admin = make_user(roles=("member", "admin"), name="Ada Admin")
    make_user(name="Zoé Martin")
    make_user(name="Paul Durand")
    auth.login(admin)
    html = page(client.get("/admin/utilisateurs", query_string={"q": "martin"}))
    assert "Zoé Martin" in html and "Paul Durand" not in html
    assert "1 personne" in html


def test_admin_grants_roles_and_deactivates_a_user(app, client, auth, db, make_user):
    admin = make_user(roles=("member", "admin"))
    user = make_user(name="Moussa")
    auth.login(admin)
    user_id, email = user.id, user.email
    theirs = logged_in_client(app, user)

    response = client.post(f"/admin/utilisateurs/{user_id}/roles", data={"roles": ["member", "staff"]})
    assert response.status_code == 302
    assert user_by_email(db, email).roles == {Role.MEMBER, Role.STAFF}
    assert "Les rôles de Moussa sont enregistrés." in page(client.get(response.headers["Location"]))

    response = client.post(f"/admin/utilisateurs/{user_id}/activation", data={"active": "0"})
    assert response.status_code == 302
    assert not user_by_email(db, email).active
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)) == 0
    assert not is_logged_in(theirs)
    assert AuthActions(app.test_client()).login(email).status_code == 422

    client.post(f"/admin/utilisateurs/{user_id}/activation", data={"active": "1"})
    assert user_by_email(db, email).active
    assert not is_logged_in(theirs)


def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, auth, db, make_user):
    admin = make_user(roles=("member", "admin"))
    admin_id, email = admin.id, admin.email
    auth.login(admin)

    response = client.post(f"/admin/utilisateurs/{admin_id}/roles", data={"roles": ["member"]}, follow_redirects=True)
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur." in page(response)
    response = client.post(f"/admin/utilisateurs/{admin_id}/activation", data={"active": "0"}, follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in page(response)

    saved = user_by_email(db, email)
    assert saved.is_admin and saved.active
    assert client.get("/admin/utilisateurs").status_code == 200


# --- commands -----------------------------------------------------------------------------------


def test_create_admin_command_makes_a_confirmed_admin_who_can_log_in(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.org", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "administrator boss@example.org" in result.output

    admin = user_by_email(db, "boss@example.org")
    assert admin.is_admin and admin.email_confirmed and admin.active
    web = app.test_client()
    assert AuthActions(web).login("boss@example.org").status_code == 302
    assert web.get("/admin/utilisateurs").status_code == 200


def test_create_admin_command_asks_for_the_password_twice(app, db):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "boss@example.org"],
                                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert passwords.verify_password(user_by_email(db, "boss@example.org").password_hash, PASSWORD)


def test_create_admin_command_refuses_a_weak_password_cleanly(app, db):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "boss@example.org", "--password", "short"])
    assert result.exit_code == 1
    assert "au moins 12 caractères" in result.output
    assert user_by_email(db, "boss@example.org") is None


def test_demo_load_is_idempotent(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    first = count_users(db)
    roles = {u.email: u.roles for u in db.session.scalars(select(User))}
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert first >= 4 and count_users(db) == first
    assert {u.email: u.roles for u in db.session.scalars(select(User))} == roles
