"""The interval pass's warm whole-block LPs (block_lp) against the audit's component LPs.

Random tables with a two-level hierarchy in both directions (leaves -> groups -> total, and
months -> quarter): the true table satisfies every relation, a random set of cells is hidden,
and block_lp.audit_block must give the same verdicts and (where they matter) the same integer
intervals as audit.audit_system, which builds one LP per component and direction from
nothing. The candidate test (block_lp.reaches) must agree with audit.cell_reaches_point.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicator_engine.audit import audit_system, cell_reaches_point
from indicator_engine.block_lp import BlockLP, audit_block, reaches, system_matrix


def random_block(rng: np.random.Generator, groups: int, leaves: int, months: int,
                 zeros: float) -> tuple[list[list[int]], np.ndarray]:
    """Cells (period x geography) of leaves, groups and a total, months and their sum;
    relations parent = sum(children) both ways; true values small, many zeros."""
    geos = [("leaf", g, i) for g in range(groups) for i in range(leaves)]
    geos += [("group", g, -1) for g in range(groups)] + [("total", -1, -1)]
    periods = list(range(months)) + ["sum"]
    index = {(p, geo): k for k, (p, geo) in enumerate((p, g) for p in periods for g in geos)}
    n = len(index)
    truth = np.zeros(n)
    for p in range(months):
        for g in range(groups):
            for i in range(leaves):
                v = 0 if rng.random() < zeros else int(rng.choice([1, 2, 3, 4, 6, 9, 20]))
                truth[index[(p, ("leaf", g, i))]] = v
    for p in range(months):
        for g in range(groups):
            truth[index[(p, ("group", g, -1))]] = sum(
                truth[index[(p, ("leaf", g, i))]] for i in range(leaves))
        truth[index[(p, ("total", -1, -1))]] = sum(
            truth[index[(p, ("group", g, -1))]] for g in range(groups))
    for geo in geos:
        truth[index[("sum", geo)]] = sum(truth[index[(p, geo)]] for p in range(months))
    eqs: list[list[int]] = []
    for p in periods:
        for g in range(groups):
            eqs.append([index[(p, ("group", g, -1))],
                        *(index[(p, ("leaf", g, i))] for i in range(leaves))])
        eqs.append([index[(p, ("total", -1, -1))],
                    *(index[(p, ("group", g, -1))] for g in range(groups))])
    for geo in geos:
        eqs.append([index[("sum", geo)], *(index[(p, geo)] for p in range(months))])
    return eqs, truth


@st.composite
def blocks(draw: st.DrawFn) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    eqs, truth = random_block(rng, draw(st.integers(1, 3)), draw(st.integers(2, 4)),
                              draw(st.integers(2, 4)), draw(st.floats(0.1, 0.6)))
    hidden = (rng.random(len(truth)) < draw(st.floats(0.1, 0.7))) | (
        (truth >= 1) & (truth <= 4))
    return eqs, truth, hidden


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(blocks())
def test_whole_block_audit_agrees_with_the_component_lps(block) -> None:
    eqs, truth, hidden = block
    n = len(truth)
    reference = audit_system(eqs, np.where(hidden, np.nan, truth), hidden)
    lp = BlockLP(system_matrix(eqs, n), truth)
    # Proofs from the truth, as the interval pass starts with them.
    certified = (truth <= 1e-6, truth >= 5 - 1e-6)
    got = audit_block(lp, hidden, {}, certified)
    h = np.flatnonzero(hidden)
    assert (got.failed[h] == reference.failed[h]).all()
    # The side a cell fails on, and every passing interval, are exact (a failing side of
    # 1-4 may be a propagation bound instead of the LP's value).
    for side in (lambda v: v == 0, lambda v: (v >= 1) & (v <= 4), lambda v: v >= 5):
        assert (side(got.lo[h]) == side(reference.lo[h])).all()
    open_low = h[reference.lo[h] == 0]
    for side in (lambda v: v == 0, lambda v: (v >= 1) & (v <= 4), lambda v: v >= 5):
        assert (side(got.hi[open_low]) == side(reference.hi[open_low])).all()
    # A second audit after hiding more, with the proofs and the cache kept, agrees too.
    more = hidden | (np.random.default_rng(n).random(n) < 0.2)
    cache: dict = {}
    audit_block(lp, hidden, cache, certified)
    again = audit_block(lp, more, cache, certified)
    fresh = audit_system(eqs, np.where(more, np.nan, truth), more)
    m = np.flatnonzero(more)
    assert (again.failed[m] == fresh.failed[m]).all()


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(blocks(), st.data())
def test_candidate_test_agrees_with_the_component_lp(block, data) -> None:
    eqs, truth, hidden = block
    n = len(truth)
    published = np.flatnonzero(~hidden)
    if len(published) == 0 or not hidden.any():
        return
    j = data.draw(st.sampled_from(np.flatnonzero(hidden).tolist()))
    c = data.draw(st.sampled_from(published.tolist()))
    lp = BlockLP(system_matrix(eqs, n), truth)
    trial = hidden.copy()
    trial[c] = True
    for target in ("zero", "threshold"):
        if target == "threshold" and truth[j] >= 5:
            continue  # the pass only asks this of a cell below the threshold
        ok, point = reaches(lp, hidden, c, j, target)
        expected, _cells, _x = cell_reaches_point(eqs, np.where(trial, np.nan, truth), trial,
                                                  j, target)
        assert ok == expected
        assert point is not None
        # The point satisfies every relation with c hidden and the published cells fixed.
        assert np.allclose(system_matrix(eqs, n) @ point, 0, atol=1e-6)
        assert (point >= -1e-9).all()
        assert np.allclose(point[~trial], truth[~trial])
    # The model is left as it was: c published again.
    assert not lp.hidden[c]
