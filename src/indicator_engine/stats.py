"""Rates, shares, direct standardisation and 95 % confidence intervals (vectorised).

- Shares (percent): Wilson score interval.
- Rates (per 1,000): exact Poisson (Garwood) limits via chi-square quantiles.
- Directly age- and sex-standardised values: weights from the standard population, renormalised
  over the strata that have a denominator (> 0) in the group; 95 % limits by the gamma method of
  Fay & Feuer (1997), used for shares too (upper limit capped at 100 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaincinv

Z95 = 1.959963984540054
ALPHA = 0.05

FloatArray = NDArray[np.float64]


def chi2_quantile(q: float, df: ArrayLike) -> FloatArray:
    """Chi-square quantile (scipy.special is much lighter to import than scipy.stats)."""
    d = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(2.0 * gammaincinv(d / 2.0, q), dtype=float)


def wilson_interval(successes: ArrayLike, trials: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a share (0..1); NaN where trials == 0."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + Z95**2 / n
        centre = (p + Z95**2 / (2 * n)) / denom
        half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # Exact ends: x == 0 has lower limit 0, x == n has upper limit 1.
    low = np.where((n > 0) & (x == 0), 0.0, low)
    high = np.where((n > 0) & (x == n), 1.0, high)
    return low, high


def poisson_interval(count: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) 95 % limits for a Poisson count."""
    x = np.asarray(count, dtype=float)
    low = np.where(x > 0, chi2_quantile(ALPHA / 2, 2 * x) / 2, 0.0)
    high = chi2_quantile(1 - ALPHA / 2, 2 * (x + 1)) / 2
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def rate_interval(count: ArrayLike, population: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact Poisson limits of count / population; NaN where population == 0."""
    n = np.asarray(population, dtype=float)
    low, high = poisson_interval(count)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, low / n, np.nan), np.where(n > 0, high / n, np.nan)


def gamma_interval(y: ArrayLike, v: ArrayLike, wm: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Fay–Feuer gamma limits for a directly standardised rate y with variance v.

    wm is the largest stratum weight divided by its denominator.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    wm = np.asarray(wm, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(
            (y > 0) & (v > 0), v / (2 * y) * chi2_quantile(ALPHA / 2, 2 * y**2 / v), 0.0)
        vu = v + wm**2
        yu = y + wm
        high = vu / (2 * yu) * chi2_quantile(1 - ALPHA / 2, 2 * yu**2 / vu)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def direct_standardise(strata: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Directly standardised value per group of `keys`.

    `strata` has the keys plus numerator, denominator and weight per age band × sex stratum.
    Strata with denominator 0 are dropped and the remaining weights renormalised to sum 1.
    Returns keys + std, std_low, std_high (as fractions, not yet scaled).
    """
    s = strata[strata["denominator"] > 0].copy()
    if s.empty:
        return s[keys].assign(std=pd.Series(dtype=float), std_low=pd.Series(dtype=float),
                              std_high=pd.Series(dtype=float))
    s["weight_total"] = s.groupby(keys, sort=False)["weight"].transform("sum")
    s = s[s["weight_total"] > 0]
    w = s["weight"] / s["weight_total"]
    n = s["denominator"].astype(float)
    x = s["numerator"].astype(float)
    s["_y"] = w * x / n
    s["_v"] = w**2 * x / n**2
    s["_wm"] = w / n
    g = s.groupby(keys, sort=False).agg(y=("_y", "sum"), v=("_v", "sum"), wm=("_wm", "max"))
    low, high = gamma_interval(g["y"].to_numpy(), g["v"].to_numpy(), g["wm"].to_numpy())
    out = g.reset_index()
    out["std"] = out["y"]
    out["std_low"] = low
    out["std_high"] = high
    return out[[*keys, "std", "std_low", "std_high"]]
