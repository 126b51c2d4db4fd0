from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.mail.services import send_pending

mail_cli = AppGroup("mail", help="E-mail outbox.")


@mail_cli.command("send-pending")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every INTERVAL seconds.")
@click.option("--interval", default=10, show_default=True, type=click.IntRange(min=1))
def send_pending_command(loop: bool, interval: int) -> None:
    """Send the e-mails waiting in the outbox (retrying failed ones with back-off)."""
    while True:
        report = send_pending(utcnow)
        if report.sent or report.retried or report.failed or not loop:
            click.echo(f"sent={report.sent} retried={report.retried} failed={report.failed}")
        if not loop:
            return
        time.sleep(interval)
