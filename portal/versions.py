"""Data versions: per-process counters that move whenever a table is written, checked with no query.

Every INSERT, UPDATE, DELETE or TRUNCATE that goes through the engine marks its table on the
connection. When that transaction commits:

- PostgreSQL: a ``NOTIFY portal_data`` naming the tables is sent inside the same transaction, so it is
  delivered to every process listening on the database exactly when the change becomes visible;
  each process keeps one listening connection and drains it without a round trip (a poll of its socket);
- this process moves its own counters before the commit and again once the connection is back in the
  pool (after the commit), so a request never reuses a result computed from older data;
- SQLite (development and tests): ``PRAGMA data_version`` on a watching connection tells of commits
  made by any other connection or process, which moves every counter.

Caches key their entries on ``stamp(tables)`` (plus the current minute where time matters), so a cached
page or feed is never older than the committed data it was computed from. Writes made outside the
application (psql, another program) are not seen: the minute in the keys bounds how long they go unseen.
"""
from __future__ import annotations

import itertools
import os
import re
import secrets
import select
import sqlite3
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

CHANNEL = "portal_data"
ALL = "*"
_WRITE = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)', re.IGNORECASE)
_TOUCHED = "portal.touched"
_COMMITTED = "portal.committed"
_tokens = itertools.count(1)
_IN_ERROR = 3  # libpq's PQTRANS_INERROR: the transaction failed and can only roll back


def written_tables(statement: str) -> set[str]:
    head = statement.lstrip()[:8].upper()
    if head.startswith(("SELECT", "SAVEPOINT", "RELEASE", "BEGIN", "PRAGMA", "ROLLBACK")):
        return set()
    tables = set(_WRITE.findall(statement))
    if head.startswith("TRUNCATE"):
        tables.add(ALL)  # also empties tables it cascades to
    return tables


class Versions:
    """The counters of one engine, in this process."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.token = f"{os.getpid()}-{next(_tokens)}-{secrets.token_hex(4)}"
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.epoch = 0
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.listener = None
        self.poller = None
        self.sqlite_watch = None
        self.sqlite_seen = None
        self.postgresql = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self._mark)
        event.listen(engine, "commit", self._before_commit)
        event.listen(engine, "rollback", self._forget)
        event.listen(engine, "checkin", self._after_commit)
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    # --- writers ------------------------------------------------------------------------

    def _mark(self, conn, _cursor, statement, _parameters, _context, _executemany):
        tables = written_tables(statement)
        if tables:
            conn.info.setdefault(_TOUCHED, set()).update(tables)

    def _forget(self, conn):
        conn.info.pop(_TOUCHED, None)

    def _before_commit(self, conn):
        tables = conn.info.pop(_TOUCHED, None)
        if not tables:
            return
        if self.postgresql:
            dbapi_connection = conn.connection.dbapi_connection
            if dbapi_connection.info.transaction_status == _IN_ERROR:
                return  # this "commit" rolls back: nothing changed
            payload = self.token + ":" + ",".join(sorted(tables))
            # Sent in the transaction: delivered at commit, never for a change that was rolled back.
            dbapi_connection.execute(f"NOTIFY {CHANNEL}, '{payload}'")
        self.bump(tables)
        conn.info.setdefault(_COMMITTED, set()).update(tables)

    def _after_commit(self, _dbapi_connection, record):
        tables = record.info.pop(_COMMITTED, None) if record is not None else None
        if tables:
            self.bump(tables)

    def bump(self, tables) -> None:
        with self.lock:
            if ALL in tables:
                self.epoch += 1
            for table in tables:
                self.counts[table] += 1

    # --- readers ------------------------------------------------------------------------

    def stamp(self, tables: tuple[str, ...]) -> tuple:
        with self.lock:
            self._poll()
            return (self.token, self.epoch, *(self.counts[t] for t in tables))

    def _poll(self) -> None:
        if os.getpid() != self.pid:  # forked: the parent's connections are not ours to use
            self.listener = self.poller = self.sqlite_watch = None
            self.pid = os.getpid()
        if self.postgresql:
            self._poll_postgresql()
        else:
            self._poll_sqlite()

    def _poll_postgresql(self) -> None:
        if self.listener is None:
            self._listen()
            return
        if not self.poller.poll(0):
            return
        try:
            self.listener.pgconn.consume_input()
            while (notice := self.listener.pgconn.notifies()) is not None:
                origin, _, tables = notice.extra.decode().partition(":")
                if origin != self.token:
                    for table in tables.split(","):
                        self.counts[table] += 1
                    if ALL in tables.split(","):
                        self.epoch += 1
        except Exception:  # noqa: BLE001 - a lost listener may have missed changes: forget everything
            self._drop_listener()
            self.epoch += 1

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        try:
            self.listener = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                                            connect_timeout=5)
            self.listener.execute(f"LISTEN {CHANNEL}")
        except Exception:  # noqa: BLE001 - the database is away: every stamp is new until it answers
            self._drop_listener()
            self.epoch += 1
            return
        self.poller = select.poll()
        self.poller.register(self.listener.fileno(), select.POLLIN)
        # Anything computed before we listened may have missed a change.
        self.epoch += 1

    def _drop_listener(self) -> None:
        if self.listener is not None:
            try:
                self.listener.close()
            except Exception:  # noqa: BLE001
                pass
        self.listener = self.poller = None

    def _poll_sqlite(self) -> None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return
        if self.sqlite_watch is None:
            self.sqlite_watch = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        seen = self.sqlite_watch.execute("PRAGMA data_version").fetchone()[0]
        if seen != self.sqlite_seen:
            self.sqlite_seen = seen
            self.epoch += 1

    def close(self) -> None:
        with self.lock:
            self._drop_listener()
            if self.sqlite_watch is not None:
                self.sqlite_watch.close()
                self.sqlite_watch = None


def init_versions(app, engine: Engine) -> None:
    app.extensions["portal_versions"] = Versions(engine)


def stamp(*tables: str) -> tuple:
    """Changes whenever one of ``tables`` is written (and committed) by anyone using the application."""
    return current_app.extensions["portal_versions"].stamp(tables)


class VersionedCache:
    """Values computed once per key and version, in this process (least recently used go first)."""

    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(key)
                return entry[1]
        value = compute()
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_everything(app) -> None:
    """Every stamp moves: what was cached in this process is computed again (benchmark, tests)."""
    app.extensions["portal_versions"].bump({ALL})
