"""Queue e-mails in the outbox and send them later, with retries."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.transport import PermanentFailure, TemporaryFailure, deliver

# While one sender works on a message, others leave it alone for this long.
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def queue_email(
    *,
    to: str,
    subject,
    template: str,
    language: str,
    now: datetime,
    attachments: list[Attachment] | None = None,
    **context,
) -> OutboxMessage:
    """Render ``emails/<template>.txt`` (and ``.html`` when it exists) in ``language``.

    The message is added to the current transaction: it exists only if the
    change that caused it is committed.
    """
    with force_locale(language):
        subject_text = str(subject)
        context = {**context, "subject": subject_text, "language": language}
        body_text = render_template(f"emails/{template}.txt", **context)
        body_html = render_template(f"emails/{template}.html", **context)
    message = OutboxMessage(
        recipient=to,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        language=language,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in attachments or []
        ]
        or None,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1 min, 2, 4, 8 … capped at 6 h."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_next(now: datetime) -> OutboxMessage | None:
    """Take the oldest due message and push its next attempt past the lease."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    message = db.session.scalars(query).first()
    if message is None:
        return None
    message.attempts += 1
    message.next_attempt_at = now + CLAIM_LEASE
    db.session.flush()
    return message


def record_result(message: OutboxMessage, *, error: Exception | None, now: datetime) -> None:
    if error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = None
        return
    message.last_error = str(error)[:2000]
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    if isinstance(error, PermanentFailure) or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = now + backoff(message.attempts)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def send_pending(now_fn, limit: int = 100) -> SendReport:
    """Send due messages one by one, each claimed and settled in its own transaction.

    ``now_fn`` returns the current time; the caller commits nothing: this
    function owns its transactions because each message is a unit of work.
    """
    report = SendReport()
    for _ in range(limit):
        message = claim_next(now_fn())
        if message is None:
            db.session.commit()
            break
        db.session.commit()
        error: Exception | None = None
        try:
            deliver(message)
        except (PermanentFailure, TemporaryFailure) as err:
            error = err
        record_result(message, error=error, now=now_fn())
        db.session.commit()
        if error is None:
            report.sent += 1
        elif message.status == OutboxStatus.FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report
