"""Helpers shared by every capability's forms."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def attempt(action: Callable[[], Any], success: Callable[[Any], str] | str) -> bool:
    """One service call behind a button: committed and confirmed, or rolled back with the refusal shown."""
    try:
        result = action()
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        return False
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return True
