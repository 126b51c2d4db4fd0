"""Data versions and the caches keyed on them: a committed write is seen at once, by every process."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from sqlalchemy import text

from portal import versions
from tests.conftest import make_app
from tests.spaces.conftest import make_space  # noqa: F401  (fixture)


def stamp(app, *tables):
    with app.app_context():
        return versions.stamp(*tables)


def test_a_committed_write_moves_the_stamp_of_its_table_only(app, db, make_user):
    before = versions.stamp("users", "closures")
    make_user()  # commits a user and its role
    after = versions.stamp("users", "closures")
    assert after[2] != before[2]
    assert after[3] == before[3]


def test_a_rolled_back_write_moves_nothing(app, db, make_user):
    user = make_user()
    before = versions.stamp("users")
    db.session.execute(text("UPDATE users SET display_name = 'Autre' WHERE id = :id"), {"id": user.id})
    db.session.rollback()
    assert versions.stamp("users") == before


def test_a_write_by_another_process_is_seen_without_a_query(app, db, database_url, make_user):
    """Another application object has its own engine and connections, as a second worker has."""
    make_user()
    other = make_app(database_url)
    before = versions.stamp("users")
    with other.app_context():
        from portal.extensions import db as other_db

        stamp(other, "users")  # the other worker is running too
        other_db.session.execute(text("UPDATE users SET display_name = display_name || '!'"))
        other_db.session.commit()
    deadline = time.monotonic() + 2
    while versions.stamp("users") == before and time.monotonic() < deadline:
        time.sleep(0.01)  # PostgreSQL delivers the notification right after the commit
    assert versions.stamp("users") != before


def test_written_tables_are_read_from_the_statement():
    assert versions.written_tables("INSERT INTO bookings (id) VALUES (1)") == {"bookings"}
    assert versions.written_tables('UPDATE "events" SET seats_taken = 1') == {"events"}
    assert versions.written_tables("DELETE FROM closures WHERE id = 2") == {"closures"}
    assert versions.written_tables("SELECT * FROM bookings FOR UPDATE") == set()
    assert versions.ALL in versions.written_tables("TRUNCATE users, bookings RESTART IDENTITY CASCADE")


def test_a_revoked_token_is_refused_at_once(app, db, client, make_user):
    from portal.api.auth import create_token, revoke_token

    user = make_user()
    token, secret = create_token(user, "essai", now=datetime.now(UTC))
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/bookings", headers=headers).status_code == 200
    assert client.get("/api/v1/bookings", headers=headers).status_code == 200  # from the cache
    revoke_token(user, token.id, now=datetime.now(UTC))
    db.session.commit()
    assert client.get("/api/v1/bookings", headers=headers).status_code == 401


def test_a_deactivated_account_loses_its_token_at_once(app, db, client, make_user):
    from portal.api.auth import create_token

    user = make_user()
    _token, secret = create_token(user, "essai", now=datetime.now(UTC))
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/bookings", headers=headers).status_code == 200
    db.session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": user.id})
    db.session.commit()
    assert client.get("/api/v1/bookings", headers=headers).status_code == 401


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_visitors_share_cached_pages_and_no_session_is_opened_for_them(app, db, database_url):
    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    for path in ("/evenements", "/reservations", "/annuaire"):
        first, second = csrf_app.test_client().get(path), csrf_app.test_client().get(path)
        assert first.status_code == second.status_code == 200, path
        assert first.data == second.data, path
        assert not TOKEN.findall(first.text), path
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers, path
    # The language form works for them without a token (it only sets their own session's language).
    visitor = csrf_app.test_client()
    assert visitor.post("/langue", data={"lang": "en", "next": "/evenements"}).status_code == 302
    assert 'lang="en"' in visitor.get("/evenements").text


def test_the_availability_page_shows_a_renamed_space_at_once(app, db, client, make_space):
    space = make_space(name="Salle Jaune")
    assert "Salle Jaune" in client.get("/reservations").text
    db.session.execute(text("UPDATE spaces SET name = 'Salle Verte' WHERE id = :id"), {"id": space.id})
    db.session.commit()
    page = client.get("/reservations").text
    assert "Salle Verte" in page and "Salle Jaune" not in page
