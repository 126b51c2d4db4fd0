"""What organisers do with the people registered: the list, the door, the export, a message."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.errors import DomainError, NotFound
from portal.events import notifications
from portal.events.models import SEAT_HOLDING, Event, Registration, RegistrationStatus
from portal.events.services.events import may_manage
from portal.extensions import db
from portal.timeutil import to_paris

WAITING = (RegistrationStatus.WAITLISTED,)
# What the export lists: everyone holding a seat or waiting for one. Guests who never
# confirmed their address and people who left are not attendees.
EXPORTED = (*SEAT_HOLDING, *WAITING)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RegistrationBoard:
    """An event's registrations, in the order the rules serve them."""

    seated: list[Registration] = field(default_factory=list)  # holding a seat, first registered first
    waiting: list[Registration] = field(default_factory=list)  # the waiting list, in order
    others: list[Registration] = field(default_factory=list)  # unconfirmed, cancelled, declined, expired

    def _count(self, status: RegistrationStatus) -> int:
        return sum(1 for r in self.seated if r.status == status)

    @property
    def registered(self) -> int:
        return self._count(RegistrationStatus.REGISTERED)

    @property
    def pending(self) -> int:
        return self._count(RegistrationStatus.PENDING)

    @property
    def offered(self) -> int:
        return self._count(RegistrationStatus.OFFERED)


def _registrations(event: Event, statuses=None) -> list[Registration]:
    query = (select(Registration).options(joinedload(Registration.user))
             .where(Registration.event_id == event.id).order_by(Registration.created_at, Registration.id))
    if statuses is not None:
        query = query.where(Registration.status.in_(statuses))
    return list(db.session.scalars(query))


def registration_board(event: Event) -> RegistrationBoard:
    board = RegistrationBoard()
    for registration in _registrations(event):
        if registration.status in SEAT_HOLDING:
            board.seated.append(registration)
        elif registration.status in WAITING:
            board.waiting.append(registration)
        else:
            board.others.append(registration)
    return board


def managed_registration(event: Event, registration_id: int) -> Registration:
    """A registration of this event (the caller has checked the event is the actor's)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("Cette inscription n'existe pas."))
    return registration


# Letters that Unicode does not decompose into a base letter and an accent.
UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ı": "i", "æ": "ae",
                              "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss"})


def folded(text: str) -> str:
    """Lower case without accents, for sorting and searching: « Zoé » is found by typing « zoe »,
    « Łucja » sorts with the L."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def door_list(event: Event) -> list[Registration]:
    """The people expected at the door (and on the attendance sheet), by name."""
    return sorted(_registrations(event, (RegistrationStatus.REGISTERED,)), key=lambda r: (folded(r.name), r.id))


def search(people: list[Registration], query: str) -> list[Registration]:
    """Those whose name or e-mail contains every word typed, accents and case aside."""
    words = folded(query).split()
    return [r for r in people if all(w in folded(f"{r.name} {r.email}") for w in words)]


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _paris(moment: datetime | None, fmt: str) -> str:
    return to_paris(moment).strftime(fmt) if moment else ""


def attendees_csv(event: Event, status_label: Callable[[RegistrationStatus], str]) -> bytes:
    """The attendees for a spreadsheet: UTF-8 with a byte-order mark and « ; » between cells,
    as French Excel expects; times in Paris."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Nom"), _("E-mail"), _("Statut"), _("Inscription (heure de Paris)"), _("Présent·e"),
                     _("Heure d'arrivée")])
    for registration in _registrations(event, EXPORTED):
        writer.writerow([safe_cell(cell) for cell in (
            registration.name, registration.email, status_label(registration.status),
            _paris(registration.created_at, "%Y-%m-%d %H:%M"),
            _("oui") if registration.checked_in_at else _("non"),
            _paris(registration.checked_in_at, "%H:%M"),
        )])
    return out.getvalue().encode("utf-8-sig")


def export_filename(event: Event, extension: str, prefix: str = "inscriptions") -> str:
    return f"{prefix}-{to_paris(event.starts_at).date().isoformat()}-{event.id}.{extension}"


def message_registrants(actor: User, event: Event, *, subject: str, body: str, include_waitlist: bool,
                        now: datetime) -> int:
    """One e-mail per person registered (and waiting, if asked), through the outbox. Returns how many."""
    if not may_manage(actor, event):
        raise NotFound(_l("Cet événement n'existe pas."))
    subject = " ".join((subject or "").split())  # a line break would end the e-mail header
    body = (body or "").strip()
    if not subject:
        raise DomainError(_l("Indiquez l'objet."), field="subject")
    if not body:
        raise DomainError(_l("Écrivez le message."), field="body")
    statuses = (*SEAT_HOLDING, *WAITING) if include_waitlist else SEAT_HOLDING
    recipients = _registrations(event, statuses)
    for registration in recipients:
        notifications.organiser_message(registration, subject=subject, body=body, sender_name=actor.display_name,
                                        now=now)
    db.session.flush()
    return len(recipients)
