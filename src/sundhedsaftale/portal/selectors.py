"""Reads for the public portal pages.

Each page calls one function here; each function runs a small, constant number of queries
(prefetching instead of queries in loops). Agreements come from sundhedsaftale.agreements.selectors
(drafts only for users allowed to read them).

Geography is dated: pages show the memberships valid on a reference date (today unless the
visitor asks for another with ?dato=YYYY-MM-DD); a cluster that has ended is shown as it was on
its last day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Model, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext

from sundhedsaftale.agreements.models import Agreement
from sundhedsaftale.agreements.selectors import agreement_public_list
from sundhedsaftale.bodies.models import Body, Membership
from sundhedsaftale.bodies.selectors import ROLE_ORDER, body_list
from sundhedsaftale.geography.models import (
    AreaMembership,
    District,
    HealthCluster,
    Municipality,
    PopulationCount,
)

# Age bands of the population tables: (first age, last age or None for "and older").
AGE_BANDS: list[tuple[int, int | None]] = [
    (0, 14), (15, 24), (25, 44), (45, 64), (65, 79), (80, None),
]


def age_band_label(band: tuple[int, int | None]) -> str:
    first, last = band
    if last is None:
        return gettext("%(first)s+ år") % {"first": first}
    return gettext("%(first)s–%(last)s år") % {"first": first, "last": last}


def _band_case() -> Case:
    whens = [
        When(age_from__lte=last, then=Value(index))
        for index, (_first, last) in enumerate(AGE_BANDS) if last is not None
    ]
    return Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())


# --- agreements ---------------------------------------------------------------------------


def agreement_current(*, on: datetime.date) -> Agreement | None:
    """The public agreement whose period covers `on` (else the newest public one)."""
    public = agreement_public_list()
    return (public.filter(period_start__lte=on, period_end__gte=on).first()
            or public.first())


# --- geography ------------------------------------------------------------------------------


def _reference_date(cluster: HealthCluster, on: datetime.date) -> datetime.date:
    """`on`, moved into the cluster's own period so an ended cluster shows its last state."""
    if cluster.valid_to and on > cluster.valid_to:
        return cluster.valid_to
    if cluster.valid_from and on < cluster.valid_from:
        return cluster.valid_from
    return on


def _valid_memberships(on: datetime.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on))


@dataclass
class ClusterArea:
    """A municipality in a cluster: whole, or only some of its districts."""

    municipality: Municipality
    districts: list[District] = field(default_factory=list)
    memberships: list[AreaMembership] = field(default_factory=list)
    population: int | None = None

    @property
    def is_whole(self) -> bool:
        return not self.districts


@dataclass
class ClusterSummary:
    cluster: HealthCluster
    on: datetime.date
    areas: list[ClusterArea]
    population: int | None


def _latest_quarter() -> str | None:
    return (PopulationCount.objects.order_by("-quarter").values_list("quarter", flat=True)
            .first())


def _population_totals(quarter: str | None) -> tuple[dict[int, int], dict[int, int]]:
    """Total population per municipality id and per district id in one query.

    Uses the sex "T" / all-ages rows when the data has them, else the sum of the breakdown.
    """
    if quarter is None:
        return {}, {}
    rows = (
        PopulationCount.objects.filter(quarter=quarter, region__isnull=True)
        .annotate(is_total=Case(When(sex=PopulationCount.Sex.TOTAL, age_from__isnull=True,
                                     then=Value(1)),
                                When(sex=PopulationCount.Sex.TOTAL, then=Value(2)),
                                When(age_from__isnull=True, then=Value(3)),
                                default=Value(0), output_field=IntegerField()))
        .values("municipality_id", "district_id", "is_total")
        .annotate(total=Sum("count"))
    )
    found: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for row in rows:
        key = ("m", row["municipality_id"]) if row["municipality_id"] else ("d", row["district_id"])
        found[key][row["is_total"]] = row["total"]
    municipalities: dict[int, int] = {}
    districts: dict[int, int] = {}
    for (kind, pk), by_kind in found.items():
        # "T" with no age is the total; otherwise the men+women breakdown by age is summed.
        total = by_kind.get(1) if 1 in by_kind else by_kind.get(0)
        if total is None:
            continue
        (municipalities if kind == "m" else districts)[pk] = total
    return municipalities, districts


def _sum_or_none(counts: list[int | None]) -> int | None:
    """The sum, or None when any part is unknown (a partial total would mislead)."""
    if not counts or any(c is None for c in counts):
        return None
    return sum(c for c in counts if c is not None)


def _areas_of(memberships: list[AreaMembership], municipality_pop: dict[int, int],
              district_pop: dict[int, int]) -> list[ClusterArea]:
    areas: dict[int, ClusterArea] = {}
    for membership in memberships:
        municipality = membership.area_municipality
        if municipality is None:
            continue
        area = areas.setdefault(municipality.pk, ClusterArea(municipality=municipality))
        area.memberships.append(membership)
        if membership.district_id:
            area.districts.append(membership.district)
    for area in areas.values():
        if area.is_whole:
            area.population = municipality_pop.get(area.municipality.pk)
        else:
            area.districts.sort(key=lambda d: d.code)
            counts = [district_pop.get(d.pk) for d in area.districts]
            area.population = _sum_or_none(counts)
    return sorted(areas.values(), key=lambda a: a.municipality.name)


def _membership_queryset() -> QuerySet[AreaMembership]:
    return AreaMembership.objects.select_related(
        "municipality", "district", "district__municipality")


def cluster_list(*, on: datetime.date) -> list[ClusterSummary]:
    """Health clusters (not later kinds of area) with their areas and population."""
    clusters = list(
        HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_CLUSTER)
        .select_related("hospital").prefetch_related(
            Prefetch("memberships", queryset=_membership_queryset(), to_attr="all_memberships"))
    )
    municipality_pop, district_pop = _population_totals(_latest_quarter())
    summaries = []
    for cluster in clusters:
        day = _reference_date(cluster, on)
        valid = [m for m in cluster.all_memberships if m.is_valid_on(day)]
        areas = _areas_of(valid, municipality_pop, district_pop)
        pops = [a.population for a in areas]
        summaries.append(ClusterSummary(cluster, day, areas, _sum_or_none(pops)))
    return summaries


@dataclass
class AgeBandRow:
    label: str
    men: int
    women: int

    @property
    def total(self) -> int:
        return self.men + self.women


@dataclass
class PopulationTable:
    """Population by age band (rows) and sex (men, women, total), for a table and bars."""

    quarter: str | None
    rows: list[AgeBandRow]
    men: int
    women: int
    total: int
    is_synthetic: bool
    sources: list[str]

    @property
    def max_total(self) -> int:
        return max((r.total for r in self.rows), default=0)


def population_by_band(*, municipality_ids: list[int], district_ids: list[int],
                       quarter: str | None = None) -> PopulationTable:
    """Men and women per age band in the given areas, summed, in two queries."""
    quarter = quarter or _latest_quarter()
    empty = PopulationTable(quarter, [], 0, 0, 0, False, [])
    if quarter is None or not (municipality_ids or district_ids):
        return empty
    base = PopulationCount.objects.filter(
        Q(municipality_id__in=municipality_ids) | Q(district_id__in=district_ids),
        quarter=quarter, age_from__isnull=False,
        sex__in=[PopulationCount.Sex.MEN, PopulationCount.Sex.WOMEN],
    )
    cells: dict[tuple[int, str], int] = {}
    synthetic = False
    sources: set[str] = set()
    for row in (base.annotate(band=_band_case()).values("band", "sex", "is_synthetic", "source")
                .annotate(total=Sum("count"))):
        key = (int(row["band"]), str(row["sex"]))
        cells[key] = cells.get(key, 0) + row["total"]
        synthetic = synthetic or row["is_synthetic"]
        if row["source"]:
            sources.add(row["source"])
    if not cells:
        return empty
    rows = [
        AgeBandRow(age_band_label(band), cells.get((index, str(PopulationCount.Sex.MEN)), 0),
                   cells.get((index, str(PopulationCount.Sex.WOMEN)), 0))
        for index, band in enumerate(AGE_BANDS)
    ]
    men = sum(r.men for r in rows)
    women = sum(r.women for r in rows)
    return PopulationTable(quarter, rows, men, women, men + women, synthetic, sorted(sources))


@dataclass
class ClusterPage:
    summary: ClusterSummary
    bodies: list[Body]
    population: PopulationTable


def _current_members(on: datetime.date) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(_valid_memberships(on))
        .select_related("organisation").order_by("role", "person_name"),
        to_attr="current_members",
    )


def cluster_page(*, code: str, on: datetime.date) -> ClusterPage:
    """One cluster: hospital, areas valid on the date, bodies with members, population."""
    cluster = (
        HealthCluster.objects.select_related("hospital", "region")
        .prefetch_related(Prefetch("memberships", queryset=_membership_queryset(),
                                   to_attr="all_memberships"))
        .get(code=code)
    )
    day = _reference_date(cluster, on)
    valid = [m for m in cluster.all_memberships if m.is_valid_on(day)]
    quarter = _latest_quarter()
    municipality_pop, district_pop = _population_totals(quarter)
    areas = _areas_of(valid, municipality_pop, district_pop)
    pops = [a.population for a in areas]
    summary = ClusterSummary(cluster, day, areas, _sum_or_none(pops))
    bodies = list(
        Body.objects.filter(cluster=cluster).order_by("number", "name")
        .prefetch_related(_current_members(day))
    )
    for body in bodies:
        body.current_members.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.person_name))
    population = population_by_band(
        municipality_ids=[m.municipality_id for m in valid if m.municipality_id],
        district_ids=[m.district_id for m in valid if m.district_id],
        quarter=quarter,
    )
    return ClusterPage(summary, bodies, population)


@dataclass
class MunicipalityRow:
    municipality: Municipality
    clusters: list[HealthCluster]
    population: int | None


def municipality_list(*, on: datetime.date) -> list[MunicipalityRow]:
    """All municipalities with the clusters they (or their districts) belong to on `on`."""
    valid = AreaMembership.objects.filter(_valid_memberships(on)).select_related("cluster")
    municipalities = list(
        Municipality.objects.order_by("name").prefetch_related(
            Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships"),
            Prefetch("districts", queryset=District.objects.order_by("code").prefetch_related(
                Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships"))),
        )
    )
    municipality_pop, _district_pop = _population_totals(_latest_quarter())
    rows = []
    for municipality in municipalities:
        clusters: dict[int, HealthCluster] = {}
        for membership in municipality.valid_memberships:
            clusters[membership.cluster.pk] = membership.cluster
        for district in municipality.districts.all():
            for membership in district.valid_memberships:
                clusters[membership.cluster.pk] = membership.cluster
        ordered = sorted(clusters.values(), key=lambda c: (c.number, c.name))
        rows.append(MunicipalityRow(municipality, ordered, municipality_pop.get(municipality.pk)))
    return rows


@dataclass
class DistrictRow:
    district: District
    clusters: list[HealthCluster]
    population: int | None


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
    valid = AreaMembership.objects.filter(_valid_memberships(on)).select_related(
        "cluster", "cluster__hospital")
    municipality = (
        Municipality.objects.select_related("region")
        .prefetch_related(
            Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships"),
            Prefetch("districts", queryset=District.objects.order_by("code").prefetch_related(
                Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships"))),
        )
        .get(code=code)
    )
    quarter = _latest_quarter()
    municipality_pop, district_pop = _population_totals(quarter)
    clusters: dict[int, HealthCluster] = {m.cluster.pk: m.cluster
                                          for m in municipality.valid_memberships}
    districts = []
    for district in municipality.districts.all():
        district_clusters = [m.cluster for m in district.valid_memberships]
        for cluster in district_clusters:
            clusters[cluster.pk] = cluster
        districts.append(DistrictRow(district, district_clusters, district_pop.get(district.pk)))
    members = list(
        Membership.objects.filter(_valid_memberships(on), organisation__municipality=municipality)
        .select_related("body", "organisation").order_by("body__number", "body__name",
                                                         "person_name")
    )
    return MunicipalityPage(
        municipality=municipality,
        on=on,
        memberships=list(municipality.valid_memberships),
        districts=districts,
        clusters=sorted(clusters.values(), key=lambda c: (c.number, c.name)),
        population_total=municipality_pop.get(municipality.pk),
        population=population_by_band(municipality_ids=[municipality.pk], district_ids=[],
                                      quarter=quarter),
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
