"""Declarative base, naming convention, UTC datetimes and SQLite connection set-up."""
from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC.

    PostgreSQL keeps it in a ``timestamptz``; SQLite keeps a naive UTC text whose
    fixed format sorts and compares correctly.  Naive datetimes are refused so
    that a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class, length: int) -> Enum:
    """A StrEnum stored as its values in a VARCHAR (no native type: migrations stay portable)."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UtcDateTime},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


# SQLite transactions start DEFERRED for safe (read-only) requests and IMMEDIATE
# otherwise, so that check-then-insert rules hold under concurrent writers.
sqlite_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


def configure_sqlite_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, foreign keys and explicit BEGIN on every SQLite connection.

    Recipe from SQLAlchemy's pysqlite documentation ("Serializable isolation /
    Savepoints / Transactional DDL"): the driver's own transaction handling is
    switched off and we emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = "IMMEDIATE" if sqlite_write_intent.get() else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def check_connections_cheaply(engine: Engine) -> None:
    """Stands for ``pool_pre_ping`` on PostgreSQL without its round trip on every checkout.

    A server that restarts or ends a session sends a last message and closes the socket: an idle
    pooled connection whose socket has anything to read is dead (it is dropped and the pool opens
    another, as after a failed ping).
    """
    import select

    from sqlalchemy import exc

    @event.listens_for(engine, "checkout")
    def _drop_dead(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed:
            raise exc.DisconnectionError()
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        if poller.poll(0):
            raise exc.DisconnectionError()


def commit_keeping_loaded(session) -> None:
    """Commit without expiring the objects of this session.

    For a response that shows the rows the request has just written: they are what was
    committed, so reading them back would cost queries and say nothing new. Use only when no
    trigger or server default changes those rows' values.
    """
    session = session()  # the request's session behind the scoped proxy
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def detached_copy(instance, *relationships: str):
    """A copy of a loaded row, and of the rows of its ``relationships``, owned by no session.

    Kept between requests, it becomes each request's own object through
    ``session.merge(copy, load=False)``, which attaches a fresh copy without a query.
    """
    from sqlalchemy.orm import make_transient_to_detached

    copy = _copy_columns(instance)
    children = []
    for name in relationships:
        rows = [_copy_columns(child) for child in getattr(instance, name)]
        setattr(copy, name, rows)
        children.extend(rows)
    for row in (copy, *children):
        make_transient_to_detached(row)
    return copy


def _copy_columns(instance):
    from sqlalchemy import inspect

    cls = type(instance)
    return cls(**{attr.key: getattr(instance, attr.key) for attr in inspect(cls).column_attrs})
