"""The interval pass's LPs on one warm HiGHS model per block and count column.

Inside ``compute`` the true table is known and satisfies every relation, so the whole block
(every cell a variable, every relation a row ``parent - sum(children) = 0``) is one feasible
LP: a published cell is a column fixed at its value, a hidden cell a column in ``[0, inf)``.
Hiding a cell changes two bounds; asking about another cell changes the objective. The model
is built once (highspy, HiGHS's own Python binding) and every solve starts from the previous
basis, instead of rebuilding a component's LP for each question.

The minimum (maximum) of a hidden cell over the whole block equals its minimum (maximum) over
its connected component, since components share no variable; so the answers are those of
audit.audit_system. Because the truth is a feasible point, no LP here is ever infeasible
(every cap of 5 is put only on a cell whose true value is below 5), which is also why a batch
over all components at once is safe: one component can never make the others' LP fail.

Only the interval pass (disclosure.py) uses this. The final audit (audit.py) builds its own
LPs from the public file with SciPy's HiGHS and trusts nothing from here.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph

THRESHOLD = 5
#: Tolerance on LP values before integer rounding (as audit.EPS).
EPS = 1e-6
#: Residual up to which the true table counts as satisfying a relation.
TRUTH_TOL = 1e-6

_lock = threading.Lock()
_quiet = False


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """HiGHS prints a banner to the C-level stdout the first time a solver is made."""
    try:
        fd = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(fd, 1)
        os.close(null)
        os.close(fd)


def _new_highs() -> object:
    global _quiet
    from highspy._core import _Highs  # the C++ class, without highspy's callback layer

    with _lock:
        if not _quiet:
            with _stdout_silenced():
                h = _Highs()
                h.setOptionValue("output_flag", False)
            _quiet = True
        else:
            h = _Highs()
            h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    # Primal simplex: between two solves only the objective (and a few bounds) change, so
    # the last optimal basis stays primal feasible and the primal simplex goes on from it in
    # a handful of iterations. HiGHS's default (dual) took about 16 times as many iterations
    # and three times as long on the interval pass's LPs (bench figures in the README).
    h.setOptionValue("simplex_strategy", 4)
    return h


def prepare_highs() -> None:
    """Make the first solver (and swallow HiGHS's banner) before any worker thread starts."""
    _new_highs()


def system_matrix(equations: Sequence[Sequence[int]], n: int) -> scipy.sparse.csr_matrix:
    """Relations x cells: +1 for the parent, -1 for each child (duplicates summed)."""
    lengths = np.fromiter((len(eq) for eq in equations), dtype=np.int64, count=len(equations))
    cols = np.fromiter((c for eq in equations for c in eq), dtype=np.int64,
                       count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(equations)), lengths)
    first = np.zeros(len(cols), dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
    first[starts] = True
    vals = np.where(first, 1.0, -1.0)
    m = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(len(equations), n))
    return m.tocsr()


class BlockLP:
    """One HiGHS model of a whole block and count column (see the module docstring)."""

    def __init__(self, a: scipy.sparse.csr_matrix, truth: np.ndarray):
        import highspy

        a = a.tocsr()
        a.eliminate_zeros()
        self.a = a
        #: Row and column of each non-zero of ``a``.
        self.entry_row = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
        self.entry_col = a.indices
        self.truth = np.asarray(truth, dtype=float)
        n = a.shape[1]
        self.n = n
        csc = a.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = a.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = self.truth.copy()
        lp.col_upper_ = self.truth.copy()
        lp.row_lower_ = np.zeros(a.shape[0])
        lp.row_upper_ = np.zeros(a.shape[0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        self.h = _new_highs()
        self.h.passModel(lp)  # type: ignore[attr-defined]
        self._optimal = highspy.HighsModelStatus.kOptimal
        self.hidden = np.zeros(n, dtype=bool)
        self.cost = np.zeros(n)
        self.upper = self.truth.copy()  # current upper bounds (inf for hidden)
        self.lps = 0
        #: The smallest and largest value of each cell over the feasible points seen (the
        #: truth first). Hidden sets only grow in the pass, so every point seen stays
        #: feasible, and these stay valid bounds on the LP minimum and maximum.
        self.seen_min = self.truth.copy()
        self.seen_max = self.truth.copy()

    def observe(self, x: np.ndarray) -> None:
        """Record a feasible point of the current (or an earlier, smaller) hidden set."""
        np.minimum(self.seen_min, x, out=self.seen_min)
        np.maximum(self.seen_max, x, out=self.seen_max)

    @staticmethod
    def truth_feasible(a: scipy.sparse.csr_matrix, truth: np.ndarray) -> bool:
        t = np.asarray(truth, dtype=float)
        return bool((t >= 0).all() and np.all(np.abs(a @ t) <= TRUTH_TOL * np.maximum(
            1.0, np.abs(a) @ t)))

    # -- bounds
    def _set_bounds(self, idx: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(idx) == 0:
            return
        up = np.where(np.isinf(upper), math.inf, upper)
        self.h.changeColsBounds(len(idx), idx.astype(np.int32),  # type: ignore[attr-defined]
                                lower.astype(float), up.astype(float))
        self.upper[idx] = upper

    def sync_hidden(self, hidden: np.ndarray) -> None:
        """Make exactly the cells of ``hidden`` free (>= 0); the rest fixed at the truth."""
        hidden = np.asarray(hidden, dtype=bool)
        opened = np.flatnonzero(hidden & ~self.hidden)
        closed = np.flatnonzero(~hidden & self.hidden)
        self._set_bounds(opened, np.zeros(len(opened)), np.full(len(opened), math.inf))
        self._set_bounds(closed, self.truth[closed], self.truth[closed])
        self.hidden = hidden.copy()

    @contextlib.contextmanager
    def opened(self, cells: int | Sequence[int]) -> Iterator[None]:
        """``cells`` hidden for the duration (a candidate test)."""
        idx = np.atleast_1d(np.asarray(cells, dtype=np.int64))
        new = idx[~self.hidden[idx]]
        self._set_bounds(new, np.zeros(len(new)), np.full(len(new), math.inf))
        self.hidden[new] = True
        try:
            yield
        finally:
            self._set_bounds(new, self.truth[new], self.truth[new])
            self.hidden[new] = False

    @contextlib.contextmanager
    def capped(self, cells: np.ndarray, cap: float = THRESHOLD) -> Iterator[None]:
        """Hidden ``cells`` bounded by ``cap`` for the duration (their truth is below it)."""
        cells = np.asarray(cells, dtype=np.int64)
        before = self.upper[cells].copy()
        self._set_bounds(cells, np.zeros(len(cells)), np.full(len(cells), float(cap)))
        try:
            yield
        finally:
            self._set_bounds(cells, np.zeros(len(cells)), before)

    # -- solving
    def solve(self, cost: np.ndarray) -> np.ndarray | None:
        """min cost.x over the block; the optimal x (every cell), or None if HiGHS gave no
        optimum (never expected: the truth is feasible and every objective bounded)."""
        changed = np.flatnonzero(cost != self.cost)
        if len(changed):
            self.h.changeColsCost(len(changed), changed.astype(np.int32),  # type: ignore[attr-defined]
                                  cost[changed].astype(float))
            self.cost = cost.astype(float).copy()
        self.lps += 1
        self.h.run()  # type: ignore[attr-defined]
        if self.h.getModelStatus() != self._optimal:  # type: ignore[attr-defined]
            # Start afresh once before giving up (a stale basis after many bound changes).
            self.h.clearSolver()  # type: ignore[attr-defined]
            self.h.run()  # type: ignore[attr-defined]
            if self.h.getModelStatus() != self._optimal:  # type: ignore[attr-defined]
                return None
        return np.asarray(self.h.getSolution().col_value)  # type: ignore[attr-defined]

    def unit(self, j: int, sign: float = 1.0) -> np.ndarray:
        c = np.zeros(self.n)
        c[j] = sign
        return c


@dataclass
class Intervals:
    """Integer-rounded intervals of the hidden cells (NaN for published), as audit.SystemAudit,
    except that a failing side is not always solved to the end: ``lo`` of 1-4 and ``hi`` of
    1-4 may be a bound (from propagation) rather than the LP's value. Whether a cell fails,
    and on which side, is exact."""

    lo: np.ndarray
    hi: np.ndarray
    failed: np.ndarray
    lps: int = 0

    @property
    def passed(self) -> bool:
        return not bool(self.failed.any())


@dataclass
class _Hidden:
    """The hidden part of the involved relations as non-zero entries, row by row (as a CSR
    matrix's entries; no sparse matrix is built): positions in ``rows`` and in ``cols``."""

    row_pos: np.ndarray
    col_pos: np.ndarray
    values: np.ndarray
    rows: np.ndarray  # the involved relations (rows of lp.a)


def _components(lp: BlockLP, hidden: np.ndarray, cols: np.ndarray
                ) -> tuple[_Hidden, np.ndarray]:
    """(hidden part of the involved relations, component label per hidden cell or -1 for a
    cell in no relation), from the model's fixed non-zeros."""
    k = len(cols)
    labels = np.full(k, -1, dtype=np.int64)
    keep = hidden[lp.entry_col]
    er, ec, ev = lp.entry_row[keep], lp.entry_col[keep], lp.a.data[keep]
    involved = np.unique(er)
    part = _Hidden(np.searchsorted(involved, er), np.searchsorted(cols, ec), ev, involved)
    if len(involved) == 0:
        return part, labels
    m = len(involved)
    # Bipartite graph: nodes 0..k-1 are the hidden cells, k.. the relations; one edge per
    # entry, from its relation (the entries come row by row, so the CSR arrays are direct).
    indptr = np.zeros(k + m + 1, dtype=np.int64)
    indptr[k + 1:] = np.cumsum(np.bincount(part.row_pos, minlength=m))
    graph = scipy.sparse.csr_matrix(
        (np.ones(len(er), dtype=np.int8), part.col_pos, indptr), shape=(k + m, k + m))
    _n, lab = scipy.sparse.csgraph.connected_components(graph, directed=False)
    in_rel = np.zeros(k, dtype=bool)
    in_rel[part.col_pos] = True
    labels[in_rel] = lab[:k][in_rel]
    return part, labels


def audit_block(lp: BlockLP, hidden: np.ndarray,
                cache: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]],
                certified: tuple[np.ndarray, np.ndarray],
                threshold: int = THRESHOLD) -> Intervals:
    """The interval audit of every hidden cell of the block (audit.audit_system's criterion).

    ``certified`` (per cell: 0 is feasible / the threshold is feasible) holds proofs by
    feasible points and is updated in place; ``cache`` keeps the intervals of components whose
    hidden cells have not changed. Cells still unproven get, over all changed components at
    once, "minimise the sum of the unproven" and "maximise the sum of the unproven, each
    capped at the threshold" while these prove something new; then one LP per cell left."""
    from .audit import _propagate_entries

    n = len(hidden)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    failed = np.zeros(n, dtype=bool)
    out = Intervals(lo, hi, failed)
    cols = np.flatnonzero(hidden)
    if len(cols) == 0:
        return out
    lo[cols] = 0.0
    hi[cols] = math.inf
    lp.sync_hidden(hidden)
    part, labels = _components(lp, hidden, cols)
    if len(part.rows) == 0:
        return out
    lo_ok, hi_ok = certified
    todo = np.zeros(n, dtype=bool)  # cells of components not in the cache
    keys: list[tuple[tuple[int, ...], np.ndarray]] = []
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    bounds = np.flatnonzero(np.diff(sorted_labels)) + 1
    for group in np.split(order, bounds):
        if labels[group[0]] < 0:
            continue  # cells in no relation: unbounded
        members = cols[group]
        key = tuple(members.tolist())
        if key in cache:
            lo[members], hi[members] = cache[key]
        else:
            todo[members] = True
            keys.append((key, members))
    if not keys:
        failed[cols] = _fails(lo[cols], hi[cols], threshold)
        return out
    # Propagation bounds (valid for every solution; the system is feasible): a cell whose
    # lower bound reaches the threshold is settled; one whose upper bound is 0 is [0, 0].
    # Only the relations of the components to solve (the others are independent).
    known = np.where(hidden, 0.0, lp.truth)
    m = len(part.rows)
    in_todo = np.zeros(m, dtype=bool)
    in_todo[part.row_pos[todo[cols][part.col_pos]]] = True
    sub_rows = np.flatnonzero(in_todo)
    rhs = -(lp.a @ known)[part.rows[sub_rows]]
    entries = in_todo[part.row_pos]
    new_row = np.cumsum(in_todo) - 1
    plo_h, phi_h = _propagate_entries(new_row[part.row_pos[entries]], part.col_pos[entries],
                                      part.values[entries], (len(sub_rows), len(cols)), rhs)
    plo = np.zeros(n)
    phi = np.full(n, math.inf)
    plo[cols], phi[cols] = plo_h, phi_h
    settled = todo & (np.ceil(plo - EPS) >= threshold)
    zero = todo & (phi <= EPS) & ~settled
    # Propagation also shows "cannot be 0" (lower bound above 0: lo >= 1) and "cannot reach
    # the threshold" (upper bound below it: hi <= threshold - 1). With a feasible point on
    # the other side (a value <= threshold - 1, resp. >= 1: lp.seen_min / seen_max keep the
    # extremes of every point found) the integer interval lies inside 1..threshold-1 on that
    # side, so the cell fails without an LP of its own.
    positive = todo & (plo > EPS) & ~settled
    below = todo & (phi < threshold - EPS) & ~zero
    lo_cell = np.zeros(n)
    lo_cell[settled] = np.ceil(plo[settled] - EPS)
    hi_cell = np.full(n, float(threshold))
    hi_cell[zero] = 0.0
    lo_ok[zero] = True
    solved = np.zeros(n, dtype=bool)
    lps0 = lp.lps

    def certify(x: np.ndarray | None) -> int:
        if x is None:
            return 0
        lp.observe(x)
        before = int(lo_ok.sum() + hi_ok.sum())
        lo_ok[x <= EPS] = True
        hi_ok[x >= threshold - EPS] = True
        return int(lo_ok.sum() + hi_ok.sum()) - before

    def lo_open() -> np.ndarray:
        return todo & ~lo_ok & ~settled & ~(positive & (lp.seen_min <= threshold - 1 + EPS))

    # Lower bounds.
    need = lo_open()
    while need.any():
        if not certify(lp.solve(need.astype(float))):
            break
        need = lo_open()
    for j in np.flatnonzero(need):
        if lo_ok[j] or (positive[j] and lp.seen_min[j] <= threshold - 1 + EPS):
            continue
        x = lp.solve(lp.unit(int(j)))
        solved[j] = True
        if x is None:
            lo_cell[j] = 1.0  # no answer: count it as failing (fail safe)
            continue
        lo_cell[j] = math.ceil(x[j] - EPS)
        certify(x)
    by_rule = todo & ~lo_ok & ~settled & ~solved
    lo_cell[by_rule] = np.maximum(1.0, np.ceil(plo[by_rule] - EPS))

    def hi_open() -> np.ndarray:
        return todo & lo_ok & ~settled & ~hi_ok & ~zero & ~(below & (lp.seen_max >= 1 - EPS))

    # Upper bounds, only where the lower bound is 0 (else the cell passes or fails already).
    need = hi_open()
    while need.any():
        capped = np.flatnonzero(hidden & ~hi_ok & (lp.truth < threshold))
        with lp.capped(capped, threshold):
            gained = certify(lp.solve(-need.astype(float)))
        if not gained:
            break
        need = hi_open()
    solved[:] = False
    for j in np.flatnonzero(need):
        if hi_ok[j] or (below[j] and lp.seen_max[j] >= 1 - EPS):
            continue
        with lp.capped(np.array([j]), threshold):
            x = lp.solve(lp.unit(int(j), -1.0))
        solved[j] = True
        if x is None:
            hi_cell[j] = 1.0
            continue
        hi_cell[j] = math.floor(x[j] + EPS)
        certify(x)
    by_rule = todo & lo_ok & ~settled & ~hi_ok & ~zero & ~solved
    hi_cell[by_rule] = np.clip(np.floor(phi[by_rule] + EPS), 1.0, threshold - 1.0)
    lo_cell[lo_ok & todo] = 0.0
    hi_cell[hi_ok & todo] = np.maximum(hi_cell[hi_ok & todo], threshold)
    for key, members in keys:
        cache[key] = (lo_cell[members].copy(), hi_cell[members].copy())
        lo[members] = lo_cell[members]
        hi[members] = hi_cell[members]
    out.lps = lp.lps - lps0
    failed[cols] = _fails(lo[cols], hi[cols], threshold)
    return out


def _fails(lo: np.ndarray, hi: np.ndarray, threshold: int) -> np.ndarray:
    small_lo = (lo >= 1) & (lo < threshold)
    small_hi = (lo < 1) & (hi >= 1) & (hi < threshold)
    return np.asarray(small_lo | small_hi)


def reaches(lp: BlockLP, hidden: np.ndarray, c: int | Sequence[int], j: int, target: str,
            threshold: int = THRESHOLD) -> tuple[bool, np.ndarray | None]:
    """With cell ``c`` (or every cell of ``c``) hidden too, can hidden cell ``j`` be 0
    (``target="zero"``) or reach the threshold? Returns the answer and the LP's point (every
    cell), feasible for the block with those cells hidden."""
    lp.sync_hidden(hidden)
    with lp.opened(c):
        if target == "zero":
            x = lp.solve(lp.unit(j))
            return x is not None and bool(x[j] <= EPS), x
        with lp.capped(np.array([j]), threshold):
            x = lp.solve(lp.unit(j, -1.0))
        return x is not None and bool(x[j] >= threshold - EPS), x
