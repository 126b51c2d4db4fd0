"""Availability computed once per version of the data, per worker process.

The version is the data stamp of the tables availability reads (portal.versions: it moves in
every process when one of them is written, with no query), plus the current minute (slots close
as time passes, on whole minutes). The cached result is reused only while the version is
unchanged, so what a visitor sees is never older than the database.
"""
from __future__ import annotations

from datetime import date, datetime

from portal import versions
from portal.versions import VersionedCache

AVAILABILITY_TABLES = ("bookings", "closures", "spaces", "resources", "opening_hours")


def data_version(now: datetime) -> tuple:
    return (versions.stamp(*AVAILABILITY_TABLES), int(now.timestamp()) // 60)


def day_version(day: date, now: datetime) -> tuple:
    # ``day`` is part of every cache key already; a write to these tables moves every day.
    return data_version(now)


availability_pages = VersionedCache()
availability_api = VersionedCache()
