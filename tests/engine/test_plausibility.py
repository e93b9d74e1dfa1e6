"""Plausibility on a generated data set of ~50,000 persons (H4's generator).

The figures are not hard-coded results: they are the ranges the national indicators are known
to lie in (readmission shares of some tens of percent at most, roughly 40–100 preventable
admissions per 1,000 citizens 65+), so a broken definition or block falls outside them.
Rows are checked before disclosure control, at region level, by year.
"""

from __future__ import annotations

import datetime as dt

import pytest

from indicator_engine.api import _results_before_disclosure


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from indicator_engine.generator import generate

    data = tmp_path_factory.mktemp("plaus")
    generate(data, persons=50_000, years=2, seed=5)
    rows, _ = _results_before_disclosure(data)
    return rows


def _region_years(results, indicator):
    r = results[(results.indicator_id == indicator) & (results.period_grain == "year")
                & (results.geo_level == "region")]
    assert len(r) >= 1
    return r


def test_readmission_shares_are_plausible(results):
    for ind in ("readmission_somatic_30d", "readmission_psychiatric_30d"):
        r = _region_years(results, ind)
        assert r.denominator.min() > 100
        assert ((r.value > 3) & (r.value < 40)).all(), (ind, list(r.value))
        assert ((r.ci_low < r.value) & (r.value < r.ci_high)).all()


def test_preventable_admissions_are_roughly_40_to_100_per_1000(results):
    r = _region_years(results, "preventable_admissions_65plus")
    assert ((r.value > 40) & (r.value < 100)).all(), list(r.value)
    assert r.value_std.notna().all()
    assert r.provisional.all()


def test_rates_have_denominators_of_the_right_size(results):
    everyone = _region_years(results, "discharge_ready_days_somatic")
    elderly = _region_years(results, "preventable_admissions_65plus")
    copd = _region_years(results, "acute_admissions_copd")
    # 65+ are some 15–25 % of the population; COPD is registered for a few percent of adults.
    share_65 = elderly.denominator.to_numpy() / everyone.denominator.to_numpy()
    assert ((share_65 > 0.10) & (share_65 < 0.30)).all(), share_65
    assert (copd.denominator.to_numpy() < elderly.denominator.to_numpy()).all()
    # people with COPD are admitted far more often than the elderly for preventable causes
    assert (copd.value.to_numpy() > elderly.value.to_numpy()).all()


def test_every_municipality_and_month_is_present(results):
    r = results[(results.indicator_id == "preventable_admissions_65plus")
                & (results.period_grain == "month") & (results.geo_level == "municipality")]
    assert r.geo_code.nunique() >= 29
    assert r.period_start.nunique() == 24
    assert min(r.period_start) == dt.date(2020, 1, 1)
