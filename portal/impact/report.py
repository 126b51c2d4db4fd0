"""A report: the indicators of a period and of the period before, in tables ready to show,
chart, print or export. Counts shown to funders go through small-cell suppression."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal.events.forms import THEME_LABELS
from portal.impact.periods import Period
from portal.impact.scope import Scope
from portal.impact.suppression import SuppressedTable, suppress

COUNT, HOURS, PERCENT, DAYS, MONEY = "count", "hours", "percent", "days", "money"


@dataclass
class Table:
    """Rows × columns of one measure, for each compared period (values[period][row][column]).

    ``row_totals``: a row's cells add up to its total; ``col_totals`` likewise for a column.
    Totals that do not add up (distinct people over themes) are given in ``given_totals`` and
    suppressed on their own.
    """

    key: str
    title: str
    unit: str
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    values: list[list[list[float]]]
    row_totals: bool = False
    col_totals: bool = False
    given_totals: list[list[float]] | None = None  # per period, per row
    chart_column: int | None = 0  # the column drawn in the chart, rows as bars (None: no chart)
    chart_row: int | None = None  # or the row drawn, columns as bars (the themes side by side)
    description: str = ""
    staff_only: bool = False  # detail that would undo the suppression of a coarser funder table
    counts: list[list[list[int]]] | None = None  # money tables: how many payments each amount sums

    def suppressed(self, period_index: int) -> SuppressedTable:
        cells = [[int(v) for v in row] for row in self.values[period_index]]
        if not cells or not cells[0]:
            return SuppressedTable([], [] if self.row_totals else None, [] if self.col_totals else None, None)
        return suppress(cells, row_totals=self.row_totals, col_totals=self.col_totals)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class AvoidedCost:
    label: str
    source: str
    driver_label: str
    unit_cost_cents: int
    quantities: list[float]  # per period
    quantity_is_count: bool

    def result_cents(self, index: int) -> int:
        return round(self.quantities[index] * self.unit_cost_cents)


@dataclass
class Report:
    periods: list[Period]
    scope: Scope
    generated_at: datetime
    sections: list[Section]
    avoided_costs: list[AvoidedCost]
    drivers: dict[str, list[float]]

    @property
    def period(self) -> Period:
        return self.periods[0]

    @property
    def previous(self) -> Period:
        return self.periods[1]

    def tables(self):
        for section in self.sections:
            for table in section.tables:
                yield section, table


THEMES = list(THEME_LABELS.items())


def theme_columns():
    return [(key, label) for key, label in THEMES]


def theme_table(key, title, rows, by_theme: dict, measure_keys, *, additive: bool, periods: int,
                description="") -> Table:
    """Measures (rows) for the three themes side by side (columns)."""
    values, totals = [], []
    for p in range(periods):
        values.append([[by_theme.get(theme, {}).get(m, [0] * periods)[p] for theme, _label in THEMES]
                       for m in measure_keys])
        totals.append([by_theme.get("__total__", {}).get(m, [0] * periods)[p] for m in measure_keys])
    return Table(key, title, COUNT, rows, theme_columns(), values, row_totals=additive,
                 given_totals=None if additive else totals, chart_column=None, chart_row=0, description=description)

