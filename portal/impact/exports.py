"""CSV exports (always with small counts suppressed) and their data dictionary."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.impact.presenter import ReportView, period_dates
from portal.impact.report import Report

COLUMNS = [
    ("section", _l("Partie du rapport")),
    ("tableau", _l("Identifiant du tableau (voir les définitions ci-dessous)")),
    ("titre", _l("Titre du tableau")),
    ("ligne", _l("Ligne du tableau (espace, indicateur…)")),
    ("colonne", _l("Colonne du tableau (thème, mesure…) ; « Total » ou « Ensemble » pour les totaux")),
    ("periode", _l("« courante » pour la période du rapport, « precedente » pour celle d’avant")),
    ("dates", _l("Dates de la période (heure de Paris, bornes incluses)")),
    ("valeur", _l("Nombre ; vide quand il est masqué")),
    ("affichage", _l("Ce que montre le rapport : le nombre, « < 5 » (moins de 5) ou « masqué » (caché pour "
                     "qu’aucune valeur « < 5 » ne puisse être recalculée à partir des totaux)")),
    ("unite", _l("count : nombre ; hours : heures ; percent : pourcentage ; money : euros")),
]

DEFINITIONS = {
    "occupancy_by_space": _l("Par espace : heures d’ouverture (horaires d’ouverture × postes ou salles actifs, jours "
                             "de fermeture exclus), heures réservées (réservations confirmées, ramenées aux bornes de "
                             "la période) et leur rapport en pourcentage."),
    "occupancy_by_kind": _l("Même calcul, regroupé par type d’espace (coworking, salle de réunion, grande salle, atelier)."),
    "bookings_use": _l("Réservations confirmées commençant dans la période, selon que l’arrivée a été enregistrée, "
                       "qu’elle ne l’a pas été alors que la réservation est passée, ou que la réservation est à venir."),
    "bookings_other": _l("Absences : réservations libérées faute d’arrivée. Annulations. Réservations faites à "
                         "l’accueil pour une personne sans compte."),
    "residents": _l("Personnes ayant un compte qui ont réservé (hors annulations) : nouvelles si leur première "
                    "réservation tombe dans la période, déjà venues sinon."),
    "events_by_theme": _l("Événements publiés commençant dans la période, par thème du PTCE ; inscriptions qui "
                          "tiennent une place ; présences enregistrées au pointage ; demandes restées en liste "
                          "d’attente ou offres expirées (demande non satisfaite)."),
    "people_by_theme": _l("Personnes distinctes inscrites (compte ou e-mail), organisateurs distincts et "
                          "organisations co-organisatrices distinctes ; la colonne « Ensemble » compte chacun une fois."),
    "first_time": _l("Personnes dont la première inscription à un événement tombe dans la période."),
    "bookings_by_category": _l("Réservations confirmées commençant dans la période, par catégorie tarifaire de la "
                               "personne (donnée par l’équipe ; membre individuel par défaut) ou « sans compte »."),
    "requests_by_theme": _l("Demandes de porteurs de projet reçues dans la période (doublons fusionnés exclus), par "
                            "thème."),
    "requests_by_stage": _l("Mêmes demandes, par avancement du projet déclaré (idée, premiers pas, déjà en route)."),
    "requests_by_channel": _l("Mêmes demandes, par moyen de contact préféré."),
    "requests_by_outcome": _l("Statut actuel des demandes reçues dans la période ; les orientations sont détaillées "
                              "par partenaire."),
    "requests_by_need": _l("Besoins cochés dans les demandes de la période ; une demande peut en cocher plusieurs."),
    "funnel": _l("Demandes de la période ayant eu un premier contact, ayant été accompagnées à un moment, et dont le "
                 "projet est lancé."),
    "first_contact": _l("Délai médian en jours entre la demande et le premier contact, et part des demandes "
                        "contactées dans le délai promis."),
    "network": _l("Bénévoles du vivier (actifs en fin de période, nouveaux), appels publiés et complets, bénévoles "
                  "retenus, mises en relation proposées et acceptées par les deux personnes."),
    "active_organisations": _l("Organisations membres ayant publié un appel à bénévoles, ou dont un membre a réservé "
                               "ou est venu à un événement, par type."),
    "revenue_by_product": _l("Paiements encaissés dans la période, remboursements déduits, par produit."),
    "revenue_by_category": _l("Mêmes paiements, par catégorie de payeur."),
    "reductions": _l("Différence entre le prix du membre individuel et le prix payé, pour les payeurs à tarif réduit."),
    "credits_given": _l("Crédits (journées de poste, heures de salle) donnés par l’équipe sans paiement, par "
                        "bénéficiaire."),
    "in_kind": _l("Réductions accordées, plus les crédits offerts multipliés par le prix moyen pour un membre "
                  "individuel d’une journée de poste (journée de bureau) ou d’une heure de salle (location)."),
    "reach_priority": _l("Personnes par quartier déclaré, regroupé en quartiers prioritaires, autres et non "
                         "renseigné, pour les personnes qui réservent, les participants et les porteurs de projet."),
    "reach_languages": _l("Langues déclarées sur le profil (demande pour les porteurs de projet) ; une personne "
                          "peut en parler plusieurs."),
}


def report_rows(report: Report, view: ReportView):
    names = ("courante", "precedente")
    for (section_key, _title, tables) in view.sections:
        for table in tables:
            for p, period_table in enumerate(table.periods):
                dates = period_dates(report.periods[p])
                for row in period_table.rows:
                    cells = list(zip(table.columns, row.cells, strict=True))
                    if row.total is not None:
                        cells.append((table.total_label, row.total))
                    for column, cell in cells:
                        yield [section_key, table.key, table.title, row.label, column, names[p], dates,
                               "" if cell.hidden else _raw(cell.value), cell.text, table.unit]
                for column, cell in zip(table.columns, period_table.column_totals or [], strict=False):
                    yield [section_key, table.key, table.title, _("Total"), column, names[p], dates,
                           "" if cell.hidden else _raw(cell.value), cell.text, table.unit]
    for cost in view.costs:
        for p, figures in enumerate(cost["periods"]):
            yield ["avoided_costs", "avoided_costs", cost["label"], cost["formula"], _("Résultat (estimation)"),
                   names[p], period_dates(report.periods[p]), "", figures["result"], "money"]


def _raw(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"


def report_csv(report: Report, view: ReportView) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([key for key, _label in COLUMNS])
    writer.writerows(report_rows(report, view))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets spreadsheet software read UTF-8


def dictionary_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("nom"), _("genre"), _("définition")])
    for key, label in COLUMNS:
        writer.writerow([key, _("colonne du fichier"), str(label)])
    for key, definition in DEFINITIONS.items():
        writer.writerow([key, _("tableau"), str(definition)])
    writer.writerow(["avoided_costs", _("tableau"),
                     _("Coûts évités : estimation = quantité mesurée × coût de référence défini par l’équipe, "
                       "avec sa source. Ce n’est pas une mesure.")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
