"""Disclosure control against an attacker: random count tables that add up along the published
hierarchies, many small counts; after control no suppressed cell may be recoverable by
equations (the attacker with bounds is in test_disclosure_intervals.py).

The attacker here is written independently of disclosure.py: it builds its own equations from
the hierarchy the test generated and uses matrix ranks (not the module's SVD leverage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicator_engine.disclosure import apply_disclosure_control

NUMBERS = ("value", "ci_low", "ci_high", "value_std", "std_ci_low", "std_ci_high")


@dataclass
class World:
    """A small geography: region -> clusters -> municipalities (one split into districts)."""

    clusters: dict[str, list[tuple[str, str]]]  # cluster -> leaf (level, code)
    split_districts: list[str]  # districts of municipality "101"
    plain: list[str]  # municipalities without districts

    def edges(self) -> pd.DataFrame:
        rows = []
        for cl, leaves in self.clusters.items():
            rows.append(("region", "1084", "cluster", cl))
            for level, code in leaves:
                rows.append(("cluster", cl, level, code))
        for d in self.split_districts:
            rows.append(("municipality", "101", "district", d))
        e = pd.DataFrame(rows, columns=["parent_level", "parent_code", "child_level",
                                        "child_code"])
        e["valid_from"] = pd.NaT
        e["valid_to"] = pd.NaT
        return e

    def geo_cells(self) -> list[tuple[str, str]]:
        cells = [("region", "1084")]
        cells += [("cluster", c) for c in self.clusters]
        cells += [("municipality", m) for m in self.plain]
        if self.split_districts:
            cells.append(("municipality", "101"))
        cells += [("district", d) for d in self.split_districts]
        return cells

    def leaves_of(self, level: str, code: str) -> list[tuple[str, str]]:
        if level == "region":
            return [leaf for leaves in self.clusters.values() for leaf in leaves]
        if level == "cluster":
            return self.clusters[code]
        if level == "municipality" and code == "101":
            return [("district", d) for d in self.split_districts]
        return [(level, code)]

    def geo_equations(self) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
        eqs = [(("region", "1084"), [("cluster", c) for c in self.clusters])]
        eqs += [(("cluster", c), leaves) for c, leaves in self.clusters.items()]
        if self.split_districts:
            eqs.append((("municipality", "101"),
                        [("district", d) for d in self.split_districts]))
        eqs.append((("region", "1084"), [("municipality", m) for m in self.plain]
                    + ([("municipality", "101")] if self.split_districts else [])))
        return eqs


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n_clusters = draw(st.integers(2, 3))
    n_plain = draw(st.integers(2, 5))
    n_districts = draw(st.sampled_from([0, 2, 3, 4]))
    plain = [f"{150 + i}" for i in range(n_plain)]
    districts = [f"101-{i + 1:02d}" for i in range(n_districts)]
    leaves = [("municipality", m) for m in plain] + [("district", d) for d in districts]
    owner = draw(st.lists(st.integers(0, n_clusters - 1), min_size=len(leaves),
                          max_size=len(leaves)))
    clusters: dict[str, list[tuple[str, str]]] = {f"c{i}": [] for i in range(n_clusters)}
    for leaf, o in zip(leaves, owner, strict=True):
        clusters[f"c{o}"].append(leaf)
    clusters = {c: v for c, v in clusters.items() if v}
    return World(clusters, districts, plain)


def periods(year: int, months: int) -> list[tuple[str, pd.Timestamp]]:
    out = [("month", pd.Timestamp(year, m, 1)) for m in range(1, months + 1)]
    out += [("quarter", pd.Timestamp(year, m, 1)) for m in (1, 4, 7, 10) if m <= months]
    out.append(("year", pd.Timestamp(year, 1, 1)))
    return out


def build_results(world: World, leaf_num: dict, leaf_den: dict, year: int, months: int,
                  indicator: str = "readmission_somatic_30d") -> pd.DataFrame:
    """Long-format rows: every (period, geography) = sum of its leaves over its months."""
    rows = []
    for grain, start in periods(year, months):
        span = {"month": 1, "quarter": 3, "year": 12}[grain]
        ms = [m for m in range(start.month, start.month + span) if m <= months]
        for level, code in world.geo_cells():
            leaves = world.leaves_of(level, code)
            num = sum(leaf_num[(leaf, m)] for leaf in leaves for m in ms)
            den = sum(leaf_den[(leaf, m)] for leaf in leaves for m in ms)
            value = num / den * 100 if den else np.nan
            rows.append(dict(  # noqa: C408
                indicator_id=indicator, definition_version="1", provisional=False,
                unit="percent", period_grain=grain, period_start=start.date(), geo_level=level,
                geo_code=code, numerator=num, denominator=den, value=value,
                ci_low=value - 1, ci_high=value + 1, value_std=value, std_ci_low=value - 2,
                std_ci_high=value + 2, suppressed=False, suppression_reason=None))
    frame = pd.DataFrame(rows)
    frame["numerator"] = frame["numerator"].astype("Int64")
    frame["denominator"] = frame["denominator"].astype("Int64")
    return frame


@st.composite
def tables(draw: st.DrawFn, months: tuple[int, ...] = (3, 6, 12)
           ) -> tuple[World, pd.DataFrame, int]:
    """Random tables (the LP pass makes 12-month tables of tiny counts slow: the examples
    below cover whole years)."""
    world = draw(worlds())
    months = draw(st.sampled_from(list(months)))
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    small = st.integers(0, 6)
    mixed = st.one_of(small, st.integers(0, 40))
    leaf_num, leaf_den = {}, {}
    for leaf in leaves:
        for m in range(1, months + 1):
            n = draw(small)
            leaf_num[(leaf, m)] = n
            leaf_den[(leaf, m)] = n + draw(mixed)
    return world, build_results(world, leaf_num, leaf_den, 2023, months), months


def attacker_equations(world: World, frame: pd.DataFrame, months: int) -> list[list[tuple]]:
    """Every additive relation the attacker knows, as [parent, *children] row keys."""
    present = set(zip(frame.period_grain, frame.period_start, frame.geo_level, frame.geo_code,
                      strict=True))
    eqs: list[list[tuple]] = []
    for grain, start in periods(2023, months):
        for parent, children in world.geo_equations():
            eqs.append([(grain, start.date(), *parent)]
                       + [(grain, start.date(), *c) for c in children])
    y = pd.Timestamp(2023, 1, 1).date()
    for level, code in world.geo_cells():
        qs = [q for q in (1, 4, 7, 10) if q <= months]
        for q in qs:
            eqs.append([("quarter", pd.Timestamp(2023, q, 1).date(), level, code)]
                       + [("month", pd.Timestamp(2023, m, 1).date(), level, code)
                          for m in range(q, q + 3) if m <= months])
        eqs.append([("year", y, level, code)]
                   + [("quarter", pd.Timestamp(2023, q, 1).date(), level, code) for q in qs])
        eqs.append([("year", y, level, code)]
                   + [("month", pd.Timestamp(2023, m, 1).date(), level, code)
                      for m in range(1, months + 1)])
    return [[k for k in eq] for eq in eqs if all(k in present for k in eq)]


def single_equation_recoveries(eqs: list[list[tuple]], hidden: set[tuple]) -> list[tuple]:
    return [k for eq in eqs for k in eq if k in hidden and sum(x in hidden for x in eq) == 1]


def linear_algebra_recoveries(eqs: list[list[tuple]], hidden: list[tuple]) -> list[tuple]:
    """A hidden cell is recovered when adding its unit row does not raise the rank of the
    equations restricted to hidden cells (its value is then a combination of known ones)."""
    if not hidden:
        return []
    col = {k: i for i, k in enumerate(hidden)}
    a = np.zeros((len(eqs), len(hidden)))
    for r, eq in enumerate(eqs):
        for j, k in enumerate(eq):
            if k in col:
                a[r, col[k]] += 1.0 if j == 0 else -1.0
    base = np.linalg.matrix_rank(a) if a.size else 0
    found = []
    for k, i in col.items():
        unit = np.zeros((1, len(hidden)))
        unit[0, i] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == base:
            found.append(k)
    return found


def keys(frame: pd.DataFrame) -> list[tuple]:
    return list(zip(frame.period_grain, frame.period_start, frame.geo_level, frame.geo_code,
                    strict=True))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(months=(3, 6)))
def test_no_suppressed_cell_can_be_recovered_and_nothing_small_is_published(data) -> None:
    world, frame, months = data
    out = apply_disclosure_control(frame, world.edges())

    # Rows out = rows in, same order, same identifying columns.
    assert len(out) == len(frame)
    assert keys(out) == keys(frame)

    published = out[~out.suppressed]
    for col in ("numerator", "denominator"):
        vals = published[col].astype(float)
        assert not ((vals >= 1) & (vals <= 4)).any()
    # Published rows are unchanged; suppressed rows carry no number at all.
    unchanged = frame.loc[~out.suppressed.to_numpy()]
    for col in ("numerator", "denominator", *NUMBERS):
        pd.testing.assert_series_equal(published[col], unchanged[col], check_dtype=False)
    hidden_rows = out[out.suppressed]
    assert hidden_rows[["numerator", "denominator", *NUMBERS]].isna().all().all()
    # Primary exactly where a count is 1-4; secondary only on rows that were not small.
    small = ((frame.numerator.between(1, 4)) | (frame.denominator.between(1, 4))).to_numpy()
    assert ((out.suppression_reason == "primary").to_numpy() == small).all()
    assert (out.suppressed.to_numpy() == out.suppression_reason.notna().to_numpy()).all()

    hidden = [k for k, s in zip(keys(out), out.suppressed, strict=True) if s]
    eqs = attacker_equations(world, frame, months)
    # (a) subtraction along one equation
    assert single_equation_recoveries(eqs, set(hidden)) == []
    # (b) full linear algebra over all hierarchies at once
    assert linear_algebra_recoveries(eqs, hidden) == []


def _copenhagen_world() -> World:
    return World(
        clusters={"byen": [("municipality", "147"), ("district", "101-01"),
                           ("district", "101-02")],
                  "syd": [("municipality", "167"), ("district", "101-04"),
                          ("district", "101-05")]},
        split_districts=["101-01", "101-02", "101-04", "101-05"],
        plain=["147", "167"],
    )


def _uniform(world: World, months: int, num: int, den: int) -> tuple[dict, dict]:
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    ln = {(leaf, m): num for leaf in leaves for m in range(1, months + 1)}
    ld = {(leaf, m): den for leaf in leaves for m in range(1, months + 1)}
    return ln, ld


def test_copenhagen_district_in_two_clusters_cannot_be_recovered() -> None:
    world = _copenhagen_world()
    ln, ld = _uniform(world, 12, 20, 200)
    # One district has a small numerator in every month of the year (3 a month, 36 a year).
    for m in range(1, 13):
        ln[(("district", "101-04"), m)] = 3
    frame = build_results(world, ln, ld, 2023, 12)
    out = apply_disclosure_control(frame, world.edges())
    month_rows = out[(out.period_grain == "month") & (out.geo_code == "101-04")]
    assert (month_rows.suppression_reason == "primary").all()
    # Its quarters and year are large and stay published, yet nothing can be recovered.
    assert not out[(out.period_grain == "year") & (out.geo_code == "101-04")].suppressed.any()
    hidden = [k for k, s in zip(keys(out), out.suppressed, strict=True) if s]
    eqs = attacker_equations(world, frame, 12)
    assert single_equation_recoveries(eqs, set(hidden)) == []
    assert linear_algebra_recoveries(eqs, hidden) == []
    # The partner cells are neighbours: another district of København or syd in that month.
    jan = out[(out.period_grain == "month") & (out.period_start == pd.Timestamp(2023, 1, 1).date())]
    assert jan[jan.suppression_reason == "secondary"].geo_level.isin(
        ["district", "municipality"]).any()


def test_one_small_month_in_a_year_forces_a_second_month_and_keeps_the_year() -> None:
    world = World(clusters={"c0": [("municipality", "151"), ("municipality", "153")],
                            "c1": [("municipality", "155"), ("municipality", "157")]},
                  split_districts=[], plain=["151", "153", "155", "157"])
    ln, ld = _uniform(world, 12, 30, 300)
    ln[(("municipality", "151"), 5)] = 2  # May in 151
    frame = build_results(world, ln, ld, 2023, 12)
    out = apply_disclosure_control(frame, world.edges())
    s151 = out[(out.geo_code == "151") & out.suppressed]
    assert "primary" in set(s151.suppression_reason)
    # Another month of 151 is hidden so May cannot be had from the quarter or the year.
    months_hidden = s151[s151.period_grain == "month"]
    assert len(months_hidden) >= 2
    # The year and the region stay published: the protection is local.
    assert not out[(out.period_grain == "year")].suppressed.any()
    assert not out[out.geo_level == "region"].suppressed.any()
    hidden = [k for k, s in zip(keys(out), out.suppressed, strict=True) if s]
    eqs = attacker_equations(world, frame, 12)
    assert single_equation_recoveries(eqs, set(hidden)) == []
    assert linear_algebra_recoveries(eqs, hidden) == []


def test_zero_is_published_and_five_is_published() -> None:
    world = World(clusters={"c0": [("municipality", "151"), ("municipality", "153")]},
                  split_districts=[], plain=["151", "153"])
    ln, ld = _uniform(world, 3, 0, 5)
    frame = build_results(world, ln, ld, 2023, 3)
    out = apply_disclosure_control(frame, world.edges())
    assert not out.suppressed.any()
    assert out.suppression_reason.isna().all()
    pd.testing.assert_frame_equal(out.drop(columns=["suppression_reason"]),
                                  frame.drop(columns=["suppression_reason"]))


def test_an_expired_cluster_membership_does_not_tie_a_later_year() -> None:
    """A cluster edge that ended before the period is not an equation for that period."""
    world = World(clusters={"c0": [("municipality", "151"), ("municipality", "153")],
                            "c1": [("municipality", "155")]},
                  split_districts=[], plain=["151", "153", "155"])
    ln, ld = _uniform(world, 12, 30, 300)
    ln[(("municipality", "151"), 5)] = 2
    frame = build_results(world, ln, ld, 2023, 12)
    edges = world.edges()
    # Cluster c0 existed only in 2021: in 2023 its rows are not tied to 151 and 153.
    edges.loc[edges.parent_code == "c0", ["valid_from", "valid_to"]] = [
        pd.Timestamp("2021-01-01"), pd.Timestamp("2021-12-31")]
    out_expired = apply_disclosure_control(frame, edges)
    out_valid = apply_disclosure_control(frame, world.edges())
    c0_expired = out_expired[(out_expired.geo_code == "c0") & out_expired.suppressed]
    c0_valid = out_valid[(out_valid.geo_code == "c0") & out_valid.suppressed]
    assert len(c0_expired) <= len(c0_valid)
    # With the valid edge, May of 151 must not be recoverable from c0 - 153.
    hidden = {k for k, s in zip(keys(out_valid), out_valid.suppressed, strict=True) if s}
    may = ("month", pd.Timestamp(2023, 5, 1).date())
    assert (*may, "cluster", "c0") in hidden or (*may, "municipality", "153") in hidden


def test_blocks_are_indicator_and_calendar_year() -> None:
    """A small cell in one indicator does not suppress anything in another indicator."""
    world = World(clusters={"c0": [("municipality", "151"), ("municipality", "153")]},
                  split_districts=[], plain=["151", "153"])
    ln, ld = _uniform(world, 12, 30, 300)
    a = build_results(world, ln, ld, 2023, 12, indicator="a")
    ln2 = dict(ln)
    ln2[(("municipality", "151"), 1)] = 1
    b = build_results(world, ln2, ld, 2023, 12, indicator="b")
    out = apply_disclosure_control(pd.concat([a, b], ignore_index=True), world.edges())
    assert not out[out.indicator_id == "a"].suppressed.any()
    assert out[out.indicator_id == "b"].suppressed.sum() >= 4


def test_missing_columns_are_refused_with_their_names() -> None:
    world = World(clusters={"c0": [("municipality", "151")]}, split_districts=[], plain=["151"])
    frame = build_results(world, *_uniform(world, 3, 1, 9), 2023, 3)
    with pytest.raises(ValueError, match="numerator"):
        apply_disclosure_control(frame.drop(columns=["numerator"]), world.edges())
    with pytest.raises(ValueError, match="valid_to"):
        apply_disclosure_control(frame, world.edges().drop(columns=["valid_to"]))


def test_other_count_columns_and_thresholds_are_honoured() -> None:
    world = World(clusters={"c0": [("municipality", "151"), ("municipality", "153")]},
                  split_districts=[], plain=["151", "153"])
    frame = build_results(world, *_uniform(world, 3, 6, 60), 2023, 3)
    frame["persons"] = pd.array([7] * len(frame), dtype="Int64")
    out = apply_disclosure_control(frame, world.edges(), threshold=8,
                                   count_columns=("numerator", "denominator", "persons"))
    assert out.suppressed.all()
    assert out.persons.isna().all()


def test_identical_input_gives_identical_output() -> None:
    world = _copenhagen_world()
    rng = np.random.default_rng(3)
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    ln = {(leaf, m): int(rng.integers(0, 6)) for leaf in leaves for m in range(1, 13)}
    ld = {k: v + int(rng.integers(0, 30)) for k, v in ln.items()}
    frame = build_results(world, ln, ld, 2023, 12)
    first = apply_disclosure_control(frame, world.edges())
    second = apply_disclosure_control(frame, world.edges())
    pd.testing.assert_frame_equal(first, second)
    assert first.suppressed.any()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(2, 40), cols=st.integers(2, 60),
       share=st.floats(0.0, 1.0))
def test_the_rank_check_seeded_with_independent_cells_decides_as_the_plain_one(
        seed: int, rows: int, cols: int, share: float) -> None:
    """Secondary suppression keeps the cells found independent from one rank check to the
    next and factorises them without pivoting. Whatever independent cells it is given, the
    cells it calls determined are those the plain pivoted check calls determined."""
    from indicator_engine.disclosure import _determined

    rng = np.random.default_rng(seed)
    # Sums of a few cells (0/±1 entries), some columns copies or sums of others: dependent
    # columns, determined and free cells alike.
    piece = np.zeros((rows, cols))
    for r in range(rows):
        members = rng.choice(cols, size=min(cols, int(rng.integers(1, 6))), replace=False)
        piece[r, members] = rng.choice([-1.0, 1.0], size=len(members))
    for c in rng.choice(cols, size=cols // 4, replace=False):
        a, b = rng.choice(cols, size=2, replace=False)
        piece[:, c] = piece[:, a] - piece[:, b]
    plain, pivots = _determined(piece)
    # Any subset of an independent set is independent.
    known = pivots & (rng.random(cols) < share)
    seeded, seeded_pivots = _determined(piece, independent=known)
    assert np.array_equal(seeded, plain)
    assert seeded_pivots.sum() == pivots.sum()  # the rank
    assert np.linalg.matrix_rank(piece[:, seeded_pivots]) == seeded_pivots.sum()
