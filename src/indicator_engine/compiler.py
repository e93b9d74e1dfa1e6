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
to clusters and the region from those small tables, in pandas, identically for every backend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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


def _period_start(month: pd.Series, grain: str) -> pd.Series:
    """First day of the month's month, quarter or year (vectorised on datetime64)."""
    values = month.to_numpy()
    if values.dtype.kind != "M":  # dates as objects or text
        values = pd.to_datetime(month).to_numpy()
    m = values.astype("datetime64[M]")
    if grain == "quarter":
        n = m.astype(np.int64)  # months since 1970-01, a quarter's first month
        m = (n - n % 3).astype("datetime64[M]")
    elif grain == "year":
        m = m.astype("datetime64[Y]")
    return pd.Series(m.astype("datetime64[ns]"), index=month.index)


def cluster_at(geo: pd.DataFrame, kom: pd.Series, district: pd.Series,
               when: pd.Series) -> pd.Series:
    """Cluster of each (kom, district) at a date from the dated mapping (district overrides)."""
    keys = pd.DataFrame({"kom": kom.astype(object), "district": district.astype(object),
                         "when": pd.to_datetime(when)})
    uniq = keys.drop_duplicates().reset_index(drop=True)
    mapping = geo.assign(valid_from=pd.to_datetime(geo["valid_from"]),
                         valid_to=pd.to_datetime(geo["valid_to"], errors="coerce"))
    mapping["valid_to"] = mapping["valid_to"].fillna(pd.Timestamp.max)
    found = pd.Series([None] * len(uniq), dtype=object)
    for level, col in (("municipality", "kom"), ("district", "district")):
        rows = mapping[mapping.level == level][["code", "cluster", "valid_from", "valid_to"]]
        m = uniq.reset_index().merge(rows, left_on=col, right_on="code", how="inner")
        m = m[(m["valid_from"] <= m["when"]) & (m["valid_to"] >= m["when"])]
        m = m.drop_duplicates("index")
        # District rows are applied last so that they override their municipality.
        found.loc[m["index"].to_numpy()] = m["cluster"].to_numpy()
    uniq["cluster"] = found
    merged = keys.merge(uniq, on=["kom", "district", "when"], how="left")
    return pd.Series(merged["cluster"].to_numpy(), index=kom.index)


def _expand_geo(frame: pd.DataFrame) -> pd.DataFrame:
    """One copy of each cell per geography level it belongs to."""
    parts = []
    for level, col in (("district", "district"), ("municipality", "kom"),
                       ("cluster", "cluster")):
        part = frame[frame[col].notna()].copy()
        part["geo_level"] = level
        part["geo_code"] = part[col].astype(str)
        parts.append(part)
    region = frame.copy()
    region["geo_level"] = "region"
    region["geo_code"] = REGION_CODE
    parts.append(region)
    return pd.concat(parts, ignore_index=True)


STRATUM_KEYS = ["period_grain", "period_start", "geo_level", "geo_code", "band", "sex"]
_LEVEL_COLUMNS = (("district", "district"), ("municipality", "kom"), ("cluster", "cluster"),
                  ("region", None))


def _rollup(cells: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Finest cells (month x kom x district x cluster x band x sex) summed to every geography
    level and period grain: one level at a time, months first, then quarters and years from
    the months (small group-bys instead of one over every copy of every cell)."""
    cells = cells.assign(month=pd.to_datetime(cells["month"]))
    parts = []
    for level, col in _LEVEL_COLUMNS:
        part = cells if col is None else cells[cells[col].notna()]
        code = REGION_CODE if col is None else part[col].astype(str)
        monthly = part.assign(geo_code=code).groupby(
            ["geo_code", "month", "band", "sex"], dropna=False, sort=False
        )[metrics].sum().reset_index()
        for grain in GRAINS:
            g = monthly.assign(period_start=_period_start(monthly["month"], grain))
            if grain != "month":
                g = g.groupby(["geo_code", "period_start", "band", "sex"], dropna=False,
                              sort=False)[metrics].sum().reset_index()
            parts.append(g.assign(period_grain=grain, geo_level=level)[
                [*STRATUM_KEYS, *metrics]])
    return pd.concat(parts, ignore_index=True)


def _months_in_range(ctx: Context, years: list[int]) -> list[pd.Timestamp]:
    if ctx.data_start is None or ctx.data_end is None:
        return []
    first = pd.Timestamp(ctx.data_start).to_period("M").to_timestamp()
    last = pd.Timestamp(ctx.data_end).to_period("M").to_timestamp()
    return [m for m in pd.date_range(first, last, freq="MS") if m.year in years]


def _strata(ind: Indicator, num: pd.DataFrame, pop: pd.DataFrame | None,
            ctx: Context) -> pd.DataFrame:
    """Stratum rows: grain, period_start, geo_level, geo_code, band, sex, numerator, denominator."""
    keys = STRATUM_KEYS
    metrics = ["numerator", "denominator"] if ind.kind == "readmission" else ["numerator"]
    numer = _rollup(num, metrics)
    if ind.kind == "readmission":
        return numer
    assert pop is not None
    # Rates: population of the period's year at 1 January; clusters from the mapping valid at
    # the period's start. Every period in the data range gets a row, also with no events.
    months = _months_in_range(ctx, sorted(int(y) for y in pop["year"].unique()))
    periods = pd.DataFrame({"month": months})
    pframes = []
    for grain in GRAINS:
        pg = periods.copy()
        pg["period_grain"] = grain
        pg["period_start"] = _period_start(pg["month"], grain)
        pframes.append(pg[["period_grain", "period_start"]].drop_duplicates())
    periods_all = pd.concat(pframes, ignore_index=True)
    periods_all["year"] = periods_all["period_start"].dt.year
    den = periods_all.merge(pop, on="year", how="inner")
    den["cluster"] = cluster_at(ctx.geography, den["kom"], den["district"], den["period_start"])
    den = _expand_geo(den)
    denom = den.groupby(keys, dropna=False, sort=False)["persons"].sum().reset_index()
    denom = denom.rename(columns={"persons": "denominator"})
    out = denom.merge(numer, on=keys, how="outer")
    out["numerator"] = out["numerator"].fillna(0)
    out["denominator"] = out["denominator"].fillna(0)
    return out


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
