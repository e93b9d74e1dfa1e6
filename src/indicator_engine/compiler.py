"""One small compiler: any declaration → Ibis expressions → finest cells → long-format rows.

Three generic kinds, selected and parameterised by the declaration:
- ``readmission``: index admissions (denominator) with a flag for a qualifying admission
  starting 0 < gap <= window_days after the index end (numerator); a share in percent.
- ``event_rate``: qualifying admissions (numerator) per 1,000 citizens of the declared
  population at the 1 January snapshot of the period's year.
- ``bed_days``: calendar days from the discharge-ready mark to the end of the contact
  (numerator) per 1,000 citizens.

The backend aggregates each indicator ONCE to its finest cells (month × municipality × district ×
cluster × age band × sex); months are rolled up to quarters and years and municipalities/districts
to clusters and the region from those small tables by DuckDB SQL, identically for every backend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import BooleanValue, IntegerValue, Table

from .backends import Backend
from .blocks import Blocks, age_at, cluster_lookup, prefix_match, with_residence
from .contract import REGION_CODE
from .definitions import Indicator
from .stats import direct_standardise, rate_interval, wilson_interval

GRAINS = ("month", "quarter", "year")
GEO_LEVELS = ("district", "municipality", "cluster", "region")
OUTPUT_COLUMNS = [
    "indicator_id", "definition_version", "provisional", "unit", "period_grain",
    "period_start", "geo_level", "geo_code", "numerator", "denominator", "value", "ci_low",
    "ci_high", "value_std", "std_ci_low", "std_ci_high", "suppressed", "suppression_reason",
]
CELL_DIMS = ["month", "kom", "district", "cluster", "band", "sex"]
SCALE = {"percent": 100.0, "per_1000": 1000.0}


# --- expressions -----------------------------------------------------------------------------

def band_expr(age: IntegerValue, starts: list[int]) -> IntegerValue:
    """Age band = the largest band start <= age."""
    cases = [(age >= s, s) for s in sorted(starts, reverse=True) if s > 0]
    return ibis.cases(*cases, else_=0).cast("int64") if cases else ibis.literal(0, "int64")


def stay_filter(adm: Table, section: dict[str, Any], blocks: Blocks,
                indicator: Indicator) -> Table:
    """Admissions matching a declaration section (stay type, acute, age, disease, code lists)."""
    stay_type = section.get("stay_type", "any")
    if stay_type == "somatic":
        adm = adm.filter(~adm.psychiatric)
    elif stay_type == "psychiatric":
        adm = adm.filter(adm.psychiatric)
    if section.get("acute"):
        adm = adm.filter(adm.acute)
    age = adm[f"age_{section.get('age_at', 'start')}"]
    if "min_age" in section:
        adm = adm.filter(age >= int(section["min_age"]))
    if "max_age" in section:
        adm = adm.filter(adm[f"age_{section.get('age_at', 'start')}"] <= int(section["max_age"]))
    if section.get("disease"):
        adm = adm.filter(adm[f"has_{section['disease']}"])
    for key in ("include", "exclude"):
        entries = section.get(key, [])
        if not entries:
            continue
        action_cond: BooleanValue | None = None
        any_prefixes: list[str] = []
        for entry in entries:
            prefixes = indicator.codelists[entry["codelist"]].prefixes
            if entry["match"] == "action":
                m = prefix_match(adm.action_dx, prefixes)
                action_cond = m if action_cond is None else (action_cond | m)
            else:
                any_prefixes += prefixes
        dx_hits = None
        if any_prefixes:
            dx = blocks.admission_dx
            dx_hits = dx.filter(prefix_match(dx.code, tuple(any_prefixes))).select(
                x_cpr="cpr", x_stay="stay_id").distinct()
        if key == "include":
            if action_cond is not None and dx_hits is not None:
                hit = adm.semi_join(dx_hits, [adm.cpr == dx_hits.x_cpr,
                                              adm.stay_id == dx_hits.x_stay])
                adm = adm.filter(action_cond).union(hit, distinct=True)
            elif action_cond is not None:
                adm = adm.filter(action_cond)
            elif dx_hits is not None:
                adm = adm.semi_join(dx_hits, [adm.cpr == dx_hits.x_cpr,
                                              adm.stay_id == dx_hits.x_stay])
        else:
            if action_cond is not None:
                adm = adm.filter(~action_cond)
            if dx_hits is not None:
                adm = adm.anti_join(dx_hits, [adm.cpr == dx_hits.x_cpr,
                                              adm.stay_id == dx_hits.x_stay])
    return adm


def _readmission_events(ind: Indicator, blocks: Blocks) -> Table:
    adm = blocks.admissions
    idx_spec, re_spec = ind.section("index"), ind.section("readmission")
    window = int(re_spec.get("window_days", 30))
    idx = stay_filter(adm, idx_spec, blocks, ind)
    if ind.section("period").get("require_follow_up") and blocks.data_end is not None:
        # Only index stays whose whole follow-up window lies inside the data.
        idx = idx.filter(idx.end_date <= ibis.date(blocks.data_end - dt.timedelta(days=window)))
    re = stay_filter(adm, re_spec, blocks, ind).select(r_cpr="cpr", r_start="start_s")
    keys = idx.select("cpr", "stay_id", "end_s")
    hits = keys.join(re, [keys.cpr == re.r_cpr, re.r_start > keys.end_s,
                          re.r_start <= keys.end_s + window * 86400]).select(
        h_cpr="cpr", h_stay="stay_id").distinct()
    j = idx.left_join(hits, [idx.cpr == hits.h_cpr, idx.stay_id == hits.h_stay])
    period_col = "end_date" if ind.section("period").get("date", "end") == "end" else "start_date"
    return j.mutate(
        numerator=j.h_cpr.notnull().cast("int64"),
        denominator=ibis.literal(1, "int64"),
        period_date=j[period_col],
        age=j[f"age_{idx_spec.get('age_at', 'start')}"],
    )


def _event_rate_events(ind: Indicator, blocks: Blocks) -> Table:
    spec = ind.section("event")
    ev = stay_filter(blocks.admissions, spec, blocks, ind)
    period_col = "end_date" if ind.section("period").get("date", "start") == "end" else "start_date"
    return ev.mutate(numerator=ibis.literal(1, "int64"), period_date=ev[period_col],
                     age=ev[f"age_{spec.get('age_at', 'start')}"])


def _bed_day_events(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    spec = ind.section("event")
    j = blocks.ready_contacts
    if spec.get("stay_type") == "somatic":
        j = j.filter(~j.psychiatric)
    elif spec.get("stay_type") == "psychiatric":
        j = j.filter(j.psychiatric)
    at = "end_date" if ind.section("geography").get("at", "end") == "end" else "start_date"
    j = with_residence(j, blocks.residence, at)
    j = cluster_lookup(j, backend.table("geography"), at)
    days = j.end_date.epoch_days() - j.ready_date.epoch_days()
    period_col = "end_date" if ind.section("period").get("date", "end") == "end" else "start_date"
    return j.mutate(numerator=ibis.greatest(days, 0).cast("int64"), period_date=j[period_col],
                    age=age_at(j.birth_date, j[at]))


def event_table(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    if ind.kind == "readmission":
        return _readmission_events(ind, blocks)
    if ind.kind == "event_rate":
        return _event_rate_events(ind, blocks)
    if ind.kind == "bed_days":
        return _bed_day_events(ind, blocks, backend)
    raise ValueError(ind.kind)


def numerator_cells(ind: Indicator, blocks: Blocks, backend: Backend,
                    starts: list[int]) -> Table:
    ev = event_table(ind, blocks, backend)
    ev = ev.mutate(month=ev.period_date.truncate("M").cast("date"),
                   band=band_expr(ev.age, starts))
    metrics = {"numerator": ev.numerator.sum().cast("int64")}
    if ind.kind == "readmission":
        metrics["denominator"] = ev.denominator.sum().cast("int64")
    return ev.group_by(CELL_DIMS).aggregate(**metrics)


def population_cells(ind: Indicator, blocks: Blocks, starts: list[int]) -> Table:
    spec = ind.section("population")
    p = blocks.population_cells
    if "min_age" in spec:
        p = p.filter(p.age >= int(spec["min_age"]))
    if "max_age" in spec:
        p = p.filter(p.age <= int(spec["max_age"]))
    if spec.get("disease"):
        p = p.filter(p[f"has_{spec['disease']}"])
    p = p.mutate(year=p.ref_date.year().cast("int64"), band=band_expr(p.age, starts))
    return p.group_by(["year", "kom", "district", "band", "sex"]).aggregate(
        persons=p.persons.sum().cast("int64"))


# --- roll-up and statistics (pandas, on small tables) ----------------------------------------

@dataclass
class Context:
    geography: pd.DataFrame  # level, code, cluster, valid_from, valid_to
    standard: pd.DataFrame  # age_from, age_to, sex, weight
    data_start: dt.date | None
    data_end: dt.date | None


STRATUM_KEYS = ["period_grain", "period_start", "geo_level", "geo_code", "band", "sex"]

# Every finest cell once per geography level it belongs to (the region: all of them).
_GEO_EXPANSION = " UNION ALL ".join(
    f"SELECT '{level}' AS geo_level, CAST({col} AS VARCHAR) AS geo_code, * FROM {{src}}"
    + (f" WHERE {col} IS NOT NULL" if col != "region" else "")
    for level, col in (("district", "district"), ("municipality", "kom"),
                       ("cluster", "cluster"), ("region", f"'{REGION_CODE}'")))
_PERIOD_OF_MONTH = ("CASE g.grain WHEN 'month' THEN c.month "
                    "WHEN 'quarter' THEN CAST(date_trunc('quarter', c.month) AS DATE) "
                    "ELSE CAST(date_trunc('year', c.month) AS DATE) END")


def _numerator_sql(metrics: list[str]) -> str:
    """Finest numerator cells (month x kom x district x cluster x band x sex) summed to every
    geography level and period grain."""
    sums = ", ".join(f"CAST(sum({m}) AS BIGINT) AS {m}" for m in metrics)
    return (
        f"WITH cells AS (SELECT CAST(month AS DATE) AS month, kom, district, cluster, band, sex, "
        f"{', '.join(metrics)} FROM num), "
        f"c AS ({_GEO_EXPANSION.format(src='cells')}) "
        f"SELECT g.grain AS period_grain, {_PERIOD_OF_MONTH} AS period_start, c.geo_level, "
        f"c.geo_code, c.band, c.sex, {sums} "
        f"FROM c, (VALUES ('month'), ('quarter'), ('year')) AS g(grain) GROUP BY ALL"
    )


# Population at 1 January of each period's year, with the cluster valid at the period's start
# (a district's row overrides its municipality's), summed to every geography level; joined
# with the numerators (every period in the data range gets a row, also with no events).
_RATE_SQL = (
    "WITH den AS (SELECT p.period_grain, CAST(p.period_start AS DATE) AS period_start, "
    "pop.kom, pop.district, pop.band, pop.sex, pop.persons FROM periods p JOIN pop USING (year)), "
    "geo AS (SELECT level, code, cluster, CAST(valid_from AS DATE) AS valid_from, "
    "CAST(valid_to AS DATE) AS valid_to FROM geo_map), "
    "clustered AS (SELECT den.*, coalesce(d.cluster, m.cluster) AS cluster FROM den "
    "LEFT JOIN geo d ON d.level = 'district' AND d.code = den.district "
    "AND d.valid_from <= den.period_start AND d.valid_to >= den.period_start "
    "LEFT JOIN geo m ON m.level = 'municipality' AND m.code = den.kom "
    "AND m.valid_from <= den.period_start AND m.valid_to >= den.period_start), "
    "c AS (" + _GEO_EXPANSION.format(src="clustered") + "), "
    "denom AS (SELECT period_grain, period_start, geo_level, geo_code, band, sex, "
    "CAST(sum(persons) AS DOUBLE) AS denominator FROM c GROUP BY ALL), "
    "numer AS ({numerators}) "
    "SELECT " + ", ".join(f"coalesce(d.{k}, n.{k}) AS {k}" for k in STRATUM_KEYS)
    + ", CAST(coalesce(n.numerator, 0) AS DOUBLE) AS numerator, "
    "coalesce(d.denominator, 0) AS denominator "
    "FROM denom d FULL OUTER JOIN numer n ON "
    + " AND ".join(f"d.{k} IS NOT DISTINCT FROM n.{k}" for k in STRATUM_KEYS)
)


def _months_in_range(ctx: Context, years: list[int]) -> list[pd.Timestamp]:
    if ctx.data_start is None or ctx.data_end is None:
        return []
    first = pd.Timestamp(ctx.data_start).to_period("M").to_timestamp()
    last = pd.Timestamp(ctx.data_end).to_period("M").to_timestamp()
    return [m for m in pd.date_range(first, last, freq="MS") if m.year in years]


def _strata(ind: Indicator, num: pd.DataFrame, pop: pd.DataFrame | None,
            ctx: Context) -> pd.DataFrame:
    """Stratum rows: grain, period_start, geo_level, geo_code, band, sex, numerator, denominator.

    The roll-up runs as DuckDB SQL over the small cell tables, whichever backend computed
    them (DuckDB is always there: it validates the input)."""
    metrics = ["numerator", "denominator"] if ind.kind == "readmission" else ["numerator"]
    with duckdb.connect() as con:
        con.register("num", num)
        if ind.kind == "readmission":
            out = con.sql(_numerator_sql(metrics)).df()
        else:
            assert pop is not None
            months = _months_in_range(ctx, sorted(int(y) for y in pop["year"].unique()))
            periods = pd.DataFrame([
                (grain, start, start.year) for grain in GRAINS
                for start in sorted({_grain_start(m, grain) for m in months})],
                columns=["period_grain", "period_start", "year"])
            con.register("periods", periods)
            con.register("pop", pop)
            con.register("geo_map", ctx.geography.assign(
                valid_from=ctx.geography["valid_from"].astype(str),
                valid_to=ctx.geography["valid_to"].astype(str)))
            out = con.sql(_RATE_SQL.format(numerators=_numerator_sql(metrics))).df()
    out["period_start"] = pd.to_datetime(out["period_start"])
    return out


def _grain_start(month: pd.Timestamp, grain: str) -> pd.Timestamp:
    if grain == "quarter":
        return pd.Timestamp(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    if grain == "year":
        return pd.Timestamp(month.year, 1, 1)
    return month


def assemble(ind: Indicator, num: pd.DataFrame, pop: pd.DataFrame | None,
             ctx: Context) -> pd.DataFrame:
    """Long-format rows (before disclosure control) from the finest cells."""
    strata = _strata(ind, num, pop, ctx)
    group = ["period_grain", "period_start", "geo_level", "geo_code"]
    crude = strata.groupby(group, sort=False)[["numerator", "denominator"]].sum().reset_index()
    crude = crude[crude["denominator"] > 0].copy()
    scale = SCALE[ind.unit]
    x = crude["numerator"].to_numpy(dtype=float)
    n = crude["denominator"].to_numpy(dtype=float)
    crude["value"] = x / n * scale
    if ind.unit == "percent":
        low, high = wilson_interval(x, n)
    else:
        low, high = rate_interval(x, n)
    crude["ci_low"] = low * scale
    crude["ci_high"] = high * scale
    if ind.standardise:
        w = ctx.standard[["age_from", "sex", "weight"]].rename(columns={"age_from": "band"})
        s = strata.merge(w, on=["band", "sex"], how="left")
        s["weight"] = s["weight"].fillna(0.0)
        std = direct_standardise(s, group)
        crude = crude.merge(std, on=group, how="left")
        crude["value_std"] = crude["std"] * scale
        crude["std_ci_low"] = crude["std_low"] * scale
        high_std = crude["std_high"] * scale
        crude["std_ci_high"] = high_std.clip(upper=scale) if ind.unit == "percent" else high_std
    else:
        crude["value_std"] = np.nan
        crude["std_ci_low"] = np.nan
        crude["std_ci_high"] = np.nan
    crude["indicator_id"] = ind.id
    crude["definition_version"] = ind.version
    crude["provisional"] = ind.provisional
    crude["unit"] = ind.unit
    crude["suppressed"] = False
    crude["suppression_reason"] = None
    crude["period_start"] = pd.to_datetime(crude["period_start"]).dt.date
    crude["numerator"] = crude["numerator"].round().astype("Int64")
    crude["denominator"] = crude["denominator"].round().astype("Int64")
    out = crude[OUTPUT_COLUMNS].copy()
    return sort_rows(out)


def sort_rows(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(
        _g=frame["period_grain"].map({g: i for i, g in enumerate(GRAINS)}),
        _l=frame["geo_level"].map({g: i for i, g in enumerate(GEO_LEVELS)}),
    ).sort_values(["indicator_id", "_g", "period_start", "_l", "geo_code"], kind="mergesort")
    return order.drop(columns=["_g", "_l"]).reset_index(drop=True)


def disclosure_edges(geography: pd.DataFrame) -> pd.DataFrame:
    """Additive geography relations for secondary suppression (valid_to NaT = open)."""
    geo = geography.copy()
    geo["valid_from"] = pd.to_datetime(geo["valid_from"])
    # The open end (9999-12-31) does not fit a nanosecond timestamp: it becomes NaT (open).
    geo["valid_to"] = pd.to_datetime(
        [None if v is None or v.year >= 9999 else v for v in geo["valid_to"]])
    with_districts = set(geo.loc[geo.level == "district", "code"].str[:3])
    rows: list[dict[str, Any]] = []
    for r in geo.itertuples(index=False):
        if r.level == "district":
            rows.append({"parent_level": "cluster", "parent_code": r.cluster,
                             "child_level": "district", "child_code": r.code,
                             "valid_from": r.valid_from, "valid_to": r.valid_to})
            rows.append({"parent_level": "municipality", "parent_code": r.code[:3],
                             "child_level": "district", "child_code": r.code,
                             "valid_from": r.valid_from, "valid_to": r.valid_to})
        elif r.code not in with_districts:
            rows.append({"parent_level": "cluster", "parent_code": r.cluster,
                             "child_level": "municipality", "child_code": r.code,
                             "valid_from": r.valid_from, "valid_to": r.valid_to})
    for cluster, part in geo.groupby("cluster"):
        rows.append({"parent_level": "region", "parent_code": REGION_CODE,
                         "child_level": "cluster", "child_code": cluster,
                         "valid_from": part.valid_from.min(),
                         "valid_to": pd.NaT if part.valid_to.isna().any() else part.valid_to.max()})
    edges = pd.DataFrame(rows, columns=["parent_level", "parent_code", "child_level",
                                        "child_code", "valid_from", "valid_to"])
    return edges.drop_duplicates().reset_index(drop=True)
