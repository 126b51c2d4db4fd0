"""The staff's day: who is where, arrivals, pending approvals, scheduled commands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.spaces import notifications
from portal.spaces.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    JobRun,
    Resource,
    Space,
)
from portal.spaces.services.queries import overlapping
from portal.timeutil import paris_day_bounds, paris_today

JOB_NAMES = ("bookings.send-reminders", "bookings.release-no-shows", "events.send-reminders", "events.expire-offers")


@dataclass
class Board:
    day: date
    bookings: list[Booking]
    pending: list[Booking]
    job_runs: dict[str, JobRun | None]

    def stale_jobs(self, now: datetime) -> list[str]:
        """Commands that have not run for a day: a forgotten cron shows."""
        return [name for name, run in self.job_runs.items() if run is None or now - run.last_run_at > timedelta(hours=26)]


def day_board(day: date) -> Board:
    start, end = paris_day_bounds(day)
    options = (joinedload(Booking.resource).joinedload(Resource.space), joinedload(Booking.user))
    bookings = db.session.scalars(
        select(Booking).options(*options)
        .where(*overlapping(start, end), Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.starts_at)
    ).all()
    pending = db.session.scalars(
        select(Booking).options(*options)
        .where(Booking.status == BookingStatus.PENDING).order_by(Booking.starts_at).limit(100)
    ).all()
    runs = {run.name: run for run in db.session.scalars(select(JobRun).where(JobRun.name.in_(JOB_NAMES)))}
    return Board(day, list(bookings), list(pending), {name: runs.get(name) for name in JOB_NAMES})


def record_job_run(name: str, now: datetime, result: str) -> None:
    run = db.session.get(JobRun, name)
    if run is None:
        run = JobRun(name=name, last_run_at=now, last_result=result)
        db.session.add(run)
    run.last_run_at = now
    run.last_result = result[:200]
    db.session.flush()


def send_reminders(now: datetime) -> int:
    """E-mail a reminder for each confirmed booking of tomorrow (Paris), once."""
    tomorrow = paris_today(now) + timedelta(days=1)
    start, end = paris_day_bounds(tomorrow)
    due = db.session.scalars(
        select(Booking).options(joinedload(Booking.resource).joinedload(Resource.space), joinedload(Booking.user))
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.starts_at >= start, Booking.starts_at < end,
               Booking.reminder_sent_at.is_(None), Booking.user_id.is_not(None))
    ).all()
    for booking in due:
        notifications.booking_reminder(booking, now=now)
        booking.reminder_sent_at = now
    record_job_run("bookings.send-reminders", now, f"{len(due)} reminder(s)")
    return len(due)


def release_no_shows(now: datetime) -> int:
    """Free the slots of confirmed bookings nobody checked in to within the space's delay."""
    candidates = db.session.scalars(
        select(Booking).join(Resource).join(Space)
        .options(joinedload(Booking.resource).joinedload(Resource.space))
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.checked_in_at.is_(None),
               Space.no_show_release_minutes.is_not(None), *overlapping(now, now))
    ).all()
    released = 0
    for booking in candidates:
        delay = timedelta(minutes=booking.resource.space.no_show_release_minutes)
        if booking.starts_at + delay <= now:
            booking.status = BookingStatus.RELEASED
            booking.sequence += 1
            booking.updated_at = now
            released += 1
    record_job_run("bookings.release-no-shows", now, f"{released} released")
    db.session.flush()
    return released
