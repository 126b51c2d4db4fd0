"""What a report covers: everything, or one funding line's scope.

An item is in a funding line's scope when it falls in the line's dates and is either linked to
the line by hand or matches its criteria: events by theme, tag or space; bookings by space;
project requests by theme or need. Criteria left empty restrict nothing, but a line with no
criteria for a kind of item covers only the items linked to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import and_, false, or_, select, true

from portal.impact.models import FundingLine, FundingLineBooking, FundingLineEvent, FundingLineRequest
from portal.impact.periods import Period
from portal.impact.sql import json_has_any
from portal.timeutil import paris_to_utc


@dataclass(frozen=True)
class Scope:
    line: FundingLine | None = None

    @property
    def is_everything(self) -> bool:
        return self.line is None

    def clip(self, period: Period) -> Period:
        """The part of a period inside the line's dates (possibly empty)."""
        if self.line is None:
            return period
        start = max(period.start, self.line.starts_on)
        end = min(period.end, self.line.ends_on + timedelta(days=1))
        return Period(period.kind, start, max(start, end))

    def within_dates(self, column):
        if self.line is None:
            return true()
        return and_(column >= paris_to_utc(self.line.starts_on, time(0)),
                    column < paris_to_utc(self.line.ends_on + timedelta(days=1), time(0)))

    def spaces(self, space_id_column):
        """For open hours: the line's spaces (none when the line names no space)."""
        if self.line is None:
            return true()
        if not self.line.space_ids:
            return false()
        return space_id_column.in_([int(i) for i in self.line.space_ids])

    def events(self, event_table):
        if self.line is None:
            return true()
        line = self.line
        linked = event_table.c.id.in_(select(FundingLineEvent.event_id)
                                      .where(FundingLineEvent.funding_line_id == line.id))
        criteria = []
        if line.themes:
            criteria.append(event_table.c.theme.in_(line.themes))
        if line.tags:
            criteria.append(json_has_any(event_table.c.tags, line.tags))
        if line.space_ids:
            criteria.append(event_table.c.space_id.in_([int(i) for i in line.space_ids]))
        matching = and_(*criteria) if criteria else false()
        return and_(or_(linked, matching), self.within_dates(event_table.c.starts_at))

    def bookings(self, booking_table, space_id_column):
        if self.line is None:
            return true()
        line = self.line
        linked = booking_table.c.id.in_(select(FundingLineBooking.booking_id)
                                        .where(FundingLineBooking.funding_line_id == line.id))
        matching = space_id_column.in_([int(i) for i in line.space_ids]) if line.space_ids else false()
        return and_(or_(linked, matching), self.within_dates(booking_table.c.starts_at))

    def requests(self, id_column, theme_column, needs_column, date_column):
        if self.line is None:
            return true()
        line = self.line
        linked = id_column.in_(select(FundingLineRequest.request_id)
                               .where(FundingLineRequest.funding_line_id == line.id))
        criteria = []
        if line.themes and theme_column is not None:
            criteria.append(theme_column.in_(line.themes))
        if line.needs and needs_column is not None:
            criteria.append(json_has_any(needs_column, line.needs))
        matching = and_(*criteria) if criteria else false()
        return and_(or_(linked, matching), self.within_dates(date_column))
