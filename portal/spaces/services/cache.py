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

from sqlalchemy import Date, bindparam, text

from portal.db import UtcDateTime
from portal.extensions import db
from portal.spaces.models import MAX_BOOKING_LENGTH
from portal.timeutil import paris_day_bounds


# Plain SQL with typed parameters: this runs on every availability request, and building
# the equivalent expression objects cost more than the query itself.
DAY_STAMP = text("""
    SELECT
      (SELECT count(id) FROM bookings WHERE starts_at < :end AND starts_at > :lower AND ends_at > :start),
      (SELECT max(updated_at) FROM bookings WHERE starts_at < :end AND starts_at > :lower AND ends_at > :start),
      (SELECT count(id) FROM closures WHERE starts_on <= :day AND ends_on >= :day),
      (SELECT coalesce(sum(id), 0) FROM closures WHERE starts_on <= :day AND ends_on >= :day),
      (SELECT max(updated_at) FROM spaces),
      (SELECT count(id) FROM spaces)
""").bindparams(
    bindparam("start", type_=UtcDateTime), bindparam("end", type_=UtcDateTime),
    bindparam("lower", type_=UtcDateTime), bindparam("day", type_=Date),
)


def day_version(day: date, now: datetime) -> tuple:
    start, end = paris_day_bounds(day)
    row = db.session.execute(DAY_STAMP, {"start": start, "end": end, "lower": start - MAX_BOOKING_LENGTH,
                                         "day": day}).one()
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
