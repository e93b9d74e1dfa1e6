"""Input that cannot hurt: every malformed input is refused with file, row (line) and column,
exit code 2, and no input value is ever printed (a CPR number could be among them)."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pandas as pd
import pytest

from indicator_engine.cli import main
from indicator_engine.contract import ValidationError, ValidationOptions, validate

from .casebuilder import Case

SECRET = "0101901234"  # CPR-shaped: must never appear in any output


def _case() -> Case:
    c = Case()
    for i in range(6):
        c.person(f"p{i}", "1950-01-01", kom="151")
        c.admission(f"p{i}", "2021-03-01T08:00:00", 2)
    return c


def _problems(data_dir, options: ValidationOptions | None = None) -> list:
    with pytest.raises(ValidationError) as info:
        validate(data_dir, options=options)
    return info.value.problems


def _compute(data, tmp_path, capsys, *extra: str) -> tuple[int, str]:
    out = tmp_path / "results.parquet"
    code = main(["compute", "--data", str(data), "--out", str(out), "--quiet",
                 "--indicators", "acute_admissions_copd", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_bad_row_after_100000_lines_is_named_by_line_and_column_and_not_echoed(
        tmp_path, capsys):
    data = _case().write(tmp_path / "d", fmt="csv")
    frame = pd.read_csv(data / "kontakter.csv", dtype=str, keep_default_na=False)
    header = ",".join(frame.columns)
    good = frame.iloc[0].tolist()
    lines = [header, *(",".join(frame.iloc[i].tolist()) for i in range(len(frame)))]
    for n in range(100_050):
        good[0] = f"x{n}"
        lines.append(",".join(good))
    bad = list(good)
    bad[0], bad[2] = "broken", '"' + SECRET  # an unterminated quote in the cpr column
    lines.append(",".join(bad))
    lines.append(",".join(good))
    (data / "kontakter.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad_line = len(lines) - 1  # 1-based line number of the bad row
    code, output = _compute(data, tmp_path, capsys)
    assert code == 2
    assert f"kontakter.csv, række {bad_line - 1} (linje {bad_line}), kolonne cpr" in output
    assert SECRET not in output and "broken" not in output
    assert "Traceback" not in output
    assert not (tmp_path / "results.parquet").exists()


def test_too_many_columns_is_refused_with_the_line(tmp_path):
    data = _case().write(tmp_path, fmt="csv")
    path = data / "diagnoser.csv"
    path.write_text(path.read_text(encoding="utf-8") + f"k1,DR109,A,false,{SECRET}\n",
                    encoding="utf-8")
    [p] = _problems(data)
    assert p.file == "diagnoser.csv" and p.line == len(path.read_text().splitlines())
    assert "kolonner" in p.message and SECRET not in str(p)


def test_a_corrupt_parquet_file_is_refused_without_a_traceback(tmp_path, capsys):
    data = _case().write(tmp_path / "d")
    (data / "befolkning.parquet").write_bytes(b"PAR1" + SECRET.encode() * 10)
    code, output = _compute(data, tmp_path, capsys)
    assert code == 2
    assert "befolkning.parquet: filen kan ikke læses" in output
    assert SECRET not in output and "Traceback" not in output


def test_a_byte_order_mark_is_accepted(tmp_path):
    data = _case().write(tmp_path, fmt="csv")
    for name in ("geografi.csv", "kontakter.csv"):
        path = data / name
        path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    validate(data)


def test_empty_required_tables_are_refused(tmp_path):
    data = _case().write(tmp_path, fmt="csv")
    path = data / "befolkning.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    problems = _problems(data)
    assert [(p.file, "tom" in p.message) for p in problems] == [("befolkning.csv", True)]


def test_dates_outside_the_plausible_window_are_refused(tmp_path):
    c = _case()
    c.contact("p1", "1900-05-01 08:00", "1900-05-01 09:00")
    c.contact("p2", "2100-05-01 08:00", "2100-05-01 09:00")
    data = c.write(tmp_path, fmt="csv")
    problems = [p for p in _problems(data) if p.column == "dato_start"]
    assert [p.row for p in problems] == [7, 8]
    assert all("1977-01-01" in p.message for p in problems)
    # The window is configurable.
    wide = ValidationOptions(earliest=dt.date(1899, 1, 1), latest=dt.date(2101, 1, 1))
    validate(data, options=wide)


def test_birth_dates_in_the_future_are_refused(tmp_path):
    c = _case()
    c.person("unborn", "2100-01-01", kom="151", years=(2021,))
    [p] = _problems(c.write(tmp_path, fmt="csv"))
    assert (p.file, p.column) == ("befolkning.csv", "foed_dag") and "fremtiden" in p.message


@pytest.mark.parametrize("value", ["0101901234", "010190-1234", "010190 1234", " 0101901234",
                                   "01 01 90 12 34", "010190.1234", "01-01-90-1234"])
def test_cpr_shaped_values_are_refused_however_written_and_never_echoed(tmp_path, value):
    c = _case()
    c.person(value, "1950-01-01", kom="151")
    problems = _problems(c.write(tmp_path))
    assert problems and all(p.column == "cpr" and "CPR" in p.message for p in problems)
    assert value.strip() not in " ".join(str(p) for p in problems)


def test_two_files_for_one_table_are_refused(tmp_path):
    data = _case().write(tmp_path)
    (data / "kontakter.csv").write_text("broken", encoding="utf-8")
    [p] = _problems(data)
    assert "kontakter.parquet" in p.file and "kontakter.csv" in p.file
    assert "to filer" in p.message


def test_a_municipality_without_a_cluster_on_a_published_day_is_refused(tmp_path):
    c = _case()
    c.geography = [g for g in c.geography if g[1] != "151"] + [
        ("municipality", "151", "midt", "2020-01-01", "2021-06-30"),
        ("municipality", "151", "midt", "2021-09-01", ""),
    ]
    [p] = _problems(c.write(tmp_path))
    assert p.file == "geografi.csv"
    assert "kommune 151 har ingen klynge 2021-07-01–2021-08-31" in p.message


def test_the_gap_does_not_matter_when_the_output_uses_one_days_mapping(tmp_path):
    c = _case()
    c.geography = [g for g in c.geography if g[1] != "151"] + [
        ("municipality", "151", "midt", "2020-01-01", "2021-06-30"),
        ("municipality", "151", "midt", "2021-09-01", ""),
    ]
    validate(c.write(tmp_path), options=ValidationOptions(geography_as_of=dt.date(2022, 1, 1)))


def test_unknown_cluster_codes_are_refused(tmp_path):
    c = _case()
    c.geography = [*c.geography,
                   ("cluster", "byen", "", "2020-01-01", ""),
                   ("cluster", "midt", "", "2020-01-01", ""),
                   ("cluster", "bornholm", "", "2020-01-01", "")]
    # "syd" (district 101-04) is named but not declared.
    problems = _problems(c.write(tmp_path))
    assert [(p.file, p.column) for p in problems] == [("geografi.csv", "cluster")]
    assert "syd" in problems[0].message and "ikke erklæret" in problems[0].message


def test_out_decides_the_format_and_refuses_an_unknown_one(tmp_path, capsys):
    data = _case().write(tmp_path / "d")
    out = tmp_path / "results.xlsx"
    assert main(["compute", "--data", str(data), "--out", str(out), "--quiet",
                 "--indicators", "acute_admissions_copd"]) == 0
    assert out.read_bytes()[:2] == b"PK"  # a zip container: XLSX, not Parquet
    sheet = pd.read_excel(out, engine="openpyxl")
    assert list(sheet.columns)[:2] == ["indicator_id", "definition_version"]
    bad = tmp_path / "results.txt"
    assert main(["compute", "--data", str(data), "--out", str(bad), "--quiet"]) == 2
    assert "ukendt filtype" in capsys.readouterr().err and not bad.exists()


def test_the_output_file_gets_the_usual_permissions(tmp_path):
    data = _case().write(tmp_path / "d")
    out = tmp_path / "results.parquet"
    old = os.umask(0o022)
    try:
        assert main(["compute", "--data", str(data), "--out", str(out), "--quiet",
                     "--indicators", "acute_admissions_copd"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
