"""Every route × every role → the answer we expect.

How to add a route: add one line to EXPECTED, keyed by (METHOD, rule exactly as
Flask writes it, e.g. "/reservations/<int:booking_id>"), with one expectation per
column, in ROLES order: a status (200, 400, 403, 405, 422...) or a redirect to
an endpoint (LOGIN, HOME, or Redirect("spaces.show_booking")). POST, PUT, PATCH
and DELETE requests carry an empty form. A new URL parameter name also needs a
sample value in PARAMETERS of tests/route_samples.py. A line whose method the
rule does not accept must expect 405 everywhere (a GET must not log you out).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.route_samples import STATE_CHANGING_METHODS, Samples, routes, sample_url

ROLES = ("anonymous", "member", "organiser", "staff", "admin")
ROLE_SETS = {
    "member": ("member",),
    "organiser": ("member", "organiser"),
    "staff": ("member", "staff"),
    "admin": ("member", "admin"),
}


@dataclass(frozen=True)
class Redirect:
    endpoint: str

    def __repr__(self) -> str:
        return f"Redirect({self.endpoint})"


LOGIN = Redirect("accounts.login")
HOME = Redirect("main.home")
PROFILE = Redirect("accounts.profile")
SHOW_USER = Redirect("admin.show_user")
BOOK = Redirect("spaces.book")
SHOW_BOOKING = Redirect("spaces.show_booking")
MY_BOOKINGS = Redirect("spaces.my_bookings")
BOARD = Redirect("spaces_staff.board")
CLOSURES = Redirect("spaces_admin.closures")
SHOW_EVENT = Redirect("events.show_event")
EDIT_EVENT = Redirect("organiser.edit_event")
MODERATION = Redirect("organiser.moderation")
EVENT_REGISTRATIONS = Redirect("organiser.registrations")
DOOR_LIST = Redirect("organiser.door_list")
EDIT_ORGANISATION = Redirect("directory.edit_organisation")
SHOW_ORGANISATION = Redirect("directory.show_organisation")
VOLUNTEERING = Redirect("volunteers.index")
SHOW_CALL = Redirect("volunteers.show_call")
PP_START = Redirect("accompaniment.start")
PP_TRIAGE = Redirect("accompaniment_staff.triage")
PP_REQUEST = Redirect("accompaniment_staff.show_request")
PP_SETTINGS = Redirect("accompaniment_admin.settings")
SHOW_LINE = Redirect("impact.show_line")

EXPECTED = {
    # (method, rule):                                  (anonymous, member, organiser, staff, admin)
    ("GET", "/"):                                       (200, 200, 200, 200, 200),
    ("POST", "/"):                                      (405, 405, 405, 405, 405),
    ("GET", "/healthz"):                                (200, 200, 200, 200, 200),
    ("GET", "/accessibilite"):                          (200, 200, 200, 200, 200),
    ("GET", "/confidentialite"):                        (200, 200, 200, 200, 200),
    ("POST", "/langue"):                                (HOME, HOME, HOME, HOME, HOME),
    ("GET", "/langue"):                                 (405, 405, 405, 405, 405),
    # accounts
    ("GET", "/inscription"):                            (200, HOME, HOME, HOME, HOME),
    ("POST", "/inscription"):                           (422, HOME, HOME, HOME, HOME),
    ("GET", "/inscription/verifiez-vos-e-mails"):       (200, 200, 200, 200, 200),
    ("GET", "/confirmer/<token>"):                      (400, 400, 400, 400, 400),
    ("POST", "/confirmer/<token>"):                     (400, 400, 400, 400, 400),
    ("GET", "/connexion"):                              (200, HOME, HOME, HOME, HOME),
    ("POST", "/connexion"):                             (422, HOME, HOME, HOME, HOME),
    ("POST", "/deconnexion"):                           (LOGIN, HOME, HOME, HOME, HOME),
    ("GET", "/deconnexion"):                            (405, 405, 405, 405, 405),
    ("GET", "/mot-de-passe-oublie"):                    (200, 200, 200, 200, 200),
    ("POST", "/mot-de-passe-oublie"):                   (422, 422, 422, 422, 422),
    ("GET", "/reinitialiser/<token>"):                  (400, 400, 400, 400, 400),
    ("POST", "/reinitialiser/<token>"):                 (400, 400, 400, 400, 400),
    ("GET", "/compte"):                                 (LOGIN, 200, 200, 200, 200),
    # An empty POST carries no fields at all: Flask-WTF then fills the form from
    # the current profile, which is saved unchanged.
    ("POST", "/compte"):                                (LOGIN, PROFILE, PROFILE, PROFILE, PROFILE),
    ("GET", "/compte/mot-de-passe"):                    (LOGIN, 200, 200, 200, 200),
    ("POST", "/compte/mot-de-passe"):                   (LOGIN, 422, 422, 422, 422),
    ("GET", "/compte/e-mail"):                          (LOGIN, 200, 200, 200, 200),
    ("POST", "/compte/e-mail"):                         (LOGIN, 422, 422, 422, 422),
    ("GET", "/compte/e-mail/confirmer/<token>"):        (400, 400, 400, 400, 400),
    ("POST", "/compte/e-mail/confirmer/<token>"):       (400, 400, 400, 400, 400),
    ("GET", "/compte/jetons"):                          (LOGIN, 200, 200, 200, 200),
    ("POST", "/compte/jetons"):                         (LOGIN, 422, 422, 422, 422),
    # Tokens are personal: nobody, not even an admin, revokes another person's.
    ("POST", "/compte/jetons/<int:token_id>/revoquer"): (LOGIN, 404, 404, 404, 404),
    # spaces: the sample booking belongs to someone else; to anyone but staff it does not exist
    ("GET", "/reservations"):                           (200, 200, 200, 200, 200),
    ("GET", "/reservations/confirmer"):                 (LOGIN, BOOK, BOOK, BOOK, BOOK),
    ("POST", "/reservations"):                          (LOGIN, BOOK, BOOK, BOOK, BOOK),
    ("GET", "/reservations/<int:booking_id>"):          (LOGIN, 404, 404, 200, 200),
    ("POST", "/reservations/<int:booking_id>/annuler"): (LOGIN, 404, 404, SHOW_BOOKING, SHOW_BOOKING),
    ("POST", "/reservations/<int:booking_id>/arrivee"): (LOGIN, 404, 404, SHOW_BOOKING, SHOW_BOOKING),
    ("POST", "/reservations/<int:booking_id>/liberer"): (LOGIN, 404, 404, SHOW_BOOKING, SHOW_BOOKING),
    ("POST", "/reservations/<int:booking_id>/annuler-la-suite"): (LOGIN, 404, 404, 404, 404),  # not in a series
    ("GET", "/reservations/<int:booking_id>/calendrier.ics"):    (LOGIN, 404, 404, 200, 200),
    ("GET", "/reservations/recurrente"):                (LOGIN, 200, 200, 200, 200),
    ("POST", "/reservations/recurrente"):               (LOGIN, 422, 422, 422, 422),
    ("GET", "/mes-reservations"):                       (LOGIN, 200, 200, 200, 200),
    ("POST", "/mes-reservations/calendrier"):           (LOGIN, MY_BOOKINGS, MY_BOOKINGS, MY_BOOKINGS, MY_BOOKINGS),
    ("POST", "/mes-reservations/calendrier/supprimer"): (LOGIN, MY_BOOKINGS, MY_BOOKINGS, MY_BOOKINGS, MY_BOOKINGS),
    ("GET", "/calendrier/<token>.ics"):                 (404, 404, 404, 404, 404),
    ("GET", "/espaces/<int:space_id>"):                 (200, 200, 200, 200, 200),
    ("GET", "/poste/<qr_token>"):                       (200, 200, 200, 200, 200),
    ("GET", "/equipe/tableau"):                         (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/reservations/<int:booking_id>/decision"):        (LOGIN, 403, 403, BOARD, BOARD),
    ("GET", "/equipe/reservations/<int:booking_id>/arrivee/<token>"):  (LOGIN, 403, 403, 404, 404),  # wrong code
    ("POST", "/equipe/reservations/<int:booking_id>/arrivee/<token>"): (LOGIN, 403, 403, 404, 404),
    ("GET", "/equipe/reservations/nouvelle"):           (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/reservations/nouvelle"):          (LOGIN, 403, 403, 422, 422),
    ("GET", "/equipe/reservations/<int:booking_id>/imprimer"):         (LOGIN, 403, 403, 200, 200),
    # JSON API: 401 instead of a redirect; someone else's booking is 404 to all but staff
    ("GET", "/api/v1/openapi.json"):                    (200, 200, 200, 200, 200),
    ("GET", "/api/v1/docs"):                            (200, 200, 200, 200, 200),
    ("GET", "/api/v1/spaces"):                          (200, 200, 200, 200, 200),
    ("GET", "/api/v1/spaces/<int:space_id>"):           (200, 200, 200, 200, 200),
    ("GET", "/api/v1/spaces/<int:space_id>/availability"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/bookings"):                        (401, 200, 200, 200, 200),
    ("POST", "/api/v1/bookings"):                       (401, 422, 422, 422, 422),
    ("GET", "/api/v1/bookings/<int:booking_id>"):       (401, 404, 404, 200, 200),
    ("DELETE", "/api/v1/bookings/<int:booking_id>"):    (401, 404, 404, 200, 200),
    # Payments through the API are the caller's own only (staff use the reception pages).
    ("GET", "/api/v1/prices/quote"):                    (401, 422, 422, 422, 422),
    ("GET", "/api/v1/payments"):                        (401, 200, 200, 200, 200),
    ("GET", "/api/v1/payments/<int:payment_id>"):       (401, 404, 404, 404, 404),
    ("POST", "/api/v1/payments/<int:payment_id>/checkout"): (401, 404, 404, 404, 404),
    ("GET", "/api/v1/credits"):                         (401, 200, 200, 200, 200),
    # admin
    ("GET", "/admin/utilisateurs"):                     (LOGIN, 403, 403, 403, 200),
    ("GET", "/admin/utilisateurs/<int:user_id>"):       (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/utilisateurs/<int:user_id>/roles"):      (LOGIN, 403, 403, 403, SHOW_USER),
    ("GET", "/admin/utilisateurs/<int:user_id>/roles"):       (405, 405, 405, 405, 405),
    ("POST", "/admin/utilisateurs/<int:user_id>/activation"): (LOGIN, 403, 403, 403, SHOW_USER),
    ("GET", "/admin/utilisateurs/<int:user_id>/activation"):  (405, 405, 405, 405, 405),
    ("GET", "/admin/espaces"):                          (LOGIN, 403, 403, 403, 200),
    ("GET", "/admin/espaces/nouveau"):                  (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/espaces/nouveau"):                 (LOGIN, 403, 403, 403, 422),
    ("GET", "/admin/espaces/<int:space_id>"):           (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/espaces/<int:space_id>"):          (LOGIN, 403, 403, 403, 422),
    ("GET", "/admin/espaces/<int:space_id>/codes-qr"):  (LOGIN, 403, 403, 403, 200),
    ("GET", "/admin/fermetures"):                       (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/fermetures"):                      (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/fermetures/<int:closure_id>/supprimer"): (LOGIN, 403, 403, 403, CLOSURES),
    # events: the sample event is public, published, open to registration, and someone else's
    ("GET", "/paiements"):                              (LOGIN, 200, 200, 200, 200),
    ("POST", "/paiements/acheter/<int:product_id>"):    (LOGIN, Redirect("payments.show_payment"), Redirect("payments.show_payment"), Redirect("payments.show_payment"), Redirect("payments.show_payment")),
    ("GET", "/paiements/<int:payment_id>"):             (LOGIN, 404, 404, 200, 200),
    ("GET", "/reservations/<int:booking_id>/paiement"): (LOGIN, 404, 404, SHOW_BOOKING, SHOW_BOOKING),
    ("POST", "/paiements/<int:payment_id>/payer"):      (LOGIN, 404, 404, Redirect("payments.show_payment"), Redirect("payments.show_payment")),
    ("GET", "/paiements/<int:payment_id>/merci"):       (LOGIN, 404, 404, Redirect("payments.show_payment"), Redirect("payments.show_payment")),
    ("POST", "/paiements/<int:payment_id>/abandonner"): (LOGIN, 404, 404, Redirect("payments.show_payment"), Redirect("payments.show_payment")),
    ("GET", "/paiements/documents/<int:document_id>.pdf"): (LOGIN, 404, 404, 404, 404),
    ("POST", "/paiements/adhesion/gerer"):              (LOGIN, Redirect("payments.my_payments"), Redirect("payments.my_payments"), Redirect("payments.my_payments"), Redirect("payments.my_payments")),
    ("GET", "/paiements/justificatif"):                 (LOGIN, 200, 200, 200, 200),
    ("GET", "/paiements/evenements/<int:event_id>/billet"): (LOGIN, 403, 403, 200, 200),
    ("POST", "/paiements/evenements/<int:event_id>/billet"): (LOGIN, 403, 403, SHOW_EVENT, SHOW_EVENT),
    ("POST", "/paiements/justificatif"):                (LOGIN, 422, 422, 422, 422),
    ("POST", "/paiements/webhook/stripe"):              (400, 400, 400, 400, 400),
    ("GET", "/paiements/webhook/stripe"):               (405, 405, 405, 405, 405),
    ("GET", "/equipe/paiements"):                       (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/paiements/<int:payment_id>/encaisser"): (LOGIN, 403, 403, Redirect("payments_staff.desk"), Redirect("payments_staff.desk")),
    ("POST", "/equipe/paiements/vente"):                (LOGIN, 403, 403, 422, 422),
    ("POST", "/equipe/paiements/organisations/credits"): (LOGIN, 403, 403, 422, 422),
    ("GET", "/equipe/paiements/personnes/<int:user_id>"): (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/paiements/personnes/<int:user_id>"): (LOGIN, 403, 403, 200, 200),
    ("GET", "/equipe/paiements/personnes/<int:user_id>/justificatif"): (LOGIN, 403, 403, 404, 404),
    ("POST", "/equipe/paiements/<int:payment_id>/rembourser"): (LOGIN, 403, 403, Redirect("payments_staff.person"), Redirect("payments_staff.person")),
    ("GET", "/equipe/paiements/export.csv"):            (LOGIN, 403, 403, Redirect("payments_staff.desk"), Redirect("payments_staff.desk")),
    ("GET", "/admin/produits"):                         (LOGIN, 403, 403, 403, 200),
    ("GET", "/admin/produits/nouveau"):                 (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/produits/nouveau"):                (LOGIN, 403, 403, 403, 422),
    ("GET", "/admin/produits/<int:product_id>"):        (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/produits/<int:product_id>"):       (LOGIN, 403, 403, 403, 422),
    ("GET", "/evenements"):                             (200, 200, 200, 200, 200),
    ("GET", "/evenements/mois"):                        (200, 200, 200, 200, 200),
    ("GET", "/evenements/integrer"):                    (200, 200, 200, 200, 200),
    ("GET", "/evenements/<int:event_id>"):              (200, 200, 200, 200, 200),
    # A visitor's empty form is shown again; an account registers in one tap.
    ("POST", "/evenements/<int:event_id>/inscription"): (422, SHOW_EVENT, SHOW_EVENT, SHOW_EVENT, SHOW_EVENT),
    ("GET", "/evenements/inscription/<token>/confirmer"):  (404, 404, 404, 404, 404),
    ("POST", "/evenements/inscription/<token>/confirmer"): (404, 404, 404, 404, 404),
    ("GET", "/evenements/inscription/<token>/place"):      (404, 404, 404, 404, 404),
    ("POST", "/evenements/inscription/<token>/place"):     (404, 404, 404, 404, 404),
    ("GET", "/evenements/inscription/<token>"):            (404, 404, 404, 404, 404),
    ("POST", "/evenements/inscription/<token>/annuler"):   (404, 404, 404, 404, 404),
    ("POST", "/evenements/inscription/<token>/payer"):     (404, 404, 404, 404, 404),
    ("GET", "/evenements/inscription/<token>/paiement/merci"): (404, 404, 404, 404, 404),
    ("GET", "/evenements/inscription/<token>/recu/<int:document_id>.pdf"): (404, 404, 404, 404, 404),
    ("GET", "/mes-inscriptions"):                       (LOGIN, 200, 200, 200, 200),
    ("GET", "/medias/<path:name>"):                     (404, 404, 404, 404, 404),  # no such image
    # calendar feeds
    ("GET", "/evenements/flux.ics"):                    (200, 200, 200, 200, 200),
    ("GET", "/evenements/flux/theme/<theme>.ics"):      (200, 200, 200, 200, 200),
    ("GET", "/evenements/flux/organisateur/<int:organiser_id>.ics"): (200, 200, 200, 200, 200),
    ("GET", "/evenements/flux/espace/<int:space_id>.ics"):           (200, 200, 200, 200, 200),
    ("GET", "/calendrier/<token>/evenements.ics"):      (404, 404, 404, 404, 404),
    ("GET", "/evenements/<int:event_id>.ics"):          (200, 200, 200, 200, 200),
    # organisers: another organiser's event does not exist for them; staff manage every event
    ("GET", "/organisateur/evenements"):                (LOGIN, 403, 200, 200, 200),
    ("GET", "/organisateur/evenements/nouveau"):        (LOGIN, 403, 200, 200, 200),
    ("POST", "/organisateur/evenements/nouveau"):       (LOGIN, 403, 422, 422, 422),
    ("GET", "/organisateur/evenements/<int:event_id>"):  (LOGIN, 403, 404, 200, 200),
    ("POST", "/organisateur/evenements/<int:event_id>"): (LOGIN, 403, 404, 422, 422),
    # already published; cancelling needs a message; a published event is not deleted: back to its page
    ("POST", "/organisateur/evenements/<int:event_id>/publier"):   (LOGIN, 403, 404, EDIT_EVENT, EDIT_EVENT),
    ("POST", "/organisateur/evenements/<int:event_id>/annuler"):   (LOGIN, 403, 404, EDIT_EVENT, EDIT_EVENT),
    ("POST", "/organisateur/evenements/<int:event_id>/supprimer"): (LOGIN, 403, 404, EDIT_EVENT, EDIT_EVENT),
    ("GET", "/organisateur/moderation"):                (LOGIN, 403, 403, 200, 200),
    ("POST", "/organisateur/moderation/<int:event_id>"): (LOGIN, 403, 403, MODERATION, MODERATION),
    ("GET", "/organisateur/evenements/<int:event_id>/inscriptions"):      (LOGIN, 403, 404, 200, 200),
    ("POST", "/organisateur/evenements/<int:event_id>/inscriptions/<int:registration_id>/decision"): (
        LOGIN, 403, 404, EVENT_REGISTRATIONS, EVENT_REGISTRATIONS),
    ("GET", "/organisateur/evenements/<int:event_id>/pointage"):          (LOGIN, 403, 404, 200, 200),
    ("POST", "/organisateur/evenements/<int:event_id>/inscriptions/<int:registration_id>/arrivee"): (
        LOGIN, 403, 404, DOOR_LIST, DOOR_LIST),
    ("GET", "/organisateur/evenements/<int:event_id>/inscriptions.csv"):  (LOGIN, 403, 404, 200, 200),
    ("GET", "/organisateur/evenements/<int:event_id>/emargement.pdf"):    (LOGIN, 403, 404, 200, 200),
    ("GET", "/organisateur/evenements/<int:event_id>/message"):           (LOGIN, 403, 404, 200, 200),
    ("POST", "/organisateur/evenements/<int:event_id>/message"):          (LOGIN, 403, 404, 422, 422),
    ("GET", "/organisateur/import"):                    (LOGIN, 403, 200, 200, 200),
    ("POST", "/organisateur/import"):                   (LOGIN, 403, 422, 422, 422),
    # events JSON API: an empty PATCH changes nothing; an empty registration registers
    ("GET", "/api/v1/events"):                          (200, 200, 200, 200, 200),
    ("POST", "/api/v1/events"):                         (401, 403, 422, 422, 422),
    ("GET", "/api/v1/events/<int:event_id>"):           (200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/events/<int:event_id>"):         (401, 403, 404, 200, 200),
    ("POST", "/api/v1/events/<int:event_id>/publish"):  (401, 403, 404, 422, 422),
    ("POST", "/api/v1/events/<int:event_id>/cancel"):   (401, 403, 404, 422, 422),
    ("POST", "/api/v1/events/<int:event_id>/registrations"):        (401, 201, 201, 201, 201),
    ("DELETE", "/api/v1/events/<int:event_id>/registrations/mine"): (401, 404, 404, 404, 404),
    # Le Lab: reports for staff and admins; funding lines defined by admins; share links answer 404
    # to every unknown, expired or revoked secret (the partner role has its own matrix in tests/impact)
    ("GET", "/lab"):                                    (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/rapport.pdf"):                        (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/export.csv"):                         (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/dictionnaire.csv"):                   (200, 200, 200, 200, 200),
    ("GET", "/lab/financements"):                       (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/financements/nouveau"):               (LOGIN, 403, 403, 403, 200),
    ("POST", "/lab/financements/nouveau"):              (LOGIN, 403, 403, 403, 422),
    ("GET", "/lab/financements/<int:line_id>"):         (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/financements/<int:line_id>/modifier"):  (LOGIN, 403, 403, 403, 200),
    ("POST", "/lab/financements/<int:line_id>/modifier"): (LOGIN, 403, 403, 403, 422),
    ("GET", "/lab/financements/<int:line_id>/rapport.pdf"): (LOGIN, 403, 403, 200, 200),
    ("GET", "/lab/financements/<int:line_id>/export.csv"):  (LOGIN, 403, 403, 200, 200),
    ("POST", "/lab/financements/<int:line_id>/liens"):      (LOGIN, 403, 403, SHOW_LINE, SHOW_LINE),
    ("POST", "/lab/financements/<int:line_id>/liens/supprimer"): (LOGIN, 403, 403, SHOW_LINE, SHOW_LINE),
    ("POST", "/lab/financements/<int:line_id>/partenaires"):     (LOGIN, 403, 403, 403, SHOW_LINE),
    # the sample user is not a partner of the line: nothing to remove
    ("POST", "/lab/financements/<int:line_id>/partenaires/<int:user_id>/retirer"): (LOGIN, 403, 403, 403, 404),
    ("POST", "/lab/financements/<int:line_id>/partages"):   (LOGIN, 403, 403, SHOW_LINE, SHOW_LINE),
    ("POST", "/lab/partages/<int:link_id>/revoquer"):       (LOGIN, 403, 403, SHOW_LINE, SHOW_LINE),
    ("GET", "/lab/partage/<token>"):                    (404, 404, 404, 404, 404),
    ("GET", "/lab/partage/<token>/rapport.pdf"):        (404, 404, 404, 404, 404),
    ("GET", "/lab/partage/<token>/export.csv"):         (404, 404, 404, 404, 404),
    ("GET", "/lab/hypotheses"):                         (LOGIN, 403, 403, 403, 200),
    ("POST", "/lab/hypotheses"):                        (LOGIN, 403, 403, 403, 422),
    ("GET", "/lab/hypotheses/<int:assumption_id>"):     (LOGIN, 403, 403, 403, 200),
    ("POST", "/lab/hypotheses/<int:assumption_id>"):    (LOGIN, 403, 403, 403, 422),
    # project holders: the form is public; the sample request's tracking link is not known (404);
    # an empty first step is shown again with its errors
    ("GET", "/porteurs-de-projet"):                     (200, 200, 200, 200, 200),
    ("GET", "/porteurs-de-projet/etape/<int:step>"):    (200, 200, 200, 200, 200),
    ("POST", "/porteurs-de-projet/etape/<int:step>"):   (422, 422, 422, 422, 422),
    ("POST", "/porteurs-de-projet/brouillon/effacer"):  (PP_START, PP_START, PP_START, PP_START, PP_START),
    ("GET", "/porteurs-de-projet/suivi/<token>"):       (404, 404, 404, 404, 404),
    ("POST", "/porteurs-de-projet/suivi/<token>/message"):     (404, 404, 404, 404, 404),
    ("POST", "/porteurs-de-projet/suivi/<token>/mes-donnees"): (404, 404, 404, 404, 404),
    ("GET", "/porteurs-de-projet/suivi/<token>/effacer"):      (404, 404, 404, 404, 404),
    ("POST", "/porteurs-de-projet/suivi/<token>/effacer"):     (404, 404, 404, 404, 404),
    ("GET", "/mes-demandes"):                           (LOGIN, 200, 200, 200, 200),
    # the accompaniment team: staff and admins; empty forms are shown again, an empty merge goes back
    ("GET", "/equipe/accompagnement"):                  (LOGIN, 403, 403, 200, 200),
    ("GET", "/equipe/accompagnement/export.csv"):       (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/accompagnement/lot"):             (LOGIN, 403, 403, PP_TRIAGE, PP_TRIAGE),
    ("GET", "/equipe/accompagnement/demandes/<int:request_id>"):             (LOGIN, 403, 403, 200, 200),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/note"):       (LOGIN, 403, 403, 422, 422),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/message"):    (LOGIN, 403, 403, 422, 422),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/attribuer"):  (LOGIN, 403, 403, 422, 422),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/statut"):     (LOGIN, 403, 403, 422, 422),
    ("POST", "/equipe/accompagnement/demandes/<int:request_id>/fusionner"):  (LOGIN, 403, 403, PP_REQUEST, PP_REQUEST),
    ("GET", "/admin/accompagnement"):                   (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/accompagnement/reglages"):         (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/equipes"):          (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/equipes/<int:team_id>/membres"): (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/equipes/<int:team_id>/membres/<int:user_id>/retirer"): (LOGIN, 403, 403, 403, 404),
    ("POST", "/admin/accompagnement/regles"):           (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/regles/<int:rule_id>/supprimer"): (LOGIN, 403, 403, 403, PP_SETTINGS),
    ("POST", "/admin/accompagnement/partenaires"):      (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/jeton"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/jeton/revoquer"): (LOGIN, 403, 403, 403, PP_SETTINGS),
    ("GET", "/admin/accompagnement/partenaires/<int:partner_id>"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>"): (LOGIN, 403, 403, 403, 422),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/desactiver"): (LOGIN, 403, 403, 403, PP_SETTINGS),
    ("POST", "/admin/accompagnement/partenaires/<int:partner_id>/reactiver"): (LOGIN, 403, 403, 403, PP_SETTINGS),
    ("GET", "/admin/accompagnement/journal"):           (LOGIN, 403, 403, 403, 200),
    # project requests JSON API: a partner token or the team
    ("POST", "/api/v1/project-requests"):               (401, 403, 403, 422, 422),
    ("GET", "/api/v1/project-requests"):                (401, 403, 403, 200, 200),
    ("GET", "/api/v1/project-requests/<int:request_id>"):        (401, 403, 403, 200, 200),
    ("POST", "/api/v1/project-requests/<int:request_id>/assign"): (401, 403, 403, 422, 422),
    ("POST", "/api/v1/project-requests/<int:request_id>/status"): (401, 403, 403, 422, 422),
    # directory: the sample organisation is public and managed by someone else; the sample user has no
    # profile (hidden people do not exist for others); staff verify organisations and edit the shared tags
    ("GET", "/annuaire"):                               (200, 200, 200, 200, 200),
    ("GET", "/annuaire/photos/<int:profile_id>/<name>"): (404, 404, 404, 404, 404),
    ("GET", "/annuaire/membres/<int:user_id>"):         (404, 404, 404, 404, 404),
    ("GET", "/annuaire/organisations/<slug>"):          (200, 200, 200, 200, 200),
    ("GET", "/annuaire/ma-fiche"):                      (LOGIN, 200, 200, 200, 200),
    ("POST", "/annuaire/ma-fiche"):                     (LOGIN, 422, 422, 422, 422),
    ("GET", "/annuaire/organisations/nouvelle"):        (LOGIN, 200, 200, 200, 200),
    ("POST", "/annuaire/organisations/nouvelle"):       (LOGIN, 422, 422, 422, 422),
    ("GET", "/annuaire/organisations/<slug>/modifier"): (LOGIN, 403, 403, 200, 200),
    ("POST", "/annuaire/organisations/<slug>/modifier"): (LOGIN, 403, 403, 422, 422),
    ("POST", "/annuaire/organisations/<slug>/membres"): (LOGIN, 403, 403, EDIT_ORGANISATION, EDIT_ORGANISATION),
    ("POST", "/annuaire/organisations/<slug>/membres/<int:user_id>/retirer"): (
        LOGIN, 403, 403, EDIT_ORGANISATION, EDIT_ORGANISATION),
    ("POST", "/annuaire/organisations/<slug>/verification"): (LOGIN, 403, 403, 400, 400),
    ("POST", "/annuaire/organisations/<slug>/rejoindre"): (LOGIN, SHOW_ORGANISATION, SHOW_ORGANISATION,
                                                          SHOW_ORGANISATION, SHOW_ORGANISATION),
    ("POST", "/annuaire/organisations/<slug>/quitter"): (LOGIN, SHOW_ORGANISATION, SHOW_ORGANISATION,
                                                        SHOW_ORGANISATION, SHOW_ORGANISATION),
    ("POST", "/annuaire/organisations/<slug>/demandes/<int:join_id>/decision"): (LOGIN, 403, 403, 400, 400),
    ("POST", "/annuaire/organisations/<slug>/membres/<int:user_id>/responsable"): (LOGIN, 403, 403, 400, 400),
    ("GET", "/annuaire/equipe/organisations"):          (LOGIN, 403, 403, 200, 200),
    ("GET", "/annuaire/fiches/<int:profile_id>/contacter"): (LOGIN, 200, 200, 200, 200),
    ("POST", "/annuaire/fiches/<int:profile_id>/contacter"): (LOGIN, 422, 422, 422, 422),
    ("GET", "/annuaire/signaler/<token>"):              (404, 404, 404, 404, 404),
    ("POST", "/annuaire/signaler/<token>"):             (404, 404, 404, 404, 404),
    ("GET", "/annuaire/equipe/signalements"):           (LOGIN, 403, 403, 200, 200),
    ("GET", "/annuaire/equipe/mots-cles"):              (LOGIN, 403, 403, 200, 200),
    ("POST", "/annuaire/equipe/mots-cles"):             (LOGIN, 403, 403, 422, 422),
    ("GET", "/annuaire/equipe/mots-cles/<int:tag_id>"): (LOGIN, 403, 403, 200, 200),
    ("POST", "/annuaire/equipe/mots-cles/<int:tag_id>"): (LOGIN, 403, 403, 422, 422),
    ("GET", "/annuaire/membres/<int:user_id>/mise-en-relation"): (LOGIN, 404, 404, 404, 404),
    ("POST", "/annuaire/membres/<int:user_id>/mise-en-relation"): (LOGIN, 404, 404, 404, 404),
    # introductions: the sample one is between two other people; staff may read it but not answer for them
    ("GET", "/mises-en-relation"):                      (LOGIN, 200, 200, 200, 200),
    ("GET", "/mises-en-relation/<int:intro_id>"):       (LOGIN, 404, 404, 200, 200),
    ("POST", "/mises-en-relation/<int:intro_id>/reponse"): (LOGIN, 404, 404, 400, 400),
    # volunteers: the sample call is someone else's; an empty answer form is a valid answer
    ("GET", "/benevolat"):                              (200, 200, 200, 200, 200),
    ("GET", "/benevolat/mon-engagement"):               (LOGIN, 200, 200, 200, 200),
    ("POST", "/benevolat/mon-engagement"):              (LOGIN, 422, 422, 422, 422),
    ("POST", "/benevolat/quitter"):                     (LOGIN, VOLUNTEERING, VOLUNTEERING, VOLUNTEERING, VOLUNTEERING),
    ("GET", "/benevolat/appels/nouveau"):               (LOGIN, 403, 200, 200, 200),
    ("POST", "/benevolat/appels/nouveau"):              (LOGIN, 403, 422, 422, 422),
    ("GET", "/benevolat/appels/<int:call_id>"):         (200, 200, 200, 200, 200),
    ("POST", "/benevolat/appels/<int:call_id>/repondre"): (LOGIN, SHOW_CALL, SHOW_CALL, SHOW_CALL, SHOW_CALL),
    ("POST", "/benevolat/appels/<int:call_id>/retirer"): (LOGIN, SHOW_CALL, SHOW_CALL, SHOW_CALL, SHOW_CALL),
    ("POST", "/benevolat/reponses/<int:answer_id>/decision"): (LOGIN, 403, 403, 400, 400),
    ("POST", "/benevolat/appels/<int:call_id>/clore"):  (LOGIN, 403, 403, SHOW_CALL, SHOW_CALL),
    ("GET", "/benevolat/appels/<int:call_id>/modifier"): (LOGIN, 403, 403, 200, 200),
    ("POST", "/benevolat/appels/<int:call_id>/modifier"): (LOGIN, 403, 403, 422, 422),
    ("POST", "/benevolat/appels/<int:call_id>/annuler"): (LOGIN, 403, 403, SHOW_CALL, SHOW_CALL),
    # my data: everyone exports and may delete their own account (an empty form deletes nothing)
    ("GET", "/mes-donnees"):                            (LOGIN, 200, 200, 200, 200),
    ("POST", "/mes-donnees/export"):                    (LOGIN, 200, 200, 200, 200),
    ("GET", "/mes-donnees/supprimer-mon-compte"):       (LOGIN, 200, 200, 200, 200),
    ("POST", "/mes-donnees/supprimer-mon-compte"):      (LOGIN, 422, 422, 422, 422),
    ("GET", "/equipe/rgpd"):                            (LOGIN, 403, 403, 200, 200),
    ("GET", "/donnees-personnelles/registre"):          (LOGIN, 403, 403, 200, 200),
    # directory and volunteer calls JSON API: same visibility as the pages
    ("GET", "/api/v1/directory"):                       (200, 200, 200, 200, 200),
    ("GET", "/api/v1/members/<int:user_id>"):           (404, 404, 404, 404, 404),
    ("GET", "/api/v1/organisations/<int:organisation_id>"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/volunteer-calls"):                 (200, 200, 200, 200, 200),
    ("POST", "/api/v1/volunteer-calls/<int:call_id>/answers"): (401, 422, 422, 422, 422),
}

CASES = [
    pytest.param(method, rule, role, id=f"{method} {rule} as {role}")
    for (method, rule) in EXPECTED
    for role in ROLES
]


def _rule(app, rule_text: str):
    for _method, rule in routes(app):
        if rule.rule == rule_text:
            return rule
    pytest.fail(f"EXPECTED names {rule_text!r}, which is not a route of the app")


def _login_as(role: str, make_user, auth) -> None:
    if role == "anonymous":
        return
    response = auth.login(make_user(roles=ROLE_SETS[role]))
    assert response.status_code == 302 and urlsplit(response.location).path == "/", (
        f"could not log in as {role}: {response.status_code}"
    )


@pytest.mark.parametrize(("method", "rule_text", "role"), CASES)
def test_route_answers_each_role_as_the_table_says(app, client, auth, make_user, method, rule_text, role):
    expected = EXPECTED[(method, rule_text)][ROLES.index(role)]
    url = sample_url(_rule(app, rule_text), Samples(make_user))
    _login_as(role, make_user, auth)

    response = client.open(url, method=method, data={} if method in STATE_CHANGING_METHODS else None)

    assert response.status_code != 500, f"{method} {url} as {role} crashed"
    if isinstance(expected, Redirect):
        assert response.status_code in (302, 303), (
            f"{method} {url} as {role}: {response.status_code}, expected a redirect to {expected.endpoint}"
        )
        endpoint, _args = app.url_map.bind("localhost").match(urlsplit(response.location).path, method="GET")
        assert endpoint == expected.endpoint, f"{method} {url} as {role} redirected to {response.location}"
    else:
        assert response.status_code == expected, f"{method} {url} as {role}: {response.status_code}"


def test_every_route_has_a_line_in_the_table(app):
    missing = [f'    ("{method}", "{rule.rule}"): (...),' for method, rule in routes(app)
               if (method, rule.rule) not in EXPECTED]
    assert not missing, "Routes without expectations; add them to EXPECTED:\n" + "\n".join(missing)


def test_every_line_of_the_table_is_a_route_and_says_something_for_each_role(app):
    served = {(method, rule.rule) for method, rule in routes(app)}
    rules = {rule for _method, rule in served}
    for (method, rule), row in EXPECTED.items():
        assert len(row) == len(ROLES), f"{method} {rule}: one expectation per role in {ROLES}"
        assert 500 not in row, f"{method} {rule}: no route may be expected to crash"
        if (method, rule) not in served:
            assert rule in rules, f"{method} {rule}: no such route any more; remove the line"
            assert row == (405,) * len(ROLES), f"{method} {rule}: the rule refuses {method}, expect 405"
