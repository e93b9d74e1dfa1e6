"""The interval audit: what an informed attacker can learn about hidden counts.

The attacker (docs/disclosure.md) knows every published cell, every hierarchy the results are
published in, that counts are non-negative integers, which cells are hidden and the rule (every
count of 1-4 is hidden). For each hidden count they can solve two linear programs over the
connected block of hidden cells it lies in: the smallest and the largest value it can take.
Rounded to integers (the attacker knows counts are whole), that interval ``[lo, hi]`` must not
say anything about a count of 1-4. A hidden count PASSES when

- ``lo = 0`` and ``hi >= 5``: no events and five or more both fit (the issue's goal; the only
  way a true count of 1-4 can pass), or
- ``lo >= 5``: the count is at least five (nothing small follows), or
- ``hi = 0``: the count is zero (zero is publishable anyway).

Every other interval (``lo`` in 1-4, or ``lo = 0`` and ``hi`` in 1-4) FAILS. The criterion
needs no true value, so the same audit runs inside ``compute`` (on the true table, before
anything is written) and on any published file (``sundhedsaftale indicators audit``).

LPs are saved where a bound is already certain: a feasible point with the cell at 0 proves
``lo = 0``, one with the cell at 5 or more proves ``hi >= 5``. Each component first solves
"minimise the sum of its hidden cells" and "maximise the sum, each capped at 5", and every
solution found (and the true table when known) certifies cells on the way; only the cells left
get LPs of their own. A hidden cell in no equation is unbounded: nothing to solve.

A relation that the published figures contradict (an infeasible component) is found with one
elastic LP (least total violation) and left out, as an attacker would.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.csgraph
from scipy.optimize import linprog

__all__ = [
    "AuditReport",
    "IndicatorAudit",
    "SystemAudit",
    "audit_results",
    "audit_system",
    "infer_time_relations",
    "time_relations_from_truth",
]

THRESHOLD = 5
#: Threads for audit_results' blocks (HiGHS releases the interpreter while it solves).
AUDIT_WORKERS = min(2, os.cpu_count() or 1)
#: Tolerance on LP values before integer rounding.
EPS = 1e-6
COUNT_COLUMNS = ("numerator", "denominator")
#: How time relates a count column across grains at one geography level.
#: "sum": quarter = its months, year = its quarters and its months (events, stays, days).
#: "same": every period of a year has the year's value (a population on 1 January).
#: "none": no time relation.
TimeRelations = Mapping[str, Mapping[str, Mapping[str, str]]]  # indicator -> column -> level


@dataclass
class SystemAudit:
    """Integer-rounded intervals of the hidden cells of one system (NaN for published)."""

    lo: np.ndarray
    hi: np.ndarray  # capped: a value >= THRESHOLD means "at least THRESHOLD"
    failed: np.ndarray  # bool per cell
    lps: int = 0
    dropped_relations: int = 0

    @property
    def passed(self) -> bool:
        return not bool(self.failed.any())


@dataclass
class IndicatorAudit:
    indicator_id: str
    hidden_cells: int = 0
    hidden_counts: int = 0
    failed_counts: int = 0
    narrowest_interval: list[int] | None = None
    lps_solved: int = 0
    dropped_relations: int = 0

    @property
    def passed(self) -> bool:
        return self.failed_counts == 0


@dataclass
class AuditReport:
    passed: bool
    indicators: list[IndicatorAudit] = field(default_factory=list)
    hidden_cells: int = 0
    lps_solved: int = 0
    seconds: float = 0.0
    narrowest_interval: list[int] | None = None
    geography: str = "none"  # "mapping" (clusters audited) or "codes" (no cluster relations)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The manifest's ``audit`` entry."""
        return {"passed": self.passed, "hidden_cells": self.hidden_cells,
                "lps_solved": self.lps_solved, "seconds": round(self.seconds, 3),
                "narrowest_interval": self.narrowest_interval}


def _narrower(a: list[int] | None, b: list[int] | None) -> list[int] | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if (b[1] - b[0], b[0]) < (a[1] - a[0], a[0]) else a


# --------------------------------------------------------------------------- the LP audit


def _sparse_system(equations: Sequence[Sequence[int]], n: int) -> scipy.sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for r, eq in enumerate(equations):
        rows.append(r)
        cols.append(eq[0])
        vals.append(1.0)
        for c in eq[1:]:
            rows.append(r)
            cols.append(c)
            vals.append(-1.0)
    m = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(len(equations), n))
    return m.tocsr()  # duplicates (a cell twice in one equation) are summed


try:  # HiGHS directly, as linprog calls it, without linprog's input checks (~2x faster)
    from scipy.optimize._highspy._core import HighsModelStatus as _Status
    from scipy.optimize._highspy._core import ObjSense as _Sense
    from scipy.optimize._highspy._highs_wrapper import _highs_wrapper

    _HIGHS_OPTIONS: dict[str, Any] = {"presolve": False, "sense": _Sense.kMinimize,
                                      "output_flag": False, "log_to_console": False}
except ImportError:  # pragma: no cover - another SciPy layout: the public route
    _highs_wrapper = None


def _solve(c: np.ndarray, a: scipy.sparse.csr_matrix, b: np.ndarray,
           bounds: np.ndarray) -> tuple[int, np.ndarray | None]:
    """min c.x subject to a x = b and the bounds; (status, x) with linprog's status codes
    (0 optimal, 2 infeasible, 3 unbounded)."""
    if _highs_wrapper is not None:
        csc = scipy.sparse.csc_matrix(a)
        ub = np.where(np.isinf(bounds[:, 1]), 1e30, bounds[:, 1])
        res = _highs_wrapper(np.asarray(c, dtype=float), csc.indptr, csc.indices,
                             csc.data.astype(float), b.astype(float), b.astype(float),
                             bounds[:, 0].astype(float), ub.astype(float),
                             np.empty(0, dtype=np.uint8), dict(_HIGHS_OPTIONS))
        status = res.get("status")
        if status == _Status.kOptimal:
            return 0, np.asarray(res["x"])
        if status == _Status.kInfeasible:
            return 2, None
        if status in (_Status.kUnbounded, _Status.kUnboundedOrInfeasible):
            return 3, None
        return 4, None
    out = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs",
                  options={"presolve": False})
    return int(out.status), (out.x if out.status == 0 else None)


def _elastic_drop(a: scipy.sparse.csr_matrix, b: np.ndarray) -> np.ndarray:
    """Rows to keep: the least total violation (L1) solution marks the contradicted ones."""
    m, k = a.shape
    eye = scipy.sparse.identity(m, format="csr")
    big = scipy.sparse.hstack([a, eye, -eye], format="csr")
    c = np.concatenate([np.zeros(k), np.ones(2 * m)])
    res = linprog(c, A_eq=big, b_eq=b, bounds=(0, None), method="highs")
    if res.status != 0:
        return np.zeros(m, dtype=bool)
    slack = res.x[k:k + m] + res.x[k + m:]
    return np.asarray(slack <= 1e-7)


def audit_system(
    equations: Sequence[Sequence[int]],
    values: np.ndarray,
    hidden: np.ndarray,
    *,
    truth: np.ndarray | None = None,
    threshold: int = THRESHOLD,
    cache: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, int]] | None = None,
    certified: tuple[np.ndarray, np.ndarray] | None = None,
) -> SystemAudit:
    """Intervals of the hidden cells of one system ``parent - sum(children) = 0``.

    ``values`` holds the published values (hidden entries are ignored, NaN allowed);
    ``truth`` (optional, only inside compute) the true values of every cell, used only as a
    ready-made feasible point when it satisfies every relation. ``cache`` keeps the bounds
    of components already solved (same cells, same relations, same values: same answer).
    ``certified`` (per cell: "0 is feasible", "the threshold is feasible") carries proofs from
    an earlier audit with fewer hidden cells: hiding more keeps every feasible point feasible,
    so the proofs still hold; it is updated in place.
    """
    n = len(hidden)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    failed = np.zeros(n, dtype=bool)
    out = SystemAudit(lo, hi, failed)
    cols = np.flatnonzero(hidden)
    if len(cols) == 0:
        return out
    lo[cols] = 0.0
    hi[cols] = math.inf
    a_full = _sparse_system(equations, n) if equations else scipy.sparse.csr_matrix((0, n))
    known = np.where(hidden, 0.0, np.nan_to_num(np.asarray(values, dtype=float)))
    a_h = a_full[:, cols]
    involved = np.diff(a_h.tocsr().indptr) > 0
    a_h = a_h[involved]
    rhs = -(a_full[involved] @ known)
    if a_h.shape[0] == 0:
        return out  # no relation touches a hidden cell: all unbounded
    k = len(cols)
    graph = scipy.sparse.bmat([[None, a_h.T.tocsr() != 0], [a_h != 0, None]], format="csr")
    _ncomp, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
    col_lab, row_lab = labels[:k], labels[k:]
    for lab in np.unique(col_lab[np.isin(col_lab, row_lab)]):
        pc = np.flatnonzero(col_lab == lab)
        pr = np.flatnonzero(row_lab == lab)
        sub = a_h[pr][:, pc].tocsr()
        b = rhs[pr]
        key = tuple(cols[pc].tolist())
        if cache is not None and key in cache:
            plo, phi, dropped = cache[key]
            lo[cols[pc]] = plo
            hi[cols[pc]] = phi
            out.dropped_relations += dropped
            continue
        tv = None if truth is None else np.nan_to_num(np.asarray(truth, dtype=float)[cols[pc]])
        start = None if certified is None else (certified[0][cols[pc]], certified[1][cols[pc]])
        plo, phi, lps, dropped = _component(sub, b, tv, threshold, start)
        if certified is not None and dropped == 0:
            # Only bounds of the real system prove anything for later rounds; with relations
            # dropped as contradictory they belong to a relaxed system.
            certified[0][cols[pc]] |= plo <= 0
            certified[1][cols[pc]] |= phi >= threshold
        if cache is not None:
            cache[key] = (plo, phi, dropped)
        lo[cols[pc]] = plo
        hi[cols[pc]] = phi
        out.lps += lps
        out.dropped_relations += dropped
    h = cols
    small_lo = (lo[h] >= 1) & (lo[h] < threshold)
    small_hi = (lo[h] < 1) & (hi[h] >= 1) & (hi[h] < threshold)
    failed[h] = small_lo | small_hi
    return out


def cell_reaches_point(
    equations: Sequence[Sequence[int]],
    values: np.ndarray,
    hidden: np.ndarray,
    j: int,
    target: str,
    threshold: int = THRESHOLD,
) -> tuple[bool, np.ndarray | None, np.ndarray | None]:
    """One LP: can hidden cell ``j`` be 0 (``target="zero"``) or reach the threshold
    (``target="threshold"``) given everything published? Returns (answer, cells, their
    values), where cells are the hidden cells of ``equations`` and the values a point
    satisfying every one of them (None when the LP gave none). When ``equations`` are all
    the relations of j's connected block, that point is feasible for the whole block, so it
    may certify other cells too.

    Only the hidden cells that occur in ``equations`` are variables (a hidden cell in none of
    them is free and changes nothing), which keeps the LP to the size of j's block."""
    if not equations:
        return True, None, None
    n = len(hidden)
    members = np.unique(np.fromiter((c for eq in equations for c in eq), dtype=np.int64))
    a_full = _sparse_system(equations, n)[:, members].tocsc()
    h = np.asarray(hidden, dtype=bool)[members]
    cols = members[h]
    known = np.where(h, 0.0, np.nan_to_num(np.asarray(values, dtype=float)[members]))
    a_h = a_full[:, np.flatnonzero(h)].tocsr()
    involved = np.diff(a_h.indptr) > 0
    a_h = a_h[involved]
    rhs = -(a_full.tocsr()[involved] @ known)
    pos = int(np.searchsorted(cols, j))
    k = len(cols)
    bounds = np.tile([0.0, math.inf], (k, 1))
    c = np.zeros(k)
    if target == "zero":
        c[pos] = 1.0
        status, x = _solve(c, a_h, rhs, bounds)
        return x is not None and bool(x[pos] <= EPS), cols, x
    c[pos] = -1.0
    bounds[pos, 1] = threshold
    status, x = _solve(c, a_h, rhs, bounds)
    return status == 2 or (x is not None and bool(x[pos] >= threshold - EPS)), cols, x


def _component(a: scipy.sparse.csr_matrix, b: np.ndarray, truth: np.ndarray | None,
               threshold: int, start: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Integer bounds of one connected component (``hi`` capped at ``threshold``).

    Batches first: "minimise the sum of the cells not yet proven able to be 0" and "maximise
    the sum of the cells not yet proven able to reach the threshold, each capped there",
    repeated while they prove something new; then one LP per cell and direction left."""
    k = a.shape[1]
    lps = 0
    dropped = 0
    lo_ok = np.zeros(k, dtype=bool)  # proven: 0 is feasible
    hi_ok = np.zeros(k, dtype=bool)  # proven: threshold is feasible
    lo = np.zeros(k)
    hi = np.full(k, float(threshold))
    if start is not None:
        lo_ok |= start[0]
        hi_ok |= start[1]

    def certify(x: np.ndarray | None) -> int:
        if x is None:
            return 0
        before = int(lo_ok.sum() + hi_ok.sum())
        lo_ok[x <= EPS] = True
        hi_ok[x >= threshold - EPS] = True
        return int(lo_ok.sum() + hi_ok.sum()) - before

    free = np.tile([0.0, math.inf], (k, 1))
    if truth is not None and np.allclose(a @ truth, b, atol=1e-6) and (truth >= 0).all():
        certify(truth)
    # Bounds by propagation along the relations (valid, maybe loose): a cell whose lower bound
    # reaches the threshold is settled without an LP (large secondary cells mostly are).
    plo, phi = _propagate_bounds(a, b)
    settled = np.ceil(plo - EPS) >= threshold
    lo[settled] = np.ceil(plo[settled] - EPS)
    lo_ok[settled] = False
    hi_ok[settled] = True
    status, x = _solve((~lo_ok & ~settled).astype(float), a, b, free)
    lps += 1
    if status == 2:  # infeasible: a relation the figures contradict; drop it
        keep = _elastic_drop(a, b)
        lps += 1
        dropped = int((~keep).sum())
        a, b = a[keep], b[keep]
        if a.shape[0] == 0 or a.nnz == 0:
            return lo, np.full(k, math.inf), lps, dropped
        status, x = _solve((~lo_ok).astype(float), a, b, free)
        lps += 1
    if status != 0:
        # Unsolvable even so: report every cell as failed-looking (lo 1, hi 1).
        return np.ones(k), np.ones(k), lps, dropped
    # A cell whose propagated upper bound is 0 is 0 in every solution (the component is
    # feasible here, no relation dropped): interval [0, 0], no LP of its own.
    zero = (phi <= EPS) & ~settled if dropped == 0 else np.zeros(k, dtype=bool)
    lo_ok[zero] = True
    hi[zero] = 0.0
    gained = certify(x)
    while gained and not (lo_ok | settled).all():
        status, x = _solve((~lo_ok & ~settled).astype(float), a, b, free)
        lps += 1
        gained = certify(x)
    gained = 1
    while gained and not (hi_ok | zero).all():
        capped = free.copy()
        capped[~hi_ok, 1] = threshold
        status, x = _solve(-(~hi_ok & ~zero).astype(float), a, b, capped)
        lps += 1
        gained = certify(x)
    for j in np.flatnonzero(~lo_ok & ~settled):
        if lo_ok[j]:
            continue
        c = np.zeros(k)
        c[j] = 1.0
        status, x = _solve(c, a, b, free)
        lps += 1
        if x is not None:
            lo[j] = math.ceil(x[j] - EPS)
            certify(x)
        else:  # no answer from the solver: count it as failing (fail safe)
            lo[j] = 1.0
    for j in np.flatnonzero(~hi_ok):
        if hi_ok[j] or lo[j] >= threshold or zero[j]:
            continue  # proven, at least threshold, or always 0: no upper bound needed
        c = np.zeros(k)
        c[j] = -1.0
        capped = free.copy()
        capped[j, 1] = threshold
        status, x = _solve(c, a, b, capped)
        lps += 1
        if status == 2:  # cannot stay at or below the threshold: at least threshold
            continue
        if x is not None:
            hi[j] = math.floor(x[j] + EPS)
            certify(x)
        else:  # no answer from the solver: count it as failing (fail safe)
            hi[j] = 1.0
    lo[lo_ok] = 0.0
    hi[hi_ok] = np.maximum(hi[hi_ok], threshold)
    return lo, hi, lps, dropped


def _propagate_bounds(a: scipy.sparse.csr_matrix, b: np.ndarray, sweeps: int = 12
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of x >= 0 with a x = b by interval propagation (each relation
    bounds each of its cells by the other cells' bounds), a few sweeps, vectorised over all
    non-zeros. Always valid for a feasible system: never tighter than the LP minimum and
    maximum."""
    coo = a.tocoo()
    keep = coo.data != 0
    return _propagate_entries(coo.row[keep], coo.col[keep], coo.data[keep], a.shape, b, sweeps)


def _propagate_entries(r: np.ndarray, j: np.ndarray, c: np.ndarray, shape: tuple[int, int],
                       b: np.ndarray, sweeps: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """_propagate_bounds on the non-zeros given as (row, column, value) arrays, row by row
    (the order of a CSR matrix's entries), without a sparse matrix to build."""
    m, k = shape
    lo = np.zeros(k)
    hi = np.full(k, math.inf)
    if len(r) == 0:
        return lo, hi
    pos = c > 0
    for _ in range(sweeps):
        t_lo = np.where(pos, c * lo[j], c * hi[j])  # smallest contribution of each term
        t_hi = np.where(pos, c * hi[j], c * lo[j])  # largest
        inf_lo = ~np.isfinite(t_lo)
        inf_hi = ~np.isfinite(t_hi)
        s_lo = np.bincount(r, np.where(inf_lo, 0.0, t_lo), minlength=m)
        s_hi = np.bincount(r, np.where(inf_hi, 0.0, t_hi), minlength=m)
        n_lo = np.bincount(r, inf_lo, minlength=m)
        n_hi = np.bincount(r, inf_hi, minlength=m)
        rest_lo = np.where(n_lo[r] - inf_lo > 0, -math.inf,
                           s_lo[r] - np.where(inf_lo, 0.0, t_lo))
        rest_hi = np.where(n_hi[r] - inf_hi > 0, math.inf,
                           s_hi[r] - np.where(inf_hi, 0.0, t_hi))
        rhs = b[r]
        with np.errstate(invalid="ignore"):
            cand_lo = np.where(pos, (rhs - rest_hi) / c, (rhs - rest_lo) / c)
            cand_hi = np.where(pos, (rhs - rest_lo) / c, (rhs - rest_hi) / c)
        cand_lo = np.where(np.isfinite(cand_lo), cand_lo, -math.inf)
        cand_hi = np.where(np.isnan(cand_hi), math.inf, cand_hi)
        new_lo = lo.copy()
        np.maximum.at(new_lo, j, cand_lo)
        new_hi = hi.copy()
        np.minimum.at(new_hi, j, cand_hi)
        new_hi = np.maximum(new_hi, new_lo)
        if _allclose(new_lo, lo) and np.array_equal(np.isinf(new_hi), np.isinf(hi)) and \
                _allclose(np.where(np.isinf(new_hi), 0, new_hi), np.where(np.isinf(hi), 0, hi)):
            break
        lo, hi = new_lo, new_hi
    return lo, hi


def _allclose(x: np.ndarray, y: np.ndarray, atol: float = 1e-9, rtol: float = 1e-5) -> bool:
    """np.allclose(x, y, rtol, atol) for float arrays: its own formula when every value is
    finite (the usual case, without np.isclose's per-call overhead), else np.allclose."""
    if np.isfinite(x).all() and np.isfinite(y).all():
        return bool(np.less_equal(np.abs(x - y), atol + rtol * np.abs(y)).all())
    return bool(np.allclose(x, y, rtol=rtol, atol=atol))


# ------------------------------------------------------------------ relations of a table


def time_relations_from_truth(frame: pd.DataFrame,
                              columns: Sequence[str] = COUNT_COLUMNS) -> dict[str, Any]:
    """Per indicator, column and geography level: does time add up ("sum"), stay the same over
    the periods of a year ("same"), or neither ("none")? Decided on the full (true) table."""
    return _classify(frame, columns, published_only=False)


def infer_time_relations(frame: pd.DataFrame,
                         columns: Sequence[str] = COUNT_COLUMNS) -> dict[str, Any]:
    """The same decision from published rows only (a file without a manifest)."""
    return _classify(frame, columns, published_only=True)


def _close(x: pd.Series, y: pd.Series) -> pd.Series:
    """Per row, np.allclose's test (|x - y| <= 1e-8 + 1e-5 |y|); NaN is never close."""
    return (x - y).abs() <= 1e-8 + 1e-5 * y.abs()


def _classify(frame: pd.DataFrame, columns: Sequence[str], *,
              published_only: bool) -> dict[str, Any]:
    """Every indicator, column and level at once: a handful of grouped joins over the whole
    table instead of three per (indicator, column, level), which took seconds at region
    scale. The evidence per (indicator, level) is the rows the joins match, as before."""
    out: dict[str, Any] = {}
    f = frame
    if published_only and "suppressed" in f.columns:
        f = f[~f["suppressed"].astype(bool)]
    start = pd.to_datetime(f["period_start"])
    base = pd.DataFrame({
        "ind": f["indicator_id"].astype(str).to_numpy(),
        "lv": f["geo_level"].astype(str).to_numpy(),
        "geo": f["geo_code"].to_numpy(),
        "grain": f["period_grain"].to_numpy(),
        "year": start.dt.year.to_numpy(),
        "q": ((start.dt.month - 1) // 3).to_numpy(),
    })
    for ind in sorted(base["ind"].unique().tolist()):
        out[ind] = {}
    if not len(base):
        return out
    year_key, group = ["ind", "lv", "geo", "year"], ["ind", "lv"]
    for col in columns:
        if col not in f.columns:
            continue
        b = base.assign(v=pd.to_numeric(f[col], errors="coerce").astype(float).to_numpy())
        y = b[b.grain == "year"][[*year_key, "v"]].rename(columns={"v": "y"})
        q = b[b.grain == "quarter"]
        m = b[b.grain == "month"]
        qsum = q.groupby(year_key)["v"].agg(["sum", "count"]).reset_index()
        msum = m.groupby([*year_key, "q"])["v"].agg(["sum", "count"]).reset_index()
        qv = q[[*year_key, "q", "v"]].rename(columns={"v": "qv"})
        # Four quarters against their year; three months against their quarter.
        yq = qsum[qsum["count"] == 4].merge(y, on=year_key)
        mq = msum[msum["count"] == 3].merge(qv, on=[*year_key, "q"])
        sums = pd.concat([
            yq[group].assign(ok=_close(yq["sum"], yq["y"]).to_numpy()),
            mq[group].assign(ok=_close(mq["sum"], mq["qv"]).to_numpy())])
        # Each month equal to its year (a rate, a mean: the same in every period).
        same = m[[*year_key, "v"]].merge(y, on=year_key)
        same = same[group].assign(ok=_close(same["v"], same["y"]).to_numpy())
        sum_ev = sums.groupby(group)["ok"].agg(["size", "all"])
        same_ev = same.groupby(group)["ok"].agg(["size", "all"])
        for ind, lv in sorted(set(zip(base["ind"], base["lv"], strict=True))):
            levels = out[ind].setdefault(col, {})
            key = (ind, lv)
            evidence_sum = int(sum_ev.at[key, "size"]) if key in sum_ev.index else 0
            evidence_same = int(same_ev.at[key, "size"]) if key in same_ev.index else 0
            if evidence_sum and bool(sum_ev.at[key, "all"]):
                levels[lv] = "sum"
            elif evidence_same and bool(same_ev.at[key, "all"]):
                levels[lv] = "same"
            elif not evidence_sum and not evidence_same:
                levels[lv] = "sum"  # nothing to go by: assume the usual
            else:
                levels[lv] = "none"
    return out


# ------------------------------------------------------------------ auditing a whole table


def block_keys(frame: pd.DataFrame) -> np.ndarray:
    if len(frame) == 0:
        return np.array([], dtype=object)
    starts = pd.to_datetime(frame["period_start"])
    cols = [c for c in ("indicator_id", "definition_version") if c in frame.columns]
    return (joined_text(frame, cols) + "\x1f" + starts.dt.year.astype(str)).to_numpy()


def joined_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Per row, the columns as text joined by U+001F (column-wise string concatenation, not
    a Python call per row)."""
    if not columns:
        return pd.Series("", index=frame.index, dtype=object)
    out = frame[columns[0]].astype(str)
    for col in columns[1:]:
        out = out + "\x1f" + frame[col].astype(str)
    return out


def audit_results(
    df: pd.DataFrame,
    *,
    geography: pd.DataFrame | Path | str | None = None,
    manifest: Mapping[str, Any] | None = None,
    columns: Sequence[str] = COUNT_COLUMNS,
) -> AuditReport:
    """Re-run the attacker's LPs on a public output frame (no true values needed).

    Needs the columns indicator_id, period_grain, period_start, geo_level, geo_code,
    suppressed and the count columns. Hierarchies: month/quarter/year from the periods;
    district -> municipality from the codes (``101-04`` is in ``101``); region = all its
    municipalities; cluster relations only with ``geography`` (the geografi.csv used, as a
    path or frame). Time relations come from ``manifest["disclosure"]["time_relations"]`` when
    given, else they are inferred from the published rows.
    """
    from .disclosure import Cell, _prepare_edges, hierarchy_equations

    t0 = time.monotonic()
    frame = df.reset_index(drop=True)
    # Its own copy without the output's attrs (manifest, report): pandas deep-copies attrs
    # into every frame an operation makes, seconds over the audit of a region's output.
    frame.attrs = {}
    missing = [c for c in ("indicator_id", "period_grain", "period_start", "geo_level",
                           "geo_code", "suppressed") if c not in frame.columns]
    if missing:
        raise ValueError(f"resultatet mangler kolonnerne {', '.join(missing)}")
    columns = [c for c in columns if c in frame.columns]
    edges, geo_kind = _edges_for(frame, geography)
    prepared = _prepare_edges(edges)
    relations: Any = None
    if manifest is not None:
        relations = (manifest.get("disclosure") or {}).get("time_relations")
    if not relations:
        relations = infer_time_relations(frame, columns)
    report = AuditReport(passed=True, geography=geo_kind)
    suppressed = frame["suppressed"].astype(bool).to_numpy()
    starts = pd.to_datetime(frame["period_start"])
    keys = block_keys(frame)
    per_ind: dict[str, IndicatorAudit] = {}
    for ind in sorted(frame["indicator_id"].astype(str).unique()):
        per_ind[ind] = IndicatorAudit(ind)
    positions = pd.Series(np.arange(len(frame))).groupby(keys).indices if len(frame) else {}

    def audit_block(pos: np.ndarray) -> list[tuple[str, list[Any], np.ndarray, SystemAudit]]:
        """The LPs of one block, per count column (blocks share nothing)."""
        block = frame.iloc[pos]
        hid = suppressed[pos]
        if not hid.any():
            return []
        ind = str(block["indicator_id"].iloc[0])
        cells: list[Cell] = list(zip(
            block["period_grain"].astype(str), starts.iloc[pos],
            block["geo_level"].astype(str), block["geo_code"].astype(str), strict=True))
        out = []
        for col in columns:
            eqs = block_equations(cells, prepared, (relations.get(ind) or {}).get(col) or {},
                                  hierarchy_equations)
            vals = pd.to_numeric(block[col], errors="coerce").to_numpy(dtype=float)
            out.append((col, cells, hid, audit_system(eqs, vals, hid)))
        return out

    # Two threads: HiGHS solves without holding the interpreter. Results are taken in the
    # blocks' order, so the report is the same as from one thread.
    with ThreadPoolExecutor(max_workers=AUDIT_WORKERS) as pool:
        audited = list(pool.map(audit_block, positions.values()))
    for pos, per_column in zip(positions.values(), audited, strict=True):
        ind = str(frame["indicator_id"].iat[int(pos[0])])
        rec = per_ind[ind]
        hid = suppressed[pos]
        rec.hidden_cells += int(hid.sum())
        for col, cells, hid, res in per_column:
            rec.lps_solved += res.lps
            rec.dropped_relations += res.dropped_relations
            rec.hidden_counts += int(hid.sum())
            rec.failed_counts += int(res.failed.sum())
            rec.narrowest_interval = _narrower(rec.narrowest_interval,
                                               narrowest(res, hid))
            for j in np.flatnonzero(res.failed)[:20]:
                report.failures.append({
                    "indicator_id": ind, "column": col, "period_grain": cells[j][0],
                    "period_start": cells[j][1].date().isoformat(),
                    "geo_level": cells[j][2], "geo_code": cells[j][3],
                    "interval": [int(res.lo[j]), int(res.hi[j])]})
    report.indicators = [per_ind[k] for k in sorted(per_ind)]
    report.hidden_cells = int(suppressed.sum())
    report.lps_solved = sum(r.lps_solved for r in report.indicators)
    for r in report.indicators:
        report.narrowest_interval = _narrower(report.narrowest_interval, r.narrowest_interval)
    report.passed = all(r.passed for r in report.indicators)
    report.seconds = time.monotonic() - t0
    return report


def narrowest(res: SystemAudit, hidden: np.ndarray) -> list[int] | None:
    """The narrowest interval among hidden counts that could hold 1-4 (not proven 0, not
    proven >= 5); ``hi`` is capped at the threshold (the audit stops looking there)."""
    idx = np.flatnonzero(hidden & (res.hi >= 1) & (res.lo < THRESHOLD))
    if len(idx) == 0:
        return None
    width = np.minimum(res.hi[idx], THRESHOLD) - res.lo[idx]
    j = idx[int(np.argmin(width))]
    return [int(res.lo[j]), int(min(res.hi[j], THRESHOLD))]


def block_equations(cells: Sequence[Any], prepared: Any, levels: Mapping[str, str],
                    hierarchy_equations: Any) -> list[list[int]]:
    """Geography relations per period, plus time relations per geography level as
    ``levels`` says ("sum", "same" or "none"; a level not named adds up)."""
    time_levels = {lv for lv in {c[2] for c in cells} if levels.get(lv, "sum") == "sum"}
    eqs = hierarchy_equations(cells, prepared, time_levels=time_levels)
    same_levels = {lv for lv, kind in levels.items() if kind == "same"}
    if same_levels:
        index = {cell: i for i, cell in enumerate(cells)}
        for i, (grain, start, level, code) in enumerate(cells):
            if level in same_levels and grain != "year":
                y = index.get(("year", pd.Timestamp(start.year, 1, 1), level, code))
                if y is not None:
                    eqs.append([y, i])
    return eqs


def _edges_for(frame: pd.DataFrame,
               geography: pd.DataFrame | Path | str | None) -> tuple[pd.DataFrame, str]:
    """Hierarchy edges: from the geography mapping when given, else from the codes alone."""
    from .compiler import REGION_CODE, disclosure_edges

    if geography is not None:
        if not isinstance(geography, pd.DataFrame):
            import datetime as dt

            from .contract import read_geography
            from .io import OPEN_END

            geo = pd.DataFrame(read_geography(Path(geography)),
                               columns=["level", "code", "cluster", "valid_from", "valid_to"])
            open_end = dt.date.fromisoformat(OPEN_END)
            geo["valid_to"] = [v if v is not None else open_end for v in geo["valid_to"]]
            return disclosure_edges(geo), "mapping"
        return disclosure_edges(geography), "mapping"
    codes = frame.loc[:, ["geo_level", "geo_code"]].astype(str).drop_duplicates()
    munis = sorted(set(codes.loc[codes.geo_level == "municipality", "geo_code"]))
    districts = sorted(set(codes.loc[codes.geo_level == "district", "geo_code"]))
    rows = [("municipality", d.split("-")[0], "district", d) for d in districts]
    regions = sorted(set(codes.loc[codes.geo_level == "region", "geo_code"])) or [REGION_CODE]
    rows += [("region", r, "municipality", m) for r in regions for m in munis]
    edges = pd.DataFrame(rows, columns=["parent_level", "parent_code", "child_level",
                                        "child_code"])
    edges["valid_from"] = pd.NaT
    edges["valid_to"] = pd.NaT
    return edges, "codes"


def report_json(report: AuditReport) -> dict[str, Any]:
    """The audit part of the non-public run report."""
    return {
        **report.summary(),
        "geography": report.geography,
        "indicators": [
            {"indicator_id": r.indicator_id, "passed": r.passed,
             "hidden_cells": r.hidden_cells, "hidden_counts_audited": r.hidden_counts,
             "failed_counts": r.failed_counts, "narrowest_interval": r.narrowest_interval,
             "lps_solved": r.lps_solved, "relations_contradicted": r.dropped_relations}
            for r in report.indicators],
        "failures": report.failures,
    }


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


# ------------------------------------------------------------- the last step of compute

MANIFEST_KEY = "indicator_engine"


def engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sundhedsaftale")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def _sha256(path: Path | None) -> str | None:
    import hashlib

    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def disclose_and_audit(
    results: pd.DataFrame,
    geography: pd.DataFrame,
    *,
    geography_path: Path | None = None,
    progress: Any = None,
    manifest_extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Disclosure control, then the interval audit of the public frame; the public frame
    (without ``suppression_reason``) carries the manifest and the run report in ``attrs``.

    ``manifest_extra`` (filled by the run: the geography mapping's as-of day, how readmission
    exclusions were decided, notes) is merged into the manifest.

    Raises disclosure.DisclosureAuditError when the audit fails: nothing may be written."""
    import datetime as dt

    from . import compiler
    from .disclosure import DisclosureAuditError, apply_disclosure_control

    controlled = apply_disclosure_control(results, compiler.disclosure_edges(geography))
    info = dict(controlled.attrs.get("disclosure") or {})
    columns = [c for c in compiler.OUTPUT_COLUMNS if c in controlled.columns
               and c != "suppression_reason"]
    ordered = compiler.sort_rows(controlled)
    public = ordered[columns].copy()
    public.attrs = {}
    if progress is not None:
        progress("revision: LP-angriber på hver skjult celle")
    audit = audit_results(public, geography=geography,
                          manifest={"disclosure": {"time_relations": info["time_relations"]}})
    if not audit.passed:
        raise DisclosureAuditError(
            f"revisionen af diskretioneringen fejlede ({len(audit.failures)} celler); intet "
            "er skrevet")
    starts = pd.to_datetime(public["period_start"])
    first = last = None
    if len(public):
        first = starts.min().date().isoformat()
        # The last period's last day: per grain, its latest start plus the grain.
        latest = starts.groupby(public["period_grain"].to_numpy()).max()
        ends = [s + pd.DateOffset(months={"month": 1, "quarter": 3, "year": 12}[g])
                - pd.Timedelta(days=1) for g, s in latest.items()]
        last = max(ends).date().isoformat()
    definitions = {str(i): str(v) for i, v in
                   public.loc[:, ["indicator_id", "definition_version"]]
                   .drop_duplicates().itertuples(index=False)}
    manifest: dict[str, Any] = {
        "engine_version": engine_version(),
        "definitions": definitions,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "audit": audit.summary(),
        "periods": {"first": first, "last": last},
        "geography": {"as_of": None, "sha256": _sha256(geography_path)},
        "disclosure": {"time_relations": info["time_relations"]},
    }
    for key, value in (manifest_extra or {}).items():
        if key == "geography" and isinstance(value, dict):
            manifest["geography"].update({k: v for k, v in value.items() if k != "sha256"})
        else:
            manifest.setdefault(key, value)
    hidden = ordered[ordered["suppressed"].astype(bool)]
    reasons = [
        {"indicator_id": r.indicator_id, "period_grain": r.period_grain,
         "period_start": pd.Timestamp(r.period_start).date().isoformat(),
         "geo_level": r.geo_level, "geo_code": r.geo_code, "reason": r.suppression_reason}
        for r in hidden.itertuples(index=False)]
    run_report = {
        "about": "Non-public run report of the indicator engine: suppression reasons and the "
                 "disclosure audit. Do not publish.",
        "manifest": manifest,
        "suppression": {
            "rows": len(public), "hidden": len(hidden),
            "primary": int(sum(r["reason"] == "primary" for r in reasons)),
            "secondary": int(sum(r["reason"] == "secondary" for r in reasons)),
            "interval_pass": info.get("interval_pass"),
            "hidden_rows": reasons,
        },
        "audit": report_json(audit),
    }
    public.attrs["indicator_engine_manifest"] = manifest
    public.attrs["indicator_engine_report"] = run_report
    return public
