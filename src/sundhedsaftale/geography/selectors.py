"""Reads of the organisation's geography and population (used by the portal and the API)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils import timezone

from .models import AreaMembership, District, HealthCluster, Municipality, PopulationCount, Region


def _today() -> datetime.date:
    return timezone.localdate()


def cluster_list(*, on: datetime.date | None = None,
                 kind: str | None = None) -> QuerySet[HealthCluster]:
    """Clusters (or health council areas), with hospital; only those valid on `on` if given."""
    qs = HealthCluster.objects.select_related("hospital", "region")
    if on is not None:
        qs = qs.valid_on(on)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs


@dataclass
class ClusterDetail:
    cluster: HealthCluster
    on: datetime.date
    memberships: list[AreaMembership]
    municipalities: list[Municipality]
    """Municipalities belonging as a whole."""
    districts: list[District]
    """Districts belonging to the cluster (their municipality is split between clusters)."""
    population: PopulationTotal | None = None

    @property
    def split_municipalities(self) -> list[Municipality]:
        seen: dict[int, Municipality] = {}
        for district in self.districts:
            seen.setdefault(district.municipality_id, district.municipality)
        return list(seen.values())


def cluster_detail(*, code: str, on: datetime.date | None = None) -> ClusterDetail:
    """One cluster with the municipalities and districts that belong to it on `on` (default
    today; if the cluster has ended, its last day). Raises HealthCluster.DoesNotExist."""
    cluster = HealthCluster.objects.select_related("hospital", "region").get(code=code)
    if on is None:
        on = _today()
        if cluster.valid_to and on > cluster.valid_to:
            on = cluster.valid_to
    memberships = list(
        cluster.memberships.valid_on(on)
        .select_related("municipality", "district", "district__municipality")
        .order_by("municipality__name", "district__code")
    )
    municipalities = [m.municipality for m in memberships if m.municipality_id]
    districts = [m.district for m in memberships if m.district_id]
    detail = ClusterDetail(cluster=cluster, on=on, memberships=memberships,
                           municipalities=municipalities, districts=districts)
    detail.population = population_total(cluster=cluster, on=on)
    return detail


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


def latest_quarter() -> str | None:
    row = PopulationCount.objects.order_by("-quarter").values_list("quarter", flat=True).first()
    return row


def _area_filter(*, region: Region | None = None, municipality: Municipality | None = None,
                 district: District | None = None) -> dict:
    if region is not None:
        return {"region": region}
    if municipality is not None:
        return {"municipality": municipality}
    if district is not None:
        return {"district": district}
    raise ValueError("Give a region, a municipality or a district.")


def _area_total(rows: QuerySet[PopulationCount]) -> tuple[int, bool, str, str] | None:
    """Total of an area's rows in one quarter: the total row if present, else the sum."""
    total_row = rows.filter(sex=PopulationCount.Sex.TOTAL, age_from__isnull=True).first()
    if total_row is not None:
        return total_row.count, total_row.is_synthetic, total_row.source, total_row.certainty
    detail = rows.exclude(sex=PopulationCount.Sex.TOTAL).filter(age_from__isnull=False)
    agg = detail.aggregate(total=Sum("count"))
    if agg["total"] is None:
        return None
    synthetic = detail.filter(is_synthetic=True).exists()
    source = detail.values_list("source", flat=True).first() or ""
    uncertain = detail.exclude(certainty="V").values_list("certainty", flat=True).first()
    return agg["total"], synthetic, source, uncertain or "V"


def _totals_by_area(*, quarter: str, municipality_ids: list[int],
                    district_ids: list[int]) -> dict[tuple[str, int], PopulationTotal]:
    """Totals of many municipalities and districts in two queries: the total row where the
    file had one, else the sum of the sex-and-age rows."""
    from django.db.models import Count, Min, Q

    area = Q(municipality_id__in=municipality_ids) | Q(district_id__in=district_ids)
    rows = PopulationCount.objects.filter(area, quarter=quarter)
    result: dict[tuple[str, int], PopulationTotal] = {}
    for r in rows.filter(sex=PopulationCount.Sex.TOTAL, age_from__isnull=True):
        key = ("municipality", r.municipality_id) if r.municipality_id else (
            "district", r.district_id)
        result[key] = PopulationTotal(r.count, quarter, r.is_synthetic, r.source, r.certainty)
    sums = (rows.exclude(sex=PopulationCount.Sex.TOTAL).filter(age_from__isnull=False)
            .values("municipality_id", "district_id")
            .annotate(total=Sum("count"),
                      synthetic=Count("pk", filter=Q(is_synthetic=True)),
                      source=Min("source"),
                      certainty=Min("certainty")))  # "NF" < "U" < "V": the least certain
    for r in sums:
        key = ("municipality", r["municipality_id"]) if r["municipality_id"] else (
            "district", r["district_id"])
        if key not in result:
            result[key] = PopulationTotal(r["total"], quarter, bool(r["synthetic"]),
                                          r["source"] or "", r["certainty"] or "V")
    return result


def population_total(*, region: Region | None = None, municipality: Municipality | None = None,
                     district: District | None = None, cluster: HealthCluster | None = None,
                     quarter: str | None = None,
                     on: datetime.date | None = None) -> PopulationTotal | None:
    """Population of an area in `quarter` (default: the latest loaded). For a cluster: the sum of
    its municipalities and districts valid on `on` (default today)."""
    quarter = quarter or latest_quarter()
    if quarter is None:
        return None
    if cluster is not None:
        on = on or _today()
        ms = list(cluster.memberships.valid_on(on).values_list("municipality_id", "district_id"))
        parts = _totals_by_area(quarter=quarter, municipality_ids=[m for m, _d in ms if m],
                                district_ids=[d for _m, d in ms if d])
        if not parts:
            return None
        sources: list[str] = []
        for part in parts.values():
            if part.source and part.source not in sources:
                sources.append(part.source)
        uncertain = [p.certainty for p in parts.values() if p.certainty != "V"]
        return PopulationTotal(sum(p.count for p in parts.values()), quarter,
                               any(p.is_synthetic for p in parts.values()), "; ".join(sources),
                               uncertain[0] if uncertain else "V")
    rows = PopulationCount.objects.filter(
        quarter=quarter, **_area_filter(region=region, municipality=municipality,
                                        district=district))
    result = _area_total(rows)
    if result is None:
        return None
    return PopulationTotal(result[0], quarter, result[1], result[2], result[3])


@dataclass
class MunicipalityRow:
    municipality: Municipality
    clusters: list[HealthCluster]
    districts_by_cluster: dict[str, list[District]] = field(default_factory=dict)
    population: PopulationTotal | None = None

    @property
    def code(self) -> str:
        return self.municipality.code

    @property
    def name(self) -> str:
        return self.municipality.name

    @property
    def is_split(self) -> bool:
        return bool(self.districts_by_cluster)


def municipality_list_with_clusters(*, on: datetime.date | None = None,
                                    quarter: str | None = None) -> list[MunicipalityRow]:
    """All municipalities by name with their cluster(s) valid on `on` (default today) and the
    latest population (or `quarter`). A municipality split by districts lists every cluster."""
    on = on or _today()
    quarter = quarter or latest_quarter()
    memberships = list(AreaMembership.objects.valid_on(on).select_related(
        "cluster", "municipality", "district", "district__municipality"))
    clusters_of: dict[int, list[HealthCluster]] = defaultdict(list)
    districts_of: dict[int, dict[str, list[District]]] = defaultdict(lambda: defaultdict(list))
    for m in memberships:
        municipality = m.area_municipality
        if municipality is None:
            continue
        if m.cluster not in clusters_of[municipality.pk]:
            clusters_of[municipality.pk].append(m.cluster)
        if m.district_id:
            districts_of[municipality.pk][m.cluster.code].append(m.district)
    totals: dict[int, PopulationTotal] = {}
    if quarter:
        rows = PopulationCount.objects.filter(quarter=quarter, municipality__isnull=False)
        sums: dict[int, int] = defaultdict(int)
        synthetic: dict[int, bool] = defaultdict(bool)
        source: dict[int, str] = {}
        has_total: set[int] = set()
        for r in rows.filter(sex=PopulationCount.Sex.TOTAL, age_from__isnull=True):
            totals[r.municipality_id] = PopulationTotal(r.count, quarter, r.is_synthetic,
                                                        r.source, r.certainty)
            has_total.add(r.municipality_id)
        for r in rows.exclude(municipality_id__in=has_total).exclude(
                sex=PopulationCount.Sex.TOTAL).filter(age_from__isnull=False).values(
                "municipality_id", "count", "is_synthetic", "source"):
            sums[r["municipality_id"]] += r["count"]
            synthetic[r["municipality_id"]] |= r["is_synthetic"]
            source.setdefault(r["municipality_id"], r["source"])
        for pk, count in sums.items():
            totals[pk] = PopulationTotal(count, quarter, synthetic[pk], source.get(pk, ""))
    result = []
    for municipality in Municipality.objects.select_related("region").order_by("name"):
        clusters = sorted(clusters_of.get(municipality.pk, []), key=lambda c: (c.number, c.name))
        result.append(MunicipalityRow(
            municipality=municipality, clusters=clusters,
            districts_by_cluster={k: v for k, v in districts_of.get(municipality.pk, {}).items()},
            population=totals.get(municipality.pk)))
    return result


@dataclass
class AgeBandRow:
    label: str
    age_from: int
    age_to: int | None
    men: int
    women: int

    @property
    def total(self) -> int:
        return self.men + self.women


@dataclass
class PopulationPyramid:
    quarter: str | None
    rows: list[AgeBandRow]
    is_synthetic: bool

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def men(self) -> int:
        return sum(r.men for r in self.rows)

    @property
    def women(self) -> int:
        return sum(r.women for r in self.rows)


def population_by_age_band(*, region: Region | None = None,
                           municipality: Municipality | None = None,
                           district: District | None = None,
                           cluster: HealthCluster | None = None,
                           quarter: str | None = None, band_width: int = 10,
                           top: int = 90, on: datetime.date | None = None) -> PopulationPyramid:
    """Men and women per age band (0-9, 10-19, ..., 90+ by default) for one area or a cluster
    (its municipalities and districts valid on `on`). Only sex/age rows are used, not totals."""
    quarter = quarter or latest_quarter()
    qs = PopulationCount.objects.filter(quarter=quarter, age_from__isnull=False).exclude(
        sex=PopulationCount.Sex.TOTAL)
    if cluster is not None:
        on = on or _today()
        ms = list(cluster.memberships.valid_on(on).values_list("municipality_id", "district_id"))
        from django.db.models import Q

        condition = Q(pk__in=[])
        mun_ids = [m for m, d in ms if m]
        dis_ids = [d for m, d in ms if d]
        if mun_ids:
            condition |= Q(municipality_id__in=mun_ids)
        if dis_ids:
            condition |= Q(district_id__in=dis_ids)
        qs = qs.filter(condition)
    elif region is not None:
        # A region's breakdown is the sum of its municipalities (FOLK1A gives the region total).
        qs = qs.filter(municipality__region=region)
    else:
        qs = qs.filter(**_area_filter(municipality=municipality, district=district))
    bands: dict[int, list[int]] = {}
    synthetic = False
    for age_from, sex, count, is_synth in qs.values_list("age_from", "sex", "count",
                                                         "is_synthetic"):
        start = min((age_from // band_width) * band_width, top)
        pair = bands.setdefault(start, [0, 0])
        pair[0 if sex == PopulationCount.Sex.MEN else 1] += count
        synthetic = synthetic or is_synth
    rows = []
    for start in sorted(bands):
        if start >= top:
            label, end = f"{start}+ år", None
        else:
            end = start + band_width - 1
            label = f"{start}-{end} år"
        rows.append(AgeBandRow(label, start, end, bands[start][0], bands[start][1]))
    return PopulationPyramid(quarter=quarter, rows=rows, is_synthetic=synthetic)
