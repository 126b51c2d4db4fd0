"""Receipts and credit notes, numbered in one continuous sequence, and the accountant's CSV.

The number comes from ``document_counters`` updated in the payment's own
transaction: if anything fails before the commit, the number is not used.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.payments.models import Document, DocumentCounter, DocumentKind, Payment
from portal.payments.payer import payer_of
from portal.timeutil import paris_day_bounds, to_paris

COUNTER = "documents"


def seller_details() -> dict:
    config = current_app.config
    return {
        "name": config["PAYMENTS_SELLER_NAME"],
        "address": config["PAYMENTS_SELLER_ADDRESS"],
        "siret": config["PAYMENTS_SELLER_SIRET"],
        "vat_number": config["PAYMENTS_SELLER_VAT_NUMBER"],
        "vat_wording": config["PAYMENTS_VAT_WORDING"],
        "legal_mentions": config["PAYMENTS_LEGAL_MENTIONS"],
    }


def next_sequence() -> int:
    """Take the next number; the row lock is held until the commit, which keeps the order."""
    for _attempt in range(2):
        value = db.session.execute(
            update(DocumentCounter).where(DocumentCounter.name == COUNTER)
            .values(last_value=DocumentCounter.last_value + 1).returning(DocumentCounter.last_value)
        ).scalar_one_or_none()
        if value is not None:
            return value
        try:
            with db.session.begin_nested():
                db.session.execute(insert(DocumentCounter).values(name=COUNTER, last_value=0))
        except IntegrityError:
            pass  # created meanwhile by another transaction
    raise RuntimeError("document counter unavailable")


def issue(payment: Payment, kind: DocumentKind, amount_cents: int, *, now: datetime,
          corrects: Document | None = None, label: str | None = None) -> Document:
    sequence = next_sequence()
    prefix = current_app.config["PAYMENTS_DOCUMENT_PREFIX"]
    payer = payer_of(payment)
    document = Document(
        sequence=sequence, number=f"{prefix}{sequence:06d}", kind=kind, payment_id=payment.id,
        corrects_id=corrects.id if corrects is not None else None, user_id=payment.user_id,
        customer_name=(payer.name if payer is not None else payment.note or "—")[:200],
        customer_email=payer.email if payer is not None else "",
        label=(label or payment.description)[:300], amount_cents=amount_cents, vat_rate_bp=payment.vat_rate_bp,
        method=payment.method.value, issued_at=now, seller=seller_details(),
    )
    db.session.add(document)
    db.session.flush()
    return document


def receipt_of(payment_id: int) -> Document | None:
    return db.session.scalar(select(Document).where(Document.payment_id == payment_id,
                                                    Document.kind == DocumentKind.RECEIPT).order_by(Document.id))


def documents_of_user(user_id: int) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.user_id == user_id)
                                   .order_by(Document.sequence.desc()).limit(200)))


def vat_split(amount_cents: int, vat_rate_bp: int) -> tuple[int, int]:
    """(excluding VAT, VAT) of an amount that includes VAT."""
    if not vat_rate_bp:
        return amount_cents, 0
    net = round(amount_cents * 10000 / (10000 + vat_rate_bp))
    return net, amount_cents - net


def documents_between(first: date, last: date) -> list[Document]:
    start, _ = paris_day_bounds(first)
    _, end = paris_day_bounds(last)
    return list(db.session.scalars(select(Document).where(Document.issued_at >= start, Document.issued_at < end)
                                   .order_by(Document.sequence)))


CSV_HEADER = ["numero", "type", "date", "client", "email", "libelle", "moyen_de_paiement", "montant_ht",
              "tva", "montant_ttc", "taux_tva", "piece_corrigee", "paiement"]


def accountant_csv(first: date, last: date) -> str:
    """One line per document, amounts in euros with a comma, credit notes negative (French spreadsheet habits)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for doc in documents_between(first, last):
        sign = -1 if doc.kind == DocumentKind.CREDIT_NOTE else 1
        net, vat = vat_split(doc.amount_cents, doc.vat_rate_bp)
        writer.writerow([
            doc.number, "avoir" if sign < 0 else "facture", to_paris(doc.issued_at).strftime("%Y-%m-%d"),
            _safe(doc.customer_name), doc.customer_email, _safe(doc.label), doc.method,
            _euros(sign * net), _euros(sign * vat), _euros(sign * doc.amount_cents),
            f"{doc.vat_rate_bp / 100:g}".replace(".", ","), doc.corrects.number if doc.corrects else "", doc.payment_id,
        ])
    return "\ufeff" + out.getvalue()


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",")


def _safe(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
