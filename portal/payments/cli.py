from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.extensions import db
from portal.payments.errors import TransientFailure
from portal.payments.services import checkout

payments_cli = AppGroup("payments", help="Scheduled payment tasks (run them from cron).")


@payments_cli.command("sweep")
def sweep_command() -> None:
    """Release bookings whose payment hold ran out (run every 5 minutes)."""
    try:
        released, fulfilled = checkout.sweep(utcnow())
    except TransientFailure as err:
        db.session.rollback()
        raise click.ClickException(f"Stripe unavailable, nothing changed: {err}") from err
    db.session.commit()
    click.echo(f"{released} hold(s) released, {fulfilled} late payment(s) fulfilled")
