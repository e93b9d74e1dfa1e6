"""Disclosure control: the last step of every engine run, never optional.

Rules (Statistics Denmark's research rules, domain.md §5):

- Primary suppression: a row with any count (numerator, denominator or another
  ``count_columns``) of 1-4 is suppressed. Zero is not suppressed.
- Secondary suppression: no suppressed row may be recoverable by subtraction along a published
  hierarchy: geography (district -> municipality -> cluster -> region, from ``edges``) and time
  (month -> quarter -> year within one calendar year).
- Every number of a suppressed row (counts, value, confidence interval, standardised value and
  its interval) is set to null, so nothing derived from a small count leaves.

Method, per block (indicator x definition version x calendar year); blocks without a primary
suppression are left alone:

1. Cells are the block's rows (period x geography); equations are ``parent - sum(children) = 0``
   for every hierarchy relation whose parent row is published and whose edge is valid for the
   whole period. An absent child row is a known zero (the engine leaves out rows with a zero
   denominator).
2. Classic pass: an equation with exactly one suppressed cell gives that cell away, so the
   cheapest other cell of the equation is suppressed too; repeated to a fixed point.
3. Rank check: a suppressed cell is recoverable if its unit vector lies in the row space of the
   equations restricted to the suppressed cells (all published cells known). While any is, the
   cheapest published cell sharing an equation with it is suppressed (cheapest = smallest count,
   then lowest geography level, then finest period).

District -> municipality and municipality -> region hold at every date, whatever the edges'
validity (districts subdivide their municipality; the region is all of its municipalities). A
municipality split into districts is not taken as a direct child of a cluster (its districts
are), since that would double count. Extra equations can only add protection, never remove it.

4. Interval pass (``_protect_intervals``): hide more until the LP audit of audit.py passes: no
   hidden count has an interval (over non-negative solutions) that says anything about a count
   of 1-4. See docs/disclosure.md for the attacker model.
"""

from __future__ import annotations

import contextlib
import ctypes
import heapq
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse
import scipy.sparse.csgraph

from .block_lp import BlockLP, audit_block, prepare_highs, reaches, system_matrix

__all__ = [
    "GEO_LEVELS",
    "GRAINS",
    "NUMBER_COLUMNS",
    "apply_disclosure_control",
    "hierarchy_equations",
    "recoverable",
]

THRESHOLD_DEFAULT = 5
#: How many candidate cells the rank check tries (cheapest and nearest first) before it
#: settles for the cheapest one; parts of the system larger than MAX_TESTED_PART suppressed
#: cells (only in tiny data, where most cells are small) skip the tests.
MAX_CANDIDATE_TESTS = 8
MAX_TESTED_PART = 150
#: Candidate cells tried per failing count in the interval pass.
MAX_INTERVAL_TESTS = 4
#: Workers (processes or threads) on independent blocks at once.
WORKERS = min(2, os.cpu_count() or 1)
GEO_LEVELS = ("district", "municipality", "cluster", "region")
GRAINS = ("month", "quarter", "year")
#: Every derived number that must be nulled with its row's counts.
NUMBER_COLUMNS = ("value", "ci_low", "ci_high", "value_std", "std_ci_low", "std_ci_high")
_EDGE_COLUMNS = ("parent_level", "parent_code", "child_level", "child_code", "valid_from",
                 "valid_to")
_RESULT_KEYS = ("indicator_id", "period_grain", "period_start", "geo_level", "geo_code")

Cell = tuple[str, pd.Timestamp, str, str]  # grain, period start, geo level, geo code


@dataclass(frozen=True)
class _Edges:
    parent: list[tuple[str, str]]
    child: list[tuple[str, str]]
    valid_from: np.ndarray  # datetime64[D]
    valid_to: np.ndarray  # datetime64[D], max for open


def _period_end(grain: str, start: pd.Timestamp) -> pd.Timestamp:
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    return start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def _prepare_edges(edges: pd.DataFrame) -> _Edges:
    missing = [c for c in _EDGE_COLUMNS if c not in edges.columns]
    if missing:
        raise ValueError(f"edges mangler kolonnerne {', '.join(missing)}")
    e = edges.loc[:, list(_EDGE_COLUMNS)].copy()
    for col in ("parent_level", "parent_code", "child_level", "child_code"):
        e[col] = e[col].astype(str)
    # A municipality split into districts is summed through its districts, not directly.
    split = set(e.loc[(e.parent_level == "municipality") & (e.child_level == "district"),
                      "parent_code"])
    e = e[~((e.parent_level == "cluster") & (e.child_level == "municipality")
            & e.child_code.isin(split))]
    vf = pd.to_datetime(e.valid_from).to_numpy("datetime64[D]")
    vt = pd.to_datetime(e.valid_to).to_numpy("datetime64[D]")
    vf = np.where(np.isnat(vf), np.datetime64("0001-01-01"), vf)  # open start
    vt = np.where(np.isnat(vt), np.datetime64("9999-12-31"), vt)  # open end
    always = (e.parent_level == "municipality") & (e.child_level == "district")
    vf = np.where(always, np.datetime64("0001-01-01"), vf)
    vt = np.where(always, np.datetime64("9999-12-31"), vt)
    parents = list(zip(e.parent_level, e.parent_code, strict=True))
    children = list(zip(e.child_level, e.child_code, strict=True))
    # The region is the sum of all its municipalities (whatever the clusters are).
    regions = {p for p in parents if p[0] == "region"}
    municipalities = sorted({c for c in children if c[0] == "municipality"}
                            | {p for p in parents if p[0] == "municipality"} | {
                                ("municipality", c) for c in split})
    for region in sorted(regions):
        for m in municipalities:
            parents.append(region)
            children.append(m)
        vf = np.append(vf, np.full(len(municipalities), np.datetime64("0001-01-01")))
        vt = np.append(vt, np.full(len(municipalities), np.datetime64("9999-12-31")))
    return _Edges(parents, children, vf.astype("datetime64[D]"), vt.astype("datetime64[D]"))


def hierarchy_equations(cells: Sequence[Cell], edges: _Edges | pd.DataFrame, *,
                        time_levels: set[str] | None = None) -> list[list[int]]:
    """Equations of one block as lists of cell indexes, the parent first, then its children.

    Only equations with a parent or at least one child among ``cells`` are returned; absent
    cells are known constants and simply left out. ``time_levels`` limits the time relations
    (quarter = months, year = quarters, year = months) to those geography levels (default:
    every level).
    """
    if isinstance(edges, pd.DataFrame):
        edges = _prepare_edges(edges)
    index = {cell: i for i, cell in enumerate(cells)}
    equations: list[list[int]] = []
    periods = sorted({(c[0], c[1]) for c in cells}, key=lambda p: (GRAINS.index(p[0]), p[1]))
    geos = sorted({(c[2], c[3]) for c in cells})

    # Geography, per period.
    # One equation per parent and child level: region = its clusters, region = its
    # municipalities, cluster = its municipalities and districts, municipality = its districts.
    by_parent: dict[tuple[str, str, bool], list[int]] = {}
    for k, p in enumerate(edges.parent):
        cluster_child = edges.child[k][0] in ("cluster",)
        by_parent.setdefault((*p, cluster_child), []).append(k)
    for grain, start in periods:
        p_from = np.datetime64(start.date(), "D")
        p_to = np.datetime64(_period_end(grain, start).date(), "D")
        valid = ((edges.valid_from <= p_from) & (edges.valid_to >= p_to)).tolist()
        for (p_level, p_code, _c), ks in by_parent.items():
            parent = (p_level, p_code)
            children = sorted({edges.child[k] for k in ks if valid[k]})
            if not children:
                continue
            members = [index.get((grain, start, *parent))]
            members += [index.get((grain, start, *child)) for child in children]
            _add_equation(equations, members)

    # Time, per geography: quarter = its months, year = its quarters, year = its months.
    starts = {(c[0], c[1]) for c in cells}
    years = sorted({s.year for _g, s in starts})
    month_starts = {year: [pd.Timestamp(year, m, 1) for m in range(1, 13)] for year in years}
    for level, code in geos:
        if time_levels is not None and level not in time_levels:
            continue
        for year in years:
            months = month_starts[year]
            quarters = months[::3]
            y = index.get(("year", months[0], level, code))
            for qi, q in enumerate(quarters):
                qm = [index.get(("month", m, level, code)) for m in months[3 * qi:3 * qi + 3]]
                _add_equation(equations, [index.get(("quarter", q, level, code)), *qm])
            _add_equation(equations, [y, *(index.get(("quarter", q, level, code))
                                            for q in quarters)])
            _add_equation(equations, [y, *(index.get(("month", m, level, code))
                                            for m in months)])
    return equations


def _add_equation(equations: list[list[int]], members: list[int | None]) -> None:
    """Keep ``parent = sum(children)`` when the parent row is published (``members[0]``).

    An absent child is a known zero to the attacker (the engine leaves out rows whose
    denominator is zero). An absent parent was not published, so the equation says nothing.
    An equation without a present child (the children are not published at all) is dropped."""
    parent = members[0]
    children = [m for m in members[1:] if m is not None]
    if parent is None or not children:
        return
    equations.append([parent, *children])


def _matrix(equations: list[list[int]], n: int) -> np.ndarray:
    a = np.zeros((len(equations), n))
    for r, eq in enumerate(equations):
        if eq[0] >= 0:
            a[r, eq[0]] = 1.0
        for c in eq[1:]:
            a[r, c] -= 1.0
    return a


def recoverable(a: np.ndarray, suppressed: np.ndarray, tol: float = 1e-8,
                basis: set[int] | None = None) -> np.ndarray:
    """Boolean per cell: suppressed and determined by the equations ``a`` (all other cells
    known), i.e. its unit vector lies in the row space of ``a`` restricted to suppressed cells.

    The system splits into independent parts (suppressed cells linked through shared
    equations); each part is solved on its own, which keeps the matrices small.

    ``basis`` (optional, kept by the caller between calls on the same ``a`` as cells are
    hidden one by one): cells whose columns were found linearly independent; it is updated.
    Hiding more cells only adds columns and equations, so those columns stay independent
    and their factorisation needs no pivoting (_determined's ``independent``)."""
    out = np.zeros(len(suppressed), dtype=bool)
    cols = np.flatnonzero(suppressed)
    if len(cols) == 0 or a.shape[0] == 0:
        return out
    sub = a[:, cols]
    sub = sub[np.any(sub != 0, axis=1)]
    if sub.shape[0] == 0:
        return out
    for rows, part in _components(sub):
        cells = cols[part]
        known = None if basis is None else np.fromiter(
            (c in basis for c in cells.tolist()), dtype=bool, count=len(cells))
        out[cells], pivots = _determined(sub[np.ix_(rows, part)], tol, independent=known)
        if basis is not None:
            basis.update(cells[pivots].tolist())
    return out


def _determined(piece: np.ndarray, tol: float = 1e-8, *, independent: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``piece`` (equations x suppressed cells): is the cell determined, i.e. is
    its unit vector in the row space (zero in every null-space vector)?

    A rank-revealing QR with column pivoting, piece[:, perm] = Q [R11 R12; 0 0], gives the
    null space as perm-ordered [-R11^-1 R12; I]: a column beyond the rank is free, a pivot
    column is determined exactly when its row of R11^-1 R12 is zero (whichever independent
    columns make R11). Q is never formed.

    ``independent``: columns known to be linearly independent. They are factorised first
    without pivoting (blocked Householder QR, much cheaper than pivoting over every column);
    only the rest, with that part projected out, is factorised with pivoting.

    Returns (determined, pivot columns): the pivot columns are an independent set."""
    k = piece.shape[1]
    out = np.zeros(k, dtype=bool)
    fixed = (np.flatnonzero(independent) if independent is not None
             else np.zeros(0, dtype=np.int64))
    if len(fixed) == 0:
        r, perm = scipy.linalg.qr(piece, mode="r", pivoting=True, check_finite=False)
        r = np.asarray(r)
        scale = max(1.0, float(np.abs(r[0, 0]))) if r.size else 1.0
    else:
        rest = np.setdiff1d(np.arange(k), fixed)
        f = len(fixed)
        # Workspace for LAPACK's blocked code (with the minimum it runs unblocked).
        qr, tau, _work, info = scipy.linalg.lapack.dgeqrf(
            np.asfortranarray(piece[:, fixed]), lwork=64 * max(1, f))
        if info != 0:
            raise np.linalg.LinAlgError(f"dgeqrf: info {info}")
        c, _work, info = scipy.linalg.lapack.dormqr(
            "L", "T", qr, tau, np.asfortranarray(piece[:, rest]), 64 * max(1, len(rest)))
        if info != 0:
            raise np.linalg.LinAlgError(f"dormqr: info {info}")
        r = np.zeros((min(piece.shape[0], k), k))
        r[:f, :f] = np.triu(qr[:f, :f])
        if len(rest) and c.shape[0] > f:
            r22, sub_perm = scipy.linalg.qr(c[f:], mode="r", pivoting=True,
                                            check_finite=False)
            r22 = np.asarray(r22)[:min(c.shape[0] - f, len(rest))]
            r[:f, f:] = c[:f][:, sub_perm]
            r[f:f + r22.shape[0], f:] = r22
            perm = np.concatenate([fixed, rest[sub_perm]])
        else:
            # As many independent columns as equations: they span everything, nothing is
            # left to pivot over.
            r[:f, f:] = c[:f]
            perm = np.concatenate([fixed, rest])
        scale = max(1.0, float(np.abs(np.diag(r)).max()))
    diag = np.abs(np.diag(r))
    rank = int((diag > tol * scale).sum()) if diag.size else 0
    if len(fixed) and not (diag[:min(len(fixed), len(diag))] > tol * scale).all():
        # Numerically not independent after all (not seen): the plain pivoted factorisation.
        return _determined(piece, tol)
    pivots = np.zeros(k, dtype=bool)
    pivots[perm[:rank]] = True
    if 0 < rank < k:
        w = scipy.linalg.solve_triangular(r[:rank, :rank], r[:rank, rank:], check_finite=False)
        out[perm[:rank]] = np.abs(w).max(axis=1) <= 1e-7
    elif rank == k:
        out[:] = True
    return out, pivots


def _components(m: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Connected parts of a matrix: (row indexes, column indexes) per part, where columns are
    linked when a row has non-zeros in both (rows are assumed to have a non-zero)."""
    n_rows, n_cols = m.shape
    rows, cols = np.nonzero(m)
    # Bipartite graph: nodes 0..n_cols-1 are columns, n_cols.. are rows; one edge per
    # non-zero, from its row (np.nonzero lists them row by row, so the CSR arrays are direct).
    indptr = np.zeros(n_cols + n_rows + 1, dtype=np.int64)
    indptr[n_cols + 1:] = np.cumsum(np.bincount(rows, minlength=n_rows))
    graph = scipy.sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), cols, indptr),
                                    shape=(n_cols + n_rows, n_cols + n_rows))
    _n, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
    col_label, row_label = labels[:n_cols], labels[n_cols:]
    col_order = np.argsort(col_label, kind="stable")
    row_order = np.argsort(row_label, kind="stable")
    parts = []
    for lab in np.unique(col_label):
        c = col_order[np.searchsorted(col_label[col_order], lab, "left"):
                      np.searchsorted(col_label[col_order], lab, "right")]
        r = row_order[np.searchsorted(row_label[row_order], lab, "left"):
                      np.searchsorted(row_label[row_order], lab, "right")]
        parts.append((r, c))
    return parts


def _cost_rank(cells: Sequence[Cell], cost: np.ndarray, zeros: np.ndarray) -> np.ndarray:
    """Rank of each cell as a secondary candidate, cheapest first: fewest zero counts (a hidden
    zero cannot go below zero, so it shields little; see docs/disclosure.md), then smallest total count, then lowest geography
    level, then finest period."""
    order_key = np.lexsort((
        np.array([GRAINS.index(c[0]) for c in cells]),
        np.array([GEO_LEVELS.index(c[2]) if c[2] in GEO_LEVELS else 0 for c in cells]),
        cost,
        zeros,
    ))
    rank_of = np.empty(len(cells), dtype=np.int64)
    rank_of[order_key] = np.arange(len(cells))
    return rank_of


def _secondary(
    cells: list[Cell], rank_of: np.ndarray, primary: np.ndarray, edges: _Edges,
    memo: dict[str, Any] | None = None,
) -> np.ndarray:
    """Secondary suppression in one block; returns the new suppressed mask. ``memo`` (one
    per block) keeps the equations between calls."""
    n = len(cells)
    suppressed = primary.copy()
    memo = memo if memo is not None else {}
    if "equations" not in memo:
        memo["equations"] = hierarchy_equations(cells, edges)
    equations = memo["equations"]
    if "eq_cells" not in memo:
        memo["eq_cells"] = [[c for c in eq if c >= 0] for eq in equations]
    eq_cells = memo["eq_cells"]
    rank = rank_of.tolist()  # Python ints: the sort keys below are looked up per cell

    def cheapest(candidates: Sequence[int]) -> int | None:
        free = [c for c in candidates if not suppressed[c]]
        return min(free, key=rank.__getitem__) if free else None

    def classic_pass() -> None:
        """No equation may hold exactly one suppressed cell (repeat to a fixed point).

        Equations are visited in order, as a plain loop over them would, but the loop jumps
        straight to the next equation with exactly one hidden cell (counts kept up to date)."""
        hidden = incidence @ suppressed.astype(np.int64)
        changed = True
        while changed:
            changed = False
            r = 0
            while True:
                ahead = np.flatnonzero(hidden[r:] == 1)
                if ahead.size == 0:
                    break
                r += int(ahead[0])
                pick = cheapest(eq_cells[r])
                if pick is not None:
                    suppressed[pick] = True
                    np.add.at(hidden, cell_eqs[pick], 1)
                    changed = True
                r += 1

    a = _matrix(equations, n)
    cell_eqs: list[list[int]] = [[] for _ in range(n)]
    for r, members in enumerate(eq_cells):
        for c in members:
            cell_eqs[c].append(r)
    # Equations x cells, how often each cell occurs in each equation.
    rows_of = np.repeat(np.arange(len(eq_cells)), [len(m) for m in eq_cells])
    incidence = scipy.sparse.csr_matrix(
        (np.ones(len(rows_of), dtype=np.int64),
         (rows_of, np.fromiter((c for m in eq_cells for c in m), dtype=np.int64))),
        shape=(len(eq_cells), n))
    # Cells whose columns the rank check found independent: this block's cells only get
    # hidden in the loop below, so they stay independent (see recoverable).
    basis: set[int] = memo.setdefault("basis", set())
    while True:
        # 1. Classic pass (cheap), then 2. the rank check over the whole system.
        classic_pass()
        determined = np.flatnonzero(recoverable(a, suppressed, basis=basis))
        if len(determined) == 0:
            break
        # One new cell per independent part of the system, aimed at its cheapest determined
        # cell: the nearest cheap published cell whose suppression makes that cell
        # undetermined (tested), else simply the nearest cheapest one.
        done_parts: list[set[int]] = []
        picked = False
        for j in determined[np.argsort(rank_of[determined])]:
            if any(j in part for part in done_parts):
                continue
            part, candidates = _neighbourhood(int(j), suppressed, eq_cells, cell_eqs)
            done_parts.append(part)
            tests = MAX_CANDIDATE_TESTS if len(part) <= MAX_TESTED_PART else 0
            # The first few in (distance, rank) order: the same as sorting them all.
            free = heapq.nsmallest(max(tests, 1), candidates,
                                   key=lambda c: (candidates[c], rank[c]))
            if not free:
                continue
            pick = free[0]
            for c in free[:tests]:
                trial = suppressed.copy()
                trial[c] = True
                if not _is_determined(a, trial, int(j)):
                    pick = c
                    break
            suppressed[pick] = True
            picked = True
        if not picked:
            # Every cell reachable from the determined cells is hidden already: nothing
            # published is left to hide. (Only happens when the relations hold through rows
            # absent from the result, which are taken as known zeros.)
            break
    return suppressed


def _adjacency(equations: list[list[int]], n: int) -> list[list[int]]:
    cell_eqs: list[list[int]] = [[] for _ in range(n)]
    for r, members in enumerate(equations):
        for c in members:
            cell_eqs[c].append(r)
    return cell_eqs


def _component_equations(j: int, hidden: np.ndarray, equations: list[list[int]],
                         cell_eqs: list[list[int]]) -> list[list[int]]:
    """The equations of hidden cell ``j``'s connected block (linked through hidden cells)."""
    seen_eq: set[int] = set()
    seen = {j}
    frontier = [j]
    while frontier:
        nxt = []
        for c in frontier:
            for r in cell_eqs[c]:
                if r in seen_eq:
                    continue
                seen_eq.add(r)
                for other in equations[r]:
                    if hidden[other] and other not in seen:
                        seen.add(other)
                        nxt.append(other)
        frontier = nxt
    return [equations[r] for r in sorted(seen_eq)]


@dataclass
class _BlockAudit:
    lps: int = 0
    rounds: int = 0
    added: int = 0


@dataclass
class _ColumnSystem:
    """One count column of a block for the interval pass, kept for the whole block: the
    relations do not change, a component with the same hidden cells has the same bounds, and
    a proof stays true when more cells are hidden (every feasible point stays feasible, the
    newly hidden cell at its true value)."""

    ci: int
    eqs: list[list[int]]
    cell_eqs: list[list[int]]
    #: Solved components: (lo, hi) per cell (block_lp) or (lo, hi, dropped) (audit.py).
    cache: dict[tuple[int, ...], Any]
    #: Per cell: proven able to be 0 / to reach the threshold.
    certified: tuple[np.ndarray, np.ndarray]
    #: The warm HiGHS model of the whole block, when the true table satisfies every relation
    #: (always, from the engine); None: the component-wise LPs of audit.py.
    lp: BlockLP | None = None


def _protect_intervals(
    cells: list[Cell],
    truth: np.ndarray,
    suppressed: np.ndarray,
    rank_of: np.ndarray,
    edges: _Edges,
    relations: Sequence[dict[str, str]],
    systems: list[_ColumnSystem] | None = None,
) -> tuple[np.ndarray, _BlockAudit]:
    """Hide more cells until every hidden count passes the interval audit (audit.py).

    ``truth`` is cells x count columns; ``relations`` the time relations per column. Each
    round audits every column; for each failing count (one per connected block of hidden
    cells) the nearest published cell of its block is hidden, preferring cells with a
    non-zero count in that column and the cheapest, after testing (up to
    MAX_INTERVAL_TESTS) which of them makes the failing count pass. More hidden cells never
    narrow an interval, so the rounds end, at the latest when a block is all hidden."""
    from .audit import THRESHOLD, audit_system, cell_reaches_point

    stats = _BlockAudit()
    suppressed = suppressed.copy()
    if systems is None:
        systems = _interval_systems(cells, edges, relations, truth)
    rank = rank_of.tolist()  # Python ints: the sort keys below are looked up per cell
    while True:
        stats.rounds += 1
        failing_any = False
        for system in systems:
            eqs, cell_eqs, certified = system.eqs, system.cell_eqs, system.certified
            values = truth[:, system.ci]
            is_zero = (values <= 0).tolist()
            lp = system.lp
            res: Any
            if lp is not None:
                res = audit_block(lp, suppressed, system.cache, certified)
            else:
                res = audit_system(eqs, values, suppressed, truth=values, cache=system.cache,
                                   certified=certified)
            stats.lps += res.lps
            if res.passed:
                continue
            failing_any = True
            done: set[int] = set()
            picked = False
            for j in sorted(np.flatnonzero(res.failed).tolist(), key=rank.__getitem__):
                if j in done:
                    continue
                _part, free = _neighbourhood(j, suppressed, eqs, cell_eqs)
                if not free:
                    continue
                # Failing because it cannot be 0, or because it cannot reach the threshold.
                target = "zero" if res.lo[j] >= 1 else "threshold"
                # The first few in this order: the same as sorting them all.
                candidates = heapq.nsmallest(max(MAX_INTERVAL_TESTS, 1), free,
                                             key=lambda c: (free[c], is_zero[c], rank[c]))
                pick = candidates[0]
                tests = candidates[:MAX_INTERVAL_TESTS]
                if lp is not None and len(tests) > 1:
                    # One LP with every candidate hidden at once: if even that does not
                    # help, no single one does (more hidden cells never narrow an
                    # interval), and the cheapest is taken, as after testing each.
                    stats.lps += 1
                    if not reaches(lp, suppressed, tests, j, target)[0]:
                        tests = []
                for c in tests:
                    stats.lps += 1
                    point: np.ndarray | None
                    if lp is not None:
                        # The LP's point covers the whole block with c hidden.
                        ok, point = reaches(lp, suppressed, c, j, target)
                        point_cells = np.arange(len(cells)) if point is not None else None
                    else:
                        trial = suppressed.copy()
                        trial[c] = True
                        sub = _component_equations(j, trial, eqs, cell_eqs)
                        ok, point_cells, point = cell_reaches_point(sub, values, trial, j,
                                                                    target)
                    if ok:
                        pick = c
                        if point is not None and point_cells is not None:
                            # A feasible point of j's whole block with c hidden: it stays
                            # feasible as more cells are hidden, so what it shows (a cell
                            # can be 0, a cell can reach the threshold) is proven for good.
                            certified[0][point_cells[point <= EPS_POINT]] = True
                            certified[1][point_cells[point >= THRESHOLD - EPS_POINT]] = True
                            if lp is not None:
                                lp.observe(point)
                        break
                suppressed[pick] = True
                # Failing cells next to this one wait for the next round's audit.
                done.update(x for r in cell_eqs[pick] for x in eqs[r])
                done.update(x for r in cell_eqs[j] for x in eqs[r])
                stats.added += 1
                picked = True
            if not picked:
                raise DisclosureAuditError(
                    "diskretioneringen kan ikke beskytte en skjult celle (intet at skjule)")
        if not failing_any:
            return suppressed, stats


#: Tolerance when a candidate test's LP point certifies cells (as audit.EPS).
EPS_POINT = 1e-6


class _SharedEquations:
    """hierarchy_equations of one block, computed once per set of time levels that matters
    (those of the block's cells) and handed out as copies: the count columns and the
    linear pass mostly ask for the same relations."""

    def __init__(self, cells: list[Cell]):
        self.levels = frozenset(c[2] for c in cells)
        self.known: dict[frozenset[str], list[list[int]]] = {}

    def __call__(self, cells: Sequence[Cell], edges: _Edges, *,
                 time_levels: set[str] | None = None) -> list[list[int]]:
        key = self.levels if time_levels is None else self.levels & frozenset(time_levels)
        if key not in self.known:
            self.known[key] = hierarchy_equations(cells, edges, time_levels=set(key))
        return [list(eq) for eq in self.known[key]]


def _interval_systems(
    cells: list[Cell], edges: _Edges, relations: Sequence[dict[str, str]],
    truth: np.ndarray | None = None, equations: Any = None,
) -> list[_ColumnSystem]:
    """Per count column: its relations, the cells' equations, a cache of solved components,
    the cells proven able to be 0 / to reach the threshold, and (with ``truth`` satisfying
    every relation) the warm LP model of the block. ``equations``: hierarchy_equations or a
    _SharedEquations of the block."""
    from .audit import THRESHOLD, block_equations

    n = len(cells)
    systems = []
    for ci, levels in enumerate(relations):
        eqs = block_equations(cells, edges, levels, equations or hierarchy_equations)
        certified = (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
        system = _ColumnSystem(ci, eqs, _adjacency(eqs, n), {}, certified)
        if truth is not None and eqs and USE_BLOCK_LP:
            a = system_matrix(eqs, n)
            values = truth[:, ci]
            if BlockLP.truth_feasible(a, values):
                system.lp = BlockLP(a, values)
                # The true table is a feasible point for every hidden set.
                certified[0][values <= EPS_POINT] = True
                certified[1][values >= THRESHOLD - EPS_POINT] = True
        systems.append(system)
    return systems


#: Use the warm whole-block model (block_lp) where the true table allows it.
USE_BLOCK_LP = True


class DisclosureAuditError(RuntimeError):
    """The interval audit failed and no further suppression could fix it: nothing is written."""


def _neighbourhood(
    j: int, suppressed: np.ndarray, eq_cells: list[list[int]], cell_eqs: list[list[int]]
) -> tuple[set[int], dict[int, int]]:
    """Breadth-first walk from cell ``j`` through shared equations.

    Returns the suppressed cells reached through suppressed cells (j's part of the system) and
    every published cell reached, with its distance from j."""
    hidden = suppressed.tolist()  # Python bools: looked up once per cell of each equation
    part = {j}
    free: dict[int, int] = {}
    frontier = [j]
    seen_eq: set[int] = set()
    depth = 0
    while frontier:
        depth += 1
        nxt = []
        for c in frontier:
            for r in cell_eqs[c]:
                if r in seen_eq:
                    continue
                seen_eq.add(r)
                for other in eq_cells[r]:
                    if hidden[other]:
                        if other not in part:
                            part.add(other)
                            nxt.append(other)
                    elif other not in free:
                        free[other] = depth
        frontier = nxt
    return part, free


def _is_determined(a: np.ndarray, suppressed: np.ndarray, j: int) -> bool:
    """Is suppressed cell ``j`` determined (only its own part of the system is solved)?"""
    cols = np.flatnonzero(suppressed)
    sub = a[:, cols]
    rows = np.any(sub != 0, axis=1)
    sub = sub[rows]
    pos = int(np.searchsorted(cols, j))
    for rws, part in _components(sub):
        if pos in part:
            k = int(np.searchsorted(part, pos))
            return bool(_determined(sub[np.ix_(rws, part)])[0][k])
    return False


def _openblas_thread_setters() -> list[tuple[object, object]]:
    """(set, get) thread-count functions of the OpenBLAS builds numpy and scipy ship."""
    found = []
    site = Path(np.__file__).parent.parent
    for folder, symbol in (("numpy.libs", "scipy_openblas_{}_num_threads64_"),
                           ("scipy.libs", "scipy_openblas_{}_num_threads")):
        for lib_path in sorted((site / folder).glob("libscipy_openblas*")):
            try:
                lib = ctypes.CDLL(str(lib_path))
            except OSError:
                continue
            setter = getattr(lib, symbol.format("set"), None)
            getter = getattr(lib, symbol.format("get"), None)
            if setter is not None and getter is not None:
                found.append((setter, getter))
    return found


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run numpy's and scipy's OpenBLAS on one thread: the matrices here are small, and BLAS
    threads spinning against each other (and against our own worker threads) made the
    factorisations many times slower. A no-op when the libraries are not found."""
    libs = _openblas_thread_setters()
    before = [int(get()) for _set, get in libs]  # type: ignore[operator]
    for setter, _get in libs:
        setter(ctypes.c_int(1))  # type: ignore[operator]
    try:
        yield
    finally:
        for (setter, _get), n in zip(libs, before, strict=True):
            setter(ctypes.c_int(n))  # type: ignore[operator]


@dataclass
class _BlockTask:
    """One block's input to the secondary suppression (what a worker process needs)."""

    cells: list[Cell]
    cost: np.ndarray
    zeros: np.ndarray
    truth: np.ndarray  # cells x count columns
    relations: list[dict[str, str]]  # time relations per count column
    small: np.ndarray  # primary suppression


def _control_block(task: _BlockTask, prepared: _Edges) -> tuple[np.ndarray, _BlockAudit]:
    """Linear protection (no hidden cell exactly determined) and interval protection (the LP
    audit) of one block in turn, until neither hides anything more."""
    cells = task.cells
    if len(set(cells)) != len(cells):
        raise ValueError("resultatet har flere rækker for samme indikator, periode og "
                         "geografi")
    rank_of = _cost_rank(cells, task.cost, task.zeros)
    mask = task.small
    total = _BlockAudit()
    shared = _SharedEquations(cells)
    systems = _interval_systems(cells, prepared, task.relations, task.truth, shared)
    memo: dict[str, Any] = {"equations": shared(cells, prepared)}
    while True:
        mask = _secondary(cells, rank_of, mask, prepared, memo)
        protected, st = _protect_intervals(cells, task.truth, mask, rank_of, prepared,
                                           task.relations, systems)
        total.lps += st.lps
        total.rounds += st.rounds
        total.added += st.added
        if (protected == mask).all():
            return mask, total
        mask = protected


#: Cells (over the blocks with small counts) from which the blocks are shared between worker
#: processes instead of threads. Most of a block's work holds the interpreter (the LPs and
#: factorisations are small), so two threads ran hardly faster than one; two processes do
#: (bench figures in the README). Tiny results (a few blocks of hand-made cells) stay in this
#: process: starting the workers costs more than it saves there. (At 20,000 the national run,
#: with fewer blocks holding small counts than the region's, stayed on threads.)
PROCESS_MIN_CELLS = 2_000

_worker_edges: _Edges | None = None


def _start_worker(prepared: _Edges) -> None:
    """A forked worker: one BLAS thread, and HiGHS's task scheduler made anew (the parent's
    worker threads, if it had any, were not forked with it)."""
    from highspy._core import _Highs

    global _worker_edges
    _worker_edges = prepared
    for setter, _get in _openblas_thread_setters():
        setter(ctypes.c_int(1))  # type: ignore[operator]
    _Highs.resetGlobalScheduler(True)
    prepare_highs()


def _control_in_worker(task: _BlockTask) -> tuple[np.ndarray, _BlockAudit]:
    assert _worker_edges is not None
    return _control_block(task, _worker_edges)


def _control_blocks(tasks: list[_BlockTask], prepared: _Edges
                    ) -> Iterator[tuple[np.ndarray, _BlockAudit]]:
    """_control_block of every task, in the tasks' order. Blocks are independent: large
    results are spread over WORKERS processes, the rest over WORKERS threads."""
    workers = min(WORKERS, len(tasks))
    if workers > 1 and sum(len(t.cells) for t in tasks) >= PROCESS_MIN_CELLS:
        # fork: a worker needs nothing imported or sent but its blocks, and the caller's
        # script is not run again in it (as "spawn" and "forkserver" do: a script without an
        # `if __name__ == "__main__"` guard would fail there). The workers use only numpy,
        # SciPy and HiGHS, whose thread pools _start_worker makes anew.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_start_worker, initargs=(prepared,)) as pool:
            yield from pool.map(_control_in_worker, tasks)
        return
    prepare_highs()
    with _single_threaded_blas(), ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        yield from pool.map(lambda task: _control_block(task, prepared), tasks)


def apply_disclosure_control(
    results: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    threshold: int = THRESHOLD_DEFAULT,
    count_columns: Sequence[str] = ("numerator", "denominator"),
) -> pd.DataFrame:
    """Primary and secondary suppression of a long-format result (see the module docstring).

    Returns the same rows in the same order with ``suppressed`` and ``suppression_reason``
    ("primary" | "secondary" | None) set and every number of a suppressed row nulled.
    """
    missing = [c for c in (*_RESULT_KEYS, *count_columns) if c not in results.columns]
    if missing:
        raise ValueError(f"resultatet mangler kolonnerne {', '.join(missing)}")
    if threshold < 1:
        raise ValueError("threshold skal være mindst 1")
    out = results.copy()
    counts = out.loc[:, list(count_columns)].apply(pd.to_numeric, errors="coerce")
    small = ((counts >= 1) & (counts < threshold)).any(axis=1).to_numpy()
    cost = counts.fillna(0).sum(axis=1).to_numpy(dtype=float)
    zeros = (counts.fillna(0) <= 0).sum(axis=1).to_numpy()
    truth_all = counts.fillna(0).to_numpy(dtype=float)
    from .audit import block_keys, time_relations_from_truth

    relations = time_relations_from_truth(out, count_columns)
    stats = _BlockAudit()

    suppressed = small.copy()
    secondary = np.zeros(len(out), dtype=bool)
    if small.any():
        prepared = _prepare_edges(edges)
        starts = pd.to_datetime(out["period_start"])
        positions = pd.Series(np.arange(len(out))).groupby(block_keys(out)).indices
        todo = [pos for pos in positions.values() if small[pos].any()]
        # Most small cells first (they take longest), so the two workers end together.
        todo.sort(key=lambda pos: -int(small[pos].sum()))

        tasks = []
        for pos in todo:
            block = out.iloc[pos]
            cells: list[Cell] = list(zip(
                block["period_grain"].astype(str), starts.iloc[pos],
                block["geo_level"].astype(str), block["geo_code"].astype(str), strict=True))
            ind = str(block["indicator_id"].iloc[0])
            tasks.append(_BlockTask(cells, cost[pos], zeros[pos], truth_all[pos],
                                    [relations.get(ind, {}).get(col, {})
                                     for col in count_columns], small[pos]))
        for pos, (mask, st) in zip(todo, _control_blocks(tasks, prepared), strict=True):
            suppressed[pos] = mask
            secondary[pos] = mask & ~small[pos]
            stats.lps += st.lps
            stats.rounds = max(stats.rounds, st.rounds)
            stats.added += st.added

    out["suppressed"] = suppressed
    reason: list[str | None] = [
        "primary" if p else "secondary" if q else None
        for p, q in zip(small.tolist(), secondary.tolist(), strict=True)
    ]
    out["suppression_reason"] = pd.Series(reason, index=out.index, dtype=object)
    rows = out.index[suppressed]
    for col in count_columns:
        out[col] = out[col].astype("Int64") if not pd.api.types.is_float_dtype(out[col]) \
            else out[col]
        out.loc[rows, col] = pd.NA
    for col in NUMBER_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(float)
            out.loc[rows, col] = np.nan
    out.attrs["disclosure"] = {
        "time_relations": relations,
        "interval_pass": {"lps_solved": stats.lps, "max_rounds": stats.rounds,
                          "cells_added": stats.added},
    }
    return out
