"""Confidence intervals and direct standardisation against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicator_engine.stats import (
    direct_standardise,
    gamma_interval,
    poisson_interval,
    rate_interval,
    wilson_interval,
)


def test_wilson_interval_matches_the_textbook_value():
    # 10 of 100: Wilson 95 % interval 5.52 %–17.44 % (Newcombe 1998, method 3).
    low, high = wilson_interval([10], [100])
    assert low[0] == pytest.approx(0.05523, abs=1e-5)
    assert high[0] == pytest.approx(0.17437, abs=1e-5)


def test_wilson_interval_edges():
    low, high = wilson_interval([0, 5, 3], [5, 5, 0])
    assert low[0] == 0.0 and 0 < high[0] < 1
    assert high[1] == 1.0 and 0 < low[1] < 1
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_exact_poisson_limits():
    low, high = poisson_interval([0, 1, 10])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(3.6889, abs=1e-4)  # -ln(0.025)
    assert low[1] == pytest.approx(0.02532, abs=1e-5)
    assert high[1] == pytest.approx(5.5716, abs=1e-4)
    assert low[2] == pytest.approx(4.7954, abs=1e-4)
    assert high[2] == pytest.approx(18.3904, abs=1e-4)


def test_rate_interval_divides_by_population():
    low, high = rate_interval([10], [1000])
    assert low[0] == pytest.approx(0.0047954, rel=1e-4)
    assert high[0] == pytest.approx(0.0183904, rel=1e-4)


def test_direct_standardisation_hand_computed():
    # Two strata, standard weights 3:1.  Rates 10/100 and 20/50.
    # Standardised = 0.75 * 0.10 + 0.25 * 0.40 = 0.175.
    strata = pd.DataFrame({
        "g": ["a", "a"], "numerator": [10, 20], "denominator": [100, 50],
        "weight": [3000.0, 1000.0]})
    out = direct_standardise(strata, ["g"]).iloc[0]
    assert out["std"] == pytest.approx(0.175)
    # Fay–Feuer: v = 0.75²·10/100² + 0.25²·20/50² = 0.0005625 + 0.0005 = 0.0010625
    v = 0.75**2 * 10 / 100**2 + 0.25**2 * 20 / 50**2
    wm = max(0.75 / 100, 0.25 / 50)
    low, high = gamma_interval([0.175], [v], [wm])
    assert out["std_low"] == pytest.approx(low[0])
    assert out["std_high"] == pytest.approx(high[0])
    assert out["std_low"] < 0.175 < out["std_high"]


def test_standardisation_drops_strata_without_denominator_and_renormalises():
    strata = pd.DataFrame({
        "g": ["a", "a", "b", "b"], "numerator": [10, 0, 10, 20],
        "denominator": [100, 0, 100, 50], "weight": [3000.0, 1000.0, 3000.0, 1000.0]})
    out = direct_standardise(strata, ["g"]).set_index("g")
    assert out.loc["a", "std"] == pytest.approx(0.10)  # only the first stratum, weight 1
    assert out.loc["b", "std"] == pytest.approx(0.175)


def test_standardised_equals_crude_when_the_population_has_the_standard_shape():
    strata = pd.DataFrame({
        "g": ["a"] * 3, "numerator": [5, 30, 40], "denominator": [500, 1000, 2000],
        "weight": [500.0, 1000.0, 2000.0]})
    out = direct_standardise(strata, ["g"]).iloc[0]
    assert out["std"] == pytest.approx(75 / 3500)
