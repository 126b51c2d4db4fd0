from __future__ import annotations

from dataclasses import dataclass

from portal.errors import Conflict, DomainError


class BookingRefused(DomainError):
    """A rule of the space refuses the booking (422)."""


@dataclass
class Suggestion:
    space_id: int
    space_name: str
    starts_at: object
    ends_at: object
    resource_id: int | None = None


class BookingConflict(Conflict):
    """The slot is taken (409). Carries the nearest free slots and other spaces that fit."""

    def __init__(self, message, suggestions: list[Suggestion] | None = None, field: str | None = "starts_at"):
        super().__init__(message, field=field)
        self.suggestions = suggestions or []



