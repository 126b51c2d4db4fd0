"""The attendance sheet (feuille d'émargement) of an event: a pure function returning PDF bytes.

Text is set in DejaVu Sans, shipped in static/fonts/ (its licence allows it), so accents
and non-Latin names print on any machine. Without that file the sheet falls back to the
system's copy, then to a PDF core font, which only knows Latin-1: other characters become « ? ».
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

STATIC_FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT_DIRS = (STATIC_FONTS, SYSTEM_FONTS)
FAMILY = "DejaVu"
CORE_FAMILY = "helvetica"
# Characters French text uses that Latin-1 lacks, for the core-font fallback.
LATIN1_STAND_INS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                                  "œ": "oe", "Œ": "OE", "\u202f": " ", "\u2011": "-"})
SIGNATURE_ROW_MM = 14


@dataclass(frozen=True)
class SheetEvent:
    """What the sheet prints about the event, already worded."""

    title: str
    when: str
    place: str
    organiser: str


class _Sheet(FPDF):
    def __init__(self, font_dir: Path | None):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.unicode_font = font_dir is not None
        self.family = FAMILY if self.unicode_font else CORE_FAMILY
        if font_dir is not None:
            self.add_font(FAMILY, "", str(font_dir / "DejaVuSans.ttf"))
            self.add_font(FAMILY, "B", str(font_dir / "DejaVuSans-Bold.ttf"))

    def text_of(self, text: str) -> str:
        if self.unicode_font:
            return text
        return text.translate(LATIN1_STAND_INS).encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.family, size=9)
        self.cell(0, 10, self.text_of(_("Page %(page)s sur %(pages)s", page=self.page_no(), pages="{nb}")),
                  align="C")


def _font_dir(font_dirs: Sequence[Path]) -> Path | None:
    for folder in font_dirs:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


def describe(event, *, place: str) -> SheetEvent:
    """The event's facts in the reader's words (Paris time, the request's language)."""
    when = format_date(event.starts_at, "full")
    if event.all_day:
        last = event.ends_at - timedelta(seconds=1)
        if format_date(last, "short") != format_date(event.starts_at, "short"):
            when = _("du %(first)s au %(last)s", first=when, last=format_date(last, "full"))
    else:
        when = _("%(day)s, de %(start)s à %(end)s", day=when, start=format_time(event.starts_at, "short"),
                 end=format_time(event.ends_at, "short"))
    organiser = event.organisation_name or (event.organiser.display_name if event.organiser else "")
    return SheetEvent(title=event.title, when=when, place=place, organiser=organiser)


def new_document(title: str, font_dirs: Sequence[Path] = FONT_DIRS) -> _Sheet:
    """A French A4 document of the portal, its first page open (the attendance sheet, impact reports)."""
    pdf = _Sheet(_font_dir(font_dirs))
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.set_creator(_("Les Chrysalides"))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    return pdf


def attendance_sheet(event: SheetEvent, names: Sequence[str], *, font_dirs: Sequence[Path] = FONT_DIRS) -> bytes:
    """One numbered row per name with an empty box to sign; headings repeat on every page."""
    pdf = new_document(event.title, font_dirs)
    text = pdf.text_of

    pdf.set_font(pdf.family, "B", 16)
    pdf.multi_cell(0, 8, text(_("Feuille d’émargement")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "B", 13)
    pdf.multi_cell(0, 7, text(event.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(pdf.family, size=11)
    for label, value in ((_("Date"), event.when), (_("Lieu"), event.place), (_("Organisation"), event.organiser)):
        if value:
            pdf.multi_cell(0, 6, text(f"{label} : {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    headings = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(col_widths=(12, 88, 80), text_align=("CENTER", "LEFT", "LEFT"), headings_style=headings,
                   line_height=6, v_align="MIDDLE") as table:
        heading = table.row()
        for label in (_("N°"), _("Nom"), _("Signature")):
            heading.cell(text(label))
        for number, name in enumerate(names, start=1):
            row = table.row(min_height=SIGNATURE_ROW_MM)
            row.cell(str(number))
            row.cell(text(name))
            row.cell("")
    if not names:
        pdf.ln(4)
        pdf.multi_cell(0, 6, text(_("Personne n’est inscrit·e pour l’instant.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
