"""Figures that add up: on generated data, for every indicator, geography level and period
grain, every parent row equals the sum of its children (before disclosure control, so hidden
children are counted too; a missing child row is a zero).

Geography: region = its municipalities; København = its districts; a cluster = the members
mapped to it for the whole period (cluster rows of periods with a membership change are not
published). Time: year = its quarters = its months (numerators; denominators too where they
count events rather than citizens).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from indicator_engine.api import _results_before_disclosure
from indicator_engine.contract import ValidationOptions
from indicator_engine.definitions import INDICATOR_IDS, OWN_DENOMINATOR_KINDS, load_indicator

KEYS = ["indicator_id", "period_grain", "period_start"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from indicator_engine.generator import generate

    data = tmp_path_factory.mktemp("additivity")
    # 2021-2022: the generator's clusters start on 1 July 2022, inside the data.
    generate(data, persons=4000, years=2, seed=5, start_year=2021)
    return data


@pytest.fixture(scope="module")
def results(generated):
    res, geography = _results_before_disclosure(generated)
    return res, geography


def _sums(res: pd.DataFrame, level: str) -> pd.DataFrame:
    part = res[res.geo_level == level]
    return part.groupby(KEYS, as_index=False)[["numerator", "denominator"]].sum()


def _compare(parent: pd.DataFrame, children: pd.DataFrame, what: str) -> None:
    merged = parent.merge(children, on=KEYS, how="left", suffixes=("", "_sum"))
    for col in ("numerator_sum", "denominator_sum"):
        merged[col] = merged[col].astype("Float64").fillna(0)
    bad = merged[(merged.numerator != merged.numerator_sum)
                 | (merged.denominator != merged.denominator_sum)]
    assert bad.empty, f"{what}: {len(bad)} parents differ, e.g. {bad.head(3).to_dict('records')}"


def test_every_indicator_is_computed(results):
    res, _ = results
    assert set(res.indicator_id) == set(INDICATOR_IDS)


def test_region_equals_the_sum_of_its_municipalities(results):
    res, _ = results
    region = res[res.geo_level == "region"][[*KEYS, "numerator", "denominator"]]
    _compare(region, _sums(res, "municipality"), "region")


def test_copenhagen_equals_the_sum_of_its_districts(results):
    res, _ = results
    cph = res[(res.geo_level == "municipality") & (res.geo_code == "101")]
    _compare(cph[[*KEYS, "numerator", "denominator"]], _sums(res, "district"), "101")


def _period_end(start: dt.date, grain: str) -> dt.date:
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    return (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()


def test_every_published_cluster_equals_the_sum_of_its_members(results):
    res, geography = results
    clusters = res[res.geo_level == "cluster"]
    assert len(clusters) > 0
    split = set(geography.loc[geography.level == "district", "code"].str[:3])
    members = geography[~((geography.level == "municipality") & geography.code.isin(split))]
    checked = 0
    for (ind, grain, start), part in clusters.groupby(KEYS):
        end = _period_end(start, grain)
        valid = members[(members.valid_from <= start) & (members.valid_to >= end)]
        for r in part.itertuples():
            codes = set(valid.loc[valid.cluster == r.geo_code, "code"])
            kids = res[(res.indicator_id == ind) & (res.period_grain == grain)
                       & (res.period_start == start) & res.geo_code.isin(codes)
                       & res.geo_level.isin(["municipality", "district"])]
            assert (r.numerator, r.denominator) == (kids.numerator.sum(),
                                                    kids.denominator.sum()), (ind, grain, start,
                                                                              r.geo_code)
            checked += 1
    assert checked > 100


def test_no_cluster_row_covers_a_period_before_the_clusters_began(results):
    res, _ = results
    clusters = res[res.geo_level == "cluster"]
    # Clusters start on 1 July 2022: the year 2022 and Q1-Q2 2022 are covered only in part.
    assert not (clusters.period_start < dt.date(2022, 7, 1)).any()
    assert not (clusters.period_grain == "year").any()


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_years_and_quarters_equal_the_sum_of_their_months(results, indicator_id):
    res, _ = results
    own = load_indicator(indicator_id).kind in OWN_DENOMINATOR_KINDS
    part = res[res.indicator_id == indicator_id].copy()
    part["year"] = [d.year for d in part.period_start]
    part["quarter"] = [dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1) for d in part.period_start]
    cols = ["numerator", "denominator"] if own else ["numerator"]
    geo = ["geo_level", "geo_code"]
    months = part[part.period_grain == "month"]
    for grain, key in (("quarter", "quarter"), ("year", "year")):
        parents = part[part.period_grain == grain].copy()
        parents[key] = parents["period_start"] if grain == "quarter" else parents["year"]
        sums = months.groupby([*geo, key], as_index=False)[cols].sum()
        merged = parents.merge(sums, on=[*geo, key], how="left", suffixes=("", "_m"))
        for col in cols:
            merged[f"{col}_m"] = merged[f"{col}_m"].astype("Float64").fillna(0)
        for col in cols:
            bad = merged[merged[col] != merged[f"{col}_m"]]
            assert bad.empty, (grain, col, bad.head(3).to_dict("records"))


def test_with_one_days_mapping_every_cluster_year_adds_up(generated):
    res, _ = _results_before_disclosure(
        generated, indicators=["readmission_somatic_30d", "preventable_admissions_65plus"],
        validation=ValidationOptions(geography_as_of=dt.date(2023, 1, 1)))
    years = res[(res.geo_level == "cluster") & (res.period_grain == "year")]
    assert {d.year for d in years.period_start} == {2021, 2022}  # before the clusters too
    region = res[res.geo_level == "region"][[*KEYS, "numerator", "denominator"]]
    _compare(region, _sums(res, "cluster"), "region = clusters")
