"""DuckDB–Spark parity: the same declarations give the same rows on both backends.

Runs on a small generated data set (H4's generator). Each indicator is its own test so that a
difference points at one declaration; the building blocks are built once per backend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicator_engine.api import EngineRun
from indicator_engine.definitions import INDICATOR_IDS, load_indicator

pytestmark = pytest.mark.spark

FLOATS = ["value", "ci_low", "ci_high", "value_std", "std_ci_low", "std_ci_high"]
KEYS = ["indicator_id", "period_grain", "period_start", "geo_level", "geo_code"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, spark):
    from indicator_engine.generator import generate

    data = tmp_path_factory.mktemp("parity")
    generate(data, persons=1500, years=2, seed=11)
    duck = EngineRun(data, backend="duckdb")
    sp = EngineRun(data, backend="spark", spark=spark)
    yield duck, sp
    duck.close()
    sp.close()


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_duckdb_and_spark_give_identical_rows(runs, indicator_id):
    duck, sp = runs
    ind = load_indicator(indicator_id)
    a = duck.indicator_rows(ind).sort_values(KEYS).reset_index(drop=True)
    b = sp.indicator_rows(ind).sort_values(KEYS).reset_index(drop=True)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a.drop(columns=FLOATS), b.drop(columns=FLOATS))
    for col in FLOATS:
        x, y = a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=1e-9, err_msg=col)


def test_a_closed_spark_run_gives_back_the_memory_of_its_blocks(tmp_path, spark):
    """Blocks are local checkpoints held by the executors; a Spark session that outlives the
    run (a notebook, these tests) gets their memory back when the run closes."""
    from indicator_engine.generator import generate

    generate(tmp_path, persons=300, years=1, seed=3)

    def persisted() -> int:
        return int(spark.sparkContext._jsc.sc().getPersistentRDDs().size())

    before = persisted()
    run = EngineRun(tmp_path, backend="spark", spark=spark)
    assert persisted() > before
    run.close()
    assert persisted() == before
