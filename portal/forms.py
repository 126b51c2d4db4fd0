"""Helpers shared by every capability's forms."""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Final, Literal, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.errors import DomainError
from portal.extensions import db


def show_domain_error(form: FlaskForm, err: DomainError) -> None:
    """Attach a service's refusal to the field it concerns, or to the whole form."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        form.form_errors.append(str(err.message))
        flash(str(err.message), "error")


def status_for(form: FlaskForm) -> int:
    """422 when a submitted form is shown again with errors, so clients and tests can tell."""
    return 422 if form.errors else 200


def choices_of(labels: dict) -> list[SelectChoice]:
    """Choices from a {value: label} mapping (SelectChoice: tuples are deprecated by WTForms)."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (easier to tap than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


T = TypeVar("T")


class _Refused(Enum):
    REFUSED = "refused"


REFUSED: Final = _Refused.REFUSED
"""What `committed` returns when the service refused: a sentinel, since a service may well return None."""


def committed(action: Callable[[], T], form: FlaskForm | None = None) -> T | Literal[_Refused.REFUSED]:
    """Run one service call as one transaction, so views don't each repeat the same try/except.

    Success: committed, and the action's result returned. A DomainError: rolled back, the refusal shown
    on `form` (on its field, see show_domain_error) or flashed when there is no form, and REFUSED returned.
    """
    try:
        result = action()
    except DomainError as err:
        db.session.rollback()
        if form is None:
            flash(str(err.message), "error")
        else:
            show_domain_error(form, err)
        return REFUSED
    db.session.commit()
    return result


def attempt(action: Callable[[], Any], success: Callable[[Any], str] | str | None = None) -> bool:
    """One service call behind a button: committed and confirmed, or rolled back with the refusal shown.

    `success` is the confirmation (or makes it from the action's result); None confirms nothing.
    """
    result = committed(action)
    if result is REFUSED:
        return False
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return True
