"""Sections read from the other capabilities: accompaniment, mise en relation, money and reach.

Mise en relation and money carry no theme, tag or space, so they appear only in the report of the
whole place, never in a funding line's.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.impact.report import COUNT, DAYS, MONEY, Section, Table
from portal.impact.scope import Scope

OTHER = "__other__"
TOP = 8
DEFAULT_PRIORITY_NEIGHBOURHOODS = ("cinq quartiers", "cinq-quartiers")


def add(sections, periods, scope: Scope, drivers, people) -> None:
    sections.append(_accompaniment(periods, scope, drivers))
    if scope.is_everything:
        sections.append(_network(periods, drivers))
        sections.append(_money(periods))
    sections.append(_reach(periods, people))


def _rows_from(values: dict, labels: dict, n: int, *, blank_label=None, top: int | None = None):
    """Rows (key, label) and per-period values of a {key: [per period]} mapping, largest first;
    past ``top`` rows the rest is summed into "Autres"."""
    keys = sorted(values, key=lambda k: (-sum(values[k]), str(k)))
    rows, vals = [], []
    if top is not None and len(keys) > top:
        kept, rest = keys[:top], keys[top:]
    else:
        kept, rest = keys, []
    for key in kept:
        label = blank_label if key == "" and blank_label else str(labels.get(key, key)) if labels else key
        rows.append((key, label))
        vals.append(values[key])
    if rest:
        rows.append((OTHER, str(_l("Autres"))))
        vals.append([sum(values[k][p] for k in rest) for p in range(n)])
    return rows, [[[v[p]] for v in vals] for p in range(n)]


def _accompaniment(periods, scope: Scope, drivers) -> Section:
    from portal.accompaniment.labels import CHANNEL_LABELS, NEED_LABELS, STAGE_LABELS, STATUS_LABELS, THEME_LABELS
    from portal.impact.indicators import accompaniment as acc

    n = len(periods)
    dims = acc.by_dimension(periods, scope)
    needs = acc.by_need(periods, scope, list(NEED_LABELS))
    contact = acc.first_contact(periods, scope)
    funnel = acc.funnel(periods, scope)
    changes = acc.changes_in_period(periods, scope)
    section = Section("accompaniment", _l("Accompagnement des porteurs de projet"))
    requests = [("requests", _l("Demandes"))]
    not_said = str(_l("Non renseigné"))
    for key, title, labels in (("requests_by_theme", _l("Demandes par thème"), THEME_LABELS),
                               ("requests_by_stage", _l("Demandes par avancement du projet"), STAGE_LABELS),
                               ("requests_by_channel", _l("Demandes par moyen de contact préféré"), CHANNEL_LABELS)):
        dimension = {"requests_by_theme": "theme", "requests_by_stage": "stage",
                     "requests_by_channel": "channel"}[key]
        rows, values = _rows_from(dims[dimension], labels, n, blank_label=not_said)
        section.tables.append(Table(key, title, COUNT, rows, requests, values, col_totals=True))
    outcomes = {}
    for value, counts in dims["outcome"].items():
        if value.startswith("referred:"):
            partner = value.split(":", 1)[1] or str(_l("partenaire non précisé"))
            outcomes[value] = (str(_l("Orientée vers %(partner)s", partner=partner)), counts)
        else:
            outcomes[value] = (str(STATUS_LABELS.get(value, value)), counts)
    rows, values = _rows_from({k: v[1] for k, v in outcomes.items()}, {k: v[0] for k, v in outcomes.items()}, n)
    section.tables.append(Table("requests_by_outcome", _l("Où en sont les demandes de la période"), COUNT, rows,
                                requests, values, col_totals=True,
                                description=_l("Statut actuel des demandes reçues dans la période ; les orientations "
                                               "sont détaillées par partenaire.")))
    rows, values = _rows_from(needs, NEED_LABELS, n)
    section.tables.append(Table("requests_by_need", _l("Besoins exprimés"), COUNT, rows, requests, values,
                                description=_l("Une demande peut exprimer plusieurs besoins : pas de total.")))
    rows, values = _rows_from(dims["place"], {}, n, blank_label=not_said, top=TOP)
    section.tables.append(Table("requests_by_place", _l("Demandes par quartier ou ville déclarés"), COUNT, rows,
                                requests, values, col_totals=True, staff_only=True))
    section.tables.append(Table(
        "funnel", _l("Du premier contact au lancement"), COUNT,
        [("received", _l("Demandes reçues")), ("contacted", _l("Premier contact fait")),
         ("accompanied", _l("Accompagnées")), ("launched", _l("Projets lancés"))], requests,
        [[[funnel[k][p]] for k in ("received", "contacted", "accompanied", "launched")] for p in range(n)],
        description=_l("Chaque étape compte les demandes de la période qui l’ont atteinte.")))
    medians = [round(h / 24, 1) if h is not None else 0 for h in contact["median_hours"]]
    shares = [round(100 * w / r, 1) if r else 0 for w, r in zip(contact["within"], funnel["received"], strict=True)]
    section.tables.append(Table(
        "first_contact", _l("Délai du premier contact"), DAYS,
        [("median_days", _l("Délai médian (jours)")), ("within_share", _l("Part contactée dans le délai promis (%)"))],
        [("value", _l("Valeur"))], [[[medians[p]], [shares[p]]] for p in range(n)],
        counts=[[[contact["contacted"][p]], [funnel["received"][p]]] for p in range(n)], chart_column=None,
        description=_l("Délai calendaire entre la demande et le premier contact ; non communiqué quand moins de "
                       "5 demandes le fondent.")))
    drivers["projects_accompanied"] = changes["accompanied"]
    drivers["projects_launched"] = changes["launched"]
    return section


def _network(periods, drivers) -> Section:
    from portal.directory.labels import ORGANISATION_TYPE_LABELS
    from portal.impact.indicators import network

    n = len(periods)
    figures = network.figures(periods)
    section = Section("network", _l("Mise en relation"))
    labels = {"pool": _l("Bénévoles disponibles en fin de période"), "new_volunteers": _l("Nouveaux bénévoles"),
              "calls": _l("Appels à bénévoles publiés"), "calls_filled": _l("Appels complets"),
              "placements": _l("Bénévoles retenus sur un appel"), "introductions": _l("Mises en relation proposées"),
              "introductions_accepted": _l("Mises en relation acceptées par les deux personnes")}
    section.tables.append(Table("network", _l("Bénévolat et mises en relation"), COUNT, list(labels.items()),
                                [("count", _l("Nombre"))], [[[figures[k][p]] for k in labels] for p in range(n)],
                                chart_column=None))
    rows, values = _rows_from(network.active_organisations(periods), ORGANISATION_TYPE_LABELS, n)
    section.tables.append(Table(
        "active_organisations", _l("Organisations membres actives, par type"), COUNT, rows,
        [("organisations", _l("Organisations"))], values, col_totals=True,
        description=_l("Une organisation est active si elle a publié un appel à bénévoles, ou si l’un de ses membres "
                       "a réservé un espace ou est venu à un événement dans la période.")))
    drivers["volunteer_placements"] = figures["placements"]
    drivers["introductions"] = figures["introductions_accepted"]
    return section


def _money(periods) -> Section:
    from portal.impact.indicators import money
    from portal.payments.services.catalogue import CATEGORY_LABELS, KIND_LABELS
    from portal.payments.services.credits import CREDIT_LABELS

    n = len(periods)
    section = Section("money", _l("Recettes, réductions solidaires et crédits offerts"))
    revenue = money.revenue(periods)
    kinds = {k.value: v for k, v in KIND_LABELS.items()} | {"other": _l("Autre")}
    categories = {k.value: v for k, v in CATEGORY_LABELS.items()}
    for key, title, labels in (("revenue_by_product", _l("Recettes par produit (euros)"), kinds),
                               ("revenue_by_category", _l("Recettes par catégorie de payeur (euros)"), categories)):
        data = revenue["product" if key == "revenue_by_product" else "category"]
        ordered = sorted(data, key=lambda k: -sum(data[k]["cents"]))
        section.tables.append(Table(
            key, title, MONEY, [(k, str(labels.get(k, k))) for k in ordered], [("amount", _l("Montant net"))],
            [[[data[k]["cents"][p] / 100] for k in ordered] for p in range(n)], col_totals=True,
            counts=[[[data[k]["count"][p]] for k in ordered] for p in range(n)]))
    reduced = money.reductions(periods)
    section.tables.append(Table(
        "reductions", _l("Réductions accordées (euros)"), MONEY, [("reductions", _l("Écart avec le tarif membre individuel"))],
        [("amount", _l("Montant"))], [[[reduced["cents"][p] / 100]] for p in range(n)], chart_column=None,
        counts=[[[reduced["count"][p]]] for p in range(n)]))
    given = money.credits_given(periods)
    grants = given.pop("grants", {})
    holders = {"person": _l("à des personnes"), "organisation": _l("à des organisations")}
    rows, values = [], [[] for _p in range(n)]
    for kind in sorted(given):
        for holder, units in sorted(given[kind].items()):
            rows.append((f"{kind}:{holder}", f"{CREDIT_LABELS.get(kind, kind)} {holders.get(holder, holder)}"))
            for p in range(n):
                values[p].append([units[p]])
    section.tables.append(Table("credits_given", _l("Crédits offerts (sans paiement)"), COUNT, rows,
                                [("units", _l("Unités"))], values, chart_column=None,
                                description=_l("Journées de poste et heures de salle données par l’équipe, "
                                               "par exemple sur le budget d’un partenaire.")))
    prices = money.list_prices()
    in_kind = [("reductions", _l("Réductions accordées"), reduced["cents"], reduced["count"])]
    for kind, label in (("desk_day", _l("Journées de poste offertes")), ("room_hour", _l("Heures de salle offertes"))):
        units = [sum(given.get(kind, {}).get(h, [0] * n)[p] for h in holders) for p in range(n)]
        in_kind.append((kind, label, [u * prices.get(kind, 0) for u in units], grants.get(kind, [0] * n)))
    section.tables.append(Table(
        "in_kind", _l("Contribution en nature, au tarif du membre individuel (euros)"), MONEY,
        [(key, label) for key, label, _cents, _counts in in_kind], [("value", _l("Valeur"))],
        [[[cents[p] / 100] for _key, _label, cents, _counts in in_kind] for p in range(n)], col_totals=True,
        counts=[[[counts[p]] for _key, _label, _cents, counts in in_kind] for p in range(n)], chart_column=None,
        description=_l("Réductions solidaires, et crédits offerts valorisés au prix moyen d’une journée de poste "
                       "ou d’une heure de salle pour un membre individuel.")))
    return section


def priority_patterns() -> tuple[str, ...]:
    configured = current_app.config.get("IMPACT_PRIORITY_NEIGHBOURHOODS")
    return tuple(p.lower() for p in (configured or DEFAULT_PRIORITY_NEIGHBOURHOODS))


def _reach(periods, people) -> Section:
    from portal.events.forms import LANGUAGE_LABELS

    n = len(periods)
    section = Section("reach", _l("Qui est touché"))
    places = people["areas"]
    groups = [("residents", _l("Personnes qui réservent")), ("participants", _l("Participants aux événements")),
              ("holders", _l("Porteurs de projet"))]
    patterns = priority_patterns()

    def coarse(place: str) -> str:
        if not place:
            return "unknown"
        return "priority" if any(p in place for p in patterns) else "other"

    buckets = [("priority", _l("Quartiers prioritaires (déclarés)")), ("other", _l("Autres quartiers ou villes")),
               ("unknown", _l("Non renseigné"))]
    values = [[[sum(counts[p] for place, counts in places[g].items() if coarse(place) == b) for g, _l2 in groups]
               for b, _label in buckets] for p in range(n)]
    section.tables.append(Table(
        "reach_priority", _l("Quartiers prioritaires"), COUNT, buckets, groups, values, col_totals=True,
        chart_column=None,
        description=_l("Quartier ou ville que chaque personne a indiqué (profil, vivier de bénévoles ou demande) ; "
                       "personnes ayant un compte pour les réservations et les événements.")))
    every = sorted({place for g, _label in groups for place in places[g]},
                   key=lambda k: -sum(sum(places[g].get(k, [0] * n)) for g, _l2 in groups))
    kept = every[:TOP]
    rest = every[TOP:]
    rows = [(k or "__blank__", k.title() if k else str(_l("Non renseigné"))) for k in kept]
    detail = [[[places[g].get(k, [0] * n)[p] for g, _l2 in groups] for k in kept] for p in range(n)]
    if rest:
        rows.append((OTHER, str(_l("Autres"))))
        for p in range(n):
            detail[p].append([sum(places[g].get(k, [0] * n)[p] for k in rest) for g, _l2 in groups])
    section.tables.append(Table("reach_neighbourhoods", _l("Quartiers et villes déclarés"), COUNT, rows, groups,
                                detail, col_totals=True, chart_column=None, staff_only=True))
    spoken = people["languages"]
    codes = sorted({c for g, _label in groups for c in spoken[g]},
                   key=lambda c: -sum(sum(spoken[g].get(c, [0] * n)) for g, _l2 in groups))
    section.tables.append(Table(
        "reach_languages", _l("Langues parlées"), COUNT,
        [(c, str(LANGUAGE_LABELS.get(c, c))) for c in codes], groups,
        [[[spoken[g].get(c, [0] * n)[p] for g, _l2 in groups] for c in codes] for p in range(n)], chart_column=None,
        description=_l("Une personne peut parler plusieurs langues : pas de total.")))
    return section


