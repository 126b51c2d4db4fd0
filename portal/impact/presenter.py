"""What a report looks like to its reader: formatted cells, suppressed counts for funders, charts.

Staff see exact figures on the dashboard; every funder view, printed report and export shows a count
under 5 as "< 5" and hides ("masqué") what would let someone work it out from the totals.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from portal.impact.charts import Bar, Series, bar_chart
from portal.impact.periods import Period
from portal.impact.report import COUNT, MONEY, PERCENT, Report, Table
from portal.impact.suppression import PRIMARY, SECONDARY, Cell, suppress_figure


def period_label(period: Period) -> str:
    if period.days <= 0:
        return _("hors des dates du financement")
    if period.kind == "month":
        return format_date(period.start, "MMMM y")
    if period.kind == "quarter":
        return _("%(number)s trimestre %(year)s", number=_ordinal_quarter(period.start.month), year=period.start.year)
    if period.kind == "year":
        return _("année %(year)s", year=period.start.year)
    return _("du %(first)s au %(last)s", first=format_date(period.start, "long"),
             last=format_date(period.last_day, "long"))


def _ordinal_quarter(month: int) -> str:
    return {1: _("1er"), 4: _("2e"), 7: _("3e"), 10: _("4e")}[month]


def period_dates(period: Period) -> str:
    if period.days <= 0:
        return ""
    return _("du %(first)s au %(last)s", first=format_date(period.start, "long"),
             last=format_date(period.last_day, "long"))


@dataclass
class CellView:
    text: str
    value: float
    state: str = "visible"

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


@dataclass
class RowView:
    key: str
    label: str
    cells: list[CellView]
    total: CellView | None


@dataclass
class PeriodTable:
    label: str
    rows: list[RowView]
    column_totals: list[CellView] | None
    grand_total: CellView | None


@dataclass
class TableView:
    key: str
    title: str
    description: str
    unit: str
    columns: list[str]
    total_label: str | None
    periods: list[PeriodTable]
    chart: Markup | None = None
    has_hidden: bool = False


@dataclass
class ReportView:
    sections: list[tuple[str, str, list[TableView]]]
    period_labels: list[str]
    costs: list[dict] = field(default_factory=list)
    has_hidden: bool = False


def fmt(value: float, unit: str) -> str:
    if unit == COUNT:
        return format_decimal(int(value))
    if unit == MONEY:
        return format_decimal(value, format="#,##0.00") + "\u202f€"
    if unit == PERCENT:
        return format_decimal(round(value, 1)) + "\u202f%"
    return format_decimal(round(value, 1))


def _cell(value, unit, state="visible") -> CellView:
    if state == PRIMARY:
        return CellView(_("< 5"), value, state)
    if state == SECONDARY:
        return CellView(_("masqué"), value, state)
    return CellView(fmt(value, unit), value)


def _column_unit(table: Table, column: int) -> str:
    if table.key.startswith("occupancy") and column == 2:
        return PERCENT
    return table.unit


def table_view(table: Table, labels: list[str], *, funder: bool) -> TableView:
    suppress = funder and table.unit == COUNT
    periods = []
    for p, label in enumerate(labels):
        values = table.values[p]
        if funder and table.counts is not None:
            states, row_totals, col_totals, grand = _by_counts(table, p)
        elif suppress and values and table.given_totals is None:
            masked = table.suppressed(p)
            states = [[c.state for c in row] for row in masked.cells]
            row_totals = masked.row_totals
            col_totals = masked.col_totals
            grand = masked.grand_total
        else:
            states = [[(suppress_figure(int(v)).state if suppress else "visible") for v in row] for row in values]
            row_totals = col_totals = grand = None
            if table.row_totals:
                row_totals = [Cell(sum(row), "visible") for row in values]
            if table.col_totals and values:
                col_totals = [Cell(sum(row[c] for row in values), "visible") for c in range(len(values[0]))]
            if table.given_totals is not None:
                row_totals = [suppress_figure(int(v)) if suppress else Cell(v, "visible")
                              for v in table.given_totals[p]]
        rows = []
        for r, (key, row_label) in enumerate(table.rows):
            cells = [_cell(v, _column_unit(table, c), states[r][c]) for c, v in enumerate(values[r])]
            total = _cell(row_totals[r].value, table.unit, row_totals[r].state) if row_totals else None
            rows.append(RowView(key, row_label, cells, total))
        column_totals = ([_cell(c.value, table.unit, c.state) for c in col_totals] if col_totals else None)
        grand_view = _cell(grand.value, table.unit, grand.state) if grand else None
        periods.append(PeriodTable(label, rows, column_totals, grand_view))
    total_label = None
    if table.row_totals:
        total_label = _("Total")
    elif table.given_totals is not None:
        total_label = _("Ensemble")
    view = TableView(table.key, str(table.title), str(table.description), table.unit,
                     [str(label) for _k, label in table.columns], total_label, periods)
    view.has_hidden = any(c.hidden for pt in periods for row in pt.rows for c in [*row.cells, *([row.total] if row.total else [])])
    view.has_hidden |= any(c.hidden for pt in periods for c in (pt.column_totals or []))
    view.chart = _chart(table, view, labels)
    return view


def _by_counts(table: Table, p: int):
    """Amounts and delays stand for the payments or requests behind them: hidden when fewer than 5,
    and a total is hidden as soon as one of its parts is."""
    values, counts = table.values[p], table.counts[p]
    states = [[PRIMARY if counts[r][c] < 5 else "visible" for c in range(len(row))] for r, row in enumerate(values)]
    col_totals = None
    if table.col_totals and values:
        col_totals = []
        for c in range(len(values[0])):
            hidden = any(states[r][c] != "visible" for r in range(len(values)))
            col_totals.append(Cell(sum(row[c] for row in values), SECONDARY if hidden else "visible"))
    return states, None, col_totals, None


def _chart(table: Table, view: TableView, labels: list[str]) -> Markup | None:
    if table.chart_column is None and table.chart_row is None:
        return None
    series = []
    for p, label in enumerate(labels):
        pt = view.periods[p]
        if table.chart_row is not None:
            cells = pt.rows[table.chart_row].cells
        else:
            cells = [row.cells[table.chart_column] for row in pt.rows]
        series.append(Series(label, [Bar(0 if c.hidden else c.value, c.text, c.hidden) for c in cells], hatched=p > 0))
    if table.chart_row is not None:
        categories = view.columns
        measured = str(table.rows[table.chart_row][1])
    else:
        categories = [row.label for row in view.periods[0].rows]
        measured = view.columns[table.chart_column]
    if not categories:
        return None
    description = _("%(measure)s : %(period)s en barres pleines, %(previous)s en barres hachurées. "
                    "Les valeurs sont écrites au bout des barres et reprises dans le tableau de données.",
                    measure=measured, period=labels[0], previous=labels[1])
    return bar_chart(f"graphique-{table.key}", f"{view.title} — {measured}", description, categories, series)


def report_view(report: Report, *, funder: bool) -> ReportView:
    labels = [period_label(p) for p in report.periods]
    sections = []
    hidden = False
    for section in report.sections:
        views = [table_view(t, labels, funder=funder) for t in section.tables if not (funder and t.staff_only)]
        hidden |= any(v.has_hidden for v in views)
        sections.append((section.key, str(section.title), views))
    return ReportView(sections, labels, costs=cost_views(report, funder=funder), has_hidden=hidden)


def money(cents: int) -> str:
    return format_decimal(cents / 100, format="#,##0.00") + "\u202f€"


def cost_views(report: Report, *, funder: bool) -> list[dict]:
    """Each avoided cost as formula, inputs and result, per period; hidden with its input when the
    input is a count under 5 in a funder view."""
    out = []
    for cost in report.avoided_costs:
        per_period = []
        for p in range(len(report.periods)):
            quantity = cost.quantities[p]
            hidden = funder and cost.quantity_is_count and quantity < 5
            per_period.append({
                "label": period_label(report.periods[p]),
                "quantity": _("< 5") if hidden else fmt(quantity, COUNT if cost.quantity_is_count else "number"),
                "result": _("non communiqué (moins de 5)") if hidden else money(cost.result_cents(p)),
                "hidden": hidden,
            })
        out.append({"label": cost.label, "source": cost.source, "driver": cost.driver_label,
                    "unit_cost": money(cost.unit_cost_cents), "periods": per_period,
                    "formula": _("%(driver)s × %(cost)s", driver=cost.driver_label, cost=money(cost.unit_cost_cents))})
    return out
