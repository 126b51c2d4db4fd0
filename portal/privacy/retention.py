"""Every table and column of the portal, classified: personal data (with its retention rule) or not.

This file is the one place the RGPD register is kept. It also drives the
self-service export (rows selected by ``subject``) and account deletion
(``on_delete``). ``tests/privacy/test_retention.py`` fails when a table or a
column exists in the models without being listed here, so nothing new slips
through unclassified.

on_delete:
  "delete"    — the person's rows are deleted;
  "anonymise" — the rows stay (aggregate statistics) and the personal columns
                are overwritten with ``anonymised`` values (NULL when not given);
  "account"   — the ``users`` row itself, handled by portal.privacy.services;
  "hook"      — erased by the owning package's code, registered in portal.privacy.registry;
  "keep"      — kept unchanged (legal or audit obligation, said in the rule); they point to the
                anonymised account;
  "none"      — no row is about one person (``subject`` is None), or nothing to do.
Foreign keys to ``users`` are listed as personal: once the account is
anonymised they point to "Compte supprimé" and identify nobody.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

ACCOUNT = _l("Tant que le compte existe ; effacé ou anonymisé à la suppression du compte.")
LINK = _l("Lien vers le compte ; après suppression, il désigne un compte anonymisé.")
MESSAGE = _l("Messages : 12 mois pour traiter un éventuel signalement, puis supprimés ; supprimés avec le compte.")
STATS = _l("Gardé anonyme pour les statistiques (aucune donnée identifiante).")
MAIL = _l("File d'envoi : supprimé à la suppression du compte, purgé après 90 jours.")
BOOKING = _l("Durée de la réservation + 3 ans (preuve d'usage des espaces), anonymisé à la suppression du compte.")
ORGANISATION = _l("Tant que l'organisation est inscrite.")
ACCOUNTING = _l("Pièce comptable : 10 ans (obligation légale), jamais effacée ; le compte est anonymisé.")
PAYMENT = _l("Paiement : 10 ans (obligation comptable), puis effacé ; rattaché à un compte anonymisé.")
REQUEST = _l("Demande d'accompagnement : anonymisée après la durée réglée par l'équipe, ou à la suppression du compte.")
DRAFT = _l("Brouillon de demande : effacé après 30 jours.")
PARTNER = _l("Contact d'un partenaire : tant que le partenariat existe.")
AUDIT = _l("Journal d'accès : gardé pour la sécurité des données, rattaché à un compte anonymisé.")
GUEST = _l("Invité sans compte : 3 ans après l'événement ou la réservation, puis effacé.")


@dataclass(frozen=True)
class Table:
    personal: dict[str, object]  # column -> retention rule (lazy translated text)
    other: frozenset[str]
    subject: str | None = None  # SQL condition with :user_id and :email selecting the person's rows
    on_delete: str = "none"
    anonymised: dict[str, object] = field(default_factory=dict)
    # personal but never exported: hashes and tokens, or copies that may name other people
    secret: frozenset[str] = frozenset()


def cols(*names: str) -> frozenset[str]:
    return frozenset(names)


TABLES: dict[str, Table] = {
    # --- accounts ---------------------------------------------------------------------------------
    "users": Table(
        personal={"email": ACCOUNT, "display_name": ACCOUNT, "phone": ACCOUNT, "password_hash": ACCOUNT,
                  "preferred_language": ACCOUNT, "email_confirmed_at": ACCOUNT, "last_login_at": ACCOUNT,
                  "calendar_token": ACCOUNT},
        other=cols("id", "active", "trusted_organiser", "created_at", "updated_at"),
        subject="id = :user_id", on_delete="account", secret=cols("password_hash", "calendar_token")),
    "user_roles": Table(personal={"user_id": LINK}, other=cols("id", "role", "granted_at"),
                        subject="user_id = :user_id", on_delete="delete"),
    "user_sessions": Table(personal={"user_id": LINK, "token_hash": ACCOUNT}, other=cols("id", "created_at"),
                           subject="user_id = :user_id", on_delete="delete", secret=cols("token_hash")),
    "api_tokens": Table(personal={"user_id": LINK, "name": ACCOUNT, "token_hash": ACCOUNT, "prefix": ACCOUNT},
                        other=cols("id", "created_at", "last_used_at", "revoked_at"),
                        subject="user_id = :user_id", on_delete="delete", secret=cols("token_hash")),
    # --- mail -------------------------------------------------------------------------------------
    "outbox_messages": Table(
        personal={"recipient": MAIL, "subject": MAIL, "body_text": MAIL, "body_html": MAIL, "attachments": MAIL},
        other=cols("id", "language", "status", "attempts", "next_attempt_at", "last_error", "created_at", "sent_at"),
        subject="recipient = :email", on_delete="delete",
        # Copies of e-mails already delivered to the person's mailbox; they may name other people.
        secret=cols("subject", "body_text", "body_html", "attachments")),
    "job_runs": Table(personal={}, other=cols("name", "last_run_at", "last_result")),
    # --- spaces -----------------------------------------------------------------------------------
    "spaces": Table(personal={}, other=cols(
        "id", "slug", "name", "kind", "description", "photo", "capacity", "floor", "amenities", "accessibility",
        "accessibility_notes", "bookable_by", "requires_approval", "active", "slot_mode", "slot_minutes",
        "half_day_split", "max_days_ahead", "min_notice_minutes", "max_duration_minutes", "max_active_bookings",
        "cancellation_deadline_hours", "no_show_release_minutes", "created_at", "updated_at")),
    "opening_hours": Table(personal={}, other=cols("id", "space_id", "weekday", "opens_at", "closes_at")),
    "closures": Table(personal={}, other=cols("id", "space_id", "starts_on", "ends_on", "reason")),
    "resources": Table(personal={}, other=cols("id", "space_id", "name", "position", "qr_token", "active")),
    "booking_series": Table(personal={"user_id": LINK}, other=cols(
        "id", "space_id", "weekdays", "interval_weeks", "local_start", "local_end", "starts_on", "until",
        "created_at"), subject="user_id = :user_id", on_delete="anonymise", anonymised={"user_id": ":keep"}),
    "bookings": Table(
        personal={"user_id": LINK, "booked_by_id": LINK, "guest_name": GUEST, "guest_phone": GUEST,
                  "title": BOOKING, "decision_reason": BOOKING, "decided_by_id": LINK, "idempotency_key": BOOKING},
        other=cols("id", "resource_id", "starts_at", "ends_at", "status", "series_id", "checked_in_at",
                   "cancelled_at", "reminder_sent_at", "sequence", "check_in_token", "created_at", "updated_at"),
        subject="user_id = :user_id", on_delete="anonymise",
        anonymised={"user_id": ":keep", "booked_by_id": ":keep", "decided_by_id": ":keep", "title": "",
                    "guest_name": None, "guest_phone": None, "decision_reason": None, "idempotency_key": None}),
    # --- events -----------------------------------------------------------------------------------
    "event_series": Table(personal={}, other=cols("id", "frequency", "interval", "weekdays", "until", "count",
                                                   "created_at")),
    "events": Table(
        personal={"organiser_id": LINK},
        other=cols("id", "uid", "series_id", "detached", "title", "description_html", "theme", "tags",
                   "organisation_name", "image", "starts_at", "ends_at", "all_day", "space_id", "booking_id",
                   "address", "audience", "languages", "accessibility", "capacity", "seats_taken",
                   "registration_mode", "registration_deadline", "is_free", "price_info", "status",
                   "moderation_note", "cancellation_message", "sequence", "published_at", "reminder_sent_at",
                   "created_at", "updated_at"),
        subject="organiser_id = :user_id", on_delete="anonymise", anonymised={"organiser_id": ":keep"}),
    "registrations": Table(
        personal={"user_id": LINK, "guest_name": GUEST, "guest_email": GUEST, "token": ACCOUNT},
        other=cols("id", "event_id", "language", "status", "offer_expires_at", "checked_in_at", "created_at",
                   "updated_at"),
        subject="user_id = :user_id OR guest_email = :email", on_delete="anonymise",
        anonymised={"user_id": ":keep", "guest_name": None, "guest_email": None, "token": ":random"},
        secret=cols("token")),
    # --- directory --------------------------------------------------------------------------------
    "organisations": Table(
        personal={"verified_by_id": LINK, "contact_email": ORGANISATION,
                  "contact_phone": ORGANISATION},
        other=cols("id", "name", "slug", "type", "verified", "verified_at", "created_at", "updated_at")),
    # Kept, anonymised, so that the impact report's past figures (active organisations) do not move.
    "organisation_memberships": Table(personal={"user_id": LINK, "role": ACCOUNT},
                                      other=cols("id", "organisation_id", "is_manager", "created_at"),
                                      subject="user_id = :user_id", on_delete="anonymise",
                                      anonymised={"user_id": ":keep", "role": ""}),
    "organisation_join_requests": Table(personal={"user_id": LINK, "message": ACCOUNT},
                                        other=cols("id", "organisation_id", "status", "created_at", "decided_at",
                                                   "decided_by_id"),
                                        subject="user_id = :user_id", on_delete="delete"),
    "directory_tags": Table(personal={}, other=cols("id", "label", "slug", "category", "created_at")),
    "directory_profiles": Table(
        personal={"user_id": LINK, "name": ACCOUNT, "visibility": ACCOUNT, "consent_at": ACCOUNT,
                  "share_contact": ACCOUNT, "presentation": ACCOUNT, "neighbourhood": ACCOUNT, "town": ACCOUNT,
                  "website": ACCOUNT, "social_links": ACCOUNT, "offers_text": ACCOUNT, "needs_text": ACCOUNT,
                  "photo": ACCOUNT, "search_text": ACCOUNT},
        other=cols("id", "kind", "organisation_id", "created_at", "updated_at"),
        subject="user_id = :user_id", on_delete="delete"),
    "directory_profile_tags": Table(personal={}, other=cols("id", "profile_id", "tag_id", "direction")),
    "directory_profile_languages": Table(personal={}, other=cols("id", "profile_id", "code")),
    "directory_profile_themes": Table(personal={}, other=cols("id", "profile_id", "theme")),
    "directory_contact_messages": Table(
        personal={"sender_id": LINK, "subject": MESSAGE, "body": MESSAGE, "report_token": MESSAGE,
                  "report_reason": MESSAGE},
        other=cols("id", "profile_id", "created_at", "reported_at"),
        subject="sender_id = :user_id", on_delete="delete", secret=cols("report_token")),
    "introductions": Table(
        personal={"proposer_id": LINK, "first_user_id": LINK, "second_user_id": LINK,
                  "reason": _l("Tant que les deux comptes existent ; effacé quand l'un est supprimé.")},
        other=cols("id", "first_answer", "second_answer", "first_answered_at", "second_answered_at", "created_at",
                   "accepted_at"),
        subject="proposer_id = :user_id OR first_user_id = :user_id OR second_user_id = :user_id",
        on_delete="anonymise", anonymised={"proposer_id": ":keep", "first_user_id": ":keep",
                                           "second_user_id": ":keep", "reason": ""}),
    # --- volunteers -------------------------------------------------------------------------------
    # Kept, anonymised and inactive: the volunteer pool of past periods stays as reported.
    "volunteers": Table(personal={"user_id": LINK, "neighbourhood": ACCOUNT, "note": ACCOUNT, "active": ACCOUNT},
                        other=cols("id", "created_at", "updated_at"), subject="user_id = :user_id",
                        on_delete="anonymise",
                        anonymised={"user_id": ":keep", "neighbourhood": "", "note": "", "active": False}),
    "volunteer_skills": Table(personal={}, other=cols("id", "volunteer_id", "tag_id")),
    "volunteer_languages": Table(personal={}, other=cols("id", "volunteer_id", "code")),
    "volunteer_availability": Table(personal={}, other=cols("id", "volunteer_id", "weekday", "period")),
    "volunteer_calls": Table(
        personal={"organiser_id": LINK},
        other=cols("id", "organisation_id", "title", "description", "starts_at", "ends_at", "place", "neighbourhood",
                   "language", "wanted", "accepted_count", "status", "cancelled_at", "cancel_message", "created_at",
                   "updated_at"),
        subject="organiser_id = :user_id", on_delete="anonymise", anonymised={"organiser_id": ":keep"}),
    "volunteer_call_skills": Table(personal={}, other=cols("id", "call_id", "tag_id")),
    "volunteer_answers": Table(
        personal={"user_id": LINK, "message": ACCOUNT},
        other=cols("id", "call_id", "status", "created_at", "decided_at"),
        subject="user_id = :user_id", on_delete="anonymise", anonymised={"user_id": ":keep", "message": ""}),
    # --- accompaniment (project holders) ---------------------------------------------------------
    "accompaniment_partners": Table(
        personal={"contact_email": PARTNER},
        other=cols("id", "name", "website", "token_hash", "token_prefix", "token_created_at", "active", "created_at")),
    "accompaniment_settings": Table(personal={}, other=cols("id", "first_contact_days", "retention_months",
                                                            "updated_at")),
    "accompaniment_teams": Table(personal={}, other=cols("id", "name", "description", "created_at")),
    "accompaniment_routing_rules": Table(
        personal={"user_id": LINK},
        other=cols("id", "position", "theme", "need", "stage", "language", "team_id", "active", "created_at"),
        subject="user_id = :user_id", on_delete="delete"),
    "accompaniment_team_members": Table(personal={"user_id": LINK}, other=cols("id", "team_id"),
                                        subject="user_id = :user_id", on_delete="delete"),
    "project_request_drafts": Table(personal={"data": DRAFT, "token": DRAFT},
                                    other=cols("id", "step", "created_at", "updated_at")),
    "project_requests": Table(
        personal={"user_id": LINK, "name": REQUEST, "email": REQUEST, "phone": REQUEST, "phone_digits": REQUEST,
                  "title": REQUEST, "description": REQUEST, "place": REQUEST, "needs_other": REQUEST,
                  "heard_from": REQUEST, "status_reason": REQUEST, "consent_at": REQUEST,
                  "holder_waiting_since": REQUEST, "tracking_token": REQUEST, "assignee_id": LINK,
                  "language": REQUEST, "contact_channel": REQUEST},
        other=cols("id", "reference", "theme", "stage", "needs", "source", "source_partner_id", "status",
                   "partner_id", "team_id", "submitted_at", "first_contact_due_at", "first_contact_at", "closed_at",
                   "merged_into_id", "anonymised_at", "version", "created_at", "updated_at"),
        subject="user_id = :user_id OR email = :email", on_delete="hook", secret=cols("tracking_token")),
    "project_request_events": Table(
        personal={"actor_id": LINK, "actor_label": REQUEST, "body": REQUEST, "data": REQUEST},
        other=cols("id", "request_id", "at", "kind", "from_status", "to_status", "version"),
        subject="request_id IN (SELECT id FROM project_requests WHERE user_id = :user_id OR email = :email)",
        on_delete="hook",
        # The team's notes and the names of its members are not the holder's data.
        secret=cols("actor_id", "actor_label", "body", "data")),
    "project_request_access_logs": Table(personal={"user_id": LINK}, other=cols("id", "request_id", "at", "action"),
                                         subject="user_id = :user_id", on_delete="keep"),
    # --- payments -------------------------------------------------------------------------------
    "products": Table(personal={}, other=cols(
        "id", "kind", "name", "description", "space_id", "event_id", "credit_kind", "credit_quantity", "vat_rate_bp",
        "active", "created_at", "updated_at")),
    "prices": Table(personal={}, other=cols("id", "product_id", "category", "amount_cents", "half_day_amount_cents")),
    "stripe_events": Table(personal={}, other=cols("id", "type", "applied_at", "outcome")),
    "document_counters": Table(personal={}, other=cols("name", "last_value")),
    "payment_bookings": Table(personal={}, other=cols("payment_id", "booking_id", "amount_cents")),
    "payment_profiles": Table(
        personal={"user_id": LINK, "category": ACCOUNT, "category_set_by_id": LINK, "category_note": ACCOUNT,
                  "document_name": ACCOUNT, "document_uploaded_at": ACCOUNT, "stripe_customer_id": PAYMENT},
        other=cols("id", "created_at", "updated_at"), subject="user_id = :user_id", on_delete="delete"),
    "memberships": Table(
        personal={"user_id": LINK, "stripe_subscription_id": PAYMENT},
        other=cols("id", "product_id", "status", "current_period_end", "last_event_at", "created_at", "updated_at"),
        subject="user_id = :user_id", on_delete="keep"),
    "payments": Table(
        personal={"user_id": LINK, "recorded_by_id": LINK, "note": PAYMENT, "stripe_session_id": PAYMENT,
                  "stripe_payment_intent_id": PAYMENT, "stripe_invoice_id": PAYMENT},
        other=cols("id", "product_id", "booking_id", "registration_id", "membership_id", "description", "category",
                   "amount_cents", "refunded_cents", "vat_rate_bp", "method", "status", "hold_expires_at", "paid_at",
                   "created_at", "updated_at"),
        subject="user_id = :user_id", on_delete="anonymise",
        anonymised={"user_id": ":keep", "recorded_by_id": ":keep", "stripe_session_id": ":keep",
                    "stripe_payment_intent_id": ":keep", "stripe_invoice_id": ":keep", "note": ""}),
    "accounting_documents": Table(
        personal={"user_id": LINK, "customer_name": ACCOUNTING, "customer_email": ACCOUNTING},
        other=cols("id", "sequence", "number", "kind", "payment_id", "corrects_id", "label", "amount_cents",
                   "vat_rate_bp", "method", "issued_at", "seller"),
        subject="user_id = :user_id", on_delete="keep"),
    "credit_balances": Table(personal={"user_id": LINK}, other=cols("id", "organisation_id", "kind", "balance"),
                             subject="user_id = :user_id", on_delete="keep"),
    "credit_entries": Table(
        personal={"created_by_id": LINK},
        other=cols("id", "balance_id", "delta", "balance_after", "reason", "booking_id", "payment_id", "created_at"),
        subject="created_by_id = :user_id", on_delete="keep"),
    # --- impact reporting -----------------------------------------------------------------------
    "funding_lines": Table(personal={}, other=cols(
        "id", "funder", "name", "description", "amount_cents", "themes", "tags", "space_ids", "needs", "starts_on",
        "ends_on", "active", "created_at", "updated_at")),
    "funding_line_partners": Table(personal={"user_id": LINK}, other=cols("id", "funding_line_id", "created_at"),
                                   subject="user_id = :user_id", on_delete="delete"),
    "funding_line_requests": Table(personal={}, other=cols("id", "funding_line_id", "request_id", "created_at")),
    "funding_line_bookings": Table(personal={}, other=cols("id", "funding_line_id", "booking_id", "created_at")),
    "funding_line_events": Table(personal={}, other=cols("id", "funding_line_id", "event_id", "created_at")),
    "avoided_cost_assumptions": Table(personal={}, other=cols(
        "id", "label", "driver", "unit_cost_cents", "source", "active", "created_at", "updated_at")),
    "report_share_links": Table(
        personal={"created_by_id": LINK},
        other=cols("id", "funding_line_id", "token_hash", "period_kind", "starts_on", "ends_on", "expires_at",
                   "created_at", "revoked_at"),
        subject="created_by_id = :user_id", on_delete="keep"),
    # --- privacy ----------------------------------------------------------------------------------
    "privacy_requests": Table(
        personal={"user_id": _l("Journal des demandes : le lien vers le compte est retiré à la suppression.")},
        other=cols("id", "kind", "requested_at", "completed_at", "summary", "account_ref"),
        subject="user_id = :user_id", on_delete="none"),
}
