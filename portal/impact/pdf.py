"""The printable report (PDF, A4, in French): a pure function of a report view returning bytes.

Fonts and their fallback are those of the attendance sheet (portal/events/attendance_sheet.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask_babel import format_datetime
from flask_babel import gettext as _
from fpdf.fonts import FontFace

from portal.events.attendance_sheet import FONT_DIRS, new_document
from portal.impact.presenter import ReportView


@dataclass(frozen=True)
class Heading:
    title: str
    subtitle: str
    lines: list[tuple[str, str]]  # (label, value) printed under the title


def report_pdf(heading: Heading, view: ReportView, *, generated_at, font_dirs: Sequence[Path] = FONT_DIRS) -> bytes:
    pdf = new_document(heading.title, font_dirs)
    text = pdf.text_of

    def line(size, content, style="", height=6):
        pdf.set_font(pdf.family, style, size)
        pdf.multi_cell(0, height, text(content), new_x="LMARGIN", new_y="NEXT")

    line(16, heading.title, "B", 8)
    line(12, heading.subtitle, "B", 7)
    pdf.ln(1)
    for label, value in heading.lines:
        line(10, f"{label} : {value}", height=5)
    line(9, _("Rapport établi le %(when)s à partir des données enregistrées dans le portail.",
              when=format_datetime(generated_at, "long")), height=5)
    line(9, _("Aucune donnée personnelle : tout nombre inférieur à 5 est affiché « < 5 », et d’autres valeurs "
              "sont « masquées » quand elles permettraient de le recalculer à partir des totaux."), height=5)
    headings_style = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    for _key, title, tables in view.sections:
        pdf.ln(4)
        line(14, title, "B", 8)
        for table in tables:
            pdf.ln(2)
            line(11, table.title, "B", 6)
            if table.description:
                line(9, table.description, height=4.5)
            for period_table in table.periods:
                pdf.ln(1)
                line(9, period_table.label, "B", 5)
                columns = [""] + table.columns + ([table.total_label] if table.total_label else [])
                width = pdf.epw
                first = min(70, width * 0.4)
                rest = (width - first) / max(1, len(columns) - 1)
                pdf.set_font(pdf.family, size=8.5)
                with pdf.table(col_widths=(first, *([rest] * (len(columns) - 1))), headings_style=headings_style,
                               line_height=4.8, text_align=("LEFT", *(["RIGHT"] * (len(columns) - 1)))) as grid:
                    row = grid.row()
                    for label in columns:
                        row.cell(text(label))
                    for row_view in period_table.rows:
                        row = grid.row()
                        row.cell(text(row_view.label))
                        for cell in row_view.cells:
                            row.cell(text(cell.text))
                        if table.total_label:
                            row.cell(text(row_view.total.text if row_view.total else ""))
                    if period_table.column_totals:
                        row = grid.row()
                        row.cell(text(_("Total")))
                        for cell in period_table.column_totals:
                            row.cell(text(cell.text))
                        if table.total_label:
                            row.cell(text(period_table.grand_total.text if period_table.grand_total else ""))
    pdf.ln(4)
    line(14, _("Coûts évités (estimation)"), "B", 8)
    if not view.costs:
        line(10, _("Aucune hypothèse de coût évité n’est définie."))
    for cost in view.costs:
        pdf.ln(2)
        line(11, cost["label"], "B", 6)
        line(9.5, _("Formule : %(formula)s", formula=cost["formula"]), height=5)
        for label, figures in zip(view.period_labels, cost["periods"], strict=True):
            line(9.5, _("%(period)s : quantité %(quantity)s → %(result)s (estimation)", period=label,
                        quantity=figures["quantity"], result=figures["result"]), height=5)
        line(9, _("Source : %(source)s", source=cost["source"]), height=4.5)
    return bytes(pdf.output())
