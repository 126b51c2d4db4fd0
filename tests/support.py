"""Helpers shared by the tests: databases, an SMTP server on loopback, a live server."""
from __future__ import annotations

import contextvars
import html
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/"
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # make_user's default


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
        # TRUNCATE costs a new file per table: only the tables that hold rows, found in one query.
        probe = " UNION ALL ".join(f"(SELECT '{name}' FROM {name} LIMIT 1)" for name in tables)
        filled = db.session.scalars(text(probe)).all()
        if filled:
            db.session.execute(text(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE"))
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


# --- gunicorn on the test database, for real concurrency ---------------------------


@contextmanager
def gunicorn_server(database_url: str, log_path: Path, *, workers: int = 3) -> Iterator[str]:
    """gunicorn (config/gunicorn.conf.py, sync workers) serving the migrated test database; yields its URL.

    Its output goes to ``log_path``: read it afterwards to look for tracebacks.
    """
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield url
    finally:
        _stop(process)


def server_tracebacks(log_path: Path) -> list[str]:
    return [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line]


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    import pytest

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, whatever the env says
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with opener.open(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")
    pytest.fail(f"gunicorn did not answer /healthz within {timeout} s:\n{log}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the arbiter and its workers: the whole process group we started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- a person with a browser: a cookie jar, no redirect following --------------------


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 itself is the answer we check


@dataclass
class Answer:
    status: int
    location: str | None


class Browser:
    """Standard-library HTTP with a cookie jar, for requests to a live server from many threads."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar), _KeepRedirects()
        )

    def post(self, path: str, data: dict) -> Answer:
        request = urllib.request.Request(
            self.base_url + path, data=urllib.parse.urlencode(data).encode(), method="POST"
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as err:
            err.read()
            status, headers = err.code, err.headers
        return Answer(status, headers.get("Location"))

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        answer = self.post("/connexion", {"email": email, "password": password})
        assert answer.status == 302, f"login of {email} answered {answer.status}"
        assert any(cookie.name == "session" for cookie in self.jar)


def logged_in_browsers(server_url: str, users) -> list[Browser]:
    emails = [user.email for user in users]  # read here: other threads have no app context
    browsers = [Browser(server_url) for _ in users]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(Browser.log_in, browsers, emails))
    return browsers


def all_at_once(calls) -> list[Answer]:
    """Run each call in its own thread, all released by one barrier.

    The calls must not touch the ORM: these threads have no app context.
    """
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | BaseException | None] = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=30)
        try:
            answers[index] = call()
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            answers[index] = err

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    failures = [a for a in answers if not isinstance(a, Answer)]
    assert not failures, failures
    return answers


# --- a test client whose requests do not share the test's app context ----------


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server does.

    Otherwise a request reuses the app context the test pushed, and with it
    ``g`` (Flask-Login's current user, Flask-Babel's locale) and the test's
    database session, carried over from one request to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


# --- forms ----------------------------------------------------------------------


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def hidden_inputs(response) -> dict[str, str]:
    """The hidden fields of a page's forms (idempotency keys, times), as a browser would send them."""
    parser = _HiddenInputs()
    parser.feed(response.get_data(as_text=True))
    return parser.values
