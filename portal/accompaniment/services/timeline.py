"""The one write path of a request: every change of its row goes with a timeline event.

``change_request`` first inserts the event (carrying the version it produces),
then updates the row. The UPDATE is conditional on the version read (SQLAlchemy's
version counter) and the database trigger refuses a status change without its
event, so a second writer is told, never silently overwritten.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.accompaniment.models import EventKind, ProjectRequest, RequestEvent
from portal.errors import Conflict
from portal.extensions import db

CHANGED_MEANWHILE = _l("Cette demande a été modifiée par quelqu'un d'autre pendant que vous la lisiez. "
                       "Rien n'a été enregistré : relisez-la, puis recommencez.")


class StaleRequest(Conflict):
    """Someone else changed the request since it was read."""


def actor_label(actor) -> str:
    return actor.display_name if actor is not None else ""


def record(request: ProjectRequest, kind: EventKind, *, now: datetime, actor=None, label: str | None = None,
           body: str = "", data: dict | None = None) -> RequestEvent:
    """An event that leaves the request's row unchanged (a note, an e-mail sent, an export)."""
    event = RequestEvent(request_id=request.id, kind=kind, at=now, actor_id=getattr(actor, "id", None),
                         actor_label=label if label is not None else actor_label(actor), body=body, data=data)
    db.session.add(event)
    return event


def check_version(request: ProjectRequest, expected_version: int | None) -> None:
    """First of all: a page showing an older version is told so, before any other rule speaks."""
    if expected_version is not None and expected_version != request.version:
        raise StaleRequest(CHANGED_MEANWHILE)


def change_request(request: ProjectRequest, kind: EventKind, changes: dict, *, now: datetime, actor=None,
                   label: str | None = None, expected_version: int | None = None, body: str = "",
                   data: dict | None = None) -> RequestEvent:
    check_version(request, expected_version)
    new_status = changes.get("status")
    event = RequestEvent(
        request_id=request.id, kind=kind, at=now, actor_id=getattr(actor, "id", None),
        actor_label=label if label is not None else actor_label(actor), body=body, data=data,
        version=request.version + 1,
        from_status=request.status.value if new_status is not None else None,
        to_status=new_status.value if new_status is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
            for name, value in changes.items():
                setattr(request, name, value)
            request.version = event.version
            db.session.flush()
    except (StaleDataError, IntegrityError) as err:
        db.session.expire(request)
        raise StaleRequest(CHANGED_MEANWHILE) from err
    return event
