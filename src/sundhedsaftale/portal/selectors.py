"""Reads for the public portal pages that combine several apps.

Each page calls one function here; each function runs a small, constant number of queries
(prefetching instead of queries in loops). Agreements come from sundhedsaftale.agreements.selectors
(drafts only for users allowed to read them); the geography and population reads come from
sundhedsaftale.geography.selectors (cluster_list and municipality_list are used as they are).

Geography is dated: pages show the memberships valid on a reference date (today unless the
visitor asks for another with ?dato=YYYY-MM-DD); a cluster that has ended is shown as it was on
its last day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Model, Q

from sundhedsaftale.agreements.published import PublishedAgreement
from sundhedsaftale.agreements.selectors import agreement_published_list
from sundhedsaftale.bodies.models import Body, Membership
from sundhedsaftale.bodies.selectors import BodySeats, body_list, cluster_bodies
from sundhedsaftale.followup.selectors import AreaFigure, area_followup
from sundhedsaftale.geography.models import AreaMembership, HealthCluster, Municipality
from sundhedsaftale.geography.selectors import (
    ClusterSummary,
    DistrictRow,
    MunicipalityRow,
    PopulationTable,
    areas_in_effect,
    cluster_list,
    cluster_overview,
    municipality_detail,
    municipality_list,
    population_by_band,
)

__all__ = [
    "ClusterPage", "MunicipalityPage", "MunicipalityRow", "agreement_current", "areas_in_effect",
    "body_groups",
    "cluster_list", "cluster_page", "last_changed", "municipality_list", "municipality_page",
]


# --- agreements ---------------------------------------------------------------------------


def agreement_current(*, on: datetime.date) -> PublishedAgreement | None:
    """The published agreement whose period covers `on` (else the newest published one), as
    its published version shows it."""
    public = agreement_published_list()
    return (next((a for a in public if a.period_start <= on <= a.period_end), None)
            or (public[0] if public else None))


# --- geography pages: geography's selectors plus the bodies and seats that belong there -----


def _valid_memberships(on: datetime.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on))


@dataclass
class ClusterPage:
    summary: ClusterSummary
    bodies: list[BodySeats]
    population: PopulationTable
    followup: list[AreaFigure]


def cluster_page(*, code: str, on: datetime.date) -> ClusterPage:
    """One cluster: hospital, areas valid on the date (none when the cluster itself is not in
    effect then: the page says so), bodies with members, population, the follow-up figures.
    Six queries, read as plain rows (the page's uncached speed, issue 12)."""
    summary, population = cluster_overview(code=code, on=on, strict=True)
    bodies = cluster_bodies(cluster_id=summary.cluster.pk, on=summary.on)
    return ClusterPage(summary, bodies, population,
                       area_followup(level="cluster", code=summary.cluster.code))


@dataclass
class MunicipalityPage:
    municipality: Municipality
    on: datetime.date
    memberships: list[AreaMembership]
    districts: list[DistrictRow]
    clusters: list[HealthCluster]
    population_total: int | None
    population: PopulationTable
    members: list[Membership]


def municipality_page(*, code: str, on: datetime.date) -> MunicipalityPage:
    """One municipality: its cluster(s), districts, population and the seats it holds."""
    detail = municipality_detail(code=code, on=on)
    members = list(
        Membership.objects.filter(_valid_memberships(on),
                                  organisation__municipality=detail.municipality)
        .select_related("body", "organisation").order_by("body__number", "body__name",
                                                         "person_name")
    )
    return MunicipalityPage(
        municipality=detail.municipality,
        on=detail.on,
        memberships=detail.memberships,
        districts=detail.districts,
        clusters=detail.clusters,
        population_total=detail.population,
        population=population_by_band(municipality_ids=[detail.municipality.pk],
                                      district_ids=[], quarter=detail.quarter),
        members=members,
    )


# --- bodies ---------------------------------------------------------------------------------


def body_groups(*, on: datetime.date) -> list[tuple[str, list[Body]]]:
    """Bodies valid on `on` (with their seats that day), grouped by kind in Body.Kind's order."""
    labels = dict(Body.Kind.choices)
    groups: dict[str, list[Body]] = defaultdict(list)
    for body in body_list(on=on).order_by("number", "name"):
        groups[body.kind].append(body)
    return [(str(labels[kind]), groups[kind]) for kind in Body.Kind.values if groups.get(kind)]


def last_changed(instance: Model) -> datetime.datetime | None:
    """When a content record was last created or changed (its newest history row), or None."""
    history = getattr(instance, "history", None)
    if history is None:
        return None
    return history.order_by("-history_date").values_list("history_date", flat=True).first()
