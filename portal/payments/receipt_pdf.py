"""A receipt or credit note as PDF bytes (fpdf2, DejaVu Sans as for the attendance sheet)."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from portal.events.attendance_sheet import FONT_DIRS, _font_dir, _Sheet
from portal.payments.models import Document, DocumentKind
from portal.payments.services.documents import vat_split


def money(cents: int) -> str:
    return f"{cents / 100:,.2f} €".replace(",", "\u202f").replace(".", ",")


def document_pdf(doc: Document) -> bytes:
    pdf = _Sheet(_font_dir(FONT_DIRS))
    text = pdf.text_of
    credit_note = doc.kind == DocumentKind.CREDIT_NOTE
    title = _("Avoir n° %(number)s", number=doc.number) if credit_note else _("Facture acquittée n° %(number)s",
                                                                               number=doc.number)
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.alias_nb_pages()
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    seller = doc.seller or {}
    pdf.set_font(pdf.family, "B", 12)
    pdf.multi_cell(0, 6, text(seller.get("name", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, size=10)
    for line in (seller.get("address"), seller.get("siret") and _("SIRET : %(n)s", n=seller["siret"]),
                 seller.get("vat_number") and _("N° TVA : %(n)s", n=seller["vat_number"])):
        if line:
            pdf.multi_cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(pdf.family, "B", 16)
    pdf.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, size=11)
    facts = [(_("Date"), format_date(doc.issued_at, "long")), (_("Client"), doc.customer_name),
             (_("E-mail"), doc.customer_email), (_("Moyen de paiement"), doc.method)]
    if credit_note and doc.corrects is not None:
        facts.append((_("Facture corrigée"), doc.corrects.number))
    for label, value in facts:
        if value:
            pdf.multi_cell(0, 6, text(f"{label} : {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    net, vat = vat_split(doc.amount_cents, doc.vat_rate_bp)
    with pdf.table(col_widths=(110, 70), line_height=7) as table:
        for label, value in ((_("Désignation"), _("Montant")), (doc.label, money(doc.amount_cents)),
                             (_("Total hors taxes"), money(net)), (_("TVA"), money(vat)),
                             (_("Total remboursé") if credit_note else _("Total payé"), money(doc.amount_cents))):
            row = table.row()
            row.cell(text(label))
            row.cell(text(value))
    pdf.ln(6)
    pdf.set_font(pdf.family, size=9)
    for line in (seller.get("vat_wording"), seller.get("legal_mentions")):
        if line:
            pdf.multi_cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
