"""The command line: compute writes results atomically; malformed input exits 2, names file,
row and column, and writes nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from indicator_engine import io as engine_io
from indicator_engine.cli import main

from .casebuilder import Case


def _case_dir(tmp_path, fmt="parquet"):
    c = Case()
    for i in range(8):
        c.person(f"p{i}", "1950-01-01", kom="151")
        c.admission(f"p{i}", "2021-03-01T08:00:00", 2, dx="DE86")
        c.admission(f"p{i}", "2021-03-20T08:00:00", 2)
    return c.write(tmp_path / "data", fmt=fmt)


def test_compute_writes_the_long_format_with_disclosure_applied(tmp_path, capsys):
    data = _case_dir(tmp_path)
    out = tmp_path / "out" / "results.parquet"
    code = main(["compute", "--data", str(data), "--out", str(out),
                 "--indicators", "readmission_somatic_30d,preventable_admissions_65plus"])
    assert code == 0
    res = pd.read_parquet(out)
    assert set(res.indicator_id) == {"readmission_somatic_30d", "preventable_admissions_65plus"}
    assert "suppressed" in res.columns
    # No published row carries a count of 1-4.
    shown = res[~res.suppressed]
    for col in ("numerator", "denominator"):
        values = shown[col].dropna()
        assert not ((values >= 1) & (values <= 4)).any()
    # Suppressed rows carry no numbers at all.
    hidden = res[res.suppressed]
    assert hidden[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
    assert "indikator readmission_somatic_30d" in capsys.readouterr().err  # progress shown


def test_compute_writes_csv_when_asked(tmp_path):
    data = _case_dir(tmp_path)
    out = tmp_path / "results.csv"
    assert main(["compute", "--data", str(data), "--out", str(out), "--quiet",
                 "--indicators", "acute_admissions_copd"]) == 0
    res = pd.read_csv(out)
    assert list(res.columns)[:3] == ["indicator_id", "definition_version", "provisional"]


def test_malformed_input_exits_2_names_the_problem_and_writes_nothing(tmp_path, capsys):
    data = _case_dir(tmp_path, fmt="csv")
    frame = pd.read_csv(data / "kontakter.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "dato_start"] = "03/01/2021"
    frame.to_csv(data / "kontakter.csv", index=False)
    out = tmp_path / "results.parquet"
    out.write_bytes(b"previous results")
    code = main(["compute", "--data", str(data), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "kontakter.csv, række 3 (linje 4), kolonne dato_start" in err
    assert out.read_bytes() == b"previous results"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".results")] == []


def test_failed_write_leaves_existing_file_untouched(tmp_path, monkeypatch):
    out = tmp_path / "results.parquet"
    out.write_bytes(b"previous results")

    def broken(self, path, **kw):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    import pyarrow.parquet as pq

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    monkeypatch.setattr(pq, "write_table", lambda table, path, **kw: broken(None, path))
    with pytest.raises(OSError):
        engine_io.write_results_atomically(pd.DataFrame({"a": [1]}), out)
    assert out.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.parquet"]


def test_unknown_indicator_and_bad_standard_population_exit_2(tmp_path, capsys):
    data = _case_dir(tmp_path)
    out = tmp_path / "r.parquet"
    assert main(["compute", "--data", str(data), "--out", str(out),
                 "--indicators", "no_such_indicator"]) == 2
    bad = tmp_path / "std.csv"
    bad.write_text("band,weight\n0-4,5000\n", encoding="utf-8")
    assert main(["compute", "--data", str(data), "--out", str(out),
                 "--standard-population", str(bad)]) == 2
    assert not out.exists()
    assert "age_from" in capsys.readouterr().err


def test_missing_data_directory_exits_2(tmp_path, capsys):
    assert main(["compute", "--data", str(tmp_path / "nope"), "--out",
                 str(tmp_path / "r.parquet")]) == 2
    assert "datamappen findes ikke" in capsys.readouterr().err


def test_bad_arguments_exit_2():
    assert main(["compute", "--backend", "oracle"]) == 2


def test_generate_then_compute_round_trip(tmp_path, capsys):
    data = tmp_path / "gen"
    assert main(["generate", "--persons", "300", "--years", "1", "--seed", "3",
                 "--start-year", "2023",
                 "--out", str(data)]) == 0
    assert (data / "kontakter.parquet").is_file() and (data / "geografi.csv").is_file()
    out = tmp_path / "r.parquet"
    assert main(["compute", "--data", str(data), "--out", str(out), "--quiet",
                 "--indicators", "preventable_admissions_65plus"]) == 0
    res = pd.read_parquet(out)
    assert set(res.geo_level) == {"district", "municipality", "cluster", "region"}
    assert "kontakter" in capsys.readouterr().err
