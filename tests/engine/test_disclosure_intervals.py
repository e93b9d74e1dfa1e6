"""Disclosure control against an attacker who also uses bounds (counts are never negative).

The attacker here is written in the test: its own relations from the hierarchy the test
generated, and scipy's linprog for the smallest and largest value of each hidden cell over all
non-negative solutions consistent with what is published.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from indicator_engine import io as engine_io
from indicator_engine.audit import audit_results, disclose_and_audit
from indicator_engine.cli import main
from indicator_engine.disclosure import apply_disclosure_control

from .test_disclosure_properties import World, attacker_equations, build_results, keys, worlds


def lp_intervals(eqs: list[list[tuple]], frame: pd.DataFrame, hidden: set[tuple],
                 column: str, targets: set[tuple] | None = None
                 ) -> dict[tuple, tuple[float, float]]:
    """Per hidden cell (or per cell of ``targets``): (min, max) over x >= 0 with every
    relation parent = sum(children); max is capped at 5 (enough to decide 'at least 5')."""
    value = dict(zip(keys(frame), frame[column].astype(float), strict=True))
    cells = sorted(hidden, key=str)
    col = {k: i for i, k in enumerate(cells)}
    rows, rhs = [], []
    for eq in eqs:
        coef = np.zeros(len(cells))
        b = 0.0
        for pos, k in enumerate(eq):
            sign = 1.0 if pos == 0 else -1.0
            if k in col:
                coef[col[k]] += sign
            else:
                b -= sign * value[k]
        if coef.any():
            rows.append(coef)
            rhs.append(b)
    out = {}
    a = np.array(rows) if rows else np.zeros((0, len(cells)))
    for k, i in col.items():
        if targets is not None and k not in targets:
            continue
        c = np.zeros(len(cells))
        c[i] = 1.0
        bounds = [(0, None)] * len(cells)
        lo = linprog(c, A_eq=a if rows else None, b_eq=rhs if rows else None, bounds=bounds,
                     method="highs")
        bounds[i] = (0, 5)
        hi = linprog(-c, A_eq=a if rows else None, b_eq=rhs if rows else None, bounds=bounds,
                     method="highs")
        assert lo.status == 0, "the true table is a solution"
        out[k] = (lo.x[i], hi.x[i] if hi.status == 0 else 5.0)
    return out


def small_cells_exposed(world: World, frame: pd.DataFrame, out: pd.DataFrame,
                        months: int) -> list[tuple]:
    hidden = {k for k, s in zip(keys(out), out.suppressed, strict=True) if s}
    eqs = attacker_equations(world, frame, months)
    exposed = []
    for column in ("numerator", "denominator"):
        truth = dict(zip(keys(frame), frame[column].astype(float), strict=True))
        small = {k for k in hidden if 1 <= truth[k] <= 4}
        for k, (lo, hi) in lp_intervals(eqs, frame, hidden, column, small).items():
            if 1 <= truth[k] <= 4 and (lo > 1e-6 or hi < 5 - 1e-6):
                exposed.append((column, k, truth[k], round(lo, 3), round(hi, 3)))
    return exposed


@st.composite
def small_tables(draw: st.DrawFn) -> tuple[World, pd.DataFrame, int]:
    world = draw(worlds())
    months = 3
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    leaf_num, leaf_den = {}, {}
    for leaf in leaves:
        for m in range(1, months + 1):
            n = draw(st.integers(0, 6))
            leaf_num[(leaf, m)] = n
            leaf_den[(leaf, m)] = n + draw(st.one_of(st.integers(0, 6), st.integers(5, 60)))
    return world, build_results(world, leaf_num, leaf_den, 2023, months), months


@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_tables())
def test_lp_attacker_with_bounds_finds_no_small_count_on_random_hierarchies(data) -> None:
    world, frame, months = data
    out = apply_disclosure_control(frame, world.edges())
    assert small_cells_exposed(world, frame, out, months) == []


def _two_municipalities() -> World:
    return World(clusters={"c0": [("municipality", "151"), ("municipality", "153")]},
                 split_districts=[], plain=["151", "153"])


def test_quarter_of_nine_is_not_six_plus_a_hidden_three_plus_a_hidden_zero() -> None:
    """The issue's pattern: Q1 = 9 with January 6 published, February 3 hidden and March 0.
    Before, March (the cheapest cell, a zero) was hidden as the partner, and the attacker got
    February = 9 - 6 - 0 = 3 from non-negativity. Now February must be able to be 0 and 5."""
    world = _two_municipalities()
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    ln = {(leaf, m): 8 for leaf in leaves for m in range(1, 4)}
    ld = {(leaf, m): 40 for leaf in leaves for m in range(1, 4)}
    ln[(("municipality", "151"), 1)] = 6
    ln[(("municipality", "151"), 2)] = 3
    ln[(("municipality", "151"), 3)] = 0
    frame = build_results(world, ln, ld, 2023, 3)
    out = apply_disclosure_control(frame, world.edges())
    feb = ("month", pd.Timestamp(2023, 2, 1).date(), "municipality", "151")
    hidden = {k for k, s in zip(keys(out), out.suppressed, strict=True) if s}
    assert feb in hidden
    eqs = attacker_equations(world, frame, 3)
    lo, hi = lp_intervals(eqs, frame, hidden, "numerator")[feb]
    assert lo <= 1e-6 and hi >= 5 - 1e-6
    assert small_cells_exposed(world, frame, out, 3) == []


def test_the_old_choice_of_a_hidden_zero_is_caught_by_the_audit() -> None:
    """The same table with February and March hidden (the old partner choice) fails the
    audit: February's interval is [3, 3]."""
    world = _two_municipalities()
    leaves = [leaf for ls in world.clusters.values() for leaf in ls]
    ln = {(leaf, m): 8 for leaf in leaves for m in range(1, 4)}
    ld = {(leaf, m): 40 for leaf in leaves for m in range(1, 4)}
    ln[(("municipality", "151"), 1)] = 6
    ln[(("municipality", "151"), 2)] = 3
    ln[(("municipality", "151"), 3)] = 0
    frame = build_results(world, ln, ld, 2023, 3)
    public = frame.drop(columns=["suppression_reason"]).copy()
    hide = (public.geo_code == "151") & (public.period_grain == "month") & \
        public.period_start.isin([pd.Timestamp(2023, 2, 1).date(), pd.Timestamp(2023, 3, 1).date()])
    public["suppressed"] = hide.to_numpy()
    public.loc[hide, ["numerator", "denominator"]] = pd.NA
    report = audit_results(public)
    assert not report.passed
    assert report.indicators[0].narrowest_interval == [3, 3]


@pytest.fixture(scope="module")
def generated_output(tmp_path_factory):
    from indicator_engine.api import _results_before_disclosure
    from indicator_engine.generator import generate

    data = tmp_path_factory.mktemp("gen")
    generate(data, persons=2000, years=1, seed=7, start_year=2023)
    out = tmp_path_factory.mktemp("out") / "results.parquet"
    # compute's last steps, in process (the CLI path itself is in test_cli.py): one engine run
    # gives both the true table and the output.
    truth, geography = _results_before_disclosure(data, indicators=["readmission_somatic_30d"])
    public = disclose_and_audit(truth, geography, geography_path=data / "geografi.csv")
    engine_io.write_results_atomically(public, out)
    return data, out, truth


def test_generated_data_no_hidden_small_count_can_be_narrowed(generated_output) -> None:
    from indicator_engine.disclosure import hierarchy_equations
    from indicator_engine.io import read_manifest

    data, out, truth = generated_output
    res = pd.read_parquet(out)
    assert res.suppressed.any()
    relations = read_manifest(out)["disclosure"]["time_relations"]
    from indicator_engine.audit import _edges_for, block_equations
    from indicator_engine.disclosure import _prepare_edges

    edges = _prepare_edges(_edges_for(res, data / "geografi.csv")[0])
    key = ["indicator_id", "period_grain", "period_start", "geo_level", "geo_code"]
    t = truth.assign(period_start=pd.to_datetime(truth.period_start))
    r = res.assign(period_start=pd.to_datetime(res.period_start))
    merged = r[key + ["suppressed"]].merge(t[key + ["numerator", "denominator"]], on=key)
    assert len(merged) == len(res)
    merged["year"] = merged.period_start.dt.year
    checked = 0
    for (ind, _y), block in merged.groupby(["indicator_id", "year"]):
        block = block.reset_index(drop=True)
        cells = list(zip(block.period_grain, block.period_start, block.geo_level,
                         block.geo_code, strict=True))
        for column in ("numerator", "denominator"):
            eqs = block_equations(cells, edges, relations[ind][column], hierarchy_equations)
            rel = [[cells[i] for i in eq] for eq in eqs]
            view = block.assign(period_grain=[c[0] for c in cells])
            hidden = {c for c, s in zip(cells, block.suppressed, strict=True) if s}
            frame = pd.DataFrame({"period_grain": [c[0] for c in cells],
                                  "period_start": [c[1] for c in cells],
                                  "geo_level": [c[2] for c in cells],
                                  "geo_code": [c[3] for c in cells],
                                  column: view[column].astype(float)})
            truth_of = dict(zip(cells, view[column].astype(float), strict=True))
            small = sorted((c for c in hidden if 1 <= truth_of[c] <= 4), key=str)
            if not small:
                continue
            # A fixed sample keeps the test quick; the engine's audit covers every cell.
            rng = np.random.default_rng(len(small))
            small = {small[i] for i in rng.permutation(len(small))[:15]}
            bounds = lp_intervals(rel, frame, hidden, column, small)
            for c in small:
                lo, hi = bounds[c]
                checked += 1
                assert lo <= 1e-6 and hi >= 5 - 1e-6, (ind, column, c, truth_of[c], lo, hi)
    assert checked > 0


def test_public_output_has_no_reason_and_carries_the_manifest(generated_output) -> None:
    data, out, _truth = generated_output
    res = pd.read_parquet(out)
    assert "suppression_reason" not in res.columns
    assert res.suppressed.dtype == bool
    manifest = engine_io.read_manifest(out)
    assert set(manifest) >= {"engine_version", "definitions", "created_at", "audit", "periods",
                             "geography"}
    from indicator_engine.definitions import load_indicator

    assert manifest["definitions"] == {
        "readmission_somatic_30d": str(load_indicator("readmission_somatic_30d").version)}
    audit = manifest["audit"]
    assert audit["passed"] is True and audit["hidden_cells"] == int(res.suppressed.sum())
    assert set(audit) == {"passed", "hidden_cells", "lps_solved", "seconds",
                          "narrowest_interval"}
    assert manifest["periods"]["first"] == "2023-01-01"
    assert manifest["periods"]["last"] == "2023-12-31"
    import hashlib

    assert manifest["geography"] == {
        "as_of": None, "sha256": hashlib.sha256((data / "geografi.csv").read_bytes()).hexdigest()}
    # The reasons live in the non-public report next to the output, owner-readable only.
    report_file = out.with_name("results.report.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert (report_file.stat().st_mode & 0o077) == 0
    reasons = {r["reason"] for r in report["suppression"]["hidden_rows"]}
    assert reasons <= {"primary", "secondary"} and "primary" in reasons
    assert len(report["suppression"]["hidden_rows"]) == int(res.suppressed.sum())
    assert report["audit"]["passed"] is True


def test_audit_command_passes_fails_and_refuses(generated_output, tmp_path, capsys) -> None:
    data, out, truth = generated_output
    assert main(["audit", str(out), "--geography", str(data / "geografi.csv")]) == 0
    printed = capsys.readouterr().out
    assert "readmission_somatic_30d" in printed and "bestået" in printed
    # Doctored: every hidden row that is not small published with its true count.
    res = pd.read_parquet(out)
    key = ["indicator_id", "period_grain", "period_start", "geo_level", "geo_code"]
    t = truth.assign(period_start=pd.to_datetime(truth.period_start).dt.date)
    m = res[key].assign(period_start=pd.to_datetime(res.period_start).dt.date).merge(
        t[key + ["numerator", "denominator"]], on=key, how="left")
    small = (m.numerator.between(1, 4) | m.denominator.between(1, 4)).to_numpy()
    doctored = res.copy()
    reveal = doctored.suppressed.to_numpy() & ~small
    doctored.loc[reveal, "numerator"] = m.numerator[reveal].to_numpy()
    doctored.loc[reveal, "denominator"] = m.denominator[reveal].to_numpy()
    doctored.loc[reveal, "suppressed"] = False
    bad = tmp_path / "doctored.parquet"
    doctored.to_parquet(bad)
    assert main(["audit", str(bad), "--geography", str(data / "geografi.csv")]) == 1
    assert "FEJL" in capsys.readouterr().out
    # Bad input: exit 2, no traceback.
    assert main(["audit", str(tmp_path / "missing.parquet")]) == 2
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    assert main(["audit", str(broken)]) == 2
    nocols = tmp_path / "nocols.csv"
    nocols.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["audit", str(nocols)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_children_of_a_published_zero_are_zero_without_lps_of_their_own() -> None:
    """A published 0 forces its hidden children to 0: interval [0, 0] (passes), found by
    propagation; only the component's first LP is solved, not one per child and direction.
    A published 3 over the same hidden children still fails (each child is at most 3)."""
    from indicator_engine.audit import audit_system

    hidden = np.array([False, True, True, True])
    forced = audit_system([[0, 1, 2, 3]], np.array([0.0, np.nan, np.nan, np.nan]), hidden)
    assert forced.passed
    assert forced.lo[1:].tolist() == [0, 0, 0] and forced.hi[1:].tolist() == [0, 0, 0]
    assert forced.lps == 1
    small = audit_system([[0, 1, 2, 3]], np.array([3.0, np.nan, np.nan, np.nan]), hidden)
    assert not small.passed
    assert small.hi[1:].tolist() == [3, 3, 3]
