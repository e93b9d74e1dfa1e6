"""Reads of the organisation's geography and population (used by the portal and the API).

Each function runs a small, constant number of queries (prefetching instead of queries in
loops). Geography is dated: reads return the memberships valid on a reference date; a cluster
that has ended (or not yet started) is shown as it was on its last (or first) day.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import add
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.utils.translation import get_language, gettext

from sundhedsaftale.core.columns import json_value
from sundhedsaftale.core.models import SourceMarks
from sundhedsaftale.core.statements import Statement, fetch_all

from .models import (
    AGE_BANDS,
    AreaMembership,
    AreaPopulation,
    District,
    HealthCluster,
    Hospital,
    Municipality,
)


def age_band_label(band: tuple[int, int | None]) -> str:
    first, last = band
    if last is None:
        return gettext("%(first)s+ år") % {"first": first}
    return gettext("%(first)s–%(last)s år") % {"first": first, "last": last}


@functools.lru_cache(maxsize=8)
def _age_band_labels(language: str) -> tuple[str, ...]:
    """Every age band's label in the language (a population table shows all of them)."""
    return tuple(age_band_label(band) for band in AGE_BANDS)


def _reference_date(cluster: HealthCluster | ClusterFact, on: datetime.date) -> datetime.date:
    """`on`, moved into the cluster's own period so an ended cluster shows its last state."""
    if cluster.valid_to and on > cluster.valid_to:
        return cluster.valid_to
    if cluster.valid_from and on < cluster.valid_from:
        return cluster.valid_from
    return on


# --- population totals ----------------------------------------------------------------------
# Totals and age bands per area and quarter are summed once, at import (AreaPopulation); a
# page reads a few dozen of those rows, never the ~8,000 rows of a quarter.


def latest_quarter() -> str | None:
    """The newest quarter whose population is loaded for every municipality, e.g. "2024K1".

    A file for a new quarter that covers only some municipalities (imported with --replace)
    does not blank the others' figures: the portal keeps showing the last complete quarter.
    """
    municipalities = Municipality.objects.count()
    if not municipalities:
        return None
    return (AreaPopulation.objects.filter(municipality__isnull=False, count__isnull=False)
            .values("quarter").annotate(n=Count("municipality_id", distinct=True))
            .filter(n__gte=municipalities).order_by("-quarter")
            .values_list("quarter", flat=True).first())


@dataclass
class PopulationTotal:
    count: int
    quarter: str
    is_synthetic: bool
    source: str
    certainty: str = "V"

    @property
    def is_uncertain(self) -> bool:
        """Invented figures, and real ones whose certainty is not "verified"."""
        return self.is_synthetic or self.certainty != "V"


@dataclass
class AreaTotals:
    """Population totals of one quarter per region, municipality and district id."""

    quarter: str | None
    regions: dict[int, PopulationTotal] = field(default_factory=dict)
    municipalities: dict[int, PopulationTotal] = field(default_factory=dict)
    districts: dict[int, PopulationTotal] = field(default_factory=dict)

    def municipality_count(self, pk: int) -> int | None:
        total = self.municipalities.get(pk)
        return None if total is None else total.count

    def district_count(self, pk: int) -> int | None:
        total = self.districts.get(pk)
        return None if total is None else total.count


def population_totals(*, quarter: str | None = None) -> AreaTotals:
    """Total population per region, municipality and district in `quarter` (default: the
    latest quarter complete for every municipality), in at most three small queries.

    The totals were kept at import: the file's sex "I alt" / all-ages row when it has one,
    else the sum of its men/women by age rows; synthetic if any row is, with the least certain
    row's certainty.
    """
    if quarter is None:
        quarter = latest_quarter()
    totals = AreaTotals(quarter)
    if quarter is None:
        return totals
    rows = AreaPopulation.objects.filter(quarter=quarter, count__isnull=False).values_list(
        "region_id", "municipality_id", "district_id", "count", "is_synthetic", "source",
        "certainty")
    for region_id, municipality_id, district_id, count, synthetic, source, certainty in rows:
        total = PopulationTotal(int(count), quarter, synthetic, source, certainty)
        if municipality_id:
            totals.municipalities[municipality_id] = total
        elif district_id:
            totals.districts[district_id] = total
        elif region_id:
            totals.regions[region_id] = total
    return totals


def _sum_or_none(counts: list[int | None]) -> int | None:
    """The sum, or None when any part is unknown (a partial total would mislead)."""
    if not counts or any(c is None for c in counts):
        return None
    return sum(c for c in counts if c is not None)


# --- population by age band -----------------------------------------------------------------


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
    """Men and women per age band (AGE_BANDS) in the given areas, summed, from the bands kept
    at import: one query (two when the quarter is not given)."""
    quarter = quarter or latest_quarter()
    if quarter is None or not (municipality_ids or district_ids):
        return PopulationTable(quarter, [], 0, 0, 0, False, [])
    return _band_table(quarter, AreaPopulation.objects.filter(
        Q(municipality_id__in=municipality_ids) | Q(district_id__in=district_ids),
        quarter=quarter).values_list("men_by_band", "women_by_band", "bands_synthetic",
                                     "source"))


def _json_list(value: Any) -> list[Any]:
    """A JSON list column read with raw SQL: text on SQLite, maybe decoded elsewhere."""
    if value is None:
        return []
    return list(json_value(value))


def _band_table(quarter: str | None,
                rows: Iterable[tuple[list[int], list[int], bool, str]]) -> PopulationTable:
    """population_by_band's sum over (men_by_band, women_by_band, bands_synthetic, source)."""
    width = len(AGE_BANDS)
    men = [0] * width
    women = [0] * width
    synthetic = False
    sources: set[str] = set()
    found = False
    for men_by_band, women_by_band, bands_synthetic, source in rows:
        if not (any(men_by_band) or any(women_by_band)):
            continue
        found = True
        # Summed band by band in C (map), not a comprehension over the bands.
        part = men_by_band[:width]
        men[:len(part)] = map(add, men, map(int, part))
        part = women_by_band[:width]
        women[:len(part)] = map(add, women, map(int, part))
        synthetic = synthetic or bool(bands_synthetic)
        if source:
            sources.add(source)
    if not found:
        return PopulationTable(quarter, [], 0, 0, 0, False, [])
    labels = _age_band_labels(get_language() or "")
    table_rows = [AgeBandRow(labels[index], men[index], women[index])
                  for index in range(len(AGE_BANDS))]
    return PopulationTable(quarter, table_rows, sum(men), sum(women), sum(men) + sum(women),
                           synthetic, sorted(sources))


# --- clusters -------------------------------------------------------------------------------


@dataclass
class ClusterArea:
    """A municipality in a cluster: whole, or only some of its districts."""

    municipality: Municipality | MunicipalityRef
    districts: list[District | DistrictFact] = field(default_factory=list)
    memberships: list[AreaMembership | MembershipFact] = field(default_factory=list)
    population: int | None = None

    @property
    def is_whole(self) -> bool:
        return not self.districts


@dataclass
class ClusterSummary:
    cluster: HealthCluster | ClusterFact
    """A model from cluster_list and areas_in_effect, plain facts from cluster_detail."""
    on: datetime.date
    """The reference date used: the date asked for, moved into the cluster's own period."""
    areas: list[ClusterArea]
    population: int | None
    """The sum of the areas' totals; None if any of them is unknown."""
    quarter: str | None = None

    @property
    def memberships(self) -> list[AreaMembership | MembershipFact]:
        return [m for area in self.areas for m in area.memberships]

    @property
    def municipalities(self) -> list[Municipality | MunicipalityRef]:
        """Municipalities belonging as a whole."""
        return [a.municipality for a in self.areas if a.is_whole]

    @property
    def split_municipalities(self) -> list[Municipality | MunicipalityRef]:
        """Municipalities of which only some districts belong."""
        return [a.municipality for a in self.areas if not a.is_whole]

    @property
    def districts(self) -> list[District | DistrictFact]:
        return [d for a in self.areas for d in a.districts]

    @property
    def municipality_ids(self) -> list[int]:
        return [m.municipality_id for m in self.memberships if m.municipality_id]

    @property
    def district_ids(self) -> list[int]:
        return [m.district_id for m in self.memberships if m.district_id]


def _areas_of(memberships: list[AreaMembership], totals: AreaTotals) -> list[ClusterArea]:
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
            area.population = totals.municipality_count(area.municipality.pk)
        else:
            area.districts.sort(key=lambda d: d.code)
            area.population = _sum_or_none([totals.district_count(d.pk) for d in area.districts])
    return sorted(areas.values(), key=lambda a: a.municipality.name)


def _summary(cluster: HealthCluster, on: datetime.date, totals: AreaTotals,
             *, strict: bool = False) -> ClusterSummary:
    day = on if strict else _reference_date(cluster, on)
    valid = [m for m in cluster.all_memberships if m.is_valid_on(day)]
    areas = _areas_of(valid, totals)
    return ClusterSummary(cluster, day, areas, _sum_or_none([a.population for a in areas]),
                          totals.quarter)


def _membership_queryset() -> QuerySet[AreaMembership]:
    return AreaMembership.objects.select_related(
        "municipality", "district", "district__municipality")


def _all_memberships() -> Prefetch:
    return Prefetch("memberships", queryset=_membership_queryset(), to_attr="all_memberships")


def cluster_list(*, on: datetime.date, kind: str | None = None) -> list[ClusterSummary]:
    """Clusters of one kind (default: health clusters, not later kinds of area) with their areas
    and population as on `on` (an ended cluster as on its last day), in four queries."""
    clusters = list(
        HealthCluster.objects.filter(kind=kind or HealthCluster.Kind.HEALTH_CLUSTER)
        .select_related("hospital")
        .prefetch_related(_all_memberships())
    )
    totals = population_totals()
    return [_summary(cluster, on, totals) for cluster in clusters]


def areas_in_effect(*, on: datetime.date) -> list[ClusterSummary]:
    """The published areas of any kind (health clusters, health council areas) whose own period
    covers `on`, with their memberships valid that day: the structure in effect on `on`, the
    same answer `municipality_list(on=...)` gives per municipality. Four queries."""
    clusters = list(
        HealthCluster.objects.valid_on(on).filter(is_draft=False)
        .select_related("hospital")
        .prefetch_related(_all_memberships())
    )
    totals = population_totals()
    return [_summary(cluster, on, totals, strict=True) for cluster in clusters]


# One cluster's page reads plain facts in two SQL statements (the cluster with its hospital
# and the latest complete quarter; its memberships valid on the day with their municipality,
# district and population row): the ORM's query building and the ~40 model instances of the
# memberships, municipalities and districts were most of the page's time.
# The facts (here, in bodies.selectors and followup.selectors) are read-only by convention but
# not frozen dataclasses: a frozen dataclass's __init__ sets every field through
# object.__setattr__, about five times what a plain slotted one costs, and a cluster page makes
# some forty of them. unsafe_hash keeps them hashable as the frozen ones were.


@dataclass(slots=True, unsafe_hash=True)
class Fact(SourceMarks):
    """Sourced's fields and properties, for facts read as plain rows."""

    source: str
    source_url: str
    certainty: str


@dataclass(slots=True, unsafe_hash=True)
class HospitalFact(Fact):
    name: str


@dataclass(slots=True, unsafe_hash=True)
class ClusterFact(Fact):
    """A cluster's own facts (the HealthCluster fields its page shows)."""

    pk: int
    code: str
    name: str
    kind: str
    description: str
    number: int
    is_draft: bool
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    hospital: HospitalFact | None

    @property
    def slug(self) -> str:
        return self.code

    def is_valid_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to)


@dataclass(slots=True, unsafe_hash=True)
class DistrictFact(Fact):
    pk: int
    code: str
    name: str


@dataclass(slots=True, unsafe_hash=True)
class MembershipFact(Fact):
    municipality_id: int | None
    district_id: int | None


@functools.lru_cache(maxsize=4)
def _overview_statements(vendor: str) -> tuple[Statement, Statement]:
    """cluster_overview's two statements (the cluster; its areas on a day), built once per
    database vendor: the table names and their quoting do not change while a process runs."""
    cluster = (f"SELECT c.id, c.code, c.name, c.kind, c.description, c.number, c.is_draft,"
               f" c.valid_from, c.valid_to, c.source, c.source_url, c.certainty,"
               f" h.id, h.name, h.source, h.source_url, h.certainty, ({_latest_quarter_sql()})"
               f" FROM {_table(HealthCluster)} c LEFT JOIN {_table(Hospital)} h"
               f" ON h.id = c.hospital_id WHERE c.code = %s")
    areas = (f"SELECT am.municipality_id, am.district_id, am.source, am.source_url,"
             f" am.certainty, m.id, m.code, m.name, m.official_name,"
             f" d.id, d.code, d.name, d.source, d.source_url, d.certainty,"
             f" p.count, p.men_by_band, p.women_by_band, p.bands_synthetic, p.source"
             f" FROM {_table(AreaMembership)} am"
             f" LEFT JOIN {_table(District)} d ON d.id = am.district_id"
             f" JOIN {_table(Municipality)} m ON m.id = COALESCE(am.municipality_id,"
             f" d.municipality_id)"
             f" LEFT JOIN {_table(AreaPopulation)} p ON p.quarter = %s AND p.count IS NOT NULL"
             f" AND (p.municipality_id = am.municipality_id OR p.district_id = am.district_id)"
             f" WHERE am.cluster_id = %s"
             f" AND (am.valid_from IS NULL OR am.valid_from <= %s)"
             f" AND (am.valid_to IS NULL OR am.valid_to >= %s)"
             f" ORDER BY d.code")
    return Statement(cluster, vendor), Statement(areas, vendor)


def _cluster_fact(code: str, db: BaseDatabaseWrapper,
                  statement: Statement) -> tuple[ClusterFact, str | None]:
    """The cluster and the latest complete population quarter, in one statement.
    Raises HealthCluster.DoesNotExist."""
    rows = fetch_all(statement, [code], db)
    if not rows:
        raise HealthCluster.DoesNotExist(f"No health cluster {code!r}")
    (pk, code, name, kind, description, number, is_draft, valid_from, valid_to, source,
     source_url, certainty, hospital_id, hospital_name, hospital_source, hospital_url,
     hospital_certainty, quarter) = rows[0]
    hospital = None if hospital_id is None else HospitalFact(
        hospital_source, hospital_url, hospital_certainty, hospital_name)
    return ClusterFact(source, source_url, certainty, pk, code, name, kind, description,
                       number, bool(is_draft), _day(valid_from), _day(valid_to),
                       hospital), quarter


def _day(value: Any) -> datetime.date | None:
    """A date column read with raw SQL (a date, or ISO text where the driver gives text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def cluster_overview(*, code: str, on: datetime.date,
                     strict: bool = False) -> tuple[ClusterSummary, PopulationTable]:
    """`cluster_detail` and its areas' population by age band (as `population_by_band`), in
    two queries. Raises HealthCluster.DoesNotExist."""
    db = connections[DEFAULT_DB_ALIAS]
    cluster_sql, areas_sql = _overview_statements(db.vendor)
    cluster, quarter = _cluster_fact(code, db, cluster_sql)
    day = on if strict else _reference_date(cluster, on)
    adapted = db.ops.adapt_datefield_value(day)
    rows = fetch_all(areas_sql, [quarter, cluster.pk, adapted, adapted], db)
    areas: dict[int, ClusterArea] = {}
    counts: dict[int, list[int | None]] = defaultdict(list)
    bands = []
    for (municipality_id, district_id, source, source_url, certainty, m_id, m_code, m_name,
         m_official, d_id, d_code, d_name, d_source, d_url, d_certainty, count, men, women,
         bands_synthetic, population_source) in rows:
        area = areas.get(m_id)
        if area is None:
            area = areas[m_id] = ClusterArea(
                municipality=MunicipalityRef(m_id, m_code, m_name, m_official))
        area.memberships.append(MembershipFact(
            source, source_url, certainty, municipality_id, district_id))
        if district_id is not None:
            area.districts.append(DistrictFact(
                d_source, d_url, d_certainty, d_id, d_code, d_name))
        counts[m_id].append(None if count is None else int(count))
        if count is not None and quarter is not None:
            bands.append((_json_list(men), _json_list(women), bands_synthetic,
                          population_source))
    for m_id, area in areas.items():
        area.population = _sum_or_none(counts[m_id])
    ordered = sorted(areas.values(), key=lambda a: a.municipality.name)
    summary = ClusterSummary(cluster, day, ordered,
                             _sum_or_none([a.population for a in ordered]), quarter)
    if quarter is None or not ordered:
        return summary, PopulationTable(quarter, [], 0, 0, 0, False, [])
    return summary, _band_table(quarter, bands)


def cluster_detail(*, code: str, on: datetime.date, strict: bool = False) -> ClusterSummary:
    """One cluster with hospital, areas valid on `on` (moved into the cluster's own period
    unless `strict`: then no areas outside it) and population, in two queries.
    Raises HealthCluster.DoesNotExist."""
    return cluster_overview(code=code, on=on, strict=strict)[0]


# --- municipalities -------------------------------------------------------------------------


_Area = TypeVar("_Area", HealthCluster, "ClusterRef")


@dataclass
class MunicipalityRow:
    municipality: MunicipalityRef
    clusters: list[ClusterRef]
    population: int | None
    districts_by_cluster: dict[str, list[DistrictRef]] = field(default_factory=dict)
    """For a municipality split between clusters: its districts per cluster code."""

    @property
    def is_split(self) -> bool:
        return bool(self.districts_by_cluster)


def _with_valid_memberships(on: datetime.date, *related: str) -> list[Prefetch]:
    """Prefetch a municipality's memberships valid on `on` in a published area that is in
    effect then (an area's own period counts too), and its districts' (by code)."""
    valid = AreaMembership.objects.valid_on(on).filter(
        Q(cluster__valid_from__isnull=True) | Q(cluster__valid_from__lte=on),
        Q(cluster__valid_to__isnull=True) | Q(cluster__valid_to__gte=on),
        cluster__is_draft=False).select_related(*related)
    return [
        Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships"),
        # to_attr: a plain list; `.districts.all()` on every municipality would build (and
        # filter) a new queryset each time, most of this selector's time.
        Prefetch("districts", queryset=District.objects.order_by("code").prefetch_related(
            Prefetch("cluster_memberships", queryset=valid, to_attr="valid_memberships")),
            to_attr="district_list"),
    ]


def _by_number(clusters: dict[int, _Area]) -> list[_Area]:
    return sorted(clusters.values(), key=lambda c: (c.number, c.name))


# The municipality list reads plain rows in two SQL statements: building 29 municipalities,
# their districts and memberships as model instances (and compiling five ORM queries) was most
# of the page's time. Rows carry what lists show; pages about one area still get the models.


@dataclass(slots=True, unsafe_hash=True)
class MunicipalityRef:
    """A municipality as the list shows it (code, name, official name), not a model."""

    pk: int
    code: str
    name: str
    official_name: str

    @property
    def full_name(self) -> str:
        """As Municipality.full_name: the official name, else "<name> Kommune"."""
        return self.official_name or f"{self.name} Kommune"


@dataclass(slots=True, unsafe_hash=True)
class ClusterRef:
    """An area (health cluster or council) as lists link to it."""

    pk: int
    code: str
    name: str
    number: int


@dataclass(slots=True, unsafe_hash=True)
class DistrictRef:
    pk: int
    code: str
    name: str


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _latest_quarter_sql() -> str:
    """latest_quarter() as a scalar subquery. A quarter has at most one row per municipality
    (the unique constraint area_population_municipality), so its rows are counted without
    COUNT(DISTINCT ...), which made SQLite sort the ids of every quarter."""
    population, municipality = _table(AreaPopulation), _table(Municipality)
    return (f"SELECT q.quarter FROM {population} q"
            f" WHERE q.municipality_id IS NOT NULL AND q.count IS NOT NULL"
            f" GROUP BY q.quarter HAVING COUNT(*) >="
            f" (SELECT COUNT(*) FROM {municipality}) ORDER BY q.quarter DESC LIMIT 1")


def _municipalities_with_population() -> list[tuple[int, str, str, str, int | None]]:
    """(id, code, name, official name, population in the latest complete quarter) by name."""
    sql = (f"SELECT m.id, m.code, m.name, m.official_name, p.count"
           f" FROM {_table(Municipality)} m LEFT JOIN {_table(AreaPopulation)} p"
           f" ON p.municipality_id = m.id AND p.count IS NOT NULL"
           f" AND p.quarter = ({_latest_quarter_sql()})"
           f" ORDER BY m.name")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _valid_memberships_on(on: datetime.date) -> list[tuple[Any, ...]]:
    """Memberships valid on `on` in a published area in effect then (the area's own period
    counts too), as (municipality id, district id, code, name, cluster id, code, name,
    number); a district's municipality is filled in. Districts by code."""
    day = connection.ops.adapt_datefield_value(on)
    sql = (f"SELECT COALESCE(am.municipality_id, d.municipality_id), d.id, d.code, d.name,"
           f" c.id, c.code, c.name, c.number"
           f" FROM {_table(AreaMembership)} am"
           f" JOIN {_table(HealthCluster)} c ON c.id = am.cluster_id"
           f" LEFT JOIN {_table(District)} d ON d.id = am.district_id"
           f" WHERE (am.valid_from IS NULL OR am.valid_from <= %s)"
           f" AND (am.valid_to IS NULL OR am.valid_to >= %s)"
           f" AND (c.valid_from IS NULL OR c.valid_from <= %s)"
           f" AND (c.valid_to IS NULL OR c.valid_to >= %s) AND c.is_draft = %s"
           f" ORDER BY d.code")
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, day, day, day, False])
        return cursor.fetchall()


def municipality_list(*, on: datetime.date) -> list[MunicipalityRow]:
    """All municipalities by name with the areas they (or their districts) belong to on `on`
    (as `areas_in_effect` gives them) and the latest population (as `population_totals`), in
    two queries."""
    clusters_of: dict[int, dict[int, ClusterRef]] = defaultdict(dict)
    districts_of: dict[int, dict[str, list[DistrictRef]]] = defaultdict(lambda: defaultdict(list))
    refs: dict[int, ClusterRef] = {}
    for (municipality_id, district_id, district_code, district_name, cluster_id, cluster_code,
         cluster_name, number) in _valid_memberships_on(on):
        cluster = refs.get(cluster_id)
        if cluster is None:
            cluster = refs[cluster_id] = ClusterRef(cluster_id, cluster_code, cluster_name,
                                                    number)
        clusters_of[municipality_id][cluster_id] = cluster
        if district_id is not None:
            districts_of[municipality_id][cluster_code].append(
                DistrictRef(district_id, district_code, district_name))
    return [
        MunicipalityRow(
            municipality=MunicipalityRef(pk, code, name, official_name),
            clusters=_by_number(clusters_of[pk]) if pk in clusters_of else [],
            population=None if count is None else int(count),
            districts_by_cluster=dict(districts_of[pk]) if pk in districts_of else {})
        for pk, code, name, official_name, count in _municipalities_with_population()
    ]


@dataclass
class DistrictRow:
    district: District
    clusters: list[HealthCluster]
    population: int | None


@dataclass
class MunicipalityDetail:
    municipality: Municipality
    on: datetime.date
    memberships: list[AreaMembership]
    """The municipality's own memberships valid on `on` (not its districts')."""
    districts: list[DistrictRow]
    clusters: list[HealthCluster]
    population: int | None
    quarter: str | None


def municipality_detail(*, code: str, on: datetime.date) -> MunicipalityDetail:
    """One municipality with region, its cluster(s) and districts on `on`, and population.
    Raises Municipality.DoesNotExist."""
    municipality = (
        Municipality.objects.select_related("region")
        .prefetch_related(*_with_valid_memberships(on, "cluster", "cluster__hospital"))
        .get(code=code)
    )
    totals = population_totals()
    clusters: dict[int, HealthCluster] = {m.cluster.pk: m.cluster
                                          for m in municipality.valid_memberships}
    districts = []
    for district in municipality.district_list:
        district_clusters = [m.cluster for m in district.valid_memberships]
        for cluster in district_clusters:
            clusters[cluster.pk] = cluster
        districts.append(DistrictRow(district, district_clusters,
                                     totals.district_count(district.pk)))
    return MunicipalityDetail(
        municipality=municipality,
        on=on,
        memberships=list(municipality.valid_memberships),
        districts=districts,
        clusters=_by_number(clusters),
        population=totals.municipality_count(municipality.pk),
        quarter=totals.quarter,
    )
