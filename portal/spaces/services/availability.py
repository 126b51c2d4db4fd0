"""Free slots per space and per day, computed from a constant number of queries."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from portal.spaces.models import Booking, Closure, OpeningHours, Resource, SlotMode, Space
from portal.spaces.services import queries
from portal.timeutil import paris_day_bounds, paris_to_utc


@dataclass
class Slot:
    starts_at: datetime
    ends_at: datetime
    part: str | None  # "morning", "afternoon", "day" for half-day spaces
    free_resource_ids: list[int]
    total_resources: int
    open_for_booking: bool  # False when past, too soon or too far ahead

    @property
    def free_count(self) -> int:
        return len(self.free_resource_ids)

    @property
    def bookable(self) -> bool:
        return self.open_for_booking and self.free_count > 0


@dataclass
class DayAvailability:
    space: Space
    day: date
    closed_reason: str | None
    hours: OpeningHours | None
    slots: list[Slot] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.closed_reason is None and self.hours is not None

    @property
    def free_slots(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.bookable]


def hours_for(space: Space, day: date) -> OpeningHours | None:
    for hours in space.opening_hours:
        if hours.weekday == day.weekday():
            return hours
    return None


def slot_bounds(space: Space, day: date, hours: OpeningHours) -> list[tuple[datetime, datetime, str | None]]:
    """Every slot a space offers on a day, in UTC, following its slot rule."""
    return _slot_bounds(day, hours.opens_at, hours.closes_at, space.slot_mode, space.slot_minutes, space.half_day_split)


@lru_cache(maxsize=512)
def _slot_bounds(day: date, opens: time, closes: time, mode: SlotMode, minutes: int, split: time):
    # Pure and shared by every room with the same hours: computed once per day and rule.
    if mode == SlotMode.HALF_DAY:
        bounds = []
        if opens < split < closes:
            bounds.append((paris_to_utc(day, opens), paris_to_utc(day, split), "morning"))
            bounds.append((paris_to_utc(day, split), paris_to_utc(day, closes), "afternoon"))
        bounds.append((paris_to_utc(day, opens), paris_to_utc(day, closes), "day"))
        return tuple(bounds)
    step = timedelta(minutes=minutes)
    cursor = datetime.combine(day, opens)
    end = datetime.combine(day, closes)
    bounds = []
    while cursor + step <= end:
        start, stop = paris_to_utc(day, cursor.time()), paris_to_utc(day, (cursor + step).time())
        # Wall-clock times skipped by the spring change would give empty or repeated slots.
        if stop > start and (not bounds or start >= bounds[-1][1]):
            bounds.append((start, stop, None))
        cursor += step
    return tuple(bounds)


def free_resources(resources: list[Resource], bookings: list[Booking], start: datetime, end: datetime) -> list[int]:
    taken = {b.resource_id for b in bookings if b.starts_at < end and b.ends_at > start}
    return [r.id for r in resources if r.id not in taken]


def day_availability(spaces: list[Space], day: date, now: datetime, *, staff: bool = False) -> list[DayAvailability]:
    """Availability of several spaces on one Paris day: 2 queries whatever the volume."""
    closures = queries.closures_between(day, day, [s.id for s in spaces])
    resources_by_space = {s.id: queries.active_resources(s) for s in spaces}
    all_resource_ids = [r.id for rs in resources_by_space.values() for r in rs]
    start, end = paris_day_bounds(day)
    bookings_by_resource: dict[int, list[Booking]] = defaultdict(list)
    for booking in queries.active_bookings_between(all_resource_ids, start, end):
        bookings_by_resource[booking.resource_id].append(booking)

    result = []
    for space in spaces:
        result.append(_space_day(space, day, now, closures, resources_by_space[space.id], bookings_by_resource, staff))
    return result


def _space_day(space, day, now, closures, resources, bookings_by_resource, staff) -> DayAvailability:
    closure: Closure | None = queries.closure_for(space.id, day, closures)
    hours = hours_for(space, day)
    if closure is not None:
        return DayAvailability(space, day, closure.reason, hours)
    if hours is None:
        return DayAvailability(space, day, None, None)
    space_bookings = [b for r in resources for b in bookings_by_resource.get(r.id, [])]
    availability = DayAvailability(space, day, None, hours)
    for start, end, part in slot_bounds(space, day, hours):
        availability.slots.append(
            Slot(
                starts_at=start,
                ends_at=end,
                part=part,
                free_resource_ids=free_resources(resources, space_bookings, start, end),
                total_resources=len(resources),
                open_for_booking=slot_open(space, start, end, now, staff=staff),
            )
        )
    return availability


def slot_open(space: Space, starts_at: datetime, ends_at: datetime, now: datetime, *, staff: bool = False) -> bool:
    """A slot can be taken until it ends for desks (arrive late), until it starts for rooms;
    never when it is longer than the space allows (a full day of a half-day-only desk area)."""
    if ends_at - starts_at > timedelta(minutes=space.max_duration_minutes):
        return False
    if staff:
        return ends_at > now
    latest = now + timedelta(days=space.max_days_ahead + 1)
    if starts_at > latest:
        return False
    if space.slot_mode == SlotMode.HALF_DAY:
        return ends_at > now + timedelta(minutes=space.min_notice_minutes)
    return starts_at >= now + timedelta(minutes=space.min_notice_minutes)
