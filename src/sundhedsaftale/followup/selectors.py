"""Reads of the followup app, shared by pages, downloads, the API and status reports.

Public figures come only from the published run of each indicator (the most recently
published run that holds it) and, for reported indicators, from hand-entered values. A hidden
cell is a row with `suppressed=True` and no number; it is passed on as such, never as 0.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.signals import setting_changed
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from sundhedsaftale.agreements.models import Agreement, Goal, Initiative
from sundhedsaftale.core.columns import json_value
from sundhedsaftale.core.statements import Statement, fetch_all
from sundhedsaftale.geography.models import (
    AreaMembership,
    District,
    HealthCluster,
    Municipality,
    Region,
)

from .models import (
    AreaSection,
    Indicator,
    Measure,
    ProgressEntry,
    ReportedValue,
    Result,
    Run,
    StatusReport,
)

LEVELS = ["region", "cluster", "municipality", "district"]
GRAINS = ["year", "quarter", "month"]
STALE_AFTER_DAYS = 183
REGION_CODE = "1084"


# --------------------------------------------------------------------------------------------
# Runs and rows
# --------------------------------------------------------------------------------------------

def published_runs() -> QuerySet[Run]:
    return Run.objects.filter(status="published").order_by("-published_at", "-pk")


def _table(model: Any) -> str:
    from django.db import connection

    return str(connection.ops.quote_name(model._meta.db_table))


@functools.lru_cache(maxsize=64)
def _loader(model: Any, connection: Any, skip: tuple[str, ...]
            ) -> tuple[str, list[str], list[tuple[int, Any, list[Any]]]]:
    """The columns, attribute names and the database's value converters of a model's fields
    (what the ORM works out for every query), per connection: a function of the code."""
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    quote = connection.ops.quote_name
    converters = []
    for i, f in enumerate(fields):
        column = f.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + f.get_db_converters(connection)
        if found:
            converters.append((i, column, found))
    return (", ".join(quote(f.column) for f in fields), [f.attname for f in fields],
            converters)


def _instances(model: Any, clause: str, params: list[Any], *, skip: tuple[str, ...] = ()
               ) -> list[Any]:
    """`SELECT <model's columns> FROM <its table> <clause>` as model instances, converted as
    the ORM converts them (fields in `skip` are deferred: read from the database if used).

    Model.objects.raw() without composing its query and resolving its converters each time:
    the indicator page's lookups of the indicator and its run cost five times the queries."""
    from django.db import connections, router

    alias = router.db_for_read(model)
    connection = connections[alias]
    columns, names, converters = _loader(model, connection, skip)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {_table(model)} {clause}", params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = list(row)
        for i, column, found in converters:
            for converter in found:
                values[i] = converter(values[i], column, connection)
        out.append(model.from_db(alias, names, values))
    return out


def published_run_map() -> dict[str, Run]:
    """indicator code -> the published run whose figures the public sees (its manifest is
    read only if used)."""
    out: dict[str, Run] = {}
    for run in _instances(Run, "WHERE status = %s ORDER BY published_at DESC, id DESC",
                          [Run.Status.PUBLISHED], skip=("manifest",)):
        for code in run.definitions:
            out.setdefault(code, run)
    return out


def area_names() -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for code, name in Region.objects.values_list("code", "name"):
        names[("region", code)] = name
    for code, name in HealthCluster.objects.values_list("code", "name"):
        names[("cluster", code)] = name
    for code, name in Municipality.objects.values_list("code", "name"):
        names[("municipality", code)] = name
    for code, name in District.objects.values_list("code", "name"):
        names[("district", code)] = name
    return names


def cluster_codes() -> list[str]:
    return list(HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_CLUSTER)
                .order_by("number", "name").values_list("code", flat=True))


def period_label(grain: str, start: datetime.date) -> str:
    if grain == "year":
        return str(start.year)
    if grain == "quarter":
        return f"{start.year} K{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


@dataclass
class Row:
    """One figure for the pages: a value (or hidden), its interval and counts."""

    level: str
    code: str
    name: str
    grain: str
    period_start: datetime.date
    value: float | None
    ci_low: float | None
    ci_high: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool
    reported: bool = False

    @property
    def period(self) -> str:
        return period_label(self.grain, self.period_start)

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "name": self.name,
                "grain": self.grain, "period": self.period,
                "period_start": self.period_start.isoformat(),
                "value": None if self.suppressed else self.value,
                "ci_low": None if self.suppressed else self.ci_low,
                "ci_high": None if self.suppressed else self.ci_high,
                "numerator": None if self.suppressed else self.numerator,
                "denominator": None if self.suppressed else self.denominator,
                "suppressed": self.suppressed}


def use_standardised(indicator: Indicator, measure: str) -> bool:
    return measure == "std" and indicator.standardised


def rows_for(*, indicator: Indicator, level: str, grain: str, measure: str = "crude",
             codes: list[str] | None = None, run: Run | None = None,
             names: dict[tuple[str, str], str] | None = None,
             period_from: datetime.date | None = None,
             period_to: datetime.date | None = None) -> list[Row]:
    """The public rows of one indicator at one level and grain, ordered by area then period."""
    names = names if names is not None else area_names()
    if indicator.is_reported:
        qs: Any = ReportedValue.objects.filter(indicator=indicator, level=level, grain=grain)
        if codes is not None:
            qs = qs.filter(code__in=codes)
        if period_from:
            qs = qs.filter(period_start__gte=period_from)
        if period_to:
            qs = qs.filter(period_start__lte=period_to)
        return [Row(level=level, code=v.code, name=names.get((level, v.code), v.code),
                    grain=grain, period_start=v.period_start, value=v.value, ci_low=None,
                    ci_high=None, numerator=None, denominator=None, suppressed=False,
                    reported=True)
                for v in qs.order_by("code", "period_start")]
    run = run if run is not None else published_run_map().get(indicator.code)
    if run is None:
        return []
    std = use_standardised(indicator, measure)
    fields = ["code", "period_start", "numerator", "denominator", "suppressed",
              "value_std" if std else "value", "std_ci_low" if std else "ci_low",
              "std_ci_high" if std else "ci_high"]
    qs = Result.objects.filter(run=run, indicator=indicator, level=level, grain=grain)
    if codes is not None:
        qs = qs.filter(code__in=codes)
    if period_from:
        qs = qs.filter(period_start__gte=period_from)
    if period_to:
        qs = qs.filter(period_start__lte=period_to)
    out = []
    for code, start, num, den, hidden, value, low, high in qs.order_by(
            "code", "period_start").values_list(*fields):
        out.append(Row(level=level, code=code, name=names.get((level, code), code),
                       grain=grain, period_start=start, value=None if hidden else value,
                       ci_low=None if hidden else low, ci_high=None if hidden else high,
                       numerator=None if hidden else num, denominator=None if hidden else den,
                       suppressed=bool(hidden)))
    return out


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------

@dataclass
class CatalogueGroup:
    focus_area: str
    national_goals: list[tuple[str, list[Indicator]]] = field(default_factory=list)


def catalogue() -> list[CatalogueGroup]:
    """Indicators grouped by focus area, then by the national goal they serve."""
    groups: dict[str, dict[str, list[Indicator]]] = {}
    for indicator in Indicator.objects.all():
        area = indicator.focus_area_title or "Øvrige indikatorer"
        goal = indicator.national_goal or "Uden nationalt mål"
        groups.setdefault(area, {}).setdefault(goal, []).append(indicator)
    return [CatalogueGroup(focus_area=area, national_goals=list(goals.items()))
            for area, goals in groups.items()]


def indicator_get(code: str) -> Indicator | None:
    """The indicator with this code (unique)."""
    return next(iter(_instances(Indicator, "WHERE code = %s", [code])), None)


# --------------------------------------------------------------------------------------------
# The indicator page
# --------------------------------------------------------------------------------------------

@dataclass
class FunnelPoint:
    row: Row
    outside: str  # "", "over", "under"


@dataclass
class IndicatorPage:
    indicator: Indicator
    run: Run | None
    level: str
    grain: str
    measure: str
    series: list[Row]           # region and the clusters over time
    comparison: list[Row]       # the chosen level in the latest period
    region_latest: Row | None
    latest_period: datetime.date | None
    funnel: list[FunnelPoint]
    funnel_centre: float | None  # the region's crude value in the latest period
    has_data: bool

    @property
    def hidden_any(self) -> bool:
        return any(r.suppressed for r in self.series) or any(
            r.suppressed for r in self.comparison)

    @property
    def funnel_limits(self) -> list[dict[str, float]]:
        """The funnel chart's control limits (only the chart needs them, not the page)."""
        if self.funnel_centre is None:
            return []
        return _funnel_limits(self.indicator, self.funnel_centre,
                              [float(p.row.denominator or 0) for p in self.funnel])


def _funnel_se(indicator: Indicator, centre: float, n: float) -> float:
    if indicator.unit == Indicator.Unit.PERCENT:
        p = min(max(centre / 100, 0.0), 1.0)
        return math.sqrt(p * (1 - p) / n) * 100
    return math.sqrt(max(centre, 0.0) * 1000 / n)


def _funnel_limits(indicator: Indicator, centre: float, denominators: list[float]
                   ) -> list[dict[str, float]]:
    if not denominators:
        return []
    low, high = max(min(denominators), 1.0), max(denominators)
    steps = 40
    out = []
    for i in range(steps + 1):
        n = low * (high / low) ** (i / steps) if high > low else low
        se = _funnel_se(indicator, centre, n)
        out.append({"n": n, "low95": max(centre - 1.96 * se, 0.0), "high95": centre + 1.96 * se,
                    "low998": max(centre - 3.09 * se, 0.0), "high998": centre + 3.09 * se})
    return out


def _funnel_points(indicator: Indicator, centre: float, rows: list[Row]) -> list[FunnelPoint]:
    """Each area with a figure, over or under the 95 % limits at its own denominator (the
    limits of a single denominator n are those at max(n, 1), as the chart's)."""
    points = []
    for r in rows:
        if r.suppressed or not r.denominator or r.value is None:
            continue
        se = _funnel_se(indicator, centre, max(float(r.denominator), 1.0))
        outside = "over" if r.value > centre + 1.96 * se else (
            "under" if r.value < max(centre - 1.96 * se, 0.0) else "")
        points.append(FunnelPoint(row=r, outside=outside))
    return points


_NAME_TABLES = {"region": Region, "cluster": HealthCluster, "municipality": Municipality,
                "district": District}


def _engine_rows(*, indicator: Indicator, run: Run, level: str, grain: str
                 ) -> list[tuple[Any, ...]]:
    """The published rows the indicator page shows, with the areas' names, in one query: the
    region and the clusters in every period, and the chosen level in the latest of those
    periods (crude and standardised figures both), ordered by level, code and period.

    Raw SQL through the ORM's connection: composing the ORM queries (three, and four for the
    names) cost more than running them. Each part reads the (run, indicator, level, grain,
    code, period_start) index; an area's name is joined on its unique code (the code stands
    in for a name that is missing, as in area_names)."""
    from django.db import connection

    quote = connection.ops.quote_name
    table = quote(Result._meta.db_table)
    columns = ", ".join(f"r.{quote(c)}" for c in (
        "level", "code", "period_start", "numerator", "denominator", "suppressed", "value",
        "ci_low", "ci_high", "value_std", "std_ci_low", "std_ci_high"))
    where = (f"r.{quote('run_id')} = %s AND r.{quote('indicator_id')} = %s "
             f"AND r.{quote('grain')} = %s AND r.{quote('level')} = %s")

    def part(area_level: str) -> str:
        names = quote(_NAME_TABLES[area_level]._meta.db_table)
        return (f"SELECT {columns}, a.{quote('name')} FROM {table} r LEFT JOIN {names} a "
                f"ON a.{quote('code')} = r.{quote('code')} WHERE {where}")

    sql = f"{part('region')} UNION ALL {part('cluster')}"
    params: list[Any] = [run.pk, indicator.pk, grain, "region",
                         run.pk, indicator.pk, grain, "cluster"]
    if level not in ("region", "cluster"):
        sql += (f" UNION ALL {part(level)} AND r.{quote('period_start')} = ("
                f"SELECT MAX({quote('period_start')}) FROM {table} "
                f"WHERE {quote('run_id')} = %s AND {quote('indicator_id')} = %s "
                f"AND {quote('grain')} = %s AND {quote('level')} IN (%s, %s))")
        params += [run.pk, indicator.pk, grain, level,
                   run.pk, indicator.pk, grain, "region", "cluster"]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 1, 2, 3", params)
        return cursor.fetchall()


def _as_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def indicator_page(*, indicator: Indicator, level: str, grain: str,
                   measure: str) -> IndicatorPage:
    if indicator.is_reported:
        return _reported_indicator_page(indicator=indicator, level=level, grain=grain,
                                        measure=measure)
    run = published_run_map().get(indicator.code)
    if run is None:
        return IndicatorPage(indicator=indicator, run=None, level=level, grain=grain,
                             measure=measure, series=[], comparison=[], region_latest=None,
                             latest_period=None, funnel=[], funnel_centre=None,
                             has_data=False)
    std = use_standardised(indicator, measure)
    shown: dict[str, list[Row]] = {"region": [], "cluster": [], level: []}
    crude: dict[str, list[Row]] = {"region": [], "cluster": [], level: []}
    for (lv, code, start, num, den, hidden, value, low, high, value_std, std_low,
         std_high, name) in _engine_rows(indicator=indicator, run=run, level=level,
                                         grain=grain):
        hidden = bool(hidden)
        start = _as_date(start)
        name = code if name is None else name
        row = Row(level=lv, code=code, name=name, grain=grain, period_start=start,
                  value=None if hidden else value, ci_low=None if hidden else low,
                  ci_high=None if hidden else high, numerator=None if hidden else num,
                  denominator=None if hidden else den, suppressed=hidden)
        crude[lv].append(row)
        if std:
            row = Row(level=lv, code=code, name=name, grain=grain, period_start=start,
                      value=None if hidden else value_std, ci_low=None if hidden else std_low,
                      ci_high=None if hidden else std_high,
                      numerator=None if hidden else num, denominator=None if hidden else den,
                      suppressed=hidden)
        shown[lv].append(row)
    series = shown["region"] + shown["cluster"]
    latest = max((r.period_start for r in series), default=None)
    comparison: list[Row] = []
    region_latest = None
    funnel: list[FunnelPoint] = []
    centre: float | None = None
    if latest is not None:
        comparison = [r for r in shown[level] if r.period_start == latest]
        comparison.sort(key=lambda r: r.name)
        region_latest = next((r for r in shown["region"] if r.period_start == latest), None)
        centre_row = next((r for r in crude["region"] if r.period_start == latest), None)
        if centre_row is not None and centre_row.value is not None:
            centre = centre_row.value
            # The crude figures in the table's order; the standardised page lists them by
            # code, as it always has.
            crude_rows = comparison if measure != "std" else [
                r for r in crude[level] if r.period_start == latest]
            funnel = _funnel_points(indicator, centre, crude_rows)
    return IndicatorPage(indicator=indicator, run=run, level=level, grain=grain,
                         measure=measure, series=series, comparison=comparison,
                         region_latest=region_latest, latest_period=latest, funnel=funnel,
                         funnel_centre=centre if funnel else None,
                         has_data=bool(series or comparison))


def _reported_indicator_page(*, indicator: Indicator, level: str, grain: str,
                             measure: str) -> IndicatorPage:
    """A hand-entered indicator: values only (no intervals, counts or funnel)."""
    names = area_names()
    series = rows_for(indicator=indicator, level="region", grain=grain, measure=measure,
                      names=names)
    series += rows_for(indicator=indicator, level="cluster", grain=grain, measure=measure,
                       names=names)
    latest = max((r.period_start for r in series), default=None)
    comparison: list[Row] = []
    region_latest = None
    if latest is not None:
        comparison = rows_for(indicator=indicator, level=level, grain=grain, measure=measure,
                              names=names, period_from=latest, period_to=latest)
        comparison.sort(key=lambda r: r.name)
        region_latest = next((r for r in series if r.level == "region"
                              and r.period_start == latest), None)
    return IndicatorPage(indicator=indicator, run=None, level=level, grain=grain,
                         measure=measure, series=series, comparison=comparison,
                         region_latest=region_latest, latest_period=latest, funnel=[],
                         funnel_centre=None, has_data=bool(series or comparison))


# --------------------------------------------------------------------------------------------
# An area's follow-up section (cluster and municipality pages)
# --------------------------------------------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class IndicatorLink:
    """An indicator as the area section shows it (title, link, unit), read as a plain row."""

    pk: int
    code: str
    title: str
    unit: str
    better: str
    source: str
    unit_label: str
    """The unit's label in the active language ("per 1.000")."""

    @property
    def is_reported(self) -> bool:
        return self.source == Indicator.Source.REPORTED


_UNIT_LABELS = dict(Indicator.Unit.choices)


@dataclass
class AreaFigure:
    indicator: IndicatorLink
    period: str
    area: Row | None
    region: Row | None
    previous: Row | None

    @property
    def trend(self) -> str:
        """"up", "down", "flat" or "" (unknown) for the area since the previous year."""
        if not self.area or not self.previous or self.area.value is None \
                or self.previous.value is None:
            return ""
        diff = self.area.value - self.previous.value
        if abs(diff) < 0.005 * max(abs(self.previous.value), 1e-9):
            return "flat"
        return "up" if diff > 0 else "down"

    @property
    def trend_better(self) -> bool | None:
        return self.trend_and_better()[1]

    def trend_and_better(self) -> tuple[str, bool | None]:
        """`trend` and `trend_better` at once, the trend worked out once (the section's rows
        show both)."""
        trend = self.trend
        if trend in ("", "flat") or not self.indicator.better:
            return trend, None
        return trend, trend == self.indicator.better


def _date(value: Any) -> datetime.date:
    """A date read with raw SQL: a date, or ISO text where the driver gives text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _area_rows(*, level: str, code: str, run_ids: list[int]) -> list[tuple[Any, ...]]:
    """The area's and the region's yearly figures: computed ones of `run_ids` and reported
    ones, as (indicator, run or None, level, code, period start, numerator, denominator,
    hidden, value, low, high), in one statement."""
    quote = connection.ops.quote_name
    where = "grain = %s AND level IN (%s, %s) AND code IN (%s, %s)"
    area = ["year", level, "region", code, REGION_CODE]
    reported = (f"SELECT indicator_id, NULL, level, code, period_start, NULL, NULL, %s,"
                f" value, NULL, NULL FROM {quote(ReportedValue._meta.db_table)} WHERE {where}")
    if not run_ids:
        sql, params = reported, [False, *area]
    else:
        marks = ", ".join(["%s"] * len(run_ids))
        sql = (f"SELECT indicator_id, run_id, level, code, period_start, numerator,"
               f" denominator, suppressed, value, ci_low, ci_high"
               f" FROM {quote(Result._meta.db_table)} WHERE run_id IN ({marks}) AND {where}"
               f" UNION ALL {reported}")
        params = [*run_ids, *area, False, *area]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _published_run_ids() -> dict[str, int]:
    """published_run_map() as indicator code -> run id, read as plain rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, definitions FROM {_table(Run)}"
                       f" WHERE status = %s ORDER BY published_at DESC, id DESC",
                       ["published"])
        run_rows = cursor.fetchall()
    runs: dict[str, int] = {}
    for run_id, definitions in run_rows:
        for indicator_code in json_value(definitions) or ():
            runs.setdefault(indicator_code, run_id)
    return runs


@functools.lru_cache(maxsize=4)
def _section_statements(vendor: str) -> tuple[Statement, Statement]:
    """area_followup's two statements (every indicator in catalogue order; the area's stored
    section and the mark that the sections are built), built once per database vendor."""
    return (Statement(f"SELECT id, code, title, unit, better, source"
                      f" FROM {_table(Indicator)} ORDER BY number, code", vendor),
            Statement(f"SELECT level, figures FROM {_table(AreaSection)}"
                      f" WHERE (level = %s AND code = %s) OR (level = %s AND code = %s)",
                      vendor))


def _indicator_links() -> list[IndicatorLink]:
    """Every indicator in catalogue order, as plain rows (one statement)."""
    indicator_rows = fetch_all(_section_statements(connection.vendor)[0], ())
    language = get_language() or ""
    return [IndicatorLink(pk, code, title, unit, better, source, _unit_label(unit, language))
            for pk, code, title, unit, better, source in indicator_rows]


@functools.lru_cache(maxsize=256)
def _unit_label(unit: str, language: str) -> str:
    """The unit's label in `language` (the active one, passed to key the memo): Django's
    gettext of a lazy label looks the active language up on every call."""
    return str(_UNIT_LABELS.get(unit, unit))


setting_changed.connect(lambda **_kwargs: _unit_label.cache_clear(), weak=False,
                        dispatch_uid="followup.selectors.unit_label")


def _area_row(raw: Sequence[Any]) -> Row:
    _ind, run_id, lv, cd, start, num, den, hidden, value, low, high = raw
    if type(start) is str:  # a stored section's row (models.AreaSection): ISO text
        start = datetime.date.fromisoformat(start)
    # Positional (Row's field order: level, code, name, grain, period_start, value, ci_low,
    # ci_high, numerator, denominator, suppressed, reported): a section makes three per
    # indicator, and binding twelve keywords cost more than the rest of it.
    if hidden:
        return Row(lv, cd, cd, "year", start, None, None, None, None, None, True,
                   run_id is None)
    return Row(lv, cd, cd, "year", start, value, low, high, num, den, False, run_id is None)


# Per indicator: (indicator, the area's latest row, the region's row that year or None, the
# area's row before the latest or None), rows as _area_rows gives them.
_AreaEntry = tuple[IndicatorLink, tuple[Any, ...], tuple[Any, ...] | None,
                   tuple[Any, ...] | None]


def _area_entries(*, level: str, code: str, runs: dict[str, int],
                  indicators: list[IndicatorLink]) -> list[_AreaEntry]:
    """The area's section computed from the published results and reported values (one
    statement, whatever the number of indicators)."""
    wanted = {(ind.pk, runs[ind.code]) for ind in indicators if ind.code in runs}
    reported_ids = {ind.pk for ind in indicators if ind.is_reported}
    by_key: dict[tuple[int, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    rows = _area_rows(level=level, code=code, run_ids=sorted(set(runs.values())))
    if not all(isinstance(r[4], datetime.date) for r in rows):  # a driver that gives text
        rows = [(*r[:4], _date(r[4]), *r[5:]) for r in rows]
    rows.sort(key=lambda r: r[4])
    for raw in rows:
        ind_id, run_id, lv, cd = raw[:4]
        if (lv, cd) not in ((level, code), ("region", REGION_CODE)):
            continue
        if run_id is None and ind_id not in reported_ids:
            continue
        if run_id is not None and (ind_id, run_id) not in wanted:
            continue
        by_key[(ind_id, lv, cd)].append(raw)
    out: list[_AreaEntry] = []
    for indicator in indicators:
        area_rows = by_key.get((indicator.pk, level, code))
        if not area_rows:
            continue
        latest = area_rows[-1]
        region = next((r for r in by_key.get((indicator.pk, "region", REGION_CODE), [])
                       if r[4] == latest[4]), None)
        out.append((indicator, latest, region, area_rows[-2] if len(area_rows) > 1 else None))
    return out


def _figure(indicator: IndicatorLink, latest: Sequence[Any],
            region: Sequence[Any] | None, previous: Sequence[Any] | None) -> AreaFigure:
    area = _area_row(latest)
    return AreaFigure(indicator=indicator, period=area.period, area=area,
                      region=None if region is None else _area_row(region),
                      previous=None if previous is None else _area_row(previous))


def _stored_section(level: str, code: str) -> list[Any] | None:
    """The area's stored section (models.AreaSection) as [indicator id, latest, region,
    previous] entries, [] when the area has no figures, None when no sections are built."""
    found = dict(fetch_all(_section_statements(connection.vendor)[1], ["", "", level, code]))
    if "" not in found:
        return None
    figures = found.get(level) or []
    return list(json_value(figures))


def area_followup(*, level: str, code: str) -> list[AreaFigure]:
    """Every indicator with published figures for the area beside the region, latest year.

    Two queries when the sections are built (the indicators, in catalogue order, and the
    area's stored section: models.AreaSection), else four (the published runs and the area's
    and region's figures instead of the section)."""
    indicators = _indicator_links()
    stored = _stored_section(level, code)
    if stored is None:
        return [_figure(*entry) for entry in _area_entries(
            level=level, code=code, runs=_published_run_ids(), indicators=indicators)]
    by_indicator = {entry[0]: entry for entry in stored}
    out = []
    for indicator in indicators:
        entry = by_indicator.get(indicator.pk)
        if entry is not None:
            out.append(_figure(indicator, *entry[1:]))
    return out


def area_sections() -> list[tuple[str, str, list[Any]]]:
    """Every area's follow-up section as models.AreaSection stores it: (level, code, figures)
    for each cluster, municipality and district with a published or reported yearly figure."""
    runs = _published_run_ids()
    indicators = _indicator_links()
    run_ids = sorted(set(runs.values()))
    areas: set[tuple[str, str]] = set(
        ReportedValue.objects.filter(grain="year").exclude(level="region")
        .values_list("level", "code").distinct())
    if run_ids:
        areas.update(Result.objects.filter(run_id__in=run_ids, grain="year")
                     .exclude(level="region").values_list("level", "code").distinct())

    def stored(raw: tuple[Any, ...] | None) -> list[Any] | None:
        if raw is None:
            return None
        return [*raw[:4], raw[4].isoformat(), *raw[5:]]

    sections = []
    for level, code in sorted(areas):
        entries = _area_entries(level=level, code=code, runs=runs, indicators=indicators)
        if entries:
            sections.append((level, code, [[ind.pk, stored(latest), stored(region),
                                            stored(previous)]
                                           for ind, latest, region, previous in entries]))
    return sections


# --------------------------------------------------------------------------------------------
# Goals: measures with targets
# --------------------------------------------------------------------------------------------

@dataclass
class MeasureStatus:
    measure: Measure
    region: Row | None
    clusters: list[Row]
    latest_year: int | None

    @property
    def change(self) -> float | None:
        if self.region is None or self.region.value is None:
            return None
        return self.region.value - self.measure.baseline_value

    @property
    def on_track(self) -> str:
        """"reached", "on_track", "off_track" or "unknown" (region, straight line to target)."""
        m = self.measure
        if self.region is None or self.region.value is None or self.latest_year is None:
            return "unknown"
        value = self.region.value
        sign = 1 if m.direction == Measure.Direction.UP else -1
        if sign * (value - m.target_value) >= 0:
            return "reached"
        span = max(m.target_year - m.baseline_year, 1)
        share = min(max((self.latest_year - m.baseline_year) / span, 0.0), 1.0)
        expected = m.baseline_value + share * (m.target_value - m.baseline_value)
        return "on_track" if sign * (value - expected) >= 0 else "off_track"


def goal_measures(*, goal: Goal) -> list[MeasureStatus]:
    names = area_names()
    runs = published_run_map()
    out = []
    for measure in Measure.objects.filter(goal=goal).select_related("indicator"):
        ind = measure.indicator
        run = runs.get(ind.code)
        region_rows = rows_for(indicator=ind, level="region", grain="year", run=run,
                               names=names)
        region_rows = [r for r in region_rows if r.period_start.month == 1]
        latest = region_rows[-1] if region_rows else None
        clusters = rows_for(indicator=ind, level="cluster", grain="year", run=run,
                            names=names, period_from=latest.period_start,
                            period_to=latest.period_start) if latest else []
        out.append(MeasureStatus(measure=measure, region=latest, clusters=clusters,
                                 latest_year=latest.period_start.year if latest else None))
    return out


# --------------------------------------------------------------------------------------------
# Initiatives with progress
# --------------------------------------------------------------------------------------------

@dataclass
class InitiativeProgress:
    initiative: Initiative
    latest: ProgressEntry | None
    percent: int | None
    overdue: bool
    stale: bool
    milestones: list[Any]


def initiative_progress(initiative: Initiative, *, today: datetime.date | None = None
                        ) -> InitiativeProgress:
    today = today or timezone.localdate()
    entries = list(initiative.progress_entries.all())
    latest = entries[0] if entries else None
    percent = next((e.percent for e in entries if e.percent is not None), None)
    if initiative.status == Initiative.Status.COMPLETED:
        percent = 100
    active = initiative.status in (Initiative.Status.ONGOING, Initiative.Status.PLANNED)
    overdue = bool(initiative.status == Initiative.Status.ONGOING and initiative.end_date
                   and initiative.end_date < today)
    last_date = latest.date if latest else initiative.start_date
    stale = bool(initiative.status == Initiative.Status.ONGOING and (
        last_date is None or (today - last_date).days > STALE_AFTER_DAYS))
    return InitiativeProgress(initiative=initiative, latest=latest, percent=percent,
                              overdue=overdue, stale=stale and active,
                              milestones=list(initiative.milestones.all()))


@dataclass
class GoalProgress:
    goal: Goal
    initiatives: list[InitiativeProgress]

    @property
    def percent(self) -> float | None:
        """The average % progress of the goal's initiatives that report one."""
        values = [i.percent for i in self.initiatives if i.percent is not None]
        return sum(values) / len(values) if values else None

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.initiatives if i.overdue)

    @property
    def stale_count(self) -> int:
        return sum(1 for i in self.initiatives if i.stale)


def goal_progress(*, goal: Goal, today: datetime.date | None = None) -> GoalProgress:
    initiatives = goal.initiatives.prefetch_related("progress_entries", "milestones") \
        .select_related("owner_body", "owner_cluster")
    return GoalProgress(goal=goal, initiatives=[initiative_progress(i, today=today)
                                                for i in initiatives])


def goal_followup(*, goal: Goal) -> dict[str, Any]:
    """Context for the goal page's follow-up include (portal/goal_detail.html)."""
    return {"measures": goal_measures(goal=goal), "progress": goal_progress(goal=goal)}


# --------------------------------------------------------------------------------------------
# Geography export (the engine's mapping input, from the platform's dated memberships)
# --------------------------------------------------------------------------------------------

def geography_rows() -> list[dict[str, str]]:
    """geografi.csv rows: level, code, cluster, valid_from, valid_to.

    The health clusters are declared first (`level = cluster`, with their own validity, which
    says when the engine publishes cluster rows). A municipality split between clusters by district gets its own row naming the cluster of
    most of its districts (the engine needs one) and one row per district overriding it.
    """
    rows: list[dict[str, str]] = []
    memberships = AreaMembership.objects.select_related(
        "cluster", "municipality", "district__municipality").order_by("pk")
    by_municipality: dict[str, list[AreaMembership]] = defaultdict(list)
    for m in memberships:
        if m.cluster.kind != HealthCluster.Kind.HEALTH_CLUSTER:
            continue
        if m.municipality_id:
            rows.append({"level": "municipality", "code": m.municipality.code,
                         "cluster": m.cluster.code, **_validity(m)})
        elif m.district_id:
            rows.append({"level": "district", "code": m.district.code,
                         "cluster": m.cluster.code, **_validity(m)})
            by_municipality[m.district.municipality.code].append(m)
    whole = {r["code"] for r in rows if r["level"] == "municipality"}
    for code, ms in sorted(by_municipality.items()):
        if code in whole:
            continue
        counts: dict[str, int] = defaultdict(int)
        for m in ms:
            counts[m.cluster.code] += 1
        fallback = min(counts, key=lambda c: (-counts[c], c))
        starts = [m.valid_from for m in ms if m.valid_from]
        ends = [m.valid_to for m in ms]
        rows.append({"level": "municipality", "code": code, "cluster": fallback,
                     "valid_from": min(starts).isoformat() if starts else "",
                     "valid_to": "" if any(e is None for e in ends)
                     else max(e for e in ends if e).isoformat()})
    rows.sort(key=lambda r: (r["level"] != "municipality", r["code"], r["valid_from"]))
    used = {r["cluster"] for r in rows}
    clusters = [
        {"level": "cluster", "code": c.code, "cluster": "",
         "valid_from": c.valid_from.isoformat() if c.valid_from else "",
         "valid_to": c.valid_to.isoformat() if c.valid_to else ""}
        for c in HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_CLUSTER,
                                              code__in=used).order_by("code")]
    return clusters + rows


def _validity(m: AreaMembership) -> dict[str, str]:
    return {"valid_from": m.valid_from.isoformat() if m.valid_from else "",
            "valid_to": m.valid_to.isoformat() if m.valid_to else ""}


# --------------------------------------------------------------------------------------------
# Status reports
# --------------------------------------------------------------------------------------------

def reports_for(agreement: Agreement, *, user: Any = None) -> QuerySet[StatusReport]:
    return StatusReport.objects.filter(agreement=agreement).order_by("-year", "kind")


def _row_json(row: Row | None) -> dict[str, Any] | None:
    return row.as_dict() if row is not None else None


def report_content(*, report: StatusReport, live: bool = False) -> dict[str, Any]:
    """The report's content as JSON: frozen when issued, else computed from today's data."""
    if report.frozen is not None and not live:
        return report.frozen
    agreement = report.agreement
    narratives = {n.goal_id: n.text for n in report.narratives.all()}
    runs = published_run_map()
    focus_areas = []
    for fa in agreement.focus_areas.order_by("number", "pk"):
        goals = []
        for goal in fa.goals.order_by("number", "pk"):
            measures = []
            for status in goal_measures(goal=goal):
                m = status.measure
                ind = m.indicator
                run = runs.get(ind.code)
                series = rows_for(indicator=ind, level="region", grain="year",
                                  run=run)
                series += rows_for(indicator=ind, level="cluster", grain="year",
                                   run=run)
                measures.append({
                    "indicator": ind.code, "title": ind.title, "unit": ind.unit,
                    "direction": m.direction, "baseline_year": m.baseline_year,
                    "baseline_value": m.baseline_value, "target_value": m.target_value,
                    "target_year": m.target_year, "status": status.on_track,
                    "latest": _row_json(status.region),
                    "run": {"label": run.label, "checksum": run.checksum} if run else None,
                    "series": [r.as_dict() for r in series]})
            progress = goal_progress(goal=goal)
            goals.append({
                "title": goal.title, "summary": goal.summary, "slug": goal.slug,
                "narrative": narratives.get(goal.pk, ""), "measures": measures,
                "percent": progress.percent,
                "initiatives": [{
                    "title": p.initiative.title, "status": p.initiative.get_status_display(),
                    "percent": p.percent, "overdue": p.overdue, "stale": p.stale,
                    "latest": ({"date": p.latest.date.isoformat(), "text": p.latest.text}
                               if p.latest else None)} for p in progress.initiatives]})
        percents = [g["percent"] for g in goals if g["percent"] is not None]
        focus_areas.append({"title": fa.title, "goals": goals,
                            "percent": sum(percents) / len(percents) if percents else None})
    return {"title": report.title, "kind": report.kind, "year": report.year,
            "introduction": report.introduction, "agreement": agreement.title,
            "generated_at": timezone.now().isoformat(), "focus_areas": focus_areas}
