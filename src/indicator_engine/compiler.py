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
from .definitions import (
    OWN_DENOMINATOR_KINDS,
    CodeListRef,
    Indicator,
    StayFilter,
    load_contact_reasons,
)
from .stats import direct_standardise, rate_interval, wilson_interval

GRAINS = ("month", "quarter", "year")
GEO_LEVELS = ("district", "municipality", "cluster", "region")
OUTPUT_COLUMNS = [
    "indicator_id", "definition_version", "provisional", "unit", "period_grain",
    "period_start", "geo_level", "geo_code", "numerator", "denominator", "value", "ci_low",
    "ci_high", "value_std", "std_ci_low", "std_ci_high", "suppressed", "suppression_reason",
]
CELL_DIMS = ["month", "kom", "district", "cluster", "band", "sex"]
SCALE = {"percent": 100.0, "per_1000": 1000.0, "days": 1.0}


# --- expressions -----------------------------------------------------------------------------

def band_expr(age: IntegerValue, starts: list[int]) -> IntegerValue:
    """Age band = the largest band start <= age."""
    cases = [(age >= s, s) for s in sorted(starts, reverse=True) if s > 0]
    return ibis.cases(*cases, else_=0).cast("int64") if cases else ibis.literal(0, "int64")


def _codes_match(adm: Table, refs: tuple[CodeListRef, ...], blocks: Blocks,
                 indicator: Indicator) -> tuple[BooleanValue | None, Table | None]:
    """(condition on the action diagnosis, stays with a hit among any diagnosis) for a list
    of code-list references."""
    action_cond: BooleanValue | None = None
    any_prefixes: list[str] = []
    for ref in refs:
        prefixes = indicator.codelists[ref.codelist].prefixes
        if ref.match == "action":
            m = prefix_match(adm.action_dx, prefixes)
            action_cond = m if action_cond is None else (action_cond | m)
        else:
            any_prefixes += prefixes
    dx_hits = None
    if any_prefixes:
        dx = blocks.admission_dx
        dx_hits = dx.filter(prefix_match(dx.code, tuple(any_prefixes))).select(
            x_cpr="cpr", x_stay="stay_id").distinct()
    return action_cond, dx_hits


def _exclude(adm: Table, refs: tuple[CodeListRef, ...], blocks: Blocks,
             indicator: Indicator) -> Table:
    if not refs:
        return adm
    action_cond, dx_hits = _codes_match(adm, refs, blocks, indicator)
    if action_cond is not None:
        adm = adm.filter(~action_cond)
    if dx_hits is not None:
        adm = adm.anti_join(dx_hits, [adm.cpr == dx_hits.x_cpr, adm.stay_id == dx_hits.x_stay])
    return adm


def stay_filter(adm: Table, f: StayFilter, blocks: Blocks, indicator: Indicator) -> Table:
    """Admissions matching a declaration section (stay type, acute, age, duration, specialty,
    disease, code lists, contact reasons)."""
    if f.stay_type == "somatic":
        adm = adm.filter(~adm.psychiatric)
    elif f.stay_type == "psychiatric":
        adm = adm.filter(adm.psychiatric)
    if f.acute:
        adm = adm.filter(adm.acute)
    age = adm[f"age_{f.age_at}"]
    if f.min_age is not None:
        adm = adm.filter(age >= f.min_age)
    if f.max_age is not None:
        adm = adm.filter(adm[f"age_{f.age_at}"] <= f.max_age)
    if f.max_hours is not None:
        adm = adm.filter((adm.end_s - adm.start_s) <= f.max_hours * 3600)
    if f.specialties:
        names = tuple(indicator.codelists[f.specialties].prefixes)
        adm = adm.filter(adm.specialty.isin(names))
    if f.disease:
        adm = adm.filter(adm[f"has_{f.disease}"])
    if f.include:
        action_cond, dx_hits = _codes_match(adm, f.include, blocks, indicator)
        if action_cond is not None and dx_hits is not None:
            hit = adm.semi_join(dx_hits, [adm.cpr == dx_hits.x_cpr,
                                          adm.stay_id == dx_hits.x_stay])
            adm = adm.filter(action_cond).union(hit, distinct=True)
        elif action_cond is not None:
            adm = adm.filter(action_cond)
        elif dx_hits is not None:
            adm = adm.semi_join(dx_hits, [adm.cpr == dx_hits.x_cpr,
                                          adm.stay_id == dx_hits.x_stay])
    adm = _exclude(adm, f.exclude, blocks, indicator)
    if f.exclude_contact_reasons or f.fallback_exclude:
        if blocks.has_contact_reason and f.exclude_contact_reasons:
            _, meaning = load_contact_reasons()
            codes = sorted(c for c, m in meaning.items() if m in f.exclude_contact_reasons)
            adm = adm.filter(~adm.contact_reason.isin(codes) | adm.contact_reason.isnull())
        else:
            adm = _exclude(adm, f.fallback_exclude, blocks, indicator)
    return adm


def _date_col(ind: Indicator) -> str:
    return "end_date" if ind.period.date == "end" else "start_date"


def place(t: Table, blocks: Blocks, backend: Backend, date_col: str) -> Table:
    """The one rule for where and when an event counts: residence (municipality, district)
    and cluster mapping on the SAME date that gives its period (``period_date``).

    Admissions carry residence and cluster at their start and at their end already; any
    other date is looked up again (the residence block holds every (person, date) pair the
    blocks need)."""
    if date_col == "end_date" and "cluster_end" in t.columns:
        # As the lookup below would: no row without a residence on the day.
        t = t.filter(t.end_placed).mutate(sex=t.sex_end, kom=t.kom_end,
                                          district=t.district_end, cluster=t.cluster_end)
    elif date_col != "start_date" or "cluster" not in t.columns:
        t = t.drop(*[c for c in ("birth_date", "sex", "kom", "district", "cluster")
                     if c in t.columns])
        t = with_residence(t, blocks.residence, date_col)
        t = cluster_lookup(t, backend.table("geography"), date_col)
    return t.mutate(period_date=t[date_col])


def _readmission_events(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    adm = blocks.admissions
    assert ind.index is not None and ind.readmission is not None
    window = int(ind.readmission.window_days or 30)
    idx = stay_filter(adm, ind.index, blocks, ind)
    if ind.period.require_follow_up and blocks.data_end is not None:
        # Only index stays whose whole follow-up window lies inside the data.
        idx = idx.filter(idx.end_date <= ibis.date(blocks.data_end - dt.timedelta(days=window)))
    re = stay_filter(adm, ind.readmission, blocks, ind).select(r_cpr="cpr", r_start="start_s")
    keys = idx.select("cpr", "stay_id", "end_s")
    hits = keys.join(re, [keys.cpr == re.r_cpr, re.r_start > keys.end_s,
                          re.r_start <= keys.end_s + window * 86400]).select(
        h_cpr="cpr", h_stay="stay_id").distinct()
    return _readmission_flagged(idx, hits, ind, blocks, backend)


def _readmission_flagged(idx: Table, hits: Table, ind: Indicator, blocks: Blocks,
                         backend: Backend) -> Table:
    assert ind.index is not None
    j = idx.left_join(hits, [idx.cpr == hits.h_cpr, idx.stay_id == hits.h_stay])
    j = j.mutate(numerator=j.h_cpr.notnull().cast("int64")).drop("h_cpr", "h_stay")
    j = place(j, blocks, backend, _date_col(ind))
    return j.mutate(denominator=ibis.literal(1, "int64"), age=j[f"age_{ind.index.age_at}"])


def _event_rate_events(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    assert ind.event is not None
    ev = stay_filter(blocks.admissions, ind.event, blocks, ind)
    ev = place(ev, blocks, backend, _date_col(ind))
    return ev.mutate(numerator=ibis.literal(1, "int64"), age=ev[f"age_{ind.event.age_at}"])


def _bed_day_events(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    assert ind.event is not None
    j = blocks.ready_contacts
    if ind.event.stay_type == "somatic":
        j = j.filter(~j.psychiatric)
    elif ind.event.stay_type == "psychiatric":
        j = j.filter(j.psychiatric)
    # end_date is the end of the stay the marked contact belongs to (see blocks.py).
    j = place(j, blocks, backend, "end_date")
    days = j.end_date.epoch_days() - j.ready_date.epoch_days()
    return j.mutate(numerator=ibis.greatest(days, 0).cast("int64"),
                    age=age_at(j.birth_date, j.end_date))


def _plan_events(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    """Per index admission, the number of plans of the declared kinds it issued
    (plans_per_discharge); or per plan with a first session, the days from discharge
    to that session (waiting_time)."""
    assert ind.index is not None and ind.plans is not None and blocks.rehab_plans is not None
    idx = stay_filter(blocks.admissions, ind.index, blocks, ind)
    plans = blocks.rehab_plans
    plans = plans.filter(plans.plan_kind.isin(list(ind.plans.kinds)))
    if ind.kind == "plans_per_discharge":
        per_stay = plans.group_by(["cpr", "stay_id"]).aggregate(n_plans=plans.count()).rename(
            p_cpr="cpr", p_stay="stay_id")
        j = idx.left_join(per_stay, [idx.cpr == per_stay.p_cpr,
                                     idx.stay_id == per_stay.p_stay])
        j = j.mutate(numerator=j.n_plans.coalesce(0).cast("int64"),
                     denominator=ibis.literal(1, "int64")).drop("p_cpr", "p_stay", "n_plans")
    else:
        started = plans.filter(plans.first_session_date.notnull()).select(
            p_cpr="cpr", p_stay="stay_id", first_session_date="first_session_date")
        j = idx.join(started, [idx.cpr == started.p_cpr, idx.stay_id == started.p_stay])
        wait = j.first_session_date.epoch_days() - j.end_date.epoch_days()
        j = j.mutate(numerator=ibis.greatest(wait, 0).cast("int64"),
                     denominator=ibis.literal(1, "int64")).drop("p_cpr", "p_stay",
                                                                "first_session_date")
    j = place(j, blocks, backend, _date_col(ind))
    return j.mutate(age=j[f"age_{ind.index.age_at}"])


def event_table(ind: Indicator, blocks: Blocks, backend: Backend) -> Table:
    if ind.kind == "readmission":
        return _readmission_events(ind, blocks, backend)
    if ind.kind == "event_rate":
        return _event_rate_events(ind, blocks, backend)
    if ind.kind == "bed_days":
        return _bed_day_events(ind, blocks, backend)
    if ind.kind in ("plans_per_discharge", "waiting_time"):
        return _plan_events(ind, blocks, backend)
    raise ValueError(ind.kind)


def numerator_cells(ind: Indicator, blocks: Blocks, backend: Backend,
                    starts: list[int]) -> Table:
    ev = event_table(ind, blocks, backend)
    if blocks.data_end is not None:
        # Events dated after the observed period (a stay ending after the last contact date)
        # would make rows of periods the data barely cover: left out.
        ev = ev.filter(ev.period_date <= ibis.date(blocks.data_end))
    ev = ev.mutate(month=ev.period_date.truncate("M").cast("date"),
                   band=band_expr(ev.age, starts))
    metrics = {"numerator": ev.numerator.sum().cast("int64")}
    if ind.kind in OWN_DENOMINATOR_KINDS:
        metrics["denominator"] = ev.denominator.sum().cast("int64")
    return ev.group_by(CELL_DIMS).aggregate(**metrics)


def population_cells(ind: Indicator, blocks: Blocks, starts: list[int]) -> Table:
    spec = ind.population
    assert spec is not None
    p = blocks.population_cells
    if spec.min_age is not None:
        p = p.filter(p.age >= spec.min_age)
    if spec.max_age is not None:
        p = p.filter(p.age <= spec.max_age)
    if spec.disease:
        p = p.filter(p[f"has_{spec.disease}"])
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
    own = ind.kind in OWN_DENOMINATOR_KINDS
    metrics = ["numerator", "denominator"] if own else ["numerator"]
    with duckdb.connect() as con:
        con.register("num", num)
        if own:
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
    strata = strata[~partial_cluster_rows(strata, ctx.geography)]
    group = ["period_grain", "period_start", "geo_level", "geo_code"]
    crude = strata.groupby(group, sort=False)[["numerator", "denominator"]].sum().reset_index()
    crude = crude[crude["denominator"] > 0].copy()
    scale = SCALE[ind.unit]
    x = crude["numerator"].to_numpy(dtype=float)
    n = crude["denominator"].to_numpy(dtype=float)
    crude["value"] = x / n * scale
    if ind.unit == "percent":
        low, high = wilson_interval(x, n)
    elif ind.unit == "days":
        # A mean of skewed waiting times: an interval would need the spread of the single
        # waits, which the cells do not keep. None is computed (docs/engine.md).
        low = high = np.full(len(x), np.nan)
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


def _period_end(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    return start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def partial_cluster_rows(rows: pd.DataFrame, geography: pd.DataFrame) -> pd.Series:
    """True for cluster rows of a period the cluster covers only in part: it was founded,
    ended, or gained or lost a member (municipality or district) inside the period.

    The coverage rule: such rows are NOT published (dropped before disclosure control), so
    every published cluster row covers its whole period with one membership, and equals the
    sum of its members' rows. With --geography-as-of no mapping changes, so none are dropped.
    """
    flags = pd.Series(False, index=rows.index)
    is_cluster = rows["geo_level"] == "cluster"
    if not is_cluster.any() or geography.empty:
        return flags
    # Dates inside which a cluster's membership changes: a member row starting after the
    # first day or ending before the last day of the period.
    starts = [(r.cluster, pd.Timestamp(r.valid_from)) for r in geography.itertuples()]
    ends = [(r.cluster, pd.Timestamp(r.valid_to)) for r in geography.itertuples()
            if r.valid_to.year < 9999]
    keys = rows.loc[is_cluster, ["period_grain", "period_start", "geo_code"]].drop_duplicates()
    partial: set[tuple[str, pd.Timestamp, str]] = set()
    period_ends: dict[tuple[str, pd.Timestamp], pd.Timestamp] = {}
    for grain, start, code in keys.itertuples(index=False):
        first = pd.Timestamp(start)
        if (grain, first) not in period_ends:
            period_ends[grain, first] = _period_end(first, grain)
        last = period_ends[grain, first]
        if any(c == code and first < d <= last for c, d in starts) or any(
                c == code and first <= d < last for c, d in ends):
            partial.add((grain, first, code))
    if not partial:
        return flags
    sel = rows.loc[is_cluster]
    hit = pd.MultiIndex.from_arrays([sel["period_grain"], pd.to_datetime(sel["period_start"]),
                                     sel["geo_code"]]).isin(list(partial))
    flags.loc[sel.index] = hit
    return flags


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
