"""The outbox: e-mails written with the change that caused them, sent later with retries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import services
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import queue_email
from tests.support import Mailbox, free_port, text_body


def outbox_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def only_message(db) -> OutboxMessage:
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    return message


def at(moment):
    return lambda: moment


class PickyMailbox(Mailbox):
    """Accepts every recipient except those given a refusal reply."""

    def __init__(self, refusals: dict[str, str]):
        super().__init__()
        self.refusals = refusals

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd hook
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky_smtp(app, monkeypatch):
    """An SMTP server on loopback that refuses some recipients with the reply given."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(refusals: dict[str, str]) -> PickyMailbox:
        mailbox = PickyMailbox(refusals)
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


def test_an_email_exists_only_if_its_transaction_commits(db, make_user, now):
    user = make_user()
    services.request_password_reset(user.email, now=now)
    queue_email(to="someone@example.org", subject="Bonjour", template="accounts/email_changed", language="fr",
                now=now, user=user, new_email="x@example.org")
    assert outbox_count(db) == 2
    db.session.rollback()
    assert outbox_count(db) == 0

    services.request_password_reset(user.email, now=now)
    db.session.commit()
    db.session.rollback()
    assert outbox_count(db) == 1


def test_unreachable_server_keeps_the_message_with_growing_back_off(app, db, make_user, now, send_mail, request):
    assert app.config["MAIL_PORT"] == 1  # nothing listens there
    user = make_user()
    services.request_password_reset(user.email, now=now)
    db.session.commit()

    report = send_mail(at(now))
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    message = only_message(db)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "refused" in message.last_error.lower()
    assert message.next_attempt_at == now + timedelta(minutes=1)

    # Not due yet: left alone.
    assert send_mail(at(now + timedelta(seconds=59))).retried == 0
    assert message.attempts == 1

    assert send_mail(at(now + timedelta(minutes=1))).retried == 1
    assert message.attempts == 2
    assert message.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)

    mailbox = request.getfixturevalue("smtp")
    later = now + timedelta(minutes=3)
    report = send_mail(at(later))
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 3
    assert message.sent_at == later
    assert message.last_error is None
    (received,) = mailbox.to(user.email)
    assert received["Subject"] == "Choisir un nouveau mot de passe"

    # Sent messages are not sent again.
    assert send_mail(at(later + timedelta(days=1))).sent == 0
    assert len(mailbox.messages) == 1


def test_message_has_text_and_html_parts_in_the_recipients_language(app, db, make_user, now, smtp, send_mail):
    english = make_user(email="jo@example.org", language="en")
    french = make_user(email="lea@example.org", language="fr")
    services.request_password_reset(english.email, now=now)
    services.request_password_reset(french.email, now=now)
    db.session.commit()

    assert send_mail().sent == 2

    (message,) = smtp.to("jo@example.org")
    assert message["Subject"] == "Choose a new password"
    assert message["Content-Language"] == "en"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text = text_body(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "To choose a new password, open this link:" in text
    assert '<html lang="en">' in html
    (text_link,) = re.findall(r"https?://\S+/reinitialiser/\S+", text)
    assert f'href="{text_link}"' in html

    (message,) = smtp.to("lea@example.org")
    assert message["Subject"] == "Choisir un nouveau mot de passe"
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien :" in text_body(message)


def test_gives_up_after_the_maximum_number_of_attempts(app, db, make_user, now, send_mail, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    user = make_user()
    services.request_password_reset(user.email, now=now)
    db.session.commit()
    message = only_message(db)

    reports = []
    for _ in range(3):
        reports.append(send_mail(at(message.next_attempt_at)))
    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3
    assert message.last_error

    report = send_mail(at(now + timedelta(days=30)))
    assert (report.sent, report.retried, report.failed) == (0, 0, 0)
    assert message.attempts == 3


def test_each_message_is_settled_on_its_own(db, make_user, now, send_mail, picky_smtp):
    mailbox = picky_smtp({
        "gone@example.org": "550 5.1.1 No such user",
        "busy@example.org": "451 4.3.0 Try again later",
    })
    for email in ("gone@example.org", "busy@example.org", "fine@example.org"):
        services.request_password_reset(make_user(email=email).email, now=now)
    db.session.commit()

    report = send_mail(at(now))
    assert (report.sent, report.retried, report.failed) == (1, 1, 1)
    states = {m.recipient: (m.status, m.attempts) for m in db.session.scalars(select(OutboxMessage))}
    assert states == {
        "gone@example.org": (OutboxStatus.FAILED, 1),
        "busy@example.org": (OutboxStatus.PENDING, 1),
        "fine@example.org": (OutboxStatus.SENT, 1),
    }
    assert [m["To"] for m in mailbox.messages] == ["fine@example.org"]
    failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "gone@example.org"))
    assert "550" in failed.last_error


def test_send_pending_command_reports_what_it_did(app, db, make_user, now, smtp):
    user = make_user()
    services.request_password_reset(user.email, now=now)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent=1 retried=0 failed=0"
    assert len(smtp.to(user.email)) == 1
