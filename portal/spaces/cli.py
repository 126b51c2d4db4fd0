from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.extensions import db
from portal.spaces.services import staff

bookings_cli = AppGroup("bookings", help="Scheduled booking tasks (run them from cron).")


@bookings_cli.command("send-reminders")
def send_reminders_command() -> None:
    """E-mail tomorrow's bookings a reminder (run once a day, e.g. at 17:00)."""
    count = staff.send_reminders(utcnow())
    db.session.commit()
    click.echo(f"{count} reminder(s) queued")


@bookings_cli.command("release-no-shows")
def release_no_shows_command() -> None:
    """Free slots whose holder did not arrive in time (run every 15 minutes)."""
    count = staff.release_no_shows(utcnow())
    db.session.commit()
    click.echo(f"{count} booking(s) released")
