"""Validation on read: invalid input is refused before anything is computed, with the file,
the row (and for CSV the line) and the column named."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from indicator_engine.contract import MAX_ERRORS, ValidationError, validate

from .casebuilder import Case


def _case() -> Case:
    c = Case()
    c.person("p1", "1950-01-01", kom="147")
    c.person("p2", "1950-01-01", kom="101", bydel="01")
    c.admission("p1", "2021-03-01T08:00:00", 2)
    c.admission("p2", "2021-03-01T08:00:00", 2)
    return c


def _problems(data_dir) -> list:
    with pytest.raises(ValidationError) as info:
        validate(data_dir)
    return info.value.problems


def _edit_csv(path, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row - 1, column] = value
    frame.to_csv(path, index=False)


def test_valid_parquet_and_csv_pass(tmp_path):
    validate(_case().write(tmp_path / "pq"))
    validate(_case().write(tmp_path / "csv", fmt="csv"))


def test_unparseable_date_names_file_row_line_and_column(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "kontakter.csv", 2, "dato_start", "2021-02-30")
    [p] = _problems(d)
    assert (p.file, p.row, p.line, p.column) == ("kontakter.csv", 2, 3, "dato_start")
    assert "dato" in p.message
    assert "kontakter.csv, række 2 (linje 3), kolonne dato_start" in str(p)


def test_times_accept_hh_mm_and_booleans_ja_nej(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "kontakter.csv", 1, "tidspunkt_start", "08:00")
    _edit_csv(d / "diagnoser.csv", 1, "senere_afkraeftet", "Nej")
    validate(d)


def test_bad_codes_are_named(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "kontakter.csv", 1, "prioritet", "ATA2")
    _edit_csv(d / "kontakter.csv", 2, "aktionsdiagnose", "J44.1")
    _edit_csv(d / "befolkning.csv", 1, "koen", "X")
    got = {(p.file, p.row, p.column) for p in _problems(d)}
    assert got == {("kontakter.csv", 1, "prioritet"), ("kontakter.csv", 2, "aktionsdiagnose"),
                   ("befolkning.csv", 1, "koen")}


def test_pseudonym_that_looks_like_a_real_cpr_number_is_refused_without_echoing_it(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    fake = "010150" + "-" + "1234"
    _edit_csv(d / "befolkning.csv", 3, "cpr", fake)
    problems = _problems(d)
    assert any(p.file == "befolkning.csv" and p.row == 3 and p.column == "cpr"
               and "CPR" in p.message for p in problems)
    assert all(fake not in str(p) for p in problems)


def test_end_before_start_and_duplicate_contact_id(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "kontakter.csv", 1, "dato_slut", "2021-02-01")
    [p] = _problems(d)
    assert (p.row, p.column) == (1, "dato_slut") and "før" in p.message
    d2 = _case().write(tmp_path / "dup", fmt="csv")
    _edit_csv(d2 / "kontakter.csv", 2, "dw_ek_kontakt", "k1")
    problems = _problems(d2)
    assert any(p.column == "dw_ek_kontakt" and "flere gange" in p.message for p in problems)


def test_missing_file_and_missing_column(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    (d / "kroniske_sygdomme.csv").unlink()
    frame = pd.read_csv(d / "diagnoser.csv", dtype=str)
    frame.drop(columns=["diagnosetype"]).to_csv(d / "diagnoser.csv", index=False)
    got = {(p.file, p.column) for p in _problems(d)}
    assert ("diagnoser.csv", "diagnosetype") in got
    assert any(f.startswith("kroniske_sygdomme") for f, _ in got)


def test_wrong_parquet_type_is_named(tmp_path):
    d = _case().write(tmp_path)
    table = pq.read_table(d / "befolkning.parquet")
    idx = table.schema.get_field_index("foed_dag")
    table = table.set_column(idx, "foed_dag", pa.array([1] * table.num_rows, pa.int64()))
    pq.write_table(table, d / "befolkning.parquet")
    [p] = _problems(d)
    assert (p.file, p.column, p.row) == ("befolkning.parquet", "foed_dag", None)
    assert "forkert type" in p.message


def test_unknown_municipality_in_population_and_geography(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "befolkning.csv", 1, "kom", "999")
    geo = pd.read_csv(d / "geografi.csv", dtype=str, keep_default_na=False)
    geo.loc[len(geo)] = ["district", "102-01", "byen", "2020-01-01", ""]
    geo.to_csv(d / "geografi.csv", index=False)
    problems = _problems(d)
    assert any(p.file == "befolkning.csv" and p.column == "kom" and "999" in p.message
               for p in problems)
    assert any(p.file == "geografi.csv" and p.column == "code" and "102-01" in p.message
               for p in problems)


def test_district_only_for_copenhagen(tmp_path):
    d = _case().write(tmp_path, fmt="csv")
    _edit_csv(d / "befolkning.csv", 1, "bydel", "03")  # p1 lives in 147
    _edit_csv(d / "befolkning.csv", 3, "bydel", "")  # p2 lives in 101
    got = {(p.row, p.column) for p in _problems(d)}
    assert got == {(1, "bydel"), (3, "bydel")}


def test_collects_at_most_twenty_errors(tmp_path):
    c = _case()
    for i in range(30):
        c.person(f"x{i}", "1950-01-01", kom="147")
    d = c.write(tmp_path, fmt="csv")
    frame = pd.read_csv(d / "befolkning.csv", dtype=str, keep_default_na=False)
    frame["koen"] = "X"
    frame.to_csv(d / "befolkning.csv", index=False)
    problems = _problems(d)
    assert len(problems) == MAX_ERRORS
    assert [p.row for p in problems] == list(range(1, MAX_ERRORS + 1))


def test_discharge_ready_mark_for_an_unknown_contact(tmp_path):
    c = _case()
    k = c.admission("p1", "2021-05-01T08:00:00", 5)
    c.mark_ready(k, "2021-05-03 08:00")
    c.mark_ready("k999", "2021-05-03 08:00")
    [p] = _problems(c.write(tmp_path, fmt="csv"))
    assert (p.file, p.row, p.column) == ("faerdigbehandlet.csv", 2, "dw_ek_kontakt")


def test_same_person_twice_on_one_reference_date(tmp_path):
    c = _case()
    c.person("p1", "1950-01-01", kom="147", years=(2021,))
    problems = _problems(c.write(tmp_path))
    assert [(p.file, p.column) for p in problems] == [("befolkning.parquet", "cpr")]
