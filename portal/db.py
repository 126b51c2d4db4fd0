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
