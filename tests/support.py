"""Helpers shared by the tests: databases, an SMTP server on loopback, a live server."""
from __future__ import annotations

import contextvars
import html
import os
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
CHROMIUM = "/usr/bin/chromium"


def strict() -> bool:
    """In CI a missing PostgreSQL or browser is a failure, not a skip."""
    return os.environ.get("PORTAL_TEST_STRICT") == "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL ---------------------------------------------------------------


def pg_admin_url(base: str) -> str:
    url = make_url(base)
    return url.set(drivername="postgresql+psycopg", database=url.database or "postgres").render_as_string(
        hide_password=False
    )


def create_pg_database(base: str) -> str:
    import psycopg

    name = f"portal_test_{secrets.token_hex(4)}"
    url = make_url(base)
    with psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        dbname=url.database or "postgres", autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def drop_pg_database(db_url: str) -> None:
    import psycopg

    url = make_url(db_url)
    with psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        dbname="postgres", autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def pg_reachable(base: str) -> bool:
    import psycopg

    url = make_url(base)
    try:
        with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                             dbname=url.database or "postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def empty_all_tables(db) -> None:
    """Remove every row, keeping the schema (faster than re-migrating)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


# --- SMTP on loopback -----------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


def text_body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def first_link(message: EmailMessage, path_fragment: str) -> str:
    for url in re.findall(r"https?://\S+", text_body(message)):
        if path_fragment in url:
            return url
    raise AssertionError(f"no link containing {path_fragment!r} in {text_body(message)!r}")


def link_path(url: str) -> str:
    """The path of an e-mailed absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page(response) -> str:
    """A response's text with HTML entities decoded, for looking for messages."""
    return html.unescape(response.get_data(as_text=True))


def without_csrf(text_: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', text_)


class SmtpServer:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


# --- a live server for the browser tests ------------------------------------------


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


# --- a test client whose requests do not share the test's app context ----------


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server does.

    Otherwise a request reuses the app context the test pushed, and with it
    ``g`` (Flask-Login's current user, Flask-Babel's locale) and the test's
    database session, carried over from one request to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)
