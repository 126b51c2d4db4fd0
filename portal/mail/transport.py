"""The one module that talks to an SMTP server."""
from __future__ import annotations

import base64
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from portal.mail.models import OutboxMessage


class PermanentFailure(Exception):
    """The server refused the message for good (bad address, rejected content)."""


class TemporaryFailure(Exception):
    """The server could not be reached or asked us to try later."""


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="chrysalides.portal")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        email.add_attachment(
            base64.b64decode(attachment["data"]),
            maintype=maintype,
            subtype=subtype.split(";")[0],
            filename=attachment["filename"],
        )
    # After the body: set_content() drops any Content-* header set before it.
    email["Content-Language"] = message.language
    return email


def deliver(message: OutboxMessage) -> None:
    config = current_app.config
    email = build_message(message, config["MAIL_DEFAULT_SENDER"])
    if config["MAIL_BACKEND"] == "console":
        sys.stdout.write(f"{'=' * 72}\n{email.as_string()}\n{'=' * 72}\n")
        sys.stdout.flush()
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as err:
        codes = [code for code, _msg in err.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            raise PermanentFailure(str(err)) from err
        raise TemporaryFailure(str(err)) from err
    except smtplib.SMTPResponseException as err:
        if 500 <= err.smtp_code < 600:
            raise PermanentFailure(f"{err.smtp_code} {err.smtp_error!r}") from err
        raise TemporaryFailure(f"{err.smtp_code} {err.smtp_error!r}") from err
    except (OSError, smtplib.SMTPException) as err:
        raise TemporaryFailure(f"{type(err).__name__}: {err}") from err
