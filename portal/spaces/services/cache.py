"""Availability computed once per version of the data, per worker process.

Each request reads a cheap version stamp of the day (one indexed query); the
cached result is reused only while the stamp is unchanged, so what a visitor
sees is never older than the database. The stamp covers bookings overlapping
the day (count and last change), spaces (last change), closures of the day and
the current minute (slots close as time passes, on whole minutes).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.spaces.models import Booking, Closure, Space
from portal.spaces.services.queries import overlapping
from portal.timeutil import paris_day_bounds


def day_version(day: date, now: datetime) -> tuple:
    start, end = paris_day_bounds(day)
    in_day = overlapping(start, end)
    closed = (Closure.starts_on <= day, Closure.ends_on >= day)
    stamp = select(
        select(func.count(Booking.id)).where(*in_day).scalar_subquery(),
        select(func.max(Booking.updated_at)).where(*in_day).scalar_subquery(),
        select(func.count(Closure.id)).where(*closed).scalar_subquery(),
        select(func.coalesce(func.sum(Closure.id), 0)).where(*closed).scalar_subquery(),
        select(func.max(Space.updated_at)).scalar_subquery(),
        select(func.count(Space.id)).scalar_subquery(),
    )
    row = db.session.execute(stamp).one()
    return (*(str(value) for value in row), now.replace(second=0, microsecond=0).isoformat())


class VersionedCache:
    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, tuple[tuple, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: tuple, compute: Callable[[], Any]) -> Any:
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


availability_pages = VersionedCache()
availability_api = VersionedCache()
